"""Unit 3 checks that ship to students: properties, gradient checks against the student's own
forward passes, contracts, statistics of random draws, keys of the docstrings' formulas (50-digit mpmath).

The checks that compare with an answer computed here (the batch-norm formulas, the MLP forward,
the optimizers against torch.optim, early stopping, the training outcome) are registered from
``autograder/keys/unit03_training.py``. Every documented case (each mode, each parameter edge)
is a fixed case in every grading; random draws only add to them.
"""
from __future__ import annotations

import itertools

import numpy as np
from hypothesis import strategies as st

from .. import drivers
from ..checks import compare, generated, gradients, properties, statistics
from ..checks import upstream as upstream_of
from ..checks.symbolic import Key
from ..context import CheckFailure
from ..sandbox.worker_process import StudentError
from ..suite import Suite

suite = Suite("unit03_training",
              modules=["layers", "initialization", "regularization", "batchnorm", "optimizers", "training"],
              title="Training deep networks: initialization, regularization, normalization, optimizers",
              drivers=drivers.load("unit03_training"))

suite.builds_on.update({
    "layers.mlp_backward": ("layers.mlp_forward",),
    "layers.layer_gradient_norms": ("layers.mlp_forward", "layers.softmax_cross_entropy", "layers.mlp_backward"),
    "initialization.init_mlp": ("initialization.xavier_init", "initialization.he_init"),
    "regularization.dropout_backward": ("regularization.dropout_forward",),
    "batchnorm.batchnorm_backward": ("batchnorm.batchnorm_forward",),
})
suite.forbid("torch", "jax", "tensorflow", "autograd", "sympy", "scipy", "sklearn",
             why="unit 3 is written in numpy by hand: forward and backward passes, initializers, dropout, "
                 "batch normalization and the optimizers are the exercise, not a library's")

TRAINING_LOOP = ("initialization.init_mlp", "training.minibatches", "layers.mlp_forward",
                 "layers.softmax_cross_entropy", "layers.mlp_backward", "optimizers.adam")


# ---------------------------------------------------------------- shared helpers
def labels(ctx, n, c):
    """Labels that use every class at least once (when n >= c)."""
    return ctx.rng.permutation(np.resize(np.arange(c), n))


def leaves(value, name: str) -> np.ndarray:
    """All arrays in a (nested) list or tuple, flattened into one vector."""
    if type(value) in (list, tuple):
        return np.concatenate([leaves(v, name) for v in value] or [np.zeros(0)])
    return compare.array(value, name).ravel()


def draws_are_seeded(ctx, target: str, args: tuple, name: str, seeds=(7, 8)):
    """Same seed, same draws; another seed, other draws; a Generator made from the seed, the same
    draws as the seed itself (the docstring's np.random.default_rng(rng))."""
    module, func = target.split(".")
    fn = getattr(getattr(ctx.student, module), func)
    a, b, c = (leaves(v, name) for v in fn.map([args + (seeds[0],), args + (seeds[0],), args + (seeds[1],)]))
    if a.shape != b.shape or not np.array_equal(a, b):
        ctx.fail(f"{name}: two calls with the same seed gave different results")
    if a.shape == c.shape and np.array_equal(a, c):
        ctx.fail(f"{name}: two different seeds gave the same result")
    g = leaves(ctx.student.driver("unit03_training", "with_generator")(target, args, seeds[0]), name)
    if g.shape != a.shape or not np.array_equal(g, a):
        ctx.fail(f"{name}: rng=np.random.default_rng(seed) gave other results than rng=seed; pass rng through "
                 "np.random.default_rng(rng) and draw from what it returns")


def quiet(ctx, target: str, *args, name: str):
    """``target(*args)`` in the worker; fails with the warning's text if the call warned."""
    result, warned = compare.sequence(ctx.student.driver("unit03_training", "quietly")(target, *args),
                                      f"{name} (called with warnings recorded)", 2)
    if warned:
        ctx.fail(f"{name} raised a warning ({warned[0]}); the docstring promises none" +
                 (f" ({len(warned)} warnings in all)" if len(warned) > 1 else ""))
    return result


# ---------------------------------------------------------------- layers: the MLP
def softmax_properties(scores, y, result, name: str):
    """What any correct (loss, dscores) satisfies: the loss is positive, each row of dscores sums
    to 0, is negative at the label (above -1/N) and non-negative elsewhere (below 1/N), and a
    constant added to a row changes nothing (checked by the caller)."""
    n, c = scores.shape
    loss, dscores = compare.sequence(result, name, 2)
    loss = compare.scalar(loss, f"the loss from {name}")
    dscores = compare.array(dscores, f"dscores from {name}", scores.shape)
    if not loss > 0 or not np.any(dscores):
        raise CheckFailure(f"{name}: the loss is {loss:.6g} and dscores is {'not ' if np.any(dscores) else ''}all "
                           "zeros; here a label has a probability below 1, so the loss is positive and dscores "
                           "is not zero")
    compare.close(dscores.sum(axis=1), np.zeros(n), f"the row sums of dscores from {name} (p sums to 1)", atol=1e-12)
    at_label = dscores[np.arange(n), y]
    others = np.delete(dscores, y + c * np.arange(n)).reshape(n, c - 1) if c > 1 else np.zeros((n, 0))
    if not (np.all(at_label <= 0) and np.all(at_label >= -1 / n) and np.all(others >= 0) and np.all(others <= 1 / n)):
        raise CheckFailure(f"{name}: dscores = (p - onehot(y)) / N lies in [-1/N, 0] at the label and in [0, 1/N] "
                           "elsewhere; yours does not")
    return loss, dscores


