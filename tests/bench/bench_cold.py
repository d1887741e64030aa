"""One cold grading of the unit-5 reference, this tree against a baseline commit: an ``autograder
grade reference/unit05_cnn`` process, and Gradescope's ``run_autograder`` in a fresh root.

Issue 15's target: the unit-5 reference graded in half the wall time it took before the issue's
work (baseline: BENCH_COLD_BASELINE, default ac3f3ff, the last commit before it). Each run is a
fresh process, as Gradescope runs one per submission: the CLI's imports, the sandbox worker's
start (python, numpy, torch and its meta-device kernels), the reference and the grading, and the
exit. The two trees run alternately (BENCH_COLD_RUNS each, default 3) so load affects both alike;
the baseline is checked out into a temporary git worktree and graded with this tree's venv.
For Gradescope each tree builds its own bundle, which grades that tree's reference modules in a
root laid out as Gradescope lays it out (:mod:`tests.gradescope_support`). Printed per run: the process's wall time, its CPU (all processes it waited for), and the grading
time its Gradescope JSON reports. Then the timeline of one more cold run of this tree (seconds from
the process's start, :data:`TIMELINE`): where the wall time goes, and so what limits the next factor.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .bench_batch import env
from ..gradescope_support import layout, run_autograder
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


def gradescope_cold(tree: Path, folder: Path) -> dict:
    """Wall and CPU seconds of Gradescope's ``run_autograder`` on ``tree``'s reference modules, with
    the bundle ``tree`` builds (made once, in ``folder``), in a fresh root."""
    bundle = folder / "autograder.zip"
    if not bundle.exists():
        subprocess.run([sys.executable, "-m", "autograder.cli", "gradescope", UNIT, str(bundle)], cwd=tree,
                       env={**env(), "PYTHONPATH": str(tree)}, check=True, capture_output=True)
        shutil.copytree(tree / "reference" / UNIT, folder / "submission", ignore=shutil.ignore_patterns(
            "__pycache__", "*.ipynb"))
    with tempfile.TemporaryDirectory(prefix="deepgrade-cold-gs-") as tmp:
        root = layout(Path(tmp), bundle, folder / "submission", UNIT)
        before = os.times()
        began = time.monotonic()
        results, _ = run_autograder(root)
        wall = time.monotonic() - began
        after = os.times()
    return {"wall": wall, "cpu": after.children_user + after.children_system
            - before.children_user - before.children_system,
            "grading": results["execution_time"], "score": results["score"]}


TIMELINE = """
import sys, threading, time
began = time.monotonic()
marks = []
def mark(what):
    marks.append((time.monotonic() - began, what))
from autograder import cli
from autograder.sandbox import pool, zygote
mark("CLI imported")
def wrapped(owner, name, before, after):
    inner = getattr(owner, name)
    def call(*args, **kwargs):
        before and mark(before)
        out = inner(*args, **kwargs)
        after and mark(after)
        return out
    setattr(owner, name, call)
wrapped(zygote.Zygote, "__init__", "", "worker's zygote launched (python, numpy, torch, meta kernels)")
wrapped(zygote.Zygote, "wait_ready", "", "zygote ready")
checks = []
def instrument_runner():  # once the pool is started: `grade` imports the runner only then
    from autograder import runner
    wrapped(runner, "load_reference", "reference import begins (torch, in the grader)", "reference imported")
    run_check = runner.run_check
    def timed_check(check, *args, **kwargs):
        start = time.monotonic()
        result = run_check(check, *args, **kwargs)
        checks.append((time.monotonic() - start, check.name))
        if len(checks) == 1:
            mark(f"first check done ({check.name}: it waited for the worker)")
        return result
    runner.run_check = timed_check
start_pool = pool.Pool.__init__
def started(self, *args, **kwargs):
    start_pool(self, *args, **kwargs)
    instrument_runner()
pool.Pool.__init__ = started
cli.main(sys.argv[1:])
slowest = sorted(checks[1:], reverse=True)[:4]
mark(f"checks done: {len(checks)}, the slowest after the first " + ", ".join(f"{n} {t:.2f}" for t, n in slowest))
for at, what in sorted(marks):
    print(f"  {at:5.2f} s  {what}")
"""


def timeline(tree: Path):
    """Print the phases of one cold grading of the reference in ``tree`` (this tree's CLI, wrapped)."""
    with tempfile.TemporaryDirectory(prefix="deepgrade-cold-") as tmp:
        done = subprocess.run([sys.executable, "-c", TIMELINE, "grade", f"reference/{UNIT}", "--submission-id",
                               "bench", "--json", str(Path(tmp) / "results.json")], cwd=tree,
                              env={**env(), "PYTHONPATH": str(tree)}, capture_output=True, text=True, check=True)
    print("  timeline of one more cold run of this tree (the grader's view):")
    print("\n".join(line for line in done.stdout.splitlines() if line.startswith("  ") and " s  " in line))


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
        trees = {"baseline": old, "this tree": ROOT}
        folders = {name: Path(tmp) / name.replace(" ", "_") for name in trees}
        for folder in folders.values():
            folder.mkdir()
        try:
            print(f"cold gradings of the {UNIT} reference, {runs} runs each alternated, load before "
                  f"{os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs; baseline {baseline}")
            rows = {(way, name): [] for way in ("grade", "gradescope") for name in trees}
            for _ in range(runs):
                for name, tree in trees.items():
                    rows["grade", name].append(cold(tree))
                    rows["gradescope", name].append(gradescope_cold(tree, folders[name]))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], capture_output=True)
    for way, title in (("grade", f"`autograder grade reference/{UNIT}`"),
                       ("gradescope", "Gradescope's run_autograder, each tree's bundle")):
        print(f"  {title}")
        for name in trees:
            got = rows[way, name]
            print(f"    {name:10s} wall {series(got, 'wall')} s; CPU {series(got, 'cpu')} s; "
                  f"grading {series(got, 'grading')} s; score {got[0]['score']:g}")
        mean = {name: {k: sum(r[k] for r in rows[way, name]) / runs for k in ("wall", "cpu", "grading")}
                for name in trees}
        print(f"    ratio this tree / baseline: wall {mean['this tree']['wall'] / mean['baseline']['wall']:.2f}, "
              f"CPU {mean['this tree']['cpu'] / mean['baseline']['cpu']:.2f}, "
              f"grading {mean['this tree']['grading'] / mean['baseline']['grading']:.2f} (target: wall 0.5)")
    timeline(ROOT)
    print(f"  load after {os.getloadavg()[0]:.2f}")
