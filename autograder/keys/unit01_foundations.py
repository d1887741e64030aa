"""Unit 1 answer keys (instructor only): the checks whose code computes an exercise's answer.

Transpose, dot and matrix products, perceptron predictions and the learning rule, and the
forward passes of the network are computed here with numpy (or composed from the sympy
activation keys) and compared with the student's.
"""
from __future__ import annotations

import numpy as np

from autograder.checks import compare
from autograder.checks.symbolic import Key
from autograder.units.unit01_foundations import (ORDER, RELU, SIGMOID, TANH, layer, raises_value_error, suite,
                                                 two_layer_inputs, z)


# ---------------------------------------------------------------- tensors
@suite.check("tensors.transpose", points=1)
def transpose_values(ctx):
    transpose = ctx.student.tensors.transpose
    for shape in ((3, 4), (1, 5), (4, 4)):
        with ctx.case(f"a {shape[0]}x{shape[1]} matrix"):
            A = ctx.rng.standard_normal(shape)
            compare.close(transpose(A), A.T, f"transpose(A) of a {shape[0]}x{shape[1]} A", rtol=0, atol=0)
    raises_value_error(ctx, transpose, "transpose", {"a 1-D array": (np.ones(3),), "a 3-D array": (np.ones((2, 2, 2)),)})


@suite.check("tensors.dot", points=1)
def dot_values(ctx):
    dot = ctx.student.tensors.dot
    for n, entries in ((5, "5 entries"), (1, "1 entry")):
        with ctx.case(f"vectors of {entries}"):
            u, v = ctx.rng.standard_normal(n), ctx.rng.standard_normal(n)
            compare.close_scalar(dot(u, v), float(u @ v), f"dot(u, v) with {entries}", hidden=ctx.hidden)
    u = ctx.rng.standard_normal(5)
    raises_value_error(ctx, dot, "dot", {"shapes (5,) and (4,)": (u, u[:4]), "shapes (5, 1) and (5, 1)": (u[:, None], u[:, None])})


@suite.check("tensors.matmul", points=1)
def matmul_values(ctx):
    matmul = ctx.student.tensors.matmul
    for (m, n, p) in ((3, 4, 2), (1, 3, 1), (4, 1, 3)):
        with ctx.case(f"({m}, {n}) @ ({n}, {p})"):
            A, B = ctx.rng.standard_normal((m, n)), ctx.rng.standard_normal((n, p))
            compare.close(matmul(A, B), A @ B, f"matmul(A, B) of shapes ({m}, {n}) and ({n}, {p})", hidden=ctx.hidden)
    A = ctx.rng.standard_normal((3, 4))
    raises_value_error(ctx, matmul, "matmul", {"shapes (3, 4) and (3, 4)": (A, A), "a 1-D B": (A, np.ones(4))})


# ---------------------------------------------------------------- perceptron
@suite.check("perceptron.predict", points=2)
def predict_labels(ctx):
    predict = ctx.student.perceptron.predict
    w, b = ctx.rng.standard_normal(3), float(ctx.rng.standard_normal())
    X = ctx.rng.standard_normal((10, 3))
    with ctx.case("random points"):
        compare.equal(predict(w, b, X), np.where(X @ w + b >= 0, 1.0, -1.0), "predict(w, b, X)", hidden=ctx.hidden)
    with ctx.case("points exactly on the boundary are +1"):
        w_edge, X_edge = np.array([1.0, -2.0, 0.0]), np.array([[0.0, 0.0, 5.0], [2.0, 1.0, -1.0], [-1.0, 0.0, 0.0]])
        compare.equal(predict(w_edge, 0.0, X_edge), np.array([1.0, 1.0, -1.0]),
                      "predict for points with w @ x + b == 0 (the first two)")
    raises_value_error(ctx, predict, "predict", {"w of 2 entries and X of 3 columns": (w[:2], b, X),
                                                 "a 1-D X": (w, b, X[0])})


