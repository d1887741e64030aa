"""The student's self-check under pytest: one test per check, public checks only.

``assignments/<unit>/test_selfcheck.py`` calls :func:`make_tests`; checks that need the reference
or are hidden are reported as skipped, with the reason, instead of silently left out.
"""
from __future__ import annotations

import atexit
import sys
from pathlib import Path

from . import seeds
from .runner import open_session, run_check
from .sandbox.launchers import self_check_launcher
from .sandbox.proxy import Session
from .suite import load_suite


def make_tests(unit: str, folder: str | Path | None = None):
    import pytest

    folder = Path(folder or sys._getframe(1).f_globals["__file__"]).parent
    suite = load_suite(unit)
    submission_id = seeds.fresh_submission_id()
    sessions: list[Session] = []

    def session() -> Session:
        if not sessions:
            sessions.append(open_session(folder, suite, launcher=self_check_launcher()))
            atexit.register(sessions[0].close)
        return sessions[0]

    @pytest.mark.parametrize("check", suite.checks, ids=[c.name for c in suite.checks])
    def test_check(check):
        seed = seeds.derive_seed(seeds.PUBLIC_SALT, unit, check.name, submission_id)
        result = run_check(check, "", session(), None, seed, public_only=True)
        if result.skipped:
            pytest.skip(result.output)
        if result.status != "passed":
            pytest.fail(f"{check.exercise}: {result.output}", pytrace=False)

    return test_check
