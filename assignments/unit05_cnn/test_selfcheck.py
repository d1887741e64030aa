"""Self-check: ``pytest assignments/unit05_cnn`` runs the public checks on your code here."""
from autograder.selfcheck import make_tests

test_check = make_tests("unit05_cnn")
