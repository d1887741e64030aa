"""Unit 2 answer keys (instructor only): the checks whose code computes an exercise's answer.

The ridge solution and loss (numpy), predictions, and the softmax and cross-entropy keys derived
with sympy from logsumexp (the same answer written another way), composed through the model by
the chain rule. Every documented configuration (the default and a positive l2, dependent columns,
num_steps = 0, logits of size 1e4, tied scores) is a fixed case of every grading.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from autograder.checks import compare, datasets, training
from autograder.checks.symbolic import Key, symbols
from autograder.context import CheckFailure
from autograder.units.unit02_regression import (BAD_LABELS, BCE, BCE_DZ, CLASSES, SIGMOID, STRICT, blobs, curvature_bound,
                                                derivative, gd_run, lipschitz, logistic_data, logistic_loss_outputs,
                                                logit_cases, moderate, multiclass_fit, raises_value_error,
                                                regression_data, softmax_loss_outputs, softmax_model, suite)

zs = symbols(f"z0:{CLASSES}")
LOGSUMEXP = Key(sp.log(sum(sp.exp(v) for v in zs)), list(zs))
SOFTMAX = [derivative(LOGSUMEXP, v) for v in zs]  # d logsumexp / dz_k = softmax_k
CE = [Key(LOGSUMEXP.expr - zs[k], list(zs)) for k in range(CLASSES)]  # -log softmax_k
CE_DZ = [[derivative(key, v) for v in zs] for key in CE]


def ce_key(Z: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row cross-entropy (N,) and its derivative (N, C), from sympy, for integer labels."""
    loss, grad = np.empty(len(labels)), np.empty(Z.shape)
    for k in range(CLASSES):
        rows = labels == k
        cols = [Z[rows, j] for j in range(CLASSES)]
        loss[rows] = CE[k](*cols)
        grad[rows] = np.stack([key(*cols) for key in CE_DZ[k]], axis=1).reshape(-1, CLASSES)
    return loss, grad


def bce_key_gradients(X, targets, w, b):
    """(dw, db) of the mean BCE of logits X @ w + b, by the chain rule from sympy's dBCE/dz."""
    dz = BCE_DZ(X @ w + b, targets) / len(targets)
    return X.T @ dz, float(np.sum(dz))


def ridge(X, y, l2):
    return np.linalg.solve(X.T @ X + l2 * np.eye(X.shape[1]), X.T @ y)


def ridge_loss(X, y, w, l2):
    r = X @ w - y
    return float((r @ r + l2 * (w @ w)) / len(y))


@suite.check("linear.linear_regression_loss", points=2)
def linear_loss_values(ctx):
    f = ctx.student.linear.linear_regression_loss
    X, targets = regression_data(ctx)
    w = ctx.rng.standard_normal(3)
    for l2, kwargs in ((0.0, {}), (0.7, {"l2": 0.7})):
        with ctx.case(f"l2 = {l2}" + ("" if kwargs else " (the default)")):
            out = compare.sequence(f(X, targets, w, **kwargs), f"linear_regression_loss(X, y, w, l2={l2})", 2)
            compare.close_scalar(out[0], ridge_loss(X, targets, w, l2), f"the loss from linear_regression_loss "
                                 f"with l2 = {l2}", hidden=ctx.hidden, **STRICT)
            compare.array(out[1], "dw from linear_regression_loss", (3,))
    raises_value_error(ctx, f, "linear_regression_loss", {"w of shape (4,)": (X, targets, np.ones(4)),
                                                          "y of shape (N, 1)": (X, targets[:, None], w),
                                                          "X of shape (N,)": (X[:, 0], targets, w[:1])})


@suite.check("linear.linear_regression_closed_form", points=3)
def closed_form_values(ctx):
    fit = ctx.student.linear.linear_regression_closed_form
    X, targets = regression_data(ctx)
    dependent = np.column_stack([X, 2 * X[:, 0]])
    for label, (A, l2, kwargs) in {"l2 left at its default 0": (X, 0.0, {}),
                                   "l2 = 1.5": (X, 1.5, {"l2": 1.5}),
                                   "dependent columns with l2 = 0.5": (dependent, 0.5, {"l2": 0.5})}.items():
        with ctx.case(label):
            compare.close(fit(A, targets, **kwargs), ridge(A, targets, l2),
                          f"linear_regression_closed_form(X, y) with {label}", hidden=ctx.hidden)


