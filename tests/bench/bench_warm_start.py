"""Time from "submission ready" to the first verified call: warm pool vs cold start; and the
sandbox's cost on a whole grading (the unit-1 reference, plain subprocess vs bubblewrap).

Cold: a worker is started for the submission (sandbox, interpreter, numpy or torch import).
Warm: a pooled worker already waits with its imports done; only the submission's files travel.
"""
from __future__ import annotations

import statistics
import time

import numpy as np

from autograder import runner
from autograder.checks import compare
from autograder.sandbox.launchers import Launcher, self_check_launcher
from autograder.sandbox.pool import Pool
from autograder.sandbox.session import Session, Student
from autograder.submission import read_modules

from ..support import ROOT

UNIT = "unit01_foundations"
REPEAT = 5


def first_call(session: Session) -> float:
    """Seconds from the session's creation to a validated answer from the student's code."""
    start = time.perf_counter()
    z = np.linspace(-3, 3, 7)
    compare.array(Student(session).activations.sigmoid(z), "sigmoid(z)", z.shape)
    elapsed = time.perf_counter() - start
    session.close()
    return elapsed


def measure(preload: str, files: dict, launcher) -> tuple[float, float]:
    cold = [first_call(Session(UNIT, files, launcher=launcher, preload=preload)) for _ in range(REPEAT)]
    pool = Pool(launcher, size=1, preloads=(preload,))
    warm = []
    for _ in range(REPEAT):
        pool.wait_ready(preload)
        warm.append(first_call(Session(UNIT, files, preload=preload, pool=pool)))
    pool.close()
    return statistics.median(cold), statistics.median(warm)


def sandbox_cost(launcher):
    """Median grading time and the scores of the reference, without and with the sandbox."""
    rows = {}
    for name, chosen in (("subprocess", Launcher()), (launcher.isolation, launcher)):
        runs = [runner.grade(ROOT / "reference" / UNIT, UNIT, submission_id="bench", salt="bench", launcher=chosen)
                for _ in range(REPEAT)]
        rows[name] = (statistics.median(r.execution_time for r in runs), {r.score for r in runs})
    print(f"\ngrading the {UNIT} reference (median of {REPEAT}):")
    for name, (seconds, scores) in rows.items():
        print(f"  {name:<12} {seconds:6.2f} s   score {sorted(scores)}")
    (plain, _), (boxed, _) = rows.values()
    print(f"  sandbox / subprocess time ratio: {boxed / plain:.2f}")


def main():
    files, _ = read_modules(ROOT / "reference" / UNIT, ["tensors", "perceptron", "activations", "network"])
    launcher = self_check_launcher()
    print(f"warm start ({launcher.isolation}; median of {REPEAT}): submission ready -> first verified call")
    print(f"{'preload':<14}{'cold ms':>10}{'warm ms':>10}{'cold/warm':>11}")
    for preload in ("numpy", "numpy,torch"):
        cold, warm = measure(preload, files, launcher)
        print(f"{preload:<14}{cold * 1e3:>10.1f}{warm * 1e3:>10.2f}{cold / warm:>10.0f}x")
    sandbox_cost(launcher)


if __name__ == "__main__":
    main()
