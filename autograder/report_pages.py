"""A class's feedback pages at once (``autograder export --format html``): each distinct plot drawn
once, in worker processes, each page rendered here as soon as its plots are back.

A plot costs about 0.073 s of CPU to draw (:func:`report_html.draw`), nearly all of an export's
time; drawn one after another, a class of several hundred students waits tens of seconds on one
core. Here the plots of a unit's pages are gathered first, students who made the same mistake on
the same inputs share one drawing (equal data, the same PNG), and the distinct ones go to a pool of
``workers`` processes (default: the CPUs this process may use), in page order, while this process
reads the gradebook, renders and writes the pages in that order. A worker imports matplotlib once
(about 0.55 s of CPU with the project), so fewer than :data:`PARALLEL_MIN` distinct plots are
drawn here instead, and the pool, once started, serves every unit of the export.

Pages are byte-identical to :func:`report_html.write`'s for the same report, one at a time: a
figure gets the ``png`` and ``error`` :func:`report_html.drawn` gives it (a plot that cannot be
drawn says why on the page), and :func:`report_html.render` applies the per-submission cap as
always. A worker that dies leaves its plots to be drawn here.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import subprocess
import sys
import threading
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from . import report_html
from .report import Report

PARALLEL_MIN = 16  # distinct plots worth starting workers for (a worker's start costs about 8 plots)


def available_cores() -> int:
    """The CPUs this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Pages:
    """Writes pages for many submissions; a context manager that ends its worker pool.

    ``workers=1`` draws every plot in this process (still each distinct plot once).
    """

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or available_cores())
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Pages:
        return self

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def export(self, book, unit: str, folder: Path, file_name) -> list[Path]:
        """One page per student of ``unit`` in the gradebook, named ``file_name(student_id) +
        ".html"``, as recorded (:meth:`Gradebook.report`: plots and printed output included)."""
        pending = deque((sub.student_id, book.report(sub)) for sub in book.current(unit))
        plots = self.draw([f for _, report in pending for r in report.results for f in r.figures])
        paths = []
        while pending:  # a written page's plots are let go
            student, report = pending.popleft()
            plots.fill(report)
            paths.append(report_html.write(report, folder / f"{file_name(student)}.html", student=student))
        return paths

    def draw(self, figures: list[dict]) -> Plots:
        """Start drawing the distinct plots among ``figures`` (those not drawn yet), in order."""
        plots = Plots(figures)
        if len(plots.drawings) >= PARALLEL_MIN and self.workers > 1:
            if self.pool is None:
                self.pool = ProcessPoolExecutor(min(self.workers, len(plots.drawings)),
                                                mp_context=multiprocessing.get_context("spawn"))
            try:
                for key, figure in plots.first.items():
                    plots.drawings[key] = self.pool.submit(_drawing, figure)
            except BrokenProcessPool:  # a worker died: what was not submitted is drawn here
                pass
        return plots


class Drawer:
    """Draws one grading's plots in another process as its checks attach them, so that they are
    ready when it ends (Gradescope shows them with the results).

    The process (``python -m autograder.report_pages``) starts with the first check, once the
    sandbox worker (the grading's critical path) is up, and imports matplotlib (0.35 s) while the
    checks wait on that worker; a thread of this process would contend with the checks for the
    interpreter instead. It reads figures as JSON lines and answers each with ``[png, error]``; a
    thread here collects the answers. Plots it did not answer (it could not start, died, or took
    longer than :data:`DRAW_LIMIT` after the last check) are drawn here.
    """

    def __init__(self):
        self.proc: subprocess.Popen | None = None
        self.sent: list[dict] = []
        self.answers: list[list] = []
        self.reader: threading.Thread | None = None

    def add(self, result) -> None:
        """Start drawing the plots of a finished check (a :class:`.report.CheckResult`)."""
        if self.reader is None:
            self._start()
        for figure in result.figures:
            if "png" not in figure:
                self.sent.append(figure)
                self._send(figure)

    def _start(self):
        self.reader = threading.Thread(target=self._read, daemon=True, name="drawer")
        try:
            self.proc = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:
            return
        self.reader.start()

    def _send(self, figure: dict):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps(figure).encode() + b"\n")
                self.proc.stdin.flush()
            except OSError:  # it died: what it did not answer is drawn here
                pass

    def _read(self):
        for line in self.proc.stdout:
            self.answers.append(json.loads(line))

    def finish(self) -> None:
        """Give every plot added its ``png`` and ``error`` (as :func:`report_html.drawn` does)."""
        if self.proc is not None:
            if not self.sent:  # nothing to wait for, not even its warm-up
                self.proc.kill()
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            self.reader.join(DRAW_LIMIT)
            self.proc.kill()
            self.proc.wait()
        for i, figure in enumerate(self.sent):
            figure["png"], figure["error"] = self.answers[i] if i < len(self.answers) else _drawing(figure)
        self.sent, self.answers, self.proc, self.reader = [], [], None, None


DRAW_LIMIT = 60.0  # seconds a Drawer's process may still take after the last check


def serve() -> None:
    """A :class:`Drawer`'s process: each figure read as a JSON line from stdin, answered with a
    JSON line ``[png, error]`` on stdout, in order, until stdin closes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401 (imported before the first plot)
    from matplotlib.figure import Figure  # noqa: F401

    for line in sys.stdin.buffer:
        sys.stdout.write(json.dumps(_drawing(json.loads(line))) + "\n")
        sys.stdout.flush()


class Plots:
    """The drawings of a set of figures, keyed by what is drawn; each handed out as often as it
    occurs, then let go."""

    def __init__(self, figures: list[dict]):
        undrawn = [f for f in figures if "png" not in f]
        self.uses = Counter(map(key, undrawn))
        self.first = {}
        for figure in undrawn:
            self.first.setdefault(key(figure), figure)
        self.drawings: dict[str, Future | tuple | None] = dict.fromkeys(self.first)

    def fill(self, report: Report):
        """Give every undrawn figure of ``report`` its ``png`` and ``error``."""
        for r in report.results:
            for figure in r.figures:
                if "png" not in figure:
                    figure["png"], figure["error"] = self._take(key(figure))

    def _take(self, k: str) -> tuple:
        drawing = self.drawings[k]
        if isinstance(drawing, Future):
            try:
                drawing = drawing.result()
            except BrokenProcessPool:
                drawing = None
        if drawing is None:
            drawing = _drawing(self.first[k])
        self.uses[k] -= 1
        if self.uses[k]:
            self.drawings[k] = drawing
        else:
            del self.drawings[k], self.first[k], self.uses[k]
        return drawing


def key(figure: dict) -> str:
    """What :func:`report_html.draw` draws of a figure (its kind, title and arrays), as a digest."""
    what = json.dumps([figure["kind"], figure.get("title", ""), figure["arrays"]], sort_keys=True)
    return hashlib.sha256(what.encode()).hexdigest()


def _drawing(figure: dict) -> tuple:
    """``(png, error)`` as :func:`report_html.drawn` gives them (run in a worker, or here)."""
    drawn = report_html.drawn({k: figure[k] for k in ("kind", "title", "arrays") if k in figure})
    return drawn["png"], drawn["error"]


if __name__ == "__main__":
    serve()
