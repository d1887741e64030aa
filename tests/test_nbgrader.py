"""nbgrader round trip on unit 1: export the course, real ``nbgrader generate_assignment``, two
submissions in ``submitted/``, real ``nbgrader autograde``; nbgrader's gradebook agrees with
``autograder grade`` on honest work, and shows why deepgrade does not trust the student's kernel."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from autograder import notebooks
from autograder.cli import main
from autograder.suite import load_suite

from .support import ROOT

sys.modules.setdefault("rfc3987_syntax", None)
api = pytest.importorskip("nbgrader.api")

UNIT = "unit01_foundations"
BIN = os.path.dirname(sys.executable)
CHEAT = ("get_ipython().input_transformers_post.append(\n"
         "    lambda lines: ['pass\\n'] if any('workbook.' in line for line in lines) else lines)")


def nbgrader(course, *args):
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", ""), "MPLBACKEND": "Agg"}
    done = subprocess.run([os.path.join(BIN, "nbgrader"), *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=540)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def submit(course, student, cells):
    """The released notebook with some cells' sources replaced (``{id: source}``), extra cells after setup."""
    notebook = json.loads((course / "release" / UNIT / f"{UNIT}.ipynb").read_text())
    for c in notebook["cells"]:
        c["source"] = cells.get(c.get("id"), c["source"])
    extra = [{"cell_type": "code", "id": cid, "metadata": {}, "outputs": [], "execution_count": None, "source": src}
             for cid, src in cells.items() if cid.startswith("extra")]
    where = [c["id"] for c in notebook["cells"]].index("setup") + 1
    notebook["cells"][where:where] = extra
    folder = course / "submitted" / student / UNIT
    folder.mkdir(parents=True)
    (folder / f"{UNIT}.ipynb").write_text(json.dumps(notebook))
    return folder / f"{UNIT}.ipynb"


def deepgrade_by_exercise(path, capsys):
    assert main(["grade", str(path), "--unit", UNIT, "--format", "json", "--submission-id", "nbgrader-test"]) == 0
    scores = {}
    for test in json.loads(capsys.readouterr().out)["tests"]:
        exercise = test["name"].split(":")[0]
        scores[notebooks.test_id(exercise)] = scores.get(notebooks.test_id(exercise), 0.0) + test["score"]
    return scores


def test_nbgrader_autograde_agrees_with_deepgrade_and_trusts_the_kernel(tmp_path, capsys):
    course = tmp_path / "course"
    assert main(["nbgrader", "export", str(course)]) == 0
    assert "source/ for unit01_foundations" in capsys.readouterr().out
    assert (course / "nbgrader_config.py").is_file() and (course / "source" / UNIT / f"{UNIT}.ipynb").is_file()
    nbgrader(course, "generate_assignment", UNIT, "--force")
    released = json.loads((course / "release" / UNIT / f"{UNIT}.ipynb").read_text())["cells"]
    ours = json.loads((ROOT / "assignments" / UNIT / f"{UNIT}.ipynb").read_text())["cells"]
    assert [(c["id"], "".join(c["source"])) for c in released if c["cell_type"] == "code"] == \
           [(c["id"], "".join(c["source"])) for c in ours if c["cell_type"] == "code"]  # nbgrader's = our stub

    reference = {c["id"]: "".join(c["source"]) for c in json.loads((course / "source" / UNIT / f"{UNIT}.ipynb").read_text())["cells"]}
    alice = submit(course, "alice", {  # tensors and perceptron right, relu wrong, network not started
        "module-tensors": reference["module-tensors"], "module-perceptron": reference["module-perceptron"],
        "module-activations": reference["module-activations"].replace("return np.maximum(z, 0.0)", "return np.abs(z)")})
    mallory = submit(course, "mallory", {"extra-cheat": CHEAT})  # nothing done, later cells blanked
    nbgrader(course, "autograde", UNIT)

    with api.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as book:
        graded = {student: {g.name: g.score for g in book.find_submission_notebook(UNIT, UNIT, student).grades}
                  for student in ("alice", "mallory")}
    ours = deepgrade_by_exercise(alice, capsys)
    assert set(graded["alice"]) == set(ours)
    for cell, score in ours.items():
        assert graded["alice"][cell] == pytest.approx(score, abs=1e-5), cell
    max_score = load_suite(UNIT).max_score
    assert 0 < sum(ours.values()) < max_score

    assert sum(graded["mallory"].values()) == max_score  # nbgrader believed the blanked cells
    assert sum(deepgrade_by_exercise(mallory, capsys).values()) == 0  # deepgrade read only the exercise cells
    shutil.rmtree(course, ignore_errors=True)
