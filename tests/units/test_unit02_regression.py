"""Unit 2 graded both ways (the contract tests), plus the Iris file and its loader."""
import numpy as np

from autograder.checks import datasets

from ..support import ROOT, reference_def
from .unit_contract import *  # noqa: F401,F403

UNIT = "unit02_regression"

MUTANTS = {
    # linear
    "mse summed instead of averaged": ("linear.mse_loss", """
        def mse_loss(y_pred, y):
            if y_pred.ndim != 1 or y_pred.shape != y.shape:
                raise ValueError("shapes")
            return float(np.sum((y_pred - y) ** 2))
    """),
    "mse with a factor 1/2": ("linear.mse_loss", """
        def mse_loss(y_pred, y):
            if y_pred.ndim != 1 or y_pred.shape != y.shape:
                raise ValueError("shapes")
            return float(0.5 * np.mean((y_pred - y) ** 2))
    """),
    "mse broadcasts (N,) against (N, 1)": ("linear.mse_loss", """
        def mse_loss(y_pred, y):
            return float(np.mean((y_pred - y) ** 2))
    """),
    "mse gradient without the factor 2": ("linear.mse_gradient", """
        def mse_gradient(y_pred, y):
            if y_pred.ndim != 1 or y_pred.shape != y.shape:
                raise ValueError("shapes")
            return (y_pred - y) / len(y)
    """),
    "mse gradient with the wrong sign": ("linear.mse_gradient", """
        def mse_gradient(y_pred, y):
            if y_pred.ndim != 1 or y_pred.shape != y.shape:
                raise ValueError("shapes")
            return 2 * (y - y_pred) / len(y)
    """),
    "ridge loss gradient forgets the penalty": ("linear.linear_regression_loss", """
        def linear_regression_loss(X, y, w, l2=0.0):
            if X.ndim != 2 or y.shape != (X.shape[0],) or w.shape != (X.shape[1],):
                raise ValueError("shapes")
            r = X @ w - y
            return float((r @ r + l2 * w @ w) / len(y)), 2 * X.T @ r / len(y)
    """),
    "ridge loss penalty not divided by N": ("linear.linear_regression_loss", """
        def linear_regression_loss(X, y, w, l2=0.0):
            if X.ndim != 2 or y.shape != (X.shape[0],) or w.shape != (X.shape[1],):
                raise ValueError("shapes")
            r = X @ w - y
            return float(r @ r / len(y) + l2 * w @ w), 2 * (X.T @ r + l2 * w) / len(y)
    """),
    "closed form ignores l2": ("linear.linear_regression_closed_form", """
        def linear_regression_closed_form(X, y, l2=0.0):
            if X.ndim != 2 or y.shape != (X.shape[0],) or l2 < 0:
                raise ValueError("bad input")
            if np.linalg.matrix_rank(X) < X.shape[1]:
                raise ValueError("rank deficient")
            return np.linalg.solve(X.T @ X, X.T @ y)
    """),
    "closed form by pseudo-inverse, never raises on rank deficiency": ("linear.linear_regression_closed_form", """
        def linear_regression_closed_form(X, y, l2=0.0):
            if X.ndim != 2 or y.shape != (X.shape[0],) or l2 < 0:
                raise ValueError("bad input")
            return np.linalg.pinv(X.T @ X + l2 * np.eye(X.shape[1])) @ X.T @ y
    """),
    "closed form adds l2 to every entry of X^T X": ("linear.linear_regression_closed_form", """
        def linear_regression_closed_form(X, y, l2=0.0):
            if X.ndim != 2 or y.shape != (X.shape[0],) or l2 < 0:
                raise ValueError("bad input")
            if l2 == 0 and np.linalg.matrix_rank(X) < X.shape[1]:
                raise ValueError("rank deficient")
            return np.linalg.solve(X.T @ X + l2, X.T @ y)
    """),
    "closed form accepts a negative l2": ("linear.linear_regression_closed_form", """
        def linear_regression_closed_form(X, y, l2=0.0):
            if X.ndim != 2 or y.shape != (X.shape[0],):
                raise ValueError("bad input")
            if l2 == 0 and np.linalg.matrix_rank(X) < X.shape[1]:
                raise ValueError("rank deficient")
            return np.linalg.solve(X.T @ X + l2 * np.eye(X.shape[1]), X.T @ y)
    """),
    "gradient descent records losses after each step only": ("linear.linear_regression_gd", """
        def linear_regression_gd(X, y, lr, num_steps, l2=0.0):
            w, losses = np.zeros(X.shape[1]), []
            for _ in range(num_steps + 1):
                w = w - lr * linear_regression_loss(X, y, w, l2)[1]
                losses.append(linear_regression_loss(X, y, w, l2)[0])
            return w, np.array(losses)
    """),
    "gradient descent takes one step too few": ("linear.linear_regression_gd", """
        def linear_regression_gd(X, y, lr, num_steps, l2=0.0):
            w, losses = np.zeros(X.shape[1]), [linear_regression_loss(X, y, np.zeros(X.shape[1]), l2)[0]]
            for _ in range(num_steps):
                losses.append(linear_regression_loss(X, y, w, l2)[0])
                w = w - lr * linear_regression_loss(X, y, w, l2)[1]
            return w, np.array(losses)
    """),
    "gradient descent steps without the penalty": ("linear.linear_regression_gd", """
        def linear_regression_gd(X, y, lr, num_steps, l2=0.0):
            w, losses = np.zeros(X.shape[1]), []
            for _ in range(num_steps):
                losses.append(linear_regression_loss(X, y, w, l2)[0])
                w = w - lr * linear_regression_loss(X, y, w, 0.0)[1]
            losses.append(linear_regression_loss(X, y, w, l2)[0])
            return w, np.array(losses)
    """),
    # logistic
    "sigmoid overflows at large |z|": ("logistic.sigmoid", """
        def sigmoid(z):
            return np.exp(z) / (1 + np.exp(z))
    """),
    "cross-entropy through the sigmoid (log of 0 at |z| = 1e4)": ("logistic.bce_with_logits", """
        def bce_with_logits(z, y):
            if z.ndim != 1 or z.shape != y.shape:
                raise ValueError("shapes")
            s = sigmoid(z)
            return float(np.mean(-y * np.log(s) - (1 - y) * np.log(1 - s)))
    """),
    "cross-entropy summed instead of averaged": ("logistic.bce_with_logits", """
        def bce_with_logits(z, y):
            if z.ndim != 1 or z.shape != y.shape:
                raise ValueError("shapes")
            return float(np.sum(np.logaddexp(0, z) - y * z))
    """),
    "cross-entropy gradient not divided by N": ("logistic.bce_with_logits_gradient", """
        def bce_with_logits_gradient(z, y):
            if z.ndim != 1 or z.shape != y.shape:
                raise ValueError("shapes")
            return sigmoid(z) - y
    """),
    "cross-entropy gradient with the wrong sign": ("logistic.bce_with_logits_gradient", """
        def bce_with_logits_gradient(z, y):
            if z.ndim != 1 or z.shape != y.shape:
                raise ValueError("shapes")
            return (y - sigmoid(z)) / len(z)
    """),
    "odds as p / (1 + p)": ("logistic.odds", """
        def odds(p):
            if not np.all((p > 0) & (p < 1)):
                raise ValueError("p")
            return p / (1 + p)
    """),
    "odds without the range check": ("logistic.odds", """
        def odds(p):
            with np.errstate(divide="ignore"):
                return p / (1 - p)
    """),
    "logit with the sign flipped": ("logistic.logit", """
        def logit(p):
            if not np.all((p > 0) & (p < 1)):
                raise ValueError("p")
            return np.log1p(-p) - np.log(p)
    """),
    "predict_proba forgets the bias": ("logistic.predict_proba", """
        def predict_proba(X, w, b):
            return sigmoid(X @ w)
    """),
    "logistic db averaged twice": ("logistic.logistic_regression_loss", """
        def logistic_regression_loss(X, y, w, b):
            z = X @ w + b
            g = bce_with_logits_gradient(z, y)
            return bce_with_logits(z, y), X.T @ g, float(np.mean(g))
    """),
    "logistic training never moves the bias": ("logistic.train_logistic_regression", """
        def train_logistic_regression(X, y, lr, num_steps):
            w = np.zeros(X.shape[1])
            for _ in range(num_steps):
                w = w - lr * logistic_regression_loss(X, y, w, 0.0)[1]
            return w, 0.0
    """),
    "logistic training with its own step size": ("logistic.train_logistic_regression", """
        def train_logistic_regression(X, y, lr, num_steps):
            w, b = np.zeros(X.shape[1]), 0.0
            for _ in range(num_steps):
                _, dw, db = logistic_regression_loss(X, y, w, b)
                w, b = w - 0.1 * dw, b - 0.1 * db
            return w, float(b)
    """),
    # softmax
    "softmax without the max shift overflows": ("softmax.softmax", """
        def softmax(Z):
            E = np.exp(Z)
            return E / E.sum(axis=1, keepdims=True)
    """),
    "softmax over columns": ("softmax.softmax", """
        def softmax(Z):
            E = np.exp(Z - Z.max(axis=0, keepdims=True))
            return E / E.sum(axis=0, keepdims=True)
    """),
    "softmax shifted by the maximum of the whole matrix (underflows)": ("softmax.softmax", """
        def softmax(Z):
            E = np.exp(Z - Z.max())
            return E / E.sum(axis=1, keepdims=True)
    """),
    "cross-entropy shifted by the maximum of the whole matrix": ("softmax.softmax_cross_entropy", """
        def softmax_cross_entropy(Z, y):
            if Z.ndim != 2 or y.shape != (Z.shape[0],) or np.any((y < 0) | (y >= Z.shape[1])):
                raise ValueError("bad input")
            m = Z.max()
            lse = m + np.log(np.exp(Z - m).sum(axis=1))
            return float(np.mean(lse - Z[np.arange(len(y)), y]))
    """),
    "cross-entropy as the log of the softmax (log of 0 at large logits)": ("softmax.softmax_cross_entropy", """
        def softmax_cross_entropy(Z, y):
            if Z.ndim != 2 or y.shape != (Z.shape[0],) or np.any((y < 0) | (y >= Z.shape[1])):
                raise ValueError("bad input")
            return float(-np.mean(np.log(softmax(Z)[np.arange(len(y)), y])))
    """),
    "cross-entropy lets a negative label wrap around": ("softmax.softmax_cross_entropy", """
        def softmax_cross_entropy(Z, y):
            if Z.ndim != 2 or y.shape != (Z.shape[0],) or np.any(y >= Z.shape[1]):
                raise ValueError("bad input")
            m = Z.max(axis=1)
            lse = m + np.log(np.exp(Z - m[:, None]).sum(axis=1))
            return float(np.mean(lse - Z[np.arange(len(y)), y]))
    """),
    "softmax cross-entropy gradient not divided by N": ("softmax.softmax_cross_entropy_gradient", """
        def softmax_cross_entropy_gradient(Z, y):
            if Z.ndim != 2 or y.shape != (Z.shape[0],) or np.any((y < 0) | (y >= Z.shape[1])):
                raise ValueError("bad input")
            G = softmax(Z)
            G[np.arange(len(y)), y] -= 1
            return G
    """),
    "cross-entropy gradient subtracts the one-hot from the wrong column": ("softmax.softmax_cross_entropy_gradient", """
        def softmax_cross_entropy_gradient(Z, y):
            if Z.ndim != 2 or y.shape != (Z.shape[0],) or np.any((y < 0) | (y >= Z.shape[1])):
                raise ValueError("bad input")
            G = softmax(Z)
            G[np.arange(len(y)), (y + 1) % Z.shape[1]] -= 1
            return G / len(y)
    """),
    # multiclass
    "softmax regression db averaged over samples again": ("multiclass.softmax_regression_loss", """
        def softmax_regression_loss(X, y, W, b):
            Z = X @ W + b
            G = softmax_cross_entropy_gradient(Z, y)
            return softmax_cross_entropy(Z, y), X.T @ G, G.mean(axis=0)
    """),
    "softmax regression never moves the biases": ("multiclass.train_softmax_regression", """
        def train_softmax_regression(X, y, num_classes, lr, num_steps):
            W, b = np.zeros((X.shape[1], num_classes)), np.zeros(num_classes)
            for _ in range(num_steps):
                W = W - lr * softmax_regression_loss(X, y, W, b)[1]
            return W, b
    """),
    "softmax regression stops after one tenth of the steps": ("multiclass.train_softmax_regression", """
        def train_softmax_regression(X, y, num_classes, lr, num_steps):
            W, b = np.zeros((X.shape[1], num_classes)), np.zeros(num_classes)
            for _ in range(num_steps // 10):
                _, dW, db = softmax_regression_loss(X, y, W, b)
                W, b = W - lr * dW, b - lr * db
            return W, b
    """),
    "predictions by argmin": ("multiclass.predict_classes", """
        def predict_classes(X, W, b):
            return np.argmin(X @ W + b, axis=1)
    """),
    "predictions returned as floats": ("multiclass.predict_classes", """
        def predict_classes(X, W, b):
            return np.argmax(X @ W + b, axis=1).astype(float)
    """),
    "one-vs-rest trains each class against itself inverted": ("multiclass.train_one_vs_rest", """
        def train_one_vs_rest(X, y, num_classes, lr, num_steps):
            W, b = np.zeros((X.shape[1], num_classes)), np.zeros(num_classes)
            for k in range(num_classes):
                W[:, k], b[k] = train_logistic_regression(X, (y != k).astype(float), lr, num_steps)
            return W, b
    """),
    "one-vs-rest with softmax labels (multi-class fit instead)": ("multiclass.train_one_vs_rest", """
        def train_one_vs_rest(X, y, num_classes, lr, num_steps):
            return train_softmax_regression(X, y, num_classes, lr, num_steps)
    """),
}

