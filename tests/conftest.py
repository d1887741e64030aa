"""The framework's own tests grade with a fixed course salt unless one is given, so no test needs
(or creates) a real one; tests of the salt itself clear it in the environment they pass on."""
import os

os.environ.setdefault("DEEPGRADE_SALT", "tests-course-salt-5f0c")
