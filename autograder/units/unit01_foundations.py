"""Unit 1 checks: tensor operations, the perceptron, activations, a feed-forward network."""
from __future__ import annotations

import numpy as np
import sympy as sp

from ..checks import compare, gradients, properties
from ..checks.symbolic import Key, symbols
from ..suite import Suite

suite = Suite("unit01_foundations", modules=["tensors", "perceptron", "activations", "network"],
              title="Foundations: tensors, perceptron, activations, feed-forward networks")

z = symbols("z")
SIGMOID = Key(1 / (1 + sp.exp(-z)), [z])
TANH = Key(sp.tanh(z), [z])
RELU = Key(sp.Piecewise((z, z > 0), (0, True)), [z])
STRICT = {"rtol": 1e-9, "atol": 1e-12}
EXTREMES = np.array([-1000.0, -745.0, -40.0, 40.0, 745.0, 1000.0])


def moderate(ctx, shape=(4, 5), scale=6.0, gap=1e-3):
    """Random inputs kept at least ``gap`` away from the kink at 0."""
    x = ctx.rng.uniform(-scale, scale, shape)
    return np.where(np.abs(x) < gap, gap * 2, x)


# ---------------------------------------------------------------- activations
def _activation_values(ctx, name, key):
    fn = getattr(ctx.student.activations, name)
    for label, zs in (("moderate inputs", moderate(ctx)), ("|z| up to 1000 (stability)", EXTREMES)):
        with ctx.case(label):
            compare.close(fn(zs), key(zs), f"{name}(z)", inputs={"z": zs}, hidden=ctx.hidden, **STRICT)


@suite.check("activations.sigmoid", points=2)
def sigmoid_values(ctx):
    _activation_values(ctx, "sigmoid", SIGMOID)


@suite.check("activations.sigmoid_derivative", points=2)
def sigmoid_derivative_key(ctx):
    """Against the sympy derivative of 1 / (1 + exp(-z))."""
    _activation_values(ctx, "sigmoid_derivative", SIGMOID.diff(z))


@suite.check("activations.tanh", points=2)
def tanh_and_derivative(ctx):
    _activation_values(ctx, "tanh", TANH)
    _activation_values(ctx, "tanh_derivative", TANH.diff(z))


@suite.check("activations.relu", points=2)
def relu_and_derivative(ctx):
    _activation_values(ctx, "relu", RELU)
    _activation_values(ctx, "relu_derivative", RELU.diff(z))
    with ctx.case("relu_derivative(0) is 0 by convention"):
        compare.close(ctx.student.activations.relu_derivative(np.zeros(3)), np.zeros(3), "relu_derivative(0)")


@suite.check("activations.step", points=1)
def step_values(ctx):
    zs = np.concatenate([moderate(ctx, (12,)), [0.0, -0.0, 1e-300, -1e-300]])
    compare.close(ctx.student.activations.step(zs), (zs >= 0).astype(float), "step(z)", inputs={"z": zs})


@suite.check("activations.sigmoid", points=2, name="derivatives_match_finite_differences")
def derivatives_match_finite_differences(ctx):
    """Each derivative function is the derivative of the student's own (correct) forward function."""
    for name, key in (("sigmoid", SIGMOID), ("tanh", TANH), ("relu", RELU)):
        with ctx.case(name):
            zs = moderate(ctx, (3, 4), scale=4.0, gap=1e-2)
            upstream = ctx.rng.standard_normal(zs.shape)
            fn = getattr(ctx.student.activations, name)
            compare.close(fn(zs), key(zs), f"{name}(z)", hidden=ctx.hidden, **STRICT)
            slope = compare.array(getattr(ctx.student.activations, f"{name}_derivative")(zs),
                                  f"{name}_derivative(z)", zs.shape)
            gradients.directional(gradients.batched(fn, ["z"], zs.shape, f"{name}(z)"), {"z": zs},
                                  {"z": slope * upstream}, upstream, rng=ctx.rng, name=f"{name}_derivative")


