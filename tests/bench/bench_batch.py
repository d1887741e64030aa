"""Batch grading vs one cold process per submission, side by side on the same generated class.

A class of N unit-1 submissions (correct, wrong = the reference with one of the unit's mutants,
unstarted = the stub) is graded twice with the same salt and the same parallelism (W at a time):

- ``batch``: one ``autograder batch`` run (W grader processes, each with a warm worker ready);
- ``cold``: ``autograder grade`` in a fresh process per submission, W at a time.

Both must give every student the same score. Printed: wall time, throughput, the ratio, and the
per-submission overhead: wall time x W / N minus the checks' own compute time (the sum of the
check durations the gradebook recorded). A torch unit is benchmarked the same way once one exists.
Environment: BENCH_N (default 100), BENCH_TORCH_N (20), BENCH_WORKERS (default: CPU count).
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from autograder import gradebook as gb
from autograder.sandbox.launchers import sandbox_problem
from autograder.suite import load_suite, unit_names

from .. import classroom
from ..support import ROOT

SALT = "bench-salt"


def cli(*args) -> list[str]:
    return [sys.executable, "-m", "autograder.cli", *args, *(["--no-sandbox"] if sandbox_problem() else [])]


def env() -> dict:
    return {**os.environ, "DEEPGRADE_SALT": SALT}


def bench_unit(unit: str, n: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="deepgrade-bench-") as tmp:
        subs = Path(tmp) / "submissions"
        kinds = classroom.build(subs, unit, n)
        book = Path(tmp) / "gradebook.sqlite"

        began = time.monotonic()
        subprocess.run(cli("batch", str(subs), "--unit", unit, "--workers", str(workers), "--gradebook", str(book),
                           "--no-progress"), env=env(), check=True, capture_output=True, cwd=ROOT)
        batch_wall = time.monotonic() - began

        def cold(sid: str) -> float:
            out = subprocess.run(cli("grade", str(subs / sid), "--unit", unit, "--submission-id", sid, "--format",
                                     "json"), env=env(), check=True, capture_output=True, text=True, cwd=ROOT)
            return json.loads(out.stdout)["score"]

        began = time.monotonic()
        with ThreadPoolExecutor(workers) as pool:  # threads only wait on the cold processes
            cold_scores = dict(zip(kinds, pool.map(cold, kinds)))
        cold_wall = time.monotonic() - began

        with gb.Gradebook(book) as g:
            subs_rows = g.current(unit)
            batch_scores = {s.student_id: s.score for s in subs_rows}
            compute = sum(sum(r.duration for r in g.results(s.id)) for s in subs_rows) / len(subs_rows)
            isolation = subs_rows[0].isolation
    mismatched = {sid for sid in kinds if abs(batch_scores[sid] - cold_scores[sid]) > 1e-9}
    assert not mismatched, f"batch and cold grading disagree on {sorted(mismatched)}"
    return {"unit": unit, "n": n, "workers": workers, "isolation": isolation,
            "mix": {k: list(kinds.values()).count(k) for k in ("correct", "wrong", "unstarted")},
            "batch_wall": batch_wall, "cold_wall": cold_wall, "compute": compute}


def report(r: dict):
    n, w = r["n"], r["workers"]
    print(f"{r['unit']}: {n} submissions ({r['mix']['correct']} correct, {r['mix']['wrong']} wrong, "
          f"{r['mix']['unstarted']} unstarted), {w} at a time, isolation {r['isolation']}")
    print(f"  checks' own compute time: {r['compute']:.3f} s per submission (sum of check durations)")
    print(f"  {'mode':<6} {'wall s':>8} {'subs/s':>8} {'s/sub/worker':>13} {'overhead/sub':>13}")
    for mode in ("batch", "cold"):
        wall = r[f"{mode}_wall"]
        per = wall * w / n
        print(f"  {mode:<6} {wall:8.1f} {n / wall:8.2f} {per:13.3f} {per - r['compute']:13.3f}")
    print(f"  batch throughput / cold throughput = {r['cold_wall'] / r['batch_wall']:.2f}x  "
          "(scores identical in both modes)")


def torch_unit() -> str | None:
    """The first torch unit with a reference and mutants to build a class from."""
    for unit in unit_names():
        if "torch" in load_suite(unit).preload and (ROOT / "reference" / unit).is_dir():
            try:
                classroom.mutants(unit)
            except (ImportError, AttributeError):
                continue
            return unit
    return None


def main():
    workers = int(os.environ.get("BENCH_WORKERS") or os.cpu_count() or 1)
    report(bench_unit("unit01_foundations", int(os.environ.get("BENCH_N", 100)), workers))
    unit = torch_unit()
    if unit:
        report(bench_unit(unit, int(os.environ.get("BENCH_TORCH_N", 20)), workers))
    else:
        print("no torch unit with a reference and mutants yet; skipped")


if __name__ == "__main__":
    main()
