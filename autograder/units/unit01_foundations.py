"""Unit 1 checks: tensor operations, the perceptron, activations, a feed-forward network.

What ships here: sympy keys of the activation formulas the docstrings state, properties (a
projection, an inverse, symmetries), ranks known by construction, gradient checks against the
student's own forward, contracts and errors. Checks whose code computes an exercise's answer
(transpose, dot and matrix products, perceptron predictions and updates, the network forward
passes) are registered from ``autograder/keys/unit01_foundations.py``.

Every case a docstring names is a fixed case of every grading: random draws only vary the inputs.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from ..checks import compare, datasets, gradients, properties
from ..checks import upstream as upstream_of
from ..checks.symbolic import Key, symbols
from ..suite import Suite

suite = Suite("unit01_foundations", modules=["tensors", "perceptron", "activations", "network"],
              title="Foundations: tensors, perceptron, activations, feed-forward networks")
suite.builds_on = {
    # the self-check differentiates the student's own forward (official grading: the reference's, see
    # checks/upstream.py, so a forward's bug costs points only in the forward's checks)
    "activations.sigmoid_derivative": ("activations.sigmoid",),
    "activations.tanh_derivative": ("activations.tanh",),
    "activations.relu_derivative": ("activations.relu",),
    # two_layer_forward's cache is two_layer_backward's input (official grading: the student's own, then the
    # reference forward's where that fails; see checks/upstream.py)
    "network.two_layer_backward": ("network.two_layer_forward",),
}
suite.forbid("torch", "jax", "tensorflow", "sympy", "scipy", "sklearn", exercises=("*",),
             why="unit 1 is written by hand in numpy: a library that differentiates, projects, inverts or "
                 "trains for you would do the exercise")

z = symbols("z")
SIGMOID = Key(1 / (1 + sp.exp(-z)), [z])
TANH = Key(sp.tanh(z), [z])
RELU = Key(sp.Piecewise((z, z > 0), (0, True)), [z])
STEP = Key(sp.Piecewise((1, z >= 0), (0, True)), [z])
STRICT = {"rtol": 1e-9, "atol": 1e-12}
RELATIVE = {"rtol": 1e-9, "atol": 0.0}  # the tails: a derivative of 1e-300 is not "about 0"
EXTREMES = np.array([-1000.0, -745.0, -40.0, 40.0, 745.0, 1000.0])
# inputs whose derivative is tiny but a normal float64: "accurate in the tails" means relatively accurate
TAILS = {"sigmoid_derivative": np.array([-700.0, -300.0, -40.0, 40.0, 300.0, 700.0]),
         "tanh_derivative": np.array([-300.0, -100.0, -20.0, 20.0, 100.0, 300.0])}


def moderate(ctx, shape=(4, 5), scale=6.0, gap=1e-3):
    """Random inputs kept at least ``gap`` away from the kink at 0."""
    x = ctx.rng.uniform(-scale, scale, shape)
    return np.where(np.abs(x) < gap, gap * 2, x)


# ---------------------------------------------------------------- activations
def activation_cases(ctx, name, key, derivative=False):
    """Moderate inputs, |z| up to 1000 (finite, no overflow, no warning) and, for a derivative whose
    docstring promises accuracy in the tails, tiny derivatives compared with relative tolerance."""
    fn = getattr(ctx.student.activations, name)
    with ctx.case("moderate inputs"):
        zs = moderate(ctx)
        mistake = {"z": zs, "activation": name.split("_")[0]} if derivative and name != "relu_derivative" else {}
        compare.close(fn(zs), key(zs), f"{name}(z)", inputs={"z": zs}, hidden=ctx.hidden, **STRICT, **mistake)
    # a derivative is about 0 at |z| >= 40: zeros pass there, so that case counts only with the others
    with ctx.case("|z| up to 1000 (finite, no overflow, no warning)", trivial=derivative and name != "relu_derivative"):
        compare.close(fn(EXTREMES), key(EXTREMES), f"{name}(z)", inputs={"z": EXTREMES}, hidden=ctx.hidden, **STRICT)
    if name in TAILS:
        with ctx.case("the tails, relative accuracy"):
            compare.close(fn(TAILS[name]), key(TAILS[name]), f"{name}(z) in the tails (relative tolerance)",
                          inputs={"z": TAILS[name]}, hidden=ctx.hidden, **RELATIVE)


@suite.check("activations.sigmoid", points=2)
def sigmoid_values(ctx):
    activation_cases(ctx, "sigmoid", SIGMOID)


@suite.check("activations.sigmoid_derivative", points=2)
def sigmoid_derivative_key(ctx):
    """Against the sympy derivative of 1 / (1 + exp(-z))."""
    activation_cases(ctx, "sigmoid_derivative", SIGMOID.diff(z), derivative=True)


@suite.check("activations.tanh", points=2)
def tanh_values(ctx):
    activation_cases(ctx, "tanh", TANH)


@suite.check("activations.tanh_derivative", points=2)
def tanh_derivative_key(ctx):
    activation_cases(ctx, "tanh_derivative", TANH.diff(z), derivative=True)


@suite.check("activations.relu", points=1)
def relu_values(ctx):
    activation_cases(ctx, "relu", RELU)


@suite.check("activations.relu_derivative", points=1)
def relu_derivative_key(ctx):
    activation_cases(ctx, "relu_derivative", RELU.diff(z), derivative=True)
    with ctx.case("relu_derivative(0) is 0 by convention", trivial=True):
        compare.close(ctx.student.activations.relu_derivative(np.zeros(3)), np.zeros(3), "relu_derivative(0)")


@suite.check("activations.step", points=1)
def step_values(ctx):
    with ctx.case("moderate inputs"):
        zs = moderate(ctx, (16,))
        compare.close(ctx.student.activations.step(zs), STEP(zs), "step(z)", inputs={"z": zs}, rtol=0, atol=0)
    with ctx.case("step(0) = step(-0.0) = 1 by convention; tiny inputs either side"):
        zs = np.array([0.0, -0.0, 1e-300, -1e-300])
        compare.close(ctx.student.activations.step(zs), STEP(zs), "step(z)", inputs={"z": zs}, rtol=0, atol=0)


def derivative_matches_forward(ctx, name):
    """``name``_derivative is the derivative of the student's own ``name`` (finite differences)."""
    act = ctx.student.activations
    zs = moderate(ctx, (3, 4), scale=4.0, gap=1e-2)
    upstream = ctx.rng.standard_normal(zs.shape)
    slope = compare.array(getattr(act, f"{name}_derivative")(zs), f"{name}_derivative(z)", zs.shape)
    forward = upstream_of.forward(ctx, getattr(act, name))
    with ctx.case(f"finite differences of {name}", trivial=gradients.all_zero([slope])), upstream_of.blame(forward):
        gradients.directional(gradients.batched(forward, ["z"], zs.shape, f"{name}(z)"), {"z": zs},
                              {"z": slope * upstream}, upstream, rng=ctx.rng, name=f"{name}_derivative")


