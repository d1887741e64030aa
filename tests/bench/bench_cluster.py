"""Batch grading on a Dask cluster, side by side with local grader processes.

1. The same class of unit-1 submissions graded by ``autograder batch --workers 2`` and by
   ``autograder batch --scheduler`` on a ``distributed.LocalCluster`` of 2 one-thread worker
   processes on this machine (target: the cluster path within 10 % of the local one), twice in a
   row on each of two clusters: one started plainly (its first run pays the workers' warm-up), one
   started with the preload that warms the unit (``--preload autograder.distributed --unit``),
   whose start and warm-up are timed apart and are not in the runs' times.
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
from autograder.distributed import DaskBatch, sleep_grade, warmed
from autograder.sandbox.launchers import sandbox_problem

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
    from distributed import Client, LocalCluster

    no_sandbox = bool(sandbox_problem())  # as cli() decides
    workers = dict(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40)
    preload = dict(preload=["autograder.distributed"], preload_argv=["--unit", UNIT, *(["--no-sandbox"] * no_sandbox)])
    with tempfile.TemporaryDirectory(prefix="deepgrade-cluster-") as tmp:
        subs = Path(tmp) / "class"
        classroom.build(subs, UNIT, n)
        common = ["batch", str(subs), "--unit", UNIT, "--no-progress"]

        def run(book: str, *where: str) -> float:
            return timed(cli(*common, *where, "--gradebook", f"{tmp}/{book}.sqlite"))

        r = {"n": n, "local before": run("local-before", "--workers", "2")}
        for name, options in (("plain", {}), ("preloaded", preload)):
            began = time.monotonic()
            with LocalCluster(**workers, **options) as cluster, Client(cluster.scheduler_address) as client:
                r[f"{name} start"] = time.monotonic() - began  # the workers registered
                if options:
                    assert all(client.run(warmed, UNIT, no_sandbox, 120).values()), "a worker did not warm up"
                    r[f"{name} warm"] = time.monotonic() - began
                for order in ("first", "second"):
                    r[f"{name} {order}"] = run(f"{name}-{order}", "--scheduler", cluster.scheduler_address)
        r["local after"] = run("local-after", "--workers", "2")  # the load may have changed meanwhile
        scores = []
        for book in Path(tmp).glob("*.sqlite"):
            with gb.Gradebook(book) as g:
                scores.append({s.student_id: s.score for s in g.current(UNIT)})
        assert len(scores) == 6 and all(score == scores[0] for score in scores), "cluster and local grades differ"
    return r


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
    load = os.getloadavg()[0]
    r = local_vs_cluster(int(os.environ.get("BENCH_CLUSTER_N", 30)))
    print(f"{UNIT}: {r['n']} submissions, load before {load:.2f} and after {os.getloadavg()[0]:.2f}, "
          f"{os.cpu_count()} CPUs")
    local = (r["local before"] + r["local after"]) / 2
    print(f"  batch --workers 2                                  {r['local before']:5.1f} s before the clusters, "
          f"{r['local after']:.1f} s after (ratios below to their mean)")
    for name, label in (("plain", "LocalCluster 2x1"), ("preloaded", "LocalCluster 2x1, preload")):
        first, second = r[f"{name} first"], r[f"{name} second"]
        print(f"  batch --scheduler ({label + ')':27s}{first:7.1f} s first run, {second:.1f} s second; "
              f"ratio to --workers 2: {first / local:.2f} / {second / local:.2f}")
    print(f"  not timed in the ratios: plain cluster start {r['plain start']:.1f} s; preloaded cluster start "
          f"{r['preloaded start']:.1f} s, start and warm-up {r['preloaded warm']:.1f} s")
    s = scale(int(os.environ.get("BENCH_SCALE_N", 1000)), float(os.environ.get("BENCH_SCALE_SLEEP", 0.5)))
    print(f"scale: {s['n']} simulated submissions of {s['seconds']} s on {s['slots']} Dask worker threads")
    print(f"  wall {s['wall']:.1f} s against an ideal {s['ideal']:.1f} s ({s['wall'] / s['ideal']:.2f}x); "
          f"gradebook writes {s['write_total']:.1f} s in all, {1000 * s['write_max']:.1f} ms at most")


if __name__ == "__main__":
    main()
