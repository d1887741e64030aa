"""Grade a whole class: ``autograder batch SUBMISSIONS --unit UNIT``.

SUBMISSIONS holds one entry per student, named by student id: a folder, a ``.zip``, or the unit's
notebook, ``.ipynb``; each is read by the same intake as ``autograder grade`` and Gradescope
(:func:`autograder.submission.intake`: debris ignored, modules or notebook found at any depth).
A folder that looks like one student's submission is refused with a hint; two entries for one
student are recorded for that student as not gradable, and the others are graded. Grader processes
(a ``spawn`` process pool: hypothesis is not thread-safe) each grade one submission at a time with
:func:`runner.grade`, seeded by (course salt, unit, check, student id). Only this parent process
writes the gradebook, one transaction per finished submission, so a rerun after any interruption
grades only what is missing or changed.

A submission that breaks anything breaks only its own row: an invalid entry is recorded as
``invalid``, a grader exception as ``error``, one running past ``--timeout`` is stopped and
recorded as ``timeout``, and one that kills its grader process is retried alone and recorded as
``crashed`` if it kills it again.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import multiprocessing.util
import os
import shlex
import signal
import sys
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from . import gradebook as gb
from . import late, runner, seeds, submission
from .sandbox import launchers
from .sandbox.pool import Pool
from .submission import SubmissionError
from .suite import load_suite, unit_names

KILL_GRACE = 30.0  # seconds past its timeout before a grader process that ignores its alarm is killed


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a batch; ``outcome`` says what was recorded before it (the rest a rerun grades)."""

    def __init__(self, outcome: "Outcome"):
        super().__init__()
        self.outcome = outcome


class GradingTimeout(BaseException):
    """Raised by the alarm inside a grader process; BaseException so no ``except Exception`` swallows it."""


