"""Unit 2 checks: linear regression, logistic regression and odds, softmax regression on Iris.

What ships here: sympy keys of the elementwise formulas the docstrings state (MSE and its
derivative, sigmoid, binary cross-entropy with logits and its derivative, odds, log-odds),
properties (the normal equations' residual, softmax invariances, the odds ratio, sigmoid inverting
logit), gradient checks against the student's own losses, training outcomes known by
construction, contracts and errors. Checks whose code computes an exercise's answer (the ridge
solution and loss, predictions, the softmax and cross-entropy keys, the chain rule through a
model) are registered from ``autograder/keys/unit02_regression.py``.

Every case a docstring names (the default and a positive l2, dependent columns, num_steps = 0,
logits of size 1e4, ties for the largest score, every invalid input) is a fixed case of every
grading.
"""
from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from ..checks import compare, datasets, gradients, properties, training
from ..checks import upstream as upstream_of
from ..checks.symbolic import Key, symbols
from ..suite import Suite

UNIT = "unit02_regression"
suite = Suite(UNIT, modules=["linear", "logistic", "softmax", "multiclass"],
              title="Regression: linear, logistic and softmax regression, odds, Iris")
suite.builds_on = {  # what each docstring says the exercise builds on (the checks differentiate these)
    "linear.mse_gradient": ("linear.mse_loss",),
    "logistic.bce_with_logits_gradient": ("logistic.bce_with_logits",),
    "logistic.logit": ("logistic.sigmoid",),  # "the inverse of the sigmoid"
    "softmax.softmax_cross_entropy_gradient": ("softmax.softmax_cross_entropy",),
}
suite.forbid("torch", "jax", "tensorflow", "sympy", "scipy", "sklearn", "statsmodels", exercises=("*",),
             why="unit 2 is written by hand in numpy: a library that solves, differentiates, optimizes or fits "
                 "the model would do the exercise")


def derivative(key: Key, symbol) -> Key:
    """sympy's derivative of a key, unsimplified (simplifying costs seconds at import)."""
    return Key(sp.diff(key.expr, symbol), key.symbols)


y_hat, t, z, y, p = symbols("y_hat t z y p")
SQUARED_ERROR = Key((y_hat - t) ** 2, [y_hat, t])  # one sample's term of the MSE
SIGMOID = Key(1 / (1 + sp.exp(-z)), [z])
# one sample's cross-entropy -y log(sigmoid(z)) - (1 - y) log(1 - sigmoid(z)), in terms of z
BCE = Key(y * sp.log(1 + sp.exp(-z)) + (1 - y) * sp.log(1 + sp.exp(z)), [z, y])
BCE_DZ = derivative(BCE, z)
ODDS = Key(p / (1 - p), [p])
LOGIT = Key(sp.log(p / (1 - p)), [p])
CLASSES = 3
STRICT = {"rtol": 1e-9, "atol": 1e-12}
BIG = 1e4  # "large logits": every loss must stay finite and exact at |z| = 1e4


# ---------------------------------------------------------------- data


def moderate(ctx, shape, scale=6.0):
    return ctx.rng.uniform(-scale, scale, shape)


def design(ctx, n, d, cond=3.0):
    """A design matrix (n, d) whose singular values, divided by sqrt(n), spread over [1, cond]."""
    u, _ = np.linalg.qr(ctx.rng.standard_normal((n, d)))
    v, _ = np.linalg.qr(ctx.rng.standard_normal((d, d)))
    return np.sqrt(n) * (u * np.linspace(1.0, cond, d)) @ v.T


def regression_data(ctx, n=12, d=3):
    X = design(ctx, n, d)
    return X, X @ ctx.rng.standard_normal(d) + 0.5 * ctx.rng.standard_normal(n)


def lipschitz(X, l2):
    """The Lipschitz constant of the gradient of (||X w - y||^2 + l2 ||w||^2) / N."""
    return 2 * (np.linalg.eigvalsh(X.T @ X)[-1] + l2) / len(X)


def blobs(ctx, n_per_class=20, spread=2.0):
    """Heavily overlapping 2-D Gaussian classes around unit vectors 120 degrees apart; labels 0..C-1."""
    angles = ctx.rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.arange(CLASSES) / CLASSES
    centers = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    X = np.concatenate([c + spread * ctx.rng.standard_normal((n_per_class, 2)) for c in centers])
    return X, np.repeat(np.arange(CLASSES), n_per_class)


def curvature_bound(X):
    """lambda_max([X, 1]^T [X, 1]) / N: the cross-entropy's gradient is Lipschitz with constant at most
    this over 4 (binary) or over 2 (softmax), so step sizes 4 / bound and 2 / bound are safe."""
    A = np.column_stack([X, np.ones(len(X))])
    return float(np.linalg.eigvalsh(A.T @ A)[-1]) / len(X)


