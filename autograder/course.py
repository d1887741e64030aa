"""The course tree and its solution regions: where ``reference/`` and ``assignments/`` are, and how
a reference source marks what students must write.

A solution region is the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (as in
nbgrader). The stubs' digests (:data:`STUB_DIGESTS`) tell intake which uploaded modules are the
stubs as released. :mod:`.stubs`, :mod:`.notebooks`, :mod:`.release` and :mod:`.gradescope` read the tree
through this module, which imports none of them.
"""
from __future__ import annotations

import ast
import hashlib
import io
import json
import tokenize
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
ROOT = Path(__file__).resolve().parent.parent  # the repository: reference/, assignments/, autograder/
# {unit: {module file: code_digest of its stub}}, written with assignments/ by ``autograder stubs``; it
# ships inside the engine (release, Gradescope bundle, cluster workers), so "untouched stubs" never
# depends on the assignments/ folder of whoever grades.
STUB_DIGESTS = "autograder/stub_digests.json"


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


def code_lines(source: str) -> list[str]:
    """The lines of ``source`` that matter for "same code": blank lines and trailing spaces dropped."""
    return [line.rstrip() for line in source.strip().splitlines() if line.strip()]


def code_digest(source: str) -> str:
    """sha256 (hex) of :func:`code_only` of ``source``: equal for sources that are the same code, so a
    stub with a comment added, a docstring reworded (a fix after the release) or lines re-spaced is
    still the stub, and one changed statement anywhere is work."""
    return hashlib.sha256(code_only(source).encode("utf-8")).hexdigest()


def code_only(source: str) -> str:
    """``source`` without comments, string statements (docstrings), blank lines and trailing spaces.

    Spans come from :mod:`tokenize` (comments) and :mod:`ast` (string statements), and the text left
    is the source's own, so the result does not depend on the Python version (``ast.dump`` and
    ``ast.unparse`` do). A source that does not parse is compared as written (:func:`code_lines`).
    """
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    try:
        tree = ast.parse(text)
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (SyntaxError, ValueError, tokenize.TokenError):
        return "\n".join(code_lines(source))
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(row: int, byte_col: int) -> int:  # ast columns count UTF-8 bytes
        return starts[row - 1] + len(lines[row - 1].encode("utf-8")[:byte_col].decode("utf-8", "ignore"))

    spans = [(starts[t.start[0] - 1] + t.start[1], starts[t.end[0] - 1] + t.end[1])
             for t in tokens if t.type == tokenize.COMMENT]
    spans += [(offset(n.lineno, n.col_offset), offset(n.end_lineno, n.end_col_offset)) for n in ast.walk(tree)
              if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)]
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + text[end:]
    return "\n".join(code_lines(text))


def stub_digests(unit: str) -> dict[str, str]:
    """``{"module.py": digest}`` of the stubs students were given for ``unit`` ({} if none recorded)."""
    path = Path(__file__).resolve().parent / Path(STUB_DIGESTS).name
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8")).get(unit, {})
