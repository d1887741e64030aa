"""Unit notebooks: generated from the reference modules, graded like a folder of modules.

One notebook per unit, ``reference/<unit>/<unit>.ipynb``, is written by ``autograder notebooks``
(also run by ``autograder stubs``) from the unit's reference modules, so docstrings and solutions
are written once. Its cells, each with a fixed cell id and nbgrader metadata:

- ``intro``, ``setup``, ``about-<module>``: read-only text and the setup code;
- ``module-<module>``: one solution cell per graded module. It starts with ``%%module <module>``
  and holds the module's whole source; its metadata ``{"deepgrade": {"module": ...}}`` names it.
  ``%%module`` (see :mod:`autograder.workbook`) runs the cell as that module, so relative imports
  (``from .activations import relu``) work in the notebook as they do in the sandbox;
- ``provided-<module>``: read-only cells for reference modules that have nothing to implement;
- ``try-<module>-<n>``: editable try-it cells with plots, from ``autograder/notebook_cells/<unit>.py``,
  each run by ``%%try_it`` (a function not written yet prints "implement `f` first", so "Run All"
  on a fresh notebook runs to the end);
- ``check-<module>``: read-only self-check cells (the module's public checks, in the sandbox);
- ``test-<exercise>``: nbgrader's graded test cells, one per exercise with its points.

The student notebook is the same with solution regions stripped (:func:`student_notebook`).

A submitted notebook (found by :mod:`autograder.submission`) is parsed with its outputs dropped
at once, then read with nbformat; its limits are on its code, not its figures. Which cell is a
module's exercise follows the kernel (:func:`exercise_sources`): the last code cell whose first
line is ``%%module NAME``, as a top-to-bottom run leaves it; cell ids and nbgrader ``grade_id``
find a cell that lost that line. Every other cell, output and metadata is dropped, and the
modules are graded in the sandbox exactly like a folder of modules; each deviation (duplicated or
split exercise cells, one turned into Markdown, ids lost, IPython syntax) is a note in notebook
terms.
"""
from __future__ import annotations

import ast
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

from . import course
from .submission import CLEAR_OUTPUTS, MAX_FILE_BYTES, MAX_NOTEBOOK_BYTES, SubmissionError, too_large

ROOT = course.ROOT
CELLS_DIR = Path(__file__).resolve().parent / "notebook_cells"
MAX_CELLS = 10000             # cells in one submitted notebook
MAX_NOTEBOOK_CODE = 16 << 20  # text of all its cells (outputs are not counted: they are dropped)
MAGIC = "%%module"
TRY_IT = "%%try_it"  # a try-it cell whose function is not written yet says so instead of raising
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
INSTRUCTIONS = """\
**How to work.** Run the setup cell first. Each exercise cell starts with `%%module NAME`: it holds the
whole module `NAME.py`, runs it as that module, and makes its functions available in the notebook.
Replace each `raise NotImplementedError` with your code, rerun the cell, try your functions in the
cells below it (each starts with `%%try_it`: until the functions it calls are written it says which
one to write first, so "Run All" always runs to the end), then run the self-check cell. Read-only
cells are part of the assignment.

**What is graded.** Only the exercise cells (`%%module ...`) are graded, each as the module it names,
in a sandbox, against the checks your instructor runs (plus hidden ones). Other cells, outputs and
anything the notebook's kernel did are ignored. Keep your code inside the exercise cells, and keep
their first line."""


class NotebookError(ValueError):
    """A notebook cannot be generated (a problem in reference modules or try-it cells)."""


# ---------------------------------------------------------------- the reference notebook
def cell(kind: str, source: str, cell_id: str, *, nbgrader: dict | None = None, **metadata) -> dict:
    node = {"cell_type": kind, "id": cell_id, "metadata": dict(metadata), "source": source}
    if nbgrader is not None:
        node["metadata"]["nbgrader"] = {"grade_id": cell_id, "schema_version": 3, **nbgrader}
    if kind == "code":
        node.update(execution_count=None, outputs=[])
    return node


LOCKED = {"grade": False, "solution": False, "locked": True}


