"""Unit 9 graded both ways, and its reference checked against scikit-learn (a test-only oracle)."""
import ast
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.checks.classification import label_pairs, scored_labels
from reference.unit09_evaluation import curves, imbalance, metrics

from ..support import ROOT
from .unit_contract import *  # noqa: F401,F403

UNIT = "unit09_evaluation"


def wrapping(target, alias, mutant):
    """A mutant of ``module.func`` that calls the correct function, kept under the name ``alias``."""
    module, func = target.split(".")
    source = (ROOT / "reference" / UNIT / f"{module}.py").read_text()
    node = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == func)
    correct = ast.get_source_segment(source, node).replace(f"def {func}(", f"def {alias}(", 1)
    return target, correct + "\n\n\n" + textwrap.dedent(mutant)


MUTANTS = {
    "confusion matrix transposed (rows are predictions)": ("metrics.confusion_matrix", """
        def confusion_matrix(y_true, y_pred, num_classes):
            cm = np.zeros((num_classes, num_classes), dtype=np.int64)
            np.add.at(cm, (y_pred, y_true), 1)
            return cm
    """),
    "confusion matrix without label validation": ("metrics.confusion_matrix", """
        def confusion_matrix(y_true, y_pred, num_classes):
            if len(y_true) != len(y_pred):
                raise ValueError("lengths differ")
            flat = np.bincount(y_true * num_classes + y_pred, minlength=num_classes**2)
            return flat[:num_classes**2].reshape(num_classes, num_classes)
    """),
    "accuracy as a count": ("metrics.accuracy", """
        def accuracy(y_true, y_pred):
            if len(y_true) != len(y_pred):
                raise ValueError("lengths differ")
            return float(np.sum(y_true == y_pred))
    """),
    "precision and recall swapped": wrapping("metrics.precision_recall_f1", "precision_recall_f1_ok", """
        def precision_recall_f1(y_true, y_pred, num_classes, average="binary", pos_label=1, zero_division=0.0):
            p, r, f = precision_recall_f1_ok(y_true, y_pred, num_classes, average, pos_label, zero_division)
            return r, p, f
    """),
    "macro average over the classes present only": wrapping("metrics.precision_recall_f1", "precision_recall_f1_ok", """
        def precision_recall_f1(y_true, y_pred, num_classes, average="binary", pos_label=1, zero_division=0.0):
            if average != "macro":
                return precision_recall_f1_ok(y_true, y_pred, num_classes, average, pos_label, zero_division)
            per = precision_recall_f1_ok(y_true, y_pred, num_classes, None, pos_label, zero_division)
            present = np.bincount(y_true, minlength=num_classes) > 0
            return tuple(float(np.mean(v[present])) for v in per)
    """),
    "weighted average by predicted counts": wrapping("metrics.precision_recall_f1", "precision_recall_f1_ok", """
        def precision_recall_f1(y_true, y_pred, num_classes, average="binary", pos_label=1, zero_division=0.0):
            if average != "weighted":
                return precision_recall_f1_ok(y_true, y_pred, num_classes, average, pos_label, zero_division)
            per = precision_recall_f1_ok(y_true, y_pred, num_classes, None, pos_label, zero_division)
            w = np.bincount(y_pred, minlength=num_classes)
            return tuple(float(np.sum(v * w) / w.sum()) for v in per)
    """),
    "zero_division ignored (always 0)": wrapping("metrics.precision_recall_f1", "precision_recall_f1_ok", """
        def precision_recall_f1(y_true, y_pred, num_classes, average="binary", pos_label=1, zero_division=0.0):
            return precision_recall_f1_ok(y_true, y_pred, num_classes, average, pos_label, 0.0)
    """),
    "F1 as the arithmetic mean of precision and recall": wrapping("metrics.precision_recall_f1", "precision_recall_f1_ok", """
        def precision_recall_f1(y_true, y_pred, num_classes, average="binary", pos_label=1, zero_division=0.0):
            per = precision_recall_f1_ok(y_true, y_pred, num_classes, None, pos_label, zero_division)
            out = (per[0], per[1], (per[0] + per[1]) / 2)
            if average is None:
                return out
            if average == "binary":
                return tuple(float(v[pos_label]) for v in out)
            return precision_recall_f1_ok(y_true, y_pred, num_classes, average, pos_label, zero_division)
    """),
    "micro average computed as macro": wrapping("metrics.precision_recall_f1", "precision_recall_f1_ok", """
        def precision_recall_f1(y_true, y_pred, num_classes, average="binary", pos_label=1, zero_division=0.0):
            average = "macro" if average == "micro" else average
            return precision_recall_f1_ok(y_true, y_pred, num_classes, average, pos_label, zero_division)
    """),
    "counts at thresholds in ascending order": wrapping("curves.counts_at_thresholds", "counts_ok", """
        def counts_at_thresholds(y_true, scores):
            fps, tps, t = counts_ok(y_true, scores)
            return fps[::-1], tps[::-1], t[::-1]
    """),
    "ROC curve without grouping ties": ("curves.roc_curve", """
        def roc_curve(y_true, scores):
            order = np.argsort(-scores, kind="stable")
            y = y_true[order]
            if y.all() or not y.any() or not np.all((y_true == 0) | (y_true == 1)):
                raise ValueError("need both classes")
            tps, fps = np.cumsum(y), np.cumsum(1 - y)
            return (np.r_[0, fps / fps[-1]], np.r_[0, tps / tps[-1]], np.r_[np.inf, scores[order]])
    """),
    "ROC curve without the (0, 0) point": ("curves.roc_curve", """
        def roc_curve(y_true, scores):
            fps, tps, t = counts_at_thresholds(y_true, scores)
            if tps[-1] == 0 or fps[-1] == 0:
                raise ValueError("need both classes")
            return fps / fps[-1], tps / tps[-1], t
    """),
    "ROC curve accepts a single class": ("curves.roc_curve", """
        def roc_curve(y_true, scores):
            fps, tps, t = counts_at_thresholds(y_true, scores)
            return np.r_[0, fps / max(fps[-1], 1)], np.r_[0, tps / max(tps[-1], 1)], np.r_[np.inf, t]
    """),
    "auc by left rectangles": ("curves.auc", """
        def auc(x, y):
            if np.any(np.diff(x) < 0):
                raise ValueError("x must be non-decreasing")
            return float(np.sum(np.diff(x) * y[:-1]))
    """),
    "auc accepts decreasing x": ("curves.auc", """
        def auc(x, y):
            return float(abs(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2)))
    """),
    "roc_auc counts ties as losses": ("curves.roc_auc", """
        def roc_auc(y_true, scores):
            pos, neg = scores[y_true == 1], scores[y_true == 0]
            return float(np.mean(pos[:, None] > neg[None, :]))
    """),
    "precision-recall curve with ascending thresholds": ("curves.precision_recall_curve", """
        def precision_recall_curve(y_true, scores):
            fps, tps, t = counts_at_thresholds(y_true, scores)
            if tps[-1] == 0:
                raise ValueError("no positive")
            return (tps / (tps + fps))[::-1], (tps / tps[-1])[::-1], t[::-1]
    """),
    "precision-recall curve with an extra (recall 0, precision 1) point": ("curves.precision_recall_curve", """
        def precision_recall_curve(y_true, scores):
            fps, tps, t = counts_at_thresholds(y_true, scores)
            if tps[-1] == 0:
                raise ValueError("no positive")
            return np.r_[1.0, tps / (tps + fps)], np.r_[0.0, tps / tps[-1]], np.r_[np.inf, t]
    """),
    "average precision by the trapezoid rule": ("curves.average_precision", """
        def average_precision(y_true, scores):
            p, r, _ = precision_recall_curve(y_true, scores)
            return auc(np.r_[0.0, r], np.r_[1.0, p])
    """),
    "average precision with interpolated precision": ("curves.average_precision", """
        def average_precision(y_true, scores):
            p, r, _ = precision_recall_curve(y_true, scores)
            p = np.maximum.accumulate(p[::-1])[::-1]
            return float(np.sum(np.diff(r, prepend=0.0) * p))
    """),
    "majority baseline breaks ties towards the larger label": ("imbalance.majority_baseline", """
        def majority_baseline(y_train, n):
            counts = np.bincount(y_train)
            return np.full(n, len(counts) - 1 - np.argmax(counts[::-1]), dtype=np.int64)
    """),
    "majority baseline returns floats": ("imbalance.majority_baseline", """
        def majority_baseline(y_train, n):
            return np.full(n, float(np.argmax(np.bincount(y_train))))
    """),
    "balanced accuracy over all classes, absent ones as 0": ("imbalance.balanced_accuracy", """
        def balanced_accuracy(y_true, y_pred, num_classes):
            cm = confusion_matrix(y_true, y_pred, num_classes)
            return float(np.mean(np.diag(cm) / np.maximum(cm.sum(axis=1), 1)))
    """),
    "class weights 1 / n_k": ("imbalance.class_weights", """
        def class_weights(y, num_classes):
            counts = np.bincount(y, minlength=num_classes)
            if np.any(counts == 0):
                raise ValueError("empty class")
            return 1.0 / counts
    """),
    "threshold for recall: the smallest threshold": ("imbalance.threshold_for_recall", """
        def threshold_for_recall(y_true, scores, target_recall):
            if not 0 < target_recall <= 1:
                raise ValueError("target")
            p, r, t = precision_recall_curve(y_true, scores)
            return float(t[-1]), float(p[-1])
    """),
    "threshold for recall needs strictly more than the target": ("imbalance.threshold_for_recall", """
        def threshold_for_recall(y_true, scores, target_recall):
            if not 0 < target_recall <= 1:
                raise ValueError("target")
            p, r, t = precision_recall_curve(y_true, scores)
            k = int(np.argmax((r > target_recall) | (r == 1)))
            return float(t[k]), float(p[k])
    """),
    "max-F1 threshold: ties go to the smaller threshold": ("imbalance.threshold_max_f1", """
        def threshold_max_f1(y_true, scores):
            p, r, t = precision_recall_curve(y_true, scores)
            f1 = np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-300), 0.0)
            k = len(f1) - 1 - int(np.argmax(f1[::-1]))
            return float(t[k]), float(f1[k])
    """),
    "McNemar without continuity correction": wrapping("comparison.mcnemar_test", "mcnemar_ok", """
        def mcnemar_test(y_true, pred_a, pred_b, exact=True):
            if exact:
                return mcnemar_ok(y_true, pred_a, pred_b, True)
            b, c, _, _ = mcnemar_ok(y_true, pred_a, pred_b, True)
            if b + c == 0:
                return b, c, 0.0, 1.0
            stat = (b - c) ** 2 / (b + c)
            return b, c, float(stat), math.erfc(math.sqrt(stat / 2))
    """),
    "McNemar exact p-value one-sided": wrapping("comparison.mcnemar_test", "mcnemar_ok", """
        def mcnemar_test(y_true, pred_a, pred_b, exact=True):
            b, c, stat, p = mcnemar_ok(y_true, pred_a, pred_b, exact)
            return b, c, stat, (p / 2 if exact and p < 1 else p)
    """),
    "McNemar b and c swapped": wrapping("comparison.mcnemar_test", "mcnemar_ok", """
        def mcnemar_test(y_true, pred_a, pred_b, exact=True):
            b, c, stat, p = mcnemar_ok(y_true, pred_a, pred_b, exact)
            return c, b, stat, p
    """),
    "bootstrap not paired (independent rows for B)": ("comparison.paired_bootstrap_ci", """
        def paired_bootstrap_ci(y_true, pred_a, pred_b, metric="accuracy", n_boot=1000, alpha=0.05, seed=0):
            if metric not in ("accuracy", "f1"):
                raise ValueError(metric)
            score = accuracy if metric == "accuracy" else (lambda y, p: precision_recall_f1(y, p, 2)[2])
            rng, n = np.random.default_rng(seed), len(y_true)
            deltas = []
            for _ in range(n_boot):
                i, j = rng.integers(0, n, n), rng.integers(0, n, n)
                deltas.append(score(y_true[i], pred_a[i]) - score(y_true[j], pred_b[j]))
            deltas = np.array(deltas)
            lo, hi = np.quantile(deltas, [alpha / 2, 1 - alpha / 2])
            return score(y_true, pred_a) - score(y_true, pred_b), float(lo), float(hi), deltas
    """),
    "bootstrap interval with alpha instead of alpha / 2": wrapping("comparison.paired_bootstrap_ci", "bootstrap_ok", """
        def paired_bootstrap_ci(y_true, pred_a, pred_b, metric="accuracy", n_boot=1000, alpha=0.05, seed=0):
            obs, _, _, deltas = bootstrap_ok(y_true, pred_a, pred_b, metric, n_boot, alpha, seed)
            lo, hi = np.quantile(deltas, [alpha, 1 - alpha])
            return obs, float(lo), float(hi), deltas
    """),
    "bootstrap ignores the seed": wrapping("comparison.paired_bootstrap_ci", "bootstrap_ok", """
        def paired_bootstrap_ci(y_true, pred_a, pred_b, metric="accuracy", n_boot=1000, alpha=0.05, seed=0):
            return bootstrap_ok(y_true, pred_a, pred_b, metric, n_boot, alpha, 12345)
    """),
}

