"""Generated 16x16 leaf patches with a rare disease: the imbalanced target task of unit 10's
leaf_disease exercise (transfer from the stroke backbone of shapes.py).

A healthy patch is a leaf seen up close: one vein (a straight line at a random angle through a
random point, brightness 0.5 to 0.8) on Gaussian noise (sd 0.3). A diseased patch also holds one
lesion, a bright disc of radius 1.2 to 2 pixels and brightness 1.2 to 1.8 at a random place. The
disease is rare: a data set has exactly the number of diseased patches asked for (PREVALENCE of
them by default), in random order.
"""
from __future__ import annotations

import numpy as np

SIDE = 16
PREVALENCE = 0.05


def patches(rng: np.random.Generator, n: int, positives: int | None = None):
    """``n`` patches of which ``positives`` (default: round(PREVALENCE * n)) are diseased, shuffled.

    Returns (x, y): float32 array (n, 1, SIDE, SIDE) and int64 array (n,), 1 for diseased.
    """
    positives = round(PREVALENCE * n) if positives is None else positives
    y = rng.permutation(np.repeat(np.array([0, 1], dtype=np.int64), [n - positives, positives]))
    rows, cols = np.mgrid[:SIDE, :SIDE]
    x = np.zeros((n, 1, SIDE, SIDE))
    for image, label in zip(x[:, 0], y):
        angle, (r0, c0) = rng.uniform(0, np.pi), rng.uniform(3, SIDE - 3, 2)
        image += rng.uniform(0.5, 0.8) * (np.abs((rows - r0) * np.cos(angle) - (cols - c0) * np.sin(angle)) < 0.5)
        if label:
            (r0, c0), radius = rng.uniform(2, SIDE - 2, 2), rng.uniform(1.2, 2.0)
            image += 1.5 * rng.uniform(0.8, 1.2) * ((rows - r0) ** 2 + (cols - c0) ** 2 <= radius ** 2)
    x += 0.3 * rng.standard_normal(x.shape)
    return x.astype(np.float32), y
