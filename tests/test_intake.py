"""Submission intake: whatever editor, operating system or packaging a student used, the work is
found and graded as their kernel saw it (issue 13). Each test is one instance of a kind:

- which cell is the exercise (the kernel's rule: ``%%module NAME``, the last one wins);
- what Jupyter provides (display, get_ipython, magics) the grader provides;
- limits apply to what is graded (a notebook heavy with figures grades);
- one normalisation of uploads (debris, ``\\`` in zips, any depth, near-miss names);
- the same result in every locale (subprocesses under ``LC_ALL=C``, and cp1252 consoles).
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from autograder import notebooks, submission
from autograder.cli import main
from autograder.submission import SubmissionError
from autograder.suite import load_suite

from .gradescope_support import build_bundle, layout, run_autograder
from .support import ROOT

pytest.importorskip("nbformat")

UNIT = "unit01_foundations"
ACTIVATIONS = sum(c.points for c in load_suite(UNIT).checks if c.exercise.startswith("activations."))


def cells_of(base: str) -> list[dict]:
    notebook = json.loads((ROOT / base / UNIT / f"{UNIT}.ipynb").read_text(encoding="utf-8"))
    for c in notebook["cells"]:
        c["source"] = "".join(c["source"])
    return notebook


def stub_notebook() -> dict:
    return cells_of("assignments")


def done_cell(module: str) -> dict:
    return next(c for c in cells_of("reference")["cells"] if c["id"] == f"module-{module}")


def index(notebook: dict, cell_id: str) -> int:
    return [c.get("id") for c in notebook["cells"]].index(cell_id)


def write(path, notebook: dict):
    path.write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
    return path


def grade(path, only=("activations",)):
    report = submission.grade(path, UNIT, only=list(only), submission_id="intake", salt="test-salt")
    return report.score, report.output


# ---------------------------------------------------------------- 1. which cell is the exercise
def test_a_copied_cell_in_a_notebook_without_ids_grades_the_later_copy(tmp_path):
    """nbformat 4.4 (no cell ids), the exercise cell copied and done below the stub: 23/51 before."""
    notebook = stub_notebook()
    notebook["cells"].insert(index(notebook, "module-activations") + 1, dict(done_cell("activations"), id="x"))
    for c in notebook["cells"]:
        c.pop("id", None)
    notebook["nbformat_minor"] = 4
    score, output = grade(write(tmp_path / "old.ipynb", notebook))
    assert score == ACTIVATIONS
    assert ("cell 12 and cell 13 both define module activations (`%%module activations`); graded cell 13, the "
            "later one, as running the notebook top to bottom would") in output
    assert "missing" not in output


def test_cells_that_lost_ids_and_metadata_are_found_by_their_module_line(tmp_path):
    notebook = cells_of("reference")
    for c in notebook["cells"]:
        c.pop("id", None)
        c["metadata"] = {}
    report = submission.grade(write(tmp_path / "stripped.ipynb", notebook), UNIT, submission_id="x", salt="s")
    assert report.score == report.max_score
    assert "lost their ids and metadata" in report.output


@pytest.mark.parametrize("where", ["below", "above"])
def test_a_jupyterlab_copy_with_a_new_id_beside_the_stub(where, tmp_path):
    """JupyterLab gives a pasted cell a new id and the stub cannot be deleted: the grader grades what a
    top-to-bottom run leaves defined (the copy below the stub; the stub when the copy is above it)."""
    notebook = stub_notebook()
    at = index(notebook, "module-activations") + (1 if where == "below" else 0)
    notebook["cells"].insert(at, dict(done_cell("activations"), id="3f9c2a"))
    score, output = grade(write(tmp_path / "lab.ipynb", notebook))
    assert score == (ACTIVATIONS if where == "below" else 0)
    graded = "cell 13 (id 3f9c2a)" if where == "below" else "cell 13 (id module-activations)"
    assert f"both define module activations (`%%module activations`); graded {graded}, the later one" in output


def test_deviations_are_explained_in_notebook_terms(tmp_path):
    notebook = cells_of("reference")
    cells = {c["id"]: c for c in notebook["cells"]}
    cells["module-tensors"]["cell_type"] = "markdown"          # turned into Markdown by a keystroke
    cells["module-tensors"].pop("outputs"), cells["module-tensors"].pop("execution_count")
    cells["module-perceptron"]["source"] = notebooks.module_source(cells["module-perceptron"]["source"])  # line lost
    body = notebooks.module_source(cells["module-activations"]["source"])
    cut = body.index("def tanh")                                # split in two (Ctrl+Shift+-)
    cells["module-activations"]["source"] = "%%module activations\n" + body[:cut]
    notebook["cells"].insert(index(notebook, "module-activations") + 1, {
        "cell_type": "code", "id": "split2", "metadata": {}, "outputs": [], "execution_count": None,
        "source": body[cut:]})
    notebook["cells"].remove(cells["module-network"])           # deleted
    found = submission.intake(write(tmp_path / "odd.ipynb", notebook), UNIT)
    text = "\n".join(found.notes)
    assert "(id module-tensors), is a Markdown cell, so it never runs in Jupyter; it was graded as code" in text
    assert "(id module-perceptron) is the exercise cell of perceptron but does not start with `%%module perceptron`" in text
    assert "cell 13 continues the exercise cell of activations, cell 12 (id module-activations), without" in text
    assert "the notebook has no exercise cell for network" in found.missing["network"]
    assert "def tanh" in found.files["activations.py"] and "network.py" not in found.files
    report = submission.grade_intake(found, UNIT, only=["tensors", "perceptron", "activations", "network"],
                                     submission_id="x", salt="s")
    network = [r for r in report.results if r.exercise.startswith("network.")]
    assert all("no exercise cell for network" in r.output and r.score == 0 for r in network)
    assert report.score == report.max_score - sum(r.max_score for r in network)


def test_the_self_check_grades_the_cell_the_grader_picks_and_warns(tmp_path, monkeypatch, capsys):
    """The kernel ran the done copy (above the stub); the saved notebook's later cell is the stub: the
    self-check grades the stub, as `grade` does, and says why."""
    pytest.importorskip("IPython")
    from autograder.workbook import Workbook

    notebook = stub_notebook()
    notebook["cells"].insert(index(notebook, "module-activations"), dict(done_cell("activations"), id="copy1"))
    write(tmp_path / f"{UNIT}.ipynb", notebook)
    monkeypatch.chdir(tmp_path)
    workbook = Workbook(UNIT, shell=None)
    try:
        for c in notebook["cells"]:
            if c["cell_type"] == "code" and c["source"].startswith("%%module"):
                name = notebooks.magic_module(c["source"])
                if c["id"] != "module-activations":  # the student ran the copy, never the stub below it
                    workbook.define(name, notebooks.module_source(c["source"]))
        table = workbook.self_check("activations")
    finally:
        workbook.pool.close()
    out = capsys.readouterr().out
    assert "both define module activations" in out and "this kernel last ran other code as activations" in out
    assert sum(r.score for r in table.results) == 0 == grade(tmp_path / f"{UNIT}.ipynb")[0]


def test_the_self_check_ignores_another_copy_of_the_notebook(tmp_path, monkeypatch, capsys):
    """The kernel runs "unit01_foundations-Copy1.ipynb" (no session path known); the untouched
    unit01_foundations.ipynb beside it is not the notebook being checked."""
    pytest.importorskip("IPython")
    from autograder.workbook import Workbook

    write(tmp_path / f"{UNIT}.ipynb", stub_notebook())
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    workbook = Workbook(UNIT, shell=None)
    try:
        workbook.define("activations", notebooks.module_source(done_cell("activations")["source"]))
        table = workbook.self_check("activations")
    finally:
        workbook.pool.close()
    assert "Warning" not in capsys.readouterr().out
    assert sum(r.score for r in table.results) == sum(r.max_score for r in table.results) > 0


# ---------------------------------------------------------------- 2. what Jupyter provides
def test_display_get_ipython_and_magics_grade_as_in_jupyter(tmp_path):
    notebook = cells_of("reference")
    cell = notebook["cells"][index(notebook, "module-activations")]
    cell["source"] = cell["source"].replace(
        '"""\n', '"""\n%matplotlib inline\n!pip install numpy\nnp.maximum?\n'
                  'get_ipython().run_line_magic("load_ext", "autoreload")\n', 1)
    cell["source"] = cell["source"].replace("    return np.maximum(z, 0.0)",
                                            "    display(z.shape)\n    return np.maximum(z, 0.0)")
    assert "display(z.shape)" in cell["source"]
    score, output = grade(write(tmp_path / "jupyter.ipynb", notebook))
    assert score == ACTIVATIONS
    assert "`%matplotlib inline` is an IPython magic: it works only in a live Jupyter kernel" in output
    assert "`!pip install numpy` is a shell command" in output and "`np.maximum?` is IPython's help syntax" in output


# ---------------------------------------------------------------- 3. limits apply to what is graded
def test_a_notebook_heavy_with_figures_grades_and_a_refusal_says_what_to_do(tmp_path, monkeypatch):
    notebook = cells_of("reference")
    png = base64.b64encode(os.urandom(600_000)).decode()  # 0.8 MiB a figure, 24 figures: 17+ MiB
    for c in [c for c in notebook["cells"] if c["cell_type"] == "code"][:24]:
        c["outputs"] = [{"output_type": "display_data", "metadata": {}, "data": {"image/png": png}}]
    path = write(tmp_path / f"{UNIT}.ipynb", notebook)
    assert path.stat().st_size > 17 << 20
    found = submission.intake(path, UNIT)
    assert sorted(found.files) == ["activations.py", "network.py", "perceptron.py", "tensors.py"]
    monkeypatch.setattr(submission, "MAX_NOTEBOOK_BYTES", 16 << 20)
    with pytest.raises(SubmissionError, match=r"more than the 16 MiB allowed; clear the outputs .* and resubmit"):
        submission.intake(path, UNIT)


# ---------------------------------------------------------------- 4. one normalisation of uploads
def zip_tree(out, files: dict[str, bytes | str]):
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out


def reference_files(prefix: str, sep: str = "/") -> dict[str, str]:
    return {f"{prefix}{sep}{p.name}": p.read_text(encoding="utf-8") for p in (ROOT / "reference" / UNIT).glob("*.py")}


def test_debris_backslashes_and_a_course_folder_two_levels_deep(tmp_path):
    files = reference_files("Course\\Unit 1\\unit01_foundations", sep="\\")
    files.update(reference_files("Course\\Unit 4\\unit04_backprop", sep="\\"))  # unit 4 has a network.py too
    files["__MACOSX/Course/Unit 1/unit01_foundations/._activations.py"] = b"\0\x05\x16\x07 AppleDouble"
    files["Course/Unit 1/unit01_foundations/._tensors.py"] = b"\0\x05\x16\x07 AppleDouble"
    files["Course/.DS_Store"] = b"\0\0\0\1Bud1"
    files["Course/Thumbs.db"] = b"\xd0\xcf"
    found = submission.intake(zip_tree(tmp_path / "course.zip", files), UNIT)
    assert found.source == "Course/Unit 1/unit01_foundations/" and not found.missing and not found.notes
    assert found.files["tensors.py"] == (ROOT / "reference" / UNIT / "tensors.py").read_text(encoding="utf-8")
    with pytest.raises(SubmissionError, match="unsafe path"):
        submission.intake(zip_tree(tmp_path / "evil.zip", {"a\\..\\..\\tensors.py": "x = 1"}), UNIT)


def test_gradescope_style_folder_with_an_appledouble_twin_and_a_nested_zip(tmp_path):
    upload = tmp_path / "submission"
    upload.mkdir()
    shutil.copy(ROOT / "reference" / UNIT / f"{UNIT}.ipynb", upload / f"{UNIT}.ipynb")
    (upload / f"._{UNIT}.ipynb").write_bytes(b"\0\x05\x16\x07\0\x02\0\0Mac OS X        ")
    found = submission.intake(upload, UNIT)
    assert found.source == f"{UNIT}.ipynb" and len(found.files) == 4
    nested = tmp_path / "nested"
    nested.mkdir()
    zip_tree(nested / "upload.zip", reference_files("home/ada/deep/unit01_foundations"))
    assert {"tensors.py", "perceptron.py", "activations.py", "network.py"} <= set(submission.intake(nested, UNIT).files)


def test_near_miss_names_are_named_and_a_case_only_difference_is_accepted(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    for p in (ROOT / "reference" / UNIT).glob("*.py"):
        name = {"activations.py": "Activations.py", "perceptron.py": "perceptron (1).py"}.get(p.name, p.name)
        shutil.copy(p, folder / name)
    found = submission.intake(folder, UNIT)
    assert "activations.py" in found.files and "perceptron.py" not in found.files
    notes = "\n".join(found.notes)
    assert "Activations.py was graded as activations.py (the name differs only in case" in notes
    assert "perceptron (1).py looks like it but was not graded: rename it to perceptron.py" in found.missing["perceptron"]
    assert str(tmp_path) not in notes + json.dumps(found.missing)
    report = submission.grade_intake(found, UNIT, only=["perceptron"], submission_id="x", salt="s")
    assert all("rename it to perceptron.py" in r.output for r in report.results if not r.skipped)


def test_grade_accepts_a_zip_and_never_shows_temporary_paths(tmp_path, capsys):
    archive = zip_tree(tmp_path / f"{UNIT}.zip", {**reference_files("my work"), "my work/.DS_Store": b"x"})
    assert main(["grade", str(archive), "--only", "tensors", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["score"] > 0 and "Graded: my work/." in result["output"]
    empty = zip_tree(tmp_path / "empty.zip", {"notes/readme.txt": "hi", "notes/tensors.py.txt": "x = 1"})
    assert main(["grade", str(empty), "--unit", UNIT]) == 2
    err = capsys.readouterr().err
    assert "none of the unit's modules" in err and "not graded: notes/tensors.py.txt (rename them" in err
    assert str(tmp_path) not in err and "deepgrade-" not in err


# ---------------------------------------------------------------- 6. the same result in every locale
C_LOCALE = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0"}


def run(args, env, cwd=ROOT, timeout=240):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "PYTHONIOENCODING"))}
    environ.update(PYTHONPATH=str(ROOT), **env)
    return subprocess.run([sys.executable, *args], env=environ, cwd=cwd, capture_output=True, timeout=timeout)


def test_a_notebook_with_greek_letters_grades_under_the_c_locale(tmp_path):
    notebook = cells_of("reference")
    cell = notebook["cells"][index(notebook, "module-activations")]
    cell["source"] = cell["source"].replace("    return np.maximum(z, 0.0)",
                                            "    # max(0, z): like σ, but piecewise — café\n    return np.maximum(z, 0.0)")
    path = write(tmp_path / f"{UNIT}.ipynb", notebook)
    done = run(["-m", "autograder.cli", "grade", str(path), "--only", "activations", "--format", "json",
                "--no-sandbox"], C_LOCALE)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert json.loads(done.stdout)["score"] == ACTIVATIONS


EXECUTE = """
import sys
import nbclient, nbformat
notebook = nbformat.read(sys.argv[1], as_version=4)
nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                        resources={"metadata": {"path": sys.argv[2]}}).execute()
nbformat.write(notebook, sys.argv[1])
"""


def test_the_notebook_self_check_runs_under_the_c_locale(tmp_path):
    """A kernel started under LC_ALL=C runs the setup cell, an exercise cell with σ and its self-check."""
    pytest.importorskip("nbclient")
    reference = cells_of("reference")
    keep = {"setup", "module-activations", "check-activations"}
    reference["cells"] = [c for c in reference["cells"] if c["id"] in keep]
    cell = reference["cells"][1]
    cell["source"] = cell["source"].replace("    return np.maximum(z, 0.0)",
                                            '    print("σ — café")\n    return np.maximum(z, 0.0)')
    path = write(tmp_path / f"{UNIT}.ipynb", reference)
    (tmp_path / "execute.py").write_text(EXECUTE, encoding="utf-8")
    done = run([str(tmp_path / "execute.py"), str(path), str(tmp_path)], {**C_LOCALE, "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-3000:]
    executed = json.loads(path.read_text(encoding="utf-8"))["cells"]
    errors = [o for c in executed for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, errors
    table = "".join("".join(o.get("data", {}).get("text/plain", "")) for o in executed[2]["outputs"])
    assert f"{UNIT}: activations.py (public checks):" in table and "failed" not in table.lower()


def test_autograder_check_and_pytest_self_check_on_a_cp1252_console(tmp_path):
    """A Windows student (no sandbox, console in cp1252) whose error message has a character cp1252 lacks."""
    folder = shutil.copytree(ROOT / "assignments" / UNIT, tmp_path / UNIT,
                             ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    source = (folder / "activations.py").read_text(encoding="utf-8")
    (folder / "activations.py").write_text(source.replace("raise NotImplementedError",
                                                          'raise ValueError("σ ≠ tanh")', 1), encoding="utf-8")
    env = {"PYTHONIOENCODING": "cp1252", "LANG": "C.UTF-8"}
    done = run(["-m", "autograder.cli", "check", UNIT, "--path", str(folder)], env)
    assert done.returncode == 0, done.stderr.decode("cp1252", "replace")
    assert b"\\u03c3" in done.stdout or "σ".encode("cp1252", "replace") in done.stdout
    done = run(["-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder / "test_selfcheck.py"), "-k", "sigmoid"],
               env, cwd=tmp_path)
    assert done.returncode in (0, 1), done.stdout.decode("cp1252", "replace")[-2000:]
    assert b"UnicodeEncodeError" not in done.stdout + done.stderr


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return build_bundle(tmp_path_factory.mktemp("bundle") / "autograder.zip", UNIT, "gradescope-intake")


@pytest.mark.parametrize("upload", ["appledouble", "course-zip"])
def test_gradescope_grades_what_it_used_to_give_zero(upload, bundle, tmp_path):
    """Gradescope's submission folder: a notebook beside its AppleDouble twin; a course folder zipped
    two levels deep (both got 0, "holds none of the unit's modules", before)."""
    folder = tmp_path / "upload"
    folder.mkdir()
    if upload == "appledouble":
        shutil.copy(ROOT / "reference" / UNIT / f"{UNIT}.ipynb", folder / f"{UNIT}.ipynb")
        (folder / f"._{UNIT}.ipynb").write_bytes(b"\0\x05\x16\x07\0\x02\0\0Mac OS X        ")
    else:
        files = {f"deep-learning/assignments/{UNIT}/{p.name}": p.read_bytes()
                 for p in (ROOT / "assignments" / UNIT).iterdir() if p.is_file()}
        files[f"deep-learning/assignments/{UNIT}/{UNIT}.ipynb"] = (ROOT / "reference" / UNIT / f"{UNIT}.ipynb").read_bytes()
        files["__MACOSX/deep-learning/._assignments"] = b"\0\x05\x16\x07"
        zip_tree(folder / "deep-learning.zip", files)
    root = layout(tmp_path / "gs", bundle, folder, UNIT)
    results, _ = run_autograder(root, DEEPGRADE_ONLY="tensors.matmul")
    assert results["tests"] and results["score"] == sum(t["max_score"] for t in results["tests"]) > 0, results["output"]
    assert str(tmp_path) not in results["output"] and "Graded: " in results["output"]


def test_tar_archives_utf8_names_without_the_flag_and_unopenable_archives(tmp_path):
    import io
    import tarfile

    with tarfile.open(tmp_path / "work.tar.gz", "w:gz") as tar:
        for p in (ROOT / "reference" / UNIT).glob("*.py"):
            tar.add(p, f"Übung/{UNIT}/{p.name}")
    assert submission.intake(tmp_path / "work.tar.gz", UNIT).source == f"Übung/{UNIT}/"
    with zipfile.ZipFile(tmp_path / "mac.zip", "w") as zf:  # UTF-8 names written without the UTF-8 flag
        for p in (ROOT / "reference" / UNIT).glob("*.py"):
            zf.writestr(f"XXbung/{p.name}", p.read_bytes())
    raw = (tmp_path / "mac.zip").read_bytes()
    (tmp_path / "mac.zip").write_bytes(raw.replace(b"XXbung/", "Übung/".encode("utf-8")))
    assert submission.intake(tmp_path / "mac.zip", UNIT).source == "Übung/"
    (tmp_path / "work.rar").write_bytes(b"Rar!\x1a\x07\x00")
    with pytest.raises(SubmissionError, match="an archive the grader cannot open; submit a .zip"):
        submission.intake(tmp_path / "work.rar", UNIT)
    folder = tmp_path / "folder"
    shutil.copytree(ROOT / "reference" / UNIT, folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(tmp_path / "work.rar", folder / "old.rar")  # inside a folder: skipped, with a note
    assert any("skipped: old.rar is an archive" in n for n in submission.intake(folder, UNIT).notes)


def test_two_copies_of_the_unit_the_worked_one_then_the_one_holding_its_backup(tmp_path):
    from autograder.batch import several_students
    upload = tmp_path / "upload"
    shutil.copytree(ROOT / "assignments" / UNIT, upload / "course" / "assignments" / UNIT)  # the release's stubs
    shutil.copytree(ROOT / "reference" / UNIT, upload / "mine" / UNIT)                      # the work
    assert submission.intake(upload, UNIT).source == f"mine/{UNIT}/"
    several_students(upload, UNIT)  # grade agrees: a copy of the stubs is not a second submission
    shutil.copytree(ROOT / "reference" / UNIT, upload / "mine" / UNIT / "backup" / UNIT)   # a backup below it
    assert submission.intake(upload, UNIT).source == f"mine/{UNIT}/"
    shutil.copytree(ROOT / "reference" / UNIT, upload / "also" / UNIT)
    with pytest.raises(SubmissionError, match=r"upload holds more than one submission \(also/unit01_foundations/, mine/"):
        submission.intake(upload, UNIT)


def stub_copy(folder, work: dict[str, str]):
    """The released stubs in ``folder``, with ``work`` ({module file: source}) written over them."""
    shutil.copytree(ROOT / "assignments" / UNIT, folder, ignore=shutil.ignore_patterns("__pycache__", "test_*"))
    for name, text in work.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_stub_copy_named_after_the_unit_never_beats_the_work(tmp_path):
    """The solutions at the top and the release's folder inside scored 0/56: "Graded: unit01_foundations/."."""
    upload = tmp_path / "upload"
    for p in (ROOT / "reference" / UNIT).glob("*.py"):
        (upload / p.name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(p, upload / p.name)
    stub_copy(upload / UNIT, {})
    score, output = grade(upload)
    assert score == ACTIVATIONS and "Graded: the submission's top folder." in output
    assert f"Note: {UNIT}/ holds the unchanged stubs, so the submission's top folder was graded" in output
    found = submission.intake(zip_tree(tmp_path / "x.zip", {"activations.py": (upload / "activations.py").read_text(),
                                                             **stub_files(UNIT)}), UNIT)
    assert found.source == "the submission's top folder" and set(found.missing) == {"tensors", "perceptron", "network"}
    done = (ROOT / "reference" / UNIT / "activations.py").read_text(encoding="utf-8")
    (upload / UNIT / "activations.py").write_text(done, encoding="utf-8")  # both hold work: the tie rule, its name wins
    assert submission.intake(upload, UNIT).source == f"{UNIT}/"


def stub_files(prefix: str) -> dict[str, str]:
    return {f"{prefix}/{p.name}": p.read_text(encoding="utf-8") for p in (ROOT / "assignments" / UNIT).glob("*.py")}


def reworded(source: str) -> str:
    """``source`` with the first word of its first function's docstring changed (a fix after the release)."""
    import ast
    doc = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)).body[0].value.value
    line = doc.strip().splitlines()[0]
    return source.replace(line, "Now " + line, 1)