@suite.check("layers.softmax_cross_entropy", points=2, name="softmax_cross_entropy_properties")
def softmax_cross_entropy_properties(ctx):
    """Properties of the loss and gradient; scores up to 1e4 give finite values and no warnings;
    adding a constant to every score of a row changes nothing."""
    for label, scale in (("moderate scores", 3.0), ("scores up to 1e4: finite, no warnings", 1e4)):
        with ctx.case(label):
            scores, y = scale * ctx.rng.standard_normal((6, 4)), labels(ctx, 6, 4)
            y[0] = np.argmin(scores[0])  # one label far from certain: the loss is positive, dscores not zero
            name = f"softmax_cross_entropy(scores, y) with scores of size {scale:g}"
            loss, dscores = softmax_properties(scores, y, quiet(ctx, "layers.softmax_cross_entropy", scores, y,
                                                                name=name), name)
            shifted = scores + ctx.rng.uniform(-50, 50, (6, 1))
            loss2, dscores2 = softmax_properties(shifted, y, ctx.student.layers.softmax_cross_entropy(shifted, y),
                                                 f"{name}, each row shifted by a constant")
            compare.close_scalar(loss2, loss, f"the loss of {name} after adding a constant to each row "
                                 "(softmax does not change)", rtol=1e-9, atol=1e-12)
            compare.close(dscores2, dscores, f"dscores of {name} after adding a constant to each row",
                          rtol=1e-7, atol=1e-12)


@suite.check("layers.softmax_cross_entropy", points=1, name="softmax_gradient_matches_finite_differences")
def softmax_gradient_finite_differences(ctx):
    scores, y = ctx.rng.standard_normal((5, 3)), labels(ctx, 5, 3)
    fn = ctx.student.layers.softmax_cross_entropy
    _, dscores = compare.sequence(fn(scores, y), "softmax_cross_entropy(scores, y)", 2)
    loss = gradients.batched(fn, ["scores"], (), "the loss from softmax_cross_entropy",
                             select=lambda r: np.asarray(compare.scalar(
                                 compare.sequence(r, "softmax_cross_entropy", 2)[0], "the loss")),
                             fixed={"y": y})
    gradients.directional(gradients.varying(loss, "softmax_cross_entropy"), {"scores": scores},
                          {"scores": dscores}, np.ones(()), rng=ctx.rng, name="softmax_cross_entropy")


def mlp_draw(ctx, sizes):
    params = [(ctx.rng.standard_normal((m, k)) / np.sqrt(m), 0.3 * ctx.rng.standard_normal(k))
              for m, k in zip(sizes[:-1], sizes[1:])]
    return ctx.rng.standard_normal((4, sizes[0])), params


def mlp_params(ctx, sizes, activation="relu", gap=1e-2, scores=None):
    """Inputs and weights whose hidden ReLU pre-activations stay at least ``gap`` from the kink.

    The pre-activations Z_l of the hidden layers are the scores of the first l layers; they come
    from ``scores(X, params[:l])`` for each l (one call for all l), by default the mlp_forward that
    the gradient checks differentiate (the reference's in official grading, else the student's:
    checks/upstream.py), whose kinks are the ones that matter. If that forward fails or never
    clears the gap, the last draw is used (the check then reports what is wrong with it)."""
    if scores is None:
        forward = upstream_of.forward(ctx, ctx.student.layers.mlp_forward)

        def scores(X, parts):
            outs = forward.map([(X, p, activation) for p in parts])
            return [compare.array(compare.sequence(o, "mlp_forward(...)", 2)[0], "scores from mlp_forward")
                    for o in outs]
    for _ in range(50):
        X, params = mlp_draw(ctx, sizes)
        if activation == "sigmoid" or len(params) == 1:
            return X, params
        try:
            hidden = scores(X, [params[:l] for l in range(1, len(params))])
        except (CheckFailure, StudentError):
            return X, params
        if all(np.min(np.abs(z)) > gap for z in hidden):
            return X, params
    return X, params


def flat(params) -> dict:
    return {f"{p}{l}": a for l, layer in enumerate(params, 1) for p, a in zip("Wb", layer)}


def nested(points: dict, layers: int) -> list:
    return [(points[f"W{l}"], points[f"b{l}"]) for l in range(1, layers + 1)]


def mlp_student_grads(ctx, X, params, activation, upstreams, cache=None):
    """The student's mlp_backward for each upstream gradient, given ``cache`` (default: one call of
    the student's mlp_forward)."""
    net = ctx.student.layers
    if cache is None:
        _, cache = compare.sequence(net.mlp_forward(X, params, activation), "mlp_forward(...)", 2)
    results = []
    for out in net.mlp_backward.map([(g, cache) for g in upstreams]):
        grads = compare.sequence(out, "mlp_backward(...)", len(params))
        results.append(tuple(compare.array(g, f"d{p}{l} (layer {l}) from mlp_backward", a.shape)
                             for l, (pair, layer) in enumerate(zip(grads, params), 1)
                             for p, g, a in zip("Wb", compare.sequence(pair, f"layer {l} of mlp_backward's result", 2),
                                                layer)))
    return results


def mlp_forward_batched(ctx, X, layers, activation, shape):
    """The batched forward of mlp_forward in the parameters (official grading: the reference's, see
    checks/upstream.py)."""
    fn = upstream_of.forward(ctx, ctx.student.layers.mlp_forward)

    def forward(points):
        outs = fn.map([(X, nested(p, layers), activation) for p in points])
        return [compare.array(compare.sequence(o, "mlp_forward(...)", 2)[0], "scores", shape) for o in outs]
    return forward


@suite.check("layers.mlp_backward", points=3)
def mlp_backward_gradient_check(ctx):
    """Finite differences of mlp_forward along random directions (official grading: the reference's,
    and its cache if the student's own fails; the self-check: the student's own; see
    checks/upstream.py): ReLU and sigmoid hidden layers, and a single layer (no hidden layer)."""
    own = upstream_of.forward(ctx, ctx.student.layers.mlp_forward)
    for activation, sizes in (("relu", [3, 5, 4, 2]), ("sigmoid", [4, 5, 3, 3]), ("relu", [3, 2])):
        with ctx.case(f"{activation}, layer sizes {sizes}"), upstream_of.blame(own):
            X, params = mlp_params(ctx, sizes, activation)
            upstream = ctx.rng.standard_normal((4, sizes[-1]))
            inputs = flat(params)
            forward = mlp_forward_batched(ctx, X, len(params), activation, upstream.shape)
            seed = int(ctx.rng.integers(2**32))  # the directions, the same for either cache

            def judge(grads):  # called within this iteration: the closure's names are this case's
                gradients.directional(gradients.varying(forward, "mlp_forward"), inputs, dict(zip(inputs, grads[0])),
                                      upstream, rng=np.random.default_rng(seed), name="mlp_backward")

            upstream_of.judged(ctx, judge, lambda cache: mlp_student_grads(ctx, X, params, activation, [upstream], cache),
                               lambda: ctx.ref.layers.mlp_forward(X, params, activation)[1])


