"""Unit 9 checks: metrics, ROC and precision-recall curves, imbalanced data, comparing models.

What ships here: properties (the ROC area's invariances, the shape of the ROC curve), answers
known by construction (a confusion matrix from chosen counts, the majority baseline), contracts and
errors. Every check that counts an expected value (metrics,
curves, thresholds, McNemar, the bootstrap) is registered from
``autograder/keys/unit09_evaluation.py``; none needs the reference.

Every case a docstring names (each averaging mode, each zero_division value, ties, empty and
single-example inputs, every invalid input) is a fixed case of every grading; random draws only
add coverage on top.
"""
from __future__ import annotations

import numpy as np

from ..checks import compare, properties
from ..checks.classification import scored_labels
from ..suite import Suite

suite = Suite("unit09_evaluation", modules=["metrics", "curves", "imbalance", "comparison"],
              title="Performance evaluation: metrics, ROC and PR curves, imbalanced data, comparing models")
suite.forbid("sklearn", "scipy", "statsmodels", "torch", "torchmetrics", exercises=("*",),
             why="unit 9 counts its metrics, curves and tests by hand in numpy: sklearn.metrics, scipy.stats, "
                 "statsmodels or torchmetrics would compute the answer")

EXACT = {"rtol": 1e-12, "atol": 1e-12}


def labels_array(value, name, n):
    """An integer array of shape (n,)."""
    return compare.array(value, name, (n,), kinds="iu")


def raises_value_error(ctx, fn, name, cases: dict):
    """Each case ``label: args`` must make ``fn(*args)`` raise ValueError. A function that raises for
    everything passes these, so they count only together with a value case of the same check."""
    for label, args in cases.items():
        with ctx.case(f"{label} raises ValueError", trivial=True):
            compare.raises(lambda: fn(*args), ("ValueError",), name, f"for {label}")


# ---------------------------------------------------------------- metrics
@suite.check("metrics.confusion_matrix", points=2, name="confusion_matrix_by_construction")
def confusion_matrix_by_construction(ctx):
    """Labels built from a chosen count matrix M (M[i, j] examples of true class i predicted j,
    shuffled): the confusion matrix is M; including a class that never occurs and a single example."""
    cm = ctx.student.metrics.confusion_matrix
    chosen = {"3 classes": ctx.rng.integers(0, 5, (3, 3)) + np.eye(3, dtype=np.int64),
              "class 3 of 4 never occurs": np.pad(ctx.rng.integers(1, 4, (3, 3)), ((0, 1), (0, 1))),
              "a single example": np.array([[0, 0], [1, 0]])}
    for label, M in chosen.items():
        with ctx.case(label):
            pairs = np.array([(i, j) for i, j in np.ndindex(M.shape) for _ in range(M[i, j])])
            pairs = pairs[ctx.rng.permutation(len(pairs))]
            c = len(M)
            got = compare.array(cm(pairs[:, 0], pairs[:, 1], c), f"confusion_matrix(y_true, y_pred, {c})", (c, c),
                                kinds="iu")
            compare.equal(got, M, f"confusion_matrix(y_true, y_pred, {c}) ({label}; rows: true class)")
    raises_value_error(ctx, cm, "confusion_matrix", {"a label equal to num_classes": (np.array([0, 1, 2]),
                                                                                      np.array([0, 1, 1]), 2)})