@pytest.mark.parametrize("edit", ["name", "todo", "docstring"])
def test_comments_and_docstrings_in_the_stubs_hide_no_finished_notebook(edit, tmp_path):
    """A name line, TODO comments or a docstring fixed after the release made the stubs "work":
    they were graded (0) and the completed notebook beside them was not."""
    stub = (ROOT / "assignments" / UNIT / "activations.py").read_text(encoding="utf-8")
    text = {"name": "# Name: Jane Doe\n# ID: 1234\n" + stub,
            "todo": stub.replace("raise NotImplementedError", "# TODO: vectorise\n    raise NotImplementedError  # todo"),
            "docstring": reworded(stub)}[edit]
    assert text != stub
    upload = stub_copy(tmp_path / "upload", {"activations.py": text})
    shutil.copy(ROOT / "reference" / UNIT / f"{UNIT}.ipynb", upload / f"{UNIT}.ipynb")
    score, output = grade(upload)
    assert score == ACTIVATIONS and f"Graded: {UNIT}.ipynb." in output
    assert "the modules in the submission's top folder are the unchanged stubs" in output


def test_one_function_changed_is_work_and_is_graded(tmp_path):
    """The converse: one statement of one function changed (the rest comments) is the student's work."""
    stub = (ROOT / "assignments" / UNIT / "activations.py").read_text(encoding="utf-8")
    started = stub.replace("    raise NotImplementedError", "    # started\n    return z", 1)
    upload = stub_copy(tmp_path / "upload", {"activations.py": started})
    shutil.copy(ROOT / "reference" / UNIT / f"{UNIT}.ipynb", upload / f"{UNIT}.ipynb")
    found = submission.intake(upload, UNIT)
    assert found.source == "the submission's top folder" and found.files["activations.py"] == started
    assert any(f"the notebook {UNIT}.ipynb also holds work and was not graded" in n for n in found.notes)


