"""The instructor's grading day: overrides kept across regrades and shown in every export, late
penalties from recorded submission times (never mtimes), one student's view, one student regraded."""
import csv
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from autograder import batch, gradebook as gb, late
from autograder.cli import main
from autograder.report import CheckResult, Report
from autograder.suite import load_suite

from .support import ROOT, make_submission

UNIT = "unit01_foundations"


def results(lose: int):
    return [CheckResult(c.name, str(i + 1), c.exercise, 0.0 if i < lose else c.points, c.points,
                        "wrong" if i < lose else "passed", c.visibility, [], 0.01)
            for i, c in enumerate(load_suite(UNIT).checks)]


@pytest.fixture
def book_path(tmp_path):
    """alice full marks on time, bob loses the first check and is 30 h late, dan has no time, carol invalid."""
    path = tmp_path / "g.sqlite"
    with gb.Gradebook(path) as book:
        for sid, lose, when in (("alice", 0, "2026-03-01T10:00:00+00:00"), ("bob", 1, "2026-03-02T18:00:00+00:00"),
                                ("dan", 0, "")):
            book.record(sid, UNIT, f"hash-{sid}", when, None, gb.GRADED, Report(UNIT, sid, "bubblewrap", results(lose)))
        book.record("carol", UNIT, "hash-carol", "", None, gb.INVALID, max_score=load_suite(UNIT).max_score,
                    output="carol.zip is not a readable zip file")
    return path


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_penalty_policy():
    policy = late.Policy("2026-03-01T12:00:00+00:00", grace_minutes=30, per_day=10, zero_after=3,
                         extensions={"erin": "2026-03-03T12:00:00+00:00"})
    assert late.penalty(policy, "x", "2026-03-01T12:29:00Z", 50).points == 0  # within the grace
    one = late.penalty(policy, "x", "2026-03-01T12:31:00+00:00", 50)
    assert one.points == 5 and "1 day(s) late x 10 % = 10 % off" in one.reason
    assert late.penalty(policy, "x", "2026-03-03 13:00:00.123 UTC", 50).points == 15  # nbgrader's format
    zero = late.penalty(policy, "x", "2026-03-05T13:00:00+00:00", 50)
    assert zero.points == 50 and "score 0" in zero.reason
    assert late.penalty(policy, "erin", "2026-03-03T12:00:00+00:00", 50).points == 0  # her extension
    assert late.penalty(policy, "x", "2026-03-01T14:00:00+02:00", 50).points == 0  # zones count
    none = late.penalty(policy, "x", "", 50)
    assert none.points == 0 and none.reason == late.NO_TIME
    assert late.penalty(None, "x", "2026-09-01T00:00:00Z", 50).points == 0


def test_submission_times_come_from_the_submission_system_never_mtime(tmp_path):
    gs = tmp_path / "gs"
    gs.mkdir()
    (gs / "submission_metadata.json").write_text(json.dumps({"created_at": "2026-03-01T23:59:59.5-05:00"}))
    nb = tmp_path / "nb" / UNIT
    nb.mkdir(parents=True)
    (nb / "timestamp.txt").write_text("2026-03-02 08:00:00.000000 UTC")
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "tensors.py").write_text("x = 1")
    assert batch.submitted_at(gs) == ("2026-03-01T23:59:59-05:00", "")
    assert batch.submitted_at(tmp_path / "nb") == ("2026-03-02T08:00:00+00:00", "")
    assert batch.submitted_at(bare) == ("", "")  # no mtime
    times = tmp_path / "times.csv"
    times.write_text("student_id,submitted_at\nbare,2026-03-01T09:00:00Z\n")
    assert batch.submitted_at(bare, late.read_submitted_at(times), "bare") == ("2026-03-01T09:00:00+00:00", "")