ALTERNATIVES = {
    "mse with an explicit loop": ("linear.mse_loss", """
        def mse_loss(y_pred, y):
            if np.ndim(y_pred) != 1 or np.shape(y_pred) != np.shape(y):
                raise ValueError("y_pred and y must have the same shape (N,)")
            total = 0.0
            for a, b in zip(y_pred, y):
                total += (a - b) ** 2
            return total / len(y)
    """),
    "ridge by least squares on the augmented system": ("linear.linear_regression_closed_form", """
        def linear_regression_closed_form(X, y, l2=0.0):
            if X.ndim != 2 or y.shape != (X.shape[0],):
                raise ValueError("expected X (N, D) and y (N,)")
            if l2 < 0:
                raise ValueError("l2 must be non-negative")
            d = X.shape[1]
            if l2 == 0 and np.linalg.matrix_rank(X) < d:
                raise ValueError("rank-deficient design: the solution is not unique")
            A = np.vstack([X, np.sqrt(l2) * np.eye(d)])
            return np.linalg.lstsq(A, np.concatenate([y, np.zeros(d)]), rcond=None)[0]
    """),
    "gradient descent with the gradient written out": ("linear.linear_regression_gd", """
        def linear_regression_gd(X, y, lr, num_steps, l2=0.0):
            n = len(y)
            w = np.zeros(X.shape[1])
            losses = np.empty(num_steps + 1)
            for t in range(num_steps + 1):
                r = X @ w - y
                losses[t] = (r @ r + l2 * w @ w) / n
                if t < num_steps:
                    w = w - lr * 2 * (X.T @ r + l2 * w) / n
            return w, losses
    """),
    "sigmoid through tanh": ("logistic.sigmoid", """
        def sigmoid(z):
            return 0.5 * (1 + np.tanh(np.asarray(z) / 2))
    """),
    "cross-entropy with logaddexp": ("logistic.bce_with_logits", """
        def bce_with_logits(z, y):
            if z.ndim != 1 or z.shape != y.shape:
                raise ValueError("shapes differ")
            return float(np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))
    """),
    "logit as -log(1/p - 1)": ("logistic.logit", """
        def logit(p):
            if np.any(p <= 0) or np.any(p >= 1):
                raise ValueError("p must be in (0, 1)")
            return -np.log(1 / p - 1)
    """),
    "softmax through logsumexp": ("softmax.softmax", """
        def softmax(Z):
            m = Z.max(axis=1, keepdims=True)
            return np.exp(Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True)))
    """),
    "cross-entropy row by row": ("softmax.softmax_cross_entropy", """
        def softmax_cross_entropy(Z, y):
            import math
            if Z.ndim != 2 or y.shape != (Z.shape[0],):
                raise ValueError("shapes")
            total = 0.0
            for row, label in zip(Z, y):
                if not 0 <= label < len(row):
                    raise ValueError("label out of range")
                m = max(row)
                total += m + math.log(sum(math.exp(v - m) for v in row)) - row[label]
            return total / len(y)
    """),
    "softmax regression with per-sample gradient loops": ("multiclass.train_softmax_regression", """
        def train_softmax_regression(X, y, num_classes, lr, num_steps):
            n, d = X.shape
            W, b = np.zeros((d, num_classes)), np.zeros(num_classes)
            for _ in range(num_steps):
                dW, db = np.zeros_like(W), np.zeros_like(b)
                for x, label in zip(X, y):
                    s = x @ W + b
                    e = np.exp(s - s.max())
                    g = e / e.sum()
                    g[label] -= 1
                    dW += np.outer(x, g) / n
                    db += g / n
                W, b = W - lr * dW, b - lr * db
            return W, b
    """),
    "one-vs-rest for all classes at once": ("multiclass.train_one_vs_rest", """
        def train_one_vs_rest(X, y, num_classes, lr, num_steps):
            from .logistic import sigmoid
            T = (y[:, None] == np.arange(num_classes)).astype(float)
            W, b = np.zeros((X.shape[1], num_classes)), np.zeros(num_classes)
            for _ in range(num_steps):
                G = (sigmoid(X @ W + b) - T) / len(y)
                W, b = W - lr * X.T @ G, b - lr * G.sum(axis=0)
            return W, b
    """),
}