def test_grade_and_batch_refuse_a_draft_and_a_final_copy_alike(tmp_path):
    """grade refused a student folder with draft/ and final/; batch graded one of them silently."""
    from autograder import gradebook
    from autograder.batch import several_students
    erin = tmp_path / "erin"
    shutil.copytree(ROOT / "reference" / UNIT, erin / "final", ignore=shutil.ignore_patterns("__pycache__"))
    stub_copy(erin / "draft", {"activations.py": (erin / "final" / "activations.py").read_text(encoding="utf-8")})
    refusal = "erin holds more than one submission (draft/, final/"
    with pytest.raises(SubmissionError, match=refusal.replace("(", r"\(")):
        several_students(erin, UNIT)  # what `autograder grade erin` checks first
    status, why = submission.grade_entry(erin, UNIT, submission_id="erin", salt="s")  # what batch records
    assert status == gradebook.INVALID and why == f"{refusal}): submit one of them"


def test_an_archive_inside_an_archive_is_named(tmp_path):
    """A zip inside the uploaded zip: "holds none of the unit's modules", the inner zip never named."""
    inner = zip_tree(tmp_path / "inner.zip", reference_files(UNIT))
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.write(inner, "work/inner.zip")
    told = "work/inner.zip is an archive inside an archive, which the grader does not open; upload it on its own"
    with pytest.raises(SubmissionError, match=told):
        submission.intake(outer, UNIT)
    with zipfile.ZipFile(outer, "a") as zf:  # beside the release's stubs: they are graded, and it is named
        for name, text in stub_files(UNIT).items():
            zf.writestr(name, text)
    assert f"skipped: {told}, or unzip it and upload its files" in submission.intake(outer, UNIT).notes
    beside_work = zip_tree(tmp_path / "course.zip", {"data/inner.zip": inner.read_bytes(), **reference_files(UNIT)})
    assert not submission.intake(beside_work, UNIT).notes  # a course folder's data sets, say: no note