@suite.check("perceptron.perceptron_update", points=3)
def update_rule(ctx):
    """The learning rule keyed exactly: mistakes (including the boundary) move w and b, others do not."""
    update = ctx.student.perceptron.perceptron_update
    w, x = ctx.rng.standard_normal(4), ctx.rng.standard_normal(4)
    lr = float(ctx.rng.uniform(0.1, 2.0))
    score = float(w @ x)
    cases = {"misclassified example": (-np.sign(score), 0.0, lr),
             "correctly classified example": (np.sign(score), 0.0, lr),
             "example exactly on the boundary": (1.0, -score, lr),
             "misclassified example, the default lr = 1": (-np.sign(score), 0.0, None)}
    for label, (y, b, rate) in cases.items():
        with ctx.case(label):
            step = 1.0 if rate is None else rate
            mistake = y * (w @ x + b) <= 0
            got = update(w, b, x, y) if rate is None else update(w, b, x, y, rate)
            new = compare.sequence(got, "perceptron_update(...)", 2)
            compare.close(new[0], w + step * y * x if mistake else w, f"w from perceptron_update ({label})", atol=1e-12)
            compare.close_scalar(new[1], b + step * y if mistake else b, f"b from perceptron_update ({label})",
                                 atol=1e-12)
    raises_value_error(ctx, update, "perceptron_update", {"w of 4 entries and x of 3": (w, 0.0, x[:3], 1.0)})


# ---------------------------------------------------------------- network
@suite.check("network.dense_forward", points=2)
def dense_forward_values(ctx):
    dense = ctx.student.network.dense_forward
    for n, d, m in ((6, 4, 3), (1, 2, 1)):
        with ctx.case(f"X ({n}, {d}), W ({d}, {m})"):
            X, (W, b) = ctx.rng.standard_normal((n, d)), layer(ctx, d, m)
            compare.close(dense(X, W, b), X @ W + b, f"dense_forward(X, W, b) with X ({n}, {d}), W ({d}, {m})",
                          hidden=ctx.hidden)
    X, (W, b) = ctx.rng.standard_normal((6, 4)), layer(ctx, 4, 3)
    raises_value_error(ctx, dense, "dense_forward", {"X (6, 4) and W (3, 3)": (X, W[:3], b),
                                                     "b of shape (1, 3)": (X, W, b[None, :]),
                                                     "a 1-D X": (X[0], W, b)})


ACTIVATION_KEYS = {"sigmoid": SIGMOID, "relu": RELU, "tanh": TANH, "identity": Key(z, [z])}


@suite.check("network.feedforward", points=3)
def feedforward_values(ctx):
    ff = ctx.student.network.feedforward
    params = [layer(ctx, d, m) for d, m in ((4, 6), (6, 5), (5, 3), (3, 2))]
    X = ctx.rng.standard_normal((7, 4))
    for names in (["tanh", "relu", "sigmoid", "identity"], ["relu", "identity", "tanh", "sigmoid"], ["sigmoid"]):
        with ctx.case(", ".join(names)):
            expected = X
            for (W, b), name in zip(params, names):
                expected = ACTIVATION_KEYS[name](expected @ W + b)
            compare.close(ff(X, params[:len(names)], names), expected, f"feedforward(X, params, {names})",
                          hidden=ctx.hidden)
    with ctx.case("L = 0 layers: a copy of X", trivial=True):
        compare.close(ff(X, [], []), X, "feedforward(X, [], [])", rtol=0, atol=0)
    raises_value_error(ctx, ff, "feedforward", {"2 layers and 1 activation": (X, params[:2], ["relu"]),
                                                "an unknown activation 'softplus'": (X, params[:1], ["softplus"]),
                                                "layers that do not chain": (X, [params[0], params[2]], ["relu", "relu"])})


@suite.check("network.two_layer_forward", points=2)
def two_layer_forward_values(ctx):
    p = two_layer_inputs(ctx)
    with ctx.case("scores"):
        expected = np.maximum(p["X"] @ p["W1"] + p["b1"], 0) @ p["W2"] + p["b2"]
        out = compare.sequence(ctx.student.network.two_layer_forward(*(p[k] for k in ORDER)),
                               "two_layer_forward(...)", 2)
        compare.close(out[0], expected, "scores from two_layer_forward", hidden=ctx.hidden)
    raises_value_error(ctx, ctx.student.network.two_layer_forward, "two_layer_forward",
                       {"W2 of 4 rows for 5 hidden units": tuple(p[k][:4] if k == "W2" else p[k] for k in ORDER)})
