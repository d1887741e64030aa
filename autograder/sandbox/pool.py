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

from .launchers import Launcher
from .session import Limits, Worker


class Pool:
    def __init__(self, launcher: Launcher | None = None, limits: Limits | None = None, size: int = 1,
                 preloads: tuple[str, ...] = ("numpy",)):
        self.launcher, self.limits, self.size = launcher or Launcher(), limits or Limits(), size
        self.ready: dict[str, queue.Queue] = {}
        self.closed = False
        for preload in preloads:
            for _ in range(size):
                self._refill(preload)

    def _queue(self, preload: str) -> queue.Queue:
        return self.ready.setdefault(preload, queue.Queue())

    def _refill(self, preload: str):
        def start():
            try:
                worker = Worker(self.launcher, preload, self.limits)
            except Exception:  # a failed start only costs the next taker a cold start
                return
            if self.closed:
                worker.kill()
            else:
                self._queue(preload).put(worker)

        threading.Thread(target=start, daemon=True).start()

    def take(self, preload: str) -> Worker:
        """A ready worker for ``preload`` (cold-started if none is waiting); a replacement follows."""
        self._refill(preload)
        q = self._queue(preload)
        while True:
            try:
                worker = q.get_nowait()
            except queue.Empty:
                return Worker(self.launcher, preload, self.limits)
            if worker.alive:
                return worker
            worker.kill()

    def wait_ready(self, preload: str, count: int | None = None, timeout: float = 60.0):
        """Block until ``count`` workers for ``preload`` are waiting (for benchmarks and tests)."""
        end = time.monotonic() + timeout
        while self._queue(preload).qsize() < (count or self.size) and time.monotonic() < end:
            time.sleep(0.01)

    def close(self):
        self.closed = True
        for q in self.ready.values():
            while not q.empty():
                q.get_nowait().kill()
