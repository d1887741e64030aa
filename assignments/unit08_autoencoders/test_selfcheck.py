"""Self-check: ``pytest assignments/unit08_autoencoders`` runs the public checks on your code here."""
from autograder.selfcheck import make_tests

test_check = make_tests("unit08_autoencoders")
