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

Workers start warm with this module as their Dask preload (:func:`dask_setup`)::

    dask worker ADDRESS --nthreads 1 --preload autograder.distributed --unit unit01_foundations

(``--unit`` repeated for several units, ``--unit all`` for every unit, ``--no-sandbox`` for the
pools of ``batch --no-sandbox``; the same words in dask-jobqueue's ``worker_extra_args`` on SLURM,
dask-kubernetes' ``worker_command``, ``LocalCluster(preload=..., preload_argv=...)``). As it
starts, each worker imports the unit, loads the reference and starts its student worker, off its
event loop (it registers with the scheduler meanwhile). Without ``--unit`` the preload imports the
grader only. Workers started without it warm up as a client connects (:func:`warm`, sent before
the client reads the submissions); either way one pool per unit and process (:func:`_pool`).

Time limits are the runner's: every check has its own deadline and a submission stops starting
checks after ``timeout`` seconds (Dask worker threads cannot take the local batch's SIGALRM).
"""
from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing.util
import random
import shutil
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import click

from . import gradebook as gb
from . import runner, submission
from .suite import load_suite, unit_names

_GRADERS: dict = {}  # per Dask worker process: (unit, no_sandbox) -> warm sandbox pool
_MAKING = threading.Lock()  # the warm-up and a first grading make one pool, not one each
log = logging.getLogger(__name__)


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
    """This Dask worker's warm pool for ``unit``, made by :func:`warm` or its first submission, and kept."""
    from .sandbox import launchers
    from .sandbox.pool import Pool

    key = (unit, no_sandbox)
    with _MAKING:
        if key not in _GRADERS:
            _sizes_sampled_apart()
            suite = load_suite(unit)
            runner.load_reference(suite)
            _GRADERS[key] = Pool(launchers.choose(no_sandbox), size=1, preloads=(suite.preload,))
            # its zygote's and ready worker's temp folders (as batch's grader processes do)
            multiprocessing.util.Finalize(_GRADERS[key], _GRADERS[key].close, exitpriority=10)
    return _GRADERS[key]


def _sizes_sampled_apart() -> None:
    """Dask's event loop sizes every message it sends (heartbeats too) with ``dask.sizeof``, which
    samples lists of over 10 items with the global ``random`` module, while hypothesis, grading in
    the worker's task thread, seeds that state and checks it is untouched around every draw (a
    HypothesisDeprecationWarning "Do not use the random module inside strategies" at each clash).
    Lists and tuples are sized here as Dask sizes them, sampled with a generator of their own."""
    from dask.sizeof import sizeof

    own = random.Random()

    def sampled(seq) -> int:
        if len(seq) <= 10:
            return sys.getsizeof(seq) + sum(map(sizeof, seq))
        return sys.getsizeof(seq) + int(len(seq) / 10 * sum(map(sizeof, own.sample(seq, 10))))

    for kind in (list, tuple):
        sizeof.register(kind)(sampled)


async def warm(unit: str, no_sandbox: bool) -> None:
    """Runs on every Dask worker as the client connects, not waited for: imports done, the
    reference loaded, a student worker started, in a thread (the worker's event loop stays free)."""
    await asyncio.get_running_loop().run_in_executor(None, _pool, unit, no_sandbox)


@click.command()
@click.option("--unit", "units", multiple=True, type=click.Choice([*unit_names(), "all"]),
              help="warm this unit's grader as the worker starts (repeat for several; 'all': every unit)")
@click.option("--no-sandbox", is_flag=True, help="warm the pools that `batch --no-sandbox` grades with")
def dask_setup(worker, units: tuple[str, ...], no_sandbox: bool) -> None:
    """Dask's preload hook (``--preload autograder.distributed``), called on the worker's event loop
    as it starts: the warm-up of ``units`` (:func:`warm`'s, one unit after another) is started in a
    thread and not waited for, so the worker registers at once and a submission that arrives
    before its unit is warm waits for that pool instead of making its own."""
    units = unit_names() if "all" in units else list(dict.fromkeys(units))
    if units:
        asyncio.get_running_loop().run_in_executor(None, _warm_all, units, no_sandbox)


def _warm_all(units: list[str], no_sandbox: bool) -> None:
    for unit in units:
        try:
            _pool(unit, no_sandbox)
        except Exception:  # the worker still serves; this unit's first submission tries again
            log.exception("warming up %s failed", unit)


async def warmed(unit: str, no_sandbox: bool, timeout: float) -> bool:
    """Runs on a Dask worker (``client.run``, for tests and benchmarks): waits up to ``timeout``
    seconds for a warm-up already under way to have made ``unit``'s pool and started its student
    worker (its zygote), without starting one itself; whether the pool is there."""
    loop, end = asyncio.get_running_loop(), time.monotonic() + timeout
    while (unit, no_sandbox) not in _GRADERS and time.monotonic() < end:
        await asyncio.sleep(0.02)
    if (unit, no_sandbox) not in _GRADERS:
        return False
    await loop.run_in_executor(None, _GRADERS[unit, no_sandbox].wait_ready, load_suite(unit).preload, None,
                               max(0.0, end - time.monotonic()))
    return True


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
    """A connection to the cluster at ``scheduler`` that grades jobs there (:meth:`run`).

    Made before the submissions are read: it connects, and every worker starts warming up
    (:func:`warm`; nothing left to do on a worker the preload warmed) without being waited for. ``grade`` replaces :func:`grade_remote` (the
    benchmark's calibrated sleep, no warm-up); it takes the same arguments and must be importable
    by the Dask workers.
    """

    def __init__(self, scheduler, unit: str, no_sandbox: bool, grade=grade_remote):
        from distributed import Client

        self.unit, self.no_sandbox, self.grade = unit, no_sandbox, grade
        self.client = Client(scheduler)
        if grade is grade_remote:
            self.client.run(warm, unit, no_sandbox, wait=False)

    def close(self) -> None:
        self.client.close()

    def run(self, jobs: list, record, salt: str, timeout: float) -> None:
        """Sends each job to the cluster and calls ``record(job, status, Report or message)`` as each
        completes; closes the connection."""
        from distributed import as_completed
        from distributed.client import FutureCancelledError
        from distributed.scheduler import KilledWorker

        try:
            futures = {}
            for job in jobs:
                name, payload = pack(job.entry)
                future = self.client.submit(self.grade, job.sid, name, payload, self.unit, salt, timeout,
                                            self.no_sandbox, pure=False,
                                            key=f"deepgrade-{self.unit}-{job.sid}-{job.content_hash[:16]}")
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
                record(job, status, value)
        finally:
            self.close()

def sleep_grade(sid: str, name: str, payload: bytes, unit: str, salt: str, timeout: float,
                no_sandbox: bool, seconds: float = 0.0) -> tuple[str, object]:
    """A stand-in grading for the scale benchmark: sleeps, then returns an empty full-marks Report."""
    from .report import Report

    time.sleep(seconds)
    return gb.GRADED, Report(unit, sid, "none")