@suite.check("layers.mlp_backward", points=1)
def mlp_backward_contract(ctx):
    """:func:`gradients.backward_contract_cases` with the student's own forward's cache, or the
    reference forward's where that call fails (:func:`upstream.readable`)."""
    X, params = mlp_params(ctx, [3, 4, 4, 2])
    gradients.backward_contract_cases(ctx, lambda gs: upstream_of.readable(
        ctx, lambda cache: mlp_student_grads(ctx, X, params, "relu", gs, cache),
        lambda: ctx.ref.layers.mlp_forward(X, params, "relu")[1]), (4, 2), "mlp_backward")


@suite.check("layers.mlp_backward", points=2, needs_reference=True, name="mlp_backward_matches_reference")
def mlp_backward_reference(ctx):
    for activation in ("relu", "sigmoid"):
        with ctx.case(activation):
            X, params = mlp_params(ctx, [3, 5, 4, 2], activation)
            upstream = ctx.rng.standard_normal((4, 2))
            _, cache = ctx.ref.layers.mlp_forward(X, params, activation)
            expected = [g for pair in ctx.ref.layers.mlp_backward(upstream, cache) for g in pair]

            def judge(grads):  # called within this iteration
                for key, got, want in zip(flat(params), grads[0], expected):
                    compare.close(got, want, f"d{key} from mlp_backward ({activation})", hidden=ctx.hidden)

            upstream_of.judged(ctx, judge, lambda given: mlp_student_grads(ctx, X, params, activation, [upstream], given),
                               lambda: cache)


# ---------------------------------------------------------------- gradient flow with depth
def deep_net(rng, sizes, std, gain=1.0):
    """Gaussian weights of standard deviation ``gain * std(fan_in, fan_out)`` per layer, zero biases."""
    return [(gain * std(m, k) * rng.standard_normal((m, k)), np.zeros(k)) for m, k in zip(sizes[:-1], sizes[1:])]


DEEP = [20] + [64] * 9 + [4]
XAVIER_STD, HE_STD = (lambda m, k: np.sqrt(2 / (m + k))), (lambda m, k: np.sqrt(2 / m))


def student_norms(ctx, X, y, params, activation):
    return compare.array(ctx.student.layers.layer_gradient_norms(X, y, params, activation),
                         f"layer_gradient_norms(X, y, params, {activation!r})", (len(params),))


@suite.check("layers.layer_gradient_norms", points=2)
def gradient_norms_match_backward(ctx):
    """The norms are those of the weight gradients from the student's own forward, loss and backward."""
    X, params = mlp_params(ctx, [3, 6, 5, 3])
    y = labels(ctx, 4, 3)
    net = ctx.student.layers
    for activation in ("relu", "sigmoid"):
        with ctx.case(activation):
            scores, cache = compare.sequence(net.mlp_forward(X, params, activation), "mlp_forward(...)", 2)
            _, dscores = compare.sequence(net.softmax_cross_entropy(scores, y), "softmax_cross_entropy", 2)
            grads = mlp_student_grads(ctx, X, params, activation, [compare.array(dscores, "dscores", scores.shape)])[0]
            expected = [np.linalg.norm(g) for g in grads[::2]]
            norms = student_norms(ctx, X, y, params, activation)
            if not np.all(norms > 0):
                ctx.fail(f"layer_gradient_norms: every layer of this network has a non-zero weight gradient; "
                         f"got the norms {np.array2string(norms, precision=4)}")
            compare.close(norms, expected, "layer_gradient_norms compared with the norms of your mlp_backward's dW",
                          rtol=1e-10)


# Margins of the depth check, measured on the reference under 1,000 seeds (log10 of each ratio is
# close to normal; mean, standard deviation, worst seen, and the threshold's distance in standard
# deviations):
#   sigmoid + Xavier, first / last layer:   -5.83, 0.20, worst -4.95; threshold -3     (13.8 sd)
#   ReLU + He, largest / smallest layer:     0.64, 0.18, worst  1.16; threshold log 50 (6.0 sd)
#   3 x He over He, smallest layer ratio:    4.33, 0.24, worst  3.48; threshold 2      (9.5 sd)
# A normal tail at 6 sd is 1e-9; the check declares 1e-8.
VANISH_RATIO, STABLE_SPREAD, EXPLODE_RATIO = 1e-3, 50, 100


@suite.check("layers.layer_gradient_norms", points=3, false_failure=1e-8)
def vanishing_and_exploding_gradients(ctx):
    """A 10-layer net: sigmoid + Xavier vanishes toward the input; ReLU + He keeps every layer within
    a factor 50; He scaled by 3 explodes (every layer at least 100 times the He norms)."""
    X, y = ctx.rng.standard_normal((64, DEEP[0])), labels(ctx, 64, DEEP[-1])
    with np.errstate(all="ignore"):  # only the messages divide, and a wrong answer may hold zeros
        with ctx.case("sigmoid with Xavier weights: vanishing"):
            norms = student_norms(ctx, X, y, deep_net(ctx.rng, DEEP, XAVIER_STD), "sigmoid")
            if not norms[0] < VANISH_RATIO * norms[-1]:
                ctx.fail(f"layer_gradient_norms: in a 10-layer sigmoid net the first layer's gradient norm should be "
                         f"below {VANISH_RATIO:g} times the last layer's; got the ratio {norms[0] / norms[-1]:.3g}")
        he_norms = student_norms(ctx, X, y, deep_net(ctx.rng, DEEP, HE_STD), "relu")
        with ctx.case("ReLU with He weights: stable"):
            if not he_norms.min() > he_norms.max() / STABLE_SPREAD:
                ctx.fail(f"layer_gradient_norms: with He initialization the gradient norms of all layers should be "
                         f"within a factor {STABLE_SPREAD}; got {np.array2string(he_norms, precision=3)}")
        with ctx.case("ReLU with 3 x He weights: exploding"):
            big = student_norms(ctx, X, y, deep_net(ctx.rng, DEEP, HE_STD, gain=3.0), "relu")
            if not np.all(big > EXPLODE_RATIO * he_norms):
                ctx.fail(f"layer_gradient_norms: with weights 3 times the He scale every layer's gradient norm should "
                         f"be over {EXPLODE_RATIO} times the He one; the ratios are "
                         f"{np.array2string(big / he_norms, precision=3)}")


