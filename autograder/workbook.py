"""The notebook's side of deepgrade: ``%%module`` cells, self-checks and nbgrader's graded cells.

``workbook = Workbook(unit)`` (the setup cell) registers the ``%%module NAME`` cell magic: the cell
runs as module ``<unit>.NAME`` (so ``from .activations import relu`` works), its public names are
copied into the notebook, and its source is kept. :meth:`Workbook.self_check` and
:meth:`Workbook.score` grade those kept sources in the sandboxed worker, like ``autograder check``.

:meth:`Workbook.score` is what nbgrader's graded cells call. Under ``nbgrader autograde``
(``NBGRADER_EXECUTION=autograde``) with the reference installed it runs every check, once, and
returns the exercise's points, which nbgrader reads as the cell's partial credit. That number comes
from the student's own kernel, which the student's cells may have rewritten: nbgrader trusts it;
``autograder grade submission.ipynb`` does not (it reads only the exercise cells' text).

The self-check grades exactly what the grader will: when the notebook's saved file can be found
(``__session__``, else ``<unit>.ipynb`` in the working folder) the grader's rule picks each
module's cell (:func:`autograder.notebooks.exercise_sources`: the last cell defining it, split
cells joined), with the kernel's text of that cell where this kernel ran it (JupyterLab sends
cell ids) and the saved text otherwise; every duplicate or deviation is printed as a warning.
Without the file it grades what the kernel last ran.
"""
from __future__ import annotations

import ast
import contextlib
import hashlib
import html
import io
import linecache
import os
import sys
import types
import warnings
from pathlib import Path

from . import runner, seeds
from .notebooks import (assemble, describe, exercise_sources, grade_sources, kernel_source, module_source,
                        read_notebook)
from .report import feedback as check_feedback
from .submission import same_code
from .sandbox.launchers import self_check_launcher
from .sandbox.pool import Pool
from .suite import load_suite


def unwritten(exc: BaseException) -> str:
    """The function that raised ``exc`` (the innermost frame of its traceback), or ``""``."""
    tb, name = exc.__traceback__, ""
    while tb is not None:
        name = tb.tb_frame.f_code.co_name
        tb = tb.tb_next
    return "" if name.startswith("<") else name


