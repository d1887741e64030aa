"""The bubblewrap sandbox: what a worker can see and do.

The worker runs in new user, pid, network, ipc, uts and cgroup namespaces as uid/gid 65534 with
all capabilities dropped and no nested user namespaces. It sees read-only system directories,
the Python runtime and site-packages, a read-only copy of the worker's own files, and two
size-capped tmpfs, ``/tmp`` (its working directory) and ``/dev/shm``; nothing else is writable.
A zygote (:mod:`.zygote`) runs as pid 1 of its sandbox, so nothing inside can signal it. It never
sees the repository, ``reference/``, tests, the course salt or the results path. A seccomp filter
denies every socket family but AF_UNIX and kernel interfaces a worker never needs. ``/proc/sys`` is
read-only: started by root, the sandbox's user is root outside it, and a kernel setting checks only
the user. Where cgroup v1 is writable, a pids and a memory cgroup cap processes and memory; rlimits
apply inside the worker in any case.
"""
from __future__ import annotations

import errno
import functools
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from .plain import Launcher, site_paths, worker_env

CODE, WORK = "/opt/deepgrade", "/tmp/work"
TMPFS_BYTES = 256 << 20
MAX_PIDS = 64
CGROUP_ROOT = Path("/sys/fs/cgroup")
# the last line: state a zygote's workers would share (SysV IPC, message queues in the ipc namespace)
# or hand on through the zygote (an I/O priority set on it)
DENIED_SYSCALLS = ("ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "unshare",
                   "setns", "bpf", "perf_event_open", "keyctl", "add_key", "request_key",
                   "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd",
                   "pivot_root", "chroot", "kexec_load", "init_module", "finit_module",
                   "shmget", "msgget", "semget", "mq_open", "ioprio_set")
ALLOWED_FAMILY = 1  # AF_UNIX: every other socket family is denied (AF_VSOCK, say, reaches a VM's host)
_counter = itertools.count()


@functools.cache
def seccomp_program() -> bytes | None:
    """The compiled BPF filter (once per process); None if libseccomp is missing."""
    try:
        import pyseccomp as sc
    except (ImportError, OSError):
        return None
    f = sc.SyscallFilter(defaction=sc.ALLOW)
    for name in DENIED_SYSCALLS:
        try:
            f.add_rule(sc.ERRNO(errno.EPERM), name)
        except (RuntimeError, ValueError):  # syscall unknown on this architecture
            pass
    f.add_rule(sc.ERRNO(errno.EACCES), "socket", sc.Arg(0, sc.NE, ALLOWED_FAMILY))
    with tempfile.TemporaryFile() as out:
        f.export_bpf(out)
        out.seek(0)
        return out.read()