def trivial_if_zero(ctx, arrays):
    """Inside a case: mark it trivial when the student's gradients are all zeros (see ``gradients.all_zero``)."""
    if gradients.all_zero(arrays):
        ctx.trivial.add(len(ctx.cases))


def loss_forward(fn, order, name, part=None, length=None, fixed=None):
    """A batched forward (see gradients.batched) of a student loss returning a float, or a tuple
    of ``length`` whose item ``part`` is the float; ``fixed`` are keyword arguments."""
    def select(result):
        value = result if part is None else compare.sequence(result, name, length)[part]
        return np.array(compare.scalar(value, name))

    return gradients.batched(fn, order, (), name, select=select, fixed=fixed)


def raises_value_error(ctx, fn, name, cases: dict):
    """Each case ``label: args`` must make ``fn(*args)`` raise ValueError. A function that raises for
    everything passes these, so they count only together with a value case of the same check."""
    for label, args in cases.items():
        with ctx.case(f"{label} raises ValueError", trivial=True):
            compare.raises(lambda: fn(*args), ("ValueError",), name, f"for {label}")


# ---------------------------------------------------------------- linear regression
@suite.check("linear.mse_loss", points=2)
def mse_loss_values(ctx):
    mse = ctx.student.linear.mse_loss
    for n in (7, 1):
        with ctx.case(f"N = {n}"):
            y_pred, targets = 3 * ctx.rng.standard_normal(n), 3 * ctx.rng.standard_normal(n)
            compare.close_scalar(mse(y_pred, targets), float(np.mean(SQUARED_ERROR(y_pred, targets))),
                                 f"mse_loss(y_pred, y) with N = {n}", hidden=ctx.hidden, **STRICT)
    a = ctx.rng.standard_normal(5)
    raises_value_error(ctx, mse, "mse_loss", {"shapes (5,) and (5, 1)": (a, a[:, None]),
                                              "shapes (5, 1) and (5,)": (a[:, None], a),
                                              "shapes (5, 1) and (5, 1)": (a[:, None], a[:, None])})


@suite.check("linear.mse_gradient", points=3)
def mse_gradient_key(ctx):
    """Against sympy's derivative of (y_hat - y)^2, averaged; and against mse_loss (the reference's in
    official grading, the student's own in the self-check: checks/upstream.py)."""
    lin = ctx.student.linear
    n = 6
    y_pred, targets = 3 * ctx.rng.standard_normal(n), 3 * ctx.rng.standard_normal(n)
    with ctx.case("sympy's derivative of the MSE"):
        compare.close(lin.mse_gradient(y_pred, targets), derivative(SQUARED_ERROR, y_hat)(y_pred, targets) / n,
                      "mse_gradient(y_pred, y)", hidden=ctx.hidden, inputs={"y_pred": y_pred, "y": targets}, **STRICT,
                      batch=n)
    loss = upstream_of.forward(ctx, lin.mse_loss)  # the reference's in official grading
    with ctx.case("the derivative of mse_loss (finite differences)"), upstream_of.blame(loss):
        grad = compare.array(lin.mse_gradient(y_pred, targets), "mse_gradient(y_pred, y)", (n,))
        trivial_if_zero(ctx, [grad])
        gradients.directional(loss_forward(loss, ["y_pred", "y"], "mse_loss(y_pred, y)"),
                              {"y_pred": y_pred, "y": targets}, {"y_pred": grad}, np.array(1.0),
                              rng=ctx.rng, name="mse_gradient")
    raises_value_error(ctx, lin.mse_gradient, "mse_gradient",
                       {"shapes (6,) and (6, 1)": (y_pred, targets[:, None]),
                        "shapes (6, 1) and (6, 1)": (y_pred[:, None], targets[:, None])})


@suite.check("linear.linear_regression_loss", points=3, name="linear_loss_gradient_check")
def linear_loss_gradient_check(ctx):
    """dw against finite differences of the student's own loss, with and without the penalty."""
    f = ctx.student.linear.linear_regression_loss
    X, targets = regression_data(ctx)
    w = ctx.rng.standard_normal(3)
    for l2 in (0.0, 0.7):
        with ctx.case(f"l2 = {l2}"):
            _, dw = compare.sequence(f(X, targets, w, l2), "linear_regression_loss(...)", 2)
            dw = compare.array(dw, "dw from linear_regression_loss", w.shape)
            trivial_if_zero(ctx, [dw])
            forward = loss_forward(f, ["X", "y", "w"], "the loss from linear_regression_loss", 0, 2, {"l2": l2})
            gradients.directional(forward, {"X": X, "y": targets, "w": w}, {"w": dw}, np.array(1.0),
                                  rng=ctx.rng, name="linear_regression_loss (dw)")


