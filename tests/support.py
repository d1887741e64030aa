"""Helpers for the grader's own tests: build submissions from the reference with planted
changes, grade them, and assert grades in both directions."""
from __future__ import annotations

import ast
import atexit
import shutil
import textwrap
from pathlib import Path

from autograder import runner
from autograder.report import Report
from autograder.sandbox.plain import Launcher
from autograder.sandbox.pool import Pool
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


def reference_def(unit: str, module: str, func: str, changes: dict[str, str]) -> str:
    """The reference's top-level definition of ``func`` (a function or a class) with each ``old`` of
    ``changes`` (which must occur) replaced by its ``new``: a mutant that differs from the reference
    where it says."""
    source = (ROOT / "reference" / unit / f"{module}.py").read_text()
    node = next(n for n in ast.parse(source).body
                if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == func)
    text = "".join(source.splitlines(keepends=True)[node.lineno - 1:node.end_lineno])
    for old, new in changes.items():
        assert old in text, f"{old!r} is not in the reference's {func}"
        text = text.replace(old, new)
    return text


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


def every_function(unit: str, body: str) -> dict[str, str]:
    """``{file: source}``: the unit's reference modules with the body of every function and method
    (classes kept, so their checks reach the methods) replaced by the statement ``body``."""
    files = {}
    for path in sorted((ROOT / "reference" / unit).glob("[a-z]*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                node.body = ast.parse(body).body
        at = sum(isinstance(n, ast.ImportFrom) and n.module == "__future__" for n in tree.body)
        tree.body[at:at] = ast.parse("import os\nimport time").body
        files[path.name] = ast.unparse(tree) + "\n"
    return files


def shared_pool() -> Pool:
    """This test process's pool of plain workers, forked from a zygote per preload as in batch grading:
    each grading gets a fresh worker that never ran other code, without paying python and torch's
    start (about 2 s of CPU for a torch unit). Its zygotes end with this process."""
    global _POOL
    if _POOL is None:
        _POOL = Pool(Launcher(), preloads=())
        atexit.register(_POOL.close)
    return _POOL


_POOL: Pool | None = None


def grade(path: Path, unit: str, only: list[str] | None = None, submission_id: str = "test", **kw) -> Report:
    """Grade with the test salt; in :func:`shared_pool` unless a launcher, limits or pool is given."""
    if not {"launcher", "limits", "pool"} & set(kw):
        kw["pool"] = shared_pool()
    return runner.grade(path, unit, only=only, submission_id=submission_id, salt="test-salt", **kw)


def checks_of(unit: str, module: str) -> list[str]:
    return [c.name for c in load_suite(unit).checks if c.exercise.split(".")[0] == module]


def checks_running(unit: str, target: str) -> list[str]:
    """The checks of ``module.func``'s module that can run ``func`` when the rest of the submission is
    the reference: those whose exercise or allowed calls (its exercise, what that builds on, its
    ``uses``: the calls a grading records stay within these) are ``func`` or reach it by name in the
    reference, directly or through the module's other definitions and constants (student code
    calling student code, which the worker does not record). Every other check of the module runs
    the reference alone. All of them where a sibling module the reference imports imports back."""
    module, func = target.split(".")
    tree = ast.parse((ROOT / "reference" / unit / f"{module}.py").read_text())
    siblings = {n.module for n in tree.body if isinstance(n, ast.ImportFrom) and n.level == 1 and n.module}
    if any(f"from .{module} import" in (ROOT / "reference" / unit / f"{s}.py").read_text() for s in siblings):
        return checks_of(unit, module)
    nodes = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            nodes[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for name in ast.walk(ast.Tuple(node.targets if isinstance(node, ast.Assign) else [node.target])):
                if isinstance(name, ast.Name):
                    nodes[name.id] = node
    refers = {k: {n.id for n in ast.walk(v) if isinstance(n, ast.Name) and n.id in nodes} for k, v in nodes.items()}

    def reaches(name: str) -> bool:
        seen, todo = {name}, [name]
        while todo:
            for other in refers.get(todo.pop(), set()) - seen:
                seen.add(other)
                todo.append(other)
        return func in seen or name not in nodes  # a name the reference does not define: it may

    suite = load_suite(unit)
    return [c.name for c in suite.checks if c.exercise.split(".")[0] == module
            and any(call.split(".")[0] != module or reaches(call.split(".")[1])
                    for call in suite.allowed_calls(c))]


def checks_of_exercise(unit: str, exercise: str) -> list[str]:
    """The checks filed under ``module.function`` (or under one of its parts, ``module.Class.method``)."""
    return [c.name for c in load_suite(unit).checks if c.exercise == exercise or c.exercise.startswith(exercise + ".")]


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


def scores_under_ids(path: Path, unit: str, only: list[str], ids: list[str], salt: str = "test-salt") -> dict[str, float]:
    """``{submission id: score}`` of the checks ``only`` on folder ``path``, one worker for every id.

    Seeds derive from (salt, unit, check, id) exactly as in :func:`autograder.runner.grade`.
    """
    from autograder import seeds

    suite = load_suite(unit)
    checks = suite.select(only)
    reference = runner.load_reference(suite)
    session = runner.open_session(path, suite, pool=shared_pool())
    try:
        return {sid: round(sum(runner.run_check(c, "", session, reference,
                                                seeds.derive_seed(salt, unit, c.name, sid)).score
                               for c in checks), 6)
                for sid in ids}
    finally:
        session.close()


CONSTANT_HELPER = '''

def _deepgrade_constant(value, kind):
    """What a function that ignores its work returns: zeros shaped like ``value``, or its input."""
    import numpy as _np
    if kind == "input":
        return value
    if isinstance(value, (tuple, list)):
        return type(value)(_deepgrade_constant(v, kind) for v in value)
    if isinstance(value, dict):
        return {k: _deepgrade_constant(v, kind) for k, v in value.items()}
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return type(value)(0)
    if isinstance(value, _np.ndarray):
        return _np.zeros_like(value)
    try:
        import torch as _torch
        if isinstance(value, _torch.Tensor):
            return _torch.zeros_like(value)
    except ImportError:
        pass
    return None  # an object that is not data (a module, an optimizer): the constant is None
'''


def constant_module(source: str, kind: str) -> str:
    """``source`` with every top-level function in a solution region made to return a constant.

    ``kind`` is ``"zeros"`` (zeros shaped like the correct answer, False, 0.0) or ``"input"`` (its
    first argument unchanged). Classes and helpers outside solution regions are left alone.
    """
    from autograder.stubs import BEGIN

    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.args.args and not node.name.startswith("_"):
            body = "".join(lines[node.lineno - 1:node.end_lineno])
            if BEGIN in body:
                names.append(node.name)
    out = source + CONSTANT_HELPER
    for name in names:
        out += (f"\n_deepgrade_{name} = {name}\n\n"
                f"def {name}(*args, **kwargs):\n"
                + (f"    return _deepgrade_constant(args[0], 'input')\n" if kind == "input" else
                   f"    return _deepgrade_constant(_deepgrade_{name}(*args, **kwargs), 'zeros')\n"))
    return out


def constant_exercises(unit: str, module: str) -> list[str]:
    """``module.function`` for each function that :func:`constant_module` replaces."""
    from autograder.stubs import BEGIN

    source = (ROOT / "reference" / unit / f"{module}.py").read_text()
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    return [f"{module}.{node.name}" for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.args.args and not node.name.startswith("_")
            and BEGIN in "".join(lines[node.lineno - 1:node.end_lineno])]


def linked_venv(venv: Path, base: str | None = None, leave_out: tuple[str, ...] = ()) -> Path:
    """A venv at ``venv`` (no pip) that sees this project's installed packages, standing in for an
    offline ``pip install``: numpy hard-linked (a sandboxed worker cannot follow symlinks out of
    its binds), the rest symlinked, packages whose names start with ``leave_out`` left out.
    Returns its python."""
    import subprocess
    import sys
    import sysconfig

    subprocess.run([base or sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    target = Path(subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                          text=True).strip())
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if entry.name.startswith(("__editable__", "deepgrade", "__pycache__")) or entry.suffix == ".pth":
            continue
        if leave_out and entry.name.startswith(leave_out):
            continue
        if entry.name.startswith("numpy"):
            subprocess.run(["cp", "-al", str(entry), str(target)], check=True)
        else:
            (target / entry.name).symlink_to(entry)
    return python