def test_an_unreadable_timestamp_is_named_and_every_export_says_the_time_is_unknown(book_path, tmp_path):
    """``timestamp.txt`` saying "March 5th 2026, 10am" gave no penalty, and the note claimed there
    was no timestamp.txt at all."""
    entry = tmp_path / "ann" / UNIT
    entry.mkdir(parents=True)
    (entry / "timestamp.txt").write_text("March 5th 2026, 10am")
    when, problem = batch.submitted_at(tmp_path / "ann")
    assert when == "" and f"ann/{UNIT}/timestamp.txt reads 'March 5th 2026, 10am', not a time" in problem
    assert "ISO 8601" in problem and "UTC" in problem
    with gb.Gradebook(book_path) as g:
        g.record("ann", UNIT, "hash-ann", when, None, gb.GRADED, Report(UNIT, "ann", "bubblewrap", results(0)),
                 time_problem=problem)
    assert main(["late", str(book_path), "--unit", UNIT, "--due", "2026-03-01T12:00:00Z", "--per-day", "10"]) == 0
    out = tmp_path / "out"
    assert main(["export", str(book_path), str(out), "--format", "nbgrader", "gradescope"]) == 0
    ann = {r["student_id"]: r for r in read(out / "nbgrader_grades.csv")}["ann"]
    assert "submission time unknown: ann/" in ann["adjustments"] and "no submission_metadata" not in ann["adjustments"]
    gs = json.loads((out / UNIT / "gradescope" / "ann" / "results.json").read_text())
    assert "submission time unknown" in gs["output"] and "March 5th" in gs["extra_data"]["late_reason"]
    with gb.Gradebook(book_path) as g:  # a fixed file read at the next batch clears the problem
        assert g.set_submitted_at("ann", UNIT, "hash-ann", "2026-03-02T18:00:00+00:00")
        sub = next(s for s in g.current(UNIT) if s.student_id == "ann")
        assert sub.time_problem == "" and "2 day(s) late" in g.grade(sub).late_reason


