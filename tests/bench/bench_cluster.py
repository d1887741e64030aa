"""Batch grading on a Dask cluster, side by side with local grader processes.

1. The same class of unit-1 submissions graded by ``autograder batch --workers 2`` and by
   ``autograder batch --scheduler`` on a ``distributed.LocalCluster`` of 2 one-thread worker
   processes on this machine (target: the cluster path within 10 % of the local one).
2. Scale: a simulated class of BENCH_SCALE_N (default 1,000) submissions whose grading is replaced
   by a calibrated sleep (BENCH_SCALE_SLEEP seconds, default 0.5: about one unit-1 grading), on
   100 in-process Dask worker threads, recorded in a real gradebook by the client. Ideal wall time
   is N x sleep / 100; the excess is what the scheduler, the transfers and the single gradebook
   writer cost.
Environment: BENCH_CLUSTER_N (default 30) for part 1.
"""
import functools
import os
import tempfile
import time
from pathlib import Path

from autograder import batch as batch_mod
from autograder import gradebook as gb
from autograder.distributed import DaskBatch, sleep_grade

from .. import classroom
from .bench_nbgrader import SALT
from .bench_batch import cli, env

UNIT = "unit01_foundations"


def timed(argv: list[str]) -> float:
    import subprocess

    began = time.monotonic()
    subprocess.run(argv, env=env(), check=True, capture_output=True)
    return time.monotonic() - began


def local_vs_cluster(n: int) -> dict:
    from distributed import LocalCluster

    with tempfile.TemporaryDirectory(prefix="deepgrade-cluster-") as tmp:
        subs = Path(tmp) / "class"
        classroom.build(subs, UNIT, n)
        common = ["batch", str(subs), "--unit", UNIT, "--no-progress"]
        local = timed(cli(*common, "--workers", "2", "--gradebook", f"{tmp}/local.sqlite"))
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=40) as cluster:
            cold = timed(cli(*common, "--scheduler", cluster.scheduler_address, "--gradebook", f"{tmp}/cold.sqlite"))
            warm = timed(cli(*common, "--scheduler", cluster.scheduler_address, "--gradebook", f"{tmp}/warm.sqlite"))
        scores = []
        for name in ("local", "cold", "warm"):
            with gb.Gradebook(Path(tmp) / f"{name}.sqlite") as g:
                scores.append({s.student_id: s.score for s in g.current(UNIT)})
        assert scores[0] == scores[1] == scores[2], "cluster and local grades differ"
    return {"n": n, "local": local, "cold": cold, "warm": warm}


def scale(n: int, seconds: float, slots: int = 100) -> dict:
    from distributed import LocalCluster

    with tempfile.TemporaryDirectory(prefix="deepgrade-scale-") as tmp:
        entries = []
        for i in range(n):
            entry = Path(tmp) / "class" / f"s{i:04d}.zip"
            entry.parent.mkdir(exist_ok=True)
            entry.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip: the stand-in never opens it
            entries.append(batch_mod.Job(entry.stem, entry, f"{i:064x}", "2026-12-01T00:00:00+0000"))
        recorded = []
        with gb.Gradebook(Path(tmp) / "book.sqlite") as book, \
                LocalCluster(n_workers=slots // 5, threads_per_worker=5, processes=False, dashboard_address=None,
                             silence_logs=40) as cluster:
            run_id = book.start_run(UNIT, slots, "none", "bench")
            local = batch_mod.Batch(book, UNIT, SALT, 1, True, 60.0, run_id, "none",
                                    on_done=lambda job, status, text: recorded.append(time.monotonic()))
            write = []

            def record(job, status, value):
                began = time.monotonic()
                local._record(job, status, value)
                write.append(time.monotonic() - began)

            began = time.monotonic()
            DaskBatch(cluster.scheduler_address, UNIT, True, grade=functools.partial(sleep_grade, seconds=seconds)).run(
                entries, record, SALT, 60.0)
            wall = time.monotonic() - began
            assert len(book.current(UNIT)) == n
    ideal = n * seconds / slots
    return {"n": n, "seconds": seconds, "slots": slots, "wall": wall, "ideal": ideal,
            "write_total": sum(write), "write_max": max(write)}


def main():
    r = local_vs_cluster(int(os.environ.get("BENCH_CLUSTER_N", 30)))
    print(f"{UNIT}: {r['n']} submissions, load before {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    print(f"  batch --workers 2                     {r['local']:7.1f} s")
    print(f"  batch --scheduler (LocalCluster 2x1)  {r['cold']:7.1f} s first run (workers import and warm up), "
          f"{r['warm']:.1f} s second run; ratio to local: {r['cold'] / r['local']:.2f} / {r['warm'] / r['local']:.2f}")
    s = scale(int(os.environ.get("BENCH_SCALE_N", 1000)), float(os.environ.get("BENCH_SCALE_SLEEP", 0.5)))
    print(f"scale: {s['n']} simulated submissions of {s['seconds']} s on {s['slots']} Dask worker threads")
    print(f"  wall {s['wall']:.1f} s against an ideal {s['ideal']:.1f} s ({s['wall'] / s['ideal']:.2f}x); "
          f"gradebook writes {s['write_total']:.1f} s in all, {1000 * s['write_max']:.1f} ms at most")


if __name__ == "__main__":
    main()