@suite.check("activations.sigmoid_derivative", points=1, name="sigmoid_derivative_finite_differences")
def sigmoid_derivative_finite_differences(ctx):
    derivative_matches_forward(ctx, "sigmoid")


@suite.check("activations.tanh_derivative", points=1, name="tanh_derivative_finite_differences")
def tanh_derivative_finite_differences(ctx):
    derivative_matches_forward(ctx, "tanh")


@suite.check("activations.relu_derivative", points=1, name="relu_derivative_finite_differences")
def relu_derivative_finite_differences(ctx):
    derivative_matches_forward(ctx, "relu")


# Each example is an array of up to 36 distinct entries, and a wrong activation breaks a symmetry or the
# order at almost every input (the values themselves are checked against sympy above): 20 arrays, about
# 100 inputs, miss none of the unit's mutants; 40 cost twice the drawing time for nothing.
SYMMETRY_EXAMPLES = 20


def strictly_increasing(ctx, name, zs, values):
    order = np.argsort(zs, axis=None)
    apart = np.diff(zs.flat[order]) > 1e-6
    if np.any(np.diff(values.flat[order])[apart] <= 0):
        ctx.fail(f"{name}(z) must increase strictly with z (inputs here are between -5 and 5)")


@suite.check("activations.sigmoid", points=1, name="sigmoid_symmetry")
def sigmoid_symmetry(ctx):
    """Properties on hypothesis-drawn inputs: sigmoid(-z) = 1 - sigmoid(z), it increases strictly
    and stays in [0, 1]."""
    sigmoid = ctx.student.activations.sigmoid

    def prop(zs):
        s_pos, s_neg = (compare.array(v, "sigmoid(z)", zs.shape) for v in sigmoid.map([(zs,), (-zs,)]))
        if np.any(s_pos < 0) or np.any(s_pos > 1):
            ctx.fail("sigmoid(z) left the interval [0, 1]")
        strictly_increasing(ctx, "sigmoid", zs, s_pos)
        compare.close(s_neg, 1 - s_pos, "sigmoid(-z) compared with 1 - sigmoid(z)", atol=1e-12)

    properties.run(ctx, prop, max_examples=SYMMETRY_EXAMPLES,
                   zs=properties.arrays(properties.shapes(), -5, 5, gap=1e-3, distinct=True))