@suite.check("activations.sigmoid", points=2, name="sigmoid_tanh_symmetries")
def sigmoid_tanh_symmetries(ctx):
    """Properties on hypothesis-drawn inputs: sigmoid(-z) = 1 - sigmoid(z), tanh is odd, both
    increase strictly, sigmoid stays in [0, 1]."""
    act = ctx.student.activations

    def prop(zs):
        s_pos, s_neg = (compare.array(v, "sigmoid(z)", zs.shape) for v in act.sigmoid.map([(zs,), (-zs,)]))
        if np.any(s_pos < 0) or np.any(s_pos > 1):
            ctx.fail("sigmoid(z) left the interval [0, 1]")
        t_pos, t_neg = (compare.array(v, "tanh(z)", zs.shape) for v in act.tanh.map([(zs,), (-zs,)]))
        compare.close(t_neg, -t_pos, "tanh(-z) compared with -tanh(z)", atol=1e-12)
        order = np.argsort(zs, axis=None)
        apart = np.diff(zs.flat[order]) > 1e-6
        for name, values in (("sigmoid", s_pos), ("tanh", t_pos)):
            if np.any(np.diff(values.flat[order])[apart] <= 0):
                ctx.fail(f"{name}(z) must increase strictly with z (inputs here are between -5 and 5)")
        compare.close(s_neg, 1 - s_pos, "sigmoid(-z) compared with 1 - sigmoid(z)", atol=1e-12)

    properties.run(ctx, prop, zs=properties.arrays(properties.shapes(), -5, 5, gap=1e-3, distinct=True))


# ---------------------------------------------------------------- tensors
@suite.check("tensors.matmul", points=3)
def transpose_dot_matmul(ctx):
    t = ctx.student.tensors
    A, B = ctx.rng.standard_normal((3, 4)), ctx.rng.standard_normal((4, 2))
    u, v = ctx.rng.standard_normal(5), ctx.rng.standard_normal(5)
    with ctx.case("transpose"):
        compare.close(t.transpose(A), A.T, "transpose(A)", rtol=0, atol=0)
    with ctx.case("dot"):
        compare.close_scalar(t.dot(u, v), float(u @ v), "dot(u, v)", hidden=ctx.hidden)
    with ctx.case("matmul"):
        compare.close(t.matmul(A, B), A @ B, "matmul(A, B)", hidden=ctx.hidden)
    with ctx.case("matmul of (3, 4) and (3, 4) raises ValueError"):
        compare.raises(lambda: t.matmul(A, A), ("ValueError",), "matmul", "when the inner dimensions differ")


@suite.check("tensors.inverse", points=3)
def inverse_properties(ctx):
    inv = ctx.student.tensors.inverse

    def prop(A):
        compare.close(A @ compare.array(inv(A), "inverse(A)", A.shape), np.eye(len(A)),
                      "A @ inverse(A) compared with the identity", atol=1e-9)

    with ctx.case("A @ inverse(A) == I on well-conditioned matrices"):
        properties.run(ctx, prop, max_examples=25, A=properties.well_conditioned())
    with ctx.case("singular matrix raises ValueError"):
        u = ctx.rng.standard_normal((4, 1))
        compare.raises(lambda: inv(u @ u.T), ("ValueError",), "inverse", "for a singular (rank-1) matrix")


def _low_rank(ctx, m, n, r):
    return ctx.rng.standard_normal((m, r)) @ ctx.rng.standard_normal((r, n))


@suite.check("tensors.rank", points=3)
def rank_and_independence(ctx):
    t = ctx.student.tensors
    for m, n, r in ((5, 4, 2), (3, 6, 3), (4, 4, 1), (6, 3, 0)):
        with ctx.case(f"rank of a {m}x{n} matrix of rank {r}"):
            compare.equal(t.rank(_low_rank(ctx, m, n, r)), r, f"rank of a {m}x{n} matrix built with rank {r}")
    for k, n, r in ((3, 5, 3), (3, 5, 2), (4, 3, 3)):
        with ctx.case(f"{k} vectors in R^{n} spanning {r} dimensions"):
            compare.equal(t.is_linearly_independent(_low_rank(ctx, k, n, r)), k == r,
                          f"is_linearly_independent of {k} vectors spanning {r} dimensions")


@suite.check("tensors.project_onto_span", points=3)
def projection_properties(ctx):
    """P x lies in the span, x - P x is orthogonal to it, and projecting twice changes nothing."""
    proj = ctx.student.tensors.project_onto_span
    for k, n, r in ((2, 5, 2), (3, 4, 2), (1, 3, 1)):
        with ctx.case(f"{k} vectors in R^{n} spanning {r} dimensions"):
            V, x = _low_rank(ctx, k, n, r), ctx.rng.standard_normal(n)
            p = compare.array(proj(x, V), "project_onto_span(x, V)", (n,))
            coef = np.linalg.lstsq(V.T, p, rcond=None)[0]
            name = "p = project_onto_span(x, V)"
            compare.close(V.T @ coef, p, f"{name}: p must lie in the span of V's rows", atol=1e-9)
            compare.close(V @ (x - p), np.zeros(k), f"{name}: V @ (x - p) must be 0 (orthogonal residual)", atol=1e-9)
            compare.close(proj(p, V), p, f"{name}: projecting p again must give p", atol=1e-9)


