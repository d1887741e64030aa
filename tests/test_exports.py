"""Exports parse in their target formats, with the right headers and numbers."""
import csv
import html
import json
import os
import subprocess
import sys

import pytest

from autograder import exports, gradebook as gb
from autograder.cli import main
from autograder.report import CheckResult, Report
from autograder.suite import load_suite

from .support import ROOT

UNIT = "unit01_foundations"


@pytest.fixture
def book_path(tmp_path):
    """A gradebook with a full, a partial and a broken submission (no grading needed)."""
    checks = load_suite(UNIT).checks
    path = tmp_path / "g.sqlite"
    with gb.Gradebook(path) as book:
        run = book.start_run(UNIT, 2, "bubblewrap", "test")
        for sid, lose in (("alice", 0), ("bob", 3)):
            results = [CheckResult(c.name, str(i + 1), c.exercise, 0.0 if i < lose else c.points, c.points,
                                   "wrong" if i < lose else "passed", c.visibility, [], 0.01 * (i + 1))
                       for i, c in enumerate(checks)]
            book.record(sid, UNIT, f"hash-{sid}", "2026-03-01T12:00:00+0000", run, gb.GRADED,
                        Report(UNIT, sid, "bubblewrap", results, 1.0, 10, 1))
        book.record("carol", UNIT, "hash-carol", "2026-03-02T12:00:00+0000", run, gb.INVALID,
                    max_score=load_suite(UNIT).max_score, output="carol.zip is not a readable zip file",
                    isolation="bubblewrap")
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,first_name,last_name,email,canvas_id\nalice,Alice,Liddell,alice@x.org,101\n"
                      "carol,Zoë,Núñez,carol@x.org,103\n", encoding="utf-8")
    return path, roster


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_every_format(book_path, tmp_path):
    path, roster = book_path
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--roster", str(roster), "--duedate", "2026-03-01"]) == 0
    suite = load_suite(UNIT)
    top = suite.max_score

    nb = read(out / "nbgrader_grades.csv")
    assert nb[0] == ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                     "raw_score", "late_submission_penalty", "score", "max_score", "status", "adjustments"]
    rows = {r[3]: dict(zip(nb[0], r)) for r in nb[1:]}
    assert rows["alice"]["last_name"] == "Liddell" and float(rows["alice"]["score"]) == top
    assert rows["alice"]["status"] == "graded"
    # an unreadable upload is not a plain 0: no score, "not gradable" and the reason
    assert rows["carol"]["raw_score"] == rows["carol"]["score"] == "" and float(rows["carol"]["max_score"]) == top
    assert rows["carol"]["status"] == "not gradable (invalid): carol.zip is not a readable zip file"
    assert rows["carol"]["last_name"] == "Núñez"

    otter = read(out / UNIT / "final_grades.csv")
    names = [c.name for c in suite.checks]
    assert otter[0] == ["file", *names, "total_points_earned", "percent_correct", "grading_status", "raw_score",
                        "late_penalty", "adjustments"]
    assert otter[1][0] == "points-per-question" and [float(x) for x in otter[1][1:-6]] == [c.points for c in suite.checks]
    bob = dict(zip(otter[0], next(r for r in otter if r[0] == "bob")))
    lost = sum(c.points for c in suite.checks[:3])
    assert float(bob["total_points_earned"]) == top - lost and bob["grading_status"] == "completed"
    assert float(bob[names[0]]) == 0 and float(bob[names[-1]]) == suite.checks[-1].points

    canvas = read(out / "canvas_import.csv")
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", UNIT]
    assert canvas[1][0] == "Points Possible" and float(canvas[1][-1]) == top
    assert ["Liddell, Alice", "101", "alice"] == canvas[2][:3]
    assert canvas[4][0] == "Núñez, Zoë" and canvas[4][-1] == ""  # not gradable: left empty, never 0
    assert read(out / "not_gradable.csv") == [exports.NOT_GRADABLE_COLUMNS,
                                              [UNIT, "carol", "invalid", "carol.zip is not a readable zip file"]]
    carol = dict(zip(otter[0], next(r for r in otter if r[0] == "carol")))
    assert carol["total_points_earned"] == "" and carol["grading_status"].startswith("not gradable (invalid)")

    data = json.loads((out / UNIT / "gradescope" / "bob" / "results.json").read_text())
    assert data["score"] == top - lost and len(data["tests"]) == len(suite.checks)
    assert {"name", "number", "score", "max_score", "status", "output", "visibility"} <= set(data["tests"][0])
    broken = json.loads((out / UNIT / "gradescope" / "carol" / "results.json").read_text())
    assert broken["score"] == 0 and "not gradable (invalid): carol.zip is not a readable zip" in broken["output"]
    # Gradescope needs a number: the 0 says it is none
    assert broken["output"].startswith("No grade: this submission was not graded (invalid: carol.zip is not a")
    assert "only because Gradescope needs a number" in broken["output"] and broken["extra_data"]["gradable"] is False
    assert data["extra_data"]["gradable"] is True

    summary = read(out / UNIT / "check_summary.csv")
    assert summary[0] == exports.SUMMARY_COLUMNS
    first = dict(zip(summary[0], summary[1]))
    assert first["check"] == names[0] and float(first["pass_rate"]) == 0.5 and int(first["graded"]) == 2
    info = json.loads((out / UNIT / "summary.json").read_text())
    assert info["statuses"] == {"graded": 2, "invalid": 1} and info["slowest"][0] == names[-1]


def test_unknown_format_is_a_usage_error(book_path, tmp_path, capsys):
    assert main(["export", str(book_path[0]), str(tmp_path / "o"), "--format", "xlsx"]) == 2
    assert "unknown export format" in capsys.readouterr().err


