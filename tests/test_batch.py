"""Batch grading: parallel, resumable after kill -9, and one bad submission breaks only its row."""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile

import pytest

from autograder import batch, gradebook as gb
from autograder.sandbox.launchers import sandbox_problem
from autograder.submission import SubmissionError

from . import classroom
from .support import ROOT, make_submission

UNIT = "unit01_foundations"
NO_SANDBOX = ["--no-sandbox"] if sandbox_problem() else []


def run_batch(subs, book, *extra, env=None, wait=True, main="autograder.cli"):
    argv = [sys.executable, "-m", main, *(["batch"] if main == "autograder.cli" else []), str(subs), "--unit", UNIT,
            "--workers", "2", "--gradebook", str(book), "--no-progress", *NO_SANDBOX, *extra]
    env = {**os.environ, "DEEPGRADE_SALT": "batch-test-salt", **(env or {})}
    if not wait:
        return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True, cwd=ROOT)
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stderr + done.stdout


def committed(book) -> int:
    if not book.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{book}?mode=ro", uri=True) as db:
            return db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def snapshot(book):
    with gb.Gradebook(book) as g:
        return g.snapshot()


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class") / "submissions"
    kinds = classroom.build(folder, UNIT, 6, zipped_every=3)
    return folder, kinds


def test_kill_9_then_resume_equals_uninterrupted(klass, tmp_path):
    subs, kinds = klass
    straight = tmp_path / "straight.sqlite"
    run_batch(subs, straight)
    proc = run_batch(subs, tmp_path / "killed.sqlite", wait=False)
    try:
        deadline = time.monotonic() + 180
        while committed(tmp_path / "killed.sqlite") < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)  # the batch's own process, mid-run
        proc.wait()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    before = committed(tmp_path / "killed.sqlite")
    assert 2 <= before < len(kinds), "the kill did not land mid-batch"
    out = run_batch(subs, tmp_path / "killed.sqlite")
    assert f"{len(kinds) - before} to grade, {before} up to date" in out
    resumed = snapshot(tmp_path / "killed.sqlite")
    assert resumed == snapshot(straight)  # same scores and messages: a regrade reproduces them exactly
    assert sorted(row[0] for row in resumed) == sorted(kinds)  # one row per student, none twice
    by_student = {row[0]: row for row in resumed}
    for sid, kind in kinds.items():
        status, score, max_score = by_student[sid][3:6]
        assert status == gb.GRADED
        assert (score == max_score) == (kind == "correct") and (score == 0) == (kind == "unstarted"), (sid, kind)
    assert "0 to grade" in run_batch(subs, straight)


def test_broken_submissions_only_break_their_own_row(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copytree(make_submission(tmp_path / "x", UNIT), subs / "good")
    slow = make_submission(tmp_path / "y", UNIT)
    for module in ("activations", "tensors", "perceptron", "network"):
        path = slow / f"{module}.py"
        path.write_text("import time\ntime.sleep(9)\n" + path.read_text())
    shutil.copytree(slow, subs / "slow")
    (subs / "empty").mkdir()
    (subs / "empty" / "notes.txt").write_text("nothing here")
    with zipfile.ZipFile(subs / "escape.zip", "w") as zf:
        zf.writestr("../../evil.py", "x = 1")
    (subs / "garbage.zip").write_bytes(b"not a zip at all")
    expected = {"good": gb.GRADED, "slow": gb.TIMEOUT, "empty": gb.INVALID, "escape": gb.INVALID,
                "garbage": gb.INVALID}
    for sid, status in (("killer", gb.CRASHED), ("buggy", gb.ERROR)):  # see tests/crash_grader.py
        shutil.copytree(subs / "good", subs / sid)
        expected[sid] = status
    out = run_batch(subs, tmp_path / "g.sqlite", "--timeout", "15", main="tests.crash_grader")
    with gb.Gradebook(tmp_path / "g.sqlite") as book:
        got = {s.student_id: s for s in book.current(UNIT)}
        assert {sid: s.status for sid, s in got.items()} == expected, out
        assert got["good"].score == got["good"].max_score > 0
        assert "unsafe path" in got["escape"].output and "not a readable zip" in got["garbage"].output
        assert "a bug in the grader" in got["buggy"].output
        isolation = got["good"].isolation
        assert isolation and all(s.isolation == isolation for s in got.values())
    for sid in expected:
        if expected[sid] != gb.GRADED:
            assert sid in out  # reported as it happened


def test_safe_extract_refuses_links_and_bombs(tmp_path, monkeypatch):
    link = zipfile.ZipInfo("tensors.py")
    link.external_attr = 0o120777 << 16
    with zipfile.ZipFile(tmp_path / "link.zip", "w") as zf:
        zf.writestr(link, "/etc/passwd")
    with pytest.raises(SubmissionError, match="symbolic link"):
        batch.safe_extract(tmp_path / "link.zip", tmp_path / "out1")
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("tensors.py", b"\0" * (batch.MAX_ZIP_MEMBER_BYTES + 1))
    with pytest.raises(SubmissionError, match="too large"):
        batch.safe_extract(tmp_path / "bomb.zip", tmp_path / "out2")
    with zipfile.ZipFile(tmp_path / "abs.zip", "w") as zf:
        zf.writestr("/abs.py", "x = 1")
    with pytest.raises(SubmissionError, match="unsafe path"):
        batch.safe_extract(tmp_path / "abs.zip", tmp_path / "out3")


def test_entries_hash_and_nested_folders(tmp_path):
    subs = tmp_path / "subs"
    (subs / "alice" / UNIT).mkdir(parents=True)
    (subs / "alice" / UNIT / "tensors.py").write_text("x = 1\n")
    (subs / ".hidden").mkdir()
    classroom.zip_folder(subs / "alice", subs / "bob.zip")
    entries = dict(batch.list_entries(subs))
    assert sorted(entries) == ["alice", "bob"]
    assert batch.load_submission(entries["alice"], tmp_path, ["tensors"]) == subs / "alice" / UNIT
    assert batch.load_submission(entries["bob"], tmp_path / "w", ["tensors"]).name == UNIT
    first = batch.content_hash(entries["alice"])
    (subs / "alice" / UNIT / "tensors.py").write_text("x = 2\n")
    assert batch.content_hash(entries["alice"]) != first
    (subs / "alice.zip").write_bytes(b"")
    with pytest.raises(SubmissionError, match="two submissions"):
        batch.list_entries(subs)
