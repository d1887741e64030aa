"""Metric keys counted by definition (instructor only), shared by unit 9's checks of the student's
metrics and by the outcome checks of other units (unit 10's genomics and leaf disease), which judge
a trained model with them. Importing this module registers no check."""
from __future__ import annotations

import numpy as np


def mann_whitney_auc(y, scores) -> float:
    """P(score of a random positive > score of a random negative) + P(equal) / 2, over all pairs."""
    pos, neg = scores[y == 1], scores[y == 0]
    return float(np.mean(pos[:, None] > neg[None, :]) + 0.5 * np.mean(pos[:, None] == neg[None, :]))


def balanced_accuracy(y, p) -> float:
    """The mean over the classes present in y of the fraction of that class predicted as itself."""
    return float(np.mean([np.mean(p[y == k] == k) for k in np.unique(y)]))
