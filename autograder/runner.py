"""Grade one submission: run a unit's checks against its code in a worker, collect a Report.

Feedback is rendered here, once: a failure's expected values are shown only for visible checks;
every failed case is listed, its error indented under its label, identical errors collapsed, within
a size budget; a function missing from a module is called missing.
"""
from __future__ import annotations

import importlib
import re
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Callable

from . import forbidden, seeds
from .context import CheckFailure, Context, ReferenceMissing, render, showing_expected
from .report import CheckResult, Report
from .sandbox.session import Session, Student
from .sandbox.launchers import Launcher
from .sandbox.worker_process import Limits, StudentError
from .submission import read_modules
from .suite import Check, Suite, load_suite

SKIP_REFERENCE = "needs the reference solution, which is not here; your instructor's grading runs it"
SKIP_HIDDEN = "hidden check; it runs only when your work is graded"
SKIP_INSTRUCTOR = "instructor-only (compares with a key); it runs when your work is graded"
FEEDBACK_BUDGET = 4000  # characters of case errors in one check's feedback; labels are always listed
ERROR_BUDGET = 1200  # characters of one case's error


_WARMED: set[str] = set()  # units whose suite warm-ups were started in this process


def import_reference(suite: Suite):
    """The reference package of a unit with its modules imported, or None where it is absent."""
    try:
        package = importlib.import_module(f"reference.{suite.unit}")
        for module in suite.modules:
            importlib.import_module(f"reference.{suite.unit}.{module}")
    except ImportError:
        return None
    return package


def load_reference(suite: Suite):
    """:func:`import_reference`; the suite's warm-ups start with it once per process (in the
    background: :meth:`Suite.warmup`)."""
    package = import_reference(suite)
    if package is None:
        return None
    if "torch" in sys.modules:  # the grader's torch work is on small tensors: two threads thrash under load
        sys.modules["torch"].set_num_threads(1)
    if suite.unit not in _WARMED:
        _WARMED.add(suite.unit)
        if suite.warmups:
            threading.Thread(target=_warm, args=(suite, package), daemon=True, name="warm-up").start()
    return package


def _warm(suite: Suite, package) -> None:
    """Run ``suite``'s warm-ups; one that fails leaves its work to the checks, which report it."""
    for warm in suite.warmups:
        try:
            warm(package)
        except Exception:
            pass


def grade(path: Path, unit: str, *, only: list[str] | None = None, submission_id: str | None = None,
          salt: str | None = None, use_reference: bool = True, public_only: bool = False,
          launcher: Launcher | None = None, limits: Limits | None = None, budget: float = 600.0,
          pool=None, on_result: Callable[[Report], None] | None = None) -> Report:
    """Grade the unit modules in folder ``path``; raises SubmissionError for unusable input.

    ``on_result(report)`` is called after each check with the results so far (partial results
    for a caller that may be stopped, such as Gradescope's time limit).
    """
    suite = load_suite(unit)
    session = open_session(Path(path), suite, launcher=launcher, limits=limits, pool=pool)
    try:
        if salt is None:  # official grading needs the course salt; the self-check uses the public one
            salt = seeds.PUBLIC_SALT if public_only else seeds.unit_salt(unit)
        if any(check.exercise not in session.violations for check in suite.select(only)):
            session.prestart()  # the worker starts while the reference is imported
        properties = sys.modules.get(f"{__package__}.checks.properties")
        if properties is not None:  # the suite has property tests: hypothesis's set-up, before torch makes it dearer
            properties.prime()
        reference = load_reference(suite) if use_reference else None
        submission_id = submission_id or seeds.fresh_submission_id()
        report = Report(unit, submission_id, session.isolation)
        start = time.monotonic()
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
    return finish(report, session, start)


def finish(report: Report, session: Session, start: float) -> Report:
    """``report`` with what its closed ``session`` cost: seconds since ``start``, round trips, workers."""
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
    show = not ctx.hidden
    session.begin_check(check.timeout)
    began = time.monotonic()
    fraction, message = 1.0, ""
    try:
        with showing_expected(show):
            check.fn(ctx)
    except (CheckFailure, StudentError) as exc:
        fraction, message = 0.0, render(exc, show)
        ctx.figures += getattr(exc, "figures", [])
    except ReferenceMissing:
        return _skipped(result, SKIP_REFERENCE)
    except Exception as exc:  # a bug in the check, never blamed on the student silently
        print(f"deepgrade: internal error in check {check.name}:\n{traceback.format_exc()}", file=sys.stderr)
        fraction, message = 0.0, f"internal grader error ({type(exc).__name__}: {exc}); please tell your instructor"
        result.tags.append("internal-error")
    finally:
        result.calls = sorted(session.calls)
        result.printed = _printed(session, check) if show else ""  # hidden checks' inputs stay hidden
        session.begin_check(None)
    if check.exercise in session.violations:  # seen while it ran
        fraction, message, ctx.cases = 0.0, session.violations[check.exercise], []
    if ctx.cases and fraction:
        fraction, message = case_credit(ctx.case_errors(), ctx.trivial)
    result.figures = check_figures(ctx, show)
    result.score = round(check.points * fraction, 6)
    text = "\n".join(filter(None, [message or ("passed" if fraction == 1 else ""), *ctx.notes]))
    result.output = explain_missing(text)
    result.duration = time.monotonic() - began
    return result