@suite.check("activations.tanh", points=1, name="tanh_symmetry")
def tanh_symmetry(ctx):
    """Properties on hypothesis-drawn inputs: tanh is odd and increases strictly."""
    tanh = ctx.student.activations.tanh

    def prop(zs):
        t_pos, t_neg = (compare.array(v, "tanh(z)", zs.shape) for v in tanh.map([(zs,), (-zs,)]))
        if np.any(np.abs(t_pos) > 1):
            ctx.fail("tanh(z) left the interval [-1, 1]")
        compare.close(t_neg, -t_pos, "tanh(-z) compared with -tanh(z)", atol=1e-12)
        strictly_increasing(ctx, "tanh", zs, t_pos)

    properties.run(ctx, prop, max_examples=SYMMETRY_EXAMPLES,
                   zs=properties.arrays(properties.shapes(), -5, 5, gap=1e-3, distinct=True))


# ---------------------------------------------------------------- tensors
def raises_value_error(ctx, fn, name, cases: dict):
    """Each case ``label: args`` must make ``fn(*args)`` raise ValueError. A function that raises
    for everything passes these, so they count only with a value case of the same check."""
    for label, args in cases.items():
        with ctx.case(f"{label} raises ValueError", trivial=True):
            compare.raises(lambda: fn(*args), ("ValueError",), name, f"for {label}")


def with_singular_values(ctx, m, n, s):
    """An m x n matrix with the given singular values (random orthogonal factors)."""
    u, _ = np.linalg.qr(ctx.rng.standard_normal((m, m)))
    v, _ = np.linalg.qr(ctx.rng.standard_normal((n, n)))
    S = np.zeros((m, n))
    S[np.arange(len(s)), np.arange(len(s))] = s
    return u @ S @ v.T


@suite.check("tensors.inverse", points=3)
def inverse_properties(ctx):
    inv = ctx.student.tensors.inverse

    def prop(A):
        compare.close(A @ compare.array(inv(A), "inverse(A)", A.shape), np.eye(len(A)),
                      "A @ inverse(A) compared with the identity", atol=1e-9)

    with ctx.case("A @ inverse(A) == I on well-conditioned matrices"):
        properties.run(ctx, prop, max_examples=25, A=properties.well_conditioned())
    for n in (1, 4):
        with ctx.case(f"A @ inverse(A) == I for a {n}x{n} matrix"):
            prop(with_singular_values(ctx, n, n, np.linspace(2.0, 0.5, n)))
    # fixed matrices: whether a determinant or an LU pivot rounds to exactly 0 must not depend on the draw
    rotation = np.array([[0.6, -0.8, 0.0], [0.8, 0.6, 0.0], [0.0, 0.0, 1.0]])
    raises_value_error(ctx, inv, "inverse", {
        "a singular (rank-2) matrix": (np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]),),
        "a numerically singular matrix (condition number 1e17)": (rotation @ np.diag([1.0, 0.5, 1e-17]) @ rotation.T,),
        "a non-square (2, 3) matrix": (np.ones((2, 3)),),
        "an empty (0, 0) matrix": (np.zeros((0, 0)),)})