class Workbook:
    """The kept sources of one unit's notebook and the results of grading them."""

    def __init__(self, unit: str, shell=None):
        from IPython import get_ipython  # noqa: PLC0415

        self.unit, self.suite = unit, load_suite(unit)
        self.shell = shell or get_ipython()
        self.sources: dict[str, str] = {}
        self.cell_sources: dict[str, str] = {}   # cell id -> the body it defined, as last run here
        self.defined_by: dict[str, str] = {}     # module -> id of the cell that defined it last ("" unknown)
        self.cache: dict[tuple, dict] = {}  # (full, sources digest) -> {check name: CheckResult}
        self.pool = Pool(self_check_launcher(), size=1, preloads=(self.suite.preload,))  # a worker ready ahead
        self.package = types.ModuleType(unit, f"The modules defined in the {unit} notebook.")
        self.package.__path__ = []
        sys.modules[unit] = self.package
        if self.shell is not None:
            self.shell.register_magic_function(self.module_magic, "cell", "module")
            self.shell.register_magic_function(self.try_it_magic, "cell", "try_it")

    # ---------------------------------------------------------------- %%module
    def module_magic(self, line: str, cell: str):
        name = line.strip()
        if not name.isidentifier():
            raise ValueError(f"%%module needs a module name, got {line!r}")
        self.define(name, cell, self.cell_id())

    def try_it_magic(self, line: str, cell: str):
        """``%%try_it``: run a try-it cell; a function still unwritten (``NotImplementedError``) says
        "implement `f` first" instead of stopping "Run All" (other errors are raised as usual)."""
        try:
            code = compile(self.shell.transform_cell(cell), "<try-it cell>", "exec")
            exec(code, self.shell.user_ns)  # noqa: S102 (the student's own kernel)
        except NotImplementedError as exc:
            name = unwritten(exc)
            with contextlib.suppress(Exception):
                import matplotlib.pyplot as plt  # noqa: PLC0415

                plt.close("all")  # a half-drawn figure would only confuse
            print(f"implement `{name}` first, then run this cell again" if name else
                  f"a function this cell calls is not written yet ({exc}); write it, then run this cell again")

    def cell_id(self) -> str:
        """The id of the cell running now, where the front end sends it (JupyterLab, Notebook 7)."""
        try:
            return str(self.shell.kernel.get_parent().get("metadata", {}).get("cellId") or "")
        except Exception:
            return ""

    def define(self, name: str, source: str, cell_id: str = "") -> types.ModuleType:
        """Run ``source`` as module ``<unit>.<name>`` and copy its public names into the notebook."""
        self.sources[name] = source
        self.defined_by[name] = cell_id
        if cell_id:
            self.cell_sources[cell_id] = source
        code = source
        try:
            ast.parse(source)
        except SyntaxError:  # IPython syntax (%matplotlib, !pip): run it as IPython would, as the grader does
            code = kernel_source(source)[0]
        module = types.ModuleType(f"{self.unit}.{name}")
        module.__package__, module.__file__ = self.unit, str(Path.cwd() / f"{name}.py")
        filename = f"<cell {name}.py>"
        linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
        sys.modules[module.__name__] = module
        setattr(self.package, name, module)
        exec(compile(code, filename, "exec"), module.__dict__)  # noqa: S102 (the student's own kernel)
        if self.shell is not None:
            self.shell.user_ns.update({k: v for k, v in vars(module).items() if not k.startswith("_")})
            self.shell.user_ns[name] = module
        return module

    # ---------------------------------------------------------------- grading
    def document(self) -> tuple[Path | None, bool]:
        """The notebook's saved file and whether it is surely this kernel's: the session's path
        (Jupyter server 2 tells the kernel), else ``<unit>.ipynb`` here (perhaps another copy)."""
        ns = getattr(self.shell, "user_ns", None) or {}
        for name in (ns.get("__session__"), os.environ.get("JPY_SESSION_NAME"), f"{self.unit}.ipynb"):
            for path in (Path(str(name or "")), Path(Path(str(name or "")).name)):  # absolute, or here
                if path.name.endswith(".ipynb") and path.is_file():
                    return path, name != f"{self.unit}.ipynb"
        return None, False

    def matches(self, picked) -> bool:
        """Every module this kernel defined comes from a cell of ``picked``'s notebook (by id, or by
        its text where the front end sends no ids): the file found is this notebook, saved."""
        for m, source in self.sources.items():
            cells = picked.candidates.get(m, [])
            ran = self.defined_by.get(m)
            if ran and not any(c["id"] == ran for c in cells):
                return False
            if not ran and not any(same_code(source, module_source(c["source"])) for c in cells):
                return False
        return True

    def graded_sources(self) -> tuple[dict[str, str], dict[str, list[str]]]:
        """``({"<module>.py": source}, {module: [warnings]})``: what the grader will grade (module doc)."""
        kernel = {m: s for m, s in self.sources.items() if m in self.suite.modules}
        path, sure = self.document()
        try:
            picked = exercise_sources(read_notebook(path), self.unit, path.name) if path else None
        except Exception:  # unreadable or not this unit's: what the kernel ran
            picked = None
        if picked is not None and not sure and not self.matches(picked):
            picked = None  # perhaps another copy of the notebook: what the kernel ran
        if picked is None:
            return {f"{m}.py": s for m, s in sorted(kernel.items())}, {}
        files, warnings_ = {}, {m: list(n) for m, n in picked.module_notes.items()}
        for m in self.suite.modules:
            cell = picked.chosen.get(m)
            if cell is None:
                if m in kernel:
                    files[f"{m}.py"] = kernel[m]
                continue
            parts = list(picked.parts[m])
            ran = self.defined_by.get(m)
            if cell["id"] and cell["id"] in self.cell_sources:
                parts[0] = self.cell_sources[cell["id"]]
            elif m in kernel and not ran and len(picked.candidates[m]) == 1:
                parts[0] = kernel[m]  # no cell ids here, one exercise cell: the kernel ran that one
            elif m in kernel and same_code(kernel[m], parts[0]):
                parts[0] = kernel[m]
            if m in kernel and not same_code(kernel[m], parts[0]):
                warnings_.setdefault(m, []).append(
                    f"this kernel last ran other code as {m} (another cell, or an edit not saved yet); the "
                    f"self-check graded {describe(cell)}, the cell the grader grades, as last saved. Save the "
                    "notebook, and delete the copy you do not want graded")
            files[f"{m}.py"] = assemble(parts)[0]
        return dict(sorted(files.items())), warnings_

    def results(self, checks, full: bool, warn: str = "") -> list:
        """CheckResults of ``checks`` on the graded sources, graded once per version of them; the
        warnings about module ``warn``'s cells are printed first."""
        files, warnings_ = self.graded_sources()
        for text in warnings_.get(warn, []):
            print(f"Warning: {text}")
        digest = hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest()[:16]
        done = self.cache.setdefault((full, digest), {})
        modules = {c.exercise.split(".")[0] for c in checks if c.name not in done}
        # grade every pending check of the same modules at once: later cells reuse one worker's work
        todo = [c.name for c in self.suite.checks if c.exercise.split(".")[0] in modules and c.name not in done]
        if todo and not files:
            raise RuntimeError("run the exercise cells (%%module ...) before checking them")
        if todo:
            with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()) as errors:
                warnings.simplefilter("ignore")  # anything on stderr costs a graded cell its points
                report = grade_sources(files, self.unit, only=todo, submission_id=f"notebook-{digest}",
                                       salt=seeds.unit_salt(self.unit, create=False) if full else seeds.PUBLIC_SALT,
                                       use_reference=full, public_only=not full, launcher=self.pool.launcher,
                                       pool=self.pool)
            done.update(report.by_name())
            if errors.getvalue():
                print(errors.getvalue())
        return [done[c.name] for c in checks]

    def self_check(self, module: str) -> "ResultTable":
        """The public checks of one module, as a table."""
        checks = [c for c in self.suite.checks if c.exercise.split(".")[0] == module]
        return ResultTable(f"{self.unit}: {module}.py (public checks)", self.results(checks, full=False, warn=module))

    def score(self, exercise: str) -> float:
        """Show an exercise's results and return its points (nbgrader's partial credit)."""
        from IPython.display import display  # noqa: PLC0415

        full = os.environ.get("NBGRADER_EXECUTION") == "autograde" and runner.load_reference(self.suite) is not None
        checks = [c for c in self.suite.checks if c.exercise == exercise]
        results = self.results(self.suite.checks if full else checks, full, warn=exercise.split(".")[0])
        mine = [r for r in results if r.exercise == exercise]
        display(ResultTable(f"{exercise}" + ("" if full else " (public checks)"), mine))
        return round(sum(r.score for r in mine), 6)


