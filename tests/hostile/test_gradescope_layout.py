"""The hostile corpus on the Gradescope layout, with bubblewrap and without it (student code then
runs as an unprivileged user): a simulated /autograder root with source/ (root-only, as setup.sh
leaves it), submission/, results/. Each attack is contained: it earns nothing, reads no secret
(no reference line, no unit key, no course salt), never runs as root, leaves no process or file
behind, and results.json is the grader's own. A thief raises what it read as its error messages,
so anything it got would reach the student's feedback.

Set DEEPGRADE_GRADESCOPE_CORPUS=all to run the whole corpus in both modes (about 5 s an attack and mode).
"""
from __future__ import annotations

import json
import os
import pwd
import re
import shutil
from pathlib import Path

import pytest

from autograder import release, student_user
from autograder.sandbox.launchers import sandbox_problem

from ..gradescope_support import NO_BWRAP_PATH, build_bundle, layout, public_tmp, run_autograder, shared_python
from ..gradescope_support import student_user as make_test_user
from ..support import ROOT, make_submission

UNIT = "unit01_foundations"
SALT = "gradescope-hostile-salt"
CORPUS = Path(__file__).parent / "corpus"
FULL = os.environ.get("DEEPGRADE_GRADESCOPE_CORPUS") == "all"

THIEF = '''"""Thief: read the Gradescope root's secrets and raise them as error messages (feedback)."""
import glob
import os

ROOT = __ROOT__
REFERENCE = ROOT + "/source/reference/unit01_foundations/activations.py"


def _read(path, start=""):
    try:
        with open(path) as f:
            text = f.read()
    except OSError as exc:
        return f"<{exc}>"
    return text[text.index(start):] if start and start in text else text


def _everything():
    found = []
    for path in glob.glob(ROOT + "/**", recursive=True):
        if os.path.isfile(path) and not path.startswith(ROOT + "/submission"):
            found.append(path + "=" + _read(path)[:60])
    return " ".join(found) or "<nothing readable>"


def sigmoid(z):
    raise RuntimeError(_read(REFERENCE, "BEGIN SOLUTION")[:450])


def sigmoid_derivative(z):
    raise RuntimeError(_read(ROOT + "/source/.deepgrade/unit_key") + _read(ROOT + "/source/.deepgrade/salt"))


def tanh(z):
    raise RuntimeError(_read(ROOT + "/results/previous_results.json") + _read(ROOT + "/results/results.json"))


def tanh_derivative(z):
    try:
        listing = " ".join(sorted(os.listdir(ROOT + "/source")))
    except OSError as exc:
        listing = f"<{exc}>"
    raise RuntimeError(listing + _read(ROOT + "/submission_metadata.json"))


def relu(z):
    raise RuntimeError(f"uid={os.getuid()} euid={os.geteuid()} gid={os.getgid()} groups={os.getgroups()}")


def relu_derivative(z):
    raise RuntimeError(_read(ROOT + "/source/autograder/keys/__init__.py"))


def step(z):
    raise RuntimeError(_everything())
'''

FORGER = '''"""Forger: write a perfect results.json into the Gradescope root, and over run_autograder."""
import json

ROOT = __ROOT__
FAKE = json.dumps({"score": 1000, "tests": [{"name": "all", "score": 1000, "max_score": 1000}]})


def _forge(z):
    for path in (ROOT + "/results/results.json", ROOT + "/run_autograder", ROOT + "/source/run_autograder"):
        with open(path, "w") as f:  # the error, if any, is the feedback
            f.write(FAKE)
    return z * 0 + 1000


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _forge
'''


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    """The bundle, an interpreter any user can run, and the unprivileged test user."""
    folder = public_tmp("deepgrade-gs-python-")
    try:
        bundle = build_bundle(tmp_path_factory.mktemp("bundle") / "autograder.zip", UNIT, SALT)
        yield {"bundle": bundle, "python": shared_python(folder), "user": make_test_user()}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


BWRAP = pytest.param("bubblewrap", marks=pytest.mark.skipif(bool(sandbox_problem()), reason="no bubblewrap here"))
MODES = [BWRAP, "student-user"]
# By default, the attacks the sandboxed hostile test cannot speak for: those that only the
# student user's permissions, process cleanup and disk watcher contain.
ATTACKS = ([(p.stem, mode) for p in sorted(CORPUS.glob("*.py")) for mode in ("bubblewrap", "student-user")] if FULL
           else [("kill_parent_and_group", "student-user"), ("fill_disk", "student-user"),
                 ("secrets_environment", "student-user")])