def test_export_with_an_accented_roster_under_the_c_locale(book_path, tmp_path):
    """LC_ALL=C, no UTF-8 mode: the roster is read and the CSVs written as UTF-8 all the same."""
    path, roster = book_path
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env.update(LC_ALL="C", LANG="C", PYTHONUTF8="0", PYTHONPATH=str(ROOT))
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "export", str(path), str(out), "--roster",
                           str(roster), "--format", "canvas", "nbgrader"], env=env, capture_output=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert "Núñez, Zoë" in (out / "canvas_import.csv").read_text(encoding="utf-8")


def test_help_names_every_format_and_the_overrides_footnote_needs_a_starred_row(book_path, capsys):
    import io

    from rich.console import Console

    from autograder import views

    with pytest.raises(SystemExit):
        main(["export", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert all(name in said for name in exports.FORMATS), said

    def table(**kw) -> str:
        console = Console(file=io.StringIO(), width=200)
        with gb.Gradebook(book_path[0]) as book:
            views.class_table(book, UNIT, console, **kw)
        return console.file.getvalue()

    first = load_suite(UNIT).checks[0].name
    with gb.Gradebook(book_path[0]) as book:
        book.set_override("carol", UNIT, first, 0.0, "a check of an upload that was never graded")
        book.set_override("bob", UNIT, "", 3.0, "oral exam")
    assert "includes the instructor's overrides" not in table(students=["alice", "carol"])
    shown = table()
    assert "3 / " in shown and " *" in shown and "includes the instructor's overrides" in shown


def _graded(book, sid, lose):
    checks = load_suite(UNIT).checks
    results = [CheckResult(c.name, str(i + 1), c.exercise, 0.0 if i < lose else c.points, c.points,
                           "wrong" if i < lose else "passed", c.visibility, [], 0.01) for i, c in enumerate(checks)]
    book.record(sid, UNIT, f"hash-{sid}", "", None, gb.GRADED, Report(UNIT, sid, "bubblewrap", results))


def test_every_student_has_their_own_files_named_alike_at_every_export(tmp_path):
    """``Alice Smith`` and ``Alice_Smith`` both wrote ``Alice_Smith``, ``José`` and ``Jos_`` both
    ``Jos_``: the last one written overwrote the other's results.json and page."""
    ids = ["Alice Smith", "Alice_Smith", "José", "Jos_", "alice", "Alice", "..", "bob"]
    path = tmp_path / "g.sqlite"
    top = load_suite(UNIT).max_score
    with gb.Gradebook(path) as book:
        for n, sid in enumerate(ids):
            _graded(book, sid, n)
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", "gradescope", "html"]) == 0
    names = exports.file_names(ids)
    assert len({n.casefold() for n in names.values()}) == len(ids)
    assert names["Alice_Smith"] == "Alice_Smith" and names["bob"] == "bob" and names["José"] == "José"
    assert names["Alice Smith"].startswith("Alice_Smith-") and not names[".."].startswith(".")
    lost = [sum(c.points for c in load_suite(UNIT).checks[:n]) for n in range(len(ids))]
    for n, sid in enumerate(ids):
        data = json.loads((out / UNIT / "gradescope" / names[sid] / "results.json").read_text(encoding="utf-8"))
        assert data["score"] == top - lost[n], sid
        assert html.escape(sid) in (out / UNIT / "html" / f"{names[sid]}.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in (out / UNIT / "gradescope").iterdir()) == sorted(names.values())
    assert exports.file_names(list(reversed(ids))) == names  # stable: the same names whatever the order


def test_exporting_again_removes_only_the_files_an_export_wrote_that_are_gone(book_path, tmp_path):
    path, _ = book_path
    out = tmp_path / "out"
    assert main(["export", str(path), str(out)]) == 0
    mine = out / UNIT / "html" / "notes.txt"
    mine.write_text("the instructor's own file")
    assert (out / UNIT / "gradescope" / "carol" / "results.json").is_file()
    assert main(["export", str(path), str(out), "--format", "html"]) == 0
    assert main(["remove", str(path), "carol"]) == 0
    assert main(["export", str(path), str(out), "--format", "canvas"]) == 0  # not this format's: kept
    assert (out / UNIT / "gradescope" / "carol" / "results.json").is_file()
    assert main(["export", str(path), str(out)]) == 0
    assert not (out / UNIT / "gradescope" / "carol").exists() and not (out / UNIT / "html" / "carol.html").exists()
    assert not (out / "not_gradable.csv").exists()  # carol was the one not gradable
    assert (out / UNIT / "gradescope" / "bob" / "results.json").is_file() and mine.is_file()


def test_roster_problems_are_reported(book_path, tmp_path, capsys):
    """bob (a submission, not on the roster) got "bob" as SIS User ID, and dave (on the roster, no
    submission) was in no file: neither was said."""
    path, roster = book_path
    roster.write_text(roster.read_text(encoding="utf-8") + "dave,Dave,Doe,dave@x.org,104\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["export", str(path), str(tmp_path / "out"), "--roster", str(roster), "--format", "canvas"]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert f"{roster}: 1 student(s) with a submission are not on the roster (bob)" in err
    assert f"{UNIT}: 1 student(s) on the roster have no submission (dave)" in err
    roster.write_text("student_id,first_name\nann,Ann\n,Nobody\n", encoding="utf-8")
    assert main(["export", str(path), str(tmp_path / "out"), "--roster", str(roster)]) == 2
    assert "line(s) 3 have no student id" in capsys.readouterr().err