ALTERNATIVES = {
    "confusion matrix with explicit loops": ("metrics.confusion_matrix", """
        def confusion_matrix(y_true, y_pred, num_classes):
            if len(y_true) == 0 or np.shape(y_true) != np.shape(y_pred):
                raise ValueError("shapes")
            cm = np.zeros((num_classes, num_classes), dtype=np.int64)
            for t, p in zip(y_true.tolist(), y_pred.tolist()):
                if not (0 <= t < num_classes and 0 <= p < num_classes):
                    raise ValueError("label out of range")
                cm[t, p] += 1
            return cm
    """),
    "F1 as the harmonic mean of precision and recall": ("metrics.precision_recall_f1", """
        def precision_recall_f1(y_true, y_pred, num_classes, average="binary", pos_label=1, zero_division=0.0):
            if average not in (None, "binary", "macro", "micro", "weighted"):
                raise ValueError(average)
            if average == "binary" and not 0 <= pos_label < num_classes:
                raise ValueError(pos_label)
            cm = confusion_matrix(y_true, y_pred, num_classes)
            tp, pred, true = np.diag(cm) * 1.0, cm.sum(0) * 1.0, cm.sum(1) * 1.0
            if average == "micro":
                tp, pred, true = tp.sum(keepdims=True), pred.sum(keepdims=True), true.sum(keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                p = np.where(pred > 0, tp / pred, zero_division)
                r = np.where(true > 0, tp / true, zero_division)
                f = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
            if average is None:
                return p, r, f
            if average == "binary":
                return float(p[pos_label]), float(r[pos_label]), float(f[pos_label])
            w = true / true.sum() if average == "weighted" else np.full(len(p), 1 / len(p))
            return float(p @ w), float(r @ w), float(f @ w)
    """),
    "ROC curve from np.unique and bincount": ("curves.roc_curve", """
        def roc_curve(y_true, scores):
            if not np.all((y_true == 0) | (y_true == 1)) or y_true.all() or not y_true.any():
                raise ValueError("labels")
            values, inverse = np.unique(-scores, return_inverse=True)
            tps = np.cumsum(np.bincount(inverse, weights=y_true, minlength=len(values)))
            fps = np.cumsum(np.bincount(inverse, weights=1 - y_true, minlength=len(values)))
            return np.r_[0, fps / fps[-1]], np.r_[0, tps / tps[-1]], np.r_[np.inf, -values]
    """),
    "ROC AUC by average ranks (Mann-Whitney U)": ("curves.roc_auc", """
        def roc_auc(y_true, scores):
            if not np.all((y_true == 0) | (y_true == 1)) or y_true.all() or not y_true.any():
                raise ValueError("labels")
            values, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
            first = np.cumsum(counts) - counts + 1
            ranks = (first + (counts - 1) / 2)[inverse]
            n_pos, n_neg = y_true.sum(), (1 - y_true).sum()
            u = ranks[y_true == 1].sum() - n_pos * (n_pos + 1) / 2
            return float(u / (n_pos * n_neg))
    """),
    "average precision with an explicit loop": ("curves.average_precision", """
        def average_precision(y_true, scores):
            if not np.any(y_true == 1):
                raise ValueError("no positive")
            total, previous = 0.0, 0.0
            for t in sorted(set(scores.tolist()), reverse=True):
                above = scores >= t
                tp = np.sum(above & (y_true == 1))
                recall = tp / np.sum(y_true == 1)
                total += (recall - previous) * tp / np.sum(above)
                previous = recall
            return float(total)
    """),
    "max-F1 threshold from counts": ("imbalance.threshold_max_f1", """
        def threshold_max_f1(y_true, scores):
            from .curves import counts_at_thresholds

            fps, tps, t = counts_at_thresholds(y_true, scores)
            if tps[-1] == 0:
                raise ValueError("no positive")
            f1 = 2 * tps / (tps + fps + tps[-1])
            k = int(np.argmax(f1))
            return float(t[k]), float(f1[k])
    """),
    "McNemar p-values with lgamma": ("comparison.mcnemar_test", """
        def mcnemar_test(y_true, pred_a, pred_b, exact=True):
            if not (len(y_true) == len(pred_a) == len(pred_b)) or len(y_true) == 0:
                raise ValueError("shapes")
            b = int(np.sum((pred_a == y_true) & (pred_b != y_true)))
            c = int(np.sum((pred_a != y_true) & (pred_b == y_true)))
            n = b + c
            if n == 0:
                return b, c, 0.0, 1.0
            if exact:
                k = min(b, c)
                logs = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) - n * math.log(2)
                        for i in range(k + 1)]
                return b, c, float(k), min(1.0, 2 * math.fsum(math.exp(v) for v in logs))
            stat = max(abs(b - c) - 1.0, 0.0) ** 2 / n
            return b, c, stat, math.erfc(math.sqrt(stat / 2))
    """),
    "bootstrap one resample at a time with rng.choice": ("comparison.paired_bootstrap_ci", """
        def paired_bootstrap_ci(y_true, pred_a, pred_b, metric="accuracy", n_boot=1000, alpha=0.05, seed=0):
            if metric not in ("accuracy", "f1") or n_boot < 1 or not 0 < alpha < 1:
                raise ValueError("bad metric, n_boot or alpha")

            def score(y, p):
                if metric == "accuracy":
                    return np.sum(y == p) / len(y)
                tp = np.sum((p == 1) & (y == 1))
                den = np.sum(p == 1) + np.sum(y == 1)
                return 2 * tp / den if den else 0.0
            rng = np.random.default_rng(seed)
            deltas = np.empty(n_boot)
            for r in range(n_boot):
                i = rng.choice(len(y_true), size=len(y_true))
                deltas[r] = score(y_true[i], pred_a[i]) - score(y_true[i], pred_b[i])
            return (float(score(y_true, pred_a) - score(y_true, pred_b)), float(np.percentile(deltas, 100 * alpha / 2)),
                    float(np.percentile(deltas, 100 * (1 - alpha / 2))), deltas)
    """),
}


