"""Training outcomes: data sets the grader generates, and accuracy it computes itself.

A training check runs the student's components in the worker (through a driver), gets back only
parameters, and judges them on held-out data the student's code never saw (the forward pass that
scores them is an answer key, so it lives with the unit's keys in ``autograder/keys/``).
"""
from __future__ import annotations

import numpy as np

from ..context import CheckFailure
from . import compare


def two_moons(n: int, rng: np.random.Generator, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of two interleaving half circles in 2-D with Gaussian ``noise``; labels 0 / 1."""
    y = rng.integers(0, 2, n)
    angle = rng.uniform(0, np.pi, n)
    X = np.where(y[:, None] == 0,
                 np.stack([np.cos(angle), np.sin(angle)], axis=1),
                 np.stack([1 - np.cos(angle), 0.5 - np.sin(angle)], axis=1))
    return X + noise * rng.standard_normal((n, 2)), y


def require_accuracy(scores: np.ndarray, y: np.ndarray, minimum: float, name: str) -> float:
    """The accuracy of ``argmax(scores)`` on labels ``y`` must reach ``minimum``."""
    acc = float(np.mean(np.argmax(scores, axis=1) == y))
    if acc < minimum:
        raise CheckFailure(f"{name}: accuracy on held-out data is {acc:.3f}; at least {minimum:.2f} is required")
    return acc