def _low_rank(ctx, m, n, r):
    return ctx.rng.standard_normal((m, r)) @ ctx.rng.standard_normal((r, n))


@suite.check("tensors.rank", points=3)
def rank_values(ctx):
    """Ranks known by construction, with the default tolerance and with an explicit ``tol``."""
    rank = ctx.student.tensors.rank
    for m, n, r in ((5, 4, 2), (3, 6, 3), (4, 4, 1), (6, 3, 0)):
        with ctx.case(f"rank of a {m}x{n} matrix of rank {r}", trivial=r == 0):
            compare.equal(rank(_low_rank(ctx, m, n, r)), r, f"rank of a {m}x{n} matrix built with rank {r}")
    A = with_singular_values(ctx, 4, 3, [2.0, 1e-3, 1e-9])
    for tol, r in ((None, 3), (1e-6, 2), (1e-2, 1)):
        with ctx.case(f"singular values 2, 1e-3, 1e-9 with tol={tol}"):
            got = rank(A) if tol is None else rank(A, tol=tol)
            compare.equal(got, r, f"rank(A{'' if tol is None else f', tol={tol}'}) of a 4x3 matrix with singular "
                          "values 2, 1e-3, 1e-9")
    with ctx.case("an empty (0, 3) matrix has rank 0", trivial=True):
        compare.equal(rank(np.zeros((0, 3))), 0, "rank of an empty (0, 3) matrix")
    raises_value_error(ctx, rank, "rank", {"a 1-D array": (np.ones(3),)})


@suite.check("tensors.is_linearly_independent", points=2)
def independence_values(ctx):
    independent = ctx.student.tensors.is_linearly_independent
    for k, n, r in ((3, 5, 3), (3, 5, 2), (4, 3, 3), (1, 4, 1)):
        with ctx.case(f"{k} vectors in R^{n} spanning {r} dimensions", trivial=k != r):
            compare.equal(independent(_low_rank(ctx, k, n, r)), k == r,
                          f"is_linearly_independent of {k} vectors spanning {r} dimensions")
    with ctx.case("the empty set (k = 0) is independent"):
        compare.equal(independent(np.zeros((0, 4))), True, "is_linearly_independent of a (0, 4) array")
    raises_value_error(ctx, independent, "is_linearly_independent", {"a 1-D array": (np.ones(3),)})


@suite.check("tensors.project_onto_span", points=3)
def projection_properties(ctx):
    """P x lies in the span, x - P x is orthogonal to it, and projecting twice changes nothing."""
    proj = ctx.student.tensors.project_onto_span
    for k, n, r, label in ((2, 5, 2, "2 independent vectors in R^5"), (3, 4, 2, "3 vectors spanning a plane in R^4"),
                           (1, 3, 1, "a single spanning vector in R^3"), (4, 3, 3, "4 vectors spanning all of R^3")):
        with ctx.case(label, trivial=r == n):  # spanning everything, the projection is x itself
            V, x = _low_rank(ctx, k, n, r), ctx.rng.standard_normal(n)
            p = compare.array(proj(x, V), "project_onto_span(x, V)", (n,))
            coef = np.linalg.lstsq(V.T, p, rcond=None)[0]
            name = f"p = project_onto_span(x, V) with {label}"
            compare.close(V.T @ coef, p, f"{name}: p must lie in the span of V's rows", atol=1e-9)
            compare.close(V @ (x - p), np.zeros(k), f"{name}: V @ (x - p) must be 0 (orthogonal residual)", atol=1e-9)
            compare.close(proj(p, V), p, f"{name}: projecting p again must give p", atol=1e-9)
    x = ctx.rng.standard_normal(4)
    for label, V in (("V all zeros (spans nothing)", np.zeros((2, 4))), ("k = 0 (no vectors)", np.zeros((0, 4)))):
        with ctx.case(f"{label}: the zero vector", trivial=True):
            compare.close(proj(x, V), np.zeros(4), f"project_onto_span(x, V) with {label}", rtol=0, atol=1e-12)
    raises_value_error(ctx, proj, "project_onto_span", {"V of 3 columns and x of 4 entries": (x, np.ones((2, 3))),
                                                        "a 2-D x": (x[None, :], np.ones((2, 4)))})


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


