"""The bar every unit's tests apply: reference full, stub zero, mutants lose, alternatives keep.

A unit's test module defines ``UNIT``, ``MUTANTS`` and ``ALTERNATIVES`` (``{description:
("module.func", source of a replacement def)}``) and imports the test functions below::

    from .unit_contract import *  # noqa: F401,F403
"""
from __future__ import annotations

import shutil

import pytest

from ..support import ROOT, assert_full_marks, assert_loses_points, checks_of, grade, make_submission

__all__ = ["pytest_generate_tests", "test_reference_full_marks_under_two_seeds", "test_stub_scores_zero", "test_mutant_loses_points",
           "test_alternative_keeps_full_marks"]


def pytest_generate_tests(metafunc):
    module = metafunc.module
    for name, table in (("mutant", "MUTANTS"), ("alternative", "ALTERNATIVES")):
        if name in metafunc.fixturenames:
            items = getattr(module, table)
            metafunc.parametrize(name, list(items.values()), ids=list(items))


def test_reference_full_marks_under_two_seeds(request, tmp_path):
    unit = request.module.UNIT
    path = make_submission(tmp_path, unit)
    first, second = (grade(path, unit, submission_id=sid) for sid in ("seed-a", "seed-b"))
    assert_full_marks(first)
    assert_full_marks(second)


def test_stub_scores_zero(request, tmp_path):
    unit = request.module.UNIT
    path = tmp_path / unit
    shutil.copytree(ROOT / "assignments" / unit, path)
    report = grade(path, unit)
    assert report.score == 0, [(r.name, r.score) for r in report.results if r.score]
    for r in report.results:
        assert "not implemented" in r.output, f"{r.name}: {r.output}"


def test_mutant_loses_points(request, tmp_path, mutant):
    unit = request.module.UNIT
    target, source = mutant
    module, func = target.split(".")
    report = grade(make_submission(tmp_path, unit, {target: source}), unit, only=checks_of(unit, module))
    assert_loses_points(report, func)


def test_alternative_keeps_full_marks(request, tmp_path, alternative):
    unit = request.module.UNIT
    target, source = alternative
    module = target.split(".")[0]
    report = grade(make_submission(tmp_path, unit, {target: source}), unit, only=checks_of(unit, module))
    assert_full_marks(report)
