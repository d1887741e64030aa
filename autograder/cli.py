"""``autograder``: grade, self-check, list, and regenerate stubs."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console

from . import runner, stubs
from .sandbox import launchers
from .submission import SubmissionError
from .suite import load_suite, unit_names

EXAMPLES = stubs.ROOT / "tests" / "examples"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (SubmissionError, ValueError, launchers.SandboxUnavailable) as exc:
        print(f"autograder: error: {exc}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("grade", help="grade one submission folder")
    p.add_argument("path", type=Path)
    p.add_argument("--unit", help="unit package name (default: the folder's name)")
    p.add_argument("--json", type=Path, help="write Gradescope results.json here")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--submission-id", help="seed inputs from this id (a regrade with the same id is identical)")
    p.add_argument("--only", nargs="+", help="run only these checks, exercises or modules")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run student code in a plain subprocess (no bubblewrap isolation)")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("check", help="run the public checks on your working copy of a unit")
    p.add_argument("unit")
    p.add_argument("--path", type=Path, help="folder with your modules (default: assignments/UNIT)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("list", help="units, exercises and points")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("stubs", help="regenerate assignments/ from reference/")
    p.add_argument("--check", action="store_true", help="only report stale files (exit 1 if any)")
    p.set_defaults(func=cmd_stubs)

    p = sub.add_parser("grade-examples", help="grade the shipped example submissions")
    p.set_defaults(func=cmd_grade_examples)
    return parser


def _unit_for(path: Path, unit: str | None) -> str:
    unit = unit or path.resolve().name
    load_suite(unit)  # unknown unit -> ValueError
    return unit


def cmd_grade(args) -> int:
    unit = _unit_for(args.path, args.unit)
    report = runner.grade(args.path, unit, only=args.only, submission_id=args.submission_id,
                          launcher=launchers.choose(args.no_sandbox))
    if args.json:
        report.write_json(args.json)
    if args.format == "json":
        print(json.dumps(report.gradescope(), indent=2))
    else:
        report.table(Console())
    return 0


def cmd_check(args) -> int:
    load_suite(args.unit)
    path = args.path or Path("assignments") / args.unit
    report = runner.grade(path, args.unit, use_reference=False, public_only=True,
                          launcher=launchers.self_check_launcher())
    report.table(Console())
    skipped = [r for r in report.results if r.skipped]
    if skipped:
        print(f"{len(skipped)} check(s) were not run here (hidden, or they need the reference); "
              "they run when your work is graded.")
    return 0


def cmd_list(args) -> int:
    from rich.table import Table

    table = Table(title="deepgrade units")
    for col in ("unit", "exercise", "checks", "points"):
        table.add_column(col)
    for unit in unit_names():
        suite = load_suite(unit)
        exercises: dict[str, list] = {}
        for check in suite.checks:
            exercises.setdefault(check.exercise, []).append(check)
        for i, (exercise, checks) in enumerate(exercises.items()):
            table.add_row(unit if i == 0 else "", exercise, str(len(checks)), f"{sum(c.points for c in checks):g}")
        table.add_row("", "[b]total[/b]", str(len(suite.checks)), f"[b]{suite.max_score:g}[/b]", end_section=True)
    Console().print(table)
    return 0


def cmd_stubs(args) -> int:
    if args.check:
        problems = stubs.stale()
        for p in problems:
            print(f"stale: {p}")
        return 1 if problems else 0
    for unit in stubs.write():
        print(f"wrote assignments/{unit}")
    return 0


def cmd_grade_examples(args) -> int:
    console = Console()
    for unit_dir in sorted(EXAMPLES.glob("unit*")):
        for example in sorted(p for p in unit_dir.iterdir() if p.is_dir()):
            console.rule(f"{unit_dir.name} / {example.name}")
            report = runner.grade(example, unit_dir.name, submission_id=example.name,
                                  launcher=launchers.self_check_launcher())
            report.table(console)
    return 0


if __name__ == "__main__":
    sys.exit(main())