NARROWING = {
    "zero_division only 0 or 1 (rejects 0.25)": wrapping("metrics.precision_recall_f1", "precision_recall_f1_ok", """
        def precision_recall_f1(y_true, y_pred, num_classes, average="binary", pos_label=1, zero_division=0.0):
            if zero_division not in (0, 1):
                raise ValueError("zero_division must be 0 or 1")
            return precision_recall_f1_ok(y_true, y_pred, num_classes, average, pos_label, zero_division)
    """),
    "F1 of a class neither true nor predicted is 0, not zero_division": wrapping(
        "metrics.precision_recall_f1", "precision_recall_f1_ok", """
        def precision_recall_f1(y_true, y_pred, num_classes, average="binary", pos_label=1, zero_division=0.0):
            if average in ("micro",):
                return precision_recall_f1_ok(y_true, y_pred, num_classes, average, pos_label, zero_division)
            p, r, f = precision_recall_f1_ok(y_true, y_pred, num_classes, None, pos_label, zero_division)
            cm = confusion_matrix(y_true, y_pred, num_classes)
            f = np.where((cm.sum(0) + cm.sum(1)) == 0, 0.0, f)
            if average is None:
                return p, r, f
            if average == "binary":
                return float(p[pos_label]), float(r[pos_label]), float(f[pos_label])
            if average == "weighted":
                w = cm.sum(1)
                return tuple(float(np.sum(v * w) / w.sum()) for v in (p, r, f))
            return tuple(float(np.mean(v)) for v in (p, r, f))
    """),
    "weighted average missing (raises)": wrapping("metrics.precision_recall_f1", "precision_recall_f1_ok", """
        def precision_recall_f1(y_true, y_pred, num_classes, average="binary", pos_label=1, zero_division=0.0):
            if average == "weighted":
                raise ValueError("unknown average")
            return precision_recall_f1_ok(y_true, y_pred, num_classes, average, pos_label, zero_division)
    """),
    "majority baseline accepts negative labels": ("imbalance.majority_baseline", """
        def majority_baseline(y_train, n):
            y_train = np.asarray(y_train)
            if y_train.ndim != 1 or y_train.size == 0 or y_train.dtype.kind not in "iu":
                raise ValueError("labels")
            values, counts = np.unique(y_train, return_counts=True)
            return np.full(n, values[np.argmax(counts)], dtype=np.int64)
    """),
    "majority baseline breaks ties towards the largest label": ("imbalance.majority_baseline", """
        def majority_baseline(y_train, n):
            y_train = np.asarray(y_train)
            if y_train.ndim != 1 or y_train.size == 0 or y_train.dtype.kind not in "iu" or y_train.min() < 0:
                raise ValueError("labels")
            counts = np.bincount(y_train)
            return np.full(n, len(counts) - 1 - np.argmax(counts[::-1]), dtype=np.int64)
    """),
    "threshold_max_f1 breaks ties towards the smaller threshold": ("imbalance.threshold_max_f1", """
        def threshold_max_f1(y_true, scores):
            precision, recall, thresholds = precision_recall_curve(y_true, scores)
            total = precision + recall
            f1 = np.where(total > 0, 2 * precision * recall / np.where(total > 0, total, 1.0), 0.0)
            k = len(f1) - 1 - int(np.argmax(f1[::-1]))
            return float(thresholds[k]), float(f1[k])
    """),
    "roc curve with one threshold per example (ties not grouped)": ("curves.roc_curve", """
        def roc_curve(y_true, scores):
            y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=np.float64)
            if y_true.ndim != 1 or y_true.shape != scores.shape or not np.all((y_true == 0) | (y_true == 1)):
                raise ValueError("labels")
            if y_true.all() or not y_true.any():
                raise ValueError("both classes needed")
            order = np.argsort(-scores, kind="stable")
            tps, fps = np.cumsum(y_true[order]), np.cumsum(1 - y_true[order])
            return (np.r_[0.0, fps / fps[-1]], np.r_[0.0, tps / tps[-1]], np.r_[np.inf, scores[order]])
    """),
    "mcnemar chi-square with no discordant pair is nan": wrapping("comparison.mcnemar_test", "mcnemar_ok", """
        def mcnemar_test(y_true, pred_a, pred_b, exact=True):
            b, c, stat, p = mcnemar_ok(y_true, pred_a, pred_b, exact)
            if b + c == 0 and not exact:
                return b, c, float("nan"), float("nan")
            return b, c, stat, p
    """),
    "bootstrap default seed 1": wrapping("comparison.paired_bootstrap_ci", "bootstrap_ok", """
        def paired_bootstrap_ci(y_true, pred_a, pred_b, metric="accuracy", n_boot=1000, alpha=0.05, seed=1):
            return bootstrap_ok(y_true, pred_a, pred_b, metric, n_boot, alpha, seed)
    """),
}