NARROWING = {
    "closed form refuses dependent columns even with l2 > 0": ("linear.linear_regression_closed_form", """
        def linear_regression_closed_form(X, y, l2=0.0):
            if X.ndim != 2 or y.shape != (X.shape[0],) or l2 < 0:
                raise ValueError("bad input")
            if np.linalg.matrix_rank(X) < X.shape[1]:
                raise ValueError("rank deficient")
            return np.linalg.solve(X.T @ X + l2 * np.eye(X.shape[1]), X.T @ y)
    """),
    "gradient descent with num_steps = 0 returns no loss": ("linear.linear_regression_gd", """
        def linear_regression_gd(X, y, lr, num_steps, l2=0.0):
            w = np.zeros(X.shape[1])
            if num_steps == 0:
                return w, np.zeros(0)
            losses = []
            for _ in range(num_steps):
                loss, dw = linear_regression_loss(X, y, w, l2)
                losses.append(loss)
                w = w - lr * dw
            losses.append(linear_regression_loss(X, y, w, l2)[0])
            return w, np.array(losses)
    """),
    "ridge loss default l2 = 1": ("linear.linear_regression_loss", """
        def linear_regression_loss(X, y, w, l2=1.0):
            if X.ndim != 2 or y.shape != (X.shape[0],) or w.shape != (X.shape[1],):
                raise ValueError("shapes")
            r = X @ w - y
            return float((r @ r + l2 * (w @ w)) / len(y)), 2.0 * (X.T @ r + l2 * w) / len(y)
    """),
    "binary cross-entropy through the sigmoid (infinite at |z| = 1e4)": ("logistic.bce_with_logits", """
        def bce_with_logits(z, y):
            if z.ndim != 1 or z.shape != y.shape:
                raise ValueError("shapes")
            s = sigmoid(z)
            with np.errstate(divide="ignore", invalid="ignore"):
                return float(np.mean(-y * np.log(s) - (1 - y) * np.log(1 - s)))
    """),
    "odds accepts p = 1": ("logistic.odds", """
        def odds(p):
            p = np.asarray(p, dtype=np.float64)
            if not np.all((p > 0) & (p <= 1)):
                raise ValueError("probabilities must lie in (0, 1]")
            with np.errstate(divide="ignore"):
                return p / (1.0 - p)
    """),
    "cross-entropy accepts a negative label (Python's wrap-around index)": ("softmax.softmax_cross_entropy", """
        def softmax_cross_entropy(Z, y):
            Z, y = np.asarray(Z, dtype=np.float64), np.asarray(y)
            if Z.ndim != 2 or y.shape != (Z.shape[0],) or np.any(y >= Z.shape[1]):
                raise ValueError("shapes or labels")
            m = Z.max(axis=1)
            with np.errstate(under="ignore"):
                lse = m + np.log(np.exp(Z - m[:, None]).sum(axis=1))
            return float(np.mean(lse - Z[np.arange(len(y)), y]))
    """),
    "predict_classes breaks ties towards the largest index": ("multiclass.predict_classes", """
        def predict_classes(X, W, b):
            S = X @ W + b
            return (S.shape[1] - 1 - np.argmax(S[:, ::-1], axis=1)).astype(np.int64)
    """),
}