@suite.check("layers.layer_gradient_norms", points=2, needs_reference=True,
             name="layer_gradient_norms_match_reference")
def gradient_norms_reference(ctx):
    X, y = ctx.rng.standard_normal((16, 5)), labels(ctx, 16, 3)
    for activation in ("relu", "sigmoid"):
        with ctx.case(activation):
            params = deep_net(ctx.rng, [5, 8, 8, 8, 3], HE_STD)
            compare.close(student_norms(ctx, X, y, params, activation),
                          ctx.ref.layers.layer_gradient_norms(X, y, params, activation),
                          f"layer_gradient_norms ({activation})", hidden=ctx.hidden)
    with ctx.case("the default activation is relu"):
        compare.close(ctx.student.layers.layer_gradient_norms(X, y, params),
                      ctx.ref.layers.layer_gradient_norms(X, y, params, "relu"),
                      "layer_gradient_norms(X, y, params) (default activation)", hidden=ctx.hidden)


# ---------------------------------------------------------------- initialization
def normal_bins(std: float, bins: int = 10) -> np.ndarray:
    """Edges of ``bins`` equally likely intervals of N(0, std^2) (outer edges infinite)."""
    from statistics import NormalDist  # noqa: PLC0415

    inner = [NormalDist(0.0, std).inv_cdf(q) for q in np.linspace(0, 1, bins + 1)[1:-1]]
    return np.array([-np.inf, *inner, np.inf])


def check_xavier(W, fan_in, fan_out, name, gain=1.0, confidence=statistics.CONFIDENCE):
    """Uniform on [-a, a], a = gain * sqrt(6 / (fan_in + fan_out)): support, mean, variance, shape
    of the law (three statistical tests, each at ``confidence``)."""
    a = gain * np.sqrt(6 / (fan_in + fan_out))
    if np.max(np.abs(W)) > a * (1 + 1e-12):
        raise CheckFailure(f"{name}: an entry has |W| = {np.max(np.abs(W)):.4g}, outside [-a, a] with a = {a:.4g}")
    statistics.mean(W, 0.0, f"{name}", variance=a * a / 3, confidence=confidence)
    statistics.variance(W, a * a / 3, name, kurtosis=9 / 5, confidence=confidence)
    statistics.goodness_of_fit(np.histogram(W, np.linspace(-a, a, 11))[0], np.full(10, 0.1),
                               f"{name} (uniform on [-a, a])", what="equal-width bins", confidence=confidence)


def check_he(W, fan_in, name, gain=1.0, confidence=statistics.CONFIDENCE):
    """Normal with mean 0 and variance gain^2 * 2 / fan_in: mean, variance, shape of the law
    (three statistical tests, each at ``confidence``)."""
    std = gain * np.sqrt(2 / fan_in)
    statistics.mean(W, 0.0, name, variance=std**2, confidence=confidence)
    statistics.variance(W, std**2, name, kurtosis=3.0, confidence=confidence)
    statistics.goodness_of_fit(np.histogram(W, normal_bins(std))[0], np.full(10, 0.1),
                               f"{name} (normal with variance 2 / fan_in)", what="equally likely bins",
                               confidence=confidence)


@suite.check("initialization.xavier_init", points=3, false_failure=1e-6)
def xavier_statistics(ctx):
    """37,500 draws: within [-a, a], mean 0, variance 2 / (fan_in + fan_out), uniform; seeded."""
    fn = ctx.student.initialization.xavier_init
    with ctx.case("distribution of a (150, 250) matrix"):
        check_xavier(compare.array(fn(150, 250, int(ctx.rng.integers(2**31))), "xavier_init(150, 250, rng)",
                                   (150, 250)), 150, 250, "xavier_init(150, 250, rng)", confidence=statistics.per_test(3))
    with ctx.case("the same seed gives the same weights; rng may be a Generator"):
        draws_are_seeded(ctx, "initialization.xavier_init", (30, 20), "xavier_init(30, 20, seed)")


@suite.check("initialization.he_init", points=3, false_failure=1e-6)
def he_statistics(ctx):
    """36,000 draws: mean 0, variance 2 / fan_in, normal (chi-square over 10 bins); seeded."""
    fn = ctx.student.initialization.he_init
    with ctx.case("distribution of a (300, 120) matrix"):
        check_he(compare.array(fn(300, 120, int(ctx.rng.integers(2**31))), "he_init(300, 120, rng)", (300, 120)),
                 300, "he_init(300, 120, rng)", confidence=statistics.per_test(3))
    with ctx.case("the same seed gives the same weights; rng may be a Generator"):
        draws_are_seeded(ctx, "initialization.he_init", (30, 20), "he_init(30, 20, seed)")


INIT_CONFIGS = (("he", 1.0), ("xavier", 2.5), ("he", 3.0))
INIT_TESTS = len(INIT_CONFIGS) * (3 * 3 + 1) + 3  # per configuration 3 layers x 3 tests + 1 correlation; defaults


