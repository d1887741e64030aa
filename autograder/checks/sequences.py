"""Generated sequence tasks for training checks on recurrent networks.

The grader draws the data (training batches and held-out sequences with their labels) and keeps
the labels of the held-out set; the student's model only ever sees the held-out inputs.
"""
from __future__ import annotations

import numpy as np


def recall_first(rng: np.random.Generator, shape: tuple[int, ...], length: int, classes: int,
                 noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Remember the first symbol: the label is the class shown one-hot at step 1.

    Inputs have ``2 * classes`` features: step 1 carries the one-hot symbol in the first
    ``classes`` features; steps 2..length carry Gaussian distractors of scale ``noise`` in the
    other ``classes`` features. Returns x of shape (*shape, length, 2 * classes) and int labels
    of shape ``shape``. The dependency spans the whole sequence, so ``length`` sets how long
    the gradient must survive.
    """
    labels = rng.integers(0, classes, shape)
    x = np.zeros((*shape, length, 2 * classes))
    x[..., 0, :classes] = np.eye(classes)[labels]
    x[..., 1:, classes:] = noise * rng.standard_normal((*shape, length - 1, classes))
    return x, labels