@suite.check("linear.linear_regression_loss", points=1, needs_reference=True, name="linear_loss_matches_reference")
def linear_loss_reference(ctx):
    X, targets = regression_data(ctx)
    w = ctx.rng.standard_normal(3)
    _, expected = ctx.ref.linear.linear_regression_loss(X, targets, w, 0.7)
    _, dw = compare.sequence(ctx.student.linear.linear_regression_loss(X, targets, w, 0.7),
                             "linear_regression_loss(...)", 2)
    compare.close(dw, expected, "dw from linear_regression_loss", hidden=ctx.hidden)


@st.composite
def ridge_problems(draw):
    """(X, y) with X of full column rank: 2 * I stacked on a drawn block."""
    d, extra = draw(st.integers(1, 4)), draw(st.integers(0, 6))
    X = np.vstack([2 * np.eye(d), draw(properties.arrays((extra, d), -3, 3))])
    return X, draw(properties.arrays((d + extra,), -5, 5))


def normal_equations(fit, X, targets, l2, default=False):
    """The residual of ``w = fit(X, y, l2)`` satisfies X^T (y - X w) = l2 * w."""
    w = compare.array(fit(X, targets) if default else fit(X, targets, l2=l2),
                      "linear_regression_closed_form(X, y, l2)", (X.shape[1],))
    scale = np.linalg.norm(X) ** 2 * np.linalg.norm(w) + np.linalg.norm(X) * np.linalg.norm(targets) + 1
    compare.close(X.T @ (targets - X @ w), l2 * w, f"X^T (y - X w) compared with l2 * w (l2 = {l2}) for "
                  "w = linear_regression_closed_form(X, y, l2)", rtol=0, atol=1e-12 * scale)


@suite.check("linear.linear_regression_closed_form", points=4, name="closed_form_normal_equations")
def closed_form_normal_equations(ctx):
    """The residual satisfies X^T (y - X w) = l2 * w: for the default l2 = 0 and for l2 > 0 on drawn
    problems, and for dependent columns with l2 > 0 (always solvable); a clear ValueError where the
    normal equations have no unique solution, or the input is bad."""
    fit = ctx.student.linear.linear_regression_closed_form
    for l2 in (0.0, 1.5):
        with ctx.case(f"drawn problems with l2 = {l2}" + (" (the default)" if l2 == 0 else "")):
            properties.run(ctx, lambda problem: normal_equations(fit, *problem, l2, default=l2 == 0), max_examples=12,
                           problem=ridge_problems())
    X, targets = regression_data(ctx)
    with ctx.case("a column equal to twice another, with l2 = 0.5"):
        normal_equations(fit, np.column_stack([X, 2 * X[:, 0]]), targets, 0.5)
    with ctx.case("fewer examples (2) than features (3), with l2 = 0.5"):
        normal_equations(fit, X[:2], targets[:2], 0.5)
    raises_value_error(ctx, lambda A, b, l2: fit(A, b, l2=l2), "linear_regression_closed_form", {
        "a column equal to twice another with l2 = 0": (np.column_stack([X, 2 * X[:, 0]]), targets, 0.0),
        "a duplicated column with l2 = 0": (np.column_stack([X[:, :2], X[:, 1]]), targets, 0.0),
        "fewer examples (2) than features (3) with l2 = 0": (X[:2], targets[:2], 0.0),
        "l2 = -0.5": (X, targets, -0.5),
        "y of shape (N, 1)": (X, targets[:, None], 0.0)})


def gd_run(ctx, X, targets, lr, steps, l2):
    """The student's (w, losses), validated; l2 = 0 is left to the default."""
    kwargs = {"l2": l2} if l2 else {}
    out = compare.sequence(ctx.student.linear.linear_regression_gd(X, targets, lr, steps, **kwargs),
                           "linear_regression_gd(X, y, lr, num_steps, l2)", 2)
    return compare.array(out[0], "w from linear_regression_gd", (X.shape[1],)), out[1]


@suite.check("linear.linear_regression_gd", points=2, needs_reference=True, name="gd_matches_reference")
def gd_matches_reference(ctx):
    """The whole run, step by step, against the reference."""
    X, targets = regression_data(ctx)
    lr = 1.0 / lipschitz(X, 0.5)
    w_ref, losses_ref = ctx.ref.linear.linear_regression_gd(X, targets, lr, 15, l2=0.5)
    w, losses = gd_run(ctx, X, targets, lr, 15, 0.5)
    compare.close(losses, losses_ref, "losses from linear_regression_gd", hidden=ctx.hidden, rtol=1e-9)
    compare.close(w, w_ref, "w from linear_regression_gd", hidden=ctx.hidden, rtol=1e-9)