@suite.check("linear.linear_regression_gd", points=3)
def gd_decreases_loss(ctx):
    """With step 1.9 / L no step raises the loss; the history starts at w = 0 and ends at the result."""
    X, targets = regression_data(ctx)
    for l2 in (0.0, 2.0):
        with ctx.case(f"l2 = {l2}"):
            steps = 40
            w, losses = gd_run(ctx, X, targets, 1.9 / lipschitz(X, l2), steps, l2)
            losses = training.decreasing(losses, f"losses from linear_regression_gd (step 1.9 / L, l2 = {l2})",
                                         steps + 1)
            compare.close_scalar(float(losses[0]), ridge_loss(X, targets, np.zeros(3), l2),
                                 "losses[0] (the loss at w = 0) from linear_regression_gd", hidden=ctx.hidden)
            compare.close_scalar(float(losses[-1]), ridge_loss(X, targets, w, l2),
                                 "losses[-1] from linear_regression_gd compared with the loss at the w it returned")


GD_STEPS = 800


@suite.check("linear.linear_regression_gd", points=3, name="gd_converges_to_closed_form")
def gd_converges_to_closed_form(ctx):
    """With step 1 / L, 800 steps reach the closed-form answer.

    The design's eigenvalues are fixed (``design``: X^T X / N has 1, 4 and 9), so the error shrinks by
    8/9 per step, and with f times the gradient by max(1 - f / 9, |1 - f|): after 800 steps by 1e-41
    (f = 1), 1e-20 (f = 1/2, the MSE gradient's factor 2 forgotten), 2e-10 (f = 1/4), within the
    tolerance whatever the draw; f >= 2 never converges. (After 300 steps f = 1/2 left
    3.6e-8 of the error, and failed in 207 of 1,000 draws.)"""
    X, targets = regression_data(ctx)
    for l2 in (0.0, 2.0):
        with ctx.case(f"l2 = {l2}"):
            w, _ = gd_run(ctx, X, targets, 1.0 / lipschitz(X, l2), GD_STEPS, l2)
            compare.close(w, ridge(X, targets, l2), f"w after {GD_STEPS} steps of linear_regression_gd (l2 = {l2}) "
                          "compared with the closed-form solution", hidden=ctx.hidden)
    with ctx.case("num_steps = 0", trivial=True):
        w, losses = gd_run(ctx, X, targets, 0.1, 0, 0.0)
        compare.close(w, np.zeros(3), "w from linear_regression_gd with num_steps = 0", rtol=0, atol=0)
        compare.close(losses, [ridge_loss(X, targets, w, 0.0)], "losses from linear_regression_gd with num_steps = 0")


@suite.check("logistic.predict_proba", points=2)
def predict_proba_values(ctx):
    X, w, b = moderate(ctx, (6, 3), 2.0), ctx.rng.standard_normal(3), float(ctx.rng.standard_normal())
    compare.close(ctx.student.logistic.predict_proba(X, w, b), SIGMOID(X @ w + b), "predict_proba(X, w, b)",
                  hidden=ctx.hidden, **STRICT)


@suite.check("logistic.logistic_regression_loss", points=3)
def logistic_loss_key(ctx):
    """Loss and gradients against sympy's BCE and its derivative, by the chain rule through X @ w + b."""
    X, labels, _, _ = logistic_data(ctx, 10, 3)
    labels[:5] = np.round(labels[:5])
    w, b = ctx.rng.standard_normal(3), float(ctx.rng.standard_normal())
    loss, dw, db = logistic_loss_outputs(ctx, X, labels, w, b)
    dw_key, db_key = bce_key_gradients(X, labels, w, b)
    with ctx.case("loss"):
        compare.close_scalar(loss, float(np.mean(BCE(X @ w + b, labels))), "the loss from logistic_regression_loss",
                             hidden=ctx.hidden, **STRICT)
    with ctx.case("dw"):
        compare.close(dw, dw_key, "dw from logistic_regression_loss", hidden=ctx.hidden, **STRICT)
    with ctx.case("db"):
        compare.close_scalar(db, db_key, "db from logistic_regression_loss", hidden=ctx.hidden, **STRICT)


@suite.check("softmax.softmax", points=3)
def softmax_values(ctx):
    """Against sympy's derivatives of logsumexp, which are the softmax probabilities."""
    for label, Z, _ in logit_cases(ctx):
        with ctx.case(label):
            expected = np.stack([key(*Z.T) for key in SOFTMAX], axis=1)
            compare.close(ctx.student.softmax.softmax(Z), expected, f"softmax(Z) ({label})", hidden=ctx.hidden,
                          **STRICT, logits=Z)


@suite.check("softmax.softmax_cross_entropy", points=3)
def cross_entropy_values(ctx):
    """Against sympy's logsumexp(z) - z_y, averaged, at moderate logits and at logits of size 1e4."""
    ce = ctx.student.softmax.softmax_cross_entropy
    for label, Z, labels in logit_cases(ctx):
        with ctx.case(label):
            compare.close_scalar(ce(Z, labels), float(np.mean(ce_key(Z, labels)[0])),
                                 f"softmax_cross_entropy(Z, y) ({label})", hidden=ctx.hidden, **STRICT)
    Z = moderate(ctx, (4, CLASSES))
    raises_value_error(ctx, ce, "softmax_cross_entropy", {k: make(Z) for k, make in BAD_LABELS.items()})