def read_only(kind: str, source: str, cell_id: str) -> dict:
    return cell(kind, source, cell_id, nbgrader=LOCKED, deletable=False, editable=False)


def has_solution(source: str) -> bool:
    return course.has_solution(source)


def module_order(sources: dict[str, str], graded: list[str]) -> list[str]:
    """Modules in an order where each comes after those it imports (``from .x import``);
    otherwise provided modules first, then the suite's order."""
    rank = {m: (m in graded, graded.index(m) if m in graded else 0, m) for m in sources}
    deps = {m: {node.module for node in ast.walk(ast.parse(src)) if isinstance(node, ast.ImportFrom)
                and node.level == 1 and node.module in sources} for m, src in sources.items()}
    order: list[str] = []
    while len(order) < len(sources):
        ready = [m for m in sources if m not in order and deps[m] <= set(order)]
        if not ready:
            raise NotebookError(f"circular imports between {sorted(set(sources) - set(order))}")
        order.append(min(ready, key=rank.__getitem__))
    return order


def exercises_of(source: str) -> list[str]:
    """``- `name(args)`: first docstring line`` for each top-level def or class with a solution region."""
    lines = []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and has_solution(ast.get_source_segment(source, node)):
            doc = (ast.get_docstring(node) or "").strip().splitlines()
            if isinstance(node, ast.FunctionDef):
                name = f"{node.name}({', '.join(a.arg for a in node.args.args)})"
            else:
                name = f"class {node.name}"
            lines.append(f"- `{name}`" + (f": {doc[0]}" if doc else ""))
    return lines


def try_it_cells(unit: str) -> dict[str, list[str]]:
    """``{module: [cell source]}`` from ``notebook_cells/<unit>.py`` (``# %% <module>`` starts a cell)."""
    path = CELLS_DIR / f"{unit}.py"
    cells: dict[str, list[str]] = {}
    if not path.exists():
        return cells
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"# %% (\w+)", line)
        if match:
            current = []
            cells.setdefault(match.group(1), []).append(current)
        elif current is not None:
            current.append(line)
    return {m: ["\n".join(lines).strip() + "\n" for lines in blocks] for m, blocks in cells.items()}


