"""Self-check: ``pytest assignments/unit01_foundations`` runs the public checks on your code here."""
from autograder.selfcheck import make_tests

test_check = make_tests("unit01_foundations")
