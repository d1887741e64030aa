"""A warm start-up process ("zygote") per (launcher, preload) that forks one-shot workers.

The zygote is ``worker.py`` started once, in the same sandbox a worker gets (bubblewrap, seccomp,
cgroups; or a plain subprocess), with numpy (and torch) imported; it never imports or runs
student code. :meth:`Zygote.fork` asks it for a child that then serves one submission exactly as a
freshly started worker does, and dies. Children are forked one at a time: the zygote kills
everything a child left and empties the writable folders before the next fork (its side, and why
that keeps submissions apart, is in ``forker.py``).

A zygote that dies, hangs or answers out of turn is killed with its whole sandbox (its child
too); the pool starts a fresh one, and a take meanwhile gets a freshly started worker.
"""
from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from .plain import Launcher
from .worker_process import Exec, Limits, StderrTail, Worker

REPLY_TIMEOUT = 10.0  # seconds for a zygote to fork or clean up (a fork of a torch process takes ~10 ms)
GONE = "its sandbox ended"  # how a child ended whose zygote went first


def supported() -> bool:
    """Forking workers needs Linux (fork, /proc, descriptors passed over a Unix socket)."""
    return sys.platform == "linux" and hasattr(socket, "send_fds")


class ZygoteError(Exception):
    """The zygote cannot fork now: it is dead, not started, or its child still lives."""


@dataclass
class Child:
    """A forked worker as :class:`Worker` sees a process: poll, wait, stop, end."""

    zygote: Zygote
    pid: int
    code: object = None
    ended: threading.Event = field(default_factory=threading.Event)

    def poll(self):
        return self.code if self.ended.is_set() else None

    def wait(self, timeout: float):
        if not self.ended.wait(timeout):
            raise subprocess.TimeoutExpired("forked worker", timeout)
        return self.code

    def stop(self):
        self.zygote.stop()

    def end(self):
        self.zygote.end(self)

    def finish(self, code):
        if not self.ended.is_set():
            self.code = code
            self.ended.set()


class Zygote:
    """One start-up process; :meth:`fork` hands out workers, one live at a time."""

    def __init__(self, launcher: Launcher, preload: str, limits: Limits):
        self.launcher, self.preload, self.limits = launcher, preload, limits
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        err_r, err_w = os.pipe()
        try:
            self.proc = Exec(launcher, preload, (theirs.fileno(),), err_w, zygote=True)
        finally:
            theirs.close()
            os.close(err_w)
        self.stderr = StderrTail(err_r)
        self.lock = threading.Lock()
        self.replies: queue.Queue = queue.Queue()
        self.child: Child | None = None
        self.sequence = 0
        self.dead = False
        self.started = time.monotonic()
        threading.Thread(target=self._listen, daemon=True).start()

    def _listen(self):
        """Read the zygote's messages: children's ends go to them, the rest are replies."""
        while True:
            try:
                data = self.sock.recv(4096)
                message = json.loads(data) if data else None
            except (OSError, ValueError):
                message = None
            if type(message) is not dict:
                self.dead = True
                child = self.child
                if child is not None:
                    child.finish(GONE)
                self.replies.put(None)
                return
            if "exited" in message:
                child = self.child
                if child is not None and child.pid == message["exited"] and type(message.get("code")) is int:
                    child.finish(self.launcher.exit_code(message["code"]))
            else:
                self.replies.put(message)

    def wait_ready(self):
        """Wait until the zygote has imported its preloads (ZygoteError if it did not)."""
        left = self.started + self.limits.start_timeout - time.monotonic()
        try:
            reply = self.replies.get(timeout=max(left, 0))
        except queue.Empty:
            reply = None
        if not (reply or {}).get("ready"):
            self.close()
            raise ZygoteError(f"the zygote did not start: {self.stderr.text(300)}")

    def _ask(self, op: str, fds: tuple[int, ...] = ()) -> dict:
        """Send one request and wait for its answer; a zygote that fails to give it is killed."""
        self.sequence += 1
        try:
            socket.send_fds(self.sock, [json.dumps({"op": op, "id": self.sequence}).encode()], list(fds))
            while True:
                reply = self.replies.get(timeout=REPLY_TIMEOUT)
                if reply is None:
                    break
                if reply.get("id") == self.sequence:
                    return reply
        except (OSError, queue.Empty):
            pass
        self.close()
        raise ZygoteError(f"the zygote failed to {op}")

    def fork(self, fds: tuple[int, int, int]) -> Child:
        """A fresh child serving on ``fds`` (its request and answer pipes and stderr)."""
        with self.lock:
            if self.dead:
                raise ZygoteError("the zygote is gone")
            if self.child is not None and not self.child.ended.is_set():
                raise ZygoteError("the zygote's last worker still runs")
            self.child = None
            reply = self._ask("fork", fds)
            if type(reply.get("forked")) is not int:
                self.close()
                raise ZygoteError("the zygote answered out of protocol")
            self.child = Child(self, reply["forked"])
            return self.child

    def worker(self, limits: Limits) -> Worker:
        return Worker(self.launcher, self.preload, limits, zygote=self)

    def end(self, child: Child):
        """Kill ``child`` and everything it started, and clean up after it (the zygote answers once
        no other process is left; one that does not is killed with its sandbox)."""
        with self.lock:
            if self.child is child and not self.dead:
                try:
                    self._ask("kill")
                except ZygoteError:
                    pass
            if self.dead:
                self.close()
        child.finish(GONE)

    @property
    def busy(self) -> bool:
        return self.child is not None and not self.child.ended.is_set()

    def stop(self):
        """Kill the zygote's sandbox only (safe from another thread)."""
        self.proc.stop()

    def close(self):
        """Kill the zygote and its sandbox, with any child."""
        self.dead = True
        self.proc.end()
        self.stderr.close()
        self.sock.close()
        child = self.child
        if child is not None:
            child.finish(GONE)
