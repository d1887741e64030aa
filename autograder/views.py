"""What the instructor reads in the terminal: the class table after ``batch``, and one student's
checks (``autograder show GRADEBOOK STUDENT``), both with overrides and late penalties applied
the way the exports apply them (:meth:`Gradebook.grade`)."""
from __future__ import annotations

from pathlib import Path

from . import gradebook as gb
from .report import feedback


def _fmt(x: float) -> str:
    return f"{x:g}"


def class_table(book: gb.Gradebook, unit: str, console, students: list[str] | None = None):
    """One row per student: status, score / max, overrides, late penalty, final."""
    from rich.table import Table
    from rich.text import Text

    policy = book.policy(unit)
    title = f"{unit}: grades" + (f" (late policy: {policy.describe()})" if policy else " (no late policy)")
    table = Table(title=title, title_justify="left")
    for col, kw in (("student", {}), ("status", {}), ("score", {"justify": "right"}),
                    ("late penalty", {"justify": "right"}), ("final", {"justify": "right"}),
                    ("notes", {"overflow": "fold"})):
        table.add_column(col, **kw)
    starred = False
    for sub in book.current(unit):
        if students and sub.student_id not in students:
            continue
        grade = book.grade(sub)
        ok = book.gradable(sub)
        status = sub.status if sub.status == gb.GRADED else f"[red]{sub.status}[/red]"
        score = f"{_fmt(grade.score)} / {_fmt(sub.max_score)}" if ok else "-"
        if grade.overrides and ok:
            score += " *"
            starred = True
        notes = [o.describe() for o in grade.overrides]
        if grade.late_reason and ok:
            notes.append(grade.late_reason)
        if sub.status != gb.GRADED:
            from .exports import reason

            notes.insert(0, reason(sub))
        table.add_row(sub.student_id, status, score, f"-{_fmt(grade.penalty)}" if grade.penalty else "0" if ok else "",
                      f"[b]{_fmt(grade.final)}[/b]" if ok else "", Text("; ".join(notes)))
    console.print(table)
    if starred:
        console.print("* includes the instructor's overrides")


def student_view(gradebook: Path, student: str, unit: str | None, console, html: Path | None = None) -> int:
    """One student's current submission(s): every check with its score and message, then the grade;
    with ``html``, also the HTML report (:mod:`autograder.report_html`) of each, as recorded (plots
    and printed output included): ``html`` itself for one unit, else ``<stem>-<unit>.html``."""
    from rich.table import Table
    from rich.text import Text

    if not Path(gradebook).is_file():
        raise ValueError(f"no gradebook at {gradebook}")
    with gb.Gradebook(gradebook) as book:
        units = [unit] if unit else book.units()
        shown = 0
        for name in units:
            sub = next((s for s in book.current(name) if s.student_id == student), None)
            if sub is None:
                continue
            shown += 1
            grade = book.grade(sub)
            by_check = {o.check: o for o in grade.overrides if o.check}
            graded = sub.status == gb.GRADED
            when = sub.submitted_at or ("at an unknown time" + (" (see the late penalty)" if sub.time_problem else ""))
            head = (f"{student}, {name}: {sub.status}; submitted {when}; "
                    f"{'graded' if graded else 'tried'} {sub.graded_at}")
            console.rule(head)
            if not graded:
                console.print(f"not graded ({sub.status}): {sub.output.strip()}", markup=False, highlight=False)
            else:
                table = Table(title_justify="left")
                for col, kw in (("#", {"justify": "right"}), ("check", {}), ("score", {"justify": "right"}),
                                ("feedback", {"overflow": "fold"})):
                    table.add_column(col, **kw)
                for r in book.overridden_results(sub):
                    mark = "skipped" if r.skipped else f"{r.score:g}/{r.max_score:g}"
                    style = "dim" if r.skipped else ("green" if r.status == "passed" else "red")
                    if r.name in by_check:
                        mark += " *"
                    table.add_row(r.number, f"{r.exercise}: {r.name}", f"[{style}]{mark}[/]", Text(feedback(r)))
                console.print(table)
                for line in sub.output.splitlines()[1:]:
                    console.print(line, markup=False, highlight=False)
            ok = book.gradable(sub)  # not graded and no total given by the instructor: no score to show
            lines = [f"graded score: {_fmt(grade.raw)} / {_fmt(sub.max_score)}"] if graded else []
            lines += [f"override: {o.describe()}" for o in grade.overrides]
            if grade.late and ok:
                lines.append(f"late penalty: {grade.late}")
            lines.append(f"final: {_fmt(grade.final)} / {_fmt(sub.max_score)}" if ok else
                         "final: none (not gradable; `autograder override` of the total gives one)")
            for line in lines:
                console.print(line, markup=False, highlight=False)
            if html is not None:
                from . import report_html

                many = len(units) > 1
                path = Path(html).with_name(f"{Path(html).stem}-{name}.html") if many else Path(html)
                report_html.write(book.report(sub), path, student=student)
                console.print(f"wrote {path}", markup=False, highlight=False)
        if not shown:
            import difflib

            theirs = [u for u in book.units() if any(s.student_id == student for s in book.current(u))]
            close = difflib.get_close_matches(student, book.student_ids(), n=3, cutoff=0.6)
            hint = (f" (only of {', '.join(theirs)})" if theirs else f" (did you mean {', '.join(close)}?)" if close
                    else "")
            raise ValueError(f"{student} has no submission{' of ' + unit if unit else ''} in {gradebook}{hint}")
    return 0
