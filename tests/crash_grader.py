"""``python -m tests.crash_grader BATCH-ARGS``: ``autograder batch`` whose grader process dies on
student ``killer`` and raises on student ``buggy`` (no submission can do this to the real grader
through the sandbox), to test that each breaks only its own row."""
import os
import signal
import sys

from autograder import batch
from autograder.cli import main

_real_grade_job = batch._grade_job


def faulty_grade_job(sid, *args):
    if sid == "killer":
        os.kill(os.getpid(), signal.SIGKILL)
    if sid == "buggy":
        raise RuntimeError("a bug in the grader")
    return _real_grade_job(sid, *args)


batch._grade_job = faulty_grade_job

if __name__ == "__main__":
    sys.exit(main(["batch", *sys.argv[1:]]))
