"""Self-check: ``pytest assignments/unit07_gan`` runs the public checks on your code here."""
from autograder.selfcheck import make_tests

test_check = make_tests("unit07_gan")
