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
- ``try-<module>-<n>``: editable try-it cells with plots, from ``autograder/notebook_cells/<unit>.py``;
- ``check-<module>``: read-only self-check cells (the module's public checks, in the sandbox);
- ``test-<exercise>``: nbgrader's graded test cells, one per exercise with its points.

The student notebook is the same with solution regions stripped (:func:`student_notebook`).

A submitted notebook is read with nbformat (size-capped); only the code cells whose cell id
(or, failing that, nbgrader ``grade_id``) is a solution cell of the unit's own notebook are
taken, each as the source of the module the *unit's* notebook names, without its ``%%module``
line. Outputs, metadata and every other cell are dropped, and the modules are graded in the
sandbox exactly like a folder of modules.
"""
from __future__ import annotations

import ast
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

from . import stubs
from .submission import MAX_FILE_BYTES, SubmissionError

ROOT = stubs.ROOT
CELLS_DIR = Path(__file__).resolve().parent / "notebook_cells"
MAX_NOTEBOOK_BYTES = 16 << 20
MAGIC = "%%module"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
INSTRUCTIONS = """\
**How to work.** Run the setup cell first. Each exercise cell starts with `%%module NAME`: it holds the
whole module `NAME.py`, runs it as that module, and makes its functions available in the notebook.
Replace each `raise NotImplementedError` with your code, rerun the cell, try your functions in the
cells below it, then run the self-check cell. Read-only cells are part of the assignment.

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
    return any(line.strip() == stubs.BEGIN for line in source.splitlines())


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
    for line in path.read_text().splitlines():
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
    sources = {p.stem: p.read_text() for p in sorted(unit_dir.glob("*.py")) if p.stem != "__init__"}
    order = module_order(sources, suite.modules)
    demos = try_it_cells(unit)
    unknown = sorted(set(demos) - set(order))
    if unknown:
        raise NotebookError(f"notebook_cells/{unit}.py: no module named {', '.join(unknown)} in reference/{unit}")
    intro = ast.get_docstring(ast.parse((unit_dir / "__init__.py").read_text())) or ""
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
            cells.append(cell("code", demo, f"try-{module}-{n}"))
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
    return [d for d in stubs.reference_units(root) if d.name in names and (d / "__init__.py").exists()]


def write_all(root: Path = ROOT) -> list[Path]:
    """(Re)write every unit's reference notebook; returns the paths written."""
    written = []
    for unit_dir in units_with_suites(root):
        path = notebook_path(unit_dir)
        text = dumps(build(unit_dir))
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        written.append(path)
    return written


def stale(root: Path = ROOT) -> list[str]:
    """Reference notebooks that differ from what their modules generate."""
    return [f"{p.relative_to(root)}" for d in units_with_suites(root)
            if not (p := notebook_path(d)).exists() or p.read_text() != dumps(build(d))]


# ---------------------------------------------------------------- the student notebook
def student_notebook(path: Path) -> str:
    """The student version of a reference notebook: solution regions stripped, no outputs."""
    notebook = json.loads(Path(path).read_text())
    for node in notebook["cells"]:
        source = joined(node["source"])
        if node.get("metadata", {}).get("nbgrader", {}).get("solution"):
            source = stubs.strip_solutions(source, f"{Path(path).name}#{node.get('id')}")
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


def read_notebook(path: Path):
    """A submitted notebook as an nbformat node (v4), or SubmissionError in one line."""
    path = Path(path)
    if not path.is_file() or path.is_symlink():
        raise SubmissionError(f"no such notebook: {path}")
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(f"{path.name} is larger than {MAX_NOTEBOOK_BYTES >> 20} MiB")
    nbf = nbformat()
    try:
        text = path.read_bytes().decode("utf-8")
        import warnings  # noqa: PLC0415

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            notebook = nbf.reads(text, as_version=4)
        cells = notebook["cells"]
        if not isinstance(cells, list) or not all(isinstance(c, dict) and "cell_type" in c for c in cells):
            raise ValueError("its cells are malformed")
    except Exception as exc:  # not UTF-8, not JSON, not a notebook: all one usage error
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
        raise SubmissionError(f"{path.name} is not a readable Jupyter notebook ({reason})") from None
    return notebook


def unit_of(path: Path) -> str:
    """The unit a notebook is for: its file name if that is a unit, else its ``deepgrade.unit`` metadata."""
    from .suite import unit_names  # noqa: PLC0415

    path = Path(path)
    if path.stem in unit_names():
        return path.stem
    unit = read_notebook(path).get("metadata", {}).get("deepgrade", {}).get("unit")
    if unit not in unit_names():
        raise SubmissionError(f"cannot tell which unit {path.name} is for; pass --unit")
    return unit


def module_source(text) -> str:
    """A solution cell's text as module source: without its ``%%module`` line."""
    lines = joined(text).splitlines(keepends=True)
    if lines and lines[0].lstrip().startswith(MAGIC):
        lines = lines[1:]
    return "".join(lines)


def submission_sources(path: Path, unit: str, root: Path = ROOT) -> dict[str, str]:
    """``{"<module>.py": source}`` from a submitted notebook's solution cells (see the module doc)."""
    expected = solution_cells(json.loads(source_notebook(unit, root).read_text()))
    notebook = read_notebook(path)
    code = [c for c in notebook["cells"] if c.get("cell_type") == "code"]
    files = {}
    for cell_id, grade_id, module in expected:
        match = [c for c in code if c.get("id") == cell_id]
        if not match:  # ids lost (an old nbformat, a copied cell): nbgrader's grade_id, if unambiguous
            match = [c for c in code if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id]
        if len(match) != 1:
            continue
        source = module_source(match[0].get("source", ""))
        if len(source.encode()) > MAX_FILE_BYTES:
            raise SubmissionError(f"{path.name}: the cell of {module} is larger than {MAX_FILE_BYTES >> 20} MiB")
        files[f"{module}.py"] = source
    if not files:
        raise SubmissionError(f"{Path(path).name} has none of the exercise cells of {unit}'s notebook "
                              f"(cell ids {', '.join(c for c, _, _ in expected)})")
    return files


def write_sources(files: dict[str, str], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def extract(path: Path, unit: str, workdir: Path) -> Path:
    """Write a notebook submission's modules into ``workdir/<unit>``; returns that folder."""
    return write_sources(submission_sources(path, unit), Path(workdir) / unit)


def grade(path: Path, unit: str, **kw):
    """Grade a notebook submission exactly like a module folder (``runner.grade``'s keywords)."""
    from . import runner  # noqa: PLC0415

    workdir = Path(tempfile.mkdtemp(prefix="deepgrade-notebook-"))
    try:
        return runner.grade(extract(path, unit, workdir), unit, **kw)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


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


def export_nbgrader(course: Path, root: Path = ROOT) -> list[str]:
    """Lay out an nbgrader course: ``source/<unit>/<unit>.ipynb`` (+ data files) and its config."""
    course = Path(course)
    units = []
    for unit_dir in stubs.reference_units(root):
        notebook = notebook_path(unit_dir)
        if not notebook.is_file():
            continue
        target = course / "source" / unit_dir.name
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        shutil.copyfile(notebook, target / notebook.name)
        for data in unit_dir.iterdir():
            if data.is_file() and data.suffix not in (".py", ".ipynb", ".pyc"):
                shutil.copyfile(data, target / data.name)
        units.append(unit_dir.name)
    config = course / "nbgrader_config.py"
    if not config.exists():
        config.write_text(NBGRADER_CONFIG.format(timeout=600))
    return units
