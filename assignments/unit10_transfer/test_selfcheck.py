"""Self-check: ``pytest assignments/unit10_transfer`` runs the public checks on your code here."""
from autograder.selfcheck import make_tests

test_check = make_tests("unit10_transfer")
