"""Self-check: ``pytest assignments/unit04_backprop`` runs the public checks on your code here."""
from autograder.selfcheck import make_tests

test_check = make_tests("unit04_backprop")