@suite.check("initialization.init_mlp", points=3, false_failure=1e-6)
def init_mlp_layers(ctx):
    """Shapes, zero biases, each layer's law with the gain, independent layers, seeded, bad method."""
    fn = ctx.student.initialization.init_mlp
    sizes = [200, 150, 150, 100]
    confidence = statistics.per_test(INIT_TESTS)
    for method, gain in INIT_CONFIGS:
        with ctx.case(f"method={method!r}, gain={gain}"):
            params = compare.sequence(fn(sizes, int(ctx.rng.integers(2**31)), method, gain),
                                      f"init_mlp({sizes}, seed, {method!r}, {gain})", 3)
            weights = []
            for l, (layer, m, k) in enumerate(zip(params, sizes[:-1], sizes[1:]), 1):
                name = f"W of layer {l} from init_mlp(..., {method!r}, gain={gain})"
                W, b = compare.sequence(layer, f"layer {l} from init_mlp", 2)
                weights.append(compare.array(W, name, (m, k)))
                compare.equal(compare.array(b, f"b of layer {l} from init_mlp", (k,)), np.zeros(k),
                              f"b of layer {l} from init_mlp")
                if method == "he":
                    check_he(weights[-1], m, name, gain, confidence)
                else:
                    check_xavier(weights[-1], m, k, name, gain, confidence)
            statistics.uncorrelated(weights[0][:150], weights[1], "init_mlp: the weights of layers 1 and 2 "
                                    "(draw every layer from one generator, not from a fresh one per layer)",
                                    confidence=confidence)
    with ctx.case("defaults: He with gain 1, a single layer"):
        params = compare.sequence(fn([300, 200], int(ctx.rng.integers(2**31))), "init_mlp([300, 200], seed)", 1)
        W = compare.sequence(params[0], "layer 1 from init_mlp", 2)[0]
        check_he(compare.array(W, "W from init_mlp([300, 200], seed)", (300, 200)), 300,
                 "W from init_mlp([300, 200], seed) (default method and gain)", confidence=confidence)
    with ctx.case("the same seed gives the same weights; rng may be a Generator"):
        draws_are_seeded(ctx, "initialization.init_mlp", ([5, 4, 4, 3],), "init_mlp([5, 4, 4, 3], seed)")
    with ctx.case("unknown method raises ValueError", trivial=True):
        compare.raises(lambda: fn([3, 2], 0, "orthogonal"), ("ValueError",), "init_mlp", "for method='orthogonal'")


# ---------------------------------------------------------------- weight decay
def some_params(ctx, sizes=(4, 3, 2)):
    return [(ctx.rng.standard_normal((m, k)), ctx.rng.standard_normal(k)) for m, k in zip(sizes[:-1], sizes[1:])]


def param_list(value, like, name: str) -> list:
    """A returned list of (W, b) validated against the shapes of ``like``."""
    layers = compare.sequence(value, name, len(like))
    return [tuple(compare.array(a, f"{p}{l} in {name}", ref.shape)
                  for p, a, ref in zip("Wb", compare.sequence(layer, f"layer {l} of {name}", 2), pair))
            for l, (layer, pair) in enumerate(zip(layers, like), 1)]


@suite.check("regularization.sgd_weight_decay_step", points=2, name="l2_in_the_loss_equals_weight_decay")
def l2_equals_weight_decay(ctx):
    """Property: a step with weight_decay = lam equals a plain step (weight_decay = 0) on the
    gradient of loss + l2_penalty(lam), that is dW + lam * W and db; and the step moves with the
    gradient."""
    step = ctx.student.regularization.sgd_weight_decay_step
    params, grads = some_params(ctx), some_params(ctx)

    def prop(lam, lr):
        total = [(dW + lam * W, db) for (W, _), (dW, db) in zip(params, grads)]
        doubled = [(2 * dW, 2 * db) for dW, db in grads]
        decoupled, coupled, twice = (param_list(r, params, "sgd_weight_decay_step(...)") for r in step.map(
            [(params, grads, lr, lam), (params, total, lr, 0.0), (params, doubled, lr, lam)]))
        if all(np.array_equal(x, y) for a, b in zip(decoupled, twice) for x, y in zip(a, b)):
            ctx.fail("sgd_weight_decay_step: doubling the gradients did not change the step")
        for l, (c, d) in enumerate(zip(coupled, decoupled), 1):
            for p, x, y in zip("Wb", c, d):
                compare.close(y, x, f"{p}{l}: sgd_weight_decay_step with weight_decay=lam compared with a plain step "
                              "on the gradient of loss + l2_penalty(lam)", rtol=1e-10, atol=1e-12)

    properties.run(ctx, prop, max_examples=20, lam=properties.floats(0.0, 2.0), lr=properties.floats(1e-3, 1.0))


# ---------------------------------------------------------------- dropout
def dropout_parts(result, x, name):
    out, cache = compare.sequence(result, name, 2)
    return compare.array(out, f"out from {name}", x.shape), cache


@suite.check("regularization.dropout_forward", points=2, name="dropout_modes_and_edges")
def dropout_modes(ctx):
    """Evaluation mode returns a copy of x; p = 0 drops nothing; a given mask is used (zeros where it
    is False); p outside [0, 1) raises ValueError."""
    reg = ctx.student.regularization
    x = ctx.rng.standard_normal((4, 7))
    with ctx.case("evaluation mode: out equals x"):
        out, _ = dropout_parts(reg.dropout_forward(x, 0.5, False, 0), x, "dropout_forward(x, 0.5, train=False)")
        compare.close(out, x, "dropout_forward in evaluation mode", rtol=0, atol=0)
    with ctx.case("p=0 drops nothing"):
        out, _ = dropout_parts(reg.dropout_forward(x, 0.0, True, 3), x, "dropout_forward(x, 0.0, rng=3)")
        compare.close(out, x, "dropout_forward with p=0", rtol=0, atol=0)
    with ctx.case("a given mask decides what is dropped"):
        mask = np.arange(x.size).reshape(x.shape) % 3 != 0
        out, _ = dropout_parts(reg.dropout_forward(x, 0.4, True, None, mask), x, "dropout_forward(x, 0.4, mask=mask)")
        if np.any(out[~mask] != 0) or np.any(out[mask] == 0):
            ctx.fail("dropout_forward(x, 0.4, mask=mask): the entries where mask is False must be 0 and the others "
                     "kept (scaled)")
    for p in (1.0, -0.1):
        with ctx.case(f"p={p} raises ValueError", trivial=True):
            compare.raises(lambda: reg.dropout_forward(x, p, True, 0), ("ValueError",), "dropout_forward",
                           f"for p={p}")


DROPOUT_PS = (0.2, 0.5)


