"""Grade a whole class: ``autograder batch SUBMISSIONS --unit UNIT``.

SUBMISSIONS holds one entry per student, named by student id: a folder of modules, a ``.zip``, or
the unit's notebook, ``.ipynb`` (:func:`load_submission` is the one place that turns an entry into a
folder; a folder or zip holding only the notebook is graded from the notebook). Grader processes
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
import os
import shlex
import shutil
import signal
import stat
import sys
import tempfile
import time
import traceback
import zipfile
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from . import gradebook as gb
from . import runner, seeds
from .sandbox import launchers
from .sandbox.pool import Pool
from .submission import SubmissionError
from .suite import load_suite

MAX_ZIP_MEMBERS = 500
MAX_ZIP_MEMBER_BYTES = 8 << 20
MAX_ZIP_TOTAL_BYTES = 64 << 20
KILL_GRACE = 30.0  # seconds past its timeout before a grader process that ignores its alarm is killed


class GradingTimeout(BaseException):
    """Raised by the alarm inside a grader process; BaseException so no ``except Exception`` swallows it."""


# ---------------------------------------------------------------- submissions
def student_id(entry: Path) -> str:
    for suffix in (".zip", ".ipynb"):
        if entry.name.lower().endswith(suffix):
            return entry.name[: -len(suffix)]
    return entry.name


def list_entries(folder: Path) -> list[tuple[str, Path]]:
    """``[(student id, entry)]`` sorted by id; hidden entries are ignored, duplicates refused."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SubmissionError(f"{folder} is not a folder of submissions")
    entries: dict[str, Path] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "__")) or entry.is_symlink():
            continue
        if not (entry.is_dir() or entry.name.lower().endswith((".zip", ".ipynb"))):
            print(f"autograder batch: ignoring {entry.name} (not a folder, a .zip or a .ipynb)", file=sys.stderr)
            continue
        sid = student_id(entry)
        if sid in entries:
            raise SubmissionError(f"two submissions for student {sid!r}: {entries[sid].name} and {entry.name}")
        entries[sid] = entry
    return sorted(entries.items())


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
        digest.update(rel.encode() + b"\0")
        digest.update(b"symlink" if path.is_symlink() else path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def submitted_at(entry: Path) -> str:
    files = [entry] if entry.is_file() else [p for p in entry.rglob("*") if p.is_file() and not p.is_symlink()]
    mtime = max((p.stat().st_mtime for p in files), default=entry.stat().st_mtime)
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(mtime))


def load_submission(entry: Path, workdir: Path, modules: list[str], unit: str | None = None) -> Path:
    """The folder holding a submission's modules. The hook for new kinds of entries (notebooks).

    A zip is extracted safely under ``workdir``; in a folder or a zip the modules may sit one
    folder down (``alice/unit01_foundations/*.py``). A notebook (``unit``'s, given) becomes a folder
    of the modules in its exercise cells (:func:`autograder.notebooks.extract`), also when it is the
    only thing in a folder or zip.
    """
    entry = Path(entry)
    if entry.is_file() and entry.name.lower().endswith(".ipynb") and unit:
        from . import notebooks

        return notebooks.extract(entry, unit, Path(workdir) / "notebook")
    if entry.is_dir():
        folder = find_module_dir(entry, modules)
    elif entry.name.lower().endswith(".zip"):
        target = Path(workdir) / "extracted"
        safe_extract(entry, target)
        folder = find_module_dir(target, modules)
    else:
        raise SubmissionError(f"{entry.name}: only folders, .zip files and notebooks can be graded")
    notebook = lone_notebook(folder, modules)
    return load_submission(notebook, workdir, modules, unit) if notebook and unit else folder


def lone_notebook(folder: Path, modules: list[str]) -> Path | None:
    """The one ``.ipynb`` in ``folder`` or a folder below it, where ``folder`` holds none of the modules."""
    if any((folder / f"{m}.py").is_file() for m in modules):
        return None
    found = [p for p in [*folder.glob("*.ipynb"), *folder.glob("*/*.ipynb")]
             if p.is_file() and not p.is_symlink() and ".ipynb_checkpoints" not in p.parts]
    return found[0] if len(found) == 1 else None


def find_module_dir(folder: Path, modules: list[str]) -> Path:
    """``folder`` itself, or the one folder below it, holding the most of the unit's modules."""
    def count(d: Path) -> int:
        return sum((d / f"{m}.py").is_file() for m in modules)

    best = max([folder, *(d for d in sorted(folder.iterdir()) if d.is_dir() and not d.is_symlink())],
               key=count)
    return best if count(best) else folder


