"""The course tree and its solution regions: where ``reference/`` and ``assignments/`` are, and how
a reference source marks what students must write.

A solution region is the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (as in
nbgrader). :mod:`.stubs`, :mod:`.notebooks`, :mod:`.release` and :mod:`.gradescope` read the tree
through this module, which imports none of them.
"""
from __future__ import annotations

from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
ROOT = Path(__file__).resolve().parent.parent  # the repository: reference/, assignments/, autograder/


class StubError(ValueError):
    """A reference source whose solution markers do not pair up."""


def strip_solutions(source: str, filename: str = "<source>") -> str:
    """Every solution region of ``source`` replaced with ``raise NotImplementedError`` at the
    region's indentation (a region at module level is removed); docstrings and signatures stay."""
    out, region = [], None
    for number, line in enumerate(source.splitlines(keepends=True), 1):
        stripped = line.strip()
        if stripped == BEGIN:
            if region is not None:
                raise StubError(f"{filename}:{number}: nested {BEGIN}")
            region = line[: len(line) - len(line.lstrip())]
            if region:
                out.append(f"{region}# YOUR CODE HERE\n{region}raise NotImplementedError\n")
        elif stripped == END:
            if region is None:
                raise StubError(f"{filename}:{number}: {END} without {BEGIN}")
            region = None
        elif region is None:
            out.append(line)
    if region is not None:
        raise StubError(f"{filename}: unterminated {BEGIN}")
    return "".join(out)


def has_solution(source: str) -> bool:
    """Whether ``source`` has a solution region."""
    return any(line.strip() == BEGIN for line in source.splitlines())


def reference_units(root: Path = ROOT) -> list[Path]:
    """The unit folders of ``reference/``."""
    return sorted(p for p in (root / "reference").glob("unit*") if p.is_dir())