def build(unit_dir: Path) -> dict:
    """The reference notebook of one unit (a JSON-ready dict) from its reference modules."""
    from .suite import load_suite

    unit = unit_dir.name
    suite = load_suite(unit)
    sources = {p.stem: p.read_text(encoding="utf-8") for p in sorted(unit_dir.glob("*.py")) if p.stem != "__init__"}
    order = module_order(sources, suite.modules)
    demos = try_it_cells(unit)
    unknown = sorted(set(demos) - set(order))
    if unknown:
        raise NotebookError(f"notebook_cells/{unit}.py: no module named {', '.join(unknown)} in reference/{unit}")
    intro = ast.get_docstring(ast.parse((unit_dir / "__init__.py").read_text(encoding="utf-8"))) or ""
    title = suite.title or unit
    cells = [
        read_only("markdown", f"# {title}\n\n{intro}\n\n{INSTRUCTIONS}", "intro"),
        read_only("code", "# Setup: run this cell first. It defines %%module and the self-checks.\n"
                          "import numpy as np\nimport matplotlib.pyplot as plt\n\n"
                          "from autograder.workbook import Workbook\n\n"
                          f'workbook = Workbook("{unit}")', "setup"),
    ]
    for number, module in enumerate(order, 1):
        source = sources[module].rstrip() + "\n"
        doc = ast.get_docstring(ast.parse(source)) or ""
        todo = exercises_of(source)
        about = f"## {number}. `{module}.py`\n\n{doc}"
        if todo:
            about += "\n\nImplement in the cell below:\n\n" + "\n".join(todo)
        else:
            about += "\n\nProvided for you: nothing to implement here; run the cell."
        cells.append(read_only("markdown", about, f"about-{module}"))
        body = f"{MAGIC} {module}\n{source}"
        if todo:
            cells.append(cell("code", body, f"module-{module}", deletable=False, deepgrade={"module": module},
                              nbgrader={"grade": False, "solution": True, "locked": False}))
        else:
            cells.append(read_only("code", body, f"provided-{module}"))
        for n, demo in enumerate(demos.get(module, []), 1):
            cells.append(cell("code", f"{TRY_IT}\n{demo}", f"try-{module}-{n}"))
        if module in suite.modules and todo:
            cells.append(read_only("code", f'workbook.self_check("{module}")', f"check-{module}"))
    cells.append(read_only("markdown", GRADING_TEXT, "grading"))
    exercises: dict[str, float] = {}
    for check in suite.checks:
        exercises[check.exercise] = exercises.get(check.exercise, 0.0) + check.points
    position = {m: i for i, m in enumerate(order)}
    for exercise, points in sorted(exercises.items(), key=lambda item: position.get(item[0].split(".")[0], len(order))):
        cells.append(cell("code", f'workbook.score("{exercise}")', test_id(exercise), deletable=False,
                          editable=False, nbgrader={"grade": True, "solution": False, "locked": True,
                                                    "points": points}))
    return {"cells": cells, "metadata": {"deepgrade": {"unit": unit}, "kernelspec": KERNELSPEC,
                                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


GRADING_TEXT = """## Grading

Each cell below is worth the points of one exercise. Here it shows your score on the checks you can
run (public ones); when your work is graded, every check runs, hidden ones included, on the
exercise cells above only."""


def test_id(exercise: str) -> str:
    return "test-" + exercise.replace(".", "-")


def dumps(notebook: dict) -> str:
    """Deterministic text, as nbformat (and Jupyter) write it: sources as lists of lines."""
    for node in notebook["cells"]:
        node["source"] = joined(node["source"]).splitlines(keepends=True)
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def joined(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def notebook_path(unit_dir: Path) -> Path:
    return unit_dir / f"{unit_dir.name}.ipynb"


def units_with_suites(root: Path = ROOT) -> list[Path]:
    """Reference units that have a suite (a unit without one gets no notebook, and that is fine)."""
    from .suite import unit_names

    names = set(unit_names())
    return [d for d in course.reference_units(root) if d.name in names and (d / "__init__.py").exists()]


def write_all(root: Path = ROOT) -> list[Path]:
    """(Re)write every unit's reference notebook; returns the paths written."""
    written = []
    for unit_dir in units_with_suites(root):
        path = notebook_path(unit_dir)
        text = dumps(build(unit_dir))
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale(root: Path = ROOT) -> list[str]:
    """Reference notebooks that differ from what their modules generate."""
    return [f"{p.relative_to(root)}" for d in units_with_suites(root)
            if not (p := notebook_path(d)).exists() or p.read_text(encoding="utf-8") != dumps(build(d))]


# ---------------------------------------------------------------- the student notebook
def student_notebook(path: Path) -> str:
    """The student version of a reference notebook: solution regions stripped, no outputs."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    for node in notebook["cells"]:
        source = joined(node["source"])
        if node.get("metadata", {}).get("nbgrader", {}).get("solution"):
            source = course.strip_solutions(source, f"{Path(path).name}#{node.get('id')}")
        node["source"] = source
        if node["cell_type"] == "code":
            node.update(execution_count=None, outputs=[])
    return dumps(notebook)


# ---------------------------------------------------------------- submissions
def nbformat():
    """nbformat, imported without rfc3987_syntax (1.3 s of imports for a URI format we never check)."""
    sys.modules.setdefault("rfc3987_syntax", None)
    import nbformat as module  # noqa: PLC0415

    return module


def source_notebook(unit: str, root: Path = ROOT) -> Path:
    """The unit's own notebook: the reference one, else the student one (a release has no reference)."""
    for base in ("reference", "assignments"):
        path = root / base / unit / f"{unit}.ipynb"
        if path.is_file():
            return path
    raise SubmissionError(f"{unit} has no notebook, so a notebook cannot be graded for it; submit its modules")


def solution_cells(notebook: dict) -> list[tuple[str, str, str]]:
    """``[(cell id, grade_id, module)]`` of a trusted notebook's solution cells."""
    out = []
    for node in notebook["cells"]:
        module = node.get("metadata", {}).get("deepgrade", {}).get("module")
        if module and node.get("cell_type") == "code":
            out.append((node.get("id", ""), node["metadata"].get("nbgrader", {}).get("grade_id", ""), module))
    return out


def slim(raw: dict) -> dict:
    """A parsed notebook without what is never graded (outputs, attachments, notebook metadata but
    its unit), so validating and converting it costs little whatever its figures weigh."""
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    out = {k: raw[k] for k in ("nbformat", "nbformat_minor") if k in raw}
    meta = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
    out["metadata"] = {k: meta[k] for k in ("deepgrade", "kernelspec", "language_info") if k in meta}
    version = raw.get("nbformat", 4)

    def cells_of(node):
        cells = node.get("cells")
        if not isinstance(cells, list):
            return cells
        if len(cells) > MAX_CELLS:
            raise SubmissionError(f"has more than {MAX_CELLS} cells")
        kept = []
        for c in cells:
            if isinstance(c, dict):
                c = {k: v for k, v in c.items() if k not in ("outputs", "attachments", "prompt_number")}
                if c.get("cell_type") == "code":
                    c["outputs"] = []
                    if isinstance(version, int) and version >= 4:
                        c["execution_count"] = None
            kept.append(c)
        return kept

    if "worksheets" in raw and isinstance(raw["worksheets"], list):  # nbformat 3
        out["worksheets"] = [{**{k: v for k, v in w.items() if k != "cells"}, "cells": cells_of(w)}
                             for w in raw["worksheets"] if isinstance(w, dict)]
    if "cells" in raw:
        out["cells"] = cells_of(raw)
    return out


def read_cells(data: bytes, label: str) -> list[dict]:
    """A submitted notebook's cells (v4 shape, outputs dropped), numbered from 1; SubmissionError in
    one line for anything that is not a notebook or is too big where it matters (its code)."""
    import warnings  # noqa: PLC0415

    try:
        notebook = slim(json.loads(data.decode("utf-8-sig")))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            notebook = nbformat().reads(json.dumps(notebook), as_version=4)
        cells = notebook["cells"]
        if not isinstance(cells, list) or not all(isinstance(c, dict) and "cell_type" in c for c in cells):
            raise ValueError("its cells are malformed")
    except SubmissionError as exc:
        raise SubmissionError(f"{label} {exc}; {CLEAR_OUTPUTS}") from None
    except Exception as exc:  # not UTF-8, not JSON, not a notebook: all one usage error
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
        raise SubmissionError(f"{label} is not a readable Jupyter notebook ({reason})") from None
    out = []
    for number, node in enumerate(cells, 1):
        meta = node.get("metadata") or {}
        out.append({"number": number, "cell_type": node.get("cell_type"), "id": str(node.get("id") or ""),
                    "grade_id": str((meta.get("nbgrader") or {}).get("grade_id") or ""),
                    "source": joined(node.get("source", "")), "unit": ""})
    if sum(len(c["source"]) for c in out) > MAX_NOTEBOOK_CODE:
        raise SubmissionError(f"{label} holds more than {MAX_NOTEBOOK_CODE >> 20} MiB of code and text in its "
                              "cells; keep data out of the notebook and resubmit")
    if out:
        out[0]["unit"] = str(((notebook.get("metadata") or {}).get("deepgrade") or {}).get("unit") or "")
    return out


def read_notebook(path: Path):
    """A submitted notebook's cells (see :func:`read_cells`), read with the size limit."""
    path = Path(path)
    if not path.is_file() or path.is_symlink():
        raise SubmissionError(f"no such notebook: {path.name}")
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(too_large(path.name, size, MAX_NOTEBOOK_BYTES, CLEAR_OUTPUTS))
    return read_cells(path.read_bytes(), path.name)


def unit_of(path: Path) -> str:
    """The unit a notebook is for: its file name if that is a unit, else its ``deepgrade.unit`` metadata."""
    from .suite import unit_names  # noqa: PLC0415

    path = Path(path)
    if path.stem in unit_names():
        return path.stem
    cells = read_notebook(path)
    unit = cells[0]["unit"] if cells else ""
    if unit not in unit_names():
        raise SubmissionError(f"cannot tell which unit {path.name} is for; pass --unit")
    return unit


MODULE_LINE = re.compile(r"\s*%%module[ \t]+(\S+)")


def magic_module(source: str) -> str | None:
    """The module a cell defines in the kernel: the name on its ``%%module`` first line."""
    for line in source.splitlines():
        if line.strip():
            match = MODULE_LINE.match(line)
            return match.group(1) if match else None
    return None


def module_source(text) -> str:
    """A solution cell's text as module source: without its ``%%module`` line."""
    lines = joined(text).splitlines(keepends=True)
    while lines and not lines[0].strip():
        lines = lines[1:]
    if lines and lines[0].lstrip().startswith(MAGIC):
        lines = lines[1:]
    return "".join(lines)


def kernel_source(text: str) -> tuple[str, list[str]]:
    """What the kernel runs for a cell body: IPython syntax (``%matplotlib inline``, ``!pip ...``)
    turned into Python as IPython turns it, with a note for each such line (they do nothing when
    graded: the worker's ``get_ipython()`` is a stand-in whose magics and shell commands are no-ops)."""
    try:
        ast.parse(text)
        return text, []
    except SyntaxError:
        pass
    ipython = [line.strip() for line in text.splitlines()
               if line.lstrip().startswith(("%", "!")) or line.rstrip().endswith("?")]
    try:
        from IPython.core.inputtransformer2 import TransformerManager  # noqa: PLC0415

        transformed = TransformerManager().transform_cell(text)
    except Exception:  # IPython missing or confused: the plain fallback below
        transformed = "\n".join(_plain_transform(line) for line in text.splitlines()) + "\n"
    try:
        ast.parse(transformed)
    except SyntaxError:
        return text, []
    notes = []
    for line in ipython[:5]:
        kind = ("a shell command" if line.startswith("!") else "an IPython magic" if line.startswith("%")
                else "IPython's help syntax")
        notes.append(f"`{line[:60]}` is {kind}: it works only in a live Jupyter kernel and does nothing when "
                     "your work is graded (keep such lines out of exercise cells)")
    return transformed, notes


def _plain_transform(line: str) -> str:
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    if stripped.startswith("!"):
        return f"{indent}get_ipython().system({stripped[1:]!r})"
    if stripped.startswith("%") and not stripped.startswith("%%"):
        name, _, rest = stripped[1:].partition(" ")
        return f"{indent}get_ipython().run_line_magic({name!r}, {rest!r})"
    return line


def expected_cells(unit: str, root: Path = ROOT) -> list[tuple[str, str, str]]:
    return solution_cells(json.loads(source_notebook(unit, root).read_text(encoding="utf-8")))


def exercise_names(unit: str, root: Path = ROOT) -> dict[str, set[str]]:
    """``{module: names of its top-level functions and classes}`` in the unit's notebook."""
    notebook = json.loads(source_notebook(unit, root).read_text(encoding="utf-8"))
    out = {}
    for node in notebook["cells"]:
        module = node.get("metadata", {}).get("deepgrade", {}).get("module")
        if module:
            out[module] = top_level_names(module_source(node["source"]))
    return out


def top_level_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def describe(c: dict) -> str:
    """A cell in the student's terms: its position from the top, and its id where it has one."""
    return f"cell {c['number']}" + (f" (id {c['id']})" if c["id"] else "")


def exercise_cell_count(cells: list[dict], unit: str, root: Path = ROOT) -> int:
    expected = expected_cells(unit, root)
    ids, gids, modules = {e[0] for e in expected}, {e[1] for e in expected}, {e[2] for e in expected}
    return sum(1 for c in cells if magic_module(c["source"]) in modules or c["id"] in ids or c["grade_id"] in gids)


def exercise_sources(cells: list[dict], unit: str, label: str = "the notebook", root: Path = ROOT):
    """The kernel's rule for which cell is a module's exercise, as an :class:`Intake`.

    A code cell whose first line is ``%%module NAME`` defines NAME, whatever its id (the kernel
    runs it so); a code cell that lost that line but keeps the exercise cell's id or nbgrader
    ``grade_id`` still counts, with a note. When several cells define a module, the last one is
    graded: it is what running the notebook top to bottom leaves defined. Code cells right after
    it that define its exercise functions without a ``%%module`` line (a split cell) are graded as
    part of it; an exercise cell turned into Markdown is graded only when no code cell claims the
    module. Every such case is a note in notebook terms (cell numbers from the top, ids).
    """
    from .submission import Intake  # noqa: PLC0415

    expected = expected_cells(unit, root)
    by_id = {cid: m for cid, _, m in expected if cid}
    by_gid = {gid: m for _, gid, m in expected if gid}
    modules = [m for _, _, m in expected]
    names = exercise_names(unit, root)
    defines: dict[str, list[dict]] = {m: [] for m in modules}
    lost: dict[str, list[dict]] = {m: [] for m in modules}
    cased: dict[str, list[dict]] = {m: [] for m in modules}
    text: dict[str, list[dict]] = {m: [] for m in modules}
    lower = {m.lower(): m for m in modules}
    for c in cells:
        magic = magic_module(c["source"])
        claimed = by_id.get(c["id"]) or by_gid.get(c["grade_id"])
        if c["cell_type"] == "code":
            if magic in defines:
                defines[magic].append(c)
            elif magic and magic.lower() in lower:
                cased[lower[magic.lower()]].append(c)
            elif magic is None and claimed:
                lost[claimed].append(c)
        elif (magic in defines or claimed) and c["cell_type"] in ("markdown", "raw"):
            text[magic if magic in defines else claimed].append(c)
    result = Intake({}, source=label)
    position = {id(c): i for i, c in enumerate(cells)}

    def note(m: str, text: str):
        result.notes.append(text)
        result.module_notes.setdefault(m, []).append(text)

    for m in modules:
        line = f"`{MAGIC} {m}`"
        if defines[m]:
            chosen = defines[m][-1]
            if len(defines[m]) > 1:
                others = " and ".join(f"cell {c['number']}" for c in defines[m][:-1])
                note(m, f"{others} and cell {chosen['number']} all define module {m} ({line}); graded "
                        f"{describe(chosen)}, the later one, as running the notebook top to bottom would. Delete "
                        "the copies you do not want graded" if len(defines[m]) > 2 else
                        f"{others} and cell {chosen['number']} both define module {m} ({line}); graded "
                        f"{describe(chosen)}, the later one, as running the notebook top to bottom would. Delete "
                        "the copy you do not want graded")
        elif lost[m]:
            chosen = lost[m][-1]
            note(m, f"{describe(chosen)} is the exercise cell of {m} but does not start with {line}, so in "
                    f"Jupyter it does not define the module; it was graded as {m}. Put the line back")
        elif cased[m]:
            chosen = cased[m][-1]
            note(m, f"{describe(chosen)} starts with `{MAGIC} {magic_module(chosen['source'])}`; it was graded "
                    f"as {m}. Write {line} exactly")
        elif text[m]:
            chosen = text[m][-1]
            note(m, f"the exercise cell of {m}, {describe(chosen)}, is a {chosen['cell_type'].title()} cell, so "
                    "it never runs in Jupyter; it was graded as code. Change it back to a code cell (select it "
                    "and press Y)")
        else:
            cid = next(cid for cid, _, mm in expected if mm == m)
            result.missing[m] = (f"the notebook has no exercise cell for {m} (a code cell that starts with {line}; "
                                 f"its id was {cid})")
            note(m, result.missing[m])
            continue
        parts, numbers = [module_source(chosen["source"])], [chosen["number"]]
        for c in cells[position[id(chosen)] + 1:]:
            if c["cell_type"] != "code" or magic_module(c["source"]) is not None:
                break
            if not top_level_names(c["source"]) & names.get(m, set()):
                break
            parts.append(c["source"])
            numbers.append(c["number"])
        if len(numbers) > 1:
            following = " and ".join(f"cell {n}" for n in numbers[1:])
            note(m, f"{following} continue{'s' if len(numbers) == 2 else ''} the exercise cell of {m}, "
                    f"{describe(chosen)}, without a {line} line (a split cell?); graded together as {m}. In "
                    "Jupyter, merge them into one cell (select them and press Shift+M)")
        source, magic_notes = assemble(parts)
        for n in magic_notes:
            note(m, f"{describe(chosen)} ({m}): {n}")
        if len(source.encode("utf-8")) > MAX_FILE_BYTES:
            raise SubmissionError(f"{label}: the exercise cell of {m}, {describe(chosen)}, holds more than "
                                  f"{MAX_FILE_BYTES >> 20} MiB of code")
        result.files[f"{m}.py"] = source
        result.chosen[m] = chosen
        result.candidates[m] = defines[m] or [chosen]
        result.parts[m] = parts
    ours = [c for c in cells if (c["id"] in by_id or c["grade_id"] in by_gid) and magic_module(c["source"])]
    if result.files and not ours:
        result.notes.append("the exercise cells have lost their ids and metadata (the notebook was saved by another "
                            f"editor, or its cells were copied); they were found by their `{MAGIC} NAME` lines")
    if not result.files:
        raise SubmissionError(f"{label} has none of the exercise cells of {unit}'s notebook (code cells that start "
                              f"with `{MAGIC} NAME`: {', '.join(modules)})")
    return result


def assemble(parts: list[str]) -> tuple[str, list[str]]:
    """A module's source from its exercise cell's body and any continuation cells, as the kernel runs it."""
    return kernel_source("\n\n".join(p.rstrip("\n") for p in parts) + "\n")


def submission_sources(path: Path, unit: str, root: Path = ROOT) -> dict[str, str]:
    """``{"<module>.py": source}`` from a submitted notebook's exercise cells."""
    source_notebook(unit, root)
    return exercise_sources(read_notebook(path), unit, Path(path).name, root).files


def write_sources(files: dict[str, str], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_bytes(text.encode("utf-8"))
    return folder


def grade(path: Path, unit: str, **kw):
    """Grade a notebook submission exactly like a module folder (``runner.grade``'s keywords)."""
    from . import submission  # noqa: PLC0415

    return submission.grade(path, unit, **kw)


def grade_sources(files: dict[str, str], unit: str, **kw):
    """Grade ``{"<module>.py": source}`` (a notebook's cells) through a temporary folder."""
    from . import runner  # noqa: PLC0415

    workdir = Path(tempfile.mkdtemp(prefix="deepgrade-notebook-"))
    try:
        return runner.grade(write_sources(files, workdir / unit), unit, **kw)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------- nbgrader
NBGRADER_CONFIG = '''"""nbgrader configuration written by `autograder nbgrader export` (deepgrade)."""
c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "deepgrade"
# The same stub as deepgrade's own student notebooks.
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError"}}
# A graded cell runs deepgrade's checks of one exercise (the first runs them all): allow minutes.
c.Execute.timeout = {timeout}
c.ExecutePreprocessor.timeout = {timeout}
'''


def export_nbgrader(folder: Path, root: Path = ROOT) -> list[str]:
    """Lay out an nbgrader course in ``folder``: ``source/<unit>/<unit>.ipynb`` (+ data files) and its config."""
    folder = Path(folder)
    units = []
    for unit_dir in course.reference_units(root):
        notebook = notebook_path(unit_dir)
        if not notebook.is_file():
            continue
        target = folder / "source" / unit_dir.name
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        shutil.copyfile(notebook, target / notebook.name)
        for data in unit_dir.iterdir():
            if data.is_file() and data.suffix not in (".py", ".ipynb", ".pyc"):
                shutil.copyfile(data, target / data.name)
        units.append(unit_dir.name)
    config = folder / "nbgrader_config.py"
    if not config.exists():
        config.write_text(NBGRADER_CONFIG.format(timeout=600), encoding="utf-8")
    return units