# Fixed separable data sets on which one pass does not separate, so that a training loop stopping too
# early fails in every grading (on random separable data one pass separates often: a one-epoch
# perceptron kept or lost these points by the draw). Labels are the side of the separator (w, b) =
# SEPARATOR[:-1], SEPARATOR[-1]. Measured on the reference (lr = 1, 0.01, 0.5 and 3 alike: from w = 0
# the learning rate only scales w and b): the 2-D set needs 6 epochs (13 mistakes), one pass in the
# given order leaves 3 of 12 points misclassified (2 or more in each of 22 orders tried); the 3-D
# set needs 5 epochs (19 mistakes), one pass leaves 4 of 16 (2 or more in each of 22 orders).
SLOW_SEPARABLE = {
    "2-D, 12 points": (np.array([
        [-0.05, -0.01], [-0.48, 0.39], [0.08, 0.05], [-0.02, -0.28], [0.02, -0.97], [0.12, 0.53],
        [-0.02, 0.4], [-0.03, -0.34], [-0.05, -0.35], [0.5, -0.6], [0.8, 0.0], [-0.69, -0.39]]),
        np.array([0.34, -0.92, 0.2])),
    "3-D, 16 points": (np.array([
        [0.06, 0.35, -0.42], [0.2, -0.03, 0.3], [0.61, 0.35, -0.83], [-0.97, -0.81, 0.79], [-0.18, 0.36, -0.19],
        [-0.34, -0.23, -0.22], [0.33, -0.59, -0.4], [-0.77, -0.94, 0.53], [0.62, -0.57, -0.79],
        [-0.53, 0.47, -0.41], [-0.04, 0.94, -0.15], [0.55, -0.58, 0.04], [0.98, -0.62, -0.22],
        [0.1, 0.05, -0.12], [0.07, -0.5, 0.3], [-0.48, -0.79, 0.5]]),
        np.array([0.44, 0.63, 0.56, 0.32])),
}


def labelled(X, separator):
    """Labels +1 / -1 by the side of ``separator`` (w..., b), and Novikoff's mistake bound (R / gamma)^2
    for the unit separator: gamma its smallest margin, R the largest norm of an augmented input."""
    augmented = np.column_stack([X, np.ones(len(X))])
    unit = separator / np.linalg.norm(separator)
    y = np.where(augmented @ unit > 0, 1.0, -1.0)
    return y, np.max(np.sum(augmented**2, axis=1)) / np.min(y * (augmented @ unit)) ** 2


@suite.check("perceptron.train_perceptron", points=3, timeout=30)
def training_converges(ctx):
    """On fixed separable data that one pass does not separate (``SLOW_SEPARABLE``): the result
    separates the data within Novikoff's mistake bound, for the default and a small learning rate (the
    bound holds for any lr > 0, any visiting order). Fixed, so the score is the same in every grading."""
    for (label, kwargs), (data, (X, separator)) in zip((("the default lr", {}), ("lr = 0.01", {"lr": 0.01})),
                                                       SLOW_SEPARABLE.items()):
        label = f"{label}, {data}"
        with ctx.case(label):
            y, bound = labelled(X, separator)
            out = compare.sequence(ctx.student.perceptron.train_perceptron(X, y, **kwargs), "train_perceptron(X, y)", 3)
            w, b = compare.array(out[0], "w", (X.shape[1],)), compare.scalar(out[1], "b")
            mistakes = compare.integer(out[2], "mistakes")
            wrong = int(np.sum(y * (X @ w + b) <= 0))
            if wrong:
                ctx.fail(f"train_perceptron ({label}) returned weights that misclassify {wrong} of {len(y)} "
                         "separable training points (one pass over these points does not separate them)")
            if not 1 <= mistakes <= bound:
                ctx.fail(f"train_perceptron ({label}) counted {mistakes} mistakes; on this data it must make "
                         f"between 1 and {bound:.0f}")
    raises_value_error(ctx, ctx.student.perceptron.train_perceptron, "train_perceptron",
                       {"y of shape (N, 1)": (np.ones((4, 2)), np.ones((4, 1))), "a 1-D X": (np.ones(4), np.ones(4))})