def _printed(session: Session, check: Check) -> str:
    """What the check's calls printed, after what importing its module printed (with its first
    visible check only)."""
    module = check.exercise.split(".")[0]
    imported = session.import_output(module)
    head = f"[printed while importing {module}.py]\n{imported.rstrip()}\n" if imported else ""
    return head + (f"[printed during this check]\n{session.printed}" if head and session.printed else session.printed)


MAX_FIGURES = 4  # plots kept per check


def check_figures(ctx: Context, show: bool) -> list[dict]:
    """The check's plots and those its failed cases attached (compare.close attaches the error of a
    wrong array); for a hidden check only those that show no expected values."""
    figures = list(ctx.figures)
    for label, error in ctx.cases:
        for figure in getattr(error, "figures", []):
            figures.append({**figure, "title": f"{label}: {figure['title']}" if figure["title"] else label})
    return [f for f in figures if show or not f["reveals"]][:MAX_FIGURES]


def case_credit(cases: list[tuple[str, str | None]], trivial: set[int] = frozenset()) -> tuple[float, str]:
    """The fraction of ``(label, error or None)`` cases that passed, and the feedback on the failed.

    Trivial cases (indices in ``trivial``) count only when a non-trivial case passed.
    """
    passed = [i for i, (_, error) in enumerate(cases) if error is None]
    fraction = len(passed) / len(cases)
    lines = []
    if passed and all(i in trivial for i in passed):
        fraction = 0.0  # only trivial cases passed: a constant answer earns nothing
        lines.append(f"0 of {len(cases)} cases credited: only cases whose correct answer is trivial (zeros, the "
                     "input itself, empty) passed, and those count only together with another case.")
    failed = [(label, error) for label, error in cases if error is not None]
    if failed:
        lines.insert(0, f"{len(passed)} of {len(cases)} cases passed.")
        lines += failed_cases(failed, everything=len(failed) == len(cases))
    return fraction, "\n".join(lines)


LABELS = "; "  # between case labels listed together: labels themselves hold commas ("shape (4, 3)")


def failed_cases(failed: list[tuple[str, str]], everything: bool = False, budget: int = FEEDBACK_BUDGET) -> list[str]:
    """Bullets for failed cases: identical errors collapsed, each error indented under its labels,
    errors left out (labels kept) once ``budget`` characters are spent."""
    groups: dict[str, list[str]] = {}
    for label, error in failed:
        groups.setdefault(error, []).append(label)
    lines, left_out, spent = [], [], 0
    for error, labels in groups.items():
        if len(labels) == 1:
            head = f"- {labels[0]}:"
        elif everything and len(groups) == 1:
            head = f"- all {len(labels)} cases ({LABELS.join(labels)}), the same error:"
        else:
            head = f"- {len(labels)} cases ({LABELS.join(labels)}), the same error:"
        if len(error) > ERROR_BUDGET:
            error = error[:ERROR_BUDGET].rstrip() + " [...]"
        body = "\n".join("    " + line for line in error.splitlines() or [""])
        if spent and spent + len(head) + len(body) > budget:
            left_out += labels
            continue
        spent += len(head) + len(body)
        lines += [head, body]
    if left_out:
        lines.append(f"- also failed (errors left out to keep this short): {LABELS.join(left_out)}")
    return lines


_MISSING_FUNCTION = re.compile(r"`?(\w+)\.(\w+)`? raised AttributeError: module '(?:\w+\.)*(\w+)' "
                               r"has no attribute '(\w+)'(?!\n  at )")
_MISSING_METHOD = re.compile(r"`?(\w+)\.(\w+)`? raised AttributeError: '(\w+)' object "
                             r"has no attribute '(\w+)'(?!\n  at )")


def explain_missing(text: str) -> str:
    """"perceptron.predict raised AttributeError: module '...perceptron' has no attribute 'predict'"
    (looked up by the grader, not raised inside student code) -> "`predict` is missing from perceptron.py"."""
    def function(m):
        module, func = m.group(1), m.group(2)
        return f"`{func}` is missing from {module}.py" if (m.group(3), m.group(4)) == (module, func) else m.group(0)

    def method(m):
        cls, name = m.group(1), m.group(2)
        return f"`{name}` is missing from the class {cls}" if (m.group(3), m.group(4)) == (cls, name) else m.group(0)

    return _MISSING_METHOD.sub(method, _MISSING_FUNCTION.sub(function, text))


def _skipped(result: CheckResult, why: str) -> CheckResult:
    result.skipped, result.output, result.max_score = True, f"not run: {why}", 0.0
    return result
