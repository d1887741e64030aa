"""Self-check: ``pytest assignments/unit02_regression`` runs the public checks on your code here."""
from autograder.selfcheck import make_tests

test_check = make_tests("unit02_regression")
