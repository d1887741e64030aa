"""A failure inside a trusted driver names the student's function that was running, whether the check
called a driver's function or a method of an object a driver made (a training loop holding the
student's steps): that function is the one given up on; a hang in the driver's own code names the
driver's function and gives up on none of the student's."""
from __future__ import annotations

import pytest

from autograder.sandbox.session import Session, Student
from autograder.sandbox.worker_process import Limits, StudentError

STEPS = """
import os
import time

import numpy as np


def misbehave(how):
    if how == "hang":
        time.sleep(60)
    if how == "exit":
        os._exit(3)
    if how == "warn":
        return np.exp(np.array([1000.0]))
    raise ValueError("boom")


def discriminator_step(i, how):
    if how and i == 1:
        misbehave(how)
    return i


def generator_step(i, how):
    if how and i == 1:
        misbehave(how)
    return i
"""
RAISE = 'raise ValueError("boom")'
LOOP = '''
class Run:
    """Resolves the student's steps when made and calls them when run, as unit 7's GanRun does."""

    def __init__(self):
        self.steps = {name: student(f"training.{name}") for name in ("discriminator_step", "generator_step")}

    def run(self, failing, how, iterations=2):
        for i in range(iterations):
            for name, step in self.steps.items():
                step(i, how if name == failing else None)
        return "done"

    def spin(self):
        self.run(None, None)
        while True:
            pass


def make():
    return Run()


def train(failing, how):
    return Run().run(failing, how)
'''
RAISED_AT, WARNED_AT = (STEPS.splitlines().index("    " + line) + 1
                        for line in (RAISE, "    return np.exp(np.array([1000.0]))"))
FAILURES = {"hang": "did not finish within 1 s (an endless loop, or far too slow?)",
            "exit": "exited the worker (exit status 3, as os._exit does)",
            "raise": f"raised ValueError: boom\n  at training.py, line {RAISED_AT}, "
                     f"in misbehave: {RAISE}",
            "warn": f"raised a warning: RuntimeWarning: overflow encountered in exp (training.py, line {WARNED_AT})"}
GIVEN_UP = {"hang": "did not finish within 1 s", "exit": "exited the worker: exit status 3, as os._exit does"}


@pytest.fixture
def session():
    session = Session("loops", {"__init__.py": "", "training.py": STEPS}, drivers={"loop": LOOP},
                      limits=Limits(call_timeout=1.0))
    yield session
    session.close()


def run_method(student, *args):
    """``Run().run(*args)``: the object made by one driver call, its method called in another."""
    return student.method(student.driver("loop", "make")(), "run")(*args)


def run_driver(student, *args):
    """``Run().run(*args)`` within one driver call."""
    return student.driver("loop", "train")(*args)


@pytest.mark.parametrize("how", list(FAILURES))
@pytest.mark.parametrize("failing", ["discriminator_step", "generator_step"])
@pytest.mark.parametrize("run", [run_method, run_driver])
def test_a_failure_in_a_loop_names_the_students_step_that_was_running(session, run, failing, how):
    """The step hangs, exits, raises or warns at its second call, after both had returned once: the
    message names it (not the loop's Run.run or the step called last before), and a hang or exit gives
    up on it alone."""
    student = Student(session)
    session.begin_check(10)
    with pytest.raises(StudentError) as failure:
        run(student, failing, how)
    assert str(failure.value) == f"training.{failing} {FAILURES[how]}"
    assert set(session.dead) == ({f"training.{failing}"} if how in GIVEN_UP else set())
    session.begin_check(10)
    if how in GIVEN_UP:
        with pytest.raises(StudentError) as again:
            run(student, None, None)
        assert str(again.value) == f"not run: training.{failing} was given up on earlier (it {GIVEN_UP[how]})"
    else:
        assert run(student, None, None) == "done"


def test_a_hang_in_the_drivers_own_code_names_its_method_and_gives_up_on_no_students_function(session):
    """After the steps returned (300 calls: 1200 notices of what runs), the loop itself hangs."""
    student = Student(session)
    session.begin_check(10)
    assert run_method(student, None, None, 300) == "done"
    with pytest.raises(StudentError) as failure:
        student.method(student.driver("loop", "make")(), "spin")()
    assert str(failure.value) == "Run.spin did not finish within 1 s (an endless loop, or far too slow?)"
    assert session.dead == {}
    session.begin_check(10)
    assert run_method(student, None, None) == "done"
