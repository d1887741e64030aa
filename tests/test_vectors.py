"""Public test vectors: recorded from the reference, replayed by the self-check, never a key in code."""
import importlib

import numpy as np
import pytest

from autograder import runner, selfcheck, vectors
from autograder.context import CheckFailure
from autograder.sandbox import wire
from autograder.suite import load_suite

from .support import ROOT, make_submission

UNITS = ["unit01_foundations", "unit09_evaluation"]  # the units with the most vectors; each replay is fast


def replay(path, unit, only=None):
    """{check name: result} of the unit's vector checks on folder ``path``, in one worker."""
    suite = load_suite(unit)
    checks = [c for c in vectors.checks(unit) if only is None or c.exercise.split(".")[0] == only]
    session = runner.open_session(path, suite)
    try:
        return {f"{c.exercise}: {c.name}": runner.run_check(c, "", session, None, 0, public_only=True) for c in checks}
    finally:
        session.close()


@pytest.mark.parametrize("unit", UNITS)
def test_reference_passes_and_stub_fails_every_vector(unit, tmp_path):
    results = replay(make_submission(tmp_path, unit), unit)
    assert results and all(r.status == "passed" for r in results.values()), \
        {n: r.output for n, r in results.items() if r.status != "passed"}
    stub = replay(ROOT / "assignments" / unit, unit)
    assert all(r.score == 0 and "not implemented" in r.output for r in stub.values())
    keyed = {c.exercise for c in load_suite(unit).checks if vectors.instructor_only(c)}
    assert {c.exercise for c in vectors.checks(unit)} >= keyed - {"network.two_layer_backward"}


@pytest.mark.parametrize("unit", UNITS)
def test_alternative_correct_solutions_pass_the_vectors(unit, tmp_path):
    """An exercise whose right answers are many must not get vectors that only one of them meets."""
    alternatives = importlib.import_module(f"tests.units.test_{unit}").ALTERNATIVES
    failed = {}
    for description, (target, source) in alternatives.items():
        results = replay(make_submission(tmp_path / "alt", unit, {target: source}), unit, only=target.split(".")[0])
        failed.update({f"{description}: {n}": r.output for n, r in results.items() if r.status != "passed"})
    assert not failed, failed


def test_mutants_fail_some_vector(tmp_path):
    unit = "unit09_evaluation"
    mutants = importlib.import_module(f"tests.units.test_{unit}").MUTANTS
    caught = 0
    for target, source in list(mutants.values())[:8]:
        results = replay(make_submission(tmp_path / "m", unit, {target: source}), unit, only=target.split(".")[0])
        caught += any(r.status != "passed" for n, r in results.items() if n.startswith(target))
    assert caught >= 4, caught


def test_storage_round_trip(tmp_path):
    calls = [{"args": [np.arange(6).reshape(2, 3), 1.5], "kwargs": {"k": (True, "s")},
              "value": {"a": wire.Tensor(np.ones(2, dtype=np.float32), True), "b": [np.float64(2).item(), None]}}]
    recorded = {"unit": "unitX", "functions": {"m.f": {"exercise": "m.f", "calls": []}}}
    for call in calls:
        blobs = []
        entry = {k: wire.encode(v, blobs) for k, v in call.items()}
        recorded["functions"]["m.f"]["calls"].append({**entry, "blobs": blobs})
    recorded["functions"]["m.g"] = {"exercise": "m.g", "calls": [{"args": [], "kwargs": {}, "raises": "ValueError",
                                                                  "blobs": []}]}
    vectors.save(recorded, tmp_path)
    back = vectors.read(tmp_path, "unitX")
    [call] = back["functions"]["m.f"]["calls"]
    value = wire.decode(call["value"], call["blobs"])
    assert value["a"].requires_grad and value["a"].array.dtype == np.float32 and value["b"] == [2.0, None]
    assert back["functions"]["m.g"]["calls"][0]["raises"] == "ValueError"


def test_expect_is_exact_for_integers_and_strict_for_floats():
    vectors.expect(np.array([1, 2]), np.array([1, 2]), "x")
    with pytest.raises(CheckFailure):
        vectors.expect(np.array([1.0, 2.0 + 1e-12]), np.array([1, 2]), "x")
    vectors.expect(np.array([1e6 + 1e-4]), np.array([1e6]), "x")  # within 1e-7 relative
    with pytest.raises(CheckFailure):
        vectors.expect(np.array([1.0 + 1e-5]), np.array([1.0]), "x")
    with pytest.raises(CheckFailure, match="tuple of length 2"):
        vectors.expect([1.0], (1.0, 2.0), "x")


def test_the_self_check_lists_vector_checks_after_the_suite():
    listed = selfcheck.checks("unit01_foundations")
    names = [f"{c.exercise}: {c.name}" for c in listed if vectors.TAG in c.tags]
    assert "tensors.dot: public test vectors" in names
    assert all(c.ships and c.visibility == "visible" for c in listed if vectors.TAG in c.tags)