def test_untouched_stubs_are_judged_by_the_released_digests_not_the_graders_assignments(tmp_path, monkeypatch):
    """An instructor who edits an exercise in their checkout's assignments/ changes nothing: a
    student's partly done modules are graded, not the notebook beside them."""
    from autograder import course, stubs
    upload = tmp_path / "upload" / UNIT
    shutil.copytree(ROOT / "assignments" / UNIT, upload, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "reference" / UNIT / "activations.py", upload / "activations.py")  # the student's work
    edited = tmp_path / "checkout"
    shutil.copytree(upload, edited / "assignments" / UNIT)  # the instructor's checkout, edited the same way
    monkeypatch.setattr(course, "ROOT", edited)
    monkeypatch.setattr(stubs, "ROOT", edited)
    found = submission.intake(upload.parent, UNIT)
    assert found.source == f"{UNIT}/" and not any("unchanged stubs" in n for n in found.notes)
    assert not submission.untouched(found, UNIT)
    shutil.copy(ROOT / "assignments" / UNIT / "activations.py", upload / "activations.py")  # untouched again
    assert submission.untouched(submission.intake(upload.parent, UNIT), UNIT)


def test_stale_names_a_missing_or_outdated_stub_digest_file(tmp_path):
    from autograder import stubs
    from autograder.course import STUB_DIGESTS
    shutil.copytree(ROOT / "reference" / UNIT, tmp_path / "reference" / UNIT, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "autograder").mkdir()
    stubs.write(tmp_path)
    assert stubs.stale(tmp_path) == []
    (tmp_path / STUB_DIGESTS).write_text("{}\n", encoding="utf-8")
    assert stubs.stale(tmp_path) == [STUB_DIGESTS]


