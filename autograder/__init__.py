"""deepgrade: scored checks for a ten-unit deep-learning course, run against sandboxed student code."""

__version__ = "0.1.0"
