"""Exporting a class's feedback pages: one page after another (the export before report_pages)
against report_pages' workers, alternated on the same gradebook, each run in a fresh process.

A class (tests/classroom.py: correct, wrong and unstarted students) of N unit-1 students (error
plots of wrong arrays) and T unit-8 students (torch; the VAE's samples drawn as image grids) is
graded by ``autograder batch``, then ``--format html`` exported R times in each mode:

- ``serial``: the export as it was: ``report_html.write`` per student in turn, every plot drawn as
  it comes, the page's template compiled for each page;
- ``workers=1``: :class:`autograder.report_pages.Pages` drawing here (each distinct plot once);
- ``workers=W``: the same with W worker processes (default: the CPUs), as ``autograder export``.

Every run's pages must be byte-identical to the first serial run's. Printed per mode (medians): wall
time, the exporting process's CPU, its workers' CPU, and ratios to serial. Under load the wall time
says little; the critical path, max(exporting process, workers' CPU / W), is what an idle machine
with W free CPUs would wait, about.
Environment: BENCH_EXPORT_N (60), BENCH_EXPORT_TORCH_N (16), BENCH_EXPORT_REPEATS (2), BENCH_WORKERS.
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder import gradebook as gb

from .. import classroom
from ..support import ROOT
from .bench_batch import cli, env

UNITS = (("unit01_foundations", "BENCH_EXPORT_N", 60), ("unit08_autoencoders", "BENCH_EXPORT_TORCH_N", 16))


def child():
    """In a fresh process: ``mode book out workers``; prints its own CPU and its workers' as JSON."""
    mode, book, out, workers = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
    from autograder import exports, report_html

    if mode == "serial":
        with gb.Gradebook(book) as g:
            for unit in g.units():
                for sub in g.current(unit):
                    report_html._environment.cache_clear()  # a Jinja2 environment a page, as before
                    report_html.write(g.report(sub), out / unit / "html" / f"{exports._safe_name(sub.student_id)}.html",
                                      student=sub.student_id)
    else:
        exports.export(book, out, ["html"], workers=workers)
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"own": own.ru_utime + own.ru_stime, "workers": kids.ru_utime + kids.ru_stime}))


def export_once(mode: str, book: Path, out: Path, workers: int) -> dict:
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-c", "from tests.bench.bench_export import child; child()", mode,
                           str(book), str(out), str(workers)], env=env(), check=True, capture_output=True, text=True,
                          cwd=ROOT)
    return {"wall": time.monotonic() - began, **json.loads(done.stdout.splitlines()[-1])}


def pages(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.glob("*/html/*.html"))}


def plot_counts(book: Path) -> tuple[int, int]:
    """(plots on the pages, distinct ones)."""
    with gb.Gradebook(book) as g:
        rows = g.db.execute("SELECT data FROM figures WHERE data IS NOT NULL").fetchall()
    return len(rows), len({r[0] for r in rows})


def main():
    workers = int(os.environ.get("BENCH_WORKERS") or os.cpu_count() or 1)
    repeats = int(os.environ.get("BENCH_EXPORT_REPEATS", 2))
    modes = [("serial", 1), ("workers=1", 1)] + ([(f"workers={workers}", workers)] if workers > 1 else [])
    with tempfile.TemporaryDirectory(prefix="deepgrade-bench-") as tmp:
        book, class_ = Path(tmp) / "gradebook.sqlite", []
        for unit, variable, default in UNITS:
            n = int(os.environ.get(variable, default))
            subs = Path(tmp) / unit
            kinds = classroom.build(subs, unit, n)
            class_.append(f"{n} of {unit} ({', '.join(f'{list(kinds.values()).count(k)} {k}' for k in ('correct', 'wrong', 'unstarted'))})")
            subprocess.run(cli("batch", str(subs), "--unit", unit, "--gradebook", str(book), "--no-progress"),
                           env=env(), check=True, capture_output=True, cwd=ROOT)
        plots, distinct = plot_counts(book)
        print(f"class: {'; '.join(class_)}: {plots} plots, {distinct} distinct; {os.cpu_count()} CPUs, "
              f"load before {os.getloadavg()[0]:.2f}; {repeats} runs a mode, alternated; medians")
        runs: dict[str, list[dict]] = {mode: [] for mode, _ in modes}
        expected = None
        for i in range(repeats):
            for mode, w in modes:
                out = Path(tmp) / f"out-{mode}-{i}"
                runs[mode].append(export_once("serial" if mode == "serial" else "pages", book, out, w))
                got = pages(out)
                expected = expected or got
                assert got == expected, f"{mode}: pages differ from the serial export's"
        print(f"  {'mode':<10} {'wall s':>7} {'own CPU s':>10} {'workers CPU s':>14} {'critical s':>11} "
              f"{'wall ratio':>11} {'CPU ratio':>10} {'critical ratio':>15}")
        base = None
        for mode, w in modes:
            row = {k: statistics.median(r[k] for r in runs[mode]) for k in ("wall", "own", "workers")}
            row["total"], row["critical"] = row["own"] + row["workers"], max(row["own"], row["workers"] / w)
            base = base or row
            print(f"  {mode:<10} {row['wall']:7.2f} {row['own']:10.2f} {row['workers']:14.2f} {row['critical']:11.2f} "
                  f"{base['wall'] / row['wall']:10.2f}x {base['total'] / row['total']:9.2f}x "
                  f"{base['critical'] / row['critical']:14.2f}x")
        print(f"  pages byte-identical in every run ({len(expected)} pages); ratios: serial / mode (higher is faster)")


if __name__ == "__main__":
    main()
