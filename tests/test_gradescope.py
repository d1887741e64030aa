"""The Gradescope bundle, run against a temporary root laid out the way Gradescope lays it out."""
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from autograder import gradescope
from autograder.gradescope import requirements
from autograder.suite import load_suite

from .gradescope_support import NO_BWRAP_PATH, build_bundle, layout, run_autograder
from .support import ROOT, make_submission

UNIT = "unit01_foundations"
SALT = "gradescope-test-salt"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return build_bundle(tmp_path_factory.mktemp("bundle") / "autograder.zip", UNIT, SALT)


def gradescope_root(tmp_path, bundle, submission, email="ada@example.edu"):
    return layout(tmp_path / "gs", bundle, submission, UNIT, email)


def valid(results: dict):
    assert isinstance(results["score"], float) and results["visibility"] in ("visible", "hidden")
    for test in results["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
        assert test["status"] in ("passed", "failed") and 0 <= test["score"] <= test["max_score"]


def test_bundle_layout(bundle):
    zf = zipfile.ZipFile(bundle)
    names = set(zf.namelist())
    assert {"setup.sh", "run_autograder", "requirements.txt", "README.md", ".deepgrade/unit_key",
            f"reference/{UNIT}/tensors.py", "autograder/runner.py", "autograder/stub_digests.json"} <= names
    assert zf.read("autograder/stub_digests.json") == (ROOT / "autograder" / "stub_digests.json").read_bytes()
    assert not any(n.startswith(("tests/", "assignments/")) or "__pycache__" in n for n in names)
    assert not any(n.startswith("reference/unit") and not n.startswith(f"reference/{UNIT}/") for n in names)
    key = hmac.new(SALT.encode(), UNIT.encode(), hashlib.sha256).hexdigest()
    assert zf.read(".deepgrade/unit_key").decode().strip() == key
    assert ".deepgrade/salt" not in names
    assert not [n for n in names if SALT.encode() in zf.read(n)], "the course salt is in the bundle"
    requirements = zf.read("requirements.txt").decode().split()
    assert any(r.startswith("scipy") for r in requirements) and any(r.startswith("numpy") for r in requirements)
    assert not any(r.startswith("torch") for r in requirements), "unit 1's grading never imports torch"
    setup = zf.read("setup.sh").decode()
    assert "useradd" in setup and "chmod 700" in setup and "Ubuntu 22.04" in setup


def test_run_autograder_grades_with_the_bundled_reference_and_unit_key(bundle, tmp_path, monkeypatch):
    root = gradescope_root(tmp_path, bundle, make_submission(tmp_path / "s", UNIT, {"activations.step": """
        def step(z):
            return (z > 0).astype(float)
    """}))
    results, log = run_autograder(root)
    valid(results)
    suite = load_suite(UNIT)
    assert len(results["tests"]) == len(suite.checks)  # the reference checks ran: the bundle carries it
    assert 0 < results["score"] < suite.max_score
    assert results["extra_data"]["submission_id"] == "ada@example.edu"
    assert "student code runs in: bubblewrap" in log
    from autograder import runner
    monkeypatch.setenv("DEEPGRADE_SALT", SALT)  # the instructor's tools derive the same unit key
    local = runner.grade(root / "submission", UNIT, submission_id="ada@example.edu")
    assert [t["score"] for t in results["tests"]] == [r.score for r in local.results]  # same seeds, same grade


LAUNCH_SPY = """
import os, runpy, sys
sys.path.insert(0, os.getcwd())  # as `python -m` would
from autograder.sandbox import pool
launch = pool.Pool.__init__
def spy(self, *args, **kwargs):
    print("loaded at launch:", sorted(m for m in ("autograder.runner", "hypothesis", "torch") if m in sys.modules),
          file=sys.stderr)
    launch(self, *args, **kwargs)
pool.Pool.__init__ = spy
sys.argv = sys.argv[2:]  # the interpreter's arguments: -m autograder.gradescope run UNIT --root ROOT
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def test_the_worker_starts_before_the_grader_imports_its_checks(bundle, tmp_path):
    """Gradescope grades each submission in a fresh container: the worker starts first, and the
    grader imports the runner, the unit's checks and the reference while it starts."""
    (tmp_path / "spy.py").write_text(LAUNCH_SPY)
    python = tmp_path / "python"
    python.write_text(f'#!/bin/bash\nexec {sys.executable} {tmp_path / "spy.py"} "$@"\n')
    python.chmod(0o755)
    results, log = run_autograder(gradescope_root(tmp_path, bundle, ROOT / "reference" / UNIT), python=str(python))
    assert "loaded at launch: []" in log
    assert results["score"] == load_suite(UNIT).max_score


def test_partial_results_when_time_runs_out(bundle, tmp_path):
    root = gradescope_root(tmp_path, bundle, ROOT / "reference" / UNIT)
    longest = max(c.timeout for c in load_suite(UNIT).checks)
    results, _ = run_autograder(root, DEEPGRADE_TIME_LIMIT=str(longest + gradescope.MARGIN + 0.05))
    valid(results)
    not_run = [t for t in results["tests"] if "time budget" in t["output"]]
    assert not_run and len(not_run) < len(results["tests"])  # some checks ran and kept their points
    assert results["score"] == sum(t["score"] for t in results["tests"]) > 0


def test_unusable_submission_still_leaves_results(bundle, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README.txt").write_text("oops")
    results, _ = run_autograder(gradescope_root(tmp_path, bundle, empty))
    valid(results)
    assert results["score"] == 0 and "could not be graded" in results["output"]


def test_notebook_submission_is_graded_from_its_exercise_cells(bundle, tmp_path):
    upload = tmp_path / "upload"
    upload.mkdir()
    shutil.copy(ROOT / "reference" / UNIT / f"{UNIT}.ipynb", upload / f"{UNIT}.ipynb")
    results, _ = run_autograder(gradescope_root(tmp_path, bundle, upload))
    valid(results)
    assert results["score"] == load_suite(UNIT).max_score


@pytest.mark.parametrize("user,why", [("no-such-deepgrade-user", "there is no user no-such-deepgrade-user"),
                                      ("root", "has root's uid or gid")])
def test_without_bubblewrap_or_student_user_nothing_is_graded(bundle, tmp_path, user, why):
    """Fail closed: no sandbox and no unprivileged user means no student code runs at all."""
    marker = tmp_path / "ran"
    submission = make_submission(tmp_path / "s", UNIT, extra={"activations.py": f"open({str(marker)!r}, 'w')\n"})
    results, log = run_autograder(gradescope_root(tmp_path, bundle, submission), PATH=NO_BWRAP_PATH,
                                  DEEPGRADE_STUDENT_USER=user)
    valid(results)
    assert results["tests"] == [] and results["visibility"] == "hidden"  # the student sees no 0 as a grade
    assert results["output"].startswith("NOT GRADED") and "bwrap is not installed" in results["output"]
    assert why in results["output"] and why in results["extra_data"]["misconfigured"]
    assert "MISCONFIGURED, nothing graded" in log
    assert not marker.exists(), "student code ran"


@pytest.mark.parametrize("unit", ["unit03_training", "unit05_cnn", "unit10_transfer"])
def test_a_unit_whose_grading_uses_torch_requires_it(unit):
    assert "torch==2.13.0" in requirements(unit).split()


def test_a_unit_whose_bundle_has_no_torch_grades_in_full_without_it(tmp_path):
    """A torch that cannot be imported, first on the grader's path (unit 1's worker preloads numpy
    only): unit 1's reference still gets full marks. Every such unit, in the environment its bundle
    installs: tests/test_bundle_env.py (DEEPGRADE_BUNDLE_ENV=1)."""
    assert "torch" not in requirements(UNIT)
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "torch.py").write_text('raise ImportError("no torch in this image")\n')
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", f"reference/{UNIT}", "--format", "json",
                           "--no-sandbox"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "DEEPGRADE_SALT": SALT, "PYTHONPATH": f"{shim}:{ROOT}"})
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) > 0, done.stderr[-2000:]