def softmax_key_gradients(X, labels, W, b):
    """(loss, dW, db) of softmax regression by the chain rule from sympy's cross-entropy key."""
    loss, G = ce_key(X @ W + b, labels)
    G = G / len(labels)
    return float(np.mean(loss)), X.T @ G, G.sum(axis=0)


@suite.check("softmax.softmax_cross_entropy_gradient", points=2)
def cross_entropy_gradient_key(ctx):
    """(softmax(Z) - onehot(y)) / N as sympy derives it, at moderate logits and at logits of size 1e4."""
    sm = ctx.student.softmax
    for label, Z, labels in logit_cases(ctx):
        with ctx.case(label):
            compare.close(sm.softmax_cross_entropy_gradient(Z, labels), ce_key(Z, labels)[1] / len(labels),
                          f"softmax_cross_entropy_gradient(Z, y) ({label})", hidden=ctx.hidden, **STRICT,
                          batch=len(labels), logits=Z)


@suite.check("multiclass.softmax_regression_loss", points=3)
def softmax_regression_loss_key(ctx):
    X, labels = blobs(ctx, 3)
    W, b = softmax_model(ctx)
    # shapes are checked by compare.close, which names a transposed or wrongly summed answer
    loss, dW, db = compare.sequence(ctx.student.multiclass.softmax_regression_loss(X, labels, W, b),
                                    "softmax_regression_loss(X, y, W, b)", 3)
    loss_key, dW_key, db_key = softmax_key_gradients(X, labels, W, b)
    with ctx.case("loss"):
        compare.close_scalar(loss, loss_key, "the loss from softmax_regression_loss", hidden=ctx.hidden, **STRICT)
    G = ce_key(X @ W + b, labels)[1] / len(labels)  # dL/dZ: db is its sum over the batch axis
    for name, value, key, mistake in (("dW", dW, dW_key, {}), ("db", db, db_key, {"summed": (G, 0)})):
        with ctx.case(name):
            compare.close(value, key, f"{name} from softmax_regression_loss", hidden=ctx.hidden, **STRICT,
                          batch=len(labels), **mistake)


@suite.check("multiclass.predict_classes", points=2)
def predict_classes_values(ctx):
    predict = ctx.student.multiclass.predict_classes
    X, _ = blobs(ctx, 4)
    W, b = softmax_model(ctx)
    tied = (np.zeros_like(W), np.array([0.0, 1.0, 1.0]))
    for label, (W_, b_) in {"random weights": (W, b), "tied scores go to the smallest index": tied}.items():
        with ctx.case(label):
            got = compare.array(predict(X, W_, b_), "predict_classes(X, W, b)", (len(X),), kinds="iu")
            compare.equal(got, np.argmax(X @ W_ + b_, axis=1).astype(float), f"predict_classes(X, W, b) ({label})",
                          hidden=ctx.hidden)


TRAIN_STEPS = 800
KEY_CONVERGED = 1e-10  # the key's gradient norm after TRAIN_STEPS; the student is held to 1e-6
SLIP_CONVERGED, SLIP_STUCK = 1e-7, 1e-5  # the same with a gradient off by a factor: well below, well above 1e-6
# {f: whether f times the gradient converges on every draw} (see converging_blobs); measured on 300 draws
# that fit: 1/3, 1/2 and 2 times the gradient reach 2e-9 (softmax) and 7e-10 (one-vs-rest) at worst
SOFTMAX_SLIPS = {4.0: False, 0.25: True, 3.0: True}
ONE_VS_REST_SLIPS = {3.0: False, 0.25: True}


def key_softmax_gd(X, labels, lr, steps):
    """Gradient descent on the softmax cross-entropy, in numpy: (W, b) and the final gradient norm."""
    onehot = np.eye(CLASSES)[labels]
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.zeros((A.shape[1], CLASSES))
    for _ in range(steps + 1):
        S = A @ theta
        P = np.exp(S - S.max(axis=1, keepdims=True))
        G = A.T @ (P / P.sum(axis=1, keepdims=True) - onehot) / len(X)
        theta -= lr * G
    return float(np.linalg.norm(G))


def key_logistic_gd(X, targets, lr, steps):
    """Gradient descent on the binary cross-entropy, in numpy: the final gradient norm."""
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.zeros(A.shape[1])
    for _ in range(steps + 1):
        g = A.T @ (1 / (1 + np.exp(-(A @ theta))) - targets) / len(X)
        theta -= lr * g
    return float(np.linalg.norm(g))