def test_iris_file_and_loader():
    """The shipped CSV: 150 rows, 50 per species, and the reference loader agrees with the grader's."""
    from reference.unit02_regression.iris import CLASSES, load_iris

    X, y = load_iris()
    assert X.shape == (150, 4) and X.dtype == np.float64 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 50, 50]
    X2, y2 = datasets.labelled_csv(datasets.unit_file(UNIT, "iris.csv"), CLASSES)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    shipped = ROOT / "assignments" / UNIT / "iris.csv"
    assert shipped.read_bytes() == (ROOT / "reference" / UNIT / "iris.csv").read_bytes()


def test_stratified_holdout_is_fixed_and_balanced():
    y = np.repeat(np.arange(3), 50)
    train, test = datasets.stratified_holdout(y, every=3, offset=1)
    assert np.bincount(y[test]).tolist() == [17, 17, 17]
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(150))


def test_training_assertions_fail_with_the_step_and_the_numbers():
    import pytest

    from autograder.checks import training
    from autograder.context import CheckFailure

    assert training.decreasing(np.array([3.0, 2.0, 1.5]), "losses", 3).tolist() == [3.0, 2.0, 1.5]
    with pytest.raises(CheckFailure, match="increased at step 1"):
        training.decreasing(np.array([3.0, 2.0, 2.5]), "losses", 3)
    with pytest.raises(CheckFailure, match="shape"):
        training.decreasing(np.array([3.0, 2.0]), "losses", 3)
    training.stationary({"w": np.full(2, 1e-8)}, "fit", 1e-6)
    with pytest.raises(CheckFailure, match="did not reach the minimum"):
        training.stationary({"w": np.array([1e-3, 0.0]), "b": np.array(0.0)}, "fit", 1e-6)
    assert training.accuracy_at_least(np.array([0, 1, 2, 2]), np.array([0, 1, 2, 1]), 0.75, "fit") == 0.75
    with pytest.raises(CheckFailure, match=r"3 of 4 correct"):
        training.accuracy_at_least(np.array([0, 1, 2, 2]), np.array([0, 1, 2, 1]), 0.9, "fit")


