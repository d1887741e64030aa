"""A worker started as a plain subprocess, and what every launcher shares.

:class:`Launcher` starts ``python -I -S worker.py`` as a plain subprocess with a cleared
environment; the worker applies rlimits to itself before it imports anything of the student's.
:func:`site_paths` and :func:`worker_env` are shared with the bubblewrap launcher (:mod:`.bwrap`).
"""
from __future__ import annotations

import functools
import os
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path


def site_paths() -> list[str]:
    """Where numpy and torch live, without the project's editable-install hooks (``-S`` skips .pth)."""
    paths = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    return sorted(p for p in paths if os.path.isdir(p))


def worker_env(preload: str, work: str) -> dict:
    return {"PATH": "/usr/bin:/bin", "HOME": work, "TMPDIR": work, "LANG": "C.UTF-8",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
            "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "DEEPGRADE_PRELOAD": preload}


NOBODY = 65534


class Launcher:
    """A plain subprocess: separate process and clean environment, rlimits, no namespaces.

    Started by root, the worker drops to uid/gid 65534 so it cannot read files only root may
    (keep ``reference/`` and the salt mode 0700 where this fallback runs, e.g. in a container).
    """

    zygotes = True  # whether workers may be forked from a zygote this launcher starts (spawn(zygote=True))

    @property
    def isolation(self) -> str:
        return "subprocess (uid 65534)" if drops_privileges() else "subprocess"

    def spawn(self, code: Path, preload: str, fds: tuple[int, ...], stderr: int,
              zygote: bool = False) -> subprocess.Popen:
        """Start ``worker.py`` from ``code`` with ``fds`` (its request and answer pipes, or a zygote's
        control socket: ``zygote=True``, whose workers each get an emptied ``code/work``)."""
        work = code / "work" if zygote else code
        env = {**worker_env(preload, str(work)), "DEEPGRADE_FDS": ",".join(map(str, fds))}
        if zygote:
            env["DEEPGRADE_ZYGOTE"] = "plain"
        argv = [sys.executable, "-I", "-S", str(code / "worker.py"), str(code), str(work), *site_paths()]
        drop = {}
        if drops_privileges():
            os.chown(code, NOBODY, NOBODY)
            drop = {"user": NOBODY, "group": NOBODY, "extra_groups": []}
        return subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr,
                                pass_fds=fds, start_new_session=True, cwd=code, **drop)

    def exit_code(self, code: int) -> int:
        """A forked worker's ``os.waitstatus_to_exitcode`` as this launcher's process would have ended."""
        return code

    def release(self, proc: subprocess.Popen) -> None:
        """Called after the worker was killed: reap whatever it left behind."""


def _others_can_use(path: str) -> bool:
    """Every folder on the way is searchable, and the target readable, by any user."""
    path = os.path.realpath(path)
    parts = [path] + [str(p) for p in Path(path).parents]
    return all(os.stat(p).st_mode & (stat.S_IXOTH | (stat.S_IROTH if p == path else 0)) ==
               (stat.S_IXOTH | (stat.S_IROTH if p == path else 0)) for p in parts)


@functools.cache
def drops_privileges() -> bool:
    """Root drops to uid 65534 for plain workers when that user can run the interpreter."""
    return os.geteuid() == 0 and all(_others_can_use(p) for p in [sys.executable, *site_paths()])
