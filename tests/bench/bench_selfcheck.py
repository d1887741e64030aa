"""How long a student waits: ``autograder check UNIT`` and ``pytest assignments/UNIT`` per unit.

Each is a fresh process on a correct working copy (the reference solution copied outside the
repository), first run included (no warm caches but the operating system's). Targets: at most
2 s for numpy units and 6 s for torch units on the idle 2-core machine. Also reported: the part
spent importing (the same command with ``--help``-like work only: the suite loaded, nothing run).
Environment: BENCH_SELFCHECK_UNITS (comma-separated, default every unit), BENCH_SELFCHECK_RUNS
(default 1: first run only; more gives the median too).
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.suite import load_suite, unit_names

from ..support import make_submission

TARGET = {"numpy": 2.0, "torch": 6.0}


def timed(argv: list[str], cwd: Path) -> tuple[float, int]:
    began = time.monotonic()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    return time.monotonic() - began, done.returncode


def bench_unit(unit: str, runs: int) -> dict:
    kind = "torch" if "torch" in load_suite(unit).preload else "numpy"
    with tempfile.TemporaryDirectory(prefix="deepgrade-selfcheck-") as tmp:
        work = make_submission(Path(tmp), unit)
        for name in ("test_selfcheck.py", "pytest.ini"):  # what the student's folder holds beside the modules
            shutil.copy(Path(__file__).resolve().parents[2] / "assignments" / unit / name, work)
        check = [sys.executable, "-m", "autograder.cli", "check", unit, "--path", str(work)]
        pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(work)]
        imports = [sys.executable, "-c", f"from autograder.suite import load_suite; load_suite({unit!r})"]
        times = {name: [timed(argv, Path(tmp))[0] for _ in range(runs)]
                 for name, argv in (("check", check), ("pytest", pytest), ("imports", imports))}
    return {"unit": unit, "kind": kind, **times}


def main():
    units = [u for u in os.environ.get("BENCH_SELFCHECK_UNITS", "").split(",") if u] or unit_names()
    runs = int(os.environ.get("BENCH_SELFCHECK_RUNS", 1))
    print(f"{os.cpu_count()} CPUs, load before {os.getloadavg()[0]:.2f}; first run" + (f", median of {runs}" if runs > 1 else ""))
    print(f"  {'unit':<22} {'kind':<6} {'check s':>8} {'pytest s':>9} {'imports s':>10} {'target':>7}")
    for unit in units:
        r = bench_unit(unit, runs)
        cells = []
        for name in ("check", "pytest", "imports"):
            first = r[name][0]
            cells.append(f"{first:.2f}" + (f" ({statistics.median(r[name]):.2f})" if runs > 1 else ""))
        worst = max(r["check"][0], r["pytest"][0])
        verdict = "ok" if worst <= TARGET[r["kind"]] else "over"
        print(f"  {unit:<22} {r['kind']:<6} {cells[0]:>8} {cells[1]:>9} {cells[2]:>10} {TARGET[r['kind']]:>5.0f} s {verdict}")


if __name__ == "__main__":
    main()