# one mutant per named mistake (autograder/checks/misconceptions.py) that applies to this unit
MISCONCEPTIONS = {
    "mse_gradient: a sum where the mean is due (no 1/N)": ("linear.mse_gradient", """
        def mse_gradient(y_pred, y):
            y_pred, y = np.asarray(y_pred, dtype=np.float64), np.asarray(y, dtype=np.float64)
            if y_pred.ndim != 1 or y_pred.shape != y.shape:
                raise ValueError("shapes")
            return 2.0 * (y_pred - y)
    """, "N (the batch size) times too large", ["mse_gradient_key"]),
    "mse_gradient: the factor 2 forgotten": ("linear.mse_gradient", """
        def mse_gradient(y_pred, y):
            y_pred, y = np.asarray(y_pred, dtype=np.float64), np.asarray(y, dtype=np.float64)
            if y_pred.ndim != 1 or y_pred.shape != y.shape:
                raise ValueError("shapes")
            return (y_pred - y) / y.shape[0]
    """, "a factor 2 too few", ["mse_gradient_key"]),
    "mse_gradient: the sign flipped (y - y_pred)": ("linear.mse_gradient", """
        def mse_gradient(y_pred, y):
            y_pred, y = np.asarray(y_pred, dtype=np.float64), np.asarray(y, dtype=np.float64)
            if y_pred.ndim != 1 or y_pred.shape != y.shape:
                raise ValueError("shapes")
            return 2.0 * (y - y_pred) / y.shape[0]
    """, "a sign flip", ["mse_gradient_key"]),
    "softmax: no max shift (overflows at logits of size 1e4)": ("softmax.softmax", """
        def softmax(Z):
            E = np.exp(Z)
            return E / E.sum(axis=1, keepdims=True)
    """, "softmax without the max shift", ["softmax_values"]),
    "softmax_regression_loss: the bias gradient left at zero": ("multiclass.softmax_regression_loss", """
        def softmax_regression_loss(X, y, W, b):
            X = np.asarray(X, dtype=np.float64)
            Z = X @ np.asarray(W, dtype=np.float64) + np.asarray(b, dtype=np.float64)
            G = softmax_cross_entropy_gradient(Z, y)
            return softmax_cross_entropy(Z, y), X.T @ G, np.zeros(W.shape[1])
    """, "a missing bias gradient", ["softmax_regression_loss_key"]),
    "softmax_regression_loss: the bias gradient summed over the wrong axis": ("multiclass.softmax_regression_loss", """
        def softmax_regression_loss(X, y, W, b):
            X = np.asarray(X, dtype=np.float64)
            Z = X @ np.asarray(W, dtype=np.float64) + np.asarray(b, dtype=np.float64)
            G = softmax_cross_entropy_gradient(Z, y)
            return softmax_cross_entropy(Z, y), X.T @ G, G.sum(axis=1)
    """, "a sum over the wrong axis", ["softmax_regression_loss_key"]),
    "softmax_regression_loss: dW transposed (G.T @ X)": ("multiclass.softmax_regression_loss", """
        def softmax_regression_loss(X, y, W, b):
            X = np.asarray(X, dtype=np.float64)
            Z = X @ np.asarray(W, dtype=np.float64) + np.asarray(b, dtype=np.float64)
            G = softmax_cross_entropy_gradient(Z, y)
            return softmax_cross_entropy(Z, y), G.T @ X, G.sum(axis=0)
    """, "a transpose", ["softmax_regression_loss_key"]),
    "bce_with_logits_gradient: the chain rule through p with sigmoid' taken at p": ("logistic.bce_with_logits_gradient", """
        def bce_with_logits_gradient(z, y):
            p = sigmoid(z)
            s = sigmoid(p)
            return (p - y) / (p * (1 - p)) * s * (1 - s) / z.shape[0]
    """, "the derivative evaluated at the output instead of the input: sigmoid'(a)", ["bce_gradient_key"]),
}


