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

from autograder import batch, gradebook as gb, submission
from autograder.cli import main
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
    if not wait:  # Ctrl-C as in a terminal: an xdist worker ignores SIGINT, and its children would inherit that
        return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True, cwd=ROOT,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
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
    shutil.copytree(subs / "good", subs / "erin")  # two entries for one student: only erin's row says so
    classroom.zip_folder(subs / "good", subs / "erin.zip")
    (subs / "__MACOSX").mkdir()
    (subs / "._good.zip").write_bytes(b"\0\5\26\7")
    expected = {"good": gb.GRADED, "slow": gb.TIMEOUT, "empty": gb.INVALID, "escape": gb.INVALID,
                "garbage": gb.INVALID, "erin": gb.INVALID}
    for sid, status in (("killer", gb.CRASHED), ("buggy", gb.ERROR)):  # see tests/crash_grader.py
        shutil.copytree(subs / "good", subs / sid)
        expected[sid] = status
    # slow's first import alone (9 s) runs past the limit; good alone grades in 1.2 s (load 1.5)
    out = run_batch(subs, tmp_path / "g.sqlite", "--timeout", "8", main="tests.crash_grader")
    with gb.Gradebook(tmp_path / "g.sqlite") as book:
        got = {s.student_id: s for s in book.current(UNIT)}
        assert {sid: s.status for sid, s in got.items()} == expected, out
        assert got["good"].score == got["good"].max_score > 0
        assert "unsafe path" in got["escape"].output and "not a readable zip" in got["garbage"].output
        assert "two submissions for student erin (erin/ and erin.zip)" in got["erin"].output
        assert "a bug in the grader" in got["buggy"].output
        isolation = got["good"].isolation
        assert isolation and all(s.isolation == isolation for s in got.values())
    for sid in expected:
        if expected[sid] != gb.GRADED:
            assert sid in out  # reported as it happened


def test_unsafe_zips_are_refused_by_the_shared_intake(tmp_path):
    link = zipfile.ZipInfo("tensors.py")
    link.external_attr = 0o120777 << 16
    with zipfile.ZipFile(tmp_path / "link.zip", "w") as zf:
        zf.writestr(link, "/etc/passwd")
    with pytest.raises(SubmissionError, match="symbolic link"):
        submission.intake(tmp_path / "link.zip", UNIT)
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("tensors.py", b"\0" * (submission.MAX_FILE_BYTES + 1))
    with pytest.raises(SubmissionError, match="more than the 1 MiB allowed"):
        submission.intake(tmp_path / "bomb.zip", UNIT)
    for name in ("/abs.py", "..\\..\\tensors.py", "C:\\Users\\tensors.py"):
        with zipfile.ZipFile(tmp_path / "abs.zip", "w") as zf:
            zf.writestr(name, "x = 1")
        with pytest.raises(SubmissionError, match="unsafe path"):
            submission.intake(tmp_path / "abs.zip", UNIT)


def test_entries_hash_nested_folders_and_conflicts(tmp_path):
    subs = tmp_path / "subs"
    (subs / "alice" / UNIT).mkdir(parents=True)
    (subs / "alice" / UNIT / "tensors.py").write_text("x = 1\n")
    (subs / ".hidden").mkdir()
    (subs / "Thumbs.db").write_bytes(b"x")
    classroom.zip_folder(subs / "alice", subs / "bob.zip")
    entries = dict(batch.list_entries(subs, UNIT))
    assert sorted(entries) == ["alice", "bob"]
    assert submission.intake(entries["alice"], UNIT).source == f"{UNIT}/"
    assert submission.intake(entries["bob"], UNIT).files["tensors.py"] == "x = 1\n"
    first = batch.content_hash(entries["alice"])
    (subs / "alice" / UNIT / "tensors.py").write_text("x = 2\n")
    assert batch.content_hash(entries["alice"]) != first
    (subs / "alice.zip").write_bytes(b"")
    found = batch.scan(subs, UNIT)
    assert [sid for sid, _ in found.entries] == ["bob"] and list(found.conflicts) == ["alice"]


@pytest.mark.parametrize("inside", [f"{UNIT}.ipynb", "tensors.py", f"{UNIT}/tensors.py"])
def test_one_students_folder_is_refused_with_a_hint(inside, tmp_path, capsys):
    folder = tmp_path / "alice"
    (folder / inside).parent.mkdir(parents=True, exist_ok=True)
    (folder / inside).write_text("{}")
    book = tmp_path / "g.sqlite"
    assert main(["batch", str(folder), "--unit", UNIT, "--no-sandbox", "--gradebook", str(book)]) == 2
    err = capsys.readouterr().err
    assert "looks like one student's submission, not a class folder" in err and "autograder grade" in err
    assert err.count("\n") == 1  # the one error, no "ignoring tensors.py" before it
    assert not book.exists()


