"""Verdicts on what a training run produced, computed by the grader from returned data.

Mode coverage of samples from a mixture of Gaussians (GANs), principal angles between subspaces
(a linear autoencoder against PCA), and the ROC AUC of anomaly scores -- all in plain numpy.
"""
from __future__ import annotations

import numpy as np


def mode_coverage(samples: np.ndarray, centers: np.ndarray, radius: float, min_share: float):
    """(number of modes covered, share of samples within ``radius`` of some center).

    A mode is covered when at least ``min_share`` of all samples lie within ``radius`` of it.
    """
    dist = np.linalg.norm(samples[:, None, :] - centers[None, :, :], axis=2)
    near = dist.min(axis=1) < radius
    counts = np.bincount(dist.argmin(axis=1)[near], minlength=len(centers))
    return int(np.sum(counts >= min_share * len(samples))), float(near.mean())