# ---------------------------------------------------------------- perceptron
def separable(ctx, n=40, d=3, margin=0.1):
    """Labelled points separable by a random hyperplane with at least ``margin`` (augmented)."""
    w_star = ctx.rng.standard_normal(d + 1)
    w_star /= np.linalg.norm(w_star)
    X = ctx.rng.uniform(-1, 1, (8 * n, d))
    s = X @ w_star[:d] + w_star[d]
    keep = np.abs(s) > margin
    X, s = X[keep][:n], s[keep][:n]
    return X, np.where(s > 0, 1.0, -1.0)


@suite.check("perceptron.predict", points=2)
def predict_labels(ctx):
    w, b = ctx.rng.standard_normal(3), float(ctx.rng.standard_normal())
    X = ctx.rng.standard_normal((10, 3))
    X[0] = 0.0
    w_edge = np.array([1.0, 0.0, 0.0])
    with ctx.case("random points"):
        compare.equal(ctx.student.perceptron.predict(w, b, X), np.where(X @ w + b >= 0, 1.0, -1.0),
                      "predict(w, b, X)", hidden=ctx.hidden)
    with ctx.case("a point on the boundary is +1"):
        compare.equal(ctx.student.perceptron.predict(w_edge, 0.0, np.zeros((1, 3))), np.ones(1),
                      "predict for a point with w @ x + b == 0")


@suite.check("perceptron.perceptron_update", points=3)
def update_rule(ctx):
    """The learning rule keyed exactly: mistakes (including the boundary) move w and b, others do not."""
    update = ctx.student.perceptron.perceptron_update
    w, x = ctx.rng.standard_normal(4), ctx.rng.standard_normal(4)
    lr = float(ctx.rng.uniform(0.1, 2.0))
    score = float(w @ x)
    cases = {"misclassified example": (-np.sign(score), score),
             "correctly classified example": (np.sign(score), score),
             "example exactly on the boundary": (1.0, None)}
    for label, (y, _) in cases.items():
        with ctx.case(label):
            b = -score if label.startswith("example exactly") else 0.0
            mistake = y * (w @ x + b) <= 0
            new = compare.sequence(update(w, b, x, y, lr), "perceptron_update(...)", 2)
            compare.close(new[0], w + lr * y * x if mistake else w, f"w from perceptron_update ({label})", atol=1e-12)
            compare.close_scalar(new[1], b + lr * y if mistake else b, f"b from perceptron_update ({label})", atol=1e-12)


@suite.check("perceptron.train_perceptron", points=3, timeout=30)
def training_converges(ctx):
    """On separable data: the result separates the data within Novikoff's mistake bound."""
    X, y = separable(ctx)
    w, b, mistakes = compare.sequence(ctx.student.perceptron.train_perceptron(X, y), "train_perceptron(X, y)", 3)
    w, b, mistakes = compare.array(w, "w", (X.shape[1],)), compare.scalar(b, "b"), compare.integer(mistakes, "mistakes")
    wrong = int(np.sum(y * (X @ w + b) <= 0))
    if wrong:
        ctx.fail(f"train_perceptron returned weights that misclassify {wrong} of {len(y)} separable training points")
    R2 = np.max(np.sum(X**2, axis=1) + 1)
    bound = R2 / 0.1**2
    if not 1 <= mistakes <= bound:
        ctx.fail(f"train_perceptron counted {mistakes} mistakes; on this data it must make between 1 and {bound:.0f}")


@suite.check("perceptron.train_perceptron", points=3, needs_reference=True, name="training_matches_reference")
def training_matches_reference(ctx):
    """Exact run against the reference, on separable data and on XOR (which never converges)."""
    xor_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    xor_y = np.array([-1.0, 1.0, 1.0, -1.0])
    for label, (X, y), kwargs in (("separable data", separable(ctx), {"lr": 0.5}),
                                  ("XOR, stopped by max_epochs", (xor_X, xor_y), {"max_epochs": 7})):
        with ctx.case(label):
            w, b, mistakes = ctx.ref.perceptron.train_perceptron(X, y, **kwargs)
            got = compare.sequence(ctx.student.perceptron.train_perceptron(X, y, **kwargs), "train_perceptron", 3)
            compare.close(got[0], w, "w from train_perceptron", atol=1e-12, hidden=ctx.hidden)
            compare.close_scalar(got[1], b, "b from train_perceptron", atol=1e-12, hidden=ctx.hidden)
            compare.equal(got[2], mistakes, "the number of mistakes from train_perceptron", hidden=ctx.hidden)


