"""Verdicts on what a training run produced, computed by the grader from returned data.

Mode coverage of samples from a mixture of Gaussians (GANs) and principal angles between
subspaces (a linear autoencoder against PCA), in plain numpy.
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


def principal_angles(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Principal angles (degrees, ascending) between the column spaces of A and B."""
    qa, _ = np.linalg.qr(A)
    qb, _ = np.linalg.qr(B)
    cosines = np.clip(np.linalg.svd(qa.T @ qb, compute_uv=False), -1.0, 1.0)
    return np.sort(np.degrees(np.arccos(cosines)))