# ---------------------------------------------------------------- logistic regression
@suite.check("logistic.sigmoid", points=2)
def sigmoid_values(ctx):
    sig = ctx.student.logistic.sigmoid
    for label, zv in (("moderate z", moderate(ctx, (3, 4))),
                      ("|z| up to 1e4", np.array([-BIG, -800.0, -40.0, 0.0, 40.0, 800.0, BIG]))):
        with ctx.case(label):
            compare.close(sig(zv), SIGMOID(zv), "sigmoid(z)", hidden=ctx.hidden, inputs={"z": zv}, **STRICT)


def bce_cases(ctx):
    """(label, z, y): moderate logits with hard and soft labels; logits of size 1e4 on both sides."""
    n = 8
    soft = ctx.rng.uniform(0, 1, n)
    soft[: n // 2] = np.round(soft[: n // 2])
    return [("moderate z, hard and soft labels", moderate(ctx, n), soft),
            ("|z| = 1e4, right and wrong side", np.array([BIG, -BIG, BIG, -BIG, 800.0, -800.0]),
             np.array([1.0, 0.0, 0.0, 1.0, 0.3, 0.7]))]


@suite.check("logistic.bce_with_logits", points=3)
def bce_values(ctx):
    bce = ctx.student.logistic.bce_with_logits
    for label, zv, labels in bce_cases(ctx):
        with ctx.case(label):
            compare.close_scalar(bce(zv, labels), float(np.mean(BCE(zv, labels))), f"bce_with_logits(z, y) ({label})",
                                 hidden=ctx.hidden, **STRICT)
    zv = moderate(ctx, 5)
    raises_value_error(ctx, bce, "bce_with_logits", {"shapes (5,) and (5, 1)": (zv, np.ones((5, 1))),
                                                     "shapes (5, 1) and (5, 1)": (zv[:, None], np.ones((5, 1)))})


def bce_dp(zv, labels):
    """dL/dp of the mean BCE at p = sigmoid(z): what a chain rule through the sigmoid multiplies
    sigmoid'(z) by (for the hint on a derivative taken at the output; inf where p rounds to 0 or 1)."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        p = 1 / (1 + np.exp(-zv))
        return (p - labels) / (p * (1 - p) * len(zv))


@suite.check("logistic.bce_with_logits_gradient", points=3)
def bce_gradient_key(ctx):
    """(sigmoid(z) - y) / N as sympy derives it, at moderate and huge logits; and finite differences."""
    lg = ctx.student.logistic
    for label, zv, labels in bce_cases(ctx):
        with ctx.case(label):
            compare.close(lg.bce_with_logits_gradient(zv, labels), BCE_DZ(zv, labels) / len(zv),
                          "bce_with_logits_gradient(z, y)", hidden=ctx.hidden, inputs={"z": zv, "y": labels},
                          z=zv, activation="sigmoid", upstream=bce_dp(zv, labels), **STRICT)
    _, zv, labels = bce_cases(ctx)[0]
    loss = upstream_of.forward(ctx, lg.bce_with_logits)  # the reference's in official grading
    with ctx.case("the derivative of bce_with_logits (finite differences)"), upstream_of.blame(loss):
        grad = compare.array(lg.bce_with_logits_gradient(zv, labels), "bce_with_logits_gradient(z, y)", zv.shape)
        trivial_if_zero(ctx, [grad])
        gradients.directional(loss_forward(loss, ["z", "y"], "bce_with_logits(z, y)"),
                              {"z": zv, "y": labels}, {"z": grad}, np.array(1.0), rng=ctx.rng,
                              name="bce_with_logits_gradient")
    zv = moderate(ctx, 5)
    raises_value_error(ctx, lg.bce_with_logits_gradient, "bce_with_logits_gradient",
                       {"shapes (5,) and (5, 1)": (zv, np.ones((5, 1))),
                        "shapes (5, 1) and (5, 1)": (zv[:, None], np.ones((5, 1)))})


def probabilities(ctx):
    """Probabilities across (0, 1), including some within 1e-12 of 0 and 2^-30 of 1."""
    return np.concatenate([ctx.rng.uniform(1e-3, 1 - 1e-3, 8), [1e-12, 3e-7, 0.5, 1 - 2.0**-30, 1 - 1e-6]])


OUTSIDE = {"p = 0": (np.array([0.3, 0.0]),), "p = 1": (np.array([1.0, 0.3]),),
           "p = -0.2": (np.array([[-0.2]]),), "p = 1.5": (np.array([0.5, 1.5]),)}


@suite.check("logistic.odds", points=2)
def odds_values(ctx):
    odds = ctx.student.logistic.odds
    ps = probabilities(ctx).reshape(13, 1)
    with ctx.case("probabilities across (0, 1)"):
        compare.close(odds(ps), ODDS(ps), "odds(p)", hidden=ctx.hidden, inputs={"p": ps}, rtol=1e-9, atol=0)
    raises_value_error(ctx, odds, "odds", OUTSIDE)


@suite.check("logistic.logit", points=2)
def logit_values(ctx):
    logit = ctx.student.logistic.logit
    ps = probabilities(ctx)
    with ctx.case("probabilities across (0, 1)"):
        compare.close(logit(ps), LOGIT(ps), "logit(p)", hidden=ctx.hidden, inputs={"p": ps}, rtol=1e-7, atol=1e-9)
    raises_value_error(ctx, logit, "logit", OUTSIDE)


@suite.check("logistic.logit", points=2, name="sigmoid_inverts_logit")
def sigmoid_inverts_logit(ctx):
    """Properties: sigmoid(logit(p)) == p for p in (0, 1), and logit(sigmoid(z)) == z for |z| <= 20,
    with sigmoid(z) in [0, 1]; on fixed values near 0, 1/2 and 1, then on drawn ones."""
    lg = ctx.student.logistic

    def prop(ps, zv):
        logits = compare.array(lg.logit(ps), "logit(p)", ps.shape)
        compare.close(lg.sigmoid(logits), ps, "sigmoid(logit(p)) compared with p", rtol=1e-9, atol=1e-15)
        s = compare.array(lg.sigmoid(zv), "sigmoid(z)", zv.shape)
        if np.any((s < 0) | (s > 1)):
            ctx.fail("sigmoid(z) left the interval [0, 1]")
        compare.close(compare.array(lg.logit(s), "logit(sigmoid(z))"), zv, "logit(sigmoid(z)) compared with z",
                      rtol=1e-6, atol=1e-6)

    with ctx.case("p near 0, 1/2 and 1; z from -20 to 20"):
        prop(np.array([1e-9, 3e-4, 0.5, 0.9, 1 - 1e-9]), np.array([-20.0, -3.0, -0.25, 0.5, 7.0, 20.0]))
    with ctx.case("drawn p and z"):
        properties.run(ctx, prop, max_examples=25, ps=properties.arrays(properties.shapes(), 1e-9, 1 - 1e-9),
                       zv=properties.arrays(properties.shapes(), -20, 20))


@st.composite
def odds_problems(draw):
    """(x, w, b, j): logits stay within |z| <= 11, so the odds keep about 11 significant digits."""
    d = draw(st.integers(1, 4))
    return (draw(properties.arrays((d,), -1, 1)), draw(properties.arrays((d,), -2, 2)),
            draw(properties.floats(-1, 1)), draw(st.integers(0, d - 1)))


@suite.check("logistic.predict_proba", points=3, name="odds_ratio_is_exp_w")
def odds_ratio_is_exp_w(ctx):
    """Property: increasing feature j by 1 multiplies the odds p / (1 - p) of predict_proba by exp(w[j])."""
    lg = ctx.student.logistic

    def prop(problem):
        x, w, b, j = problem
        X = np.stack([x, x + np.eye(len(x))[j]])
        probs = compare.array(lg.predict_proba(X, w, b), "predict_proba(X, w, b)", (2,))
        o = probs / (1 - probs)  # |z| <= 11: 1 - p keeps about 11 significant digits
        compare.close_scalar(float(o[1] / o[0]), float(np.exp(w[j])), f"the odds ratio p / (1 - p) of predict_proba "
                             f"when feature {j} grows by 1, compared with exp(w[{j}])", rtol=1e-8)

    properties.run(ctx, prop, max_examples=25, problem=odds_problems())


def logistic_data(ctx, n=40, d=2):
    """Inputs with soft labels sigmoid(X @ w_true + b_true): the loss is minimized at (w_true, b_true)."""
    X = ctx.rng.standard_normal((n, d))
    w_true, b_true = ctx.rng.uniform(-1, 1, d), float(ctx.rng.uniform(-0.5, 0.5))
    return X, SIGMOID(X @ w_true + b_true), w_true, b_true


def logistic_loss_outputs(ctx, X, labels, w, b):
    out = compare.sequence(ctx.student.logistic.logistic_regression_loss(X, labels, w, b),
                           "logistic_regression_loss(X, y, w, b)", 3)
    return (compare.scalar(out[0], "the loss from logistic_regression_loss"),
            compare.array(out[1], "dw from logistic_regression_loss", w.shape),
            compare.scalar(out[2], "db from logistic_regression_loss"))


@suite.check("logistic.logistic_regression_loss", points=2, name="logistic_loss_gradient_check")
def logistic_loss_gradient_check(ctx):
    X, labels, _, _ = logistic_data(ctx, 10, 3)
    w, b = ctx.rng.standard_normal(3), float(ctx.rng.standard_normal())
    _, dw, db = logistic_loss_outputs(ctx, X, labels, w, b)
    with ctx.case("finite differences of your loss", trivial=gradients.all_zero([dw, db])):
        forward = loss_forward(ctx.student.logistic.logistic_regression_loss, ["X", "y", "w", "b"],
                               "the loss from logistic_regression_loss", 0, 3)
        gradients.directional(forward, {"X": X, "y": labels, "w": w, "b": np.array(b)}, {"w": dw, "b": np.array(db)},
                              np.array(1.0), rng=ctx.rng, name="logistic_regression_loss (dw, db)")


def logistic_fit(ctx, X, labels, lr, steps):
    out = compare.sequence(ctx.student.logistic.train_logistic_regression(X, labels, lr, steps),
                           "train_logistic_regression(X, y, lr, num_steps)", 2)
    return compare.array(out[0], "w from train_logistic_regression", (X.shape[1],)), \
        compare.scalar(out[1], "b from train_logistic_regression")


# The public convergence check's data, fixed so that whether a gradient off by a constant factor
# still converges is the same in every grading (on random draws a gradient 4 times too large failed
# in 6 of 2,000). Soft labels sigmoid(X @ w_true + b_true), so the minimizer is (w_true, b_true). At
# the minimizer the Hessian's eigenvalues are 0.086 and 0.195 times the curvature bound, so at step
# 2 / bound the error shrinks by a factor of at most 1 - 2 * 0.086 = 0.83 per step near it, and a
# gradient f times too large is stable there for f < 1 / 0.195 = 5.1. Measured on the reference (1000 steps), the largest error
# with the gradient scaled by f: 2e-16 (f = 1); 1e-15, 7e-16, 1e-16, 0, 0, 1e-15 (f = 1/4, 1/2, 2,
# 3, 4, 5: within the tolerance 1e-6); 0.79 and 1.6 (f = 6, 8: fail).
LOGISTIC_X = np.array([[0.0, 1.4], [1.2, -0.5], [-0.3, -0.5], [0.6, -0.1], [0.7, -1.8], [1.6, -0.1], [0.7, -0.1],
                       [-0.4, 0.5], [0.8, -0.2], [-0.2, 0.7], [-0.9, -1.5], [0.4, -0.7], [-1.9, -0.8], [-0.5, -1.2],
                       [-1.5, 0.0], [0.9, -0.2]])
LOGISTIC_W, LOGISTIC_B = np.array([0.8, -0.6]), 0.3


@suite.check("logistic.train_logistic_regression", points=3, timeout=30)
def logistic_training_converges(ctx):
    """On fixed data with soft labels sigmoid(X @ w_true + b_true) (``LOGISTIC_X``), 1000 steps of
    size 2 / bound recover the minimizer (w_true, b_true) within 1e-6. Fresh draws are left to
    logistic_training_matches_reference."""
    X, w_true, b_true = LOGISTIC_X, LOGISTIC_W, LOGISTIC_B
    labels = SIGMOID(X @ w_true + b_true)
    with ctx.case("1000 steps of size 2 / bound"):
        w, b = logistic_fit(ctx, X, labels, 2 / curvature_bound(X), 1000)
        compare.close(w, w_true, "w from train_logistic_regression compared with the minimizer", rtol=1e-6, atol=1e-6,
                      hidden=ctx.hidden)
        compare.close_scalar(b, b_true, "b from train_logistic_regression compared with the minimizer", rtol=1e-6,
                             atol=1e-6, hidden=ctx.hidden)
    with ctx.case("num_steps = 0 returns the zero start", trivial=True):
        w, b = logistic_fit(ctx, X, labels, 2.0, 0)
        compare.close(w, np.zeros(2), "w from train_logistic_regression with num_steps = 0", rtol=0, atol=0)
        compare.close_scalar(b, 0.0, "b from train_logistic_regression with num_steps = 0", rtol=0, atol=0)


@suite.check("logistic.train_logistic_regression", points=2, needs_reference=True,
             name="logistic_training_matches_reference")
def logistic_training_matches_reference(ctx):
    """A short run on hard labels, step for step, against the reference."""
    X, labels, _, _ = logistic_data(ctx)
    labels = np.round(labels)
    w_ref, b_ref = ctx.ref.logistic.train_logistic_regression(X, labels, 0.5, 12)
    w, b = logistic_fit(ctx, X, labels, 0.5, 12)
    compare.close(w, w_ref, "w from train_logistic_regression", hidden=ctx.hidden, rtol=1e-9)
    compare.close_scalar(b, b_ref, "b from train_logistic_regression", hidden=ctx.hidden, rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- softmax
def logit_cases(ctx, n=6):
    """(label, Z, y): moderate logits; logits of size 1e4 (a naive exp overflows), with ties for a row's
    maximum and a row far below the others (shifting by the maximum of all of Z underflows)."""
    labels = ctx.rng.integers(0, CLASSES, n)
    huge = np.array([[BIG, -BIG, 0.0], [-BIG, -BIG, BIG], [BIG, BIG - 1.0, 0.5 * BIG], [BIG, BIG, -BIG],
                     [-BIG, 2.0 - BIG, -1.0 - BIG]])
    return [("moderate logits", moderate(ctx, (n, CLASSES)), labels),
            ("logits of size 1e4", huge, np.array([1, 2, 1, 0, 2]))]


@st.composite
def shifted_logits(draw):
    """(Z, c): logits (N, C) and a shift per row."""
    n, c = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    return draw(properties.arrays((n, c), -50, 50)), draw(properties.arrays((n, 1), -1e3, 1e3))


@suite.check("softmax.softmax", points=2, name="softmax_properties")
def softmax_properties(ctx):
    """Properties: entries in [0, 1], rows sum to 1, adding a constant to a row changes nothing."""
    sm = ctx.student.softmax.softmax

    def prop(problem):
        Z, shift = problem
        P, Q = (compare.array(v, "softmax(Z)", Z.shape) for v in sm.map([(Z,), (Z + shift,)]))
        if np.any(P < 0) or np.any(P > 1):
            ctx.fail("softmax(Z) has entries outside [0, 1]")
        compare.close(P.sum(axis=1), np.ones(len(Z)), "the row sums of softmax(Z)", rtol=0, atol=1e-12)
        compare.close(Q, P, "softmax(Z + c) (c added to each row) compared with softmax(Z)", rtol=1e-9, atol=1e-12)

    properties.run(ctx, prop, max_examples=25, problem=shifted_logits())


BAD_LABELS = {"a label equal to C": lambda Z: (Z, np.array([0, CLASSES, 1, 0])),
              "a negative label": lambda Z: (Z, np.array([0, -1, 1, 0])),
              "y of shape (N, 1)": lambda Z: (Z, np.zeros((4, 1), dtype=np.int64)),
              "Z of shape (N,)": lambda Z: (Z[:, 0], np.zeros(4, dtype=np.int64))}


@suite.check("softmax.softmax_cross_entropy_gradient", points=1, name="cross_entropy_gradient_finite_differences")
def cross_entropy_gradient_finite_differences(ctx):
    """The gradient is the derivative of softmax_cross_entropy (the reference's in official grading, the
    student's own in the self-check: checks/upstream.py); bad labels raise."""
    sm = ctx.student.softmax
    _, Z, labels = logit_cases(ctx)[0]
    loss = upstream_of.forward(ctx, sm.softmax_cross_entropy)  # the reference's in official grading
    with ctx.case("the derivative of softmax_cross_entropy (finite differences)"), upstream_of.blame(loss):
        grad = compare.array(sm.softmax_cross_entropy_gradient(Z, labels), "softmax_cross_entropy_gradient(Z, y)",
                             Z.shape)
        trivial_if_zero(ctx, [grad])
        gradients.directional(loss_forward(loss, ["Z", "y"], "softmax_cross_entropy(Z, y)"),
                              {"Z": Z, "y": labels}, {"Z": grad}, np.array(1.0), rng=ctx.rng,
                              name="softmax_cross_entropy_gradient")
    Z = moderate(ctx, (4, CLASSES))
    raises_value_error(ctx, sm.softmax_cross_entropy_gradient, "softmax_cross_entropy_gradient",
                       {k: make(Z) for k, make in BAD_LABELS.items()})


# ---------------------------------------------------------------- multi-class
def softmax_model(ctx, d=2):
    return ctx.rng.standard_normal((d, CLASSES)), ctx.rng.standard_normal(CLASSES)


def softmax_loss_outputs(ctx, X, labels, W, b):
    out = compare.sequence(ctx.student.multiclass.softmax_regression_loss(X, labels, W, b),
                           "softmax_regression_loss(X, y, W, b)", 3)
    return (compare.scalar(out[0], "the loss from softmax_regression_loss"),
            compare.array(out[1], "dW from softmax_regression_loss", W.shape),
            compare.array(out[2], "db from softmax_regression_loss", b.shape))


@suite.check("multiclass.softmax_regression_loss", points=2, name="softmax_regression_gradient_check")
def softmax_regression_gradient_check(ctx):
    X, labels = blobs(ctx, 3)
    W, b = softmax_model(ctx)
    _, dW, db = softmax_loss_outputs(ctx, X, labels, W, b)
    with ctx.case("finite differences of your loss", trivial=gradients.all_zero([dW, db])):
        forward = loss_forward(ctx.student.multiclass.softmax_regression_loss, ["X", "y", "W", "b"],
                               "the loss from softmax_regression_loss", 0, 3)
        gradients.directional(forward, {"X": X, "y": labels, "W": W, "b": b}, {"W": dW, "b": db}, np.array(1.0),
                              rng=ctx.rng, name="softmax_regression_loss (dW, db)")


def multiclass_fit(ctx, name, X, labels, lr, steps):
    out = compare.sequence(getattr(ctx.student.multiclass, name)(X, labels, CLASSES, lr, steps),
                           f"{name}(X, y, num_classes, lr, num_steps)", 2)
    return (compare.array(out[0], f"W from {name}", (X.shape[1], CLASSES)),
            compare.array(out[1], f"b from {name}", (CLASSES,)))


@suite.check("multiclass.train_softmax_regression", points=2, needs_reference=True,
             name="softmax_training_matches_reference")
def softmax_training_matches_reference(ctx):
    X, labels = blobs(ctx)
    expected = ctx.ref.multiclass.train_softmax_regression(X, labels, CLASSES, 0.5, 12)
    for name, got, want in zip("Wb", multiclass_fit(ctx, "train_softmax_regression", X, labels, 0.5, 12), expected):
        compare.close(got, want, f"{name} from train_softmax_regression", hidden=ctx.hidden, rtol=1e-9)


@suite.check("multiclass.train_one_vs_rest", points=2, needs_reference=True, name="one_vs_rest_matches_reference")
def one_vs_rest_matches_reference(ctx):
    X, labels = blobs(ctx)
    expected = ctx.ref.multiclass.train_one_vs_rest(X, labels, CLASSES, 0.5, 12)
    for name, got, want in zip("Wb", multiclass_fit(ctx, "train_one_vs_rest", X, labels, 0.5, 12), expected):
        compare.close(got, want, f"{name} from train_one_vs_rest", hidden=ctx.hidden, rtol=1e-9)


# ---------------------------------------------------------------- Iris
IRIS_SPECIES = ("setosa", "versicolor", "virginica")
IRIS_ACCURACY = 0.9  # 46 of the 51 test flowers. Calibrated: with lr = 1, 300 steps the reference gets
# 51/51 (softmax) and 49/51 (one-vs-rest), a margin of 5 and 3 flowers; 100 steps already give 49 and 48.


def iris():
    """Standardized Iris with a fixed stratified split: every third flower of each species
    (positions 1, 4, 7, ... within it) is held out, 17 per species; the rest (99) train."""
    X, labels = datasets.labelled_csv(datasets.unit_file(UNIT, "iris.csv"), IRIS_SPECIES)
    train, test = datasets.stratified_holdout(labels, every=3, offset=1)
    X_train, X_test = datasets.standardize(X[train], X[test])
    return X_train, labels[train], X_test, labels[test]


def iris_accuracy(ctx, name):
    X_train, y_train, X_test, y_test = iris()
    W, b = multiclass_fit(ctx, name, X_train, y_train, 1.0, 300)
    training.accuracy_at_least(np.argmax(X_test @ W + b, axis=1), y_test, IRIS_ACCURACY,
                               f"{name}(X_train, y_train, 3, lr=1.0, num_steps=300) on Iris")


@suite.check("multiclass.train_softmax_regression", points=3, timeout=30, name="iris_softmax_accuracy")
def iris_softmax_accuracy(ctx):
    """Trained on 99 standardized Iris flowers, at least 90% of the 51 held-out ones are right
    (the reference: 51 of 51)."""
    iris_accuracy(ctx, "train_softmax_regression")


@suite.check("multiclass.train_one_vs_rest", points=2, timeout=30, name="iris_one_vs_rest_accuracy")
def iris_one_vs_rest_accuracy(ctx):
    """One-vs-rest on the same split: at least 90% of the held-out flowers are right (the reference: 49 of 51)."""
    iris_accuracy(ctx, "train_one_vs_rest")
