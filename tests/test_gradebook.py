"""The gradebook: one transaction per submission, replacement not duplication, current rows."""
import sqlite3

from autograder import gradebook as gb
from autograder.report import CheckResult, Report


def report(student: str, scores: list[float]) -> Report:
    results = [CheckResult(f"c{i}", str(i + 1), "m.f", s, 2.0, "passed" if s == 2 else "wrong", "visible", [], 0.01)
               for i, s in enumerate(scores)]
    return Report("unitX", student, "bubblewrap", results, 0.5, 3, 1)


def test_record_and_read_back(tmp_path):
    with gb.Gradebook(tmp_path / "g.sqlite") as book:
        run = book.start_run("unitX", 2, "bubblewrap", "test")
        book.record("alice", "unitX", "h1", "2026-01-01T00:00:00", run, gb.GRADED, report("alice", [2, 1]))
        book.record("bob", "unitX", "h2", "2026-01-01T00:00:00", run, gb.INVALID, max_score=4, output="bad zip",
                    isolation="bubblewrap")
        subs = {s.student_id: s for s in book.current("unitX")}
        assert subs["alice"].score == 3 and subs["alice"].max_score == 4 and subs["alice"].isolation == "bubblewrap"
        assert [r.score for r in book.results(subs["alice"].id)] == [2, 1]
        assert subs["bob"].status == gb.INVALID and book.results(subs["bob"].id) == []
        assert book.is_done("alice", "unitX", "h1") and not book.is_done("alice", "unitX", "h9")
        assert book.report(subs["alice"]).gradescope()["score"] == 3


def test_same_content_replaces_new_content_becomes_current(tmp_path):
    with gb.Gradebook(tmp_path / "g.sqlite") as book:
        book.record("alice", "unitX", "h1", "t", None, gb.GRADED, report("alice", [0, 0]))
        book.record("alice", "unitX", "h1", "t", None, gb.GRADED, report("alice", [2, 0]))
        assert book.db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 1
        assert book.db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 2
        book.record("alice", "unitX", "h2", "t", None, gb.GRADED, report("alice", [2, 2]))
        (current,) = book.current("unitX")
        assert current.content_hash == "h2" and current.score == 4


def test_errors_are_retried_final_statuses_are_not(tmp_path):
    with gb.Gradebook(tmp_path / "g.sqlite") as book:
        for status in (gb.ERROR, gb.TIMEOUT, gb.CRASHED):
            book.record("s", "unitX", status, "t", None, status, max_score=4, output="x")
            assert not book.is_done("s", "unitX", status)


def test_a_failed_transaction_leaves_nothing(tmp_path):
    bad = report("alice", [2, 1])
    bad.results.append(bad.results[0])  # duplicate check name violates the primary key mid-transaction
    with gb.Gradebook(tmp_path / "g.sqlite") as book:
        try:
            book.record("alice", "unitX", "h1", "t", None, gb.GRADED, bad)
        except sqlite3.IntegrityError:
            pass
        assert book.db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0
        assert book.db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 0


def test_wal_mode_and_roster(tmp_path):
    with gb.Gradebook(tmp_path / "g.sqlite") as book:
        assert book.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        book.set_roster([{"id": "alice", "first_name": "Alice", "last_name": "Liddell", "email": "a@x.org"}])
        assert book.student("alice")["last_name"] == "Liddell"
        assert book.student("nobody")["email"] == ""
