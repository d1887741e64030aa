"""Unit 9 answer keys (instructor only): every expected value counted by definition.

The keys count one class, one threshold or one pair at a time, so they share no sorting or
cumulative-sum trick with the code under test. Each documented configuration (averaging mode,
zero_division value, pos_label, ties, single examples, the defaults) is a fixed case of every
grading; random data, drawn so that it always contains the same situations, adds coverage.
"""
from __future__ import annotations

import contextlib
import math

import numpy as np

from autograder.checks import compare, properties
from autograder.checks.classification import scored_labels
from autograder.context import CheckFailure, make_figure
from autograder.keys.metrics import balanced_accuracy, mann_whitney_auc
from autograder.units.unit09_evaluation import EXACT, raises_value_error, suite

AVERAGES = (None, "binary", "macro", "micro", "weighted")
ZERO_DIVISION = (0.0, 1.0, 0.25)


# ---------------------------------------------------------------- keys
def counts_at(y, scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(thresholds, fps, tps)``: the distinct scores descending, and for each threshold t
    the numbers of negatives and positives with score >= t."""
    thresholds = np.unique(scores)[::-1]
    fps = np.array([np.sum((scores >= t) & (y == 0)) for t in thresholds], dtype=np.float64)
    tps = np.array([np.sum((scores >= t) & (y == 1)) for t in thresholds], dtype=np.float64)
    return thresholds, fps, tps


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


# ---------------------------------------------------------------- data
def scored(ctx, n=40, rate=0.3):
    """Binary labels with both classes present and scores that favour the positives."""
    y = (ctx.rng.random(n) < rate).astype(np.int64)
    y[:2] = (1, 0)
    y = ctx.rng.permutation(y)
    return y, ctx.rng.standard_normal(n) + 1.2 * y


# Fixed binary data for the curves: distinct scores; ties (inside and across classes); one distinct
# score; a single example; no negative at all.
TIED_Y, TIED_S = np.array([1, 0, 1, 1, 0, 0, 1, 0, 0]), np.array([3.0, 3.0, 2.0, 2.0, 2.0, 1.0, 0.0, 0.0, -1.0])
DISTINCT_Y, DISTINCT_S = np.array([0, 1, 1, 0, 1, 0, 0]), np.array([0.3, 2.5, -0.7, 1.1, 0.9, -2.0, 1.7])
CURVE_CASES = {"distinct scores": (DISTINCT_Y, DISTINCT_S), "tied scores": (TIED_Y, TIED_S),
               "every score equal": (np.array([0, 1, 1, 0]), np.full(4, 0.5))}
ONE_CLASS_CASES = {"a single positive example": (np.array([1]), np.array([0.2])),
                   "positives only, with ties": (np.ones(5, dtype=np.int64), np.array([1.0, 2.0, 1.0, 0.0, 2.0]))}


def curve_cases(ctx, negatives=True):
    """The fixed cases (plus, where the curve allows it, positives-only data) and two random draws:
    one with distinct scores and one on a grid where ties are certain."""
    cases = dict(CURVE_CASES, **({} if negatives else ONE_CLASS_CASES))
    y, s = scored(ctx, 30)
    cases["30 random distinct scores"] = (y, s)
    cases["30 random scores on a grid of 7 values (ties certain)"] = (y, np.clip(np.round(s * 2), -3, 3))
    return cases


CURVE_ERRORS = {"a label 2": (np.array([0, 1, 2, 0, 1, 0]), np.arange(6.0)),
                "5 labels and 6 scores": (np.array([0, 1, 1, 0, 1]), np.arange(6.0))}


# ---------------------------------------------------------------- metrics
@suite.check("metrics.confusion_matrix", points=3)
def confusion_matrix_counts(ctx):
    cm = ctx.student.metrics.confusion_matrix
    y, p = ctx.rng.integers(0, 4, 60), ctx.rng.integers(0, 4, 60)
    cases = {"60 random labels, 4 classes": (y, p, 4),
             "class 4 of 5 never occurs": (y, p, 5),
             "a single example": (y[:1], p[:1], 4),
             "a single class": (np.zeros(3, np.int64), np.zeros(3, np.int64), 1)}
    for label, (yt, yp, c) in cases.items():
        with ctx.case(label):
            expected = np.array([[np.sum((yt == i) & (yp == j)) for j in range(c)] for i in range(c)])
            got = compare.array(cm(yt, yp, c), f"confusion_matrix(y_true, y_pred, {c})", (c, c), kinds="iu")
            compare.equal(got, expected, f"confusion_matrix(y_true, y_pred, {c}) (rows: true class)")
    y = y[:10] % 3
    raises_value_error(ctx, cm, "confusion_matrix", {
        "a label equal to num_classes": (y, np.where(np.arange(10) == 3, 3, y), 3),
        "a negative label": (np.where(np.arange(10) == 5, -1, y), y, 3),
        "y_true and y_pred of different lengths": (y, y[:9], 3),
        "empty label arrays": (y[:0], y[:0], 3)})


@suite.check("metrics.accuracy", points=1)
def accuracy_values(ctx):
    acc = ctx.student.metrics.accuracy
    y, p = ctx.rng.integers(0, 3, 50), ctx.rng.integers(0, 3, 50)
    for label, yt, pred in (("random predictions", y, p), ("all correct", y, y), ("all wrong", y, (y + 1) % 3),
                            ("a single example", y[:1], y[:1])):
        with ctx.case(label, trivial=label == "all wrong"):
            compare.close_scalar(acc(yt, pred), float(np.mean(yt == pred)), f"accuracy ({label})", **EXACT)
    raises_value_error(ctx, acc, "accuracy", {"lengths 50 and 49": (y, p[:49]), "empty arrays": (y[:0], p[:0])})


# C = 5: class 2 is true but never predicted (no precision), class 3 predicted but never true (no recall,
# F1 = 0), class 4 neither (no precision, recall or F1).
PRF_Y, PRF_P, PRF_C = np.array([0, 0, 0, 1, 1, 2, 2, 2]), np.array([0, 1, 0, 1, 0, 0, 1, 3]), 5


def prf_data(ctx):
    """(label, y, p, C, pos_labels): the fixed data and two random draws that contain the same three
    zero-division situations (so any mishandled one shows on every draw)."""
    data = [("the fixed 8 examples with 5 classes", PRF_Y, PRF_P, PRF_C, (1, 2, 3, 4))]
    for i in range(2):
        c = int(ctx.rng.integers(2, 5))
        y, p = ctx.rng.integers(0, c, 12), ctx.rng.integers(0, c, 12)
        y, p = np.r_[y, 0, c + 1], np.r_[p, c, 0]  # class c predicted only; c + 1 true only; c + 2 neither
        data.append((f"random draw {i + 1} ({c + 3} classes)", y, p, c + 3, (0, c, c + 1, c + 2)))
    return data


@suite.check("metrics.precision_recall_f1", points=5)
def precision_recall_f1_averages(ctx):
    """Every averaging mode with every documented zero_division value, one case each."""
    prf = ctx.student.metrics.precision_recall_f1
    data = prf_data(ctx)
    for average in AVERAGES:
        for zd in ZERO_DIVISION:
            with ctx.case(f"average={average!r}, zero_division={zd}"):
                for what, y, p, c, pos_labels in data:
                    for pos_label in (pos_labels if average == "binary" else (1,)):
                        call = (f"precision_recall_f1(y_true, y_pred, {c}, average={average!r}, pos_label={pos_label}, "
                                f"zero_division={zd}) on {what}")
                        compare_prf(prf(y, p, c, average, pos_label, zd), expected_prf(y, p, c, average, pos_label, zd),
                                    call)


@suite.check("metrics.precision_recall_f1", points=2)
def precision_recall_f1_defaults(ctx):
    """The defaults (average='binary', pos_label=1, zero_division=0.0), a perfect classifier, and the
    documented errors."""
    prf = ctx.student.metrics.precision_recall_f1
    with ctx.case("the defaults: average='binary', pos_label=1, zero_division=0.0"):
        for y, p in ((PRF_Y, PRF_P), (np.array([0, 0, 1, 1]), np.array([0, 0, 0, 0]))):
            compare_prf(prf(y, p, PRF_C), expected_prf(y, p, PRF_C, "binary", 1, 0.0),
                        f"precision_recall_f1({y.tolist()}, {p.tolist()}, {PRF_C}) with the default arguments")
    with ctx.case("a perfect classifier, 3 classes, average='macro'"):
        y = np.array([0, 1, 2, 2, 1])
        compare_prf(prf(y, y, 3, "macro"), [1.0, 1.0, 1.0], f"precision_recall_f1({y.tolist()}, same, 3, 'macro')")
    raises_value_error(ctx, prf, "precision_recall_f1", {
        "average='samples'": (PRF_Y, PRF_P, PRF_C, "samples"),
        "pos_label=5 with 5 classes and average='binary'": (PRF_Y, PRF_P, PRF_C, "binary", 5),
        "pos_label=-1 with average='binary'": (PRF_Y, PRF_P, PRF_C, "binary", -1),
        "a label equal to num_classes": (PRF_Y, PRF_P, 3)})


# ---------------------------------------------------------------- curves
@suite.check("curves.counts_at_thresholds", points=2)
def counts_at_thresholds_values(ctx):
    counts = ctx.student.curves.counts_at_thresholds
    for label, (y, scores) in curve_cases(ctx, negatives=False).items():
        with ctx.case(label):
            thresholds, fps, tps = counts_at(y, scores)
            got = compare.sequence(counts(y, scores), "counts_at_thresholds(y_true, scores)", 3)
            t = len(thresholds)
            for value, want, what in zip(got, (fps, tps, thresholds), ("fps", "tps", "thresholds")):
                compare.equal(compare.array(value, f"{what} from counts_at_thresholds", (t,)), want,
                              f"{what} from counts_at_thresholds ({label}; one entry per distinct score, highest first)")
    raises_value_error(ctx, counts, "counts_at_thresholds", dict(CURVE_ERRORS, **{
        "empty arrays": (np.zeros(0, np.int64), np.zeros(0))}))


@contextlib.contextmanager
def curve_figure(title, x, y, x_expected, y_expected, xlabel, ylabel):
    """A failure inside gets the student's curve against the expected one, for the HTML report
    (the runner shows it for visible checks only)."""
    try:
        yield
    except CheckFailure as exc:
        exc.figures.append(make_figure("curve", title, True, x=x, y=y, x_expected=x_expected,
                                       y_expected=y_expected, xlabel=xlabel, ylabel=ylabel))
        raise


@suite.check("curves.roc_curve", points=3)
def roc_curve_points(ctx):
    """Against tpr / fpr counted threshold by threshold, with ties, from (0, 0) to (1, 1)."""
    roc = ctx.student.curves.roc_curve
    for label, (y, scores) in curve_cases(ctx).items():
        with ctx.case(label):
            thresholds, fps, tps = counts_at(y, scores)
            n = len(thresholds) + 1
            fpr, tpr, got_t = (compare.array(v, f"{what} from roc_curve", finite=False)
                               for v, what in zip(compare.sequence(roc(y, scores), "roc_curve(y_true, scores)", 3),
                                                  ("fpr", "tpr", "thresholds")))
            want_fpr, want_tpr = np.r_[0, fps / fps[-1]], np.r_[0, tps / tps[-1]]
            with curve_figure(f"ROC curve ({label})", fpr, tpr, want_fpr, want_tpr, "false positive rate",
                              "true positive rate"):
                for v, what in ((fpr, "fpr"), (tpr, "tpr"), (got_t, "thresholds")):
                    compare.array(v, f"{what} from roc_curve", (n,), finite=False)
                if got_t[0] != np.inf:
                    ctx.fail(f"thresholds[0] from roc_curve is {got_t[0]}; it must be inf (the point (0, 0))")
                compare.equal(got_t[1:], thresholds,
                              f"thresholds[1:] from roc_curve ({label}; the distinct scores, descending)")
                compare.close(fpr, want_fpr, f"fpr from roc_curve ({label})", **EXACT)
                compare.close(tpr, want_tpr, f"tpr from roc_curve ({label})", **EXACT)
    raises_value_error(ctx, roc, "roc_curve", dict(CURVE_ERRORS, **{
        "y_true with no negative": (np.ones(6, np.int64), np.arange(6.0)),
        "y_true with no positive": (np.zeros(6, np.int64), np.arange(6.0))}))


@suite.check("curves.auc", points=1)
def auc_trapezoid(ctx):
    auc = ctx.student.curves.auc
    x = np.sort(np.r_[ctx.rng.uniform(0, 3, 9), 1.5, 1.5])  # a repeated x: a vertical segment
    y = ctx.rng.uniform(-1, 2, 11)
    for label, (xs, ys) in {"11 points, one vertical segment": (x, y), "two points": (x[:2], y[:2]),
                            "a unit square's diagonal": (np.array([0.0, 1.0]), np.array([0.0, 1.0]))}.items():
        with ctx.case(label):
            compare.close_scalar(auc(xs, ys), float(np.sum(np.diff(xs) * (ys[1:] + ys[:-1]) / 2)), f"auc(x, y) ({label})",
                                 **EXACT)
    raises_value_error(ctx, auc, "auc", {"x decreasing": (x[::-1], y), "a single point": (x[:1], y[:1]),
                                         "x and y of different lengths": (x, y[:10])})


@suite.check("curves.roc_auc", points=3)
def roc_auc_is_mann_whitney(ctx):
    """The area equals the probability that a positive outscores a negative, ties counting 1/2."""
    roc_auc = ctx.student.curves.roc_auc
    for label, (y, scores) in curve_cases(ctx).items():
        with ctx.case(label):
            compare.close_scalar(roc_auc(y, scores), mann_whitney_auc(y, scores),
                                 f"roc_auc(y_true, scores) ({label}) compared with the Mann-Whitney probability", **EXACT)

    def prop(data):
        compare.close_scalar(roc_auc(*data), mann_whitney_auc(*data),
                             "roc_auc(y_true, scores) compared with the Mann-Whitney probability", **EXACT)

    with ctx.case("random labels and scores"):
        properties.run(ctx, prop, max_examples=15, data=scored_labels())
    raises_value_error(ctx, roc_auc, "roc_auc", {"y_true with no negative": (np.ones(6, np.int64), np.arange(6.0)),
                                                 "a label 2": CURVE_ERRORS["a label 2"]})


@suite.check("curves.precision_recall_curve", points=3)
def precision_recall_curve_points(ctx):
    pr = ctx.student.curves.precision_recall_curve
    for label, (y, scores) in curve_cases(ctx, negatives=False).items():
        with ctx.case(label):
            thresholds, fps, tps = counts_at(y, scores)
            t = len(thresholds)
            got = compare.sequence(pr(y, scores), "precision_recall_curve(y_true, scores)", 3)
            precision, recall, got_t = (compare.array(v, f"{what} from precision_recall_curve", finite=False)
                                        for v, what in zip(got, ("precision", "recall", "thresholds")))
            with curve_figure(f"precision-recall curve ({label})", recall, precision, tps / tps[-1],
                              tps / (tps + fps), "recall", "precision"):
                for v, what in ((precision, "precision"), (recall, "recall"), (got_t, "thresholds")):
                    compare.array(v, f"{what} from precision_recall_curve", (t,))
                compare.equal(got_t, thresholds, f"thresholds from precision_recall_curve ({label}; the distinct "
                              "scores, descending)")
                compare.close(precision, tps / (tps + fps), f"precision from precision_recall_curve ({label})",
                              **EXACT)
                compare.close(recall, tps / tps[-1], f"recall from precision_recall_curve ({label})", **EXACT)
    raises_value_error(ctx, pr, "precision_recall_curve", dict(CURVE_ERRORS, **{
        "y_true with no positive": (np.zeros(6, np.int64), np.arange(6.0))}))


@suite.check("curves.average_precision", points=2)
def average_precision_values(ctx):
    ap = ctx.student.curves.average_precision
    for label, (y, scores) in curve_cases(ctx, negatives=False).items():
        with ctx.case(label, trivial=label in ONE_CLASS_CASES):  # positives only: AP is 1
            _, fps, tps = counts_at(y, scores)
            recall = tps / tps[-1]
            expected = float(np.sum(np.diff(recall, prepend=0.0) * tps / (tps + fps)))
            compare.close_scalar(ap(y, scores), expected, f"average_precision(y_true, scores) ({label})", **EXACT)
    raises_value_error(ctx, ap, "average_precision", {"y_true with no positive": (np.zeros(6, np.int64), np.arange(6.0))})


# ---------------------------------------------------------------- imbalanced data
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
            compare.close_scalar(bal(y, p, c), balanced_accuracy(y, p), f"balanced_accuracy ({label})", **EXACT)
    raises_value_error(ctx, bal, "balanced_accuracy", {"a label equal to num_classes": (y3, p3, 2),
                                                       "a negative label": (y3 - 1, p3, 3)})


@suite.check("imbalance.class_weights", points=2)
def class_weights_values(ctx):
    weights = ctx.student.imbalance.class_weights
    y = ctx.rng.permutation(np.repeat([0, 1, 2, 3], [50, 7, 20, 3]))
    for label, (labels, c) in {"4 imbalanced classes": (y, 4), "a single class": (np.zeros(5, np.int64), 1)}.items():
        with ctx.case(label):
            w = compare.close(weights(labels, c), [len(labels) / (c * np.sum(labels == k)) for k in range(c)],
                              f"class_weights(y, {c}) ({label})", **EXACT)
            compare.close(w * np.bincount(labels, minlength=c), np.full(c, len(labels) / c),
                          "w[k] * count[k] from class_weights", **EXACT)
    raises_value_error(ctx, weights, "class_weights", {"class 4 with no example": (y, 5),
                                                       "a label 3 with 3 classes": (y, 3),
                                                       "a negative label": (y - 1, 4),
                                                       "an empty y": (y[:0], 4)})


def recall_at(y, scores, t):
    return np.sum((scores >= t) & (y == 1)) / np.sum(y == 1)


@suite.check("imbalance.threshold_for_recall", points=2)
def threshold_for_recall_values(ctx):
    choose = ctx.student.imbalance.threshold_for_recall
    y, scores = scored(ctx, n=40)
    y[np.flatnonzero(y)[8:]] = 0  # exactly 8 positives: recall 0.5 is reachable exactly
    cases = {"target 0.5 (reached exactly)": (y, scores, 0.5), "target 0.8": (y, scores, 0.8),
             "target 1.0": (y, scores, 1.0),
             "tied scores, target 0.5 reached inside a tie": (TIED_Y, TIED_S, 0.5),
             "tied scores, target 0.7": (TIED_Y, TIED_S, 0.7),
             "random scores on a grid (ties), target 0.7": (y, np.round(scores), 0.7)}
    for label, (yy, s, target) in cases.items():
        with ctx.case(label):
            t = next(t for t in np.unique(s)[::-1] if recall_at(yy, s, t) >= target)
            chosen = np.sum((s >= t) & (yy == 1)) / np.sum(s >= t)
            got = compare.sequence(choose(yy, s, target), f"threshold_for_recall(y_true, scores, {target})", 2)
            compare.close_scalar(got[0], float(t), f"threshold from threshold_for_recall ({label})", **EXACT)
            compare.close_scalar(got[1], float(chosen), f"precision from threshold_for_recall ({label})", **EXACT)
    raises_value_error(ctx, choose, "threshold_for_recall", {f"target_recall={bad}": (y, scores, bad)
                                                             for bad in (0.0, 1.5, -0.2)})


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
             "a tie for the best F1": (np.array([1, 0, 0, 1, 0])[tie_order], np.array([4.0, 3, 2, 1, 0])[tie_order]),
             "tied scores": (np.array([1, 1, 0, 1, 1, 0, 0, 1, 0]), TIED_S)}  # best F1 4/5 at the tie on 2
    for label, (yy, s) in cases.items():
        with ctx.case(label):
            f1 = {float(t): f1_at(yy, s, t) for t in np.unique(s)}
            best = max(f1.values())
            threshold = max(t for t, value in f1.items() if value == best)  # on a tie the largest threshold wins
            got = compare.sequence(choose(yy, s), "threshold_max_f1(y_true, scores)", 2)
            compare.close_scalar(got[0], threshold, f"threshold from threshold_max_f1 ({label})", **EXACT)
            compare.close_scalar(got[1], float(best), f"f1 from threshold_max_f1 ({label})", **EXACT)
    raises_value_error(ctx, choose, "threshold_max_f1", {"y_true with no positive": (np.zeros(6, np.int64), np.arange(6.0)),
                                                         "a label 2": CURVE_ERRORS["a label 2"]})


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
    near = wrong_at((0, 10), (40, 50))  # with a: |b - c| = 1 (the continuity correction clips at 0)
    cases = {"A better than B, exact (the default)": (a, b, True), "A better than B, chi-square": (a, b, False),
             "B better than A, exact": (b, a, True), "B better than A, chi-square": (b, a, False),
             "b == c, chi-square": (a, balanced, False), "b == c, exact (p capped at 1)": (a, balanced, True),
             "|b - c| = 1, chi-square": (near, a, False),
             "identical predictions, exact": (a, a.copy(), True), "identical predictions, chi-square": (a, a.copy(), False)}
    for label, (pa, pb, exact) in cases.items():
        with ctx.case(label):
            want = mcnemar_expected(y, pa, pb, exact)
            call = f"mcnemar_test(y_true, pred_a, pred_b{'' if exact else ', exact=False'})"
            got = compare.sequence(test(y, pa, pb, exact) if exact is False else test(y, pa, pb), call, 4)
            compare.equal(got[0], want[0], f"b (A right, B wrong) from mcnemar_test ({label})")
            compare.equal(got[1], want[1], f"c (A wrong, B right) from mcnemar_test ({label})")
            compare.close_scalar(got[2], want[2], f"statistic from mcnemar_test ({label})", rtol=1e-9, atol=1e-12)
            compare.close_scalar(got[3], want[3], f"p_value from mcnemar_test ({label})", rtol=1e-9, atol=1e-15)
    raises_value_error(ctx, test, "mcnemar_test", {"lengths 120 and 119": (y, a, b[:-1]),
                                                   "empty arrays": (y[:0], a[:0], b[:0])})


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
    y0 = np.zeros(6, np.int64)  # no positive at all: F1 of class 1 is 0 for both models (zero_division 0.0)
    cases = {"accuracy, 200 resamples, alpha 0.1": (y, a, b, "accuracy", 200, 0.1, seed),
             "f1, 150 resamples, alpha 0.05": (y, a, b, "f1", 150, 0.05, seed),
             "f1 without any positive (zero division)": (y0, y0, np.r_[1, y0[1:]], "f1", 20, 0.05, seed),
             "accuracy, a single resample": (y, a, b, "accuracy", 1, 0.05, seed),
             "the defaults: accuracy, 1000 resamples, alpha 0.05, seed 0": (y, a, b, "accuracy", 1000, 0.05, 0)}
    for label, (yy, pa, pb, metric, n_boot, alpha, s) in cases.items():
        with ctx.case(label, trivial=label.startswith("f1 without")):  # every delta is 0 there
            defaults = label.startswith("the defaults")
            call = "paired_bootstrap_ci(y_true, pred_a, pred_b)" if defaults else \
                f"paired_bootstrap_ci(y_true, pred_a, pred_b, {metric!r}, n_boot={n_boot}, alpha={alpha}, seed={s})"
            observed, lower, upper, deltas = bootstrap_expected(yy, pa, pb, metric, n_boot, alpha, s)
            got = compare.sequence(boot(yy, pa, pb) if defaults else boot(yy, pa, pb, metric, n_boot, alpha, s), call, 4)
            compare.close(got[3], deltas, f"deltas from {call}", **EXACT)
            compare.close_scalar(got[0], observed, f"observed from {call}", **EXACT)
            compare.close_scalar(got[1], lower, f"lower from {call}", **EXACT)
            compare.close_scalar(got[2], upper, f"upper from {call}", **EXACT)
    raises_value_error(ctx, lambda *args: boot(*args), "paired_bootstrap_ci", {
        "unknown metric 'auc'": (y, a, b, "auc", 10, 0.05, seed), "n_boot = 0": (y, a, b, "accuracy", 0, 0.05, seed),
        "alpha = 1": (y, a, b, "accuracy", 10, 1.0, seed), "alpha = 0": (y, a, b, "accuracy", 10, 0.0, seed)})
