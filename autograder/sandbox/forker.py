"""The zygote's loop: a warm process that forks one-shot workers, one at a time, and never runs student code.

Runs inside the worker's sandbox (a private copy, like ``wire.py``; imports nothing of the project),
started as ``worker.py`` with ``DEEPGRADE_ZYGOTE`` set: it has imported numpy (and torch) and
serves requests from its grader on a ``SOCK_SEQPACKET`` socket (``DEEPGRADE_FDS``), one JSON object
per message:

- ``{"op": "fork", "id"}`` with three file descriptors (the worker's request and answer pipes, its
  stderr): clean up (below), fork; the child serves exactly as a freshly started worker does and
  ends with ``os._exit``. Answer ``{"id", "forked": pid}``.
- ``{"op": "kill", "id"}``: kill the child and everything it started, clean up; answer ``{"id", "clean": true}``.
- unprompted ``{"exited": pid, "code": c}`` when the child ends (``c`` as ``os.waitstatus_to_exitcode``).

What keeps one submission from another, though every child runs as the zygote's own uid:

- Only one child lives at a time. Before each fork and on ``kill``, every other process is killed
  and reaped: in the sandbox the zygote is pid 1 of its pid namespace, so ``kill(-1, SIGKILL)``
  reaches every other process there and orphans are reparented to it, and ``wait`` until no child
  is left proves none remains; as a plain subprocess it is a child subreaper and kills its
  descendants until none is left.
- The writable places (the sandbox's ``/tmp`` and ``/dev/shm``, or the plain worker's work folder)
  are emptied before each fork and get back their mode, extended attributes (POSIX ACLs) and
  times; the rest of the sandbox's file system is read-only.
- The zygote is not dumpable: a child cannot open its ``/proc/1/mem``, ``environ``, ``fd`` or ``maps``
  (ptrace and ``process_vm_*`` are denied by the seccomp filter too). It ignores every signal it may
  (pid 1 of a namespace cannot be killed or stopped from inside it at all).
- What a same-uid process can change in another (rlimits through ``prlimit``, nice value, CPU
  affinity, scheduling policy, OOM score) and a fork would hand on is compared with the zygote's
  state at start before each fork; any change, any failure to clean up, any error ends the
  zygote, and the grader starts a fresh one.
- A child closes every descriptor it inherited but its own three pipes, restores signal
  dispositions, starts its own session, and reseeds numpy's and torch's global generators from the
  OS (Python's ``random`` reseeds itself after a fork), as a fresh worker seeds them. String hashes:
  workers run with ``-I``, which ignores PYTHONHASHSEED, so each fresh exec draws its own hash
  secret; a child has its zygote's (as unpredictable to it, and shared only with children that
  never live at the same time).
"""
import ctypes
import errno
import gc
import json
import os
import resource
import select
import signal
import socket
import sys
import traceback

PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_GET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 1, 4, 3, 36
SANDBOX_SCRATCH = ("/tmp", "/dev/shm")
LIMITS = [getattr(resource, name) for name in dir(resource) if name.startswith("RLIMIT_")]


class Unclean(Exception):
    """The zygote cannot promise the next child a clean start: it ends instead."""


