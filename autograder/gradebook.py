"""The gradebook: an SQLite file of students, submissions, per-check results and grading runs.

Each graded submission is written in ONE transaction (its row and all its check results), so a
grader killed at any moment (``kill -9`` included) leaves either the whole submission or none of it.
The file runs in WAL mode; unique constraints make a second write of the same submission replace
the first instead of adding to it. A submission is identified by (student, unit, content hash):
a rerun grades only submissions whose content is new or whose last grading did not finish.

Each check keeps what the student's code printed (visible checks, as the runner bounded it) and its
plots' data (as :func:`context.make_figure` bounded it, JSON, at most
:data:`report_html.FIGURE_BYTES` a submission): pages written from the gradebook draw them as
``grade --html`` does (:func:`report_html.draw_report`), so grading draws nothing. Files of schema
2 kept PNGs drawn at grading instead; those still render.
The schema's version is SQLite's ``user_version``; opening an older file migrates it in place.
"""
from __future__ import annotations

import base64
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from . import late, report_html
from .report import CheckResult, Report

SCHEMA_VERSION = 4  # 1: no printed output or plots (files from before have user_version 0); 2: plots as PNG;
# 3: no submissions.time_problem
PRINTED_CHARS = 4500  # what a check printed, as the runner bounds it (2 KiB, plus its module's import output)

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    unit TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    workers INTEGER,
    isolation TEXT,
    command TEXT
);
CREATE TABLE IF NOT EXISTS students (
    id TEXT PRIMARY KEY,
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    canvas_id TEXT NOT NULL DEFAULT '',
    sis_user_id TEXT NOT NULL DEFAULT '',
    sis_login_id TEXT NOT NULL DEFAULT '',
    section TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    student_id TEXT NOT NULL REFERENCES students(id),
    unit TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    graded_at TEXT NOT NULL,
    seq INTEGER NOT NULL,
    run_id INTEGER REFERENCES runs(id),
    status TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    isolation TEXT NOT NULL,
    execution_time REAL NOT NULL,
    round_trips INTEGER NOT NULL DEFAULT 0,
    workers_started INTEGER NOT NULL DEFAULT 0,
    output TEXT NOT NULL DEFAULT '',
    time_problem TEXT NOT NULL DEFAULT '',  -- why submitted_at is empty although a time file was there
    UNIQUE (student_id, unit, content_hash)
);
CREATE TABLE IF NOT EXISTS results (
    submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    check_name TEXT NOT NULL,
    number TEXT NOT NULL,
    exercise TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    status TEXT NOT NULL,
    skipped INTEGER NOT NULL,
    feedback TEXT NOT NULL,
    visibility TEXT NOT NULL,
    tags TEXT NOT NULL,
    duration REAL NOT NULL,
    printed TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (submission_id, check_name)
);
CREATE TABLE IF NOT EXISTS figures (
    submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    check_name TEXT NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    png BLOB,                   -- schema 2: the plot drawn at grading (NULL: not drawn, ``error`` says why)
    error TEXT NOT NULL,        -- why the plot is not shown ("" when it is)
    data TEXT,                  -- schema 3: the figure as JSON (make_figure), drawn when a page is rendered
    PRIMARY KEY (submission_id, check_name, position)
);
CREATE INDEX IF NOT EXISTS submissions_current ON submissions (unit, student_id, seq);
CREATE TABLE IF NOT EXISTS overrides (
    student_id TEXT NOT NULL,
    unit TEXT NOT NULL,
    check_name TEXT NOT NULL,   -- '' overrides the total
    score REAL NOT NULL,
    comment TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (student_id, unit, check_name)
);
CREATE TABLE IF NOT EXISTS late_policies (
    unit TEXT PRIMARY KEY,
    policy TEXT NOT NULL        -- late.Policy as JSON
);
"""

# Submission statuses. GRADED and INVALID are final for that content; the others are retried.
GRADED = "graded"          # the checks ran (whatever the student's code did)
INVALID = "invalid"        # the submission cannot be graded (bad zip, no modules): the student's fault
ERROR = "error"            # the grader itself failed (an exception in the engine)
TIMEOUT = "timeout"        # the whole submission ran past its wall-clock limit and was killed
CRASHED = "crashed"        # the grader process died while grading it (twice, the second time alone)
FINAL = (GRADED, INVALID)
ROSTER_FIELDS = ("first_name", "last_name", "email", "canvas_id", "sis_user_id", "sis_login_id", "section")


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


@dataclass
class Submission:
    """One current submission as exports see it."""

    id: int
    student_id: str
    unit: str
    content_hash: str
    submitted_at: str
    graded_at: str
    status: str
    score: float
    max_score: float
    isolation: str
    execution_time: float
    round_trips: int
    workers_started: int
    output: str
    run_id: int | None
    time_problem: str = ""  # why there is no submitted_at although the entry had a time file (late.entry_time)


@dataclass
class Override:
    """An instructor's score for one check (``check`` names it) or for the total (``check == ""``)."""

    student_id: str
    unit: str
    check: str
    score: float
    comment: str
    created_at: str

    @property
    def what(self) -> str:
        """"check dot_values" or "the total"."""
        return f"check {self.check}" if self.check else "the total"

    def describe(self) -> str:
        return f"{self.what} set to {self.score:g} by the instructor: {self.comment}"


