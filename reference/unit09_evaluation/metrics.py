"""Unit 9: the confusion matrix, accuracy, and precision / recall / F1 with averaging.

Labels are integer class indices 0..C-1 in arrays of shape (N,), with N >= 1; y_true holds
the correct classes and y_pred a model's predictions. For one class k, counting over all N
examples:
    TP_k = #(true k, predicted k),  FP_k = #(true not k, predicted k),
    FN_k = #(true k, predicted not k),
    precision_k = TP_k / (TP_k + FP_k),  recall_k = TP_k / (TP_k + FN_k),
    F1_k = 2 TP_k / (2 TP_k + FP_k + FN_k)  (the harmonic mean of precision_k and recall_k).
Zero-division rule: a ratio whose denominator is 0 (a class never predicted has no precision,
a class absent from y_true has no recall, and F1_k's denominator is 0 only when both hold) is
replaced by the value `zero_division` instead of raising or returning nan.
"""
import numpy as np


def confusion_matrix(y_true, y_pred, num_classes):
    """The confusion matrix of a classifier's predictions.

    Args:
        y_true: integer array of shape (N,), the correct classes in 0..C-1.
        y_pred: integer array of shape (N,), the predicted classes in 0..C-1.
        num_classes: int C >= 1, the number of classes.

    Returns:
        cm: new int64 array of shape (C, C); cm[i, j] is the number of examples whose true
            class is i and whose predicted class is j (rows: truth, columns: prediction).

    Raises:
        ValueError: if y_true and y_pred are not integer arrays of the same shape (N,) with
            N >= 1, or if a label lies outside 0..C-1.
    """
    ### BEGIN SOLUTION
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(f"expected y_true and y_pred of the same shape (N,), got {y_true.shape} and {y_pred.shape}")
    if y_true.dtype.kind not in "iu" or y_pred.dtype.kind not in "iu":
        raise ValueError("labels must be integer arrays")
    for labels in (y_true, y_pred):
        if labels.min() < 0 or labels.max() >= num_classes:
            raise ValueError(f"labels must lie in 0..{num_classes - 1}")
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm
    ### END SOLUTION


def accuracy(y_true, y_pred):
    """The fraction of examples whose prediction equals the true class.

    Args:
        y_true: integer array of shape (N,), N >= 1, the correct classes.
        y_pred: integer array of shape (N,), the predicted classes.

    Returns:
        acc: Python float in [0, 1].

    Raises:
        ValueError: if the shapes are not both (N,) with N >= 1.
    """
    ### BEGIN SOLUTION
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(f"expected y_true and y_pred of the same shape (N,), got {y_true.shape} and {y_pred.shape}")
    return float(np.mean(y_true == y_pred))
    ### END SOLUTION


def precision_recall_f1(y_true, y_pred, num_classes, average="binary", pos_label=1, zero_division=0.0):
    """Precision, recall and F1, per class or averaged over classes.

    Per-class values follow the module docstring (with its zero-division rule). `average`:
    - None: the per-class values for every class 0..C-1.
    - "binary": the values of the single class `pos_label`.
    - "macro": the unweighted mean of the C per-class values (every class counts equally,
      including classes that are absent or never predicted).
    - "weighted": the mean of the per-class values weighted by support (the number of
      examples whose true class is k).
    - "micro": the ratios of the counts summed over classes, sum_k TP_k / sum_k (TP_k + FP_k)
      and so on (for single-label data all three equal the accuracy).

    Args:
        y_true: integer array of shape (N,), the correct classes in 0..C-1.
        y_pred: integer array of shape (N,), the predicted classes in 0..C-1.
        num_classes: int C >= 1.
        average: None, "binary", "macro", "micro" or "weighted".
        pos_label: int in 0..C-1, the positive class for average="binary".
        zero_division: float in [0, 1], the value of a ratio whose denominator is 0.

    Returns:
        A tuple (precision, recall, f1): three Python floats, or for average=None three new
        float64 arrays of shape (C,).

    Raises:
        ValueError: for invalid labels (as confusion_matrix), an unknown `average`, or a
            pos_label outside 0..C-1 with average="binary".
    """
    ### BEGIN SOLUTION
    if average not in (None, "binary", "macro", "micro", "weighted"):
        raise ValueError(f"unknown average {average!r}")
    cm = confusion_matrix(y_true, y_pred, num_classes)
    tp, predicted, support = np.diag(cm), cm.sum(axis=0), cm.sum(axis=1)
    if average == "micro":
        tp, predicted, support = tp.sum(keepdims=True), predicted.sum(keepdims=True), support.sum(keepdims=True)

    def ratio(num, den):
        return np.where(den > 0, num / np.maximum(den, 1), float(zero_division))

    scores = (ratio(tp, predicted), ratio(tp, support), ratio(2 * tp, predicted + support))
    if average is None:
        return scores
    if average == "binary":
        if not 0 <= pos_label < num_classes:
            raise ValueError(f"pos_label must lie in 0..{num_classes - 1}")
        return tuple(float(s[pos_label]) for s in scores)
    if average == "weighted":
        return tuple(float(np.sum(s * support) / support.sum()) for s in scores)
    return tuple(float(np.mean(s)) for s in scores)
    ### END SOLUTION