class ResultTable:
    """Check results shown as an HTML table in Jupyter and as text elsewhere."""

    def __init__(self, title: str, results: list):
        self.title, self.results = title, results

    @property
    def summary(self) -> str:
        run = [r for r in self.results if not r.skipped]
        skipped = len(self.results) - len(run)
        text = f"{self.title}: {sum(r.score for r in run):g} / {sum(r.max_score for r in run):g}"
        return text + (f" ({skipped} check(s) not run here: hidden or need the reference)" if skipped else "")

    def rows(self):
        for r in self.results:
            mark = "skipped" if r.skipped else f"{r.score:g}/{r.max_score:g}"
            yield r, f"{r.exercise}: {r.name}", mark

    def __repr__(self) -> str:
        lines = [self.summary]
        for r, name, mark in self.rows():
            feedback = check_feedback(r).replace("\n", "\n        ")
            lines.append(f"  {mark:>8}  {name}: {feedback}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = {"passed": "#1a7f37", "failed": "#cf222e"}
        body = "".join(
            f"<tr><td style='text-align:left'>{html.escape(name)}</td>"
            f"<td style='color:{'#777' if r.skipped else colour[r.status]}'>{mark}</td>"
            f"<td style='text-align:left'><pre style='margin:0;white-space:pre-wrap'>{html.escape(check_feedback(r))}</pre></td></tr>"
            for r, name, mark in self.rows())
        return (f"<p><b>{html.escape(self.summary)}</b></p><table><thead><tr><th>check</th><th>score</th>"
                f"<th>feedback</th></tr></thead><tbody>{body}</tbody></table>")
