"""Unit 9 checks: metrics, ROC and precision-recall curves, imbalanced data, comparing models.

Every expected value is counted here by definition (one class, one threshold or one pair at a
time); hypothesis draws labels and tied scores. No check needs the reference.
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from ..checks import compare, properties
from ..checks.classification import counts_at, label_pairs, mann_whitney_auc, scored_labels
from ..suite import Suite

suite = Suite("unit09_evaluation", modules=["metrics", "curves", "imbalance", "comparison"],
              title="Performance evaluation: metrics, ROC and PR curves, imbalanced data, comparing models")

EXACT = {"rtol": 1e-12, "atol": 1e-12}
AVERAGES = (None, "binary", "macro", "micro", "weighted")


def labels_array(value, name, n):
    """An integer array of shape (n,)."""
    return compare.array(value, name, (n,), kinds="iu")


def scored(ctx, n=40, rate=0.3, tied=False):
    """Binary labels with both classes present and scores that favour the positives."""
    y = (ctx.rng.random(n) < rate).astype(np.int64)
    y[:2] = (1, 0)
    y = ctx.rng.permutation(y)
    scores = ctx.rng.standard_normal(n) + 1.2 * y
    return y, np.round(scores * 2) if tied else scores


# ---------------------------------------------------------------- metrics
@suite.check("metrics.confusion_matrix", points=2)
def confusion_matrix_counts(ctx):
    cm = ctx.student.metrics.confusion_matrix
    y, p = ctx.rng.integers(0, 4, 60), ctx.rng.integers(0, 4, 60)
    cases = {"60 random labels, 4 classes": (y, p, 4),
             "class 4 of 5 never occurs": (y, p, 5),
             "a single example": (y[:1], p[:1], 4)}
    for label, (yt, yp, c) in cases.items():
        with ctx.case(label):
            expected = np.array([[np.sum((yt == i) & (yp == j)) for j in range(c)] for i in range(c)])
            got = compare.array(cm(yt, yp, c), f"confusion_matrix(y_true, y_pred, {c})", (c, c), kinds="iu")
            compare.equal(got, expected, f"confusion_matrix(y_true, y_pred, {c}) (rows: true class)")


@suite.check("metrics.confusion_matrix", points=1)
def confusion_matrix_rejects_bad_labels(ctx):
    cm = ctx.student.metrics.confusion_matrix
    y = ctx.rng.integers(0, 3, 10)
    cases = {"a label equal to num_classes": (y, np.where(np.arange(10) == 3, 3, y)),
             "a negative label": (np.where(np.arange(10) == 5, -1, y), y),
             "y_true and y_pred of different lengths": (y, y[:9])}
    for label, (yt, yp) in cases.items():
        with ctx.case(label):
            compare.raises(lambda: cm(yt, yp, 3), ("ValueError",), "confusion_matrix", f"for {label}")


@suite.check("metrics.accuracy", points=1)
def accuracy_values(ctx):
    acc = ctx.student.metrics.accuracy
    y, p = ctx.rng.integers(0, 3, 50), ctx.rng.integers(0, 3, 50)
    for label, pred in (("random predictions", p), ("all correct", y), ("all wrong", (y + 1) % 3)):
        with ctx.case(label):
            compare.close_scalar(acc(y, pred), float(np.mean(y == pred)), f"accuracy ({label})", **EXACT)
    with ctx.case("lengths differ"):
        compare.raises(lambda: acc(y, p[:49]), ("ValueError",), "accuracy", "when the lengths differ")


def expected_prf(y, p, c, average, pos_label, zero_division):
    """Precision, recall and F1 by the docstring's definitions: each class's values from its counts (with
    the zero-division rule), then the requested average of that table; micro from the summed counts."""
    def prf(tp, predicted, support):
        ratios = ((tp, predicted), (tp, support), (2 * tp, predicted + support))
        return [num / den if den else zero_division for num, den in ratios]

    counts = np.array([(np.sum((y == k) & (p == k)), np.sum(p == k), np.sum(y == k)) for k in range(c)],
                      dtype=np.float64)  # rows (TP, predicted, support)
    table, support = np.array([prf(*row) for row in counts]), counts[:, 2]  # table: (C, 3)
    return {None: list(table.T), "binary": list(table[pos_label]), "macro": list(table.mean(axis=0)),
            "weighted": list(support @ table / support.sum()), "micro": prf(*counts.sum(axis=0))}[average]


def compare_prf(got, expected, call):
    got = compare.sequence(got, call, 3)
    for value, want, what in zip(got, expected, ("precision", "recall", "f1")):
        if np.ndim(want):
            compare.close(value, want, f"{what} from {call}", **EXACT)
        else:
            compare.close_scalar(value, float(want), f"{what} from {call}", **EXACT)


@suite.check("metrics.precision_recall_f1", points=5)
def precision_recall_f1_averages(ctx):
    """Each averaging mode against per-class counts, on hypothesis-drawn labels."""
    prf = ctx.student.metrics.precision_recall_f1
    for average in AVERAGES:
        def prop(data, zero_division, pos_seed):
            y, p, c = data
            pos_label = pos_seed % c
            call = f"precision_recall_f1(y_true, y_pred, {c}, average={average!r}, pos_label={pos_label}, " \
                   f"zero_division={zero_division})"
            compare_prf(prf(y, p, c, average, pos_label, zero_division),
                        expected_prf(y, p, c, average, pos_label, zero_division), call)

        with ctx.case(f"average={average!r}"):
            properties.run(ctx, prop, max_examples=20, data=label_pairs(),
                           zero_division=st.sampled_from([0.0, 1.0, 0.25]), pos_seed=st.integers(0, 3))


@suite.check("metrics.precision_recall_f1", points=2)
def zero_division_rule(ctx):
    """A class never predicted, a class absent from y_true, both, and F1 when TP = 0."""
    prf = ctx.student.metrics.precision_recall_f1
    y, p = np.array([0, 0, 1, 1, 2, 2]), np.array([0, 0, 0, 2, 1, 0])  # class 3 absent; class 1 right never
    y2, p2 = np.array([0, 0, 1, 1]), np.array([0, 0, 0, 0])  # class 1 never predicted, class 2 neither
    for zd in (0.0, 1.0, 0.25):
        for label, (yt, yp, c) in (("4 classes, class 3 neither true nor predicted", (y, p, 4)),
                                   ("class 1 never predicted, class 2 neither", (y2, p2, 3))):
            with ctx.case(f"{label}, zero_division={zd}"):
                call = f"precision_recall_f1({yt.tolist()}, {yp.tolist()}, {c}, average=None, zero_division={zd})"
                compare_prf(prf(yt, yp, c, None, 1, zd), expected_prf(yt, yp, c, None, 1, zd), call)
    with ctx.case("the defaults: average='binary', pos_label=1, zero_division=0.0"):
        compare_prf(prf(y2, p2, 3), expected_prf(y2, p2, 3, "binary", 1, 0.0),
                    f"precision_recall_f1({y2.tolist()}, {p2.tolist()}, 3) with the default arguments")
    with ctx.case("unknown average"):
        compare.raises(lambda: prf(y, p, 4, "samples"), ("ValueError",), "precision_recall_f1",
                       "for average='samples'")
    with ctx.case("pos_label out of range"):
        compare.raises(lambda: prf(y, p, 4, "binary", 4), ("ValueError",), "precision_recall_f1",
                       "for average='binary' with pos_label=4 and 4 classes")


# ---------------------------------------------------------------- curves
@suite.check("curves.counts_at_thresholds", points=2)
def counts_at_thresholds_values(ctx):
    counts = ctx.student.curves.counts_at_thresholds

    def prop(data):
        y, scores = data
        thresholds, fps, tps = counts_at(y, scores)
        got = compare.sequence(counts(y, scores), "counts_at_thresholds(y_true, scores)", 3)
        t = len(thresholds)
        for value, want, what in zip(got, (fps, tps, thresholds), ("fps", "tps", "thresholds")):
            compare.equal(compare.array(value, f"{what} from counts_at_thresholds", (t,)), want,
                          f"{what} from counts_at_thresholds (one entry per distinct score, highest first)")

    properties.run(ctx, prop, max_examples=25, data=scored_labels(min_n=1, negatives=False))


@suite.check("curves.roc_curve", points=3)
def roc_curve_points(ctx):
    """Against tpr / fpr counted threshold by threshold, with ties, from (0, 0) to (1, 1)."""
    roc = ctx.student.curves.roc_curve

    def prop(data):
        y, scores = data
        thresholds, fps, tps = counts_at(y, scores)
        n = len(thresholds) + 1
        fpr, tpr, got_t = (compare.array(v, f"{what} from roc_curve", (n,), finite=False)
                           for v, what in zip(compare.sequence(roc(y, scores), "roc_curve(y_true, scores)", 3),
                                              ("fpr", "tpr", "thresholds")))
        if got_t[0] != np.inf:
            ctx.fail(f"thresholds[0] from roc_curve is {got_t[0]}; it must be inf (the point (0, 0))")
        compare.equal(got_t[1:], thresholds, "thresholds[1:] from roc_curve (the distinct scores, descending)")
        compare.close(fpr, np.r_[0, fps / fps[-1]], "fpr from roc_curve", **EXACT)
        compare.close(tpr, np.r_[0, tps / tps[-1]], "tpr from roc_curve", **EXACT)

    properties.run(ctx, prop, max_examples=25, data=scored_labels())


@suite.check("curves.roc_curve", points=2)
def curves_reject_invalid_input(ctx):
    curves = ctx.student.curves
    scores = ctx.rng.standard_normal(6)
    ones, zeros, three = np.ones(6, dtype=np.int64), np.zeros(6, dtype=np.int64), np.array([0, 1, 2, 0, 1, 0])
    cases = [("counts_at_thresholds", "for a label 2", three), ("counts_at_thresholds", "for 5 labels and 6 scores", ones[:5]),
             ("roc_curve", "when y_true has no negative", ones), ("roc_curve", "when y_true has no positive", zeros),
             ("roc_curve", "for a label 2", three), ("roc_auc", "when y_true has no negative", ones),
             ("precision_recall_curve", "when y_true has no positive", zeros),
             ("precision_recall_curve", "for a label 2", three),
             ("average_precision", "when y_true has no positive", zeros)]
    for name, when, y in cases:
        with ctx.case(f"{name} {when}"):
            fn = getattr(curves, name)
            compare.raises(lambda: fn(y, scores), ("ValueError",), name, when)


@suite.check("curves.auc", points=1)
def auc_trapezoid(ctx):
    auc = ctx.student.curves.auc
    x = np.sort(np.r_[ctx.rng.uniform(0, 3, 9), 1.5, 1.5])  # a repeated x: a vertical segment
    y = ctx.rng.uniform(-1, 2, 11)
    with ctx.case("11 points, one vertical segment"):
        compare.close_scalar(auc(x, y), float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2)), "auc(x, y)", **EXACT)
    with ctx.case("x decreasing"):
        compare.raises(lambda: auc(x[::-1], y), ("ValueError",), "auc", "when x decreases")
    with ctx.case("a single point"):
        compare.raises(lambda: auc(x[:1], y[:1]), ("ValueError",), "auc", "for a single point")


@suite.check("curves.roc_auc", points=3)
def roc_auc_is_mann_whitney(ctx):
    """The area equals the probability that a positive outscores a negative, ties counting 1/2."""
    roc_auc = ctx.student.curves.roc_auc

    def prop(data):
        y, scores = data
        compare.close_scalar(roc_auc(y, scores), mann_whitney_auc(y, scores),
                             "roc_auc(y_true, scores) compared with the Mann-Whitney probability", **EXACT)

    properties.run(ctx, prop, max_examples=25, data=scored_labels())


@suite.check("curves.roc_auc", points=2)
def roc_auc_invariances(ctx):
    """Unchanged by strictly increasing transforms; roc_auc(y, -s) = 1 - roc_auc(y, s)."""
    roc_auc = ctx.student.curves.roc_auc
    transforms = {"exp(s)": np.exp, "s ** 3": lambda s: s**3, "0.5 * s - 7": lambda s: 0.5 * s - 7}

    def prop(data):
        y, scores = data
        values = [compare.scalar(v, "roc_auc(y_true, scores)") for v in
                  roc_auc.map([(y, scores), (y, -scores)] + [(y, f(scores)) for f in transforms.values()])]
        compare.close_scalar(values[1], 1 - values[0], "roc_auc(y, -s) compared with 1 - roc_auc(y, s)", **EXACT)
        for name, value in zip(transforms, values[2:]):
            compare.close_scalar(value, values[0], f"roc_auc(y, {name}) compared with roc_auc(y, s)", **EXACT)

    properties.run(ctx, prop, max_examples=25, data=scored_labels(grid=6))


@suite.check("curves.precision_recall_curve", points=3)
def precision_recall_curve_points(ctx):
    pr = ctx.student.curves.precision_recall_curve

    def prop(data):
        y, scores = data
        thresholds, fps, tps = counts_at(y, scores)
        t = len(thresholds)
        got = compare.sequence(pr(y, scores), "precision_recall_curve(y_true, scores)", 3)
        precision, recall, got_t = (compare.array(v, f"{what} from precision_recall_curve", (t,))
                                    for v, what in zip(got, ("precision", "recall", "thresholds")))
        compare.equal(got_t, thresholds, "thresholds from precision_recall_curve (the distinct scores, descending)")
        compare.close(precision, tps / (tps + fps), "precision from precision_recall_curve", **EXACT)
        compare.close(recall, tps / tps[-1], "recall from precision_recall_curve", **EXACT)

    properties.run(ctx, prop, max_examples=25, data=scored_labels(min_n=1, negatives=False))


@suite.check("curves.average_precision", points=2)
def average_precision_values(ctx):
    ap = ctx.student.curves.average_precision

    def prop(data):
        y, scores = data
        _, fps, tps = counts_at(y, scores)
        recall = tps / tps[-1]
        expected = float(np.sum(np.diff(recall, prepend=0.0) * tps / (tps + fps)))
        compare.close_scalar(ap(y, scores), expected, "average_precision(y_true, scores)", **EXACT)

    properties.run(ctx, prop, max_examples=25, data=scored_labels(min_n=1, negatives=False))


# ---------------------------------------------------------------- imbalanced data
@suite.check("imbalance.majority_baseline", points=2)
def majority_baseline_predictions(ctx):
    base = ctx.student.imbalance.majority_baseline
    cases = {"class 1 is the majority of 3": (np.repeat([0, 1, 2], [5, 40, 3]), 1, 17),
             "a tie between classes 2 and 4": (np.repeat([2, 3, 4], [7, 2, 7]), 2, 9),
             "n = 0": (np.repeat([0, 1], [1, 3]), 1, 0)}
    for label, (y_train, majority, n) in cases.items():
        with ctx.case(label):
            got = labels_array(base(ctx.rng.permutation(y_train), n), f"majority_baseline(y_train, {n})", n)
            compare.equal(got, np.full(n, float(majority)), f"majority_baseline(y_train, {n}) ({label})")
    with ctx.case("a negative label"):
        compare.raises(lambda: base(np.array([0, -1, 1]), 3), ("ValueError",), "majority_baseline",
                       "for a negative label")


@suite.check("imbalance.balanced_accuracy", points=2)
def balanced_accuracy_values(ctx):
    """Including the accuracy paradox: a constant majority predictor on 95:5 data scores 0.5."""
    bal = ctx.student.imbalance.balanced_accuracy
    y3, p3 = ctx.rng.integers(0, 3, 50), ctx.rng.integers(0, 3, 50)
    skewed = ctx.rng.permutation(np.repeat([0, 1], [95, 5]))
    cases = {"random labels, 3 classes": (y3, p3, 3),
             "constant majority predictor, 95 negatives and 5 positives": (skewed, np.zeros(100, np.int64), 2),
             "class 3 predicted but absent from y_true": (y3, np.where(p3 == 2, 3, p3), 4)}
    for label, (y, p, c) in cases.items():
        with ctx.case(label):
            present = [k for k in range(c) if np.any(y == k)]
            expected = np.mean([np.mean(p[y == k] == k) for k in present])
            compare.close_scalar(bal(y, p, c), float(expected), f"balanced_accuracy ({label})", **EXACT)


@suite.check("imbalance.class_weights", points=2)
def class_weights_values(ctx):
    weights = ctx.student.imbalance.class_weights
    y = ctx.rng.permutation(np.repeat([0, 1, 2, 3], [50, 7, 20, 3]))
    with ctx.case("4 imbalanced classes"):
        w = compare.close(weights(y, 4), [len(y) / (4 * np.sum(y == k)) for k in range(4)],
                          "class_weights(y, 4)", **EXACT)
        compare.close(w * np.bincount(y), np.full(4, len(y) / 4), "w[k] * count[k] from class_weights",
                      **EXACT)
    with ctx.case("a class with no example"):
        compare.raises(lambda: weights(y, 5), ("ValueError",), "class_weights", "when class 4 has no example")
    with ctx.case("a label equal to num_classes"):
        compare.raises(lambda: weights(y, 3), ("ValueError",), "class_weights", "for a label 3 with 3 classes")


def recall_at(y, scores, t):
    return np.sum((scores >= t) & (y == 1)) / np.sum(y == 1)


@suite.check("imbalance.threshold_for_recall", points=2)
def threshold_for_recall_values(ctx):
    choose = ctx.student.imbalance.threshold_for_recall
    y, scores = scored(ctx, n=40)
    y[np.flatnonzero(y)[8:]] = 0  # exactly 8 positives: recall 0.5 is reachable exactly
    for label, (s, target) in {"target 0.5 (reached exactly)": (scores, 0.5), "target 0.8": (scores, 0.8),
                               "target 1.0": (scores, 1.0), "tied scores, target 0.7": (np.round(scores), 0.7)}.items():
        with ctx.case(label):
            t = next(t for t in np.unique(s)[::-1] if recall_at(y, s, t) >= target)
            chosen = np.sum((s >= t) & (y == 1)) / np.sum(s >= t)
            got = compare.sequence(choose(y, s, target), f"threshold_for_recall(y_true, scores, {target})", 2)
            compare.close_scalar(got[0], float(t), f"threshold from threshold_for_recall ({label})", **EXACT)
            compare.close_scalar(got[1], float(chosen), f"precision from threshold_for_recall ({label})", **EXACT)
    for bad in (0.0, 1.5):
        with ctx.case(f"target {bad} is invalid"):
            compare.raises(lambda: choose(y, scores, bad), ("ValueError",), "threshold_for_recall",
                           f"for target_recall={bad}")


def f1_at(y, scores, t):
    tp = np.sum((scores >= t) & (y == 1))
    return 2 * tp / (np.sum(scores >= t) + np.sum(y == 1))


@suite.check("imbalance.threshold_max_f1", points=2)
def threshold_max_f1_values(ctx):
    choose = ctx.student.imbalance.threshold_max_f1
    for _ in range(100):
        y, scores = scored(ctx, n=40)
        f1 = np.array([f1_at(y, scores, t) for t in np.unique(scores)])
        if np.sort(f1)[-1] - np.sort(f1)[-2] > 1e-6:
            break
    tie_order = ctx.rng.permutation(5)  # F1 = 2/3 at thresholds 4 and 1: the larger one wins
    cases = {"random scores": (y, scores),
             "a tie for the best F1": (np.array([1, 0, 0, 1, 0])[tie_order], np.array([4.0, 3, 2, 1, 0])[tie_order])}
    for label, (yy, s) in cases.items():
        with ctx.case(label):
            f1 = {float(t): f1_at(yy, s, t) for t in np.unique(s)}
            best = max(f1.values())
            threshold = max(t for t, value in f1.items() if value == best)  # on a tie the largest threshold wins
            got = compare.sequence(choose(yy, s), "threshold_max_f1(y_true, scores)", 2)
            compare.close_scalar(got[0], threshold, f"threshold from threshold_max_f1 ({label})", **EXACT)
            compare.close_scalar(got[1], float(best), f"f1 from threshold_max_f1 ({label})", **EXACT)


# ---------------------------------------------------------------- comparing models
def mcnemar_expected(y, a, b_pred, exact):
    """(b, c, statistic, p_value) by the docstring's formulas. With no discordant pair the binomial
    formula itself gives 0 and min(1, 2) = 1; the chi-square statistic 0 / 0 is taken as 0, so p = erfc(0) = 1."""
    b = int(sum(1 for t, u, v in zip(y, a, b_pred) if u == t and v != t))
    c = int(sum(1 for t, u, v in zip(y, a, b_pred) if u != t and v == t))
    n = b + c
    if exact:
        return b, c, float(min(b, c)), min(1.0, 2 * sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2**n)
    stat = max(abs(b - c) - 1, 0) ** 2 / n if n else 0.0
    return b, c, stat, math.erfc(math.sqrt(stat / 2))


@suite.check("comparison.mcnemar_test", points=3)
def mcnemar_values(ctx):
    test = ctx.student.comparison.mcnemar_test
    y, order = ctx.rng.integers(0, 3, 120), ctx.rng.permutation(120)

    def wrong_at(*spans):  # predictions of y, wrong exactly on the rows order[lo:hi] of the spans
        rows = np.concatenate([order[lo:hi] for lo, hi in spans])
        return np.where(np.isin(np.arange(120), rows), (y + 1 + ctx.rng.integers(0, 2, 120)) % 3, y)

    a, b = wrong_at((0, 9), (40, 50)), wrong_at((9, 40), (40, 50))  # b = 31, c = 9
    balanced = wrong_at((20, 29), (40, 50))  # with a: b = c = 9
    cases = {"A better than B, exact": (a, b, True), "A better than B, chi-square": (a, b, False),
             "B better than A, exact": (b, a, True), "B better than A, chi-square": (b, a, False),
             "b == c, chi-square": (a, balanced, False), "b == c, exact": (a, balanced, True),
             "identical predictions": (a, a.copy(), True)}
    for label, (pa, pb, exact) in cases.items():
        with ctx.case(label):
            want = mcnemar_expected(y, pa, pb, exact)
            call = f"mcnemar_test(y_true, pred_a, pred_b, exact={exact})"
            got = compare.sequence(test(y, pa, pb, exact) if exact is False else test(y, pa, pb), call, 4)
            compare.equal(got[0], want[0], f"b (A right, B wrong) from mcnemar_test ({label})")
            compare.equal(got[1], want[1], f"c (A wrong, B right) from mcnemar_test ({label})")
            compare.close_scalar(got[2], want[2], f"statistic from mcnemar_test ({label})", rtol=1e-9, atol=1e-12)
            compare.close_scalar(got[3], want[3], f"p_value from mcnemar_test ({label})", rtol=1e-9, atol=1e-15)
    with ctx.case("lengths differ"):
        compare.raises(lambda: test(y, a, b[:-1]), ("ValueError",), "mcnemar_test", "when the lengths differ")


def binary_f1(y, p):
    """F1 of class 1 from its counts, 0.0 when it is neither true nor predicted."""
    tp, fp, fn = np.sum((p == 1) & (y == 1)), np.sum((p == 1) & (y == 0)), np.sum((p == 0) & (y == 1))
    return 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else 0.0


BOOTSTRAP_METRICS = {"accuracy": lambda y, p: np.mean(y == p), "f1": binary_f1}


def bootstrap_expected(y, a, b, metric, n_boot, alpha, seed):
    """The contract of paired_bootstrap_ci, computed here."""
    score = BOOTSTRAP_METRICS[metric]
    idx = np.random.default_rng(seed).integers(0, len(y), size=(n_boot, len(y)))
    deltas = np.array([score(y[i], a[i]) - score(y[i], b[i]) for i in idx])
    return score(y, a) - score(y, b), *np.quantile(deltas, [alpha / 2, 1 - alpha / 2]), deltas


@suite.check("comparison.paired_bootstrap_ci", points=3)
def paired_bootstrap_values(ctx):
    """Exactly the resamples of the stated contract, the same rows for both models."""
    boot = ctx.student.comparison.paired_bootstrap_ci
    y = ctx.rng.integers(0, 2, 30)
    a = np.where(ctx.rng.random(30) < 0.8, y, 1 - y)
    b = np.where(ctx.rng.random(30) < 0.6, y, 1 - y)
    seed = int(ctx.rng.integers(0, 2**31))
    cases = {"accuracy, 200 resamples, alpha 0.1": ("accuracy", 200, 0.1, seed),
             "f1, 150 resamples, alpha 0.05": ("f1", 150, 0.05, seed),
             "accuracy, a single resample": ("accuracy", 1, 0.05, seed),
             "the defaults: accuracy, 1000 resamples, alpha 0.05, seed 0": ("accuracy", 1000, 0.05, 0)}
    for label, (metric, n_boot, alpha, s) in cases.items():
        with ctx.case(label):
            defaults = label.startswith("the defaults")
            call = "paired_bootstrap_ci(y_true, pred_a, pred_b)" if defaults else \
                f"paired_bootstrap_ci(y_true, pred_a, pred_b, {metric!r}, n_boot={n_boot}, alpha={alpha}, seed={s})"
            observed, lower, upper, deltas = bootstrap_expected(y, a, b, metric, n_boot, alpha, s)
            got = compare.sequence(boot(y, a, b) if defaults else boot(y, a, b, metric, n_boot, alpha, s), call, 4)
            compare.close(got[3], deltas, f"deltas from {call}", **EXACT)
            compare.close_scalar(got[0], observed, f"observed from {call}", **EXACT)
            compare.close_scalar(got[1], lower, f"lower from {call}", **EXACT)
            compare.close_scalar(got[2], upper, f"upper from {call}", **EXACT)
    for label, args in {"unknown metric 'auc'": ("auc", 10, 0.05), "n_boot = 0": ("accuracy", 0, 0.05),
                        "alpha = 1": ("accuracy", 10, 1.0)}.items():
        with ctx.case(label):
            compare.raises(lambda: boot(y, a, b, *args, seed), ("ValueError",), "paired_bootstrap_ci", f"for {label}")
