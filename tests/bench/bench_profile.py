"""Where a grading's time goes: the unit-1 and unit-5 references and a unit-1 notebook, graded as a
batch grader process grades them.

Each case runs in a fresh process that does what ``autograder batch``'s grader processes do: import
the suite and the reference, keep one worker started ahead (:class:`~autograder.sandbox.pool.Pool`),
then grade the same submission under SUBMISSIONS ids one after another. The first grading pays what
a grader process pays once; the last is the steady state a class pays per submission. Printed per
grading, from timers wrapped around the engine's own functions (nothing in the engine changes):

- intake: reading the upload; for a notebook, nbformat (``read_cells``), IPython's transformer
  (``kernel_source``) and choosing the exercise cells;
- round trips: requests to the worker (count, wall time, and the worker's CPU time in them: the
  student code's own compute plus decoding), the slowest request kinds listed;
- hypothesis: time inside ``properties.run`` less its round trips and sympy (drawing, shrinking);
- sympy: answer keys evaluated in mpmath (``Key.__call__``), derived and compiled (cached);
- worker start: a worker started and ready (in the pool's thread, overlapping the grading);
- other grader work: the checks' own numpy, comparisons, the runner;
- report: the Gradescope JSON and the pickled report a grader process sends to its parent.

Run: ``python -m tests.bench profile`` (BENCH_PROFILE_CASES=unit01,notebook,unit05 to choose; cProfile's
slowest grader functions of the steady-state grading with BENCH_PROFILE_TOP=N). The load average
is printed before and after: compare numbers taken under the same load only.
"""
from __future__ import annotations

import collections
import functools
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # not tests.support: the child times the engine's imports itself
SALT = "bench-salt"
CASES = {"unit01": ("unit01_foundations", "reference", 3), "notebook": ("unit01_foundations", "notebook", 3),
         "unit05": ("unit05_cnn", "reference", 2)}
TICK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- measuring (in the child process)
class Timers:
    def __init__(self):
        self.time = collections.defaultdict(float)
        self.count = collections.defaultdict(int)
        self.by_what = collections.defaultdict(lambda: [0, 0.0])

    def add(self, key: str, seconds: float, n: int = 1):
        self.time[key] += seconds
        self.count[key] += n


T = Timers()