@suite.check("regularization.dropout_forward", points=3, name="dropout_statistics", false_failure=1e-6)
def dropout_statistics(ctx):
    """50,000 entries: the dropped fraction is p, every kept entry is x times one common scale, the
    mean is preserved (inverted dropout), and the seed fixes the mask (an int or a Generator)."""
    reg = ctx.student.regularization
    x = 1.0 + ctx.rng.standard_normal((200, 250))
    confidence = statistics.per_test(2 * len(DROPOUT_PS))
    for p in DROPOUT_PS:
        with ctx.case(f"p={p}"):
            name = f"dropout_forward(x, {p}, train=True, rng=seed)"
            seed = int(ctx.rng.integers(2**31))
            first, again, other = reg.dropout_forward.map([(x, p, True, seed), (x, p, True, seed), (x, p, True, seed + 1)])
            out, _ = dropout_parts(first, x, name)
            kept = out != 0
            statistics.proportion(int(np.sum(~kept)), x.size, p, f"{name}: the number of dropped entries",
                                  confidence=confidence)
            ratio = out[kept] / x[kept]
            compare.close(ratio, np.full(ratio.shape, ratio[0] if ratio.size else 1.0),
                          f"{name}: out / x on the kept entries (one common scale)", rtol=1e-12, atol=0)
            statistics.mean(out - x, 0.0, f"{name}: out - x (inverted dropout preserves the mean)",
                            variance=x**2 * p / (1 - p), confidence=confidence)
            if not np.array_equal(out, dropout_parts(again, x, name)[0]):
                ctx.fail(f"{name}: two calls with the same seed dropped different entries")
            if np.array_equal(out, dropout_parts(other, x, name)[0]):
                ctx.fail(f"{name}: two different seeds dropped the same entries")
            g, _ = dropout_parts(ctx.student.driver("unit03_training", "with_generator")(
                "regularization.dropout_forward", (x, p, True), seed), x, name)
            if not np.array_equal(g, out):
                ctx.fail(f"{name}: rng=np.random.default_rng(seed) dropped other entries than rng=seed")


@suite.check("regularization.dropout_backward", points=2, name="dropout_backward_is_the_transpose")
def dropout_backward_adjoint(ctx):
    """Dropout is linear in x, so <out, dout> = <x, dropout_backward(dout, cache)> for the out and cache
    of one call: with a mask, with a seed, with p = 0, and in evaluation mode. That call is the
    student's dropout_forward and, in official grading where that fails, the reference's
    (checks/upstream.py: a forward bug is not charged to the backward)."""
    reg = ctx.student.regularization
    x, dout = ctx.rng.standard_normal((5, 6)), ctx.rng.standard_normal((5, 6))
    mask = np.arange(30).reshape(5, 6) % 4 != 1
    for label, args, trivial in (("training mode with a mask, p=0.3", (x, 0.3, True, None, mask), False),
                                 ("training mode with a seed, p=0.6", (x, 0.6, True, 11), False),
                                 ("p=0 (nothing dropped)", (x, 0.0, True, 5), True),
                                 ("evaluation mode (the identity)", (x, 0.5, False, 0), True)):
        def out_and_dx(forward_result, args=args, label=label):  # forward_result: None for the student's own call
            out, cache = dropout_parts(reg.dropout_forward(*args) if forward_result is None else forward_result, x,
                                       f"dropout_forward ({label})")
            return out, compare.array(reg.dropout_backward(dout, cache), f"dropout_backward ({label})", x.shape)

        def judge(answer, label=label):
            out, dx = answer
            if not np.any(dx):
                ctx.fail(f"dropout_backward ({label}): the kept entries pass the gradient on, but dx is all zeros")
            gradients.adjoint(lambda _: out, lambda _: dx, x, dout, name=f"dropout_backward ({label})")

        with ctx.case(label, trivial=trivial):
            upstream_of.judged(ctx, judge, out_and_dx, lambda args=args: ctx.ref.regularization.dropout_forward(*args))


# ---------------------------------------------------------------- batch normalization
BN_ORDER = ["x", "gamma", "beta"]


def bn_inputs(ctx, n=6, d=4):
    """Features with their own offsets and scales, and running statistics from an earlier batch."""
    x = ctx.rng.uniform(-3, 3, d) + ctx.rng.uniform(0.5, 3, d) * ctx.rng.standard_normal((n, d))
    return {"x": x, "gamma": ctx.rng.uniform(0.5, 2, d), "beta": ctx.rng.standard_normal(d),
            "running_mean": ctx.rng.standard_normal(d), "running_var": ctx.rng.uniform(0.5, 2, d)}


def bn_call(p, train, **kw):
    return (p["x"], p["gamma"], p["beta"], p["running_mean"], p["running_var"], train), kw


@suite.check("batchnorm.batchnorm_forward", points=2, name="batchnorm_normalizes_and_is_invariant")
def batchnorm_forward_properties(ctx):
    """Properties in training mode: with gamma = 1 and beta = 0 each feature has mean 0 and variance 1,
    and x -> a * x + c per feature (a > 0) leaves the output unchanged."""
    fn = ctx.student.batchnorm.batchnorm_forward

    def prop(x, a, c):
        d = x.shape[1]
        ones, zeros = np.ones(d), np.zeros(d)
        outs = fn.map([(x, ones, zeros, zeros, ones, True), (a * x + c, ones, zeros, zeros, ones, True)], eps=1e-12)
        y, y2 = (compare.array(compare.sequence(o, "batchnorm_forward(...)", 4)[0], "out from batchnorm_forward",
                               x.shape) for o in outs)
        compare.close(y.mean(axis=0), zeros, "the per-feature mean of batchnorm_forward's output", atol=1e-9)
        compare.close(y.var(axis=0), ones, "the per-feature variance of batchnorm_forward's output", atol=1e-6)
        compare.close(y2, y, "batchnorm_forward(a * x + c) compared with batchnorm_forward(x)", atol=1e-6)

    spread = st.integers(2, 8).flatmap(lambda n: st.integers(1, 4).map(lambda d: (n, d)))
    x = spread.flatmap(lambda s: properties.arrays(s, -5, 5).filter(lambda a: np.all(a.std(axis=0) > 0.1)))
    properties.run(ctx, prop, max_examples=30, x=x, a=properties.floats(0.2, 5.0), c=properties.floats(-5.0, 5.0))


