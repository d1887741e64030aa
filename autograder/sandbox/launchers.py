"""How a worker process is started: plainly, or inside a bubblewrap sandbox.

:class:`~.plain.Launcher` (in :mod:`.plain`) starts ``python -I -S worker.py`` as a plain
subprocess; :class:`~.bwrap.BwrapLauncher` (in :mod:`.bwrap`) adds namespaces, a seccomp filter
and cgroups. :func:`choose` picks one: official grading refuses to run unsandboxed unless told to.
"""
from __future__ import annotations

import functools

from .bwrap import BwrapLauncher, probe
from .plain import Launcher, drops_privileges, site_paths, worker_env  # noqa: F401 (public here too)


class SandboxUnavailable(RuntimeError):
    """Official grading asked for the sandbox and this machine cannot provide it."""


@functools.cache
def sandbox_problem() -> str | None:
    """None when the bubblewrap sandbox works here, else why not (one line)."""
    return probe()


def choose(no_sandbox: bool = False) -> Launcher:
    """The launcher for official grading: the sandbox, or SandboxUnavailable without it;
    ``no_sandbox=True`` runs a plain subprocess instead (and every result says so)."""
    if no_sandbox:
        return Launcher()
    problem = sandbox_problem()
    if problem:
        raise SandboxUnavailable(f"the bubblewrap sandbox cannot run here ({problem}); "
                                 "install bubblewrap, or pass --no-sandbox to grade without isolation")
    return BwrapLauncher()


def self_check_launcher() -> Launcher:
    """The sandbox where it works (Linux with bubblewrap), else a plain subprocess."""
    if sandbox_problem():
        return Launcher()
    return BwrapLauncher()
