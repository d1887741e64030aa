"""``autograder``: grade, self-check, list, manage the course salt, and regenerate stubs."""
from __future__ import annotations

import argparse
import atexit
import dataclasses
import difflib
import errno
import json
import os
import sys
from pathlib import Path

from . import seeds
from .sandbox import launchers
from .submission import SubmissionError
from .suite import load_suite, require_unit, unit_names

# Heavier modules (the runner, numpy, rich, the exports) are imported by the commands that use them,
# so `grade` starts its worker before paying for them (0.1 s of a cold grading).


def main(argv: list[str] | None = None) -> int:
    safe_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (SubmissionError, ValueError, launchers.SandboxUnavailable) as exc:
        print(f"autograder: error: {exc}", file=sys.stderr)
        return 2


def safe_streams():
    """Whatever the terminal's encoding (``LC_ALL=C``, a Windows console in cp1252), printing a
    student's feedback never fails: characters the terminal cannot show are escaped."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower().replace("-", "") != "utf8":
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


class _Parser(argparse.ArgumentParser):
    """Usage errors on one line (the command, what is wrong, where the help is), exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _number(kind=float, least: float = 0, most: float | None = None, above: bool = False, none: bool = False):
    """An argparse type: a finite ``kind`` at least ``least`` (above it with ``above``) and at most
    ``most``; ``none`` also takes the word "none" (given as "none")."""
    bounds = (f"more than {least:g}" if above else f"{least:g} or more") if most is None else f"{least:g} to {most:g}"
    wanted = f"{'a whole number' if kind is int else 'a number'}, {bounds}" + (", or none" if none else "")

    def parse(text: str):
        if none and text.strip().lower() == "none":
            return "none"
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {wanted}") from None
        if not (least < value if above else least <= value) or value == float("inf") or (most is not None
                                                                                          and value > most):
            raise argparse.ArgumentTypeError(f"{text} is not {wanted}")
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    from .exports import FORMATS as EXPORT_FORMATS

    parser = _Parser(prog="autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("grade", help="grade one submission: a folder, a .zip or a unit's notebook (.ipynb)")
    p.add_argument("path", type=Path)
    p.add_argument("--unit", help="unit package name (default: the folder's, zip's or notebook's name, "
                                  "or the notebook's metadata)")
    p.add_argument("--json", type=Path, help="write Gradescope results.json here")
    p.add_argument("--html", type=Path, metavar="OUT",
                   help="write the feedback report (one self-contained HTML page with plots) here")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--submission-id", help="seed inputs from this id (a regrade with the same id is identical; "
                                           "default: the path's name, as batch names a student's entry)")
    p.add_argument("--only", nargs="+", help="run only these checks, exercises or modules")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run student code in a plain subprocess (no bubblewrap isolation)")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("check", help="run the public checks on your working copy of a unit")
    p.add_argument("unit")
    p.add_argument("--path", type=Path, help="folder with your modules (default: assignments/UNIT)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("list", help="units, exercises and points (--checks: one row per check)")
    p.add_argument("--checks", action="store_true",
                   help="one row per check: points, visibility, reference, ships, false-failure probability")
    p.add_argument("--unit", help="only this unit")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("salt", help="where the course salt is read from; --create writes a new one")
    p.add_argument("--create", action="store_true", help="create the course salt (refuses to replace one)")
    p.set_defaults(func=cmd_salt)

    p = sub.add_parser("stubs", help="regenerate the reference notebooks, then assignments/ from reference/, and "
                                     "the reference's derived results")
    p.add_argument("--check", action="store_true", help="only report stale files (exit 1 if any)")
    p.set_defaults(func=cmd_stubs)

    p = sub.add_parser("notebooks", help="regenerate each unit's reference notebook from its modules")
    p.set_defaults(func=cmd_notebooks)

    p = sub.add_parser("nbgrader", help="nbgrader interoperability")
    nb = p.add_subparsers(dest="nbgrader_command", required=True)
    p = nb.add_parser("export", help="lay out an nbgrader course (source/<unit>/<unit>.ipynb, nbgrader_config.py)")
    p.add_argument("course", type=Path)
    p.set_defaults(func=cmd_nbgrader_export)

    p = sub.add_parser("grade-examples", help="grade the shipped example submissions")
    p.set_defaults(func=cmd_grade_examples)

    p = sub.add_parser("batch", help="grade a folder of submissions (one per student) into a gradebook")
    p.add_argument("submissions", type=Path, help="folder with one folder or .zip per student, named by student id")
    p.add_argument("--unit", required=True)
    p.add_argument("--workers", type=_number(int, 1), help="grader processes (default: one per CPU)")
    p.add_argument("--gradebook", type=Path, default=Path("gradebook.sqlite"))
    p.add_argument("--regrade", action="store_true", help="grade every submission again, not only new or changed ones")
    p.add_argument("--no-sandbox", action="store_true", help="grade without the sandbox (only where it cannot run)")
    p.add_argument("--timeout", type=_number(float, 0, above=True), default=900.0,
                   help="seconds one submission may take in all")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="grade on a Dask cluster (tcp://host:8786); the gradebook stays here")
    p.add_argument("--only", nargs="+", metavar="STUDENT",
                   help="grade only these students, again even if up to date (their overrides are kept)")
    p.add_argument("--submitted-at", type=Path, metavar="CSV", dest="times",
                   help="CSV student_id,submitted_at (ISO 8601): when each was handed in (else Gradescope's "
                        "submission_metadata.json or nbgrader's timestamp.txt in the entry; never a file's mtime)")
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("show", help="one student's checks, messages and grade from a gradebook")
    p.add_argument("gradebook", type=Path)
    p.add_argument("student")
    p.add_argument("--unit", help="only this unit (default: every unit the student has)")
    p.add_argument("--html", type=Path, metavar="OUT", help="also write the HTML report (scores, messages, "
                   "printed output, plots, overrides, late penalty)")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("override", help="set a student's score of one check, or of the total, with a comment "
                                        "(kept across regrades, shown in every export)")
    p.add_argument("gradebook", type=Path)
    p.add_argument("student")
    p.add_argument("--unit", required=True)
    p.add_argument("--check", default="", help="the check's name (default: override the total)")
    p.add_argument("--score", type=float, help="the new score (points): a check's within 0 .. its points, the "
                                               "total's within 0 .. the unit's points (above with --extra-credit)")
    p.add_argument("--extra-credit", action="store_true",
                   help="allow a total above the unit's points (the late penalty still applies to it)")
    p.add_argument("--comment", default="", help="why (required with --score)")
    p.add_argument("--clear", action="store_true", help="remove this override instead")
    p.add_argument("--new-student", action="store_true",
                   help="the student is not in the gradebook yet (no submission, not on the roster): add them")
    p.set_defaults(func=cmd_override)

    p = sub.add_parser("late", help="set a unit's late policy in a gradebook (applied when grades are shown "
                                    "and exported); with no option, show it",
                       description="Set or change a unit's late policy. Options not given keep their current "
                                   "values (a new policy: no grace, 0 %% per day, no zero, no extensions); what "
                                   "changed is printed.")
    p.add_argument("gradebook", type=Path)
    p.add_argument("--unit", required=True)
    p.add_argument("--due", help="due date, ISO 8601 (2026-03-01T23:59:00+01:00; no zone: UTC); required for a "
                                 "unit with no policy yet")
    p.add_argument("--grace", type=_number(), metavar="MINUTES", help="grace period in minutes")
    p.add_argument("--per-day", type=_number(float, 0, 100), metavar="PERCENT",
                   help="percent of the earned score lost per started day late")
    p.add_argument("--zero-after", type=_number(none=True), metavar="DAYS",
                   help="score 0 when more than DAYS days late (none: never)")
    p.add_argument("--extensions", metavar="CSV", help="CSV student_id,days (added to the due date) or "
                   "student_id,due; replaces the extensions (none: no extensions)")
    p.add_argument("--clear", action="store_true", help="remove the unit's late policy")
    p.set_defaults(func=cmd_late)

    p = sub.add_parser("export", help="export a gradebook: Gradescope JSON, nbgrader, otter, Canvas CSVs, summary, "
                                      "HTML reports")
    p.add_argument("gradebook", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--format", nargs="+", dest="formats", default=None, metavar="FORMAT",
                   help=f"any of {', '.join(EXPORT_FORMATS)} (default: all)")
    p.add_argument("--unit", help="only this unit (default: every unit in the gradebook)")
    p.add_argument("--roster", type=Path, help="CSV with student_id and any of first_name, last_name, email, "
                   "canvas_id, sis_user_id, sis_login_id, section")
    p.add_argument("--duedate", default="", help="due date written to the nbgrader CSV's duedate column (it sets "
                   "no penalty: `autograder late` does; without it the column shows the late policy's due date)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("remove", help="remove students (all their submissions) from a gradebook")
    p.add_argument("gradebook", type=Path)
    p.add_argument("students", nargs="+", help="student ids")
    p.add_argument("--unit", help="only their submissions of this unit")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("release", help="write the student release: stubs, engine, public checks; no reference")
    p.add_argument("out", type=Path)
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("gradescope", help="write a Gradescope autograder zip for one unit")
    p.add_argument("unit")
    p.add_argument("out", type=Path)
    p.set_defaults(func=cmd_gradescope)
    return parser


def _unit_for(path: Path, unit: str | None) -> str:
    """The unit to grade: ``--unit``, else the path's name (a folder, ``UNIT.zip``, ``UNIT.ipynb``),
    else a notebook's own metadata."""
    if not path.exists():
        raise SubmissionError(f"no such file or folder: {path}")
    if not unit:
        names = unit_names()
        name = path.resolve().name
        stem = name.rsplit(".", 1)[0] if path.is_file() else name
        if stem in names:
            unit = stem
        elif path.suffix.lower() == ".ipynb":
            from . import notebooks

            unit = notebooks.unit_of(path)
        else:
            raise SubmissionError(f"cannot tell which unit {path.name} is for; pass --unit")
    return require_unit(unit)


def _gradebook_unit(unit: str | None, gradebook: Path):
    """An unknown ``--unit`` refused before a gradebook is touched: it must be one the course has,
    or one ``gradebook`` holds (graded by an older version of the course)."""
    if unit and unit not in unit_names():
        from . import gradebook as gb

        held = []
        if gradebook.is_file():
            with gb.Gradebook(gradebook) as book:
                held = book.units()
        require_unit(unit, held)


def cmd_grade(args) -> int:
    from . import units
    from .sandbox.pool import Pool

    unit = _unit_for(args.path, args.unit)
    launcher = launchers.choose(args.no_sandbox)
    pool = Pool(launcher, preloads=(units.preload(unit),), refill=False)  # first: it starts while the grader imports
    try:
        report = _grade_one(args, unit, launcher, pool)
    except KeyboardInterrupt:
        print("autograder grade: interrupted; nothing was written", file=sys.stderr)
        return 130
    finally:
        pool.close()
    _show_report(report, args)
    return 0


def _grade_one(args, unit: str, launcher, pool):
    from . import submission
    from .batch import several_students, student_id

    if args.path.is_dir():
        several_students(args.path, unit)
    # inputs derive from the id: by default the one batch gives this entry, so a grading reproduces
    sid = args.submission_id or student_id(args.path.resolve())
    return submission.grade(args.path, unit, only=args.only, submission_id=sid, launcher=launcher, pool=pool)


def _show_report(report, args) -> None:
    """``grade``'s outputs: the JSON and HTML files asked for, then the table (or the JSON) on stdout."""
    import shlex

    from rich.console import Console

    if args.json:
        report.write_json(args.json)
    if args.html:
        from . import report_html

        report_html.write(report, args.html)
    if args.format == "json":
        print(json.dumps(report.gradescope(), indent=2))
    else:
        console = Console()
        report.table(console)
        for line in report.output.splitlines()[1:]:
            console.print(line, markup=False, highlight=False)
        origin = "" if args.submission_id else " (its name, as batch uses)"
        console.print(f"submission id: {report.submission_id}{origin}; inputs derive from it: "
                      f"`--submission-id {shlex.quote(report.submission_id)}` regrades any copy identically",
                      markup=False, highlight=False)


def cmd_check(args) -> int:
    from rich.console import Console

    from . import selfcheck, units

    if "torch" in units.preload(args.unit).split(","):
        import importlib.util

        if importlib.util.find_spec("torch") is None:
            raise ValueError(f"{args.unit} runs on torch, which is not installed here: "
                             "`.venv/bin/pip install -e '.[torch]'` in the course folder")
    path = args.path or Path("assignments") / args.unit
    report = selfcheck.run(path, args.unit)
    report.table(Console())
    if selfcheck.not_run_note(report):
        print(selfcheck.not_run_note(report))
    return 0


def cmd_list(args) -> int:
    from rich.console import Console
    from rich.table import Table

    units = [args.unit] if args.unit else unit_names()
    if args.checks:
        return _list_checks(units)
    table = Table(title="deepgrade units")
    for col in ("unit", "exercise", "checks", "points"):
        table.add_column(col)
    for unit in units:
        suite = load_suite(unit)
        exercises: dict[str, list] = {}
        for check in suite.checks:
            exercises.setdefault(check.exercise, []).append(check)
        for i, (exercise, checks) in enumerate(exercises.items()):
            table.add_row(unit if i == 0 else "", exercise, str(len(checks)), f"{sum(c.points for c in checks):g}")
        table.add_row("", "[b]total[/b]", str(len(suite.checks)), f"[b]{suite.max_score:g}[/b]", end_section=True)
    Console().print(table)
    return 0


def _list_checks(units: list[str]) -> int:
    """One row per check: what it grades, its points, who sees it, what it needs, and how often a
    correct solution fails it (statistical checks declare it)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="deepgrade checks")
    fold = {"overflow": "fold"}  # names are shown whole, wrapped if need be
    for col, kw in (("unit", {}), ("exercise", fold), ("check", fold), ("points", {"justify": "right"}),
                    ("visibility", {}), ("reference", {}), ("ships", {}), ("false failure", {"overflow": "fold"})):
        table.add_column(col, **kw)
    for unit in units:
        suite = load_suite(unit)
        for i, c in enumerate(suite.checks):
            chance = "" if c.false_failure is None else f"{c.false_failure:.2g}"
            if c.false_failure_why:
                chance += f" ({c.false_failure_why})"
            table.add_row(unit if i == 0 else "", c.exercise, c.name, f"{c.points:g}", c.visibility,
                          "needs it" if c.needs_reference else "-", "ships" if c.ships else "instructor only",
                          chance, end_section=i == len(suite.checks) - 1)
    Console(width=max(Console().width, 160)).print(table)
    return 0


def cmd_salt(args) -> int:
    if args.create:
        if seeds.salt_source() == "$DEEPGRADE_SALT":
            print("note: $DEEPGRADE_SALT is set and takes precedence over the file", file=sys.stderr)
        path = seeds.create_salt()
        print(f"created the course salt in {path} (keep it secret and back it up: regrades need it)")
        return 0
    try:
        seeds.course_salt()
    except seeds.SaltMissing as exc:
        print(f"{exc}")
        return 1
    print(f"course salt: {seeds.salt_source()}")
    return 0


def cmd_stubs(args) -> int:
    from . import derived, notebooks, stubs

    if args.check:
        problems = notebooks.stale() + stubs.stale() + derived.stale()
        for p in problems:
            print(f"stale: {p}")
        return 1 if problems else 0
    notebooks.write_all()
    for unit in stubs.write():
        print(f"wrote assignments/{unit}")
    for path in derived.write():
        print(f"wrote {path.relative_to(stubs.ROOT)}")
    return 0


def cmd_notebooks(args) -> int:
    from . import notebooks

    for path in notebooks.write_all():
        print(f"wrote {path.relative_to(stubs.ROOT)}")
    return 0


def cmd_nbgrader_export(args) -> int:
    from . import notebooks

    units = notebooks.export_nbgrader(args.course)
    print(f"wrote an nbgrader course in {args.course}: source/ for {', '.join(units) or 'no units'}, "
          "nbgrader_config.py; next: nbgrader generate_assignment UNIT (in that folder)")
    return 0


def cmd_grade_examples(args) -> int:
    """Grade each shipped example and the unstarted stub of its unit, then summarise."""
    from rich.console import Console
    from rich.table import Table

    from . import runner, stubs

    console, launcher = Console(), launchers.self_check_launcher()
    salt = seeds.course_salt(fallback=seeds.PUBLIC_SALT)  # a demonstration: any salt will do
    summary = Table(title="example submissions")
    for col in ("unit", "submission", "score", "isolation", "seconds"):
        summary.add_column(col)
    for unit_dir in sorted((stubs.ROOT / "tests" / "examples").glob("unit*")):
        unit = unit_dir.name
        examples = sorted(p for p in unit_dir.iterdir() if p.is_dir())
        for name, path in [(p.name, p) for p in examples] + [("not_started (the stub)", stubs.ROOT / "assignments" / unit)]:
            console.rule(f"{unit} / {name}")
            report = runner.grade(path, unit, submission_id=name, launcher=launcher, salt=salt)
            report.table(console)
            summary.add_row(unit, name, f"{report.score:g} / {report.max_score:g}", report.isolation,
                            f"{report.execution_time:.2f}")
    console.print(summary)
    return 0


def cmd_batch(args) -> int:
    from rich.console import Console

    from . import batch, exports

    console = Console()  # the results; progress and per-submission notices go to stderr
    load_suite(args.unit)
    try:
        outcome = batch.run_batch(args.submissions, args.unit, workers=args.workers, gradebook=args.gradebook,
                                  regrade=args.regrade, no_sandbox=args.no_sandbox, timeout=args.timeout,
                                  console=Console(stderr=True), progress=not args.no_progress,
                                  scheduler=args.scheduler, only=args.only, times=args.times)
    except batch.Interrupted as stop:
        print(f"autograder batch: interrupted; {stop.outcome.graded} submission(s) recorded in {args.gradebook}; "
              + ("run it again without --regrade to grade only the rest" if args.regrade and not args.only else
                 "run the same command again to grade the rest"), file=sys.stderr)
        return 130
    if outcome.graded:
        exports.summary_table(args.gradebook, args.unit, console)
        console.print(f"graded {outcome.graded} submission(s) in {outcome.wall:.1f} s "
                      f"({outcome.graded / outcome.wall:.2f}/s); {outcome.broken} broken; "
                      f"{outcome.up_to_date} up to date; gradebook: {args.gradebook}")
    if args.gradebook.is_file():
        from . import gradebook as gb, views

        with gb.Gradebook(args.gradebook) as book:
            views.class_table(book, args.unit, console, students=args.only)
    return 0


def cmd_show(args) -> int:
    from rich.console import Console

    from . import views

    _gradebook_unit(args.unit, args.gradebook)
    return views.student_view(args.gradebook, args.student, args.unit, Console(), html=args.html)


def cmd_override(args) -> int:
    from . import gradebook as gb

    if not args.gradebook.is_file():
        raise ValueError(f"no gradebook at {args.gradebook}")
    _gradebook_unit(args.unit, args.gradebook)
    with gb.Gradebook(args.gradebook) as book:
        what = f"check {args.check}" if args.check else "total"
        if args.clear:
            gone = book.clear_override(args.student, args.unit, args.check)
            print(f"removed the override of {args.student}'s {what} in {args.unit}" if gone else
                  f"{args.student} has no override of the {what} in {args.unit}")
            return 0
        if args.score is None:
            raise ValueError("give --score (and --comment), or --clear")
        if args.check:
            names = {c.name: c.points for c in load_suite(args.unit).checks}
            if args.check not in names:
                raise ValueError(f"{args.unit} has no check named {args.check!r} (see `autograder list --checks "
                                 f"--unit {args.unit}`)")
            if not 0 <= args.score <= names[args.check]:
                raise ValueError(f"{args.check} is worth {names[args.check]:g} points; --score must be within 0 .. "
                                 f"{names[args.check]:g}")
        else:
            _total_in_range(book, args.unit, args.score, args.extra_credit)
        known = book.student_ids()
        if args.student not in known and not args.new_student:
            close = difflib.get_close_matches(args.student, known, n=3, cutoff=0.6)
            raise ValueError(f"{args.gradebook} has no student {args.student!r}"
                             + (f" (did you mean {', '.join(close)}?)" if close else "")
                             + "; give --new-student to add them")
        if not any(s.student_id == args.student for s in book.current(args.unit)):
            print(f"note: {args.student} has no submission of {args.unit} yet; the override applies once graded",
                  file=sys.stderr)
        book.set_override(args.student, args.unit, args.check, args.score, args.comment)
        print(f"{args.student}, {args.unit}: {what} set to {args.score:g} ({args.comment.strip()})")
    return 0


def _total_in_range(book, unit: str, score: float, extra_credit: bool):
    """Refuse a total below 0, or above the unit's points without ``--extra-credit``."""
    try:
        top = load_suite(unit).max_score
    except ValueError:  # a unit only the gradebook holds
        top = max((s.max_score for s in book.current(unit)), default=0.0)
    if not 0 <= score < float("inf"):
        raise ValueError(f"--score must be a number, 0 or more (the total of {unit} is out of {top:g})")
    if score > top and not extra_credit:
        raise ValueError(f"{unit} is worth {top:g} points; a total of {score:g} needs --extra-credit")


def cmd_late(args) -> int:
    from . import gradebook as gb, late

    _gradebook_unit(args.unit, args.gradebook)
    with gb.Gradebook(args.gradebook) as book:
        if args.clear:
            book.set_policy(args.unit, None)
            print(f"{args.unit}: no late policy")
            return 0
        old = book.policy(args.unit)
        given = {k: getattr(args, k) for k in ("due", "grace", "per_day", "zero_after", "extensions")}
        if all(v is None for v in given.values()):
            print(f"{args.unit}: {old.describe() if old else 'no late policy'}")
            return 0
        if old is None and not args.due:
            raise ValueError(f"{args.unit} has no late policy yet: give --due (and --grace, --per-day, --zero-after, "
                             "--extensions as needed)")
        policy = dataclasses.replace(old) if old else late.Policy("")
        if args.due:
            try:
                policy.due = late.iso(late.parse_time(args.due))
            except ValueError as exc:
                raise ValueError(f"--due: {exc}") from None
        for option, name in (("grace", "grace_minutes"), ("per_day", "per_day")):
            if given[option] is not None:
                setattr(policy, name, given[option])
        if args.zero_after is not None:
            policy.zero_after = None if args.zero_after == "none" else args.zero_after
        if args.extensions is not None:
            none = args.extensions.strip().lower() == "none"
            policy.extensions = {} if none else late.read_extensions(Path(args.extensions), policy.due)
        book.set_policy(args.unit, policy)
        print(f"{args.unit}: {policy.describe()}")
        for line in late.changes(old, policy) if old else ["a new policy"]:
            print(f"  {line}")
        if old and old.extensions and policy.due != old.due and args.extensions is None:
            print(f"  note: the {len(policy.extensions)} extension(s) kept their due dates; give --extensions again "
                  "to count their days from the new due date")
    return 0



def cmd_export(args) -> int:
    from rich.console import Console

    from . import exports

    _gradebook_unit(args.unit, args.gradebook)
    written = exports.export(args.gradebook, args.out, formats=args.formats, unit=args.unit, roster=args.roster,
                             duedate=args.duedate, console=Console())
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_remove(args) -> int:
    from . import gradebook as gb

    if not args.gradebook.is_file():
        raise ValueError(f"no gradebook at {args.gradebook}")
    _gradebook_unit(args.unit, args.gradebook)
    with gb.Gradebook(args.gradebook) as book:
        for student in args.students:
            removed = book.remove(student, args.unit)
            where = f" of {args.unit}" if args.unit else ""
            print(f"removed {removed} submission(s){where} of {student}" if removed else
                  f"{student}: no submissions{where} in {args.gradebook}")
    return 0


def cmd_release(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from . import release

    release.write(args.out)
    table = Table(title="what ships, per unit")
    for col in ("unit", "checks shipped (points)", "of which need the reference", "instructor-only (points)",
                "exercises with public vectors", "vector calls"):
        table.add_column(col)
    for unit, row in release.split(args.out).items():
        table.add_row(unit, f"{row['ship']} ({row['ship_points']:g})", str(row["need_reference"]),
                      f"{row['instructor_only']} ({row['instructor_only_points']:g})",
                      f"{row['exercises']} of {row['instructor_only_exercises']}", str(row["calls"]))
    Console().print(table)
    print(f"wrote the student release to {args.out}")
    return 0


def cmd_gradescope(args) -> int:
    from . import gradescope

    load_suite(args.unit)
    gradescope.bundle(args.unit, args.out)
    print(f"wrote {args.out}: upload it as the autograder of {args.unit} on Gradescope")
    return 0


FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)  # nowhere left to write


def run() -> None:
    """The console entry point: :func:`main`, then :func:`exit_now`. A reader that closes the output
    early (``| head``) ends the command quietly with status 1, as rich and Python's own advice do;
    a disk that is full is one error line and status 1, not a traceback."""
    try:
        code = main()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush there
        code = 1
    except OSError as exc:
        if exc.errno not in FULL:
            raise
        code = _cannot_write(exc)
    exit_now(code)


def _cannot_write(exc: OSError) -> int:
    where = f" {exc.filename}" if exc.filename else " the output"
    os.write(2, f"autograder: error: could not write{where}: {exc.strerror}\n".encode())
    return 1


def exit_now(code: int) -> None:
    """End the process with ``code`` after the exit handlers and a flush, without the interpreter's
    teardown (freeing every module's objects: 0.8 s of a cold unit-5 grading once torch is loaded;
    the operating system reclaims the memory at once)."""
    atexit._run_exitfuncs()  # what the teardown would run first (pools, Dask clients)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            code = code or 1
        except OSError as exc:
            code = code or _cannot_write(exc)
        except ValueError:  # closed
            pass
    os._exit(code)


if __name__ == "__main__":
    run()