def test_overrides_and_late_penalties_in_every_export(book_path, tmp_path, capsys):
    top = load_suite(UNIT).max_score
    first = load_suite(UNIT).checks[0]
    assert main(["late", str(book_path), "--unit", UNIT, "--due", "2026-03-01T12:00:00Z", "--per-day", "10"]) == 0
    assert main(["override", str(book_path), "bob", "--unit", UNIT, "--check", first.name,
                 "--score", f"{first.points:g}", "--comment", "right answer, wrong dtype"]) == 0
    assert main(["override", str(book_path), "carol", "--unit", UNIT, "--score", "7",
                 "--comment", "graded by hand from the email"]) == 0
    assert main(["override", str(book_path), "bob", "--unit", UNIT, "--check", "nope", "--score", "1",
                 "--comment", "x"]) == 2
    assert main(["override", str(book_path), "bob", "--unit", UNIT, "--score", "1"]) == 2  # no comment
    out = tmp_path / "out"
    assert main(["export", str(book_path), str(out)]) == 0
    bob_final = round(top - 0.2 * top, 6)  # full after the override, 30 h late: 2 days x 10 %
    bob_raw = top - first.points  # what the checks gave: before the override and the penalty, in every format

    nb = {r["student_id"]: r for r in read(out / "nbgrader_grades.csv")}
    assert float(nb["bob"]["raw_score"]) == bob_raw and float(nb["bob"]["late_submission_penalty"]) == pytest.approx(0.2 * top)
    assert float(nb["bob"]["score"]) == pytest.approx(bob_final)
    assert "right answer, wrong dtype" in nb["bob"]["adjustments"] and "2 day(s) late" in nb["bob"]["adjustments"]
    assert nb["bob"]["duedate"] == "2026-03-01T12:00:00+00:00"
    assert float(nb["alice"]["score"]) == top and nb["alice"]["late_submission_penalty"] == "0"
    assert nb["alice"]["adjustments"].startswith("late: none (on time") and ": -0 " not in nb["alice"]["adjustments"]
    assert nb["bob"]["adjustments"].startswith(f"override of check {first.name}: {first.points:g} (right answer")
    assert float(nb["dan"]["late_submission_penalty"]) == 0 and "no submission time" in nb["dan"]["adjustments"]
    assert nb["carol"]["score"] == "7" and "graded by hand" in nb["carol"]["adjustments"]

    gs = json.loads((out / UNIT / "gradescope" / "bob" / "results.json").read_text())
    assert gs["score"] == pytest.approx(bob_final) and "Late penalty" in gs["output"]
    assert gs["output"].count("Late penalty") == 1
    carol = json.loads((out / UNIT / "gradescope" / "carol" / "results.json").read_text())
    assert carol["score"] == 7 and "graded by hand" in carol["output"] and "not gradable" in carol["output"]
    assert gs["extra_data"]["late_penalty"] == pytest.approx(0.2 * top) and gs["extra_data"]["raw_score"] == bob_raw
    assert f"Instructor override of check {first.name}: {first.points:g} (right answer" in gs["output"]
    alice = json.loads((out / UNIT / "gradescope" / "alice" / "results.json").read_text())
    assert "Late penalty: none (on time" in alice["output"] and ": -0 " not in alice["output"]
    test = next(t for t in gs["tests"] if t["name"].endswith(first.name))
    assert test["score"] == first.points and "right answer, wrong dtype" in test["output"]

    otter = {r["file"]: r for r in read(out / UNIT / "final_grades.csv")}
    assert float(otter["bob"][first.name]) == first.points
    assert float(otter["bob"]["total_points_earned"]) == pytest.approx(bob_final)
    assert float(otter["bob"]["late_penalty"]) == pytest.approx(0.2 * top) and float(otter["bob"]["raw_score"]) == bob_raw

    canvas = {r["Student"]: r for r in read(out / "canvas_import.csv")}
    assert float(canvas["bob"][UNIT]) == pytest.approx(bob_final) and canvas["carol"][UNIT] == "7"
    adjustments = read(out / "adjustments.csv")
    assert {(r["student_id"], r["kind"]) for r in adjustments} >= {("bob", "override"), ("bob", "late"),
                                                                   ("carol", "override"), ("dan", "late")}
    assert {r["points"] for r in adjustments if r["student_id"] == "alice"} == {"0"}
    summary = json.loads((out / UNIT / "summary.json").read_text())
    assert any(a["student_id"] == "bob" and a["kind"] == "late" for a in summary["adjustments"])
    assert summary["mean_score"] == pytest.approx((top + bob_raw + top) / 3)  # alice, bob, dan: raw
    assert summary["mean_final_score"] == pytest.approx((top + bob_final + top + 7) / 4)  # and carol's total

    capsys.readouterr()
    assert main(["show", str(book_path), "bob"]) == 0
    shown = capsys.readouterr().out
    assert "right answer, wrong dtype" in shown and "late penalty: -" in shown and f"final: {bob_final:g}" in shown
    assert main(["show", str(book_path), "alice"]) == 0
    assert "late penalty: none (on time" in capsys.readouterr().out
    assert main(["show", str(book_path), "nobody"]) == 2
    page = tmp_path / "bob.html"
    assert main(["show", str(book_path), "bob", "--unit", UNIT, "--html", str(page)]) == 0
    text = page.read_text()
    assert "right answer, wrong dtype" in text and "Late penalty" in text and f"Final score: {bob_final:g}" in text


def test_an_override_for_an_unknown_student_is_refused_unless_new(book_path, capsys):
    argv = ["override", str(book_path), "alise", "--unit", UNIT, "--score", "5", "--comment", "oral exam"]
    assert main(argv) == 2
    assert "no student 'alise' (did you mean alice?)" in capsys.readouterr().err
    with gb.Gradebook(book_path) as g:
        assert g.overrides("alise", UNIT) == []
    assert main(argv + ["--new-student"]) == 0
    assert main(argv) == 0  # known now
    with gb.Gradebook(book_path) as g:
        assert [o.score for o in g.overrides("alise", UNIT)] == [5.0]


