"""One cold ``autograder grade reference/unit05_cnn`` process, this tree against a baseline commit.

Issue 15's target: the unit-5 reference graded in half the wall time it took before the issue's
work (baseline: BENCH_COLD_BASELINE, default ac3f3ff, the last commit before it). Each run is a
fresh process, as Gradescope runs one per submission: the CLI's imports, the sandbox worker's
start (python, numpy, torch and its meta-device kernels), the reference and the grading, and the
exit. The two trees run alternately (BENCH_COLD_RUNS each, default 3) so load affects both alike;
the baseline is checked out into a temporary git worktree and graded with this tree's venv.
Printed per run: the process's wall time, its CPU (all processes it waited for), and the grading
time its Gradescope JSON reports.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .bench_batch import env
from ..support import ROOT

UNIT = "unit05_cnn"


def cold(tree: Path) -> dict:
    """Wall and CPU seconds of one cold grading in ``tree``, and the report's grading time."""
    with tempfile.TemporaryDirectory(prefix="deepgrade-cold-") as tmp:
        out = Path(tmp) / "results.json"
        before = os.times()
        began = time.monotonic()
        subprocess.run([sys.executable, "-m", "autograder.cli", "grade", f"reference/{UNIT}", "--submission-id",
                        "bench", "--json", str(out)], cwd=tree, env={**env(), "PYTHONPATH": str(tree)},
                       check=True, capture_output=True)
        wall = time.monotonic() - began
        after = os.times()
        results = json.loads(out.read_text())
    return {"wall": wall, "cpu": after.children_user + after.children_system
            - before.children_user - before.children_system,
            "grading": results["execution_time"], "score": results["score"]}


def series(rows: list[dict], key: str) -> str:
    return " ".join(f"{r[key]:.2f}" for r in rows)


def main():
    baseline = os.environ.get("BENCH_COLD_BASELINE", "ac3f3ff")
    runs = int(os.environ.get("BENCH_COLD_RUNS", 3))
    with tempfile.TemporaryDirectory(prefix="deepgrade-baseline-") as tmp:
        old = Path(tmp) / "tree"
        made = subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), baseline],
                              capture_output=True, text=True)
        if made.returncode:
            print(f"no baseline: {made.stderr.strip()} (a clone with history, or BENCH_COLD_BASELINE=COMMIT)")
            return
        try:
            print(f"cold `autograder grade reference/{UNIT}`, {runs} runs each alternated, load before "
                  f"{os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs; baseline {baseline}")
            rows = {"baseline": [], "this tree": []}
            for _ in range(runs):
                rows["baseline"].append(cold(old))
                rows["this tree"].append(cold(ROOT))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], capture_output=True)
    for name, got in rows.items():
        print(f"  {name:10s} wall {series(got, 'wall')} s; CPU {series(got, 'cpu')} s; "
              f"grading {series(got, 'grading')} s; score {got[0]['score']:g}")
    mean = {name: {k: sum(r[k] for r in got) / len(got) for k in ("wall", "cpu", "grading")}
            for name, got in rows.items()}
    print(f"  ratio this tree / baseline: wall {mean['this tree']['wall'] / mean['baseline']['wall']:.2f}, "
          f"CPU {mean['this tree']['cpu'] / mean['baseline']['cpu']:.2f}, "
          f"grading {mean['this tree']['grading'] / mean['baseline']['grading']:.2f} (target: wall 0.5)")
    print(f"  load after {os.getloadavg()[0]:.2f}")