FORWARD_ONLY = {  # a loss's bug costs points only in its own checks, not in its gradient's
    "mse_loss sums": ("linear.mse_loss", reference_def(UNIT, "linear", "mse_loss", {
        "np.mean((y_pred - y) ** 2)": "np.sum((y_pred - y) ** 2)"}), ()),
    "softmax_cross_entropy sums": ("softmax.softmax_cross_entropy", reference_def(
        UNIT, "softmax", "softmax_cross_entropy", {"np.mean(lse": "np.sum(lse"}), ()),
}

# the field's common mutants (a constant factor, a sign): one score under every id
NARROWING.update({
    "mse_gradient without the factor 2": ("linear.mse_gradient", reference_def(UNIT, "linear", "mse_gradient", {
        "2.0 * (y_pred - y)": "(y_pred - y)"})),
    "softmax_cross_entropy_gradient with the wrong sign": ("softmax.softmax_cross_entropy_gradient", reference_def(
        UNIT, "softmax", "softmax_cross_entropy_gradient", {"return G / len(y)": "return -G / len(y)"})),
})
NARROWING.update({  # at step 4 / bound a doubled step converged in most draws only (6 of 300 failed)
    "train_logistic_regression doubles the step": ("logistic.train_logistic_regression", reference_def(
        UNIT, "logistic", "train_logistic_regression", {"w, b = w - lr * dw, b - lr * db":
                                                        "w, b = w - 2 * lr * dw, b - 2 * lr * db"})),
})
NARROWING.update({  # logistic_training_converges drew its data: a gradient 4 times too large failed in 6 of 2,000
    "train_logistic_regression quadruples the step": ("logistic.train_logistic_regression", reference_def(
        UNIT, "logistic", "train_logistic_regression", {"w, b = w - lr * dw, b - lr * db":
                                                        "w, b = w - 4 * lr * dw, b - 4 * lr * db"})),
    "train_logistic_regression steps 8 times too far": ("logistic.train_logistic_regression", reference_def(
        UNIT, "logistic", "train_logistic_regression", {"w, b = w - lr * dw, b - lr * db":
                                                        "w, b = w - 8 * lr * dw, b - 8 * lr * db"})),
})


