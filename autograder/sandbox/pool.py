"""A warm pool of one-shot workers.

Workers are started ahead of time (sandboxed, numpy or torch already imported) and wait for
their one submission; a worker that served a submission is killed, never reused, and a
replacement starts in the background. Nothing is forked from a process that has held student
state: every worker is a fresh exec.
"""
from __future__ import annotations

import queue
import threading
import time

from .plain import Launcher
from .worker_process import Limits, Worker


class Pool:
    """Ready workers per preload (``"numpy"``, ``"numpy,torch"``), refilled in the background.

    All workers are started from one long-lived thread: the sandbox's parent-death signal fires
    when the *thread* that started a worker exits, so short-lived starter threads would kill them.
    """

    def __init__(self, launcher: Launcher | None = None, limits: Limits | None = None, size: int = 1,
                 preloads: tuple[str, ...] = ("numpy",), refill: bool = True):
        self.launcher, self.limits, self.size = launcher or Launcher(), limits or Limits(), size
        # refill=False: the first workers only (one self-check); a take waits for one still starting
        # rather than starting another, and takes after those start cold
        self.refill = refill
        self.unclaimed = {} if refill else {preload: size for preload in preloads}
        self.ready: dict[str, queue.Queue] = {}
        self.orders: queue.Queue = queue.Queue()
        self.closed = False
        self.starting: Worker | None = None  # the worker the pool's thread is waiting for
        self.spawner = threading.Thread(target=self._spawn_loop, daemon=True)
        self.spawner.start()
        for preload in preloads:
            for _ in range(size):
                self.orders.put(preload)

    def _queue(self, preload: str) -> queue.Queue:
        return self.ready.setdefault(preload, queue.Queue())

    def _spawn_loop(self):
        while (preload := self.orders.get()) is not None:
            if self.closed:
                continue
            try:
                worker = self.starting = Worker(self.launcher, preload, self.limits)
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

    def _drain(self):
        for q in list(self.ready.values()):
            while not q.empty():
                if (worker := q.get_nowait()) is not None:
                    worker.kill()

    def take(self, preload: str) -> Worker:
        """A ready worker for ``preload`` (cold-started if none is waiting); a replacement follows
        unless the pool was made with ``refill=False``."""
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
            return Worker(self.launcher, preload, self.limits)
        finally:
            if self.refill:
                self.orders.put(preload)

    def wait_ready(self, preload: str, count: int | None = None, timeout: float = 60.0):
        """Block until ``count`` workers for ``preload`` are waiting (for benchmarks and tests)."""
        end = time.monotonic() + timeout
        while self._queue(preload).qsize() < (count or self.size) and time.monotonic() < end:
            time.sleep(0.01)

    def close(self):
        """Kill the ready workers, and the one starting (without waiting for it to be ready)."""
        self.closed = True
        self.orders.put(None)
        starting = self.starting
        if starting is not None:
            starting.stop()
        self.spawner.join(timeout=60)