def bn_student_grads(ctx, p, train, upstreams, cache=None, **kw):
    """The student's batchnorm_backward for each upstream gradient, given ``cache`` (default: the
    student's batchnorm_forward's)."""
    args, kw = bn_call(p, train, **kw)
    bn = ctx.student.batchnorm
    if cache is None:
        cache = compare.sequence(bn.batchnorm_forward(*args, **kw), "batchnorm_forward(...)", 4)[3]
    return [tuple(compare.array(g, f"d{k} from batchnorm_backward", p[k].shape)
                  for g, k in zip(compare.sequence(o, "batchnorm_backward(...)", 3), BN_ORDER))
            for o in bn.batchnorm_backward.map([(g, cache) for g in upstreams])]


@suite.check("batchnorm.batchnorm_backward", points=3)
def batchnorm_gradient_check(ctx):
    """Finite differences of batchnorm_forward, in both modes (official grading: the reference's, and
    its cache if the student's own fails; the self-check: the student's own; see checks/upstream.py)."""
    own = upstream_of.forward(ctx, ctx.student.batchnorm.batchnorm_forward)
    for train in (True, False):
        with ctx.case("training mode" if train else "evaluation mode"), upstream_of.blame(own):
            p = bn_inputs(ctx)
            upstream = ctx.rng.standard_normal(p["x"].shape)
            forward = gradients.batched(own, ["x", "gamma", "beta", "running_mean", "running_var"], p["x"].shape,
                                        "out from batchnorm_forward",
                                        select=lambda r: compare.sequence(r, "batchnorm_forward(...)", 4)[0],
                                        fixed={"train": train, "eps": 1e-3})
            seed = int(ctx.rng.integers(2**32))  # the directions, the same for either cache

            def judge(grads):  # called within this iteration: the closure's names are this case's
                gradients.directional(gradients.varying(forward, "batchnorm_forward"), p, dict(zip(BN_ORDER, grads[0])),
                                      upstream, rng=np.random.default_rng(seed),
                                      name=f"batchnorm_backward ({'training' if train else 'evaluation'} mode)")

            upstream_of.judged(ctx, judge, lambda cache: bn_student_grads(ctx, p, train, [upstream], cache, eps=1e-3),
                               lambda: ctx.ref.batchnorm.batchnorm_forward(*bn_call(p, train)[0], eps=1e-3)[3])


@suite.check("batchnorm.batchnorm_backward", points=2, name="batchnorm_backward_properties")
def batchnorm_backward_properties(ctx):
    """In training mode dx sums to zero over the batch (for any upstream gradient); backward contract.
    With the student's own forward's cache, in official grading the reference forward's where that
    fails (checks/upstream.py)."""
    p = bn_inputs(ctx, n=8, d=3)
    reference_cache = lambda: ctx.ref.batchnorm.batchnorm_forward(*bn_call(p, True)[0])[3]  # noqa: E731

    def judge(grads):
        for dx, _, _ in grads:
            if not np.any(dx):
                ctx.fail("batchnorm_backward: dx is all zeros for a random upstream gradient")
            compare.close(dx.sum(axis=0), np.zeros(3), "the sum over the batch of dx from batchnorm_backward",
                          atol=1e-10 * max(1.0, float(np.abs(dx).sum())))

    upstreams = [ctx.rng.standard_normal((8, 3)) for _ in range(3)]
    with ctx.case("training mode: dx sums to zero over the batch, and is not zero"):
        upstream_of.judged(ctx, judge, lambda cache: bn_student_grads(ctx, p, True, upstreams, cache), reference_cache)
    gradients.backward_contract_cases(ctx, lambda gs: upstream_of.readable(
        ctx, lambda cache: bn_student_grads(ctx, p, True, gs, cache), reference_cache), (8, 3), "batchnorm_backward")


@suite.check("batchnorm.batchnorm_backward", points=2, needs_reference=True,
             name="batchnorm_backward_matches_reference")
def batchnorm_backward_reference(ctx):
    for train in (True, False):
        with ctx.case("training mode" if train else "evaluation mode"):
            p = bn_inputs(ctx)
            upstream = ctx.rng.standard_normal(p["x"].shape)
            args, kw = bn_call(p, train)
            cache = ctx.ref.batchnorm.batchnorm_forward(*args)[3]
            expected = ctx.ref.batchnorm.batchnorm_backward(upstream, cache)

            def judge(grads):  # called within this iteration
                for key, got, want in zip(BN_ORDER, grads[0], expected):
                    compare.close(got, want, f"d{key} from batchnorm_backward", hidden=ctx.hidden)

            upstream_of.judged(ctx, judge, lambda given: bn_student_grads(ctx, p, train, [upstream], given),
                               lambda: cache)


# ---------------------------------------------------------------- optimizers
def student_trajectory(ctx, name: str, w0, grads, hyper: dict) -> list[np.ndarray]:
    fn, w, state, out = getattr(ctx.student.optimizers, name), w0, None, []
    for t, g in enumerate(grads, 1):
        w, state = compare.sequence(fn(w, g, state, **hyper), f"{name}(w, dw, state)", 2)
        w = compare.array(w, f"new_w from {name} at step {t}", w0.shape)
        out.append(w)
    return out


def gradient_sequence(ctx, steps=5, shape=(3, 4)):
    """Gradients of mixed magnitudes (every third entry eps-sized, the others of order 1), changing sign."""
    scale = np.where(np.arange(np.prod(shape)).reshape(shape) % 3 == 0, 1e-3, 1.0)
    return [scale * ctx.rng.standard_normal(shape) for _ in range(steps)]


def adam_key(steps: int) -> list[Key]:
    """The parameter after each of the first ``steps`` Adam steps: the docstring's update unrolled,
    as a formula of ``w, g1 ... g<steps>, lr, beta1, beta2, eps`` (Kingma and Ba 2015, Algorithm 1)."""
    names = " ".join(["w", *(f"g{t}" for t in range(1, steps + 1)), "lr beta1 beta2 eps"])

    def after(t: int):
        def unrolled(math, w, *args):
            gs, (lr, b1, b2, eps) = args[:steps], args[steps:]
            m = v = 0
            for step, g in enumerate(gs[:t], 1):
                m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
                w = w - lr * (m / (1 - b1**step)) / (math.sqrt(v / (1 - b2**step)) + eps)
            return w
        return Key.formula(unrolled, names)
    return [after(t) for t in range(1, steps + 1)]


