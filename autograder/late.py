"""Late penalties: when a submission was handed in, and what lateness costs.

The submission time comes from what the submission system recorded, never from a file's mtime
(copying, unzipping or a checkout changes it):

- Gradescope: ``submission_metadata.json`` in the student's entry, its ``created_at``;
- nbgrader: ``timestamp.txt`` in the student's entry (``submitted/<student>/<unit>/``);
- an explicit CSV (``batch --submitted-at FILE``): ``student_id,submitted_at`` (ISO 8601).

The CSV wins over the files. Without any of them a submission has no time, and no penalty is
applied to it (the exports say so). A file that is there but cannot be read as a time (nbgrader's
``timestamp.txt`` saying "March 5th 2026, 10am") is the same, said as such: the batch names the
file and the formats it accepts, and every export says the time is unknown and why. A time without
a zone is read as UTC.

A unit's policy (``autograder late GRADEBOOK --unit U --due ...``, kept in the gradebook): a due
date, a grace period, a percentage of the earned score lost per started day late, a number of days
after which the score is zero, and per-student extensions (``student_id,days`` or
``student_id,due``). The penalty is computed when grades are shown or exported, from the score
after the instructor's overrides, so changing the policy or an override never needs a regrade.
"""
from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

METADATA = "submission_metadata.json"  # Gradescope
TIMESTAMP = "timestamp.txt"            # nbgrader
NO_TIME = "no submission time (no submission_metadata.json, timestamp.txt or --submitted-at CSV): no late penalty"
FORMATS = "ISO 8601 such as 2026-03-01T23:59:00+01:00 (no zone: UTC), or nbgrader's 2026-03-01 23:59:00.000000 UTC"


def parse_time(text: str) -> datetime:
    """An ISO 8601 time (``Z``, an offset, or none: UTC), or nbgrader's ``2026-03-01 12:00:00.123 UTC``."""
    raw = str(text).strip()
    if raw.upper().endswith(" UTC"):
        raw = raw[:-4].strip() + "+00:00"
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"cannot read {text!r} as a time (use ISO 8601, e.g. 2026-03-01T23:59:00+01:00)") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


# ---------------------------------------------------------------- when it was submitted
def entry_time(entry: Path) -> tuple[str, str]:
    """``(ISO time, "")`` recorded in a student's entry (Gradescope's ``submission_metadata.json``
    or nbgrader's ``timestamp.txt``, at its top or one folder down), or ``("", problem)`` where such
    a file cannot be read as a time (the problem names it and the formats accepted), or ``("", "")``."""
    entry = Path(entry)
    if not entry.is_dir():
        return "", ""
    places = [entry] + sorted(p for p in entry.iterdir() if p.is_dir() and not p.name.startswith("."))
    problem = ""
    for folder in places:
        meta = folder / METADATA
        if meta.is_file() and not meta.is_symlink():
            try:
                return iso(parse_time(json.loads(meta.read_text(encoding="utf-8"))["created_at"])), ""
            except (ValueError, KeyError, TypeError):
                problem = problem or f"{meta.relative_to(entry.parent).as_posix()} has no created_at readable as a time"
        stamp = folder / TIMESTAMP
        if stamp.is_file() and not stamp.is_symlink():
            text = stamp.read_text(encoding="utf-8", errors="replace")[:100]
            try:
                return iso(parse_time(text)), ""
            except ValueError:
                problem = problem or f"{stamp.relative_to(entry.parent).as_posix()} reads {text.strip()!r}, not a time"
    return "", problem and f"{problem} (accepted: {FORMATS})"


def unknown_time(problem: str) -> str:
    """The late reason of a submission whose recorded time could not be read."""
    return f"submission time unknown: {problem}: no late penalty (fix the file, or give batch --submitted-at)"


def read_csv(path: Path) -> list[dict]:
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", "replace")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _sid(row: dict, path: Path) -> str:
    sid = (row.get("student_id") or row.get("student") or row.get("id") or "").strip()
    if not sid:
        raise ValueError(f"{path}: every row needs a student_id")
    return sid


def read_submitted_at(path: Path) -> dict[str, str]:
    """``{student: ISO time}`` from a ``student_id,submitted_at`` CSV; a bad row is named."""
    out = {}
    for line, row in enumerate(read_csv(path), start=2):
        if "submitted_at" not in row:
            raise ValueError(f"{path}: needs the columns student_id,submitted_at")
        sid = _sid(row, path)
        with _row(path, line, sid):
            out[sid] = iso(parse_time(row["submitted_at"]))
    return out


