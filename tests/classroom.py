"""A generated class: a folder of submissions, one per student, for batch tests and benchmarks.

Students are correct (the reference), wrong (the reference with one of the unit's MUTANTS planted)
or unstarted (the stub), in a fixed order so two calls with the same arguments build the same class.
"""
from __future__ import annotations

import importlib
import shutil
import zipfile
from pathlib import Path

from .support import make_submission


def mutants(unit: str) -> list[tuple[str, str]]:
    module = importlib.import_module(f"tests.units.test_{unit}")
    return list(module.MUTANTS.values())


def build(folder: Path, unit: str, n: int, *, zipped_every: int = 0) -> dict[str, str]:
    """Write ``n`` submissions under ``folder``; returns ``{student id: kind}``.

    The mix cycles correct, wrong, wrong, unstarted, correct, wrong, ... (about 40 % wrong mutants,
    35 % correct, 25 % unstarted). Every ``zipped_every``-th student hands in a .zip instead.
    """
    folder.mkdir(parents=True, exist_ok=True)
    wrong = mutants(unit)
    kinds: dict[str, str] = {}
    scratch = folder.parent / f".{folder.name}-scratch"
    for i in range(n):
        sid = f"s{i:03d}"
        kind = ("correct", "wrong", "wrong", "unstarted", "correct", "wrong", "correct", "unstarted")[i % 8]
        if kind == "correct":
            src = make_submission(scratch, unit)
        elif kind == "wrong":
            target, source = wrong[i % len(wrong)]
            src = make_submission(scratch, unit, {target: source})
        else:
            src = make_submission(scratch, unit, base="assignments")
        if zipped_every and i % zipped_every == zipped_every - 1:
            zip_folder(src, folder / f"{sid}.zip", prefix=unit)
        else:
            shutil.copytree(src, folder / sid)
        kinds[sid] = kind
    shutil.rmtree(scratch, ignore_errors=True)
    return kinds


def zip_folder(src: Path, out: Path, prefix: str = ""):
    with zipfile.ZipFile(out, "w") as zf:
        for path in sorted(src.rglob("*.py")):
            zf.write(path, f"{prefix}/{path.relative_to(src)}" if prefix else str(path.relative_to(src)))
