"""Grading results: one :class:`CheckResult` per check, a terminal table and Gradescope's JSON.

The JSON follows Gradescope's ``results.json`` specification: top-level ``score``,
``execution_time``, ``output``, ``visibility``, ``tests`` (``name``, ``number``, ``score``,
``max_score``, ``status``, ``output``, ``visibility``, ``tags``) and ``extra_data``.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class CheckResult:
    name: str
    number: str
    exercise: str
    score: float
    max_score: float
    output: str
    visibility: str
    tags: list[str]
    duration: float = 0.0
    skipped: bool = False
    calls: list[str] = field(default_factory=list)  # the student exercises the check called
    printed: str = ""  # what the student's code printed during the check (visible checks only, 2 KiB)
    figures: list[dict] = field(default_factory=list)  # plot data for the HTML report (report_html.py)

    @property
    def status(self) -> str:
        return "passed" if self.score >= self.max_score and not self.skipped else "failed"


def feedback(result: CheckResult) -> str:
    """A check's message followed by what the student's code printed during it (visible checks only;
    the runner keeps it empty for the others)."""
    if not result.printed:
        return result.output
    printed = "\n".join("    " + line for line in collapsed(result.printed).splitlines())
    return f"{result.output}\nYour code printed:\n{printed}"


def collapsed(printed: str) -> str:
    """``printed`` with a line repeated in a row shown once, with its count (a print in a loop)."""
    lines = []
    for line, run in itertools.groupby(printed.rstrip("\n").splitlines()):
        count = sum(1 for _ in run)
        lines.append(line + (f"   [{count} times]" if count > 1 else ""))
    return "\n".join(lines)


@dataclass
class Report:
    unit: str
    submission_id: str
    isolation: str
    results: list[CheckResult] = field(default_factory=list)
    execution_time: float = 0.0
    round_trips: int = 0
    workers_started: int = 0
    output: str = ""

    @property
    def score(self) -> float:
        return round(sum(r.score for r in self.results), 6)

    @property
    def max_score(self) -> float:
        return sum(r.max_score for r in self.results if not r.skipped)

    def by_name(self) -> dict[str, CheckResult]:
        return {r.name: r for r in self.results}

    def gradescope(self) -> dict:
        tests = [{"name": f"{r.exercise}: {r.name}", "number": r.number, "score": round(r.score, 6),
                  "max_score": r.max_score, "status": r.status, "output": feedback(r),
                  "visibility": r.visibility, "tags": r.tags} for r in self.results if not r.skipped]
        return {
            "score": self.score,
            "execution_time": round(self.execution_time, 3),
            "output": self.output or f"{self.unit}: {self.score:g} / {self.max_score:g} points.",
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": tests,
            "extra_data": {"unit": self.unit, "submission_id": self.submission_id,
                           "isolation": self.isolation, "round_trips": self.round_trips,
                           "workers_started": self.workers_started},
        }

    def write_json(self, path: Path):
        Path(path).write_text(json.dumps(self.gradescope(), indent=2) + "\n", encoding="utf-8")

    def table(self, console=None):
        from rich.console import Console
        from rich.markup import escape as rich_escape
        from rich.table import Table

        console = console or Console()
        table = Table(title=f"{self.unit} — {self.score:g} / {self.max_score:g}", title_justify="left")
        for col, kw in (("#", {"justify": "right"}), ("check", {}), ("score", {"justify": "right"}),
                        ("feedback", {"overflow": "fold"})):
            table.add_column(col, **kw)
        for r in self.results:
            mark = "skipped" if r.skipped else f"{r.score:g}/{r.max_score:g}"
            style = "dim" if r.skipped else ("green" if r.status == "passed" else "red")
            table.add_row(r.number, f"{r.exercise}: {r.name}", f"[{style}]{mark}[/]", rich_escape(feedback(r)))
        console.print(table)
        console.print(f"isolation: {self.isolation}; {self.execution_time:.2f} s; "
                      f"{self.round_trips} round trips; {self.workers_started} worker(s)")


def as_dict(result: CheckResult) -> dict:
    return {**asdict(result), "status": result.status}
