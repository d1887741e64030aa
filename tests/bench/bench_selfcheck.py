"""How long a student waits: ``autograder check UNIT`` and ``pytest assignments/UNIT`` per unit.

Each is a fresh process on a correct working copy (the reference solution copied outside the
repository), first run included (no warm caches but the operating system's, and the public test
vectors: a release ships them, the repository records them once per code change, untimed here).
Targets: at most 2 s for numpy units and 6 s for torch units on the idle 2-core machine. Also
reported: the CPU time of ``autograder check`` and its children (the student's worker; a
measure that holds on a loaded machine), and the part spent importing (the suite loaded, nothing run).
Environment: BENCH_SELFCHECK_UNITS (comma-separated, default every unit), BENCH_SELFCHECK_RUNS
(default 1: first run only; more gives the median too).
"""
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder import vectors
from autograder.suite import load_suite, unit_names

from ..support import make_submission

TARGET = {"numpy": 2.0, "torch": 6.0}


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user and system, the command's and its children's) of ``argv``."""
    began, before = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.monotonic() - began, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def bench_unit(unit: str, runs: int) -> dict:
    kind = "torch" if "torch" in load_suite(unit).preload else "numpy"
    vectors.load(unit)  # recorded now if the code changed since: no student waits for that
    with tempfile.TemporaryDirectory(prefix="deepgrade-selfcheck-") as tmp:
        work = make_submission(Path(tmp), unit)
        for name in ("test_selfcheck.py", "pytest.ini"):  # what the student's folder holds beside the modules
            shutil.copy(Path(__file__).resolve().parents[2] / "assignments" / unit / name, work)
        check = [sys.executable, "-m", "autograder.cli", "check", unit, "--path", str(work)]
        pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(work)]
        imports = [sys.executable, "-c", f"from autograder.suite import load_suite; load_suite({unit!r})"]
        times = {name: [timed(argv, Path(tmp)) for _ in range(runs)]
                 for name, argv in (("check", check), ("pytest", pytest), ("imports", imports))}
    return {"unit": unit, "kind": kind, "cpu": [cpu for _, cpu in times["check"]],
            **{name: [wall for wall, _ in measured] for name, measured in times.items()}}


def main():
    units = [u for u in os.environ.get("BENCH_SELFCHECK_UNITS", "").split(",") if u] or unit_names()
    runs = int(os.environ.get("BENCH_SELFCHECK_RUNS", 1))
    print(f"{os.cpu_count()} CPUs, load before {os.getloadavg()[0]:.2f}; first run" + (f", median of {runs}" if runs > 1 else ""))
    print(f"  {'unit':<22} {'kind':<6} {'check s':>8} {'(cpu s)':>8} {'pytest s':>9} {'imports s':>10} {'target':>7}")
    for unit in units:
        r = bench_unit(unit, runs)
        cells = []
        for name in ("check", "cpu", "pytest", "imports"):
            first = r[name][0]
            cells.append(f"{first:.2f}" + (f" ({statistics.median(r[name]):.2f})" if runs > 1 else ""))
        worst = max(r["check"][0], r["pytest"][0])
        verdict = "ok" if worst <= TARGET[r["kind"]] else "over"
        print(f"  {unit:<22} {r['kind']:<6} {cells[0]:>8} {cells[1]:>8} {cells[2]:>9} {cells[3]:>10} "
              f"{TARGET[r['kind']]:>5.0f} s {verdict}")


if __name__ == "__main__":
    main()
