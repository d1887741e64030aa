"""Assertions about training runs: loss curves, convergence to a minimum, held-out accuracy.

Every value here comes from the student's code (a loss history, trained parameters); what it is
held to (a gradient computed by the grader, the test labels) comes from the grader.
"""
from __future__ import annotations

import numpy as np

from ..context import CheckFailure, make_figure
from . import compare


def decreasing(losses, name: str, length: int, *, rtol: float = 1e-12) -> np.ndarray:
    """A loss history of ``length`` finite values in which no step increases the loss.

    A step may gain at most ``rtol`` times the loss (rounding once the minimum is reached).
    """
    losses = compare.array(losses, name, (length,))
    rises = np.diff(losses) > rtol * np.abs(losses[:-1]) + 1e-300
    if rises.any():
        t = int(np.argmax(rises))
        failure = CheckFailure(f"{name} increased at step {t}: from {losses[t]:.10g} to {losses[t + 1]:.10g}; "
                               "with this step size every step must decrease the loss")
        failure.figures.append(curves_figure(f"{name}: every step must decrease it", loss=losses))
        raise failure
    return losses


def curves_figure(title: str, *, bar: float | None = None, ylabel: str = "", xlabel: str = "step", log: bool = False,
                  **curves) -> dict:
    """Curves over training (``loss=[...]``, ``attempt_1=[...]``: one value per step or epoch, each a
    line labelled by its name) against the ``bar`` a check holds them to, for the HTML report. The
    numbers come from the student's training and the bar is stated in the check, so it reveals nothing."""
    return make_figure("training", title, False, bar=bar, ylabel=ylabel, xlabel=xlabel, log="log" if log else "",
                       **curves)


def stationary(gradients: dict[str, np.ndarray], name: str, tol: float) -> None:
    """The loss gradient (computed by the grader at the student's result) is at most ``tol`` in norm."""
    norm = float(np.sqrt(sum(np.sum(np.asarray(g) ** 2) for g in gradients.values())))
    if not norm <= tol:
        parts = ", ".join(f"|d{key}| = {np.linalg.norm(g):.3g}" for key, g in gradients.items())
        raise CheckFailure(f"{name} did not reach the minimum: the gradient of the loss at the parameters it "
                           f"returned has norm {norm:.3g} ({parts}); at most {tol:g} expected")


TRAINING_SEED = 20261201  # seeds the data and initializations of every training outcome


def fixed_rng() -> np.random.Generator:
    """A new generator seeded by TRAINING_SEED: where a training-outcome check draws its data, initial
    weights and torch seeds, the same in every grading (``ctx.rng`` changes with the submission id).

    A training outcome judges by whether a model learns: drawn per submission, a borderline code (a
    learning rate off by a factor, an update that is wrong but still learns on easy data) kept its
    points under some ids and lost them under others. On fixed trainings a code gets one score under
    every id. A check's calibration on fresh draws (how often a correct code misses the bar) then
    bounds the chance that a correct code other than the reference misses on these fixed ones, taking
    its trainings as such draws. Exact checks keep drawing from ``ctx.rng``."""
    return np.random.default_rng(TRAINING_SEED)


def fixed_draws(n: int, what: str = "trainings") -> str:
    """The clause a false-failure argument (``false_failure_why``) gives for ``n`` attempts drawn from
    :func:`fixed_rng`: why their calibration on fresh draws still bounds a correct code."""
    return (f"from training.fixed_rng, the same in every grading: a correct code's {n} {what} taken as {n} "
            "such draws")


def in_one_of(attempts: int, train_and_check):
    """``train_and_check()`` up to ``attempts`` times, each on other data drawn inside it; its result
    from the first attempt that raises no CheckFailure, else the last failure. For training outcomes:
    a correct solution misses one training now and then (a measured rate), a wrong one misses all."""
    for attempt in range(attempts):
        try:
            return train_and_check()
        except CheckFailure:
            if attempt == attempts - 1:
                raise


def accuracy_at_least(predicted: np.ndarray, labels: np.ndarray, threshold: float, name: str) -> float:
    """The fraction of ``predicted == labels`` is at least ``threshold``; returns it."""
    hits = int(np.sum(np.asarray(predicted) == labels))
    accuracy = hits / len(labels)
    if accuracy < threshold:
        raise CheckFailure(f"{name}: accuracy {accuracy:.3f} ({hits} of {len(labels)} correct) on the "
                           f"held-out test set; at least {threshold:g} required")
    return accuracy



def boundary_figure(X: np.ndarray, labels: np.ndarray, predict, title: str, steps: int = 60) -> dict:
    """A 2-D classifier's decision regions with its data, for the HTML report; ``predict(points)``
    gives the class of each row (computed by the grader from what the student's training returned)."""
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
    pred = np.asarray(predict(np.column_stack([gx.ravel(), gy.ravel()])), dtype=np.float64).reshape(gx.shape)
    return make_figure("boundary", title, False, grid_x=gx, grid_y=gy, pred=pred, X=X, y=labels)
