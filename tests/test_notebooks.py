"""Unit notebooks: generated and up to date, executable top to bottom, graded from their exercise
cells only (cheating cells change nothing), and a clear error for anything that is not a notebook."""
from __future__ import annotations

import json
import re
import shutil
import sys

import pytest

from autograder import batch, notebooks, stubs
from autograder.cli import main
from autograder.submission import SubmissionError, intake
from autograder.suite import load_suite

from .support import ROOT

sys.modules.setdefault("rfc3987_syntax", None)  # nbformat without 1.3 s of URI-syntax imports
nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")

UNIT = "unit01_foundations"
UNITS = [d.name for d in notebooks.units_with_suites() if notebooks.notebook_path(d).exists()]
TORCH_UNITS = {"unit05_cnn", "unit07_gan", "unit08_autoencoders", "unit10_transfer"}


def cells(path):
    notebook = json.loads(path.read_text())["cells"]
    for c in notebook:
        c["source"] = "".join(c["source"])
    return notebook


def execute(unit: str, base: str, tmp_path, monkeypatch, skip: tuple[str, ...] = ()):
    """Run ``base/<unit>/<unit>.ipynb`` in a fresh kernel, in a copy of its folder, without the cells
    whose ids start with ``skip``; returns (notebook, error)."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    folder = tmp_path / unit
    shutil.copytree(ROOT / base / unit, folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    notebook = nbformat.read(folder / f"{unit}.ipynb", as_version=4)
    if skip:
        notebook.cells = [c for c in notebook.cells if not c.get("id", "").startswith(skip)]
    client = nbclient.NotebookClient(notebook, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(folder)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        return notebook, exc
    return notebook, None


def test_notebooks_are_generated_and_student_versions_not_stale():
    assert UNIT in UNITS
    assert notebooks.stale() == []
    assert [p for p in stubs.stale() if p.endswith(".ipynb")] == []


def test_student_notebook_has_no_solutions_and_keeps_nbgrader_metadata():
    reference, student = (cells(ROOT / base / UNIT / f"{UNIT}.ipynb") for base in ("reference", "assignments"))
    assert [c["id"] for c in reference] == [c["id"] for c in student]
    modules = [c for c in student if c["metadata"].get("deepgrade")]
    assert [c["metadata"]["deepgrade"]["module"] for c in modules] == ["tensors", "perceptron", "activations", "network"]
    for c in modules:
        assert c["source"].startswith("%%module ") and stubs.BEGIN not in c["source"]
        assert "raise NotImplementedError" in c["source"] and c["metadata"]["nbgrader"]["solution"]
    graded = [c for c in student if c["metadata"].get("nbgrader", {}).get("grade")]
    assert sum(c["metadata"]["nbgrader"]["points"] for c in graded) == load_suite(UNIT).max_score
    assert all(c["metadata"]["nbgrader"]["locked"] for c in graded)


@pytest.mark.parametrize("unit", UNITS)
def test_reference_notebook_executes_with_full_public_marks(unit, tmp_path, monkeypatch):
    notebook, error = execute(unit, "reference", tmp_path, monkeypatch)
    assert error is None, f"{unit}: the reference notebook failed:\n{error}"
    public = {}
    for check in load_suite(unit).checks:
        public[check.exercise] = public.get(check.exercise, 0.0) + (check.points if check.public and check.ships else 0.0)
    for c in notebook.cells:
        if c.get("metadata", {}).get("nbgrader", {}).get("grade"):
            exercise = c.source.split('"')[1]
            [result] = [o for o in c.outputs if o.output_type == "execute_result"]
            assert float(result.data["text/plain"]) == pytest.approx(public[exercise]), (unit, exercise)


@pytest.mark.parametrize("unit", UNITS)
def test_fresh_student_notebook_runs_all_to_the_end(unit, tmp_path, monkeypatch):
    """"Run All" on a fresh notebook: every cell runs; a try-it cell names the function to write first.
    The torch units skip their self-check and graded cells (a sandboxed torch worker each; the numpy
    units run them on stubs too, which is what this test is about)."""
    skip = ("check-", "test-") if unit in TORCH_UNITS else ()
    notebook, error = execute(unit, "assignments", tmp_path, monkeypatch, skip)
    assert error is None, f"{unit}: Run All stopped in the fresh student notebook:\n{error}"
    tries = [c for c in notebook.cells if c.id.startswith("try-")]
    for c in tries:
        assert c.source.startswith("%%try_it\n"), c.id
        text = "".join(o.get("text", "") for o in c.outputs if o.output_type == "stream")
        assert re.search(r"implement `\w+` first", text), (c.id, text)
    if unit == UNIT:
        said = "".join(o.get("text", "") for o in tries[0].outputs)
        assert "implement `project_onto_span` first" in said, said


# ---------------------------------------------------------------- notebook submissions
def submission(tmp_path, name="work.ipynb", edit=None, extra=(), after="setup"):
    """The reference notebook with relu left undone, optional edits of cells, and extra cells."""
    notebook = json.loads((ROOT / "reference" / UNIT / f"{UNIT}.ipynb").read_text())
    for c in notebook["cells"]:
        c["source"] = "".join(c["source"])
        if c["id"] == "module-activations":
            c["source"] = c["source"].replace("return np.maximum(z, 0.0)", "raise NotImplementedError")
        if edit and c["id"] in edit:
            c["source"] = edit[c["id"]](c["source"])
        if c["cell_type"] == "code":
            c["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "all checks passed"}]
    where = [c["id"] for c in notebook["cells"]].index(after) + 1
    notebook["cells"][where:where] = [{"cell_type": "code", "id": f"extra-{i}", "metadata": {}, "outputs": [],
                                       "execution_count": None, "source": s} for i, s in enumerate(extra)]
    path = tmp_path / name
    path.write_text(json.dumps(notebook))
    return path


def grade(path):
    report = notebooks.grade(path, UNIT, only=["activations"], submission_id="nb", salt="test-salt")
    return report.score, report.max_score


CHEATS = {
    "patched comparisons": ["import numpy as np\nnp.allclose = lambda *a, **k: True\n"
                            "np.testing.assert_allclose = lambda *a, **k: None\n"
                            "import autograder.checks.compare as compare\ncompare.close = lambda *a, **k: None"],
    "a test cell's function redefined": ["workbook.score = lambda exercise: 2.0\ndef score(exercise): return 2.0"],
    "later cells blanked by an input transformer": [
        "get_ipython().input_transformers_post.append(\n"
        "    lambda lines: ['pass\\n'] if any('workbook.' in line for line in lines) else lines)"],
}


def test_notebook_submission_is_its_exercise_cells(tmp_path):
    files = notebooks.submission_sources(submission(tmp_path, extra=["def relu(z): return z"]), UNIT)
    assert sorted(files) == ["activations.py", "network.py", "perceptron.py", "tensors.py"]
    reference = (ROOT / "reference" / UNIT / "tensors.py").read_text()
    assert files["tensors.py"] == reference.rstrip() + "\n"  # no %%module line, no outputs
    assert "def relu(z): return z" not in "".join(files.values())


@pytest.fixture(scope="module")
def honest(tmp_path_factory):
    """The score of the honest notebook (relu not done), graded once for the cheats compared with it."""
    score = grade(submission(tmp_path_factory.mktemp("honest"), "honest.ipynb"))
    assert 0 < score[0] < score[1]  # relu is not done
    return score


@pytest.mark.parametrize("cheat", list(CHEATS))
def test_cheating_cells_score_as_the_honest_code(cheat, tmp_path, honest):
    assert grade(submission(tmp_path, "cheat.ipynb", extra=CHEATS[cheat])) == honest


def test_patching_inside_an_exercise_cell_fools_only_the_students_worker(tmp_path, honest):
    patch = {"module-activations": lambda s: s + "\nnp.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"}
    assert grade(submission(tmp_path, "cheat.ipynb", edit=patch)) == honest


def test_a_copied_exercise_cell_the_later_one_is_graded_with_or_without_ids(tmp_path):
    path = submission(tmp_path)
    notebook = json.loads(path.read_text())
    copy = dict(next(c for c in notebook["cells"] if c["id"] == "module-tensors"), id="copied", source="%%module tensors\nx = 1\n")
    notebook["cells"].append(copy)
    path.write_text(json.dumps(notebook))
    assert notebooks.submission_sources(path, UNIT)["tensors.py"] == "x = 1\n"  # what a top-to-bottom run leaves
    for c in notebook["cells"]:  # without cell ids (nbformat 4.4): the same rule, the kernel's
        c.pop("id", None)
    notebook["nbformat_minor"] = 4
    path.write_text(json.dumps(notebook))
    files = notebooks.submission_sources(path, UNIT)
    assert files["tensors.py"] == "x = 1\n" and "activations.py" in files


@pytest.mark.parametrize("content", [b'{"cells": [', b"\x89PNG\r\n\x1a\n\x00\x00", b"[1, 2]", b'{"hello": 1}',
                                     b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'])
def test_a_corrupt_or_foreign_notebook_gives_one_clear_line(content, tmp_path, capsys):
    path = tmp_path / "broken.ipynb"
    path.write_bytes(content)
    assert main(["grade", str(path), "--unit", UNIT]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("autograder: error: broken.ipynb ")
    assert "not a readable Jupyter notebook" in err or "none of the exercise cells" in err


def test_size_cap_and_unit_without_a_notebook(tmp_path, monkeypatch):
    path = submission(tmp_path)
    monkeypatch.setattr(notebooks, "MAX_NOTEBOOK_BYTES", 1000)
    with pytest.raises(SubmissionError, match="more than the 1000 bytes allowed; clear the outputs"):
        notebooks.read_notebook(path)
    with pytest.raises(SubmissionError, match="has no notebook"):
        notebooks.submission_sources(path, UNIT, root=tmp_path)
    (tmp_path / "reference" / "unit99_none").mkdir(parents=True)  # no suite, no notebook: not an error
    assert notebooks.units_with_suites(tmp_path) == [] and notebooks.stale(tmp_path) == []


def test_cli_grades_a_notebook_and_batch_accepts_notebooks(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DEEPGRADE_SALT", "test-salt")  # official grading needs a course salt
    folder = tmp_path / "subs"
    folder.mkdir()
    path = submission(folder, "alice.ipynb")
    (folder / "bob").mkdir()
    shutil.copy(path, folder / "bob" / "anything.ipynb")
    entries = dict(batch.list_entries(folder, UNIT))
    assert sorted(entries) == ["alice", "bob"]
    modules = load_suite(UNIT).modules
    for sid, entry in entries.items():
        found = intake(entry, UNIT)
        assert sorted(found.files) == sorted(f"{m}.py" for m in modules)
    assert main(["grade", str(path), "--unit", UNIT, "--only", "relu_values", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["score"] < result["tests"][0]["max_score"] and "NotImplementedError" in result["tests"][0]["output"]