class Zygote:
    def __init__(self, ctl_fd, work, sandboxed, start):
        self.sock = socket.socket(fileno=ctl_fd)
        self.work, self.sandboxed, self.start = work, sandboxed, start
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.child = None
        if self.libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) or (
                not sandboxed and self.libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)):
            raise Unclean("prctl failed")
        self.saved = {}
        for sig in signal.valid_signals():
            if sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD):
                continue
            try:
                self.saved[sig] = signal.signal(sig, signal.SIG_IGN)
            except (OSError, ValueError):
                pass
        self.wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the loop; children are reaped there
        _shared_writable_mappings()
        # what the imports made never changes, so the garbage collector of a child need never visit
        # it: a child's full collection would otherwise touch (and copy) about 70 MB of a torch zygote
        gc.collect()
        gc.freeze()
        if not sandboxed:
            os.makedirs(work, exist_ok=True)
        self.roots = SANDBOX_SCRATCH if sandboxed else (work,)
        # {folder: (mode, attributes)} of every folder there at the start, and the mount points
        self.scratch, self.mounts = {}, set()
        for root in self.roots:
            _skeleton(root, self.scratch, self.mounts)
        self.state = self.snapshot()

    def snapshot(self):
        """What another process of this uid can change in this one and a fork would pass on (where the
        sandbox's user is root outside it, as when root starts bubblewrap, also the files in
        ``/proc/1`` a non-dumpable process leaves to root: its core dump filter, its autogroup's nice)."""
        return ([resource.getrlimit(r) for r in LIMITS], os.getpriority(os.PRIO_PROCESS, 0),
                sorted(os.sched_getaffinity(0)), os.sched_getscheduler(0), os.sched_getparam(0).sched_priority,
                *map(_proc_self, ("oom_score_adj", "coredump_filter", "autogroup")),
                self.libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))

    def send(self, message):
        self.sock.send(json.dumps(message).encode())

    def serve(self):
        self.send({"ready": True})
        while True:
            readable = select.select([self.sock.fileno(), self.wake_r], [], [])[0]
            if self.wake_r in readable:
                while _read_some(self.wake_r):
                    pass
                self.reap(block=False)
            if self.sock.fileno() in readable:
                data, fds, _, _ = socket.recv_fds(self.sock, 4096, 3)
                if not data:  # the grader is gone
                    self.kill_all()
                    os._exit(0)
                request = json.loads(data)
                if request.get("op") == "fork" and len(fds) == 3:
                    self.send({"id": request.get("id"), "forked": self.fork(fds)})
                elif request.get("op") == "kill":
                    self.clean()
                    self.send({"id": request.get("id"), "clean": True})
                else:
                    raise Unclean(f"unexpected request {request!r}")

    # ---------------------------------------------------------------- children
    def reap(self, block):
        """Reap ended processes (all of them when ``block``); report the child's end."""
        while True:
            try:
                pid, status = os.waitpid(-1, 0 if block else os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.child:
                self.child = None
                self.send({"exited": pid, "code": os.waitstatus_to_exitcode(status)})

    def kill_all(self):
        """Kill every process but this one and wait until none is left."""
        if self.sandboxed:
            try:
                os.kill(-1, signal.SIGKILL)  # pid 1 of the namespace: everyone else, atomically
            except ProcessLookupError:
                pass
            self.reap(block=True)
            others = [p for p in os.listdir("/proc") if p.isdigit() and p != "1"]
            if others:
                raise Unclean(f"processes survived: {others}")
            return
        while True:  # a subreaper: every orphan below comes back to us until none is left
            for pid in _children():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                return
            if pid == self.child:
                self.child = None
                self.send({"exited": pid, "code": os.waitstatus_to_exitcode(status)})

    def clean(self):
        """No process but this one, empty scratch folders, the state this zygote started with."""
        self.kill_all()
        os.chdir("/")
        for root in self.roots:
            _empty(root, self.scratch, self.mounts)
        for folder, (mode, xattrs) in self.scratch.items():
            if set(os.path.join(folder, name) for name in os.listdir(folder)) - self.scratch.keys() - self.mounts:
                raise Unclean(f"{folder} could not be emptied")
            _restore(folder, mode, xattrs)
        os.makedirs(self.work, exist_ok=True)
        if self.snapshot() != self.state:
            raise Unclean("a child changed the zygote's limits or scheduling")

    def fork(self, fds):
        self.clean()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            try:
                self.become_worker(fds)
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(1)
        for fd in fds:
            os.close(fd)
        self.child = pid
        return pid

    def become_worker(self, fds):
        """In the child: drop the zygote's descriptors and signal handling, then serve as a worker."""
        req, resp, err = fds
        self.sock.detach()  # its number may be reused below; the object must never close it
        signal.set_wakeup_fd(-1)
        for sig, handler in self.saved.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        if not self.sandboxed:  # in the sandbox the child dies with pid 1 anyway
            self.libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        os.dup2(err, 2)
        os.dup2(2, 1)
        keep = sorted({req, resp})
        os.closerange(3, keep[0])
        os.closerange(keep[0] + 1, keep[1])
        os.closerange(keep[1] + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        os.chdir(self.work)
        # a fresh exec seeds these from the OS; a fork would share the zygote's
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        if "torch" in sys.modules:
            sys.modules["torch"].seed()
        self.start(req, resp)


def _read_some(fd):
    try:
        return os.read(fd, 512)
    except BlockingIOError:
        return b""


def _proc_self(name):
    """The text of ``/proc/self/<name>`` ("" where this kernel has no such file)."""
    try:
        with open(f"/proc/self/{name}") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def _children():
    """Pids whose parent is this process (from /proc)."""
    me, found = os.getpid(), []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == me:
                    found.append(int(pid))
        except (OSError, IndexError, ValueError):
            pass
    return found


def _skeleton(folder, found, mounts):
    """Record ``folder`` and the folders below it as the zygote found them (``found``: {path: (mode,
    attributes)}), not descending into mount points (``mounts``): bubblewrap makes the parents of a
    bind that lives under the host's ``/tmp`` (a virtual environment in ``/tmp/clone/.venv``) inside the
    sandbox's ``/tmp``. Those stay; everything else a child leaves goes."""
    found[folder] = (os.stat(folder).st_mode & 0o7777, _xattrs(folder))
    device = os.stat(folder).st_dev
    for entry in os.scandir(folder):
        if entry.is_dir(follow_symlinks=False):
            if entry.stat(follow_symlinks=False).st_dev != device:
                mounts.add(entry.path)
            else:
                _skeleton(entry.path, found, mounts)


def _empty(folder, keep, mounts):
    """Remove everything in ``folder`` but the folders in ``keep`` and the mount points in ``mounts``,
    whatever permissions a child left on it."""
    os.chmod(folder, 0o700)  # a child may have locked us out of it (its mode is restored after)
    for entry in os.scandir(folder):
        if entry.path in mounts:
            continue
        if entry.is_dir(follow_symlinks=False):
            _empty(entry.path, keep, mounts)
            if entry.path not in keep:
                os.rmdir(entry.path)
        else:
            os.unlink(entry.path)


def _xattrs(folder):
    """``folder``'s extended attributes (POSIX ACLs among them): {name: value}."""
    try:
        return {name: os.getxattr(folder, name) for name in os.listxattr(folder)}
    except OSError as exc:
        if exc.errno == errno.ENOTSUP:
            return {}
        raise


def _restore(folder, mode, xattrs):
    """Give an emptied scratch folder back its attributes, ACLs, mode and times: a child's default ACL
    would make the next child's files unreadable to it (its submission would not even load), and
    attributes and times would carry data to it."""
    now = _xattrs(folder)
    for name in now.keys() - xattrs.keys():
        os.removexattr(folder, name)
    for name, value in xattrs.items():
        if now.get(name) != value:
            os.setxattr(folder, name, value)
    os.chmod(folder, mode)
    os.utime(folder)
    if _xattrs(folder) != xattrs:
        raise Unclean(f"{folder}'s attributes could not be restored")


def _shared_writable_mappings():
    """A writable shared mapping would let a child write memory the zygote forks again: refuse to serve."""
    with open("/proc/self/maps") as f:
        shared = [line for line in f if line.split()[1].startswith("rw") and line.split()[1][3] == "s"]
    if shared:
        raise Unclean(f"writable shared mappings: {shared[:3]}")


def serve(ctl_fd, work, sandboxed, start):
    """Run the zygote until its grader goes; ``start(req_fd, resp_fd)`` serves as a worker (in a child)."""
    try:
        Zygote(ctl_fd, work, sandboxed, start).serve()
    except BaseException:
        traceback.print_exc()
    os._exit(1)
