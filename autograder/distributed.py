"""Grade a class on a Dask cluster: ``autograder batch SUBMISSIONS --unit U --scheduler ADDRESS``.

The instructor's process is the Dask *client* and the gradebook's only writer. Each submission
travels to a Dask worker as bytes (its zip, notebook or folder zipped in memory), so the cluster
needs no shared file system. A Dask worker grades it exactly as a local grader process does
(:func:`grade_remote`: the same intake, the same seeds from (salt, unit, check, student id), a
sandboxed student worker from a per-process warm pool) and sends back the :class:`Report`.

Results are recorded as they arrive, one transaction per submission, so:

- a killed client loses nothing: rerun the same command and only submissions without a final
  row are sent again (the gradebook's content hash, as for local batches);
- a lost Dask worker loses nothing: Dask reschedules its unfinished tasks on other workers; a
  submission that kills ``allowed-failures`` workers in a row is recorded as ``crashed``;
- nothing is graded twice: a finished submission's row is final before the next is recorded.

Dask workers must run one thread each (``dask worker ADDRESS --nthreads 1``): hypothesis is not
thread-safe, and each grading already uses two processes (grader and sandboxed student worker).
Time limits are the runner's: every check has its own deadline and a submission stops starting
checks after ``timeout`` seconds (Dask worker threads cannot take the local batch's SIGALRM).
"""
from __future__ import annotations

import io
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from . import gradebook as gb
from . import runner, submission
from .suite import load_suite

_GRADERS: dict = {}  # per Dask worker process: (unit, no_sandbox) -> warm sandbox pool


def pack(entry: Path) -> tuple[str, bytes]:
    """``(name, bytes)`` of a class-folder entry: a file as it is, a folder as an in-memory zip."""
    entry = Path(entry)
    if entry.is_file():
        return entry.name, entry.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(entry.rglob("*")):
            if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts:
                zf.write(path, f"{entry.name}/{path.relative_to(entry).as_posix()}")
    return f"{entry.name}.zip", buffer.getvalue()


def _pool(unit: str, no_sandbox: bool):
    """This Dask worker's warm pool for ``unit``, made on its first submission and kept."""
    from .sandbox import launchers
    from .sandbox.pool import Pool

    key = (unit, no_sandbox)
    if key not in _GRADERS:
        suite = load_suite(unit)
        runner.load_reference(suite)
        _GRADERS[key] = Pool(launchers.choose(no_sandbox), size=1, preloads=(suite.preload,))
    return _GRADERS[key]


def warm(unit: str, no_sandbox: bool) -> None:
    """Runs on every Dask worker before the first submission: imports done, a student worker ready."""
    _pool(unit, no_sandbox)


def grade_remote(sid: str, name: str, payload: bytes, unit: str, salt: str, timeout: float,
                 no_sandbox: bool) -> tuple[str, object]:
    """Runs on a Dask worker: grade one packed submission; ``(status, Report or message)``."""
    workdir = Path(tempfile.mkdtemp(prefix="deepgrade-dask-"))
    try:
        entry = workdir / "entry" / name
        entry.parent.mkdir()
        entry.write_bytes(payload)
        pool = _pool(unit, no_sandbox)
        return submission.grade_entry(entry, unit, submission_id=sid, salt=salt, launcher=pool.launcher,
                                      pool=pool, budget=timeout)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


class DaskBatch:
    """Sends each job to the cluster at ``scheduler`` and records results as they complete.

    ``grade`` replaces :func:`grade_remote` (the benchmark's calibrated sleep); it takes the same
    arguments and must be importable by the Dask workers.
    """

    def __init__(self, scheduler, record, unit: str, salt: str, no_sandbox: bool, timeout: float,
                 grade=grade_remote):
        self.scheduler, self.record, self.unit, self.salt = scheduler, record, unit, salt
        self.no_sandbox, self.timeout, self.grade = no_sandbox, timeout, grade

    def run(self, jobs: list) -> None:
        from distributed import Client, as_completed
        from distributed.client import FutureCancelledError
        from distributed.scheduler import KilledWorker

        with Client(self.scheduler) as client:
            if self.grade is grade_remote:  # every worker warms its pool now, not on its first submission
                client.run(warm, self.unit, self.no_sandbox)
            futures = {}
            for job in jobs:
                name, payload = pack(job.entry)
                future = client.submit(self.grade, job.sid, name, payload, self.unit, self.salt, self.timeout,
                                       self.no_sandbox, key=f"deepgrade-{self.unit}-{job.sid}-{job.content_hash[:16]}",
                                       pure=False)
                futures[future] = job
            for future in as_completed(futures):
                job = futures.pop(future)
                try:
                    status, value = future.result()
                except KilledWorker:
                    status, value = gb.CRASHED, ("the grading process died while grading this submission "
                                                 "(on several cluster workers in a row)")
                except (FutureCancelledError, OSError) as exc:
                    status, value = gb.ERROR, f"the cluster lost this grading ({type(exc).__name__}: {exc})"
                except Exception as exc:
                    status, value = gb.ERROR, f"internal grader error: {type(exc).__name__}: {exc}"
                self.record(job, status, value)


def sleep_grade(sid: str, name: str, payload: bytes, unit: str, salt: str, timeout: float,
                no_sandbox: bool, seconds: float = 0.0) -> tuple[str, object]:
    """A stand-in grading for the scale benchmark: sleeps, then returns an empty full-marks Report."""
    from .report import Report

    time.sleep(seconds)
    return gb.GRADED, Report(unit, sid, "none")
