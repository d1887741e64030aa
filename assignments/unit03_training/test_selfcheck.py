"""Self-check: ``pytest assignments/unit03_training`` runs the public checks on your code here."""
from autograder.selfcheck import make_tests

test_check = make_tests("unit03_training")
