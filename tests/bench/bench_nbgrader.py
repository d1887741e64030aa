"""Real ``nbgrader autograde`` against ``autograder batch`` on the same class of notebooks.

The course is laid out by the project's own ``autograder nbgrader export`` and released with real
``nbgrader generate_assignment``; the class's notebooks are the released notebook with exercise
cells filled in: correct (the solution), partly wrong (one module with one of the unit's mutants)
or untouched. The same notebooks are then graded three ways, one after another on this machine:

- ``nbgrader autograde`` (one kernel per notebook, one notebook at a time, as nbgrader runs);
- ``autograder batch --workers 1`` and ``--workers 2`` (the sandbox where it runs).

Both tools should give every student the same total; a student for whom they differ is printed.
Printed: wall times, throughput ratios, and
per-submission overhead (wall x workers / N minus the checks' own compute, the sum of check
durations in the gradebook). Environment: BENCH_NB_N (default 60), BENCH_NB_TORCH_N (default 8),
BENCH_NB_TORCH_UNIT (default unit07_gan).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder import gradebook as gb
from autograder.cli import main as cli_main
from autograder.sandbox.launchers import sandbox_problem

from .. import classroom
from ..support import replace_function

SALT = "bench-salt"
BIN = Path(sys.executable).parent
KINDS = ("correct", "wrong", "untouched")


def nbgrader(course: Path, *args):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "MPLBACKEND": "Agg"}
    done = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def module_cells(notebook: dict) -> dict[str, str]:
    """``{module: cell id}`` of the exercise cells (``%%module NAME`` first lines)."""
    found = {}
    for cell in notebook["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "code" and text.startswith("%%module "):
            found[text.splitlines()[0].split()[1]] = cell["id"]
    return found


def build_class(course: Path, unit: str, n: int) -> dict[str, str]:
    """``submitted/<sid>/<unit>/<unit>.ipynb`` for n students; returns ``{sid: kind}``."""
    source = json.loads((course / "source" / unit / f"{unit}.ipynb").read_text())
    released = json.loads((course / "release" / unit / f"{unit}.ipynb").read_text())
    solution = {c["id"]: "".join(c["source"]) for c in source["cells"]}
    cells = module_cells(released)
    mutants = classroom.mutants(unit)
    kinds = {}
    for i in range(n):
        sid, kind = f"s{i:03d}", KINDS[i % 3]
        notebook = json.loads(json.dumps(released))
        changes = {}
        if kind != "untouched":
            changes = {cid: solution[cid] for cid in cells.values()}
        if kind == "wrong":
            target, new = mutants[i % len(mutants)]
            module, func = target.split(".")
            head, body = solution[cells[module]].split("\n", 1)
            changes[cells[module]] = head + "\n" + replace_function(body, func, new)
        for cell in notebook["cells"]:
            if cell.get("id") in changes:
                cell["source"] = changes[cell["id"]]
        folder = course / "submitted" / sid / unit
        folder.mkdir(parents=True)
        (folder / f"{unit}.ipynb").write_text(json.dumps(notebook))
        kinds[sid] = kind
    return kinds


def nbgrader_totals(course: Path, unit: str, students: list[str]) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as book:
        return {sid: sum(g.score for g in book.find_submission_notebook(unit, unit, sid).grades) for sid in students}


def batch(klass: Path, unit: str, workers: int, book: Path) -> float:
    argv = [sys.executable, "-m", "autograder.cli", "batch", str(klass), "--unit", unit, "--workers", str(workers),
            "--gradebook", str(book), "--no-progress", *(["--no-sandbox"] if sandbox_problem() else [])]
    began = time.monotonic()
    subprocess.run(argv, env={**os.environ, "DEEPGRADE_SALT": SALT}, check=True, capture_output=True)
    return time.monotonic() - began


def bench_unit(unit: str, n: int) -> dict:
    sys.modules.setdefault("rfc3987_syntax", None)
    with tempfile.TemporaryDirectory(prefix="deepgrade-nbbench-") as tmp:
        course = Path(tmp) / "course"
        assert cli_main(["nbgrader", "export", str(course)]) == 0
        nbgrader(course, "generate_assignment", unit, "--force")
        kinds = build_class(course, unit, n)
        klass = Path(tmp) / "class"
        klass.mkdir()
        for sid in kinds:
            shutil.copyfile(course / "submitted" / sid / unit / f"{unit}.ipynb", klass / f"{sid}.ipynb")

        began = time.monotonic()
        nbgrader(course, "autograde", unit)
        nb_wall = time.monotonic() - began
        theirs = nbgrader_totals(course, unit, list(kinds))

        walls, compute, differ = {}, 0.0, {}
        for workers in (1, 2):
            book = Path(tmp) / f"batch{workers}.sqlite"
            walls[workers] = batch(klass, unit, workers, book)
            with gb.Gradebook(book) as g:
                current = g.current(unit)
                ours = {s.student_id: s.score for s in current}
                compute = sum(sum(r.duration for r in g.results(s.id)) for s in current) / len(current)
                isolation = current[0].isolation
            differ.update({sid: (kinds[sid], theirs[sid], ours.get(sid)) for sid in kinds
                           if abs(theirs[sid] - ours.get(sid, -1)) > 1e-4})
    return {"unit": unit, "n": n, "nbgrader": nb_wall, "walls": walls, "compute": compute, "isolation": isolation,
            "mix": {k: list(kinds.values()).count(k) for k in KINDS}, "differ": differ}


def report(r: dict):
    n = r["n"]
    print(f"{r['unit']}: {n} notebooks ({', '.join(f'{v} {k}' for k, v in r['mix'].items())}); "
          f"deepgrade isolation {r['isolation']}; load before: {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs")
    print(f"  checks' own compute: {r['compute']:.3f} s per submission")
    print(f"  {'grader':<24} {'wall s':>8} {'s/notebook':>11} {'vs nbgrader':>12} {'overhead/sub':>13} {'overhead/compute':>17}")
    print(f"  {'nbgrader autograde':<24} {r['nbgrader']:8.1f} {r['nbgrader'] / n:11.3f} {1:11.2f}x")
    for workers, wall in r["walls"].items():
        over = wall * workers / n - r["compute"]
        print(f"  {f'autograder batch -w {workers}':<24} {wall:8.1f} {wall / n:11.3f} {r['nbgrader'] / wall:11.2f}x "
              f"{over:13.3f} {over / r['compute']:17.2f}")
    if not r["differ"]:
        print("  totals: nbgrader and deepgrade agree for every student")
    for sid, (kind, theirs, ours) in sorted(r["differ"].items()):
        print(f"  totals DISAGREE for {sid} ({kind}): nbgrader {theirs:g}, deepgrade {ours:g}")


def main():
    report(bench_unit("unit01_foundations", int(os.environ.get("BENCH_NB_N", 60))))
    report(bench_unit(os.environ.get("BENCH_NB_TORCH_UNIT", "unit07_gan"), int(os.environ.get("BENCH_NB_TORCH_N", 8))))


if __name__ == "__main__":
    main()