KERNEL_FILES = ("/proc/", "cgroup")  # the kernel's own ASCII interfaces


def test_every_text_file_the_grader_reads_or_writes_names_its_encoding():
    """The kind behind the C-locale failures: text I/O that falls back to the locale's encoding."""
    import ast

    unnamed = []
    for path in sorted((ROOT / "autograder").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call) or any(k.arg == "encoding" for k in node.keywords):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("read_text", "write_text"):
                text = True
            elif name == "open" and isinstance(func, ast.Name):
                mode = next((k.value for k in node.keywords if k.arg == "mode"), None)
                mode = node.args[1] if len(node.args) > 1 else mode
                text = not (isinstance(mode, ast.Constant) and "b" in str(mode.value))
            else:
                continue
            line = ast.get_source_segment(source, node) or ""
            if text and not any(k in line for k in KERNEL_FILES):
                unnamed.append(f"{path.relative_to(ROOT)}:{node.lineno}: {line[:80]}")
    assert not unnamed, "text I/O without an explicit encoding:\n" + "\n".join(unnamed)


def test_batch_with_accented_student_folders_under_the_c_locale(tmp_path):
    """Under LC_ALL=C Python sees josé/ as undecodable bytes; the gradebook and exports still say josé."""
    subs = tmp_path / "subs"
    subs.mkdir()
    zip_tree(subs / "josé.zip", reference_files(UNIT))
    (subs / "zoë").mkdir()
    (subs / "zoë" / "tensors.py").write_text("x = 1  # σ\n", encoding="utf-8")
    book = tmp_path / "g.sqlite"
    done = run(["-m", "autograder.cli", "batch", str(subs), "--unit", UNIT, "--workers", "1", "--gradebook", str(book),
                "--no-progress", "--no-sandbox", "--timeout", "120"], {**C_LOCALE, "DEEPGRADE_SALT": "s"})
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-3000:]
    from autograder import gradebook as gb

    with gb.Gradebook(book) as g:
        got = {s.student_id: s for s in g.current(UNIT)}
    assert sorted(got) == ["josé", "zoë"] and got["josé"].score == got["josé"].max_score > 0
    assert got["zoë"].status == gb.GRADED and got["zoë"].score == 0
