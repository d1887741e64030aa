"""The worker process seen from the grader: start it, send it requests, read its answers, kill it.

A :class:`Worker` is one process; the :class:`~.session.Session` of a submission owns at most one
live worker and replaces it after a crash or a time-out, so one bad call fails one check. Nothing a worker sends is trusted: every answer is
decoded with size limits and ``allow_pickle=False`` and handed to checks as plain data.
"""
from __future__ import annotations

import collections
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import wire
from .plain import Launcher

HERE = Path(__file__).parent
RUNTIME = ("worker.py", "wire.py", "watch.py", "forker.py", "meta_device.py")  # copied into a worker's sandbox
STDERR_KEEP = 16 << 10
PRINTED_LIMIT = 2048  # characters of what one request printed (as the worker keeps them)
PRINTED_MARK = "\x1edeepgrade printed %s\x1e"  # as worker.PRINTED_MARK (the worker imports nothing of ours)
STARTING = "starting"  # the ``what`` of a worker's start (its errors say so in their own words)
MAX_ENTERED = 256  # distinct student functions one request may announce as running (its deadline bounds the notices)
OUTPUT_LIMIT = 16 << 20  # bytes one request may write to the worker's stderr before the worker is stopped


class StudentError(Exception):
    """Student code failed a call: raised (kind ``error``), timed out, crashed, wrote more than
    :data:`OUTPUT_LIMIT` (``flood``), answered out of protocol, or was not run because the grader gave
    up on its function (``refused``). ``reason`` is how a crashed worker ended (:func:`exit_reason`),
    the limit a call that timed out ran under, or the output limit a flood passed."""

    def __init__(self, message: str, kind: str = "error", error_type: str | None = None, reason: str = "",
                 printed: str = ""):
        super().__init__(message)
        self.kind, self.error_type, self.reason = kind, error_type, reason
        self.printed = printed  # what the call printed before it crashed or hung (bounded)


@dataclass
class Limits:
    """Resource limits for one submission's worker."""

    call_timeout: float = 10.0
    start_timeout: float = 60.0
    memory_mb: int = 2048
    cpu_seconds: int = 300
    file_mb: int = 64
    open_files: int = 256

    def rlimits(self) -> dict:
        return {"as": self.memory_mb << 20, "cpu": self.cpu_seconds, "fsize": self.file_mb << 20,
                "nofile": self.open_files, "core": 0}


def seconds(limit: float) -> str:
    """A time limit in words: ``20 s``, ``0.5 s``."""
    return f"{round(limit, 1):g} s"


def exit_reason(code) -> str:
    """How a worker ended, in a student's words: ``exit status 0 (os._exit or sys.exit in a thread?)``."""
    if type(code) is int and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    if type(code) is int:
        return f"exit status {code}, as os._exit does"
    return str(code)