def slow_separable(ctx, epochs=2):
    """``separable(ctx)`` redrawn until the reference's training does not separate it within ``epochs``
    epochs, so that a loop stopping that early fails on every draw (from w = 0 the learning rate only
    scales w and b; measured over 2,000 draws: one epoch separated 41 %, two 64 %; a draw is kept with probability 0.36, and 100 draws
    all rejected have probability below 1e-19)."""
    def unseparated(data):
        X, y = data
        w, b, _ = ctx.ref.perceptron.train_perceptron(X, y, max_epochs=epochs)
        return np.any(y * (X @ w + b) <= 0)

    return datasets.redrawn(lambda: separable(ctx), unseparated, f"separable data needing more than {epochs} epochs")


@suite.check("perceptron.train_perceptron", points=3, needs_reference=True, name="training_matches_reference")
def training_matches_reference(ctx):
    """Exact run against the reference, on separable data that two epochs do not separate (see
    :func:`slow_separable`) and on XOR (which never converges)."""
    xor_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    xor_y = np.array([-1.0, 1.0, 1.0, -1.0])
    for label, (X, y), kwargs in (("separable data, lr = 0.5", slow_separable(ctx), {"lr": 0.5}),
                                  ("XOR, stopped by max_epochs = 7", (xor_X, xor_y), {"max_epochs": 7}),
                                  ("XOR, the default max_epochs", (xor_X, xor_y), {})):
        with ctx.case(label):
            w, b, mistakes = ctx.ref.perceptron.train_perceptron(X, y, **kwargs)
            got = compare.sequence(ctx.student.perceptron.train_perceptron(X, y, **kwargs), "train_perceptron", 3)
            compare.close(got[0], w, f"w from train_perceptron ({label})", atol=1e-12, hidden=ctx.hidden)
            compare.close_scalar(got[1], b, f"b from train_perceptron ({label})", atol=1e-12, hidden=ctx.hidden)
            compare.equal(got[2], mistakes, f"the number of mistakes from train_perceptron ({label})", hidden=ctx.hidden)


# ---------------------------------------------------------------- network
def layer(ctx, d, m):
    return ctx.rng.standard_normal((d, m)) / np.sqrt(d), 0.1 * ctx.rng.standard_normal(m)


# the first example's hidden pre-activations, in every grading: both signs, near the kink and far from
# it, so that a mask or threshold slip in the ReLU shows whatever the draw (not in 4 ids of 20)
FIRST_ROW_Z1 = np.array([0.03, -0.03, 0.5, -0.5, 2.0])


def two_layer_inputs(ctx, n=4, d=3, h=5, c=2):
    """Inputs whose hidden pre-activations stay away from ReLU's kink (at least 1e-2), the first
    example's being ``FIRST_ROW_Z1`` (b1 is chosen so)."""
    def draw():
        X = ctx.rng.standard_normal((n, d))
        (W1, _), (W2, b2) = layer(ctx, d, h), layer(ctx, h, c)
        return {"X": X, "W1": W1, "b1": np.resize(FIRST_ROW_Z1, h) - X[0] @ W1, "W2": W2, "b2": b2}

    return datasets.redrawn(draw, lambda p: np.min(np.abs(p["X"] @ p["W1"] + p["b1"])) > 1e-2,
                            "two-layer inputs away from the kink")


ORDER = ["X", "W1", "b1", "W2", "b2"]


def _cache(ctx, p, net):
    """two_layer_forward's cache at ``p`` from ``net`` (the student's or the reference's module)."""
    return compare.sequence(net.two_layer_forward(*(p[k] for k in ORDER)), "two_layer_forward(...)", 2)[1]


def _student_grads(ctx, p, upstreams, cache=None):
    """The student's backward for each upstream gradient, given ``cache`` (default: one call of the
    student's forward, whose cache layout is the student's own choice)."""
    net = ctx.student.network
    cache = _cache(ctx, p, net) if cache is None else cache
    outs = net.two_layer_backward.map([(g, cache) for g in upstreams])
    return [tuple(compare.array(g, f"d{k} from two_layer_backward", p[k].shape)
                  for g, k in zip(compare.sequence(o, "two_layer_backward(...)", 5), ORDER)) for o in outs]


