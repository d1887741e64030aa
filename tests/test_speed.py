"""Grading's speed-ups change no grade: batched property examples; broken functions given up on early,
in bounded time, costing only the checks that call them."""
from __future__ import annotations

import time

import pytest

from autograder.checks import properties
from autograder.sandbox.worker_process import Limits

from .support import every_function, grade, make_submission

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


def test_a_failing_example_ends_the_fetching_of_the_rest(tmp_path, monkeypatch):
    """With a 1 s call limit the examples' calls take 20 requests (one an example); an early example
    fails, so hypothesis takes over from there: the same grade, and a request or two more than without
    batching, not 20."""
    path = make_submission(tmp_path, UNIT, SIGN_ERROR)
    limits = Limits(call_timeout=1.0)
    batched = grade(path, UNIT, only=["sigmoid_symmetry"], limits=limits)
    with monkeypatch.context() as m:
        m.setattr(properties, "batched", lambda *args: None)
        one_by_one = grade(path, UNIT, only=["sigmoid_symmetry"], limits=limits)
    assert outcome(batched) == outcome(one_by_one) and batched.score == 0
    assert batched.round_trips <= one_by_one.round_trips + 3, (batched.round_trips, one_by_one.round_trips)


def test_a_batch_of_examples_that_hangs_is_waited_for_once(tmp_path):
    path = make_submission(tmp_path, UNIT, {"activations.tanh": "def tanh(z):\n    while z.size > 2:\n        pass\n"
                                                                "    return np.tanh(z)\n"})
    began = time.monotonic()
    report = grade(path, UNIT, only=["tanh_symmetry"], limits=Limits(call_timeout=1.0))
    assert time.monotonic() - began < 8
    result = report.by_name()["tanh_symmetry"]
    assert result.output == "activations.tanh did not finish within 1 s (an endless loop, or far too slow?)"


BROKEN = {"activations.relu": "def relu(z):\n    while True:\n        pass\n",
          "activations.step": "def step(z):\n    import os\n    os._exit(3)\n"}


def test_a_hanging_and_an_exiting_function_cost_only_the_checks_that_call_them(tmp_path):
    """relu loops forever, step calls os._exit, the rest of activations.py is right: a check keeps full
    marks exactly when it calls neither (official grading and the self-check), and each failure says
    what which function did."""
    path = make_submission(tmp_path, UNIT, BROKEN)
    for use_reference in (True, False):
        report = grade(path, UNIT, only=["activations"], limits=Limits(call_timeout=1.0), use_reference=use_reference)
        for r in report.results:
            calls_broken = bool(set(r.calls) & {"activations.relu", "activations.step"})
            assert r.skipped or (r.score == r.max_score) != calls_broken, (r.name, r.output)
            assert "in a row" not in r.output and "Smallest failing input" not in r.output, r.output
        out = {r.name: r.output for r in report.results}
        assert "activations.relu did not finish within 1 s (an endless loop" in out["relu_values"]
        assert out["step_values"].endswith(
            "- moderate inputs:\n    activations.step exited the worker (exit status 3, as os._exit does)\n"
            "- step(0) = step(-0.0) = 1 by convention; tiny inputs either side:\n"
            "    not run: activations.step was given up on earlier (it exited the worker: exit status 3, as os._exit does)")
    assert "not run: activations.relu was given up on earlier (it did not finish within 1 s)" \
        in out["relu_derivative_finite_differences"]  # the self-check differentiates the student's relu


def test_a_property_of_a_function_given_up_on_says_so_without_a_counterexample(tmp_path):
    path = make_submission(tmp_path, UNIT, {"activations.tanh": "def tanh(z):\n    while True:\n        pass\n"})
    report = grade(path, UNIT, only=["sigmoid_values", "tanh_values", "tanh_symmetry"], limits=Limits(call_timeout=1.0))
    assert report.by_name()["tanh_symmetry"].output == \
        "not run: activations.tanh was given up on earlier (it did not finish within 1 s)"


def test_a_call_stopped_by_its_checks_time_limit_is_not_given_up_on():
    from autograder.sandbox.session import Session, Student
    from autograder.sandbox.worker_process import StudentError

    session = Session("slow_calls", {"__init__.py": "", "slow.py": "import time\n\ndef wait(t):\n    time.sleep(t)\n"
                                                                   "    return t\n"})
    try:
        session.begin_check(0.5)
        with pytest.raises(StudentError) as failure:
            Student(session).slow.wait(5)
        assert str(failure.value) == "slow.wait was stopped when this check's time limit (0.5 s) ran out"
        session.begin_check(10)
        assert Student(session).slow.wait(0) == 0
    finally:
        session.close()


def test_a_submission_whose_every_call_hangs_costs_a_few_timeouts(tmp_path):
    """Two functions that hung give up the first module, one each the others, at half the per-call
    timeout once two functions hung; every check still says why it failed."""
    path = make_submission(tmp_path, UNIT, extra=every_function(UNIT, "time.sleep(10 ** 6)"))
    began = time.monotonic()
    report = grade(path, UNIT, limits=Limits(call_timeout=1.0))
    assert time.monotonic() - began < 30  # 2 + 3 * 0.5 s of time-outs; one per check would be 58 s
    assert report.score == 0 and report.workers_started <= 5  # a fresh worker after each time-out only
    assert all("did not finish within" in r.output or "not run" in r.output for r in report.results if r.output != "")
    assert any("activations.py was given up on before" in r.output for r in report.results)


def test_a_submission_whose_every_call_exits_starts_a_few_workers(tmp_path):
    """Bounded as the hanging one: two functions give up the first module, one each the others."""
    path = make_submission(tmp_path, UNIT, extra=every_function(UNIT, "os._exit(3)"))
    report = grade(path, UNIT)
    assert report.score == 0 and report.workers_started <= 5
    assert all("exited the worker" in r.output or "not run" in r.output for r in report.results if r.output != "")


def test_a_driver_batch_into_a_function_given_up_on_fails_at_once():
    from autograder.sandbox.session import Session, Student
    from autograder.sandbox.worker_process import StudentError

    files = {"__init__.py": "", "dies.py": "import os\n\ndef now():\n    os._exit(3)\n"}
    session = Session("drivers_exit", files, drivers={"probe": "def run():\n    return student('dies.now')()\n"})
    try:
        for attempt in range(3):
            session.begin_check(10)
            with pytest.raises(StudentError) as failure:
                Student(session).driver("probe", "run").map([(), ()])
        assert str(failure.value) == "not run: dies.now was given up on earlier (it exited the worker: exit status 3, " \
                                     "as os._exit does)"
        assert session.workers_started == 2  # the later batches failed at once, in the second worker
    finally:
        session.close()