# ---------------------------------------------------------------- curves
@suite.check("curves.roc_curve", points=2, name="roc_curve_contract")
def roc_curve_contract(ctx):
    """The documented shape of the curve on drawn data, with and without ties: thresholds inf and then
    the distinct scores descending; fpr and tpr non-decreasing from (0, 0) to (1, 1)."""
    roc = ctx.student.curves.roc_curve

    def prop(data):
        y, scores = data
        n = len(np.unique(scores)) + 1
        fpr, tpr, thresholds = (compare.array(v, f"{what} from roc_curve", (n,), finite=False)
                                for v, what in zip(compare.sequence(roc(y, scores), "roc_curve(y_true, scores)", 3),
                                                   ("fpr", "tpr", "thresholds")))
        if thresholds[0] != np.inf:
            ctx.fail(f"thresholds[0] from roc_curve is {thresholds[0]}; it must be inf (the point (0, 0))")
        compare.equal(thresholds[1:], np.unique(scores)[::-1], "thresholds[1:] from roc_curve (the distinct scores, "
                      "descending)")
        for name, rate in (("fpr", fpr), ("tpr", tpr)):
            compare.close(rate[[0, -1]], np.array([0.0, 1.0]), f"the first and last {name} from roc_curve", **EXACT)
            if np.any(np.diff(rate) < 0):
                ctx.fail(f"{name} from roc_curve decreases somewhere; it must be non-decreasing")

    for label, tied in (("tied scores", True), ("distinct scores", False)):
        with ctx.case(label):
            properties.run(ctx, prop, max_examples=10, data=scored_labels(min_n=10, max_n=14, grid=4, tied=tied))


# ---------------------------------------------------------------- curves
@suite.check("curves.roc_auc", points=2)
def roc_auc_invariances(ctx):
    """Unchanged by strictly increasing transforms; roc_auc(y, -s) = 1 - roc_auc(y, s); on tied
    and on distinct scores."""
    roc_auc = ctx.student.curves.roc_auc
    transforms = {"exp(s)": np.exp, "s ** 3": lambda s: s**3, "0.5 * s - 7": lambda s: 0.5 * s - 7}

    def prop(data):
        y, scores = data
        if not tied:  # distinct scores spread out, so that no transform rounds two of them together
            scores = np.argsort(np.argsort(scores)) * 0.37 - 2.0
        values = [compare.scalar(v, "roc_auc(y_true, scores)") for v in
                  roc_auc.map([(y, scores), (y, -scores)] + [(y, f(scores)) for f in transforms.values()])]
        compare.close_scalar(values[1], 1 - values[0], "roc_auc(y, -s) compared with 1 - roc_auc(y, s)", **EXACT)
        for name, value in zip(transforms, values[2:]):
            compare.close_scalar(value, values[0], f"roc_auc(y, {name}) compared with roc_auc(y, s)", **EXACT)

    for label, tied in (("tied scores", True), ("distinct scores", False)):
        with ctx.case(label):
            properties.run(ctx, prop, max_examples=12, data=scored_labels(min_n=10, max_n=14, grid=4, tied=tied))


# ---------------------------------------------------------------- imbalanced data
@suite.check("imbalance.majority_baseline", points=2)
def majority_baseline_predictions(ctx):
    """Majorities known by construction, the documented tie rule, and the documented invalid inputs."""
    base = ctx.student.imbalance.majority_baseline
    cases = {"class 1 is the majority of 3": (np.repeat([0, 1, 2], [5, 40, 3]), 1, 17),
             "a tie between classes 2 and 4: the smallest wins": (np.repeat([2, 3, 4], [7, 2, 7]), 2, 9),
             "a single training label 3": (np.array([3]), 3, 2),
             "n = 0: no predictions": (np.repeat([0, 1], [1, 3]), 1, 0)}
    for label, (y_train, majority, n) in cases.items():
        with ctx.case(label, trivial=n == 0):
            got = labels_array(base(ctx.rng.permutation(y_train), n), f"majority_baseline(y_train, {n})", n)
            compare.equal(got, np.full(n, float(majority)), f"majority_baseline(y_train, {n}) ({label})")
    raises_value_error(ctx, base, "majority_baseline", {
        "a negative label (-1 among 0 and 1)": (np.array([0, -1, 1, 1]), 3),
        "only negative labels": (np.array([-2, -2, -1]), 3),
        "an empty y_train": (np.zeros(0, dtype=np.int64), 3),
        "a 2-D y_train": (np.zeros((2, 2), dtype=np.int64), 3),
        "float labels": (np.array([0.0, 1.0, 1.0]), 3)})