def _judged(ctx, p, judge, grads_with):
    """``judge`` of ``grads_with(cache)`` with the student's own forward's cache and, in official
    grading when that fails, with the reference forward's (checks/upstream.py: a forward bug is not
    charged to the backward, and a cache of the student's own layout is read by its own backward)."""
    upstream_of.judged(ctx, judge, grads_with, lambda: _cache(ctx, p, ctx.ref.network))


@suite.check("network.two_layer_backward", points=4)
def two_layer_gradient_check(ctx):
    """Finite differences of two_layer_forward along random directions (the reference's forward in
    official grading, the student's own in the self-check; see :func:`_judged` for the cache)."""
    p = two_layer_inputs(ctx)
    upstream = ctx.rng.standard_normal((4, 2))
    forward = upstream_of.forward(ctx, ctx.student.network.two_layer_forward)
    scores = gradients.batched(forward, ORDER, (4, 2), "scores",
                               select=lambda r: compare.sequence(r, "two_layer_forward(...)", 2)[0])
    seed = int(ctx.rng.integers(2**32))  # the directions, the same for either cache

    def judge(grads):
        # all-zero gradients agree with a constant forward (the self-check): they earn nothing
        if gradients.all_zero(grads[0]):
            ctx.fail("two_layer_backward returned all-zero gradients for a random upstream gradient")
        gradients.directional(scores, p, dict(zip(ORDER, grads[0])), upstream, rng=np.random.default_rng(seed),
                              name="two_layer_backward")

    with ctx.case("finite differences of two_layer_forward"), upstream_of.blame(forward):
        _judged(ctx, p, judge, lambda cache: _student_grads(ctx, p, [upstream], cache))


@suite.check("network.two_layer_backward", points=2)
def two_layer_backward_contract(ctx):
    """Zero upstream gives zeros, linear in the upstream gradient and not all zero, two calls agree
    (:func:`gradients.backward_contract_cases`: a backward that raises is reported as raising, once);
    and a wrong-shaped upstream gradient raises. With the student's own forward's cache, or the
    reference forward's where that call fails (:func:`upstream.readable`)."""
    p = two_layer_inputs(ctx)
    net = ctx.student.network

    def readable(call):  # call(cache) with the student's own forward's cache, or the reference's where that fails
        return upstream_of.readable(ctx, call, lambda: _cache(ctx, p, ctx.ref.network))

    gradients.backward_contract_cases(ctx, lambda gs: readable(lambda cache: _student_grads(ctx, p, gs, cache)),
                                      (4, 2), "two_layer_backward")

    def raises(cache):
        cache = _cache(ctx, p, net) if cache is None else cache
        compare.raises(lambda: net.two_layer_backward(np.ones((4, 3)), cache), ("ValueError",), "two_layer_backward",
                       "for dscores of shape (4, 3) when the scores have shape (4, 2)")

    with ctx.case("dscores of shape (4, 3) for scores of shape (4, 2) raises ValueError", trivial=True):
        readable(raises)


@suite.check("network.two_layer_backward", points=2, needs_reference=True, name="two_layer_backward_matches_reference")
def two_layer_backward_reference(ctx):
    """A forward and backward that are wrong in the same way pass the finite-difference check, not this."""
    p = two_layer_inputs(ctx)
    upstream = ctx.rng.standard_normal((4, 2))
    expected = ctx.ref.network.two_layer_backward(upstream, _cache(ctx, p, ctx.ref.network))
    grads_with = upstream_of.once_per_cache(lambda cache: _student_grads(ctx, p, [upstream], cache)[0])
    for i, (key, want) in enumerate(zip(ORDER, expected)):
        with ctx.case(f"d{key}"):
            _judged(ctx, p, lambda grads, i=i, key=key, want=want: compare.close(
                grads[i], want, f"d{key} from two_layer_backward", hidden=ctx.hidden), grads_with)