def test_a_loss_gradient_4_times_too_large_scores_the_same_under_every_id(tmp_path):
    """logistic_regression_loss returning 4 dw and 4 db loses the same points in its own checks and in
    the training that calls it under 20 ids; the minimizer is unchanged, so the public convergence
    check (fixed data, stable up to a factor 5) keeps its points, and the exact run loses its."""
    from autograder.suite import load_suite

    from ..support import make_submission, scores_under_ids
    from .unit_contract import SUBMISSION_IDS

    source = reference_def(UNIT, "logistic", "logistic_regression_loss", {
        "X.T @ g, float(np.sum(g))": "4 * (X.T @ g), 4 * float(np.sum(g))"})
    suite = load_suite(UNIT)
    only = [c.name for c in suite.checks
            if c.exercise in ("logistic.logistic_regression_loss", "logistic.train_logistic_regression")]
    path = make_submission(tmp_path, UNIT, {"logistic.logistic_regression_loss": source})
    # student-157 and student-238: ids under which the drawn data of the old check failed it (of 1,500)
    scores = scores_under_ids(path, UNIT, only, SUBMISSION_IDS + ["student-157", "student-238"])
    assert len(set(scores.values())) == 1 and max(scores.values()) < sum(c.points for c in suite.select(only)), scores
    converges = scores_under_ids(path, UNIT, ["logistic_training_converges"], SUBMISSION_IDS[:3])
    assert set(converges.values()) == {suite.select(["logistic_training_converges"])[0].points}, converges