# ---------------------------------------------------------------- submissions
def student_id(entry: Path) -> str:
    name = submission.fs_text(entry.name)  # "josé/" is josé under any locale
    for suffix in (*submission.ARCHIVES, ".ipynb"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


@dataclass
class Scan:
    """A class folder read: one entry per student, and the students with more than one entry."""

    entries: list[tuple[str, Path]]
    conflicts: dict[str, list[Path]]


def scan(folder: Path, unit: str | None = None) -> Scan:
    """The entries of a class folder by student id; debris and hidden entries are ignored.

    Two entries for one student (``erin/`` and ``erin.zip``) are a conflict of that student only.
    A folder that looks like ONE student's submission is refused first (:func:`one_student`).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise SubmissionError(f"{folder} is not a folder of submissions")
    if unit:
        one_student(folder, unit)
    found: dict[str, list[Path]] = {}
    for entry in entries(folder):
        if not upload(entry):
            print(f"autograder batch: ignoring {entry.name} (not a folder, an archive or a .ipynb)", file=sys.stderr)
            continue
        found.setdefault(student_id(entry), []).append(entry)
    return Scan(sorted((sid, entries[0]) for sid, entries in found.items() if len(entries) == 1),
                {sid: entries for sid, entries in sorted(found.items()) if len(entries) > 1})


def entries(folder: Path) -> list[Path]:
    """A class folder's entries, sorted, without debris, hidden entries and links."""
    return [e for e in sorted(folder.iterdir())
            if not (submission.debris(e.name) or submission.ignored_folder(e.name) or e.is_symlink())]


def upload(entry: Path) -> bool:
    """Whether a class folder's entry can be a student's upload: a folder, an archive or a notebook."""
    return entry.is_dir() or bool(submission.archive_kind(entry.name)) or entry.name.lower().endswith(".ipynb")


def one_student(folder: Path, unit: str):
    """Refuse a folder that looks like ONE student's submission, not a class: it holds an entry named
    after a unit (``unit02_regression.ipynb`` too: graded as a class it would make a student of the
    unit), the unit's modules or a package's ``__init__.py``. The hint names the unit it is for."""
    modules = {f"{m}.py".lower() for m in load_suite(unit).modules} | {"__init__.py"}
    units = {u.lower(): u for u in unit_names()}
    entries = [e for e in sorted(folder.iterdir()) if not submission.debris(e.name)]
    named = [e for e in entries if student_id(e).lower() in units]
    signs = [e.name for e in named] + [e.name for e in entries if e.is_file() and e.name.lower() in modules]
    if signs:
        hint = [units[n] for n in [student_id(e).lower() for e in named] + [folder.name.lower()] if n in units]
        raise SubmissionError(f"{folder.name} looks like one student's submission, not a class folder (it holds "
                              f"{', '.join(signs[:4])}); point batch at the folder that holds one folder, .zip or "
                              f".ipynb per student, named by student id, or grade this one with "
                              f"`autograder grade {folder} --unit {(hint or [unit])[0]}`")


def several_students(folder: Path, unit: str):
    """Refuse, for ``grade``, a folder of several submissions (a class folder, or one student's
    ``draft/`` and ``final/``): two of its entries not named after a unit (folders, archives,
    notebooks) each hold all of ``unit``'s modules (or its notebook) with work in them. Graded as
    one, it would grade whichever the intake preferred; batch refuses such a student's entry alike
    (:func:`submission.several_submissions`)."""
    units = {u.lower() for u in unit_names()}
    held = []
    for entry in (e for e in entries(folder) if upload(e) and student_id(e).lower() not in units):
        try:
            found = submission.intake(entry, unit)
        except SubmissionError:
            continue
        if found.missing or submission.untouched(found, unit):
            continue
        held.append(entry.name + ("/" if entry.is_dir() else ""))
        if len(held) == 2:
            raise submission.several_submissions(folder.name, held, more=True, advice=(
                f"grade one of them (`autograder grade {folder / held[0].rstrip('/')}`), or the class with "
                f"`autograder batch {folder} --unit {unit}`"))


def list_entries(folder: Path, unit: str | None = None) -> list[tuple[str, Path]]:
    """``[(student id, entry)]`` sorted by id, without students who have more than one entry."""
    return scan(folder, unit).entries


def content_hash(entry: Path) -> str:
    """SHA-256 of an entry's bytes: a zip file, or a folder's regular files and their paths."""
    digest = hashlib.sha256()
    if entry.is_file():
        with open(entry, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    for path in sorted(entry.rglob("*")):
        rel = path.relative_to(entry).as_posix()
        if "__pycache__" in rel or path.is_dir():
            continue
        digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        if path.is_symlink():
            digest.update(b"symlink")
        else:
            with open(path, "rb") as f:  # streamed: a course folder may hold data sets
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def submitted_at(entry: Path, times: dict[str, str] | None = None, sid: str | None = None) -> tuple[str, str]:
    """``(time, problem)``: when the submission system says it was handed in (:mod:`autograder.late`:
    the ``--submitted-at`` CSV, Gradescope's ``submission_metadata.json``, nbgrader's
    ``timestamp.txt``), else ``""`` and why a file there could not be read (:func:`late.entry_time`).
    Never a file's mtime: copying or unzipping changes it."""
    if times and sid in times:
        return times[sid], ""
    return late.entry_time(entry)


def conflict_text(sid: str, entries: list[Path]) -> str:
    names = " and ".join(submission.fs_text(e.name) + ("/" if e.is_dir() else "") for e in entries)
    return f"not graded: two submissions for student {sid} ({names}); keep one and run the batch again"


# ---------------------------------------------------------------- grader processes
def _init_grader(started, unit: str, no_sandbox: bool):
    """Runs once in each grader process: die with the parent, set the alarm handler, warm the
    imports, and keep one worker started ahead (sandboxed, its imports done) for the next submission."""
    global _STARTED, _POOL
    _STARTED = started
    _die_with_parent()
    signal.signal(signal.SIGALRM, _stop)
    suite = load_suite(unit)
    runner.load_reference(suite)
    _POOL = Pool(launchers.choose(no_sandbox), size=1, preloads=(suite.preload,))
    # a pool process ends through multiprocessing's exit (os._exit after its finalizers, no atexit):
    # close the pool there, or its zygote and ready worker leave their folders in the temp folder
    multiprocessing.util.Finalize(_POOL, _POOL.close, exitpriority=10)


def _die_with_parent():
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:
        os._exit(1)


def _stop(signum, frame):
    raise GradingTimeout()


def _grade_job(sid: str, entry: str, unit: str, salt: str, timeout: float):
    """Grade one submission in a grader process; returns ``(status, Report or message)``.

    Past ``timeout`` seconds the alarm raises :class:`GradingTimeout` wherever grading is; the
    runner's cleanup still kills the student's worker on the way out.
    """
    _STARTED.put((sid, os.getpid()))
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return submission.grade_entry(Path(entry), unit, submission_id=sid, salt=salt, launcher=_POOL.launcher,
                                      pool=_POOL)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


# ---------------------------------------------------------------- the parent
@dataclass
class Job:
    sid: str
    entry: Path
    content_hash: str
    submitted_at: str
    time_problem: str = ""
    pid: int | None = None
    started: float | None = None
    killed: bool = False
    suspect: bool = False  # its grader process died once; it runs alone until resolved


@dataclass
class Outcome:
    """What a batch did, for the caller and the end-of-run line."""

    total: int = 0
    up_to_date: int = 0
    graded: int = 0
    times: int = 0  # submission times recorded (graded or not): the CSV's, else Gradescope's or nbgrader's
    statuses: dict[str, int] = field(default_factory=dict)
    wall: float = 0.0
    run_id: int | None = None

    @property
    def broken(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != gb.GRADED)


class Batch:
    """Schedules jobs on a pool of grader processes and records each as it finishes."""

    def __init__(self, book: gb.Gradebook, unit: str, salt: str, workers: int, no_sandbox: bool,
                 timeout: float, run_id: int, isolation: str, on_done=None):
        self.book, self.unit, self.salt, self.workers = book, unit, salt, max(1, workers)
        self.no_sandbox, self.timeout, self.run_id, self.isolation = no_sandbox, timeout, run_id, isolation
        self.on_done = on_done or (lambda job, status, text: None)
        self.max_score = load_suite(unit).max_score
        self.ctx = multiprocessing.get_context("spawn")
        self.started = self.ctx.Queue()
        self.pool: ProcessPoolExecutor | None = None

    def _new_pool(self):
        self.pool = ProcessPoolExecutor(self.workers, mp_context=self.ctx, initializer=_init_grader,
                                        initargs=(self.started, self.unit, self.no_sandbox))

    def run(self, jobs: list[Job]):
        queue, suspects, running = deque(jobs), deque(), {}
        self._new_pool()
        try:
            while queue or suspects or running:
                solo = bool(suspects) or any(job.suspect for job in running.values())
                while len(running) < (1 if solo else self.workers) and (suspects or queue):
                    job = suspects.popleft() if suspects else queue.popleft()
                    future = self.pool.submit(_grade_job, job.sid, str(job.entry), self.unit, self.salt,
                                              self.timeout)
                    running[future] = job
                done, _ = wait(list(running), timeout=0.25, return_when=FIRST_COMPLETED)
                self._note_starts(running.values())
                broken = []
                for future in done:
                    job = running.pop(future)
                    exc = future.exception()
                    if isinstance(exc, BrokenProcessPool):
                        broken.append(job)
                    elif isinstance(exc, GradingTimeout):
                        self._record(job, gb.TIMEOUT, self._timeout_text())
                    elif exc is not None:
                        self._record(job, gb.ERROR, f"internal grader error: {type(exc).__name__}: {exc}")
                    else:
                        self._record(job, *future.result())
                if broken:
                    broken += self._drain(running)
                    self._recover(broken, queue, suspects)
                else:
                    self._kill_stuck(running)
        except KeyboardInterrupt:  # the grader processes would finish their gradings, unrecorded, before exiting
            for process in list((self.pool._processes or {}).values()):  # no public way to stop them (3.14 has one)
                process.terminate()
            raise
        finally:
            self.pool.shutdown(wait=False, cancel_futures=True)

    def _note_starts(self, jobs):
        started = {}
        while not self.started.empty():
            try:
                sid, pid = self.started.get_nowait()
            except Exception:
                break
            started[sid] = pid
        for job in jobs:
            if job.sid in started:
                job.pid, job.started = started[job.sid], time.monotonic()

    def _kill_stuck(self, running: dict):
        """A grader process still busy well past its own alarm is wedged: kill it (the pool breaks)."""
        now = time.monotonic()
        for future, job in running.items():
            if job.started is not None and not future.done() and now - job.started > self.timeout + KILL_GRACE:
                job.killed = True
                try:
                    os.kill(job.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def _drain(self, running: dict) -> list[Job]:
        """Once the pool is broken every running future fails; collect them and start a new pool."""
        wait(list(running))
        jobs = []
        for future, job in list(running.items()):
            exc = future.exception()
            if exc is None:
                self._record(job, *future.result())
            else:
                jobs.append(job)
        running.clear()
        self.pool.shutdown(wait=True, cancel_futures=True)
        self._new_pool()
        return jobs

    def _recover(self, broken: list[Job], queue: deque, suspects: deque):
        """A grader process died: blame the job we killed, or the job that ran alone; retry the rest alone."""
        killed = [job for job in broken if job.killed]
        for job in killed:
            self._record(job, gb.TIMEOUT, self._timeout_text())
        rest = [job for job in broken if not job.killed]
        for job in rest:
            job.pid = job.started = None
        if killed:
            queue.extendleft(reversed(rest))
            return
        for job in rest:
            if job.suspect:  # it ran alone this time
                self._record(job, gb.CRASHED, "the grading process died while grading this submission "
                                              "(twice, the second time alone)")
            else:
                job.suspect = True
                suspects.append(job)

    def _timeout_text(self) -> str:
        return f"grading stopped: the submission ran past the batch's limit of {self.timeout:g} s"

    def _record(self, job: Job, status: str, value):
        if status == gb.GRADED:
            self.book.record(job.sid, self.unit, job.content_hash, job.submitted_at, self.run_id, status, value,
                             time_problem=job.time_problem)
            text = f"{value.score:g} / {value.max_score:g}"
        else:
            self.book.record(job.sid, self.unit, job.content_hash, job.submitted_at, self.run_id, status,
                             max_score=self.max_score, output=str(value), isolation=self.isolation,
                             time_problem=job.time_problem)
            text = str(value).strip().splitlines()[-1] if str(value).strip() else status
        self.on_done(job, status, text)


def run_batch(submissions: Path, unit: str, *, workers: int | None = None, gradebook: Path = Path("gradebook.sqlite"),
              regrade: bool = False, no_sandbox: bool = False, timeout: float = 900.0, salt: str | None = None,
              console=None, progress: bool = True, scheduler: str | None = None, only: list[str] | None = None,
              times: Path | None = None) -> Outcome:
    """Grade every new or changed submission in ``submissions``; returns the :class:`Outcome`.

    ``only``: grade just these students, again even if up to date (a regrade of one student into
    the gradebook; overrides are kept). ``times``: a ``student_id,submitted_at`` CSV. Every
    submission's time (the CSV's, else its entry's) is recorded, also where the grading is up to
    date, so a late policy set after a batch applies; a CSV row for a student with no submission
    is reported.

    With ``scheduler`` (a Dask scheduler's address) the gradings run on that cluster
    (:mod:`autograder.distributed`) and this process only records them.
    """
    from rich.console import Console

    console = console or Console(stderr=True)
    if not timeout > 0 or (workers is not None and workers < 1):
        raise ValueError(f"a batch needs a timeout above 0 s and 1 worker or more (not {timeout:g} s, {workers} workers)")
    if scheduler:  # connect first: the cluster's workers warm up while this process reads the submissions
        from .distributed import DaskBatch

        cluster = DaskBatch(scheduler, unit, no_sandbox)
    suite = load_suite(unit)
    # refuses here, once, if the sandbox is missing; on a cluster each grading records its own isolation
    isolation = "cluster" if scheduler else launchers.choose(no_sandbox).isolation
    salt = salt if salt is not None else seeds.unit_salt(unit)
    workers = workers or os.cpu_count() or 1
    outcome = Outcome()
    began = time.monotonic()
    found = scan(submissions, unit)  # refuses one student's folder before any gradebook is touched
    clock = late.read_submitted_at(times) if times else {}
    strangers = sorted(set(clock) - {sid for sid, _ in found.entries} - set(found.conflicts))
    if strangers:
        console.print(f"[yellow]{times}: no submission for {', '.join(strangers[:10])}"
                      f"{' and others' if len(strangers) > 10 else ''}[/yellow] (time not recorded; a typo?)")
    if only:
        unknown = sorted(set(only) - {sid for sid, _ in found.entries} - set(found.conflicts))
        if unknown:
            raise SubmissionError(f"no submission for {', '.join(unknown)} in {submissions}")
        found = Scan([(sid, e) for sid, e in found.entries if sid in only],
                     {sid: es for sid, es in found.conflicts.items() if sid in only})
        regrade = True
    try:
        with gb.Gradebook(gradebook) as book:
            jobs = []
            for sid, entry in found.entries:
                digest, (when, problem) = content_hash(entry), submitted_at(entry, clock, sid)
                outcome.total += 1
                outcome.times += bool(when)
                if problem:
                    console.print(f"[yellow]{sid}: submission time unknown[/yellow]: {problem}", highlight=False)
                if not regrade and book.is_done(sid, unit, digest):
                    outcome.up_to_date += 1
                    if when or problem:
                        book.set_submitted_at(sid, unit, digest, when, problem)
                    continue
                jobs.append(Job(sid, entry, digest, when, problem))
            for sid, entries in found.conflicts.items():  # recorded at once as not gradable: the others go on
                outcome.total += 1
                digest = "conflict:" + hashlib.sha256("".join(content_hash(e) for e in entries).encode()).hexdigest()
                when, problem = max(submitted_at(e, clock, sid) for e in entries)
                outcome.times += bool(when)
                if not regrade and book.is_done(sid, unit, digest):
                    outcome.up_to_date += 1
                    if when or problem:
                        book.set_submitted_at(sid, unit, digest, when, problem)
                    continue
                book.record(sid, unit, digest, when, None, gb.INVALID, max_score=suite.max_score,
                            output=conflict_text(sid, entries), isolation=isolation, time_problem=problem)
                outcome.graded += 1
                outcome.statuses[gb.INVALID] = outcome.statuses.get(gb.INVALID, 0) + 1
                console.print(f"[red]{gb.INVALID}[/red] {sid}: {conflict_text(sid, entries)}")
            console.print(f"{unit}: {len(jobs)} to grade, {outcome.up_to_date} up to date; "
                          f"{outcome.times} of {outcome.total} submission time(s) recorded"
                          + (f"; {min(workers, len(jobs))} grader process(es); isolation: {isolation}" if jobs else ""))
            if not jobs:
                if scheduler:
                    cluster.close()
                outcome.wall = max(time.monotonic() - began, 1e-9)
                return outcome
            run_id = book.start_run(unit, workers, isolation, shlex.join(sys.argv))
            outcome.run_id = run_id
            with _Progress(console, len(jobs), enabled=progress) as bar:
                def on_done(job, status, text):
                    outcome.graded += 1
                    outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
                    bar.advance(job.sid, status, text)

                local = Batch(book, unit, salt, min(workers, len(jobs)), no_sandbox, timeout, run_id, isolation, on_done)
                if scheduler:
                    cluster.run(jobs, local._record, salt, timeout)
                else:
                    local.run(jobs)
            book.finish_run(run_id)
    except KeyboardInterrupt:  # Ctrl-C: what was recorded stays; a rerun grades the rest
        raise Interrupted(outcome) from None
    outcome.wall = time.monotonic() - began
    return outcome


class _Progress:
    """A rich progress bar: done/total, rate, ETA, and each broken submission as it happens."""

    def __init__(self, console, total: int, enabled: bool = True):
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        self.console, self.failures = console, 0
        self.progress = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                                 TimeRemainingColumn(), TextColumn("{task.fields[failures]}"),
                                 console=console, disable=not enabled, transient=False)
        self.task = self.progress.add_task("grading", total=total, rate="", failures="")
        self.began = time.monotonic()

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def advance(self, sid: str, status: str, text: str):
        if status != gb.GRADED:
            self.failures += 1
            self.console.print(f"[red]{status}[/red] {sid}: {text[:200]}")
        done = self.progress.tasks[0].completed + 1
        rate = done / max(time.monotonic() - self.began, 1e-9)
        self.progress.update(self.task, advance=1, rate=f"{rate:.2f}/s",
                             failures=f"[red]{self.failures} broken[/red]" if self.failures else "0 broken")