def wrap(owner, name: str, key: str):
    original = getattr(owner, name)

    @functools.wraps(original)
    def timed(*args, **kwargs):
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            T.add(key, time.perf_counter() - began)

    setattr(owner, name, timed)


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` and its descendants (a sandbox's inner processes)."""
    parents, cpu = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / TICK
    tree, frontier = {pid}, [pid]
    while frontier:
        p = frontier.pop()
        for child, parent in parents.items():
            if parent == p and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(cpu.get(p, 0.0) for p in tree)


def instrument():
    """Wrap the engine's functions with timers (the same names exist before and after the speed-ups)."""
    from autograder import notebooks, submission
    from autograder.checks import properties, symbolic
    from autograder.sandbox import worker_process

    worker = worker_process.Worker
    start, request, kill = worker.__init__, worker.request, worker.kill

    def started(self, *args, **kwargs):
        began = time.perf_counter()
        start(self, *args, **kwargs)
        T.add("worker start", time.perf_counter() - began)
        if not lazy:  # before workers started lazily, __init__ waited until the worker was ready
            self._cpu_ready = tree_cpu(self.proc.pid)

    lazy = hasattr(worker, "wait_ready")
    if lazy:
        wait_ready = worker.wait_ready

        def ready(self):
            waiting = self.ready_by is not None
            began = time.perf_counter()
            wait_ready(self)
            if waiting:
                T.add("worker start", time.perf_counter() - began, 0)
                self._cpu_ready = tree_cpu(self.proc.pid)

        worker.wait_ready = ready

    def requested(self, op, value, deadline, what, *args):
        began = time.perf_counter()
        try:
            return request(self, op, value, deadline, what, *args)
        finally:
            took = time.perf_counter() - began
            T.add("round trips", took)
            entry = T.by_what[f"{op} {what}"[:60]]
            entry[0] += 1
            entry[1] += took

    def killed(self):
        if self.proc.poll() is None and hasattr(self, "_cpu_ready"):
            T.add("worker CPU in requests", tree_cpu(self.proc.pid) - self._cpu_ready, 0)
        kill(self)

    worker.__init__, worker.request, worker.kill = started, requested, killed

    run = properties.run

    def run_property(*args, **kwargs):
        before = (T.time["round trips"], T.time["sympy keys"], T.time["sympy derive"])
        began = time.perf_counter()
        try:
            return run(*args, **kwargs)
        finally:
            nested = (T.time["round trips"] - before[0]) + (T.time["sympy keys"] - before[1]) + \
                (T.time["sympy derive"] - before[2])
            T.add("hypothesis", time.perf_counter() - began - nested)

    properties.run = run_property
    wrap(symbolic.Key, "__call__", "sympy keys")
    wrap(symbolic, "_derivative", "sympy derive")
    wrap(symbolic, "_lambdified", "sympy derive")
    wrap(submission, "intake", "intake")
    wrap(notebooks, "read_cells", "notebook read_cells (nbformat)")
    wrap(notebooks, "kernel_source", "notebook kernel_source (IPython)")
    wrap(notebooks, "exercise_sources", "notebook exercise_sources")


def child(case: str, top: int) -> dict:
    unit, kind, gradings = CASES[case]
    began = time.perf_counter()
    from autograder import runner, submission
    from autograder.sandbox import launchers
    from autograder.sandbox.pool import Pool
    from autograder.suite import load_suite

    out = {"case": case, "unit": unit, "kind": kind, "imports": time.perf_counter() - began}
    instrument()
    began = time.perf_counter()
    suite = load_suite(unit)
    out["suite import"] = time.perf_counter() - began
    began = time.perf_counter()
    runner.load_reference(suite)
    out["reference import"] = time.perf_counter() - began
    launcher = launchers.choose(no_sandbox=bool(launchers.sandbox_problem()))
    out["isolation"] = launcher.isolation
    pool = Pool(launcher, size=1, preloads=(suite.preload,))
    began = time.perf_counter()
    pool.wait_ready(suite.preload, timeout=120)
    out["first worker ready"] = time.perf_counter() - began
    with tempfile.TemporaryDirectory(prefix="deepgrade-profile-") as tmp:
        if kind == "notebook":
            entry = Path(tmp) / "student.ipynb"
            shutil.copy(ROOT / "reference" / unit / f"{unit}.ipynb", entry)
        else:
            entry = Path(tmp) / "student"
            shutil.copytree(ROOT / "reference" / unit, entry, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
        out["gradings"] = []
        for number in range(gradings):
            T.__init__()
            profiler = None
            if top and number == gradings - 1:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            cpu, began = time.process_time(), time.perf_counter()
            status, report = submission.grade_entry(entry, unit, submission_id=f"p{number}", salt=SALT,
                                                    launcher=launcher, pool=pool)
            wall = time.perf_counter() - began
            if profiler is not None:
                profiler.disable()
            rendered = time.perf_counter()
            json.dumps(report.gradescope())
            pickle.dumps(report)
            out["gradings"].append({
                "status": status, "score": report.score, "max": report.max_score, "wall": wall,
                "grader cpu": time.process_time() - cpu, "report": time.perf_counter() - rendered,
                "checks": sum(r.duration for r in report.results), "session round trips": report.round_trips,
                "workers started": report.workers_started, "time": dict(T.time), "count": dict(T.count),
                "slowest": sorted(((w, n, s) for w, (n, s) in T.by_what.items()), key=lambda x: -x[2])[:6]})
            if profiler is not None:
                out["top"] = top_functions(profiler, top)
    pool.close()
    return out


def top_functions(profiler, n: int) -> list[str]:
    import io
    import pstats

    buf = io.StringIO()
    pstats.Stats(profiler, stream=buf).sort_stats("tottime").print_stats(n)
    lines = buf.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    return lines[start:start + n + 1]


# ---------------------------------------------------------------- the parent
def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def show(r: dict):
    print(f"\n{r['case']}: {r['unit']} {r['kind']}, isolation {r['isolation']}")
    print(f"  once per grader process: imports {r['imports']:.2f} s, suite import {r['suite import']:.2f} s, "
          f"reference import {r['reference import']:.2f} s, first worker ready {r['first worker ready']:.2f} s")
    for number, g in enumerate(r["gradings"], 1):
        t, c = g["time"], g["count"]
        rt = t.get("round trips", 0.0)
        accounted = rt + t.get("hypothesis", 0) + t.get("sympy keys", 0) + t.get("sympy derive", 0) + \
            t.get("intake", 0)
        print(f"  grading {number}: {g['status']} {g['score']:g}/{g['max']:g}, wall {g['wall']:.2f} s "
              f"(grader CPU {g['grader cpu']:.2f} s), checks' durations {g['checks']:.2f} s")
        print(f"    round trips        {c.get('round trips', 0):5d} requests ({g['session round trips']} from checks), "
              f"{rt:.2f} s wall, worker CPU in them {t.get('worker CPU in requests', 0):.2f} s")
        print(f"    hypothesis         {t.get('hypothesis', 0):.2f} s (drawing, shrinking; round trips excluded)")
        print(f"    sympy              {t.get('sympy keys', 0):.2f} s keys evaluated ({c.get('sympy keys', 0)} calls), "
              f"{t.get('sympy derive', 0):.2f} s derived/compiled")
        print(f"    intake             {t.get('intake', 0):.2f} s", end="")
        if r["kind"] == "notebook":
            print(f" (nbformat {t.get('notebook read_cells (nbformat)', 0):.2f} s, IPython transform "
                  f"{t.get('notebook kernel_source (IPython)', 0):.2f} s in {c.get('notebook kernel_source (IPython)', 0)}"
                  f" calls, exercise cells {t.get('notebook exercise_sources', 0):.2f} s)", end="")
        print()
        print(f"    worker start       {t.get('worker start', 0):.2f} s for {c.get('worker start', 0)} started "
              f"({g['workers started']} taken by the session; in the pool's thread, overlapping)")
        print(f"    other grader work  {max(g['wall'] - accounted, 0):.2f} s (checks' numpy, comparisons, runner)")
        print(f"    report             {g['report']:.3f} s")
        print("    slowest requests:  " + "; ".join(f"{w} x{n} {s:.2f} s" for w, n, s in g["slowest"]))
    for line in r.get("top", []):
        print("    " + line)


def main():
    cases = [c for c in os.environ.get("BENCH_PROFILE_CASES", "unit01,notebook,unit05").split(",") if c]
    top = int(os.environ.get("BENCH_PROFILE_TOP", "15"))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout
    print(f"profile of {ROOT} at {commit.strip()}, {os.cpu_count()} CPUs, load average before: {load()}")
    for case in cases:
        proc = subprocess.run([sys.executable, "-m", "tests.bench.bench_profile", case, str(top)], cwd=ROOT,
                              capture_output=True, text=True, env={**os.environ, "DEEPGRADE_SALT": SALT})
        if proc.returncode:
            print(f"{case}: failed\n{proc.stderr[-3000:]}")
            continue
        show(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(json.dumps(child(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)))
    else:
        main()