@pytest.mark.parametrize("unit", [UNIT, "unit02_regression"])
def test_a_unit_folder_is_refused_with_one_line_naming_its_unit(unit, tmp_path, capsys):
    """A unit's folder (modules, ``__init__.py``, data, the notebook), even another unit's, is one
    student's work: one error whose hint grades it as the unit it is."""
    folder = shutil.copytree(ROOT / "reference" / unit, tmp_path / unit, ignore=shutil.ignore_patterns("__pycache__"))
    book = tmp_path / "g.sqlite"
    assert main(["batch", str(folder), "--unit", UNIT, "--no-sandbox", "--gradebook", str(book)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "looks like one student's submission" in err, err
    assert f"autograder grade {folder} --unit {unit}`" in err and not book.exists()



def test_grade_refuses_a_class_folder_and_grades_a_students_folder_with_a_copy_inside(tmp_path, capsys):
    """The converse mistake: ``grade`` on a class folder graded whichever student the intake preferred
    (s001.zip here, its modules in a folder named after the unit) and printed a score for the class."""
    klass = tmp_path / "klass"
    classroom.build(klass, UNIT, 3, zipped_every=2)
    options = ["--unit", UNIT, "--no-sandbox", "--only", "activations.sigmoid"]
    assert main(["grade", str(klass), *options]) == 2
    err = capsys.readouterr().err
    assert "klass holds more than one submission (s000/, s001.zip, ...)" in err and "autograder batch" in err, err
    alice = make_submission(tmp_path / "x", UNIT).rename(tmp_path / "alice")  # her work, a copy in backup/, a zip
    shutil.copytree(alice, alice / "backup", ignore=shutil.ignore_patterns("backup"))
    classroom.zip_folder(alice / "backup", alice / f"{UNIT}.zip")
    assert main(["grade", str(alice), *options]) == 0


def test_remove_a_student_from_the_gradebook(tmp_path, capsys):
    book = tmp_path / "g.sqlite"
    with gb.Gradebook(book) as g:
        for sid in ("alice", "unit01_foundations"):
            g.record(sid, UNIT, f"h-{sid}", "t", None, gb.INVALID, max_score=51, output="x")
    assert main(["remove", str(book), "unit01_foundations"]) == 0
    assert "removed 1 submission(s) of unit01_foundations" in capsys.readouterr().out
    with gb.Gradebook(book) as g:
        assert [s.student_id for s in g.current(UNIT)] == ["alice"]
        assert g.db.execute("SELECT COUNT(*) FROM students WHERE id = 'unit01_foundations'").fetchone()[0] == 0


def test_a_batch_leaves_nothing_in_the_temp_folder(klass, tmp_path):
    """Each grader process's zygote and ready worker run from a copy of the worker's files in the
    temp folder: gone when the batch ends (every run left one folder per grader process)."""
    subs, _ = klass
    temp = tmp_path / "temp"
    temp.mkdir()
    run_batch(subs, tmp_path / "g.sqlite", "--only", *sorted(os.listdir(subs))[:2], env={"TMPDIR": str(temp)})
    assert sorted(os.listdir(temp)) == []


def test_ctrl_c_says_what_was_recorded_in_one_line_and_a_rerun_grades_the_rest(klass, tmp_path):
    """Ctrl-C (SIGINT to the terminal's process group) printed a KeyboardInterrupt traceback."""
    subs, kinds = tmp_path / "class", klass[1]
    shutil.copytree(klass[0], subs)
    slow = make_submission(tmp_path / "slow", UNIT)  # still grading when the interrupt comes, however fast the rest
    (slow / "activations.py").write_text("import time\ntime.sleep(60)\n" + (slow / "activations.py").read_text())
    shutil.copytree(slow, subs / "aaa_slow")
    book = tmp_path / "g.sqlite"
    proc = run_batch(subs, book, wait=False)
    try:
        deadline = time.monotonic() + 180
        while committed(book) < 1 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends every process of the command
        out, _ = proc.communicate(timeout=60)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    before = committed(book)
    shutil.rmtree(subs / "aaa_slow")  # the rerun grades the class's rest
    assert proc.returncode == 130 and "Traceback" not in out and "KeyboardInterrupt" not in out, out
    assert f"autograder batch: interrupted; {before} submission(s) recorded in {book}; run the same command " \
           "again to grade the rest" in " ".join(out.split())
    assert f"{len(kinds) - before} to grade, {before} up to date" in run_batch(subs, book)


def test_ctrl_c_in_grade_is_one_line(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(submission, "grade", interrupted)
    entry = make_submission(tmp_path / "ann", UNIT, base="assignments")
    assert main(["grade", str(entry), "--unit", UNIT, *NO_SANDBOX]) == 130
    assert capsys.readouterr().err == "autograder grade: interrupted; nothing was written\n"
