"""CPU per worker start: a fresh exec (interpreter, sandbox, numpy or torch import) against a fork of
the pool's zygote, for each preload; and the zygote's own start, paid once per grader process.

CPU seconds of this process and every process it starts (the sandboxes, their workers, the zygote
and its children), counted by a cpuacct cgroup (v1) this benchmark moves into, so the numbers hold
under load (rusage would lose a sandbox killed from outside). Per start: (CPU of N starts and kills
- CPU of none) / N. Environment: BENCH_ZYGOTE_N (default 10).
"""
import os

from autograder.sandbox.bwrap import CGROUP_ROOT
from autograder.sandbox.launchers import self_check_launcher
from autograder.sandbox.pool import Pool

PRELOADS = ("numpy", "numpy,torch,meta")
ACCOUNT = CGROUP_ROOT / "cpuacct" / f"deepgrade-bench-{os.getpid()}"


def cpu() -> float:
    return int((ACCOUNT / "cpuacct.usage").read_text()) / 1e9


def starts(preload: str, fork: bool, n: int) -> float:
    """CPU seconds for a pool that starts ``n`` workers one after another, each killed at once."""
    began = cpu()
    pool = Pool(self_check_launcher(), size=0, preloads=(preload,), fork=fork)
    pool.wait_ready(preload)
    for _ in range(n):
        worker = pool.take(preload)
        worker.wait_ready()
        worker.kill()
    pool.close()
    return cpu() - began


def main():
    n = int(os.environ.get("BENCH_ZYGOTE_N", 10))
    try:
        ACCOUNT.mkdir()
        (ACCOUNT / "cgroup.procs").write_text(str(os.getpid()))
    except OSError as exc:
        print(f"skipped: no cpuacct cgroup to count CPU in ({exc})")
        return
    try:
        table(n)
    finally:
        (ACCOUNT.parent / "cgroup.procs").write_text(str(os.getpid()))
        ACCOUNT.rmdir()


def table(n: int):
    launcher = self_check_launcher()
    print(f"{n} worker starts per row, isolation {launcher.isolation}; CPU seconds (all processes)")
    print(f"  {'preload':<18} {'exec/start':>11} {'fork/start':>11} {'ratio':>7} {'zygote once':>12}")
    for preload in PRELOADS:
        exec_start = (starts(preload, False, n) - starts(preload, False, 0)) / n
        zygote_once = starts(preload, True, 0)
        fork_start = (starts(preload, True, n) - zygote_once) / n
        print(f"  {preload:<18} {exec_start:11.3f} {fork_start:11.3f} {exec_start / max(fork_start, 1e-3):6.0f}x "
              f"{zygote_once:12.2f}")
