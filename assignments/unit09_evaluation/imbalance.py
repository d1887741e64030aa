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
    # YOUR CODE HERE
    raise NotImplementedError


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
    # YOUR CODE HERE
    raise NotImplementedError


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
    # YOUR CODE HERE
    raise NotImplementedError


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
    # YOUR CODE HERE
    raise NotImplementedError


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
    # YOUR CODE HERE
    raise NotImplementedError
