"""The Gradescope bundle, run against a temporary root laid out the way Gradescope lays it out."""
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from autograder import gradescope
from autograder.suite import load_suite

from .support import ROOT, make_submission

UNIT = "unit01_foundations"
SALT = "gradescope-test-salt"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    env = {**os.environ, "DEEPGRADE_SALT": SALT}
    subprocess.run([sys.executable, "-m", "autograder.cli", "gradescope", UNIT, str(out)], check=True, env=env,
                   capture_output=True, cwd=ROOT)
    return out


def gradescope_root(tmp_path, bundle, submission, email="ada@example.edu"):
    """/autograder as Gradescope lays it out: source/ (the unzipped bundle), submission/,
    submission_metadata.json, results/, and run_autograder copied to the root."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    shutil.copytree(submission, root / "submission")
    (root / "results").mkdir()
    (root / "submission_metadata.json").write_text(json.dumps({
        "id": 123456, "created_at": "2026-03-01T14:22:32.365935-07:00", "assignment": {"title": UNIT},
        "submission_method": "upload", "users": [{"email": email, "id": 1234, "name": "Ada"}],
        "previous_submissions": []}))
    return root


def run_autograder(root, **env):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DEEPGRADE")},
           "DEEPGRADE_GRADESCOPE_ROOT": str(root), "DEEPGRADE_PYTHON": sys.executable, **env}
    subprocess.run(["bash", str(root / "run_autograder")], env=env, check=True, capture_output=True, timeout=300)
    return json.loads((root / "results" / "results.json").read_text())


def valid(results: dict):
    assert isinstance(results["score"], float) and results["visibility"] in ("visible", "hidden")
    for test in results["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
        assert test["status"] in ("passed", "failed") and 0 <= test["score"] <= test["max_score"]


def test_bundle_layout(bundle):
    names = set(zipfile.ZipFile(bundle).namelist())
    assert {"setup.sh", "run_autograder", "pyproject.toml", ".deepgrade/salt", f"reference/{UNIT}/tensors.py",
            "autograder/runner.py"} <= names
    assert not any(n.startswith(("tests/", "assignments/")) or "__pycache__" in n for n in names)
    assert not any(n.startswith("reference/unit") and not n.startswith(f"reference/{UNIT}/") for n in names)
    assert zipfile.ZipFile(bundle).read(".deepgrade/salt").decode().strip() == SALT


def test_run_autograder_grades_with_the_bundled_reference_and_salt(bundle, tmp_path):
    root = gradescope_root(tmp_path, bundle, make_submission(tmp_path / "s", UNIT, {"activations.step": """
        def step(z):
            return (z > 0).astype(float)
    """}))
    results = run_autograder(root)
    valid(results)
    suite = load_suite(UNIT)
    assert len(results["tests"]) == len(suite.checks)  # the reference checks ran: the bundle carries it
    assert 0 < results["score"] < suite.max_score
    assert results["extra_data"]["submission_id"] == "ada@example.edu"
    from autograder import runner
    local = runner.grade(root / "submission", UNIT, submission_id="ada@example.edu", salt=SALT)
    assert [t["score"] for t in results["tests"]] == [r.score for r in local.results]  # same seeds, same grade


def test_partial_results_when_time_runs_out(bundle, tmp_path):
    root = gradescope_root(tmp_path, bundle, ROOT / "reference" / UNIT)
    longest = max(c.timeout for c in load_suite(UNIT).checks)
    results = run_autograder(root, DEEPGRADE_TIME_LIMIT=str(longest + gradescope.MARGIN + 0.05))
    valid(results)
    not_run = [t for t in results["tests"] if "time budget" in t["output"]]
    assert not_run and len(not_run) < len(results["tests"])  # some checks ran and kept their points
    assert results["score"] == sum(t["score"] for t in results["tests"]) > 0


def test_unusable_submission_still_leaves_results(bundle, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README.txt").write_text("oops")
    results = run_autograder(gradescope_root(tmp_path, bundle, empty))
    valid(results)
    assert results["score"] == 0 and "could not be graded" in results["output"]


def test_notebook_submission_is_graded_from_its_exercise_cells(bundle, tmp_path):
    upload = tmp_path / "upload"
    upload.mkdir()
    shutil.copy(ROOT / "reference" / UNIT / f"{UNIT}.ipynb", upload / f"{UNIT}.ipynb")
    results = run_autograder(gradescope_root(tmp_path, bundle, upload))
    valid(results)
    assert results["score"] == load_suite(UNIT).max_score