def safe_extract(archive: Path, dest: Path):
    """Extract ``archive`` refusing absolute paths, ``..``, links, and too many or too large members."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"{archive.name} is not a readable zip file ({exc})") from None
    with zf:
        members = zf.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise SubmissionError(f"{archive.name} has more than {MAX_ZIP_MEMBERS} files")
        total = 0
        for info in members:
            name = info.filename
            parts = Path(name).parts
            if name.startswith(("/", "\\")) or ".." in parts or ":" in name or "\\" in name:
                raise SubmissionError(f"{archive.name}: unsafe path {name!r}")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise SubmissionError(f"{archive.name}: {name!r} is a symbolic link")
            if info.is_dir() or parts[0] == "__MACOSX":
                continue
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                written = 0
                while chunk := src.read(1 << 16):
                    written += len(chunk)
                    total += len(chunk)
                    if written > MAX_ZIP_MEMBER_BYTES or total > MAX_ZIP_TOTAL_BYTES:
                        raise SubmissionError(f"{archive.name}: too large when extracted "
                                              f"(limits: {MAX_ZIP_MEMBER_BYTES >> 20} MiB a file, "
                                              f"{MAX_ZIP_TOTAL_BYTES >> 20} MiB in all)")
                    out.write(chunk)
    dest.mkdir(parents=True, exist_ok=True)


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
    workdir = Path(tempfile.mkdtemp(prefix="deepgrade-batch-"))
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        folder = load_submission(Path(entry), workdir, load_suite(unit).modules, unit)
        report = runner.grade(folder, unit, submission_id=sid, salt=salt, launcher=_POOL.launcher, pool=_POOL)
        return gb.GRADED, report
    except SubmissionError as exc:
        return gb.INVALID, str(exc)
    except Exception:
        return gb.ERROR, "internal grader error:\n" + traceback.format_exc(limit=8)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------- the parent
@dataclass
class Job:
    sid: str
    entry: Path
    content_hash: str
    submitted_at: str
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
            self.book.record(job.sid, self.unit, job.content_hash, job.submitted_at, self.run_id, status, value)
            text = f"{value.score:g} / {value.max_score:g}"
        else:
            self.book.record(job.sid, self.unit, job.content_hash, job.submitted_at, self.run_id, status,
                             max_score=self.max_score, output=str(value), isolation=self.isolation)
            text = str(value).strip().splitlines()[-1] if str(value).strip() else status
        self.on_done(job, status, text)


def run_batch(submissions: Path, unit: str, *, workers: int | None = None, gradebook: Path = Path("gradebook.sqlite"),
              regrade: bool = False, no_sandbox: bool = False, timeout: float = 900.0, salt: str | None = None,
              console=None, progress: bool = True, scheduler: str | None = None) -> Outcome:
    """Grade every new or changed submission in ``submissions``; returns the :class:`Outcome`.

    With ``scheduler`` (a Dask scheduler's address) the gradings run on that cluster
    (:mod:`autograder.distributed`) and this process only records them.
    """
    from rich.console import Console

    console = console or Console(stderr=True)
    suite = load_suite(unit)
    # refuses here, once, if the sandbox is missing; on a cluster each grading records its own isolation
    isolation = "cluster" if scheduler else launchers.choose(no_sandbox).isolation
    salt = salt if salt is not None else seeds.unit_salt(unit)
    workers = workers or os.cpu_count() or 1
    outcome = Outcome()
    began = time.monotonic()
    with gb.Gradebook(gradebook) as book:
        jobs = []
        for sid, entry in list_entries(submissions):
            digest = content_hash(entry)
            outcome.total += 1
            if not regrade and book.is_done(sid, unit, digest):
                outcome.up_to_date += 1
                continue
            jobs.append(Job(sid, entry, digest, submitted_at(entry)))
        console.print(f"{unit}: {len(jobs)} to grade, {outcome.up_to_date} up to date"
                      + (f"; {min(workers, len(jobs))} grader process(es); isolation: {isolation}" if jobs else ""))
        if not jobs:
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
                from .distributed import DaskBatch

                DaskBatch(scheduler, local._record, unit, salt, no_sandbox, timeout).run(jobs)
            else:
                local.run(jobs)
        book.finish_run(run_id)
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
