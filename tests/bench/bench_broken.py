"""What a broken submission costs: every function and method of a unit's modules hangs, or exits the
worker (``os._exit``), graded by ``autograder grade`` in a fresh process with the default limits.

Target (issue 15): at most 120 s per unit on the idle 2-core machine, every check with a message.
Printed per unit and kind: wall time, workers started, score, and whether every failed check says
why. Environment: BENCH_BROKEN_UNITS (comma-separated, default every unit), BENCH_BROKEN_KINDS
(default "hang,exit").
"""
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from autograder.suite import unit_names

from ..support import every_function, make_submission
from .bench_batch import cli, env

TARGET = 120.0
BODIES = {"hang": "time.sleep(10 ** 6)", "exit": "os._exit(3)"}


def bench(unit: str, kind: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="deepgrade-broken-") as tmp:
        path = make_submission(Path(tmp), unit, extra=every_function(unit, BODIES[kind]))
        began = time.monotonic()
        done = subprocess.run(cli("grade", str(path), "--unit", unit, "--submission-id", "bench", "--format", "json"),
                              env=env(), capture_output=True, text=True, check=True)
        wall = time.monotonic() - began
    report = json.loads(done.stdout)
    tests = report["tests"]
    silent = [t["name"] for t in tests if t["status"] != "passed" and not t["output"].strip()]
    return {"wall": wall, "workers": report["extra_data"]["workers_started"], "score": report["score"],
            "checks": len(tests), "silent": silent}


def main():
    units = [u for u in os.environ.get("BENCH_BROKEN_UNITS", "").split(",") if u] or unit_names()
    kinds = [k for k in os.environ.get("BENCH_BROKEN_KINDS", "hang,exit").split(",") if k]
    print(f"{os.cpu_count()} CPUs, load before {os.getloadavg()[0]:.2f}; default limits, bubblewrap where it runs")
    print(f"  {'unit':<22} {'kind':<5} {'wall s':>7} {'workers':>8} {'score':>6} {'checks':>7}  verdict")
    for unit in units:
        for kind in kinds:
            r = bench(unit, kind)
            verdict = "ok" if r["wall"] <= TARGET else "over"
            if r["silent"]:
                verdict += f"; no message: {', '.join(r['silent'])}"
            print(f"  {unit:<22} {kind:<5} {r['wall']:>7.1f} {r['workers']!s:>8} {r['score']:>6g} {r['checks']:>7}  {verdict}",
                  flush=True)


if __name__ == "__main__":
    main()