# ---------------------------------------------------------------- network
def layer(ctx, d, m):
    return ctx.rng.standard_normal((d, m)) / np.sqrt(d), 0.1 * ctx.rng.standard_normal(m)


@suite.check("network.dense_forward", points=2)
def dense_forward_values(ctx):
    X, (W, b) = ctx.rng.standard_normal((6, 4)), layer(ctx, 4, 3)
    compare.close(ctx.student.network.dense_forward(X, W, b), X @ W + b, "dense_forward(X, W, b)", hidden=ctx.hidden)


@suite.check("network.feedforward", points=3)
def feedforward_values(ctx):
    acts = {"sigmoid": SIGMOID, "relu": RELU, "tanh": TANH, "identity": Key(z, [z])}
    params = [layer(ctx, d, m) for d, m in ((4, 6), (6, 5), (5, 3), (3, 2))]
    X = ctx.rng.standard_normal((7, 4))
    for names in (["tanh", "relu", "sigmoid", "identity"], ["relu", "identity", "tanh", "sigmoid"]):
        with ctx.case(", ".join(names)):
            expected = X
            for (W, b), name in zip(params, names):
                expected = acts[name](expected @ W + b)
            compare.close(ctx.student.network.feedforward(X, params, names), expected,
                          f"feedforward(X, params, {names})", hidden=ctx.hidden)


def two_layer_inputs(ctx, n=4, d=3, h=5, c=2):
    """Inputs whose hidden pre-activations stay away from ReLU's kink."""
    for _ in range(100):
        X = ctx.rng.standard_normal((n, d))
        (W1, b1), (W2, b2) = layer(ctx, d, h), layer(ctx, h, c)
        if np.min(np.abs(X @ W1 + b1)) > 1e-2:
            return {"X": X, "W1": W1, "b1": b1, "W2": W2, "b2": b2}
    raise RuntimeError("could not draw inputs away from the kink")


ORDER = ["X", "W1", "b1", "W2", "b2"]


@suite.check("network.two_layer_forward", points=2)
def two_layer_forward_values(ctx):
    p = two_layer_inputs(ctx)
    expected = np.maximum(p["X"] @ p["W1"] + p["b1"], 0) @ p["W2"] + p["b2"]
    out = compare.sequence(ctx.student.network.two_layer_forward(*(p[k] for k in ORDER)), "two_layer_forward(...)", 2)
    compare.close(out[0], expected, "scores from two_layer_forward", hidden=ctx.hidden)


def _student_grads(ctx, p, upstreams):
    """The student's backward for each upstream gradient, one forward call for the cache."""
    net = ctx.student.network
    _, cache = compare.sequence(net.two_layer_forward(*(p[k] for k in ORDER)), "two_layer_forward(...)", 2)
    outs = net.two_layer_backward.map([(g, cache) for g in upstreams])
    return [tuple(compare.array(g, f"d{k} from two_layer_backward", p[k].shape)
                  for g, k in zip(compare.sequence(o, "two_layer_backward(...)", 5), ORDER)) for o in outs]


@suite.check("network.two_layer_backward", points=4)
def two_layer_gradient_check(ctx):
    """Finite differences of the student's own forward pass along random directions."""
    p = two_layer_inputs(ctx)
    upstream = ctx.rng.standard_normal((4, 2))
    (grads,) = _student_grads(ctx, p, [upstream])
    forward = gradients.batched(ctx.student.network.two_layer_forward, ORDER, (4, 2), "scores",
                                select=lambda r: compare.sequence(r, "two_layer_forward(...)", 2)[0])
    gradients.directional(forward, p, dict(zip(ORDER, grads)), upstream, rng=ctx.rng, name="two_layer_backward")


@suite.check("network.two_layer_backward", points=2)
def two_layer_backward_contract(ctx):
    p = two_layer_inputs(ctx)
    gradients.backward_contract(lambda gs: _student_grads(ctx, p, gs), (4, 2), rng=ctx.rng,
                                name="two_layer_backward")


@suite.check("network.two_layer_backward", points=2, needs_reference=True, name="two_layer_backward_matches_reference")
def two_layer_backward_reference(ctx):
    """A forward and backward that are wrong in the same way pass the finite-difference check, not this."""
    p = two_layer_inputs(ctx)
    upstream = ctx.rng.standard_normal((4, 2))
    _, cache = ctx.ref.network.two_layer_forward(*(p[k] for k in ORDER))
    expected = ctx.ref.network.two_layer_backward(upstream, cache)
    (grads,) = _student_grads(ctx, p, [upstream])
    for key, got, want in zip(ORDER, grads, expected):
        with ctx.case(f"d{key}"):
            compare.close(got, want, f"d{key} from two_layer_backward", hidden=ctx.hidden)
