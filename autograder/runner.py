"""Grade one submission: run a unit's checks against its code in a worker, collect a Report."""
from __future__ import annotations

import importlib
import sys
import time
import traceback
from pathlib import Path
from typing import Callable

from . import forbidden, seeds
from .context import CheckFailure, Context, ReferenceMissing
from .report import CheckResult, Report
from .sandbox.session import Session, Student
from .sandbox.launchers import Launcher
from .sandbox.worker_process import Limits, StudentError
from .submission import read_modules
from .suite import Check, Suite, load_suite

SKIP_REFERENCE = "needs the reference solution, which is not here; your instructor's grading runs it"
SKIP_HIDDEN = "hidden check; it runs only when your work is graded"
SKIP_INSTRUCTOR = "instructor-only (compares with a key); it runs when your work is graded"


def load_reference(suite: Suite):
    """The reference package of a unit with its modules imported, or None where it is absent."""
    try:
        package = importlib.import_module(f"reference.{suite.unit}")
        for module in suite.modules:
            importlib.import_module(f"reference.{suite.unit}.{module}")
    except ImportError:
        return None
    return package


def grade(path: Path, unit: str, *, only: list[str] | None = None, submission_id: str | None = None,
          salt: str | None = None, use_reference: bool = True, public_only: bool = False,
          launcher: Launcher | None = None, limits: Limits | None = None, budget: float = 600.0,
          pool=None, on_result: Callable[[Report], None] | None = None) -> Report:
    """Grade the unit modules in folder ``path``; raises SubmissionError for unusable input.

    ``on_result(report)`` is called after each check with the results so far (partial results
    for a caller that may be stopped, such as Gradescope's time limit).
    """
    suite = load_suite(unit)
    if salt is None:  # official grading needs the course salt; the self-check uses the public one
        salt = seeds.PUBLIC_SALT if public_only else seeds.unit_salt(unit)
    session = open_session(Path(path), suite, launcher=launcher, limits=limits, pool=pool)
    reference = load_reference(suite) if use_reference else None
    submission_id = submission_id or seeds.fresh_submission_id()
    report = Report(unit, submission_id, session.isolation)
    start = time.monotonic()
    try:
        for number, check in enumerate(suite.select(only), 1):
            seed = seeds.derive_seed(salt, unit, check.name, submission_id)
            over = time.monotonic() - start > budget
            report.results.append(run_check(check, str(number), session, reference, seed, public_only, over))
            if on_result is not None:
                report.execution_time = time.monotonic() - start
                on_result(report)
    finally:
        session.close()
    for result in report.results:  # a forbidden API seen at run time costs the exercise's earlier checks too
        if result.exercise in session.violations and not result.skipped:
            result.score, result.output = 0.0, session.violations[result.exercise]
    report.execution_time = time.monotonic() - start
    report.round_trips, report.workers_started = session.round_trips, session.workers_started
    return report


def open_session(path: Path, suite: Suite, **options) -> Session:
    """A session on the unit modules in folder ``path``; missing modules fail their calls at once."""
    files, missing = read_modules(path, suite.modules)
    rules = forbidden.Rules(suite)
    session = Session(suite.unit, files, preload=suite.preload, drivers=suite.drivers, rules=rules, **options)
    session.violations.update(rules.static_violations(files))
    for module, why in missing.items():
        session.broken_modules[module] = why
    return session


def run_check(check: Check, number: str, session: Session, reference, seed: int,
              public_only: bool = False, over_budget: bool = False) -> CheckResult:
    """Run one check; whatever the student's code does, this returns a result."""
    result = CheckResult(check.name, number, check.exercise, 0.0, check.points, "", check.visibility,
                         list(check.tags))
    if public_only and check.visibility == "hidden":
        return _skipped(result, SKIP_HIDDEN)
    if public_only and not check.ships:
        return _skipped(result, SKIP_INSTRUCTOR)
    if check.needs_reference and (reference is None or public_only):
        return _skipped(result, SKIP_REFERENCE)
    if over_budget:
        result.output = "not run: the time budget for this submission was used up by earlier checks"
        return result
    if check.exercise in session.violations:  # it used an API its unit forbids: 0, not run
        result.output = session.violations[check.exercise]
        return result
    ctx = Context(Student(session), reference, seed, hidden=check.visibility != "visible")
    session.begin_check(check.timeout)
    began = time.monotonic()
    fraction, message = 1.0, ""
    try:
        check.fn(ctx)
    except (CheckFailure, StudentError) as exc:
        fraction, message = 0.0, str(exc)
    except ReferenceMissing:
        return _skipped(result, SKIP_REFERENCE)
    except Exception as exc:  # a bug in the check, never blamed on the student silently
        print(f"deepgrade: internal error in check {check.name}:\n{traceback.format_exc()}", file=sys.stderr)
        fraction, message = 0.0, f"internal grader error ({type(exc).__name__}: {exc}); please tell your instructor"
        result.tags.append("internal-error")
    finally:
        result.calls = sorted(session.calls)
        session.begin_check(None)
    if check.exercise in session.violations:  # seen while it ran
        fraction, message, ctx.cases = 0.0, session.violations[check.exercise], []
    if ctx.cases and fraction:
        passed = [label for label, error in ctx.cases if error is None]
        failed = [(label, error) for label, error in ctx.cases if error is not None]
        fraction = len(passed) / len(ctx.cases)
        if not any(error is None for i, (_, error) in enumerate(ctx.cases) if i not in ctx.trivial):
            fraction = 0.0  # only trivial cases passed: a constant answer earns nothing
        if failed:
            lines = [f"{len(passed)} of {len(ctx.cases)} cases passed."]
            lines += [f"- {label}: {error}" for label, error in failed[:5]]
            message = "\n".join(lines + ([f"... and {len(failed) - 5} more"] if len(failed) > 5 else []))
    result.score = round(check.points * fraction, 6)
    result.output = "\n".join(filter(None, [message or ("passed" if fraction == 1 else ""), *ctx.notes]))
    result.duration = time.monotonic() - began
    return result


def _skipped(result: CheckResult, why: str) -> CheckResult:
    result.skipped, result.output, result.max_score = True, f"not run: {why}", 0.0
    return result
