"""Data sets shipped with a unit, loaded by the grader itself.

A unit may ship a data file beside its modules (``reference/<unit>/iris.csv``; the stub generator
copies it into ``assignments/<unit>/``). Student code never reads it during grading: the grader
parses the file here and passes plain arrays to the student's functions. Splits and scaling are
deterministic, so every submission is graded on the same data. :func:`redrawn` keeps generated
data only where it has a property a check needs (away from a kink, not separated in one epoch).
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def unit_file(unit: str, name: str) -> Path:
    """A unit's data file: the reference's copy, else the student release's (self-check)."""
    for tree in ("reference", "assignments"):
        path = ROOT / tree / unit / name
        if path.is_file():
            return path
    raise FileNotFoundError(f"{name} of {unit} is in neither reference/ nor assignments/")


def labelled_csv(path: Path, classes: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """A CSV with a header row, numeric feature columns and a class name in the last column.

    Lines starting with ``#`` are comments. Returns float64 features (N, D) and int64 labels (N,),
    each label the index of its class name in ``classes``.
    """
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(line for line in f if not line.startswith("#")))
    body = rows[1:]
    X = np.array([[float(v) for v in row[:-1]] for row in body], dtype=np.float64)
    y = np.array([classes.index(row[-1]) for row in body], dtype=np.int64)
    return X, y


def stratified_holdout(y: np.ndarray, every: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test): within each class, in file order, examples ``offset``,
    ``offset + every``, ``offset + 2 * every``, ... are held out for testing."""
    test = np.zeros(len(y), dtype=bool)
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        test[members[offset::every]] = True
    return np.flatnonzero(~test), np.flatnonzero(test)


def standardize(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Scale every column to mean 0 and standard deviation 1 using the training set's statistics."""
    mean, std = train.mean(axis=0), train.std(axis=0)
    return [(a - mean) / std for a in (train, *others)]


def redrawn(draw, accept, what: str, tries: int = 100):
    """``draw()`` again until ``accept(value)``, at most ``tries`` times (the rejection rates that make
    ``tries`` enough are measured where it is used); RuntimeError naming ``what`` when none is kept."""
    for _ in range(tries):
        value = draw()
        if accept(value):
            return value
    raise RuntimeError(f"no draw of {what} in {tries} tries")

