"""Self-check: ``pytest assignments/unit06_rnn`` runs the public checks on your code here."""
from autograder.selfcheck import make_tests

test_check = make_tests("unit06_rnn")
