"""Self-check: ``pytest assignments/unit09_evaluation`` runs the public checks on your code here."""
from autograder.selfcheck import make_tests

test_check = make_tests("unit09_evaluation")
