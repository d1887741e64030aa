"""A warm pool of one-shot workers.

On Linux each preload has a zygote (:mod:`.zygote`): a process started once in the worker's
sandbox, numpy or torch already imported, that forks a fresh worker for each take, one live at a
time, and never runs student code itself; a zygote that dies or misbehaves is replaced. Elsewhere
(and with ``fork=False``) workers are fresh execs started ahead of time that wait for their one
submission, a replacement starting in the background. Either way a worker that served a submission
is killed, never reused, and nothing is forked from a process that has held student state.
"""
from __future__ import annotations

import queue
import threading
import time

from . import zygote
from .plain import Launcher
from .worker_process import Limits, Worker


AMORTIZED = ("dynamo",)  # preloads worth their start only in a zygote that forks many workers


class Pool:
    """Workers per preload (``"numpy"``, ``"numpy,torch"``): forked from a zygote, or started ahead.

    Zygotes and workers are started from one long-lived thread: the sandbox's parent-death signal
    fires when the *thread* that started it exits, so short-lived starter threads would kill them.
    """

    def __init__(self, launcher: Launcher | None = None, limits: Limits | None = None, size: int = 1,
                 preloads: tuple[str, ...] = ("numpy",), refill: bool = True, fork: bool | None = None):
        self.launcher, self.limits, self.size = launcher or Launcher(), limits or Limits(), size
        self.fork = zygote.supported() and self.launcher.zygotes if fork is None else fork
        self.one_shot = not refill  # serves one grading (a self-check, `grade`): AMORTIZED preloads left out
        # refill=False, without a zygote: the first `size` workers only (one self-check); a take waits
        # for one still starting rather than starting another, and takes after those start cold
        self.refill = refill or self.fork
        self.unclaimed = {} if self.refill else {preload: size for preload in preloads}
        self.ready: dict[str, queue.Queue] = {}
        self.zygotes: dict[str, zygote.Zygote | None] = {}  # None: it failed to start (takes start cold)
        self.pending: set[str] = set()  # preloads whose zygote is starting
        self.changed = threading.Condition()
        self.orders: queue.Queue = queue.Queue()
        self.closed = False
        self.starting: Worker | zygote.Zygote | None = None  # what the pool's thread is waiting for
        self.spawner = threading.Thread(target=self._spawn_loop, daemon=True)
        self.spawner.start()
        for preload in preloads:
            if self.fork:
                self._order_zygote(preload)
            for _ in range(0 if self.fork else size):
                self.orders.put(preload)

    def _queue(self, preload: str) -> queue.Queue:
        return self.ready.setdefault(preload, queue.Queue())

    def _spawn_loop(self):
        while (preload := self.orders.get()) is not None:
            if self.closed:
                continue
            if type(preload) is tuple:
                self._start_zygote(preload[1])
                continue
            try:
                worker = self.starting = Worker(self.launcher, self._imports(preload), self.limits)
                worker.wait_ready()
            except Exception:  # a failed start only costs the next taker a cold start
                worker = None
            finally:
                self.starting = None
            if worker is not None and self.closed:
                worker.kill()
            elif worker is not None or not self.refill:  # None: a waiting taker starts its own
                self._queue(preload).put(worker)
        self._drain()

    def _imports(self, preload: str) -> str:
        """What a process started for ``preload`` imports: all of it, but in a one-shot pool."""
        return ",".join(p for p in preload.split(",") if p not in AMORTIZED) if self.one_shot else preload

    def _order_zygote(self, preload: str):
        with self.changed:
            self.pending.add(preload)
        self.orders.put(("zygote", preload))

    def _start_zygote(self, preload: str):
        try:
            started = self.starting = zygote.Zygote(self.launcher, self._imports(preload), self.limits)
            started.wait_ready()
        except Exception:  # takes start workers afresh instead
            started = None
        finally:
            self.starting = None
        with self.changed:
            if started is not None and self.closed:
                started.close()
                started = None
            self.zygotes[preload] = started
            self.pending.discard(preload)
            self.changed.notify_all()

    def _zygote(self, preload: str) -> zygote.Zygote | None:
        """The ready zygote for ``preload`` (ordered now if there is none; waited for if starting)."""
        with self.changed:
            if preload not in self.zygotes and preload not in self.pending:
                self._order_zygote(preload)
            self.changed.wait_for(lambda: preload not in self.pending, timeout=self.limits.start_timeout)
            return self.zygotes.get(preload)

    def _forked(self, preload: str) -> Worker | None:
        """A worker forked from the zygote (a dead one replaced first); None when none can fork now."""
        for _ in range(2):
            parent = self._zygote(preload)
            if parent is None:
                return None
            try:
                return parent.worker(self.limits)
            except zygote.ZygoteError:
                if parent.busy:  # another session's worker still runs: never two children at once
                    return None
                with self.changed:
                    if self.zygotes.get(preload) is parent:
                        del self.zygotes[preload]
                parent.close()
        return None

    def _drain(self):
        for q in list(self.ready.values()):
            while not q.empty():
                if (worker := q.get_nowait()) is not None:
                    worker.kill()

    def take(self, preload: str) -> Worker:
        """A worker for ``preload``: forked from its zygote, else a ready one (cold-started if none is
        waiting; a replacement follows unless the pool was made with ``refill=False``)."""
        if self.fork:
            return self._forked(preload) or Worker(self.launcher, self._imports(preload), self.limits)
        q = self._queue(preload)
        wait = self.unclaimed.get(preload, 0) > 0
        if wait:
            self.unclaimed[preload] -= 1
        try:
            while True:
                worker = q.get(timeout=self.limits.start_timeout) if wait else q.get_nowait()
                wait = False
                if worker is not None and worker.alive:
                    return worker
                if worker is not None:
                    worker.kill()
        except queue.Empty:
            return Worker(self.launcher, self._imports(preload), self.limits)
        finally:
            if self.refill:
                self.orders.put(preload)

    def wait_ready(self, preload: str, count: int | None = None, timeout: float = 60.0):
        """Block until ``count`` workers for ``preload`` are waiting, or its zygote is ready (for
        benchmarks and tests)."""
        if self.fork:
            with self.changed:
                self.changed.wait_for(lambda: preload not in self.pending, timeout=timeout)
            return
        end = time.monotonic() + timeout
        while self._queue(preload).qsize() < (count or self.size) and time.monotonic() < end:
            time.sleep(0.01)

    def close(self):
        """Kill the zygotes, the ready workers, and the one starting (without waiting for it to be ready)."""
        self.closed = True
        self.orders.put(None)
        starting = self.starting
        if starting is not None:
            starting.stop()
        self.spawner.join(timeout=60)
        with self.changed:
            zygotes, self.zygotes = list(self.zygotes.values()), {}
        for parent in zygotes:
            if parent is not None:
                parent.close()