@dataclass
class Grade:
    """A current submission's grade as shown and exported: the graded score, the instructor's
    overrides applied (a check's, then the total's), then the late penalty."""

    raw: float                  # what the checks gave: before overrides and the late penalty
    score: float                # after overrides
    penalty: float              # late penalty, points
    late_reason: str
    final: float                # score - penalty: after overrides and the late penalty
    overrides: list[Override]

    @property
    def late(self) -> str:
        """The late penalty with its reason ("-3 (submitted ...)", "none (on time ...)"); "" with no policy."""
        if not self.late_reason:
            return ""
        return f"{-self.penalty:g} ({self.late_reason})" if self.penalty else f"none ({self.late_reason})"

    @property
    def notes(self) -> str:
        """Every adjustment on one line, for exports' status columns."""
        return "; ".join([o.describe() for o in self.overrides] + ([self.late_reason] if self.penalty else []))


class Gradebook:
    """A connection to one gradebook file; only the batch parent process writes to it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        self._migrate()

    def _migrate(self):
        """Bring a file written by an older version up to :data:`SCHEMA_VERSION`, keeping its rows."""
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ValueError(f"{self.path} was written by a newer deepgrade (schema {version}, this one reads "
                             f"{SCHEMA_VERSION})")
        if version == SCHEMA_VERSION:
            return
        with self._transaction():
            for table, column in (("results", "printed TEXT NOT NULL DEFAULT ''"), ("figures", "data TEXT"),
                                  ("submissions", "time_problem TEXT NOT NULL DEFAULT ''")):
                if column.split()[0] not in {r["name"] for r in self.db.execute(f"PRAGMA table_info({table})")}:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self):
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _transaction(self):
        return _Transaction(self.db)

    # ---------------------------------------------------------------- runs
    def start_run(self, unit: str, workers: int, isolation: str, command: str) -> int:
        with self._transaction():
            cur = self.db.execute("INSERT INTO runs (unit, started_at, workers, isolation, command) "
                                  "VALUES (?, ?, ?, ?, ?)", (unit, now(), workers, isolation, command))
        return cur.lastrowid

    def finish_run(self, run_id: int):
        with self._transaction():
            self.db.execute("UPDATE runs SET finished_at = ? WHERE id = ?", (now(), run_id))

    # ---------------------------------------------------------------- writes
    def record(self, student_id: str, unit: str, content_hash: str, submitted_at: str, run_id: int | None,
               status: str, report: Report | None = None, *, max_score: float = 0.0, output: str = "",
               isolation: str = "", time_problem: str = "") -> int:
        """Write one submission and all its check results in one transaction; returns its row id.

        The same (student, unit, content) graded again replaces its earlier row and results.
        """
        with self._transaction():
            self.db.execute("INSERT OR IGNORE INTO students (id) VALUES (?)", (student_id,))
            self.db.execute("DELETE FROM submissions WHERE student_id = ? AND unit = ? AND content_hash = ?",
                            (student_id, unit, content_hash))
            seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM submissions").fetchone()[0]
            if report is not None:
                max_score, output, isolation = report.max_score, report.output, report.isolation
            cur = self.db.execute(
                "INSERT INTO submissions (student_id, unit, content_hash, submitted_at, graded_at, seq, run_id, "
                "status, score, max_score, isolation, execution_time, round_trips, workers_started, output, "
                "time_problem) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (student_id, unit, content_hash, submitted_at, now(), seq, run_id, status,
                 report.score if report else 0.0, max_score, isolation,
                 report.execution_time if report else 0.0, report.round_trips if report else 0,
                 report.workers_started if report else 0, output, time_problem))
            row = cur.lastrowid
            if report is not None:
                self.db.executemany(
                    "INSERT INTO results (submission_id, position, check_name, number, exercise, score, max_score, "
                    "status, skipped, feedback, visibility, tags, duration, printed) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(row, i, r.name, r.number, r.exercise, r.score, r.max_score, "skipped" if r.skipped else r.status,
                      int(r.skipped), r.output, r.visibility, json.dumps(r.tags), r.duration,
                      r.printed[:PRINTED_CHARS] if r.visibility == "visible" else "")
                     for i, r in enumerate(report.results)])
                self.db.executemany("INSERT INTO figures (submission_id, check_name, position, title, error, data) "
                                    "VALUES (?, ?, ?, ?, ?, ?)", [(row, *f) for f in _figure_rows(report)])
        return row

    def set_submitted_at(self, student_id: str, unit: str, content_hash: str, submitted_at: str,
                         time_problem: str = "") -> bool:
        """Record when this (student, unit, content) was handed in (or why that is unknown), without
        grading it again; returns whether there was such a submission."""
        with self._transaction():
            cur = self.db.execute("UPDATE submissions SET submitted_at = ?, time_problem = ? WHERE student_id = ? "
                                  "AND unit = ? AND content_hash = ?",
                                  (submitted_at, time_problem, student_id, unit, content_hash))
        return cur.rowcount > 0

    def set_roster(self, rows: list[dict]):
        """Names, emails and LMS ids of students (``id`` plus any of :data:`ROSTER_FIELDS`)."""
        with self._transaction():
            for row in rows:
                values = {k: str(row[k]) for k in ROSTER_FIELDS if row.get(k)}
                self.db.execute("INSERT OR IGNORE INTO students (id) VALUES (?)", (row["id"],))
                if values:
                    sets = ", ".join(f"{k} = ?" for k in values)
                    self.db.execute(f"UPDATE students SET {sets} WHERE id = ?", (*values.values(), row["id"]))

    def remove(self, student_id: str, unit: str | None = None) -> int:
        """Delete a student's submissions (of ``unit``, or all) with their results, and the student
        when nothing of theirs is left; returns how many submissions went. A later batch that still
        finds their entry grades it again."""
        with self._transaction():
            where, args = ("student_id = ? AND unit = ?", (student_id, unit)) if unit else ("student_id = ?", (student_id,))
            gone = self.db.execute(f"DELETE FROM submissions WHERE {where}", args).rowcount
            left = self.db.execute("SELECT COUNT(*) FROM submissions WHERE student_id = ?", (student_id,)).fetchone()[0]
            if not left:
                self.db.execute("DELETE FROM students WHERE id = ?", (student_id,))
        return gone

    def set_override(self, student_id: str, unit: str, check: str, score: float, comment: str):
        """Set (or replace) the instructor's score of one check, or of the total (``check=""``).
        Kept in its own table: a regrade replaces the results, never the overrides."""
        if not comment.strip():
            raise ValueError("an override needs a comment (the student and the next grader read it)")
        with self._transaction():
            self.db.execute("INSERT OR IGNORE INTO students (id) VALUES (?)", (student_id,))
            self.db.execute("INSERT OR REPLACE INTO overrides VALUES (?, ?, ?, ?, ?, ?)",
                            (student_id, unit, check, float(score), comment.strip(), now()))

    def clear_override(self, student_id: str, unit: str, check: str) -> int:
        with self._transaction():
            return self.db.execute("DELETE FROM overrides WHERE student_id = ? AND unit = ? AND check_name = ?",
                                   (student_id, unit, check)).rowcount

    def overrides(self, student_id: str, unit: str) -> list[Override]:
        rows = self.db.execute("SELECT * FROM overrides WHERE student_id = ? AND unit = ? ORDER BY check_name",
                               (student_id, unit))
        return [Override(r["student_id"], r["unit"], r["check_name"], r["score"], r["comment"], r["created_at"])
                for r in rows]

    def set_policy(self, unit: str, policy: late.Policy | None):
        with self._transaction():
            if policy is None:
                self.db.execute("DELETE FROM late_policies WHERE unit = ?", (unit,))
            else:
                self.db.execute("INSERT OR REPLACE INTO late_policies VALUES (?, ?)", (unit, policy.to_json()))

    def policy(self, unit: str) -> late.Policy | None:
        row = self.db.execute("SELECT policy FROM late_policies WHERE unit = ?", (unit,)).fetchone()
        return late.Policy.from_json(row[0]) if row else None

    # ---------------------------------------------------------------- reads
    def is_done(self, student_id: str, unit: str, content_hash: str) -> bool:
        """This content was graded to a final status (graded or invalid) already."""
        row = self.db.execute("SELECT status FROM submissions WHERE student_id = ? AND unit = ? AND content_hash = ?",
                              (student_id, unit, content_hash)).fetchone()
        return row is not None and row["status"] in FINAL

    def units(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT unit FROM submissions ORDER BY unit")]

    def current(self, unit: str) -> list[Submission]:
        """The latest graded submission of each student for ``unit``, by student id."""
        rows = self.db.execute(
            "SELECT s.* FROM submissions s JOIN (SELECT student_id, MAX(seq) AS seq FROM submissions "
            "WHERE unit = ? GROUP BY student_id) last ON s.student_id = last.student_id AND s.seq = last.seq "
            "ORDER BY s.student_id", (unit,)).fetchall()
        return [Submission(r["id"], r["student_id"], r["unit"], r["content_hash"], r["submitted_at"], r["graded_at"],
                           r["status"], r["score"], r["max_score"], r["isolation"], r["execution_time"],
                           r["round_trips"], r["workers_started"], r["output"], r["run_id"], r["time_problem"])
                for r in rows]

    def results(self, submission_id: int) -> list[CheckResult]:
        """The check results as recorded, with what they printed and their plots (as data to draw;
        drawn already, or left out, in files of schema 2 and for plots past the cap)."""
        figures: dict[str, list[dict]] = {}
        for f in self.db.execute("SELECT * FROM figures WHERE submission_id = ? ORDER BY check_name, position",
                                 (submission_id,)):
            if f["data"] is not None:
                figure = json.loads(f["data"])
            else:
                png = base64.b64encode(f["png"]).decode("ascii") if f["png"] is not None else None
                figure = {"kind": "drawn", "title": f["title"], "reveals": True, "png": png, "error": f["error"]}
            figures.setdefault(f["check_name"], []).append(figure)
        rows = self.db.execute("SELECT * FROM results WHERE submission_id = ? ORDER BY position", (submission_id,))
        return [CheckResult(r["check_name"], r["number"], r["exercise"], r["score"], r["max_score"], r["feedback"],
                            r["visibility"], json.loads(r["tags"]), r["duration"], bool(r["skipped"]),
                            printed=r["printed"], figures=figures.get(r["check_name"], [])) for r in rows]

    def overridden_results(self, sub: Submission) -> list[CheckResult]:
        """The check results with the instructor's check overrides applied (the comment appended)."""
        by_check = {o.check: o for o in self.overrides(sub.student_id, sub.unit) if o.check}
        out = []
        for r in self.results(sub.id):
            o = by_check.get(r.name)
            if o is not None:
                r.output = (r.output + "\n" if r.output else "") + \
                    f"Instructor override: {r.score:g} -> {o.score:g} / {r.max_score:g}: {o.comment}"
                r.score, r.skipped = o.score, False
            out.append(r)
        return out

    def grade(self, sub: Submission) -> Grade:
        """The submission's grade after overrides and the unit's late policy (see :class:`Grade`)."""
        overrides = self.overrides(sub.student_id, sub.unit)
        if sub.status != GRADED:  # only an override of the total gives a not-gradable submission a score
            total = [o for o in overrides if not o.check]
            score = total[0].score if total else 0.0
            overrides = total
        else:
            score = round(sum(r.score for r in self.overridden_results(sub)), 6)
            for o in overrides:
                if not o.check:
                    score = o.score
        pen = late.penalty(self.policy(sub.unit), sub.student_id, sub.submitted_at, score, sub.time_problem)
        return Grade(sub.score, score, pen.points, pen.reason, round(score - pen.points, 6), overrides)

    def gradable(self, sub: Submission) -> bool:
        """Graded, or given a total by the instructor: such a row has a score to export."""
        return sub.status == GRADED or any(not o.check for o in self.overrides(sub.student_id, sub.unit))

    def grade_lines(self, sub: Submission) -> list[str]:
        """The overrides and the late penalty of a submission as lines for the student, then the
        final score; nothing when there is neither."""
        grade = self.grade(sub)
        lines = [f"Instructor override of {o.what}: {o.score:g} ({o.comment})" for o in grade.overrides]
        if grade.late:
            lines.append(f"Late penalty: {grade.late}")
        if lines and self.gradable(sub):
            lines.append(f"Final score: {grade.final:g} / {sub.max_score:g}")
        return lines

    def report(self, sub: Submission) -> Report:
        """The submission rebuilt as a :class:`Report` (Gradescope's results.json, the HTML report):
        check overrides applied, and the adjustments and final score (:meth:`grade_lines`) in its
        output; a submission that was not graded says so and why."""
        if sub.status == GRADED:
            output = "\n".join(filter(None, [sub.output, *self.grade_lines(sub)]))
        else:
            output = "\n".join([f"{sub.unit}: not gradable ({sub.status}): {sub.output}", *self.grade_lines(sub)])
        return Report(sub.unit, sub.student_id, sub.isolation, self.overridden_results(sub), sub.execution_time,
                      sub.round_trips, sub.workers_started, output)

    def student_ids(self) -> list[str]:
        """Every student the gradebook knows: on the roster or with a submission of some unit."""
        return [r[0] for r in self.db.execute("SELECT id FROM students ORDER BY id")]

    def student(self, student_id: str) -> dict:
        row = self.db.execute("SELECT * FROM students WHERE id = ?", (student_id,)).fetchone()
        return dict(row) if row else {"id": student_id, **{k: "" for k in ROSTER_FIELDS}}

    def snapshot(self) -> list[tuple]:
        """Everything a grade depends on, without timings or run ids: equal gradebooks, equal snapshots."""
        subs = self.db.execute("SELECT id, student_id, unit, content_hash, status, score, max_score, isolation, output "
                               "FROM submissions ORDER BY unit, student_id, content_hash").fetchall()
        out = []
        for s in subs:
            checks = self.db.execute("SELECT check_name, number, score, max_score, status, feedback FROM results "
                                     "WHERE submission_id = ? ORDER BY position", (s["id"],)).fetchall()
            out.append((*tuple(s)[1:], tuple(tuple(c) for c in checks)))
        return out


def _figure_rows(report: Report) -> list[tuple]:
    """``(check, position, title, error, data as JSON or None)`` of the report's plots: a visible
    check's all, another's only those that reveal nothing (as the runner keeps them; their data is
    what their PNG showed: the painters draw every array, a grid of samples up to 16 images); at most
    :data:`report_html.FIGURE_BYTES` of data per submission, the rest left out with a note."""
    rows, room = [], report_html.FIGURE_BYTES
    for r in report.results:
        shown = [f for f in r.figures if r.visibility == "visible" or not f.get("reveals", True)]
        for position, figure in enumerate(shown):
            data, error = json.dumps({k: figure[k] for k in ("kind", "title", "reveals", "arrays")}), ""
            if len(data) > room:
                data, error = None, report_html.LEFT_OUT
            room -= len(data or "")
            rows.append((r.name, position, figure.get("title", ""), error, data))
    return rows


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb):
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
