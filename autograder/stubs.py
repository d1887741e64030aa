"""Generate ``assignments/`` (what students get) from ``reference/`` (the single source of truth).

Each region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes
``raise NotImplementedError`` at the region's indentation; docstrings and signatures stay.
A region at module level is removed. ``check`` reports files that differ from what would be
generated, so a stale ``assignments/`` fails the test suite. Beside them it records
``autograder/stub_digests.json`` (:data:`.course.STUB_DIGESTS`): a digest of each stub module,
which intake uses to tell untouched stubs from work without reading ``assignments/``.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from .course import (BEGIN, END, ROOT, STUB_DIGESTS, StubError, code_digest, reference_units,  # noqa: F401
                     strip_solutions)
from .notebooks import student_notebook

SELF_CHECK = '''"""Self-check: ``pytest assignments/{unit}`` runs the public checks on your code here."""
from autograder.selfcheck import make_tests

test_check = make_tests("{unit}")
'''
# ``pytest assignments/<unit>`` reads this first: no plugin that happens to be installed is loaded
# (hypothesis's, xdist, anyio: about a second of start-up on every run the self-check never uses).
PYTEST_INI = """[pytest]
addopts = --disable-plugin-autoload -p no:cacheprovider -rs
"""
PACKAGE_INIT = '"""Your work: one package per unit. Fill in the functions marked ``raise NotImplementedError``."""\n'


def generate(unit_dir: Path) -> dict[str, str | bytes]:
    """The student version of one reference unit: {relative path: content}."""
    unit = unit_dir.name
    files: dict[str, str | bytes] = {"test_selfcheck.py": SELF_CHECK.format(unit=unit), "pytest.ini": PYTEST_INI}
    for path in sorted(unit_dir.rglob("*")):
        rel = path.relative_to(unit_dir).as_posix()
        if path.is_dir() or "__pycache__" in rel or rel.startswith("."):
            continue
        if path.suffix == ".py":
            files[rel] = strip_solutions(path.read_text(encoding="utf-8"), rel)
        elif path.suffix == ".ipynb":
            files[rel] = student_notebook(path)
        else:
            files[rel] = path.read_bytes()
    return files


def digests(root: Path = ROOT) -> str:
    """The text of :data:`.course.STUB_DIGESTS`: each unit's top-level stub modules, digested."""
    table = {unit_dir.name: {path.name: code_digest(strip_solutions(path.read_text(encoding="utf-8"), path.name))
                             for path in sorted(unit_dir.glob("*.py"))}
             for unit_dir in reference_units(root)}
    return json.dumps(table, indent=1, sort_keys=True) + "\n"


def write(root: Path = ROOT, out: Path | None = None) -> list[str]:
    """Regenerate ``assignments/``; returns the units written."""
    out = out or root / "assignments"
    out.mkdir(parents=True, exist_ok=True)
    (out / "__init__.py").write_text(PACKAGE_INIT, encoding="utf-8")
    units = []
    for unit_dir in reference_units(root):
        target = out / unit_dir.name
        if target.exists():
            shutil.rmtree(target)
        for rel, content in generate(unit_dir).items():
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        units.append(unit_dir.name)
    (root / STUB_DIGESTS).write_text(digests(root), encoding="utf-8")
    return units


def stale(root: Path = ROOT) -> list[str]:
    """Paths under ``assignments/`` that differ from (or are missing from) the generated stubs."""
    problems = []
    manifest = root / STUB_DIGESTS
    if not manifest.is_file() or manifest.read_text(encoding="utf-8") != digests(root):
        problems.append(STUB_DIGESTS)
    out = root / "assignments"
    for unit_dir in reference_units(root):
        expected = generate(unit_dir)
        target = out / unit_dir.name
        for rel, content in expected.items():
            path = target / rel
            want = content if isinstance(content, bytes) else content.encode()
            if not path.exists() or path.read_bytes() != want:
                problems.append(f"assignments/{unit_dir.name}/{rel}")
        if target.exists():
            for path in target.rglob("*"):
                rel = path.relative_to(target).as_posix()
                if path.is_file() and "__pycache__" not in rel and rel not in expected:
                    problems.append(f"assignments/{unit_dir.name}/{rel} (not generated)")
    return problems