class StderrTail(threading.Thread):
    """Drains a pipe and keeps only its last bytes, so a flood cannot grow the grader.

    With a ``limit``, once more than ``limit`` bytes arrived since the last :meth:`watch` (a
    request's output), :attr:`alarm` (a descriptor) turns readable: the grader stops a flooding
    call at once instead of draining hundreds of megabytes until it returns or times out."""

    def __init__(self, fd: int, keep: int = STDERR_KEEP, limit: int | None = None):
        super().__init__(daemon=True)
        self.fd, self.buffer, self.total = fd, collections.deque(), 0
        self.keep, self.size = keep, 0
        self.limit, self.since, self.lock, self.closed = limit, None, threading.Lock(), False
        self.alarm, self._ring = os.pipe() if limit is not None else (None, None)
        if limit is not None:
            os.set_blocking(self.alarm, False)
        self.start()

    def watch(self):
        """Count toward the limit from here (a request begins; an alarm rung late for the last one,
        which had answered before its output passed the limit, is dropped)."""
        with self.lock:
            self.since = self.total
            try:
                os.read(self.alarm, 64)
            except BlockingIOError:
                pass

    def close(self):
        """Close the pipe and the alarm once drained (the worker is dead); all are left open while
        a process that escaped still holds the pipe, so no write can reach a reused descriptor."""
        self.join(1.0)
        if not self.is_alive() and not self.closed:
            self.closed = True
            for fd in (self.fd, self.alarm, self._ring):
                if fd is not None:
                    os.close(fd)

    def run(self):
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.total += len(chunk)
            if self.since is not None:
                with self.lock:
                    if self.since is not None and self.total - self.since > self.limit:
                        self.since = None  # rung once a request
                        os.write(self._ring, b"!")  # open: only close() closes it, after this thread ended
            self.buffer.append(chunk)
            self.size += len(chunk)
            while self.size - len(self.buffer[0]) >= self.keep:
                self.size -= len(self.buffer.popleft())

    def text(self, limit: int = 1500) -> str:
        data = b"".join(self.buffer)[-limit:]
        return data.decode("utf-8", "replace")

    def after(self, mark: str, limit: int) -> str:
        """What follows the last ``mark`` once the pipe is drained ("" when the mark is not kept)."""
        self.join(0.5)  # the worker is dead: its end of the pipe closes
        data = b"".join(self.buffer)
        at = data.rfind(mark.encode())
        return "" if at < 0 else data[at + len(mark):].decode("utf-8", "replace")[:limit]


class Exec:
    """A worker process started afresh by a launcher (its own interpreter, imports and sandbox)."""

    def __init__(self, launcher: Launcher, preload: str, fds: tuple[int, ...], stderr: int, zygote: bool = False):
        self.runtime = runtime_copy()
        self.launcher = launcher
        try:
            self.popen = (launcher.spawn(self.runtime, preload, fds, stderr, zygote=True) if zygote else
                          launcher.spawn(self.runtime, preload, fds, stderr))
        except BaseException:
            shutil.rmtree(self.runtime, ignore_errors=True)
            raise

    def poll(self):
        return self.popen.poll()

    def wait(self, timeout: float):
        return self.popen.wait(timeout=timeout)

    def stop(self):
        """Kill the process only (safe from another thread: whoever waits on it cleans up)."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except OSError:
            pass

    def end(self):
        """Kill it and everything it started; remove its files."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except OSError:
                self.popen.kill()
        self.popen.wait()
        self.launcher.release(self.popen)
        shutil.rmtree(self.runtime, ignore_errors=True)


def runtime_copy() -> Path:
    """A private folder holding the files that run in a worker (all the sandbox sees of ours)."""
    runtime = Path(tempfile.mkdtemp(prefix="deepgrade-"))
    for name in RUNTIME:
        shutil.copy(HERE / name, runtime / name)
    return runtime