def converging_blobs(ctx, final_gradient, factors: dict):
    """Blobs on which the exact algorithm reaches the minimum within TRAIN_STEPS, and on which a gradient
    off by a constant factor f (a slip in the loss's gradient: a lost 1/2, a mean over N * C entries)
    does the same on every draw. ``final_gradient(X, labels, f)``: the key's final gradient norms with f
    times the gradient; it must reach KEY_CONVERGED at f = 1 and, for each ``factors[f]``, reach
    SLIP_CONVERGED (True) or stay above SLIP_STUCK (False). Others are redrawn, so a correct solution,
    which repeats the key's iterates up to rounding, passes on every draw, and such a slip scores the
    same under every submission id (without the factors a quarter of the softmax gradient failed in
    12 of 200 draws, 3 times it in 22, 4 times it passed in 15). A norm per graded case (one-vs-rest:
    per classifier), each held to the bar."""
    def fits(X, labels):  # the factors first: they reject most draws
        return all(np.all(final_gradient(X, labels, f) <= SLIP_CONVERGED) if converges else
                   np.all(final_gradient(X, labels, f) > SLIP_STUCK) for f, converges in factors.items()) and \
            np.all(final_gradient(X, labels, 1.0) <= KEY_CONVERGED)

    # measured: 65 % of draws fit for softmax regression, 38 % for one-vs-rest
    return datasets.redrawn(lambda: blobs(ctx), lambda data: fits(*data),
                            "blobs on which gradient descent converges as required")


@suite.check("multiclass.train_softmax_regression", points=3, timeout=30, false_failure=0.0)
def softmax_training_converges(ctx):
    """On overlapping classes, gradient descent reaches the minimum: the loss gradient vanishes.

    Not statistical for a correct solution: data on which the key's gradient descent does not reach
    a gradient of 1e-10 within the steps are redrawn (measured before the redraw on the reference
    over 1,000 draws at 600 steps: worst gradient 6.2e-8, 99.9 % below 2.1e-8, against 1e-6); so are
    those on which 1/4 or 3 times the gradient does not converge or 4 times it does (see
    :func:`converging_blobs`)."""
    X, labels = converging_blobs(ctx, lambda X, y, f: key_softmax_gd(X, y, f * 2 / curvature_bound(X), TRAIN_STEPS),
                                 SOFTMAX_SLIPS)
    with ctx.case(f"{TRAIN_STEPS} steps of size 2 / bound"):
        W, b = multiclass_fit(ctx, "train_softmax_regression", X, labels, 2 / curvature_bound(X), TRAIN_STEPS)
        _, dW, db = softmax_key_gradients(X, labels, W, b)
        try:
            training.stationary({"W": dW, "b": db}, "train_softmax_regression", 1e-6)
        except CheckFailure as exc:  # the decision regions of the W, b it returned, for the HTML report
            exc.figures.append(training.boundary_figure(X, labels, lambda P: np.argmax(P @ W + b, axis=1),
                                                        "the classes your trained W, b predict"))
            raise
    with ctx.case("num_steps = 0 returns the zero start", trivial=True):
        W, b = multiclass_fit(ctx, "train_softmax_regression", X, labels, 1.0, 0)
        compare.close(W, np.zeros_like(W), "W from train_softmax_regression with num_steps = 0", rtol=0, atol=0)
        compare.close(b, np.zeros_like(b), "b from train_softmax_regression with num_steps = 0", rtol=0, atol=0)


@suite.check("multiclass.train_one_vs_rest", points=3, timeout=30, false_failure=0.0)
def one_vs_rest_converges(ctx):
    """Column k minimizes the binary cross-entropy of "class k" against the rest.

    Not statistical for a correct solution: data on which the key's gradient descent does not reach a
    gradient of 1e-10 for every column within the steps are redrawn (measured before the redraw on the
    reference over 1,000 draws at 600 steps: worst gradient 8.0e-10, 99.9 % below 1.1e-10, against 1e-6);
    so are those on which 1/4 times the gradient does not converge or 3 times it does (see
    :func:`converging_blobs`)."""
    def final_gradient(X, y, f):
        return np.array([key_logistic_gd(X, (y == k).astype(float), f * 4 / curvature_bound(X), TRAIN_STEPS)
                         for k in range(CLASSES)])

    X, labels = converging_blobs(ctx, final_gradient, ONE_VS_REST_SLIPS)
    W, b = multiclass_fit(ctx, "train_one_vs_rest", X, labels, 4 / curvature_bound(X), TRAIN_STEPS)
    for k in range(CLASSES):
        with ctx.case(f"classifier {k}"):
            dw, db = bce_key_gradients(X, (labels == k).astype(float), W[:, k], b[k])
            training.stationary({"w": dw, "b": np.array(db)}, f"train_one_vs_rest (column {k} of W, b[{k}])", 1e-6)