NARROWING.update({  # gd_converges_to_closed_form took 300 steps: half the gradient failed in 207 of 1,000 draws
    "linear_regression_gd with half the gradient (the factor 2 forgotten)": ("linear.linear_regression_gd", reference_def(
        UNIT, "linear", "linear_regression_gd", {"w = w - lr * dw": "w = w - lr * dw / 2"})),
})
# softmax_training_converges and one_vs_rest_converges drew blobs on which a step 3 or 4 times too large (or a
# quarter of it) converged or not by the draw (softmax: 3x passed 178 of 200 draws, 4x 15; one-vs-rest: 3x 11)
SOFTMAX_STEP = "W, b = W - lr * dW, b - lr * db"
OVR_STEP = "(y == k).astype(np.float64), lr, num_steps)"
for label, f in (("a quarter of", 0.25), ("3 times", 3), ("4 times", 4)):
    NARROWING[f"train_softmax_regression with {label} the step"] = ("multiclass.train_softmax_regression", reference_def(
        UNIT, "multiclass", "train_softmax_regression", {SOFTMAX_STEP: f"W, b = W - {f} * lr * dW, b - {f} * lr * db"}))
    NARROWING[f"train_one_vs_rest with {label} the step"] = ("multiclass.train_one_vs_rest", reference_def(
        UNIT, "multiclass", "train_one_vs_rest", {OVR_STEP: OVR_STEP.replace("lr", f"{f} * lr")}))