def grade(setting, mode: str, source: str | None, only: str = "activations"):
    """(results, log, root text secrets) of one submission graded on a fresh Gradescope root."""
    base = public_tmp("deepgrade-gs-root-")
    try:
        root_path = base / "autograder"
        extra = {"activations.py": source.replace("__ROOT__", repr(str(root_path)))} if source else None
        submission = make_submission(base / "s", UNIT, extra=extra)
        root = layout(base, setting["bundle"], submission, UNIT)
        (root / "results" / "previous_results.json").write_text(json.dumps({"score": 7, "owner": "another student"}))
        env = {"DEEPGRADE_STUDENT_USER": setting["user"], "DEEPGRADE_ONLY": only}
        if mode == "student-user":
            env["PATH"] = NO_BWRAP_PATH
        results, log = run_autograder(root, python=setting["python"], timeout=240, **env)
        key = (root / "source" / ".deepgrade" / "unit_key").read_text().strip()
        return results, log, key
    finally:
        shutil.rmtree(base, ignore_errors=True)


def assert_contained(results: dict, log: str, key: str, mode: str, user: str):
    text = json.dumps(results)
    isolation = results["extra_data"]["isolation"]
    assert isolation == ("bubblewrap" if mode == "bubblewrap" else f"unprivileged user {user} (no bubblewrap)")
    assert f"student code runs in: {isolation}" in log
    assert results["tests"] and all(t["status"] in ("passed", "failed") for t in results["tests"])
    cheated = {t["name"]: t["score"] for t in results["tests"] if t["score"] > 0}
    assert not cheated, f"the attack earned points: {cheated}"
    assert results["score"] == sum(t["score"] for t in results["tests"]) == 0  # the grader's own results.json
    assert all(t["output"].strip() for t in results["tests"]), "every failed check explains itself"
    for secret in (key, SALT):
        assert secret not in text and secret not in log, "a secret reached the feedback or the log"
    secret_lines = {line for line in release.solution_lines() if line in
                    (ROOT / "reference" / UNIT / "activations.py").read_text()}
    assert secret_lines
    leaked = [line for line in secret_lines if line in text]
    assert not leaked, f"reference lines in the feedback: {leaked}"
    uid = pwd.getpwnam(user).pw_uid
    assert not student_user.processes_of(uid), "a process of the student user outlived grading"
    assert student_user.usage(uid) == (0, 0), "files of the student user outlived grading"


@pytest.mark.parametrize("mode", MODES)
def test_thief_gets_no_secret_and_is_not_root(setting, mode):
    results, log, key = grade(setting, mode, THIEF)
    assert_contained(results, log, key, mode, setting["user"])
    outputs = {t["name"].split(":")[0]: t["output"] for t in results["tests"]}
    identity = re.search(r"uid=(\d+) euid=(\d+) gid=(\d+) groups=\[([\d, ]*)\]", outputs["activations.relu"])
    assert identity, outputs["activations.relu"]
    uid, euid, gid, groups = identity.groups()
    assert "0" not in (uid, euid, gid) and "0" not in groups.replace(" ", "").split(","), identity.group(0)
    if mode == "student-user":
        assert uid == str(pwd.getpwnam(setting["user"]).pw_uid) and groups == ""  # no supplementary groups
        assert "Permission denied" in outputs["activations.sigmoid"]
        assert "logged for your instructor" in outputs["activations.sigmoid"]  # the student is told why
        assert "attempt in activations.sigmoid" in log and "Permission denied" in log  # the instructor too
    else:
        assert "No such file" in outputs["activations.sigmoid"]  # the sandbox shows none of the root
        assert "attempt in activations.sigmoid" in log
    assert "another student" not in json.dumps(results)


@pytest.mark.parametrize("mode", MODES)
def test_forged_results_are_replaced_and_logged(setting, mode):
    results, log, key = grade(setting, mode, FORGER)
    assert_contained(results, log, key, mode, setting["user"])
    assert "1000" not in json.dumps(results["score"])
    assert "attempt in activations" in log


@pytest.mark.parametrize("attack,mode", [pytest.param(a, m, id=f"{a}-{m}", marks=BWRAP.marks if m == "bubblewrap" else ())
                                         for a, m in ATTACKS])
def test_corpus_attack_on_the_gradescope_layout(setting, mode, attack):
    results, log, key = grade(setting, mode, (CORPUS / f"{attack}.py").read_text(), only="step_values,sigmoid_values")
    assert_contained(results, log, key, mode, setting["user"])


def test_honest_submission_keeps_full_marks_as_the_student_user(setting):
    results, log, _ = grade(setting, "student-user", None)
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) > 0, results["tests"]
    assert "attempt in" not in log
