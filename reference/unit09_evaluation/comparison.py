"""Unit 9: comparing two models on the same test set -- McNemar's test and a paired bootstrap.

Both models are evaluated on the SAME N examples, so their errors are paired: the tests below
use the pairing instead of comparing two independent accuracies. Labels are integer arrays of
shape (N,), N >= 1; y_true holds the correct classes, pred_a and pred_b the two models'
predictions.
"""
import math

import numpy as np

from .metrics import accuracy, precision_recall_f1


def mcnemar_test(y_true, pred_a, pred_b, exact=True):
    """McNemar's test of whether two classifiers have the same error rate.

    Only the discordant pairs matter: b = #(A right, B wrong) and c = #(A wrong, B right);
    under the null hypothesis each discordant example is equally likely to favour A or B.
    - exact=True: the statistic is min(b, c) and the two-sided binomial p-value is
          p = min(1, 2 * sum_{i=0}^{min(b,c)} comb(b + c, i) / 2^(b + c)).
    - exact=False: the chi-square statistic with continuity correction,
          stat = max(|b - c| - 1, 0)^2 / (b + c),
      and p = erfc(sqrt(stat / 2)) (the upper tail of chi-square with 1 degree of freedom).
    With no discordant pair (b + c = 0) the statistic is 0.0 and p = 1.0 in both modes.

    Args:
        y_true: integer array of shape (N,), the correct classes.
        pred_a: integer array of shape (N,), model A's predictions.
        pred_b: integer array of shape (N,), model B's predictions.
        exact: bool, the binomial test (True) or the chi-square approximation (False).

    Returns:
        A tuple (b, c, statistic, p_value): b and c Python ints, statistic and p_value Python
        floats, p_value in [0, 1].

    Raises:
        ValueError: if the three arrays are not of the same shape (N,) with N >= 1.
    """
    ### BEGIN SOLUTION
    y_true, pred_a, pred_b = np.asarray(y_true), np.asarray(pred_a), np.asarray(pred_b)
    if y_true.ndim != 1 or y_true.size == 0 or not y_true.shape == pred_a.shape == pred_b.shape:
        raise ValueError("y_true, pred_a and pred_b must have the same shape (N,) with N >= 1")
    right_a, right_b = pred_a == y_true, pred_b == y_true
    b, c = int(np.sum(right_a & ~right_b)), int(np.sum(~right_a & right_b))
    n = b + c
    if n == 0:
        return b, c, 0.0, 1.0
    if exact:
        tail = sum(math.comb(n, i) for i in range(min(b, c) + 1))
        return b, c, float(min(b, c)), min(1.0, 2 * tail / 2**n)
    statistic = max(abs(b - c) - 1, 0) ** 2 / n
    return b, c, float(statistic), math.erfc(math.sqrt(statistic / 2))
    ### END SOLUTION


def paired_bootstrap_ci(y_true, pred_a, pred_b, metric="accuracy", n_boot=1000, alpha=0.05, seed=0):
    """A paired bootstrap confidence interval for metric(A) - metric(B).

    Exactly reproducible contract: create rng = np.random.default_rng(seed), then draw all
    resamples at once, idx = rng.integers(0, N, size=(n_boot, N)) (drawing row by row with
    rng.integers(0, N, size=N) in order gives the same numbers). Resample r uses the SAME rows
    idx[r] for both models (the pairing):
        deltas[r] = metric(y_true[idx[r]], pred_a[idx[r]]) - metric(y_true[idx[r]], pred_b[idx[r]]).
    The interval is (np.quantile(deltas, alpha / 2), np.quantile(deltas, 1 - alpha / 2)) with
    numpy's default (linear) quantile method.

    metric is "accuracy" (metrics.accuracy) or "f1" (binary F1 of class 1, labels in {0, 1},
    with zero_division = 0.0, as metrics.precision_recall_f1).

    Args:
        y_true: integer array of shape (N,), the correct classes.
        pred_a: integer array of shape (N,), model A's predictions.
        pred_b: integer array of shape (N,), model B's predictions.
        metric: "accuracy" or "f1".
        n_boot: int >= 1, the number of resamples.
        alpha: float in (0, 1); the interval has nominal coverage 1 - alpha.
        seed: int, the seed of np.random.default_rng.

    Returns:
        A tuple (observed, lower, upper, deltas):
        - observed: Python float, metric(A) - metric(B) on the full test set.
        - lower, upper: Python floats, the interval's end points (lower <= upper).
        - deltas: new float64 array of shape (n_boot,), the resampled differences in order.

    Raises:
        ValueError: for an unknown metric, arrays not of the same shape (N,) with N >= 1,
            n_boot < 1, or alpha outside (0, 1).
    """
    ### BEGIN SOLUTION
    if metric == "accuracy":
        score = accuracy
    elif metric == "f1":
        def score(y, p):
            return precision_recall_f1(y, p, 2, "binary", 1, 0.0)[2]
    else:
        raise ValueError(f"unknown metric {metric!r}; expected 'accuracy' or 'f1'")
    y_true, pred_a, pred_b = np.asarray(y_true), np.asarray(pred_a), np.asarray(pred_b)
    if y_true.ndim != 1 or y_true.size == 0 or not y_true.shape == pred_a.shape == pred_b.shape:
        raise ValueError("y_true, pred_a and pred_b must have the same shape (N,) with N >= 1")
    if n_boot < 1 or not 0 < alpha < 1:
        raise ValueError("need n_boot >= 1 and 0 < alpha < 1")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, y_true.size, size=(n_boot, y_true.size))
    deltas = np.array([score(y_true[i], pred_a[i]) - score(y_true[i], pred_b[i]) for i in idx])
    lower, upper = np.quantile(deltas, [alpha / 2, 1 - alpha / 2])
    return score(y_true, pred_a) - score(y_true, pred_b), float(lower), float(upper), deltas
    ### END SOLUTION
