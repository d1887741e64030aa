"""Grading's speed-ups change no grade: batched property examples, broken submissions given up on early."""
from __future__ import annotations

import time

import pytest

from autograder.checks import properties
from autograder.sandbox.worker_process import Limits

from .support import ROOT, grade, make_submission

UNIT = "unit01_foundations"
PROPERTIES = ["sigmoid_symmetry", "tanh_symmetry", "inverse_properties"]
SIGN_ERROR = {"activations.sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(z))\n"}
FAILS_ON_LARGER = {"activations.tanh": "def tanh(z):\n    if z.size > 2:\n        raise ValueError('too long')\n"
                                       "    return np.tanh(z)\n"}


def outcome(report):
    return {r.name: (r.score, r.output) for r in report.results}


def test_batched_property_examples_grade_as_one_call_per_example(tmp_path, monkeypatch):
    """The same scores and messages (the shrunk counterexample too) with a fraction of the round trips."""
    for number, (changes, checks) in enumerate([({}, PROPERTIES), (SIGN_ERROR, ["sigmoid_symmetry"]),
                                                 (FAILS_ON_LARGER, ["tanh_symmetry"])]):
        path = make_submission(tmp_path / str(number), UNIT, changes)
        batched = grade(path, UNIT, only=checks, submission_id=f"s{number}")
        with monkeypatch.context() as m:
            m.setattr(properties, "batched", lambda *args: None)
            one_by_one = grade(path, UNIT, only=checks, submission_id=f"s{number}")
        assert outcome(batched) == outcome(one_by_one)
        if not changes:
            assert batched.score == batched.max_score and batched.round_trips * 5 < one_by_one.round_trips
        else:
            assert batched.score == 0 and "Smallest failing input found" in batched.results[0].output


def test_a_batch_of_examples_that_hangs_is_waited_for_once(tmp_path):
    path = make_submission(tmp_path, UNIT, {"activations.tanh": "def tanh(z):\n    while z.size > 2:\n        pass\n"
                                                                "    return np.tanh(z)\n"})
    began = time.monotonic()
    report = grade(path, UNIT, only=["tanh_symmetry"], limits=Limits(call_timeout=1.0))
    assert time.monotonic() - began < 8
    result = report.by_name()["tanh_symmetry"]
    assert result.score == 0 and "did not finish within the time limit" in result.output


def every_function(body: str) -> dict[str, str]:
    """Unit 1's modules with every function's body replaced by ``body``."""
    import ast

    files = {}
    for path in sorted((ROOT / "reference" / UNIT).glob("[a-z]*.py")):
        names = [n.name for n in ast.parse(path.read_text()).body if isinstance(n, ast.FunctionDef)]
        files[path.name] = "import os\nimport time\n" + "".join(f"\ndef {n}(*args, **kwargs):\n    {body}\n"
                                                               for n in names)
    return files


def test_a_submission_whose_every_call_hangs_costs_a_few_timeouts(tmp_path):
    """Two time-outs give up the first module, one each the others, at half the per-call timeout once
    a module hung; every check still says why it failed."""
    path = make_submission(tmp_path, UNIT, extra=every_function("time.sleep(10 ** 6)"))
    began = time.monotonic()
    report = grade(path, UNIT, limits=Limits(call_timeout=1.0))
    assert time.monotonic() - began < 30  # 2 + 3 * 0.5 s of time-outs; one per check would be 58 s
    assert report.score == 0 and report.workers_started <= 5  # a fresh worker after each time-out only
    assert all("time limit" in r.output or "not run" in r.output for r in report.results if r.output != "")
    assert any("as activations.py did twice before" in r.output for r in report.results)


def test_a_driver_batch_into_a_module_given_up_on_fails_at_once():
    from autograder.sandbox.session import Session, Student
    from autograder.sandbox.worker_process import StudentError

    files = {"__init__.py": "", "dies.py": "import os\n\ndef now():\n    os._exit(3)\n"}
    session = Session("drivers_exit", files, drivers={"probe": "def run():\n    return student('dies.now')()\n"})
    try:
        for attempt in range(3):
            session.begin_check(10)
            with pytest.raises(StudentError) as failure:
                Student(session).driver("probe", "run").map([(), ()])
        assert "dies.py exited the worker (exit status 3, as os._exit does) in 2 calls in a row" in str(failure.value)
        assert session.workers_started == 3  # the third batch failed at once, in the third worker
    finally:
        session.close()
