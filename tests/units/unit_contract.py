"""The bar every unit's tests apply: reference full, stub zero, mutants lose, alternatives keep.

A unit's test module defines ``UNIT``, ``MUTANTS``, ``ALTERNATIVES`` and ``NARROWING``
(``{description: ("module.func", source of a replacement def)}``; a mutant must lose points in the
checks of its own exercise (or in those a 3rd item names), an alternative keep full marks on every check
of its module that can run it) and ``MISCONCEPTIONS``
(``{description: ("module.func", source, "hint substring"[, [checks to grade]])}``: one mutant per
named mistake of :mod:`autograder.checks.misconceptions` that applies to the unit; its hint must
appear, and no alternative ever gets a hint), and imports the test functions below. A
``NARROWING`` variant mishandles one case the docstring names (a parameter value, a branch, an
edge); it must get one and the same score, below full marks, under 20 submission ids.
A ``FORWARD_ONLY`` mutant (``{description: ("module.func", source, (exercises that compose it))}``)
breaks only a forward that a backward builds on: it loses points in checks of its own exercise and
of the exercises named as composing it (whose *own output* calls it, e.g. ``two_layer_forward``
calling ``dense_forward``), and nowhere else: a backward graded on it keeps full marks, since
official grading differentiates the reference's forward (:mod:`autograder.checks.upstream`).
Every function of a solution region that returns a constant (zeros shaped like its answer, or its
own first input) must score zero on every check filed under it::

    from .unit_contract import *  # noqa: F401,F403
"""
from __future__ import annotations

import shutil

import pytest

from autograder.checks import misconceptions
from autograder.suite import load_suite

from ..support import (ROOT, assert_full_marks, assert_loses_points, checks_of_exercise, checks_running,
                       constant_exercises, constant_module, grade, make_submission, scores_under_ids)

__all__ = ["pytest_generate_tests", "test_reference_full_marks_under_two_seeds", "test_stub_scores_zero", "test_mutant_loses_points",
           "test_alternative_keeps_full_marks", "test_narrowing_variant_same_score_under_20_ids",
           "test_constant_earns_nothing", "test_misconception_named", "test_forward_bug_charged_to_forward_only"]

SUBMISSION_IDS = [f"student-{i:02d}" for i in range(20)]


def pytest_generate_tests(metafunc):
    module = metafunc.module
    for name, table in (("mutant", "MUTANTS"), ("alternative", "ALTERNATIVES"), ("narrowing", "NARROWING"),
                        ("misconception", "MISCONCEPTIONS"), ("forward_only", "FORWARD_ONLY")):
        if name in metafunc.fixturenames:
            items = getattr(module, table, {})
            metafunc.parametrize(name, list(items.values()), ids=list(items))
    if "constant" in metafunc.fixturenames:
        unit = module.UNIT
        params = [(m, kind) for m in load_suite(unit).modules for kind in ("zeros", "input")
                  if constant_exercises(unit, m)]
        metafunc.parametrize("constant", params, ids=[f"{m}-{kind}" for m, kind in params])


def test_reference_full_marks_under_two_seeds(request, tmp_path):
    unit = request.module.UNIT
    path = make_submission(tmp_path, unit)
    first, second = (grade(path, unit, submission_id=sid) for sid in ("seed-a", "seed-b"))
    assert_full_marks(first)
    assert_full_marks(second)
    assert_calls_within_exercises(load_suite(unit), [first, second])


def assert_calls_within_exercises(suite, reports):
    """Each check called only its exercise, what that builds on and what the check ``uses``."""
    checks = {c.name: c for c in suite.checks}
    offenders = set()
    for report in reports:
        for result in report.results:
            check = checks[result.name]
            for call in sorted(set(result.calls) - suite.allowed_calls(check)):
                offenders.add(f"check {check.name} calls {call}, outside its exercise {check.exercise} "
                              f"and what {check.exercise} builds on")
    assert not offenders, "checks call student functions of other exercises:\n" + "\n".join(sorted(offenders))


def test_stub_scores_zero(request, tmp_path):
    unit = request.module.UNIT
    path = tmp_path / unit
    shutil.copytree(ROOT / "assignments" / unit, path)
    report = grade(path, unit)
    assert report.score == 0, [(r.name, r.score) for r in report.results if r.score]
    for r in report.results:
        assert "not implemented" in r.output, f"{r.name}: {r.output}"


