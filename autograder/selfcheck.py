"""The student's self-check: the public checks, plus the public test vectors, on a working copy.

``autograder check UNIT`` (:func:`run`) and ``pytest assignments/<unit>`` (:func:`make_tests`,
called by ``assignments/<unit>/test_selfcheck.py``, one test per check) run the same thing: every
check that ships and is not hidden, on fresh public inputs, and one "public test vectors" check
per function with vectors (:mod:`autograder.vectors`). Checks it does not run are reported as
skipped with the reason (instructor-only: compares with a key; needs the reference; hidden),
instead of silently left out. Both start the worker first (:func:`head_start`), so it starts while
the grader imports the suite.
"""
from __future__ import annotations

import atexit
import sys
import time
from pathlib import Path

from . import seeds, units, vectors
from .report import Report, feedback
from .runner import finish, open_session, run_check
from .sandbox.launchers import self_check_launcher
from .sandbox.pool import Pool
from .sandbox.session import Session
from .suite import Check, load_suite


def checks(unit: str) -> list[Check]:
    """What the self-check lists: the suite's checks, then the public test vectors."""
    return [*load_suite(unit).checks, *vectors.checks(unit)]


def head_start(unit: str, launcher=None) -> Pool:
    """One worker for ``unit``, starting in the background now (sandbox, python, numpy or torch)
    while the grader imports the suite: on two cores both go at once. A worker needed later
    (after a crash) starts cold."""
    return Pool(launcher or self_check_launcher(), size=1, preloads=(units.preload(unit),), refill=False)


def run(path: Path, unit: str, launcher=None) -> Report:
    """The self-check of the modules in folder ``path`` as a :class:`Report`."""
    pool = head_start(unit, launcher)
    try:
        suite = load_suite(unit)
        listed = checks(unit)
        session = open_session(Path(path), suite, pool=pool)
        submission_id = seeds.fresh_submission_id()
        report = Report(unit, submission_id, session.isolation)
        start = time.monotonic()
        try:
            for number, check in enumerate(listed, 1):
                seed = seeds.derive_seed(seeds.PUBLIC_SALT, unit, check.name, submission_id)
                report.results.append(run_check(check, str(number), session, None, seed, public_only=True))
        finally:
            session.close()
    finally:
        pool.close()
    return finish(report, session, start)


def not_run_note(report: Report) -> str:
    """One line naming, by kind, what the self-check did not run."""
    skipped = [r for r in report.results if r.skipped]
    if not skipped:
        return ""
    keyed = [r for r in skipped if "instructor-only" in r.output]
    others = len(skipped) - len(keyed)
    parts = [f"{len(keyed)} instructor-only (they compare with a key: "
             + ", ".join(r.name for r in keyed[:8]) + (" ..." if len(keyed) > 8 else "") + ")"] if keyed else []
    parts += [f"{others} hidden or needing the reference"] if others else []
    return f"{len(skipped)} check(s) were not run here: {'; '.join(parts)}. They run when your work is graded."


def make_tests(unit: str, folder: str | Path | None = None):
    import pytest

    folder = Path(folder or sys._getframe(1).f_globals["__file__"]).parent
    pool = head_start(unit)
    atexit.register(pool.close)
    suite = load_suite(unit)
    listed = checks(unit)
    submission_id = seeds.fresh_submission_id()
    sessions: list[Session] = []

    def session() -> Session:
        if not sessions:
            sessions.append(open_session(folder, suite, pool=pool))
            atexit.register(sessions[0].close)  # before pool.close (atexit runs last registered first)
        return sessions[0]

    @pytest.mark.parametrize("check", listed, ids=[f"{c.exercise}: {c.name}" if vectors.TAG in c.tags else c.name
                                                    for c in listed])
    def test_check(check):
        seed = seeds.derive_seed(seeds.PUBLIC_SALT, unit, check.name, submission_id)
        result = run_check(check, "", session(), None, seed, public_only=True)
        if result.skipped:
            pytest.skip(result.output)
        if result.status != "passed":
            pytest.fail(f"{check.exercise}: {feedback(result)}", pytrace=False)
        if result.printed:  # shown by pytest -rP (or -s)
            print(f"{check.exercise}: {feedback(result)}")

    return test_check