# ---------------------------------------------------------------- the reference against scikit-learn
sk = pytest.importorskip("sklearn.metrics")


@settings(max_examples=60, deadline=None)
@given(data=label_pairs(max_classes=5, max_n=40), zero_division=st.sampled_from([0.0, 1.0]))
def test_reference_metrics_match_sklearn(data, zero_division):
    y, p, c = data
    labels = list(range(c))
    np.testing.assert_array_equal(metrics.confusion_matrix(y, p, c), sk.confusion_matrix(y, p, labels=labels))
    for average in (None, "macro", "micro", "weighted"):
        expected = sk.precision_recall_fscore_support(y, p, labels=labels, average=average,
                                                      zero_division=zero_division)[:3]
        np.testing.assert_allclose(metrics.precision_recall_f1(y, p, c, average, 1, zero_division), expected,
                                   rtol=1e-12, atol=1e-12)
    binary = sk.precision_recall_fscore_support(y, p, labels=[1], average=None, zero_division=zero_division)[:3]
    np.testing.assert_allclose(metrics.precision_recall_f1(y, p, c, "binary", 1, zero_division),
                               [v[0] for v in binary], rtol=1e-12, atol=1e-12)
    if np.isin(p, np.unique(y)).all():  # sklearn warns and differs when a predicted class is absent from y_true
        assert imbalance.balanced_accuracy(y, p, c) == pytest.approx(sk.balanced_accuracy_score(y, p), abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(data=scored_labels(max_n=40))
def test_reference_curves_match_sklearn(data):
    y, s = data
    fpr, tpr, thresholds = curves.roc_curve(y, s)
    sk_fpr, sk_tpr, sk_t = sk.roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(np.c_[fpr, tpr], np.c_[sk_fpr, sk_tpr], atol=1e-12)
    np.testing.assert_array_equal(thresholds, sk_t)
    assert curves.roc_auc(y, s) == pytest.approx(sk.roc_auc_score(y, s), abs=1e-12)
    precision, recall, t = curves.precision_recall_curve(y, s)
    sk_p, sk_r, sk_t = sk.precision_recall_curve(y, s)  # ascending, cut at full recall, plus (1, 0)
    m = len(sk_t)
    np.testing.assert_allclose(np.c_[precision[:m], recall[:m]], np.c_[sk_p[:-1], sk_r[:-1]][::-1], atol=1e-12)
    np.testing.assert_array_equal(t[:m], sk_t[::-1])
    assert curves.average_precision(y, s) == pytest.approx(sk.average_precision_score(y, s), abs=1e-12)


def test_reference_class_weights_match_sklearn():
    from sklearn.utils.class_weight import compute_class_weight

    y = np.repeat([0, 1, 2], [30, 5, 12])
    np.testing.assert_allclose(imbalance.class_weights(y, 3), compute_class_weight("balanced", classes=np.arange(3), y=y))


# one mutant per named mistake (autograder/checks/misconceptions.py) that applies to this unit
MISCONCEPTIONS = {
    "confusion matrix transposed (rows are predictions)": ("metrics.confusion_matrix",
                                                           MUTANTS["confusion matrix transposed (rows are predictions)"][1],
                                                           "a transpose"),
}