class Worker:
    """One worker process: started, ready, then serving requests until killed.

    Creating one only starts the process (a fresh exec, or a fork of ``zygote``, a
    :class:`~.zygote.Zygote`); its interpreter and preloads come up while the caller goes on (the
    grader imports the reference meanwhile), and the first request, or :meth:`wait_ready`, waits for them.
    """

    def __init__(self, launcher: Launcher, preload: str, limits: Limits, zygote=None):
        req_r, self.req_w = os.pipe()
        self.resp_r, resp_w = os.pipe()
        err_r, err_w = os.pipe()
        self.preload, self.sequence = preload, 0
        self.entered: list[str] = []  # student functions announced as running during the last request
        self.running: str | None = None  # the one running at the last notice (None: trusted code)
        try:
            self.proc = (zygote.fork((req_r, resp_w, err_w)) if zygote is not None else
                         Exec(launcher, preload, (req_r, resp_w), err_w))
        except BaseException:
            for fd in (self.req_w, self.resp_r, err_r):
                os.close(fd)
            raise
        finally:
            for fd in (req_r, resp_w, err_w):
                os.close(fd)
        self.stderr = StderrTail(err_r, limit=OUTPUT_LIMIT)
        self.reader = wire.Reader(self.resp_r, self.stderr.alarm)
        self.limits = limits
        self.ready_by: float | None = time.monotonic() + limits.start_timeout  # None once ready

    def wait_ready(self):
        """Wait until the process has started and imported its preloads (StudentError if it did not)."""
        if self.ready_by is None:
            return
        header, _ = self._read(self.ready_by, STARTING, self.ready_by - self.limits.start_timeout)
        self.ready_by = None
        if not header.get("ready"):
            self.kill()
            raise StudentError("the worker did not start", "protocol")

    def _read(self, deadline: float, what: str, began: float):
        try:
            return self.reader.read(deadline)
        except TimeoutError:
            self.kill()
            limit = seconds(deadline - began)
            text = (f"the worker did not start within {limit}" if what == STARTING else
                    f"{what} did not finish within {limit} (an endless loop, or far too slow?)")
            raise StudentError(text, "timeout", reason=limit, printed=self.printed_before_death()) from None
        except (EOFError, OSError):
            reason = exit_reason(self.wait_exit())
            self.kill()
            text = f"the worker exited as it started ({reason})" if what == STARTING else f"{what} exited the worker ({reason})"
            raise StudentError(text, "crash", reason=reason, printed=self.printed_before_death()) from None
        except wire.Alarm:
            self.kill()
            limit = f"{OUTPUT_LIMIT >> 20} MB"
            raise StudentError(f"{what} wrote more than {limit} of output, so it was stopped (printing in a loop?)",
                               "flood", reason=f"wrote more than {limit} of output",
                               printed=self.printed_before_death()) from None
        except wire.ProtocolError as exc:
            self.kill()
            raise StudentError(f"{what} answered out of protocol ({exc})", "protocol") from None

    def printed_before_death(self) -> str:
        """What the current request printed before the worker died (its stderr after the request's mark)."""
        return self.stderr.after(PRINTED_MARK % self.sequence, PRINTED_LIMIT) if self.sequence else ""

    def wait_exit(self):
        try:
            return self.proc.wait(0.5)
        except subprocess.TimeoutExpired:
            return "still running"

    def request(self, op: str, value, deadline: float, what: str, entering=None):
        """Send one request and read exactly one answer to it; anything else kills the worker.

        ``entering(function)``, if given, is the deadline once a driver enters that student function
        (the earlier of it and ``deadline`` holds); :attr:`entered` lists them, :attr:`running` is the
        one running at the last notice, and a failure then names it."""
        self.wait_ready()
        self.sequence += 1
        self.entered, self.running, request_what = [], None, what
        began = time.monotonic()
        self.stderr.watch()
        try:
            wire.send(self.req_w, {"op": op, "id": self.sequence}, value)
        except (BrokenPipeError, OSError):
            reason = exit_reason(self.wait_exit())
            self.kill()
            raise StudentError(f"{what} exited the worker ({reason}) as its arguments were sent", "crash",
                               reason=reason) from None
        header, blobs = self._read(deadline, what, began)
        while "running" in header and header.get("id") == self.sequence:
            running = header["running"]
            self.running = running = None if running is None else str(running)[:200]  # a crash or hang names it
            if running is not None and running not in self.entered:
                if len(self.entered) == MAX_ENTERED:
                    break
                self.entered.append(running)
                if entering is not None:
                    deadline = min(deadline, entering(running))
            what = running or request_what
            header, blobs = self._read(deadline, what, began)
        if header.get("id") != self.sequence or "running" in header or select.select([self.resp_r], [], [], 0)[0]:
            self.kill()
            raise StudentError(f"{what} answered out of turn (a forged or extra message)", "protocol")
        try:
            return header, wire.decode(header.get("value"), blobs)
        except wire.ProtocolError as exc:
            self.kill()
            raise StudentError(f"{what} answered out of protocol ({exc})", "protocol") from None

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self):
        """Kill the process only (safe from another thread: whoever waits on it cleans up)."""
        self.proc.stop()

    def kill(self):
        self.proc.end()
        for fd in (self.req_w, self.resp_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self.stderr.close()