def seccomp_fd() -> int | None:
    """A fresh in-memory file holding the filter, positioned at its start, for ``--seccomp``."""
    program = seccomp_program()
    if program is None:
        return None
    fd = os.memfd_create("deepgrade-seccomp")
    os.write(fd, program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


class Cgroup:
    """A pids + memory cgroup (v1) for one worker; absent where the machine does not allow it."""

    def __init__(self, memory_bytes: int):
        self.dirs: list[Path] = []
        name = f"deepgrade/{os.getpid()}-{next(_counter)}"
        for controller, settings in (("pids", {"pids.max": MAX_PIDS}),
                                     ("memory", {"memory.limit_in_bytes": memory_bytes,
                                                 "memory.memsw.limit_in_bytes": memory_bytes})):
            path = CGROUP_ROOT / controller / name
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError:
                continue
            for key, value in settings.items():
                try:
                    (path / key).write_text(str(value), encoding="utf-8")
                except OSError:
                    pass
            self.dirs.append(path)

    def join_command(self) -> str:
        return "".join(f'echo $$ > "{d}/cgroup.procs" && ' for d in self.dirs)

    def kill_and_remove(self):
        for d in self.dirs:
            for _ in range(50):
                try:
                    pids = [int(p) for p in (d / "cgroup.procs").read_text(encoding="utf-8").split()]
                except OSError:
                    break
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                threading.Event().wait(0.01)
            try:
                d.rmdir()
            except OSError:
                pass


class BwrapLauncher(Launcher):
    isolation = "bubblewrap"

    def __init__(self, memory_mb: int = 3072):
        self.memory_bytes = memory_mb << 20
        self.cgroups: dict[int, Cgroup] = {}

    def argv(self, code: Path, preload: str, fds: tuple[int, ...], seccomp_fd: int | None,
             zygote: bool = False) -> list[str]:
        python = os.path.realpath(sys.executable)
        binds = ["--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                 "--symlink", "usr/bin", "/bin", "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]
        for path in {sys.base_prefix, *site_paths()}:
            binds += ["--ro-bind", path, path]
        env = {**worker_env(preload, WORK), "DEEPGRADE_FDS": ",".join(map(str, fds))}
        if zygote:  # pid 1 of the namespace: it reaps, and nothing inside can kill or stop it
            env["DEEPGRADE_ZYGOTE"] = "sandbox"
        # /tmp first: binds that follow stay visible even when they live under the host's /tmp; then
        # everything but /tmp and /dev/shm read-only (a zygote's workers share nothing else writable)
        argv = ["bwrap", *(["--as-pid-1"] if zygote else []), "--unshare-all", "--unshare-user", "--disable-userns",
                "--uid", "65534", "--gid", "65534",
                "--hostname", "sandbox", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                "--size", str(TMPFS_BYTES), "--tmpfs", "/tmp", *binds, "--ro-bind", str(code), CODE,
                "--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys",
                "--dev", "/dev", "--size", str(TMPFS_BYTES), "--tmpfs", "/dev/shm",
                "--remount-ro", "/dev", "--dir", WORK, "--remount-ro", "/", "--chdir", WORK, "--clearenv"]
        for key, value in env.items():
            argv += ["--setenv", key, value]
        if seccomp_fd is not None:
            argv += ["--seccomp", str(seccomp_fd)]
        return argv + [python, "-I", "-S", f"{CODE}/worker.py", CODE, WORK, *site_paths()]

    def spawn(self, code: Path, preload: str, fds: tuple[int, ...], stderr: int,
              zygote: bool = False) -> subprocess.Popen:
        filter_fd = seccomp_fd()
        cgroup = Cgroup(self.memory_bytes)
        script = cgroup.join_command() + 'exec "$@"'
        try:
            proc = subprocess.Popen(
                ["/bin/sh", "-c", script, "sh", *self.argv(code, preload, fds, filter_fd, zygote)],
                env={"PATH": "/usr/bin:/bin"}, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr,
                pass_fds=fds + ((filter_fd,) if filter_fd is not None else ()), start_new_session=True)
        finally:
            if filter_fd is not None:
                os.close(filter_fd)
        self.cgroups[proc.pid] = cgroup
        return proc

    def exit_code(self, code: int) -> int:
        return 128 - code if code < 0 else code  # bwrap's own exit status for a worker killed by a signal

    def release(self, proc: subprocess.Popen) -> None:
        cgroup = self.cgroups.pop(proc.pid, None)
        if cgroup:
            cgroup.kill_and_remove()


def probe() -> str | None:
    """Run ``true`` in the sandbox; None if it works, else the reason."""
    if sys.platform != "linux":
        return f"bubblewrap needs Linux, not {sys.platform}"
    if not shutil.which("bwrap"):
        return "bwrap is not installed"
    launcher = BwrapLauncher()
    argv = launcher.argv(Path(tempfile.gettempdir()), "", (0, 1), None)
    argv = argv[: argv.index(os.path.realpath(sys.executable))] + ["/usr/bin/true"]
    try:
        done = subprocess.run(argv, capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap failed to start: {exc}"
    if done.returncode:
        return "bwrap failed: " + done.stderr.decode(errors="replace").strip()[:200]
    return None