class _row:
    """Names the file, line and student in a ValueError raised while reading one CSV row."""

    def __init__(self, path: Path, line: int, sid: str):
        self.where = f"{path}, line {line} ({sid})"

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if kind is not None and issubclass(kind, ValueError):
            raise ValueError(f"{self.where}: {exc}") from None


# ---------------------------------------------------------------- the policy
@dataclass
class Policy:
    due: str                                   # ISO time
    grace_minutes: float = 0.0
    per_day: float = 0.0                       # percent of the earned score per started day late
    zero_after: float | None = None            # days late after which the score is 0
    extensions: dict[str, str] = field(default_factory=dict)  # {student: ISO due date}

    def to_json(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, text: str) -> "Policy":
        return cls(**json.loads(text))

    def describe(self) -> str:
        parts = [f"due {self.due}"]
        if self.grace_minutes:
            parts.append(f"grace {self.grace_minutes:g} min")
        parts.append(f"{self.per_day:g} % per day late")
        if self.zero_after is not None:
            parts.append(f"0 after {self.zero_after:g} day(s)")
        if self.extensions:
            parts.append(f"{len(self.extensions)} extension(s)")
        return ", ".join(parts)


def changes(old: Policy, new: Policy) -> list[str]:
    """What differs between two policies, one line each ("per day: 10 % -> 5 %")."""
    lines = []
    for name, label, unit in (("due", "due", ""), ("grace_minutes", "grace", " min"), ("per_day", "per day", " %"),
                              ("zero_after", "0 after", " day(s)")):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            said = ["never" if v is None else f"{v:g}{unit}" if isinstance(v, (int, float)) else v
                    for v in (before, after)]
            lines.append(f"{label}: {said[0]} -> {said[1]}")
    if old.extensions != new.extensions:
        lines.append(f"extensions: {len(old.extensions)} -> {len(new.extensions)}")
    return lines or ["nothing changed"]


def read_extensions(path: Path, due: str) -> dict[str, str]:
    """``{student: due}`` from ``student_id,days`` (days added to ``due``) or ``student_id,due``."""
    base = parse_time(due)
    out = {}
    for line, row in enumerate(read_csv(path), start=2):
        sid = _sid(row, path)
        with _row(path, line, sid):
            if (row.get("due") or "").strip():
                out[sid] = iso(parse_time(row["due"]))
            elif (row.get("days") or "").strip():
                try:
                    days = float(row["days"])
                except ValueError:
                    raise ValueError(f"days must be a number of days, not {row['days']!r} (a date goes in a due "
                                     "column)") from None
                out[sid] = iso(base + timedelta(days=days))
            else:
                raise ValueError("needs days or due")
    return out


@dataclass
class Penalty:
    points: float   # taken off the (overridden) score
    reason: str     # empty when there is nothing to say (no policy)


def penalty(policy: Policy | None, student: str, submitted_at: str, score: float, problem: str = "") -> Penalty:
    """What lateness costs a score of ``score`` points, and why (``problem``: why a submission
    without a time has none, :func:`entry_time`); never less than 0 (a score below 0,
    as an old gradebook's override may be, loses nothing)."""
    score = max(score, 0.0)
    if policy is None:
        return Penalty(0.0, "")
    if not submitted_at:
        return Penalty(0.0, unknown_time(problem) if problem else NO_TIME)
    due = parse_time(policy.extensions.get(student, policy.due))
    extended = " (extension)" if student in policy.extensions else ""
    late = parse_time(submitted_at) - due - timedelta(minutes=policy.grace_minutes)
    if late <= timedelta(0):
        return Penalty(0.0, f"on time (due {iso(due)}{extended})")
    days = math.ceil(late / timedelta(days=1))
    hours = late / timedelta(hours=1) + policy.grace_minutes / 60
    said = f"submitted {iso(parse_time(submitted_at))}, {hours:.1f} h after the due date {iso(due)}{extended}"
    if policy.grace_minutes:
        said += f" and its {policy.grace_minutes:g} min grace"
    if policy.zero_after is not None and days > policy.zero_after:
        return Penalty(round(score, 6), f"{said}: more than {policy.zero_after:g} day(s) late, score 0")
    percent = min(100.0, policy.per_day * days)
    return Penalty(round(score * percent / 100, 6), f"{said}: {days} day(s) late x {policy.per_day:g} % = "
                                                    f"{percent:g} % off")
