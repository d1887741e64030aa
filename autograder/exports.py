"""Grades out of the gradebook, in the formats instructors' tools read.

``autograder export GRADEBOOK OUT [--format ...]`` writes, for each student's latest submission:

- ``gradescope``: ``OUT/<unit>/gradescope/<student>/results.json`` (Gradescope's results.json);
- ``nbgrader``: ``OUT/nbgrader_grades.csv``, the columns of ``nbgrader export``;
- ``otter``: ``OUT/<unit>/final_grades.csv``: a ``points-per-question`` row, then a row per
  student with a column per check, ``total_points_earned``, ``percent_correct``, ``grading_status``;
- ``canvas``: ``OUT/canvas_import.csv``: Canvas's gradebook import layout, a column per unit;
- ``summary``: ``OUT/<unit>/check_summary.csv`` and ``summary.json``: per check the pass rate,
  mean score and time; the slowest checks. Also printed as a table.

A submission that could not be graded (an unreadable upload, two entries for one student, a
grader failure, a time-out) is never exported as a plain 0: its score is left empty in the CSVs,
its status column (nbgrader, otter) says "not gradable" with the reason, and
``OUT/not_gradable.csv`` lists every such row (Canvas's import has no place for a reason).
Gradescope's results.json needs a number: it gets 0, its output beginning "No grade: ...", with
the reason, and ``extra_data`` ``gradable: false``.
Every file is written as UTF-8; rosters are read as UTF-8 (a BOM is fine), else Windows-1252.

- ``html``: ``OUT/<unit>/html/<student>.html``, the report ``grade --html`` writes (the class's
  plots drawn in parallel, :mod:`.report_pages`).

``<student>`` is the student id as a file name (:func:`file_names`): letters (accented too), digits
and ``@._+-`` kept; an id that needed changing, or whose name another student's would clash with
on a case-insensitive file system, gets ``-`` and 8 hex digits of its SHA-256, so every student has
their own file, the same at every export. ``OUT/.deepgrade-export.json`` lists the files an export
wrote; exporting again into ``OUT`` removes those of them that the same formats and units no longer
produce (a removed student's, a ``not_gradable.csv`` no longer needed), never any other file.

Every export shows the grade after the instructor's overrides (``autograder override``) and the
unit's late policy (``autograder late``), with the reasons: Gradescope's results.json in its
output, tests and ``extra_data``; nbgrader's ``late_submission_penalty`` and ``adjustments``
columns; otter's ``late_penalty``/``adjustments`` columns; the summary's ``adjustments``; and
``OUT/adjustments.csv`` lists every override and late penalty (Canvas's import takes the final
score only). The scores mean the same in every format (:class:`.gradebook.Grade`): *raw*
(nbgrader's and otter's ``raw_score``, Gradescope's ``extra_data.raw_score``, the summary's
``mean_score``) is what the checks gave, before overrides and the late penalty; *final*
(nbgrader's ``score``, otter's ``total_points_earned``, Gradescope's ``score``, Canvas's column,
the summary's ``mean_final_score``) is after both; Gradescope's ``score_after_overrides`` is
between them.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sys
import unicodedata
from pathlib import Path

from . import gradebook as gb, report_pages

FORMATS = ("gradescope", "nbgrader", "otter", "canvas", "summary", "html")
NBGRADER_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                    "raw_score", "late_submission_penalty", "score", "max_score", "status", "adjustments"]
ADJUSTMENT_COLUMNS = ["unit", "student_id", "kind", "check", "points", "reason"]
NOT_GRADABLE_COLUMNS = ["unit", "student_id", "status", "reason"]
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
SUMMARY_COLUMNS = ["check", "exercise", "points", "graded", "passed", "pass_rate", "mean_score",
                   "mean_seconds", "max_seconds"]
SLOWEST = 5
MANIFEST = ".deepgrade-export.json"  # the files an export wrote, by what wrote them (format and unit)
PER_UNIT = ("gradescope", "otter", "html", "summary")


def export(gradebook: Path, out: Path, formats: list[str] | None = None, unit: str | None = None,
           roster: Path | None = None, duedate: str = "", console=None, workers: int | None = None,
           warn=None) -> list[Path]:
    """Write the chosen formats (default: all) under ``out``; returns the files written. ``workers``:
    processes drawing the HTML pages' plots (default: one per CPU; 1 draws them here). ``warn``
    (default: print to stderr) gets a line for each roster problem (:func:`roster_notices`)."""
    formats = formats or list(FORMATS)
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown export format(s) {', '.join(sorted(unknown))}; choose from {', '.join(FORMATS)}")
    if not Path(gradebook).is_file():
        raise ValueError(f"no gradebook at {gradebook}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with gb.Gradebook(gradebook) as book, report_pages.Pages(workers) as pages:
        units = [unit] if unit else book.units()
        if roster:
            rows = read_roster(roster)
            book.set_roster(rows)
            for line in roster_notices(book, units, roster, rows):
                (warn or (lambda text: print(text, file=sys.stderr)))(line)
        broken = [(u, sub) for u in units for sub in book.current(u) if sub.status != gb.GRADED]
        if broken:
            written.append(_write_csv(out / "not_gradable.csv", [NOT_GRADABLE_COLUMNS] + [
                [u, sub.student_id, sub.status, reason(sub)] for u, sub in broken]))
        adjustments = [[u, sub.student_id, *row] for u in units for sub in book.current(u)
                       for row in adjustment_rows(book, sub)]
        if adjustments:
            written.append(_write_csv(out / "adjustments.csv", [ADJUSTMENT_COLUMNS] + adjustments))
        if "nbgrader" in formats:
            written.append(nbgrader_csv(book, units, out / "nbgrader_grades.csv", duedate))
        if "canvas" in formats:
            written.append(canvas_csv(book, units, out / "canvas_import.csv"))
        for name in units:
            files = file_names([sub.student_id for sub in book.current(name)])
            if "gradescope" in formats:
                written += gradescope_json(book, name, out / name / "gradescope", files)
            if "otter" in formats:
                written.append(otter_csv(book, name, out / name / "final_grades.csv"))
            if "html" in formats:  # one feedback page per student (autograder/report_pages.py)
                written += pages.export(book, name, out / name / "html", files.__getitem__)
            if "summary" in formats:
                written += summary_files(book, name, out / name)
                if console is not None:
                    print_summary(book, name, console)
    scopes = {"shared"} | {f for f in formats if f not in PER_UNIT} | {f"{f}:{u}" for f in formats if f in PER_UNIT
                                                                        for u in units}
    _replace_manifest(out, scopes, written)
    return written


def reason(sub: gb.Submission) -> str:
    """Why a submission was not graded, on one line."""
    lines = [line.strip() for line in sub.output.strip().splitlines() if line.strip()]
    text = lines[0] if lines else sub.status
    if sub.status == gb.ERROR and len(lines) > 1:
        text += " " + lines[-1]
    return text[:500]


def status_text(sub: gb.Submission) -> str:
    return "graded" if sub.status == gb.GRADED else f"not gradable ({sub.status}): {reason(sub)}"


def score_text(book: gb.Gradebook, sub: gb.Submission) -> str:
    """The final score (overrides and late penalty applied); empty when there is none to give."""
    return _fmt(book.grade(sub).final) if book.gradable(sub) else ""


def adjustment_rows(book: gb.Gradebook, sub: gb.Submission) -> list[list]:
    """``[kind, check, points, reason]`` for each override and the late penalty of a submission."""
    grade = book.grade(sub)
    rows = [["override", o.check or "(total)", _fmt(o.score), o.comment] for o in grade.overrides]
    if grade.late_reason and book.gradable(sub):
        rows.append(["late", "", _fmt(-grade.penalty) if grade.penalty else "0", grade.late_reason])
    return rows


def adjustment_text(book: gb.Gradebook, sub: gb.Submission) -> str:
    """The adjustments of a submission on one line: "override of check x: 1 (why); late: -3 (why)"."""
    grade = book.grade(sub)
    parts = [f"override of {o.what}: {o.score:g} ({o.comment})" for o in grade.overrides]
    if grade.late and book.gradable(sub):
        parts.append(f"late: {grade.late}")
    return "; ".join(parts)


def roster_notices(book: gb.Gradebook, units: list[str], path: Path, rows: list[dict]) -> list[str]:
    """The students with a submission who are not on the roster (Canvas gets their student id as
    SIS User ID), and per unit those on the roster with no submission (in no file of that unit)."""
    listed = {row["id"] for row in rows}
    submitted = {u: {s.student_id for s in book.current(u)} for u in units}

    def some(ids: set[str]) -> str:
        ids = sorted(ids)
        return ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")

    strangers = set().union(*submitted.values()) - listed
    lines = [f"{path}: {len(strangers)} student(s) with a submission are not on the roster ({some(strangers)}): "
             "no names, and their student id as Canvas's SIS User ID"] if strangers else []
    for u in units:
        absent = listed - submitted[u]
        if absent:
            lines.append(f"{u}: {len(absent)} student(s) on the roster have no submission ({some(absent)}): in no "
                         "file of this unit")
    return lines


def read_roster(path: Path) -> list[dict]:
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # a spreadsheet saved as "CSV" on Windows
        text = raw.decode("cp1252", "replace")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    if rows and "student_id" not in rows[0] and "id" not in rows[0]:
        raise ValueError(f"{path}: a roster needs a student_id column")
    rows = [{**row, "id": (row.get("student_id") or row.get("id") or "").strip()} for row in rows]
    blank = [n for n, row in enumerate(rows, start=2) if not row["id"]]
    if blank:
        raise ValueError(f"{path}: line(s) {', '.join(map(str, blank[:10]))} have no student id")
    return rows


def file_names(student_ids: list[str]) -> dict[str, str]:
    """``{student id: file name}``, one distinct name each (also where case and Unicode normalization
    are ignored, as on macOS and Windows): the id with characters other than letters, digits and
    ``@._+-`` (and a leading dot) made ``_``; an id that changed, or that clashes even so, gets
    ``-`` and the first 8 hex digits of its SHA-256."""
    def plain(name: str) -> str:
        return unicodedata.normalize("NFC", name).casefold()

    def tagged(sid: str) -> str:
        return f"{_safe_name(sid)}-{hashlib.sha256(sid.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"

    names = {sid: _safe_name(sid) if _safe_name(sid) == sid else tagged(sid) for sid in student_ids}
    seen: dict[str, int] = {}
    for name in names.values():
        seen[plain(name)] = seen.get(plain(name), 0) + 1
    names = {sid: tagged(sid) if seen[plain(name)] > 1 else name for sid, name in names.items()}
    if len({plain(n) for n in names.values()}) < len(names):
        raise ValueError("two student ids give the same file name even with their hashes; rename one")
    return names


def _safe_name(student_id: str) -> str:
    name = re.sub(r"[^\w@.+-]", "_", unicodedata.normalize("NFC", student_id))[:80]
    return re.sub(r"^\.", "_", name) or "_"


def _replace_manifest(out: Path, scopes: set[str], written: list[Path]):
    """Remove the files an earlier export into ``out`` wrote under ``scopes`` that this one did not
    write (then their folders left empty), and record this export's files in :data:`MANIFEST`."""
    path = out / MANIFEST
    try:
        before = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        before = {}
    now = {p.relative_to(out).as_posix(): _scope(p.relative_to(out)) for p in written}
    for rel, scope in before.items():
        stale = out / rel
        if scope in scopes and rel not in now and ".." not in Path(rel).parts and stale.is_file():
            stale.unlink()
            for folder in stale.parents:
                if folder == out or any(folder.iterdir()):
                    break
                folder.rmdir()
    kept = {rel: scope for rel, scope in before.items() if scope not in scopes and (out / rel).is_file()}
    path.write_text(json.dumps({**kept, **now}, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _scope(rel: Path) -> str:
    """What wrote a file under OUT: ``format:unit`` for a unit's files, the format's name for the
    class-wide CSVs, ``shared`` for ``not_gradable.csv`` and ``adjustments.csv``."""
    parts = rel.parts
    if len(parts) == 1:
        return {"nbgrader_grades.csv": "nbgrader", "canvas_import.csv": "canvas"}.get(parts[0], "shared")
    kind = {"gradescope": "gradescope", "html": "html", "final_grades.csv": "otter"}.get(parts[1], "summary")
    return f"{kind}:{parts[0]}"


def _write_csv(path: Path, rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def _fmt(x: float) -> str:
    return f"{x:g}"


def gradescope_json(book: gb.Gradebook, unit: str, folder: Path, files: dict[str, str]) -> list[Path]:
    """One Gradescope results.json per student, in the folder ``files`` names. Gradescope needs a
    number: a submission with no score gets 0, its output first saying that this 0 is no grade and
    why, and ``extra_data`` ``gradable: false``."""
    paths = []
    for sub in book.current(unit):
        data = book.report(sub).gradescope()
        grade = book.grade(sub)
        if sub.status != gb.GRADED:  # its output (Gradebook.report) says why
            data.setdefault("extra_data", {})["status"] = sub.status
        data["score"] = grade.final if book.gradable(sub) else 0.0
        if not book.gradable(sub):
            data["output"] = (f"No grade: this submission was not graded ({sub.status}: {reason(sub)}); the score "
                              "0 is there only because Gradescope needs a number.\n" + data.get("output", ""))
        data.setdefault("extra_data", {}).update(gradable=book.gradable(sub),
            raw_score=grade.raw, score_after_overrides=grade.score, late_penalty=grade.penalty,
            late_reason=grade.late_reason, overrides=[o.__dict__ for o in grade.overrides])
        path = folder / files[sub.student_id] / "results.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def nbgrader_csv(book: gb.Gradebook, units: list[str], path: Path, duedate: str = "") -> Path:
    rows = [NBGRADER_COLUMNS]
    for unit in units:
        for sub in book.current(unit):
            who, grade, policy = book.student(sub.student_id), book.grade(sub), book.policy(unit)
            ok = book.gradable(sub)
            due = duedate or (policy.extensions.get(sub.student_id, policy.due) if policy else "")
            rows.append([unit, due, sub.submitted_at, sub.student_id, who["last_name"], who["first_name"],
                         who["email"], _fmt(grade.raw) if ok else "", _fmt(grade.penalty) if ok else "",
                         score_text(book, sub), _fmt(sub.max_score), status_text(sub), adjustment_text(book, sub)])
    return _write_csv(path, rows)


def otter_csv(book: gb.Gradebook, unit: str, path: Path) -> Path:
    subs = book.current(unit)
    per_sub = {sub.id: {r.name: r for r in book.overridden_results(sub)} for sub in subs}
    checks = _check_order(book, unit, subs)
    rows = [["file", *checks, "total_points_earned", "percent_correct", "grading_status", "raw_score",
             "late_penalty", "adjustments"],
            ["points-per-question", *(_fmt(points) for points in checks.values()), _fmt(sum(checks.values())), "", "",
             "", "", ""]]
    for sub in subs:
        results = per_sub[sub.id]
        grade = book.grade(sub)
        notes = adjustment_text(book, sub)
        if not book.gradable(sub):
            rows.append([sub.student_id, *("" for _ in checks), "", "", status_text(sub), "", "", notes])
            continue
        cells = [("" if results[c].skipped else _fmt(results[c].score)) if c in results else "0" for c in checks]
        percent = 100 * grade.final / sub.max_score if sub.max_score else 0.0
        rows.append([sub.student_id, *cells, _fmt(grade.final), f"{percent:.2f}",
                     "completed" if sub.status == gb.GRADED else status_text(sub), _fmt(grade.raw),
                     _fmt(grade.penalty), notes])
    return _write_csv(path, rows)


def _check_order(book: gb.Gradebook, unit: str, subs) -> dict[str, float]:
    """Check name -> points, in the suite's order (from the suite where it exists, else the gradebook)."""
    from .suite import load_suite

    try:
        return {c.name: c.points for c in load_suite(unit).checks}
    except ValueError:
        order: dict[str, float] = {}
        for sub in subs:
            for r in book.results(sub.id):
                order.setdefault(r.name, r.max_score)
        return order


def canvas_csv(book: gb.Gradebook, units: list[str], path: Path) -> Path:
    """Canvas's gradebook import: student columns, a ``Points Possible`` row, a column per unit."""
    from .suite import load_suite

    scores: dict[str, dict[str, str]] = {}
    possible: dict[str, float] = {}
    for unit in units:
        subs = book.current(unit)
        try:
            possible[unit] = load_suite(unit).max_score
        except ValueError:
            possible[unit] = max((s.max_score for s in subs), default=0.0)
        for sub in subs:
            scores.setdefault(sub.student_id, {})[unit] = score_text(book, sub)  # empty: not gradable, never 0
    rows = [[*CANVAS_COLUMNS, *units], ["Points Possible", "", "", "", "", *(_fmt(possible[u]) for u in units)]]
    for sid in sorted(scores):
        who = book.student(sid)
        name = f"{who['last_name']}, {who['first_name']}" if who["last_name"] else sid
        rows.append([name, who["canvas_id"], who["sis_user_id"] or sid, who["sis_login_id"], who["section"],
                     *(scores[sid].get(u, "") for u in units)])
    return _write_csv(path, rows)


def check_summary(book: gb.Gradebook, unit: str) -> dict:
    """Per check: graded, passed, pass rate, mean score, mean and max seconds; plus statuses."""
    subs = book.current(unit)
    statuses: dict[str, int] = {}
    for sub in subs:
        statuses[sub.status] = statuses.get(sub.status, 0) + 1
    checks: dict[str, dict] = {}
    for sub in subs:
        if sub.status != gb.GRADED:
            continue
        for r in book.results(sub.id):
            row = checks.setdefault(r.name, {"check": r.name, "exercise": r.exercise, "points": r.max_score,
                                             "graded": 0, "passed": 0, "scores": [], "seconds": []})
            if r.skipped:
                continue
            row["graded"] += 1
            row["passed"] += r.status == "passed"
            row["scores"].append(r.score)
            row["seconds"].append(r.duration)
    rows = []
    for row in checks.values():
        n = row["graded"]
        scores, seconds = row.pop("scores"), row.pop("seconds")
        rows.append({**row, "pass_rate": round(row["passed"] / n, 4) if n else None,
                     "mean_score": round(sum(scores) / n, 4) if n else None,
                     "mean_seconds": round(sum(seconds) / n, 4) if n else None,
                     "max_seconds": round(max(seconds), 4) if n else None})
    graded = [s for s in subs if s.status == gb.GRADED]
    finals = [book.grade(s).final for s in subs if book.gradable(s)]
    adjustments = [{"student_id": s.student_id, "kind": kind, "check": check, "points": points, "reason": why}
                   for s in subs for kind, check, points, why in adjustment_rows(book, s)]
    slowest = sorted((r for r in rows if r["mean_seconds"] is not None), key=lambda r: -r["mean_seconds"])[:SLOWEST]
    return {"unit": unit, "submissions": len(subs), "statuses": statuses,
            "mean_score": round(sum(s.score for s in graded) / len(graded), 4) if graded else None,
            "max_score": max((s.max_score for s in subs), default=0.0),
            "mean_final_score": round(sum(finals) / len(finals), 4) if finals else None,
            "adjustments": adjustments,
            "checks": rows, "slowest": [r["check"] for r in slowest]}


def summary_files(book: gb.Gradebook, unit: str, folder: Path) -> list[Path]:
    summary = check_summary(book, unit)
    table = [SUMMARY_COLUMNS] + [["" if row[c] is None else row[c] for c in SUMMARY_COLUMNS] for row in summary["checks"]]
    csv_path = _write_csv(folder / "check_summary.csv", table)
    json_path = folder / "summary.json"
    json_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [csv_path, json_path]


def print_summary(book: gb.Gradebook, unit: str, console):
    from rich.table import Table

    summary = check_summary(book, unit)
    statuses = ", ".join(f"{n} {status}" for status, n in sorted(summary["statuses"].items()))
    mean = "n/a" if summary["mean_score"] is None else f"{summary['mean_score']:g} / {summary['max_score']:g}"
    table = Table(title=f"{unit}: {summary['submissions']} submissions ({statuses}); mean score {mean}",
                  title_justify="left")
    for col in ("check", "points", "pass rate", "mean score", "mean s", "max s"):
        table.add_column(col, justify="left" if col == "check" else "right")
    slow = set(summary["slowest"])
    for row in summary["checks"]:
        if row["graded"] == 0:
            table.add_row(row["check"], _fmt(row["points"]), "skipped", "", "", "")
            continue
        rate = row["pass_rate"]
        style = "green" if rate >= 0.8 else ("yellow" if rate >= 0.4 else "red")
        table.add_row(row["check"], _fmt(row["points"]), f"[{style}]{100 * rate:.0f} %[/]", f"{row['mean_score']:.2f}",
                      f"[bold]{row['mean_seconds']:.3f}[/]" if row["check"] in slow else f"{row['mean_seconds']:.3f}",
                      f"{row['max_seconds']:.3f}")
    console.print(table)
    if summary["slowest"]:
        by_name = {r["check"]: r for r in summary["checks"]}
        console.print("slowest checks (mean seconds): " + ", ".join(
            f"{name} {by_name[name]['mean_seconds']:.3f}" for name in summary["slowest"]))


def summary_table(gradebook: Path, unit: str, console):
    with gb.Gradebook(gradebook) as book:
        print_summary(book, unit, console)