@suite.check("optimizers.adam", points=2, name="adam_bias_correction_key")
def adam_bias_correction(ctx):
    """The first three steps against the docstring's update unrolled in 50-digit mpmath, bias correction included."""
    w0, grads = ctx.rng.standard_normal((2, 3)), gradient_sequence(ctx, 3, (2, 3))
    hyper = {"lr": 0.1, "beta1": 0.8, "beta2": 0.95, "eps": 1e-3}
    got = student_trajectory(ctx, "adam", w0, grads, hyper)
    for t, key in enumerate(adam_key(3), 1):
        with ctx.case(f"step {t}"):
            compare.close(got[t - 1], key(w0, *grads, *hyper.values()),
                          f"w after step {t} of adam (with the bias corrections 1 - beta ** {t})", rtol=1e-10,
                          atol=1e-12, hidden=ctx.hidden)


# ---------------------------------------------------------------- mini-batches
# Every edge of the docstring in every grading: n = 0, n < batch_size, n == batch_size, n a
# multiple of batch_size, a short last batch, batch_size = 1.
MINIBATCH_SIZES = [(0, 3), (1, 1), (5, 12), (12, 12), (12, 4), (13, 4), (13, 5), (7, 1)]


def judge_minibatches(ctx, case, answer):
    n, batch_size, shuffle, drop_last, _ = case
    name = f"minibatches({n}, {batch_size}, seed, shuffle={shuffle}, drop_last={drop_last})"
    keep = n - n % batch_size if drop_last else n
    sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size and not drop_last else [])
    first, again = (compare.sequence(a, name, len(sizes)) for a in answer)
    got = [compare.array(b, f"batch {i} of {name}", (k,), kinds="iu") for i, (b, k) in enumerate(zip(first, sizes))]
    indices = np.concatenate(got) if got else np.zeros(0)
    if shuffle and not drop_last:
        compare.equal(np.sort(indices), np.arange(n, dtype=float), f"the sorted indices of all batches of {name}")
    elif not shuffle:
        compare.equal(indices, np.arange(keep, dtype=float), f"the indices of {name}, in order")
    elif len(np.unique(indices)) != keep or not np.all((indices >= 0) & (indices < n)):
        ctx.fail(f"{name}: the batches must hold {keep} distinct indices in 0..{n - 1}")
    for i, (a, b) in enumerate(zip(got, again)):
        compare.equal(compare.array(b, f"batch {i} of {name}", a.shape, kinds="iu"), a,
                      f"batch {i} of {name} called twice with the same seed")


@suite.check("training.minibatches", points=3)
def minibatch_partition(ctx):
    """For each of shuffle and drop_last, the documented edges plus 10 generated cases: every
    index once per epoch (at most once with drop_last), batch sizes, order without shuffling, and
    the same seed gives the same batches; the defaults; a Generator as rng; batch_size=0 raises."""
    fn = ctx.student.training.minibatches
    for shuffle, drop_last in itertools.product((True, False), repeat=2):
        with ctx.case(f"shuffle={shuffle}, drop_last={drop_last}"):
            cases = [(n, size, shuffle, drop_last, int(ctx.rng.integers(2**31))) for n, size in MINIBATCH_SIZES]
            cases += [(int(ctx.rng.integers(0, 41)), int(ctx.rng.integers(1, 13)), shuffle, drop_last,
                       int(ctx.rng.integers(2**31))) for _ in range(10)]
            answers = fn.map([(n, size, seed, shuffle, drop) for n, size, shuffle, drop, seed in cases for _ in range(2)])
            generated.judge_all(cases, list(zip(answers[::2], answers[1::2])),
                                lambda case, answer: judge_minibatches(ctx, case, answer), size=lambda c: c[0])
    with ctx.case("defaults: shuffled, the short last batch kept"):
        batches = compare.sequence(fn(10, 4, 3), "minibatches(10, 4, seed)", 3)
        sizes = [len(compare.array(b, f"batch {i} of minibatches(10, 4, seed)", kinds="iu")) for i, b in enumerate(batches)]
        compare.equal(np.array(sizes), np.array([4, 4, 2]), "the batch sizes of minibatches(10, 4, seed)")
        compare.equal(np.sort(leaves(batches, "minibatches")), np.arange(10.0),
                      "the sorted indices of all batches of minibatches(10, 4, seed)")
        if np.array_equal(leaves(batches, "minibatches"), np.arange(10)):
            ctx.fail("minibatches(10, 4, seed) returned the indices in order; by default they are shuffled")
    with ctx.case("rng may be a Generator"):
        draws_are_seeded(ctx, "training.minibatches", (10, 4), "minibatches(10, 4, seed)")
    with ctx.case("batch_size=0 raises ValueError", trivial=True):
        compare.raises(lambda: fn(5, 0, 0), ("ValueError",), "minibatches", "for batch_size=0")


@suite.check("training.minibatches", points=2, name="minibatch_shuffle_is_uniform", false_failure=1e-6)
def minibatch_shuffle_uniform(ctx):
    """Over 720 seeds all 24 orders of 4 indices are equally likely (chi-square); seeds give new orders."""
    seeds = ctx.rng.choice(2**31, 720, replace=False)
    orders = [tuple(int(i) for i in leaves(b, "minibatches(4, 4, seed)")) for b in
              ctx.student.training.minibatches.map([(4, 4, int(s)) for s in seeds])]
    perms = {p: i for i, p in enumerate(itertools.permutations(range(4)))}
    if any(o not in perms for o in orders):
        ctx.fail("minibatches(4, 4, seed): the batches do not hold a permutation of 0..3")
    counts = np.bincount([perms[o] for o in orders], minlength=24)
    statistics.goodness_of_fit(counts, np.full(24, 1 / 24), "minibatches(4, 4, seed) over 720 seeds",
                               what="orders")