def test_regrade_one_student_keeps_overrides(tmp_path):
    """``batch --only``: one student graded again into the gradebook; their override survives."""
    subs = tmp_path / "subs"
    subs.mkdir()
    for sid in ("ann", "ben"):
        shutil.copytree(make_submission(tmp_path / sid, UNIT, base="assignments"), subs / sid)
    (subs / "ann" / "submission_metadata.json").write_text('{"created_at": "2026-03-01T10:00:00Z"}')
    book = tmp_path / "g.sqlite"
    env = {**os.environ, "DEEPGRADE_SALT": "instructor-test-salt"}
    argv = [sys.executable, "-m", "autograder.cli", "batch", str(subs), "--unit", UNIT, "--workers", "1",
            "--gradebook", str(book), "--no-progress", "--no-sandbox", "--only", "ann"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "ann" in done.stdout and "grades" in done.stdout  # the per-student table, on stdout (`batch > log`)
    with gb.Gradebook(book) as g:
        assert [s.student_id for s in g.current(UNIT)] == ["ann"]
        assert g.current(UNIT)[0].submitted_at == "2026-03-01T10:00:00+00:00"
        g.set_override("ann", UNIT, "", 3.0, "oral exam")
        first_run = g.current(UNIT)[0].run_id
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "1 to grade" in done.stderr  # graded again although unchanged
    with gb.Gradebook(book) as g:
        sub = g.current(UNIT)[0]
        assert sub.run_id != first_run and g.grade(sub).final == 3.0 and g.grade(sub).raw == 0.0
    bad = subprocess.run(argv[:-1] + ["zed"], env=env, capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert bad.returncode == 2 and "no submission for zed" in bad.stderr


def test_times_from_the_csv_are_recorded_for_submissions_already_graded(tmp_path):
    """The README's order: batch, then ``late``, then batch with ``--submitted-at``: nothing is graded
    again, yet every time is recorded (and the penalty applies); a CSV row for nobody is reported."""
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copytree(make_submission(tmp_path / "ann", UNIT, base="assignments"), subs / "ann")
    book = tmp_path / "g.sqlite"
    env = {**os.environ, "DEEPGRADE_SALT": "instructor-test-salt"}
    argv = [sys.executable, "-m", "autograder.cli", "batch", str(subs), "--unit", UNIT, "--workers", "1",
            "--gradebook", str(book), "--no-progress", "--no-sandbox"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert done.returncode == 0 and "0 of 1 submission time(s) recorded" in " ".join(done.stderr.split())
    assert main(["late", str(book), "--unit", UNIT, "--due", "2026-03-01T12:00:00Z", "--per-day", "10"]) == 0
    times = tmp_path / "times.csv"
    times.write_text("student_id,submitted_at\nann,2026-03-02T18:00:00Z\nanne,2026-03-01T09:00:00Z\n")
    done = subprocess.run(argv + ["--submitted-at", str(times)], env=env, capture_output=True, text=True,
                          timeout=240, cwd=ROOT)
    said = " ".join(done.stderr.split())  # rich wraps long lines
    assert done.returncode == 0, done.stderr
    assert "0 to grade, 1 up to date; 1 of 1 submission time(s) recorded" in said
    assert "no submission for anne" in said
    with gb.Gradebook(book) as g:
        sub = g.current(UNIT)[0]
        assert sub.submitted_at == "2026-03-02T18:00:00+00:00" and "2 day(s) late" in g.grade(sub).late_reason


def test_an_unknown_unit_is_named_by_every_gradebook_command(book_path, tmp_path, capsys):
    """``--unit unit99`` names the unknown unit and the known ones (the course's and the gradebook's)
    and changes nothing; it used to say the student had no submission, or set an override, a late
    policy or empty exports for unit99."""
    with gb.Gradebook(book_path) as g:
        g.record("eve", "unit00_retired", "h-eve", "", None, gb.INVALID, max_score=5, output="graded last year")
    book, fresh, out = str(book_path), tmp_path / "new.sqlite", tmp_path / "out"
    capsys.readouterr()
    for argv in (["show", book, "alice"], ["override", book, "alice", "--score", "1", "--comment", "x"],
                 ["override", book, "alice", "--clear"], ["late", book, "--due", "2026-03-01"],
                 ["late", str(fresh), "--due", "2026-03-01"], ["export", book, str(out)], ["remove", book, "alice"]):
        assert main(argv + ["--unit", "unit99"]) == 2, argv
        err = capsys.readouterr().err
        assert "unknown unit 'unit99'; known units: " in err, (argv, err)
        assert ("unit00_retired, unit01_foundations," in err) == (argv[1] == book), (argv, err)
    with gb.Gradebook(book_path) as g:
        assert g.overrides("alice", "unit99") == [] and g.policy("unit99") is None and len(g.current(UNIT)) == 4
    assert not fresh.exists() and not out.exists()
    assert main(["show", book, "eve", "--unit", "unit00_retired"]) == 0  # a unit only the gradebook holds
    assert "graded last year" in capsys.readouterr().out
    assert main(["show", book, "eve", "--unit", UNIT]) == 2 and "(only of unit00_retired)" in capsys.readouterr().err
    assert main(["show", book, "alise"]) == 2 and "(did you mean alice?)" in capsys.readouterr().err


def test_show_gives_a_submission_that_was_not_graded_its_status_and_why_never_a_score(book_path, tmp_path, capsys):
    """A timed-out submission showed "graded score: 0 / 56" above "final: none (not gradable)", and
    its page "Score: 0 / 0"; with an override of the total, the override is its score."""
    top = load_suite(UNIT).max_score
    with gb.Gradebook(book_path) as g:
        g.record("tim", UNIT, "hash-tim", "2026-03-02T18:00:00Z", None, gb.TIMEOUT, max_score=top,
                 output="grading stopped: the submission ran past the batch's limit of 15 s")
    assert main(["late", str(book_path), "--unit", UNIT, "--due", "2026-03-01T12:00:00Z", "--per-day", "10"]) == 0
    assert main(["override", str(book_path), "carol", "--unit", UNIT, "--score", "7", "--comment", "by hand"]) == 0
    capsys.readouterr()
    page = tmp_path / "tim.html"
    assert main(["show", str(book_path), "tim", "--html", str(page)]) == 0
    shown = " ".join(capsys.readouterr().out.split())  # rich wraps long lines
    assert "not graded (timeout): grading stopped: the submission ran past the batch's limit of 15 s" in shown
    assert "final: none (not gradable" in shown and "score" not in shown and "late penalty" not in shown, shown
    text = page.read_text()
    assert "not gradable (timeout): grading stopped" in text and "Score:" not in text and "By exercise" not in text
    assert main(["show", str(book_path), "carol"]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "not graded (invalid): carol.zip is not a readable zip file" in shown and "graded score" not in shown
    assert "override: the total set to 7" in shown and f"final: 7 / {top:g}" in shown


def test_an_override_of_the_total_stays_within_0_and_the_units_points_unless_extra_credit(book_path, capsys):
    """``--score 500`` gave 500/56, and ``--score -10`` on a late student a final of -6: the
    penalty added points."""
    top = load_suite(UNIT).max_score
    assert main(["late", str(book_path), "--unit", UNIT, "--due", "2026-03-01T12:00:00Z", "--per-day", "10"]) == 0
    argv = ["override", str(book_path), "bob", "--unit", UNIT, "--comment", "oral exam", "--score"]
    capsys.readouterr()
    assert main(argv + ["-10"]) == 2 and "--score must be a number, 0 or more" in capsys.readouterr().err
    assert main(argv + ["500"]) == 2 and "needs --extra-credit" in capsys.readouterr().err
    with gb.Gradebook(book_path) as g:
        assert g.overrides("bob", UNIT) == []
        g.set_override("bob", UNIT, "", -10, "written by an older version")
        assert g.grade(g.current(UNIT)[1]).penalty == 0 and g.grade(g.current(UNIT)[1]).final == -10
    assert main(argv + [str(top + 4), "--extra-credit"]) == 0
    with gb.Gradebook(book_path) as g:
        grade = g.grade(next(s for s in g.current(UNIT) if s.student_id == "bob"))
        assert grade.score == top + 4 and grade.final == pytest.approx(0.8 * (top + 4))  # 2 days late


def test_late_again_changes_only_the_options_given_and_says_what_changed(book_path, tmp_path, capsys):
    """``late --due NEW`` dropped the grace, the % per day, the zero-after and the extensions."""
    extensions = tmp_path / "ext.csv"
    extensions.write_text("student_id,days\nbob,2\n")
    argv = ["late", str(book_path), "--unit", UNIT]
    assert main(argv + ["--per-day", "10"]) == 2 and "no late policy yet: give --due" in capsys.readouterr().err
    assert main(argv + ["--due", "2026-03-01T12:00:00Z", "--grace", "15", "--per-day", "10", "--zero-after", "5",
                        "--extensions", str(extensions)]) == 0
    capsys.readouterr()
    assert main(argv + ["--due", "2026-03-02T12:00:00Z"]) == 0
    said = capsys.readouterr().out
    assert "due: 2026-03-01T12:00:00+00:00 -> 2026-03-02T12:00:00+00:00" in said and "per day:" not in said
    assert "1 extension(s) kept their due dates" in said
    with gb.Gradebook(book_path) as g:
        policy = g.policy(UNIT)
    assert (policy.grace_minutes, policy.per_day, policy.zero_after) == (15, 10, 5)
    assert policy.extensions == {"bob": "2026-03-03T12:00:00+00:00"}
    assert main(argv + ["--zero-after", "none", "--per-day", "5", "--extensions", "none"]) == 0
    said = capsys.readouterr().out
    assert "per day: 10 % -> 5 %" in said and "0 after: 5 day(s) -> never" in said and "extensions: 1 -> 0" in said
    with gb.Gradebook(book_path) as g:
        policy = g.policy(UNIT)
    assert (policy.due, policy.grace_minutes, policy.zero_after, policy.extensions) == (
        "2026-03-02T12:00:00+00:00", 15, None, {})


@pytest.mark.parametrize("argv, said", [
    (["late", "G", "--unit", UNIT, "--per-day", "500"], "argument --per-day: 500 is not a number, 0 to 100"),
    (["late", "G", "--unit", UNIT, "--grace", "-1"], "argument --grace: -1 is not a number, 0 or more"),
    (["batch", "S", "--unit", UNIT, "--timeout", "-5"], "argument --timeout: -5 is not a number, more than 0"),
    (["batch", "S", "--unit", UNIT, "--timeout", "nan"], "argument --timeout: nan is not a number, more than 0"),
    (["batch", "S", "--unit", UNIT, "--workers", "-1"], "argument --workers: -1 is not a whole number, 1 or more"),
    (["batch", "S", "--unit", UNIT, "--workers", "0"], "argument --workers: 0 is not a whole number, 1 or more"),
])
def test_bad_numbers_are_usage_errors_on_one_line(argv, said, capsys):
    """``batch --timeout -5`` recorded every student as "internal grader error: PicklingError"."""
    with pytest.raises(SystemExit) as exit:
        main(argv)
    err = capsys.readouterr().err
    assert exit.value.code == 2 and said in err and len(err.strip().splitlines()) == 1, err


def test_a_bad_row_of_a_csv_is_named_by_file_line_and_student(tmp_path):
    """An extensions CSV with a date in its days column said only "could not convert string to float"."""
    extensions = tmp_path / "ext.csv"
    extensions.write_text("student_id,days\nann,2\nbob,2026-03-05T12:00:00Z\n")
    with pytest.raises(ValueError, match=rf"^{re.escape(str(extensions))}, line 3 \(bob\): days must be a number of days, "
                                         r"not '2026-03-05T12:00:00Z'"):
        late.read_extensions(extensions, "2026-03-01T12:00:00Z")
    extensions.write_text("student_id,due\nann,March 5th\n")
    with pytest.raises(ValueError, match=rf"^{re.escape(str(extensions))}, line 2 \(ann\): cannot read 'March 5th' as a time"):
        late.read_extensions(extensions, "2026-03-01T12:00:00Z")
    times = tmp_path / "times.csv"
    times.write_text("student_id,submitted_at\nann,2026-03-01T09:00:00Z\ncyd,yesterday\n")
    with pytest.raises(ValueError, match=rf"^{re.escape(str(times))}, line 3 \(cyd\): cannot read 'yesterday' as a time"):
        late.read_submitted_at(times)
