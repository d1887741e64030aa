"""Unit 9: imbalanced data -- the accuracy paradox, balanced accuracy, class weights and
choosing a decision threshold.

When one class dominates (95 % negatives, say), accuracy rewards ignoring the minority: the
constant predictor that always answers the majority class scores 95 % accuracy yet finds no
positive at all (the accuracy paradox). Balanced accuracy, class-weighted losses and a decision
threshold chosen for the metric that matters (recall for screening, F1 for retrieval) are the
usual remedies. Labels are integer class indices 0..C-1 in arrays of shape (N,), N >= 1; binary
labels are 0 / 1 with 1 the (rare) positive class, and scores follow curves.py.
"""
import numpy as np

from .curves import precision_recall_curve
from .metrics import confusion_matrix


def majority_baseline(y_train, n):
    """Predictions of the constant classifier that always answers the most frequent class.

    Args:
        y_train: integer array of shape (M,), M >= 1, non-negative training labels.
        n: int >= 0, the number of predictions to make.

    Returns:
        y_pred: new int64 array of shape (n,), every entry the most frequent label of y_train
            (on a tie in frequency, the smallest such label).

    Raises:
        ValueError: if y_train is not a non-empty (M,) array of non-negative integers.
    """
    ### BEGIN SOLUTION
    y_train = np.asarray(y_train)
    if y_train.ndim != 1 or y_train.size == 0 or y_train.dtype.kind not in "iu" or y_train.min() < 0:
        raise ValueError("y_train must be a non-empty (M,) array of non-negative integer labels")
    return np.full(n, np.argmax(np.bincount(y_train)), dtype=np.int64)
    ### END SOLUTION


def balanced_accuracy(y_true, y_pred, num_classes):
    """The mean of the per-class recalls over the classes that occur in y_true.

        balanced_accuracy = mean over {k : support_k > 0} of TP_k / support_k,

    where support_k is the number of examples whose true class is k. A constant predictor scores
    1 / (number of classes present) however imbalanced the data; classes absent from y_true are
    left out of the mean (their recall is undefined).

    Args:
        y_true: integer array of shape (N,), the correct classes in 0..C-1.
        y_pred: integer array of shape (N,), the predicted classes in 0..C-1.
        num_classes: int C >= 1.

    Returns:
        score: Python float in [0, 1].

    Raises:
        ValueError: for invalid labels (as metrics.confusion_matrix).
    """
    ### BEGIN SOLUTION
    cm = confusion_matrix(y_true, y_pred, num_classes)
    support = cm.sum(axis=1)
    present = support > 0
    return float(np.mean(np.diag(cm)[present] / support[present]))
    ### END SOLUTION


def class_weights(y, num_classes):
    """"Balanced" class weights that make every class count equally in a weighted loss.

        w_k = N / (C * n_k),  n_k = #(y == k),

    so that the total weight of each class, w_k * n_k = N / C, is the same for all classes and
    the weights of all N examples sum to N.

    Args:
        y: integer array of shape (N,), labels in 0..C-1.
        num_classes: int C >= 1.

    Returns:
        w: new float64 array of shape (C,).

    Raises:
        ValueError: if y is not a non-empty (N,) integer array with labels in 0..C-1, or a class
            has no example (its weight would be infinite).
    """
    ### BEGIN SOLUTION
    y = np.asarray(y)
    if y.ndim != 1 or y.size == 0 or y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= num_classes:
        raise ValueError(f"y must be a non-empty (N,) integer array with labels in 0..{num_classes - 1}")
    counts = np.bincount(y, minlength=num_classes)
    if np.any(counts == 0):
        raise ValueError(f"class(es) {np.flatnonzero(counts == 0).tolist()} have no example")
    return y.size / (num_classes * counts.astype(np.float64))
    ### END SOLUTION


def threshold_for_recall(y_true, scores, target_recall):
    """The highest threshold whose recall reaches a target, and the precision it keeps.

    Among the thresholds of curves.precision_recall_curve (the distinct scores), pick the
    largest t such that recall(t) >= target_recall (predict positive where score >= t). Since
    recall is 1 at the smallest score, such a t always exists.

    Args:
        y_true: integer array of shape (N,) with values in {0, 1}, at least one 1.
        scores: float64 array of shape (N,), finite.
        target_recall: float in (0, 1].

    Returns:
        A tuple (threshold, precision) of Python floats: t and the precision at t.

    Raises:
        ValueError: if target_recall is not in (0, 1], or for invalid labels or scores (as
            curves.precision_recall_curve).
    """
    ### BEGIN SOLUTION
    if not 0 < target_recall <= 1:
        raise ValueError("target_recall must lie in (0, 1]")
    precision, recall, thresholds = precision_recall_curve(y_true, scores)
    k = int(np.argmax(recall >= target_recall))
    return float(thresholds[k]), float(precision[k])
    ### END SOLUTION


def threshold_max_f1(y_true, scores):
    """The threshold (a distinct score) that maximizes F1 of the positive class.

    F1(t) = 2 P(t) R(t) / (P(t) + R(t)) over the points of curves.precision_recall_curve, taken
    as 0 where P(t) + R(t) = 0. On a tie for the maximum, the largest threshold wins.

    Args:
        y_true: integer array of shape (N,) with values in {0, 1}, at least one 1.
        scores: float64 array of shape (N,), finite.

    Returns:
        A tuple (threshold, f1) of Python floats: the chosen threshold and its F1.

    Raises:
        ValueError: for invalid labels or scores (as curves.precision_recall_curve).
    """
    ### BEGIN SOLUTION
    precision, recall, thresholds = precision_recall_curve(y_true, scores)
    total = precision + recall
    f1 = np.where(total > 0, 2 * precision * recall / np.where(total > 0, total, 1.0), 0.0)
    k = int(np.argmax(f1))
    return float(thresholds[k]), float(f1[k])
    ### END SOLUTION
