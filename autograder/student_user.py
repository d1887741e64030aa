"""Student code as an unprivileged user, where bubblewrap cannot run (Gradescope's container, likely).

The Gradescope bundle's ``setup.sh`` creates the user ``deepgrade-student`` and makes the
bundle's secrets (``/autograder/source``: the reference, the answer keys, the unit key) readable
by root only. The grader, running as root, then starts each worker with :class:`UserLauncher`:
that user's uid and gid, no supplementary groups, umask 077, a private folder of its own. A worker
can neither read the secrets nor signal the grader; when it is released, every process of that
user is killed, and at the end of a submission :func:`remove_files` deletes what it left in the
world-writable folders. Without a private tmpfs, a watcher caps what that user may write there
(:data:`DISK_BUDGET`, :data:`MAX_FILES`): past it, the worker is killed and its files removed.

:func:`problem` says why this cannot work here (not root, no such user, an interpreter the user
cannot run, a secret the user can still read), so the grader can refuse to run rather than run
student code as root.
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

from .sandbox.launchers import Launcher, site_paths, worker_env

STUDENT_USER = "deepgrade-student"
SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm")
DISK_BUDGET = 256 << 20  # bytes the student's files may take in SHARED_FOLDERS
MAX_FILES = 5000
POLL = 0.02


def user_name() -> str:
    """The user that runs student code (``$DEEPGRADE_STUDENT_USER`` lets tests use their own)."""
    return os.environ.get("DEEPGRADE_STUDENT_USER", STUDENT_USER)


class UserLauncher(Launcher):
    """A plain subprocess run as ``user``: its own uid and gid, no supplementary groups."""

    zygotes = False  # releasing a worker kills every process of the user, a zygote's too

    def __init__(self, user: pwd.struct_passwd):
        self.user = user
        self.events: list[str] = []  # what the disk watcher stopped, for the instructor's log
        self.watchers: dict[int, threading.Event] = {}

    @property
    def isolation(self) -> str:
        return f"unprivileged user {self.user.pw_name} (no bubblewrap)"

    def spawn(self, code: Path, preload: str, fds: tuple[int, int], stderr: int) -> subprocess.Popen:
        os.chown(code, self.user.pw_uid, self.user.pw_gid)
        os.chmod(code, 0o700)
        for file in code.iterdir():  # the worker's own files, copied from a root-only bundle
            os.chmod(file, 0o644)
        env = {**worker_env(preload, str(code)), "DEEPGRADE_FDS": "%d,%d" % fds}
        argv = [sys.executable, "-I", "-S", str(code / "worker.py"), str(code), str(code), *site_paths()]
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr,
                                pass_fds=fds, start_new_session=True, cwd=code, user=self.user.pw_uid,
                                group=self.user.pw_gid, extra_groups=[], umask=0o077)
        stop = self.watchers[proc.pid] = threading.Event()
        threading.Thread(target=self._watch_disk, args=(stop,), daemon=True).start()
        return proc

    def release(self, proc: subprocess.Popen) -> None:
        stop = self.watchers.pop(proc.pid, None)
        if stop is not None:
            stop.set()
        kill_processes(self.user.pw_uid)

    def _watch_disk(self, stop: threading.Event):
        uid = self.user.pw_uid
        while not stop.wait(POLL):
            size, count = usage(uid)
            if size > DISK_BUDGET or count > MAX_FILES:
                kill_processes(uid)
                removed = remove_files(uid)
                self.events.append(f"the submission wrote over {DISK_BUDGET >> 20} MB or {MAX_FILES} files to "
                                   f"disk ({size >> 20} MB, {count} files); it was stopped and "
                                   f"{len(removed)} file(s) removed")
                return


def processes_of(uid: int) -> list[int]:
    """Every process whose real or effective uid is ``uid``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("Uid:"):
                    if uid in [int(u) for u in line.split()[1:3]]:
                        found.append(int(pid))
                    break
        except (OSError, ValueError):
            continue
    return found


def kill_processes(uid: int) -> int:
    """SIGKILL every process of ``uid`` until none is left (forks included); how many were killed."""
    if uid == 0:
        raise ValueError("refusing to kill root's processes")
    killed: set[int] = set()
    for _ in range(100):
        pids = processes_of(uid)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except OSError:
                pass
        time.sleep(0.01)
    return len(killed)


def _owned(folder: str, uid: int):
    """``(entry, stat)`` for each entry of ``folder`` that ``uid`` owns; unreadable ones are skipped."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if st.st_uid == uid:
            yield entry, st


def usage(uid: int, folders=SHARED_FOLDERS, limit: int = MAX_FILES + 1) -> tuple[int, int]:
    """(bytes, files) that ``uid`` owns in ``folders`` and below its own folders there; counting
    stops past ``limit`` files."""
    size = count = 0
    stack = list(folders)
    while stack and count < limit:
        for entry, st in _owned(stack.pop(), uid):
            count += 1
            size += st.st_blocks * 512
            if stat.S_ISDIR(st.st_mode):
                stack.append(entry.path)
    return size, count


def remove_files(uid: int, folders=SHARED_FOLDERS) -> list[str]:
    """Delete what ``uid`` created in the world-writable ``folders``; the paths removed."""
    removed = []
    for folder in folders:
        for entry, st in _owned(folder, uid):
            try:
                if stat.S_ISDIR(st.st_mode):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
                removed.append(entry.path)
            except OSError:
                pass
    return removed


def _usable_by_others(path: str) -> bool:
    path = os.path.realpath(path)
    for p in [Path(path), *Path(path).parents]:
        mode = os.stat(p).st_mode
        need = stat.S_IXOTH | (stat.S_IROTH if str(p) == path else 0)
        if mode & need != need:
            return False
    return True


PROBE = """
import os, sys
found = []
for path in sys.argv[1:]:
    try:
        os.listdir(path) if os.path.isdir(path) else open(path, 'rb').close()
        found.append(path)
    except OSError:
        pass
print('\\n'.join(found))
"""


def problem(secrets: list[Path], name: str | None = None) -> str | None:
    """None if student code can run as the unprivileged user here, else why not (one sentence).

    ``secrets`` are files and folders that user must not read; each is tried as that user.
    """
    name = name or user_name()
    if os.geteuid() != 0:
        return "the grader does not run as root, so it cannot run student code as another user"
    try:
        user = pwd.getpwnam(name)
    except KeyError:
        return f"there is no user {name} (setup.sh creates it)"
    if user.pw_uid == 0 or user.pw_gid == 0:
        return f"the user {name} has root's uid or gid"
    unusable = [p for p in [sys.executable, *site_paths()] if not _usable_by_others(p)]
    if unusable:
        return (f"the user {name} cannot run the grader's Python ({', '.join(unusable)}); install it where "
                "every user can read it (setup.sh uses /autograder/venv)")
    try:
        done = subprocess.run([sys.executable, "-I", "-S", "-c", PROBE, *map(str, secrets)], capture_output=True,
                              text=True, timeout=30, user=user.pw_uid, group=user.pw_gid, extra_groups=[],
                              env={"PATH": "/usr/bin:/bin"}, cwd="/")
    except (OSError, subprocess.SubprocessError) as exc:
        return f"a process cannot be started as {name} ({exc})"
    if done.returncode:
        return f"a process started as {name} failed: {done.stderr.strip()[-300:]}"
    readable = done.stdout.split()
    if readable:
        return (f"the user {name} can read {', '.join(readable)}; setup.sh makes these readable by root only "
                "(chmod 700 folders, 600 files)")
    return None


def user(name: str | None = None) -> pwd.struct_passwd:
    return pwd.getpwnam(name or user_name())
