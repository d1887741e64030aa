"""Unit 9: ranking curves -- the ROC curve and its area (AUC), the precision-recall curve and
average precision.

A binary classifier outputs a real score per example (higher means "more likely positive");
y_true holds 1 for positives and 0 for negatives. Thresholding at t predicts positive exactly
where score >= t. Both curves use one threshold per DISTINCT score, in descending order, so
tied scores enter together (ties grouped) and the curves do not depend on how ties are ordered.
"""
import numpy as np


def roc_curve(y_true, scores):
    """The receiver operating characteristic curve.

    With the distinct scores sorted descending, s_1 > s_2 > ... > s_T, the thresholds are
    (inf, s_1, ..., s_T); at threshold t,
        tpr(t) = #(positives with score >= t) / #positives,
        fpr(t) = #(negatives with score >= t) / #negatives.
    The curve therefore starts at (fpr, tpr) = (0, 0) (threshold inf) and ends at (1, 1)
    (threshold s_T, the smallest score). Every distinct score gives a point, even collinear ones.

    Args:
        y_true: integer array of shape (N,) with values in {0, 1}, both present.
        scores: float64 array of shape (N,), finite.

    Returns:
        A tuple (fpr, tpr, thresholds) of new float64 arrays, each of shape (T + 1,):
        - fpr: false positive rates, non-decreasing, from 0.0 to 1.0.
        - tpr: true positive rates, non-decreasing, from 0.0 to 1.0.
        - thresholds: strictly decreasing, thresholds[0] = inf, then the distinct scores.

    Raises:
        ValueError: if the shapes differ or are not (N,), a label is not 0 or 1, or only one
            class is present.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def counts_at_thresholds(y_true, scores):
    """Counts of false and true positives at each distinct score, highest first: the
    building block of both curves (sort once, accumulate, keep the last index of each tie).

    Args:
        y_true: integer array of shape (N,) with values in {0, 1}.
        scores: float64 array of shape (N,).

    Returns:
        A tuple (fps, tps, thresholds) of float64 arrays of shape (T,): with the distinct
        scores s_1 > ... > s_T as thresholds, fps[k] and tps[k] count the negatives and the
        positives with score >= s_(k+1).

    Raises:
        ValueError: if the shapes differ or are not (N,) with N >= 1, or a label is not 0 or 1.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def auc(x, y):
    """Area under a piecewise-linear curve through the points (x[i], y[i]), by the trapezoid rule.

        area = sum_i (x[i+1] - x[i]) * (y[i] + y[i+1]) / 2

    Args:
        x: float64 array of shape (M,), M >= 2, non-decreasing.
        y: float64 array of shape (M,).

    Returns:
        area: Python float.

    Raises:
        ValueError: if the shapes differ, M < 2, or x decreases somewhere.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def roc_auc(y_true, scores):
    """The area under the ROC curve of roc_curve.

    It equals the Mann-Whitney probability that a random positive outscores a random negative,
    ties counting one half: P(s_pos > s_neg) + P(s_pos == s_neg) / 2. Hence it is unchanged by
    any strictly increasing transform of the scores, and roc_auc(y, -s) = 1 - roc_auc(y, s).

    Args:
        y_true: integer array of shape (N,) with values in {0, 1}, both present.
        scores: float64 array of shape (N,), finite.

    Returns:
        area: Python float in [0, 1].

    Raises:
        ValueError: as roc_curve.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def precision_recall_curve(y_true, scores):
    """The precision-recall curve, one point per distinct score.

    With the distinct scores sorted descending, s_1 > ... > s_T, point k uses the threshold s_k
    (predict positive where score >= s_k):
        precision[k] = TP / (TP + FP)  (never 0 / 0: at least one example is predicted positive),
        recall[k] = TP / #positives.
    No extra end point is added: the last point (threshold s_T) has recall 1.

    Args:
        y_true: integer array of shape (N,) with values in {0, 1}, at least one 1.
        scores: float64 array of shape (N,), finite.

    Returns:
        A tuple (precision, recall, thresholds) of new float64 arrays, each of shape (T,);
        thresholds strictly decreasing, recall non-decreasing and ending at 1.0.

    Raises:
        ValueError: if the shapes differ or are not (N,), a label is not 0 or 1, or there is
            no positive example.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def average_precision(y_true, scores):
    """Average precision: the precision at each threshold weighted by the recall it adds.

        AP = sum_k (recall[k] - recall[k-1]) * precision[k],  with recall[-1] = 0,

    over the points of precision_recall_curve (a step function, no interpolation).

    Args:
        y_true: integer array of shape (N,) with values in {0, 1}, at least one 1.
        scores: float64 array of shape (N,), finite.

    Returns:
        ap: Python float in [0, 1].

    Raises:
        ValueError: as precision_recall_curve.
    """
    # YOUR CODE HERE
    raise NotImplementedError