def test_mutant_loses_points(request, tmp_path, mutant):
    """Graded on its own exercise's checks alone: the bug must cost points there (a check grades its
    own exercise), which implies it does on the whole module, with the same seeds."""
    unit = request.module.UNIT
    target, source, *named = mutant  # an optional 3rd item: the checks to grade, where others catch it
    only = named[0] if named else checks_of_exercise(unit, target)
    assert only, f"no check is filed under {target}"
    report = grade(make_submission(tmp_path, unit, {target: source}), unit, only=only)
    assert_loses_points(report, target.split(".")[1])


def test_alternative_keeps_full_marks(request, tmp_path, alternative):
    """Graded on the checks of its module that can run it: the others run the reference alone."""
    unit = request.module.UNIT
    target, source = alternative
    report = grade(make_submission(tmp_path, unit, {target: source}), unit, only=checks_running(unit, target))
    assert_full_marks(report)
    hinted = [f"{r.name}: {r.output}" for r in report.results if misconceptions.PREFIX in r.output]
    assert not hinted, "a correct alternative was told it made a mistake:\n" + "\n".join(hinted)


def test_misconception_named(request, tmp_path, misconception):
    """``MISCONCEPTIONS = {description: ("module.func", source, "hint substring")}``: a mutant that makes
    one named mistake loses points, and a failing check's feedback names that mistake."""
    unit = request.module.UNIT
    target, source, hint, *named = misconception  # an optional 4th item: the checks to grade (speed)
    only = named[0] if named else checks_of_exercise(unit, target)
    assert only, f"no check is filed under {target}"
    report = grade(make_submission(tmp_path, unit, {target: source}), unit, only=only)
    assert report.score < report.max_score, "the mutant kept full marks"
    failed = [f"{r.name}: {r.output}" for r in report.results if r.status == "failed"]
    assert any(misconceptions.PREFIX in text and hint in text for text in failed), (
        f"no failing check names the mistake ({hint!r}):\n" + "\n".join(failed))


def test_narrowing_variant_same_score_under_20_ids(request, tmp_path, narrowing):
    unit = request.module.UNIT
    target, source = narrowing
    only = [c.name for c in load_suite(unit).checks if c.exercise == target]
    assert only, f"no check is filed under {target}"
    scores = scores_under_ids(make_submission(tmp_path, unit, {target: source}), unit, only, SUBMISSION_IDS)
    best = sum(c.points for c in load_suite(unit).select(only))
    assert len(set(scores.values())) == 1, f"the score depends on the submission id: {scores}"
    assert next(iter(scores.values())) < best, f"the variant keeps full marks on {only}"


def test_constant_earns_nothing(request, tmp_path, constant):
    unit = request.module.UNIT
    module, kind = constant
    path = make_submission(tmp_path, unit)
    file = path / f"{module}.py"
    file.write_text(constant_module(file.read_text(), kind))
    exercises = set(constant_exercises(unit, module))
    report = grade(path, unit, only=[c.name for c in load_suite(unit).checks if c.exercise in exercises])
    earned = [f"{r.name}: {r.score}/{r.max_score}" for r in report.results if r.score > 0]
    assert not earned, f"functions returning {kind} earned points:\n" + "\n".join(earned)


def test_forward_bug_charged_to_forward_only(request, tmp_path, forward_only):
    """Graded on the checks of the forward, of what composes it and of every exercise that builds on
    either: only the first two lose points, and a failure names the forward."""
    unit = request.module.UNIT
    target, source, composers = forward_only
    suite = load_suite(unit)
    charged = {target, *composers}
    builds = {e for e, on in suite.builds_on.items() if charged & set(on)}
    assert builds, f"nothing builds on {sorted(charged)}: the mutant tests nothing here"
    only = [c.name for c in suite.checks if c.exercise in charged | builds]
    report = grade(make_submission(tmp_path, unit, {target: source}), unit, only=only)
    assert_loses_points(report, target.split(".")[1])
    exercise = {c.name: c.exercise for c in suite.checks}
    wrongly = [f"{r.name} ({exercise[r.name]}): {r.score}/{r.max_score}: {r.output}" for r in report.results
               if r.score < r.max_score and exercise[r.name] not in charged]
    assert not wrongly, f"a bug in {target} cost points in checks of other exercises:\n" + "\n".join(wrongly)
