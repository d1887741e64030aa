"""Helpers for the grader's own tests: build submissions from the reference with planted
changes, grade them, and assert grades in both directions."""
from __future__ import annotations

import ast
import shutil
import textwrap
from pathlib import Path

from autograder import runner
from autograder.report import Report
from autograder.suite import load_suite

ROOT = Path(__file__).resolve().parent.parent


def replace_function(source: str, func: str, new: str) -> str:
    """``source`` with the top-level definition of ``func`` replaced by ``new`` (a full def)."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == func:
            lines = source.splitlines(keepends=True)
            start = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
            return "".join(lines[:start]) + textwrap.dedent(new).strip() + "\n" + "".join(lines[node.end_lineno:])
    raise KeyError(f"{func} is not defined at top level")


def make_submission(tmp: Path, unit: str, changes: dict[str, str] | None = None, base: str = "reference",
                    extra: dict[str, str] | None = None) -> Path:
    """A copy of ``base/unit`` (outside the repository) with ``module.func`` definitions replaced.

    ``extra`` adds or overwrites whole files (``{"tensors.py": "..."}``).
    """
    out = tmp / unit
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(ROOT / base / unit, out, ignore=shutil.ignore_patterns("__pycache__", "test_*"))
    for target, new in (changes or {}).items():
        module, func = target.split(".")
        path = out / f"{module}.py"
        path.write_text(replace_function(path.read_text(), func, new))
    for name, text in (extra or {}).items():
        (out / name).write_text(textwrap.dedent(text))
    return out


def grade(path: Path, unit: str, only: list[str] | None = None, submission_id: str = "test", **kw) -> Report:
    return runner.grade(path, unit, only=only, submission_id=submission_id, salt="test-salt", **kw)


def checks_of(unit: str, module: str) -> list[str]:
    return [c.name for c in load_suite(unit).checks if c.exercise.split(".")[0] == module]


def assert_full_marks(report: Report):
    lost = [f"{r.name}: {r.output}" for r in report.results if r.status != "passed" and not r.skipped]
    assert not lost, "a correct submission lost points:\n" + "\n".join(lost)
    assert report.score == report.max_score > 0


def assert_loses_points(report: Report, func: str):
    """Some check failed, and a failing check's feedback names the function."""
    assert report.score < report.max_score, "a wrong implementation kept full marks"
    failed = [r.output for r in report.results if r.status == "failed"]
    assert any(func in text for text in failed), f"no failure message names {func}:\n" + "\n".join(failed)


def mutant_params(mutants: dict[str, tuple[str, str]]):
    """pytest parameters from ``{description: ("module.func", new source)}``."""
    import pytest

    return [pytest.param(target, src, id=name) for name, (target, src) in mutants.items()]
