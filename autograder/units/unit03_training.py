"""Unit 3 checks: a deep MLP, initialization and gradient flow, weight decay, dropout, batch
normalization, optimizers, mini-batches, early stopping, and a training outcome."""
from __future__ import annotations

import itertools

import numpy as np
import sympy as sp
from hypothesis import strategies as st
from scipy import special, stats

from .. import drivers
from ..checks import compare, generated, gradients, outcomes, properties, statistics
from ..checks.symbolic import Key, symbols
from ..context import CheckFailure
from ..suite import Suite

suite = Suite("unit03_training",
              modules=["layers", "initialization", "regularization", "batchnorm", "optimizers", "training"],
              title="Training deep networks: initialization, regularization, normalization, optimizers",
              drivers=drivers.load("unit03_training"))

EXACT = {"rtol": 1e-12, "atol": 1e-12}


# ---------------------------------------------------------------- layers: the MLP
def labels(ctx, n, c):
    """Labels that use every class at least once (when n >= c)."""
    return ctx.rng.permutation(np.resize(np.arange(c), n))


@suite.check("layers.softmax_cross_entropy", points=2)
def softmax_cross_entropy_values(ctx):
    """Loss and gradient against scipy's log_softmax, including logits of size 1e4."""
    fn = ctx.student.layers.softmax_cross_entropy
    for label, scale in (("moderate scores", 3.0), ("scores up to 1e4 (stability)", 1e4)):
        with ctx.case(label):
            scores, y = scale * ctx.rng.standard_normal((6, 4)), labels(ctx, 6, 4)
            log_p = special.log_softmax(scores, axis=1)
            loss, dscores = compare.sequence(fn(scores, y), "softmax_cross_entropy(scores, y)", 2)
            compare.close_scalar(loss, -np.mean(log_p[np.arange(6), y]), "the loss from softmax_cross_entropy",
                                 rtol=1e-10, hidden=ctx.hidden)
            compare.close(dscores, (np.exp(log_p) - np.eye(4)[y]) / 6, "dscores from softmax_cross_entropy",
                          hidden=ctx.hidden, rtol=1e-9, atol=1e-10)


@suite.check("layers.softmax_cross_entropy", points=1, name="softmax_gradient_matches_finite_differences")
def softmax_gradient_finite_differences(ctx):
    scores, y = ctx.rng.standard_normal((5, 3)), labels(ctx, 5, 3)
    fn = ctx.student.layers.softmax_cross_entropy
    _, dscores = compare.sequence(fn(scores, y), "softmax_cross_entropy(scores, y)", 2)
    loss = gradients.batched(fn, ["scores"], (), "the loss from softmax_cross_entropy",
                             select=lambda r: np.asarray(compare.scalar(
                                 compare.sequence(r, "softmax_cross_entropy", 2)[0], "the loss")),
                             fixed={"y": y})
    gradients.directional(loss, {"scores": scores}, {"scores": dscores}, np.ones(()), rng=ctx.rng,
                          name="softmax_cross_entropy")


def mlp_params(ctx, sizes, activation="relu", gap=1e-2):
    """Weights (and inputs) whose hidden ReLU pre-activations stay at least ``gap`` from the kink.
    The pre-activations of layer l are the scores of the first l layers (outcomes.mlp_scores)."""
    for _ in range(200):
        params = [(ctx.rng.standard_normal((m, k)) / np.sqrt(m), 0.3 * ctx.rng.standard_normal(k))
                  for m, k in zip(sizes[:-1], sizes[1:])]
        X = ctx.rng.standard_normal((4, sizes[0]))
        if activation == "sigmoid" or all(
                np.min(np.abs(outcomes.mlp_scores(params[:l], X, sizes[:l + 1], "params"))) > gap
                for l in range(1, len(params))):
            return X, params
    raise RuntimeError("could not draw inputs away from the kink")


def flat(params) -> dict:
    return {f"{p}{l}": a for l, layer in enumerate(params, 1) for p, a in zip("Wb", layer)}


def nested(points: dict, layers: int) -> list:
    return [(points[f"W{l}"], points[f"b{l}"]) for l in range(1, layers + 1)]


@suite.check("layers.mlp_forward", points=2)
def mlp_forward_values(ctx):
    for activation, sizes in (("relu", [3, 5, 4, 2]), ("sigmoid", [4, 6, 5, 5, 3]), ("relu", [3, 2])):
        with ctx.case(f"{activation}, layer sizes {sizes}"):
            X, params = mlp_params(ctx, sizes, activation)
            out = compare.sequence(ctx.student.layers.mlp_forward(X, params, activation), "mlp_forward(...)", 2)
            compare.close(out[0], outcomes.mlp_scores(params, X, sizes, "params", activation),
                          f"scores from mlp_forward(X, params, {activation!r})", hidden=ctx.hidden)
    with ctx.case("the default activation is relu"):
        X, params = mlp_params(ctx, [3, 4, 2])
        out = compare.sequence(ctx.student.layers.mlp_forward(X, params), "mlp_forward(X, params)", 2)
        compare.close(out[0], outcomes.mlp_scores(params, X, [3, 4, 2], "params"),
                      "scores from mlp_forward(X, params) (default activation)", hidden=ctx.hidden)
    with ctx.case("unknown activation"):
        compare.raises(lambda: ctx.student.layers.mlp_forward(X, params, "tanh"), ("ValueError",),
                       "mlp_forward", "for activation='tanh'")


def mlp_student_grads(ctx, X, params, activation, upstreams):
    """The student's mlp_backward for each upstream gradient (one forward call for the cache)."""
    net = ctx.student.layers
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
    def forward(points):
        outs = ctx.student.layers.mlp_forward.map([(X, nested(p, layers), activation) for p in points])
        return [compare.array(compare.sequence(o, "mlp_forward(...)", 2)[0], "scores", shape) for o in outs]
    return forward


@suite.check("layers.mlp_backward", points=3)
def mlp_backward_gradient_check(ctx):
    """Finite differences of the student's own forward pass along random directions."""
    for activation, sizes in (("relu", [3, 5, 4, 2]), ("sigmoid", [4, 5, 3, 3])):
        with ctx.case(activation):
            X, params = mlp_params(ctx, sizes, activation)
            upstream = ctx.rng.standard_normal((4, sizes[-1]))
            (grads,) = mlp_student_grads(ctx, X, params, activation, [upstream])
            inputs = flat(params)
            gradients.directional(mlp_forward_batched(ctx, X, len(params), activation, upstream.shape), inputs,
                                  dict(zip(inputs, grads)), upstream, rng=ctx.rng, name="mlp_backward")


@suite.check("layers.mlp_backward", points=1)
def mlp_backward_contract(ctx):
    X, params = mlp_params(ctx, [3, 4, 4, 2])
    gradients.backward_contract(lambda gs: mlp_student_grads(ctx, X, params, "relu", gs), (4, 2), rng=ctx.rng,
                                name="mlp_backward")


@suite.check("layers.mlp_backward", points=2, needs_reference=True, name="mlp_backward_matches_reference")
def mlp_backward_reference(ctx):
    for activation in ("relu", "sigmoid"):
        with ctx.case(activation):
            X, params = mlp_params(ctx, [3, 5, 4, 2], activation)
            upstream = ctx.rng.standard_normal((4, 2))
            _, cache = ctx.ref.layers.mlp_forward(X, params, activation)
            expected = [g for pair in ctx.ref.layers.mlp_backward(upstream, cache) for g in pair]
            (grads,) = mlp_student_grads(ctx, X, params, activation, [upstream])
            for key, got, want in zip(flat(params), grads, expected):
                compare.close(got, want, f"d{key} from mlp_backward ({activation})", hidden=ctx.hidden)


# ---------------------------------------------------------------- gradient flow with depth
def deep_net(ctx, sizes, std, gain=1.0):
    """Gaussian weights of standard deviation ``gain * std(fan_in, fan_out)`` per layer, zero biases."""
    return [(gain * std(m, k) * ctx.rng.standard_normal((m, k)), np.zeros(k)) for m, k in zip(sizes[:-1], sizes[1:])]


DEEP = [20] + [64] * 9 + [4]


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
            compare.close(student_norms(ctx, X, y, params, activation), expected,
                          "layer_gradient_norms compared with the norms of your mlp_backward's dW", rtol=1e-10)


@suite.check("layers.layer_gradient_norms", points=3)
def vanishing_and_exploding_gradients(ctx):
    """A 10-layer net: sigmoid + Xavier vanishes toward the input; ReLU + He keeps every layer within
    a factor 50; He scaled by 3 explodes (every layer at least 100 times the He norms)."""
    X, y = ctx.rng.standard_normal((64, DEEP[0])), labels(ctx, 64, DEEP[-1])
    xavier, he = (lambda m, k: np.sqrt(2 / (m + k))), (lambda m, k: np.sqrt(2 / m))
    with ctx.case("sigmoid with Xavier weights: vanishing"):
        norms = student_norms(ctx, X, y, deep_net(ctx, DEEP, xavier), "sigmoid")
        if not norms[0] < 1e-3 * norms[-1]:
            ctx.fail(f"layer_gradient_norms: in a 10-layer sigmoid net the first layer's gradient norm should be "
                     f"below 1e-3 times the last layer's; got the ratio {norms[0] / norms[-1]:.3g}")
    he_norms = student_norms(ctx, X, y, deep_net(ctx, DEEP, he), "relu")
    with ctx.case("ReLU with He weights: stable"):
        if not he_norms.min() > he_norms.max() / 50:
            ctx.fail(f"layer_gradient_norms: with He initialization the gradient norms of all layers should be "
                     f"within a factor 50; got {np.array2string(he_norms, precision=3)}")
    with ctx.case("ReLU with 3 x He weights: exploding"):
        big = student_norms(ctx, X, y, deep_net(ctx, DEEP, he, gain=3.0), "relu")
        if not np.all(big > 100 * he_norms):
            ctx.fail("layer_gradient_norms: with weights 3 times the He scale every layer's gradient norm should be "
                     f"over 100 times the He one; the ratios are {np.array2string(big / he_norms, precision=3)}")


@suite.check("layers.layer_gradient_norms", points=2, needs_reference=True,
             name="layer_gradient_norms_match_reference")
def gradient_norms_reference(ctx):
    X, y = ctx.rng.standard_normal((16, 5)), labels(ctx, 16, 3)
    for activation in ("relu", "sigmoid"):
        with ctx.case(activation):
            params = deep_net(ctx, [5, 8, 8, 8, 3], lambda m, k: np.sqrt(2 / m))
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
    return stats.norm.ppf(np.linspace(0, 1, bins + 1)) * std


def leaves(value, name: str) -> np.ndarray:
    """All arrays in a (nested) list or tuple, flattened into one vector."""
    if type(value) in (list, tuple):
        return np.concatenate([leaves(v, name) for v in value] or [np.zeros(0)])
    return compare.array(value, name).ravel()


def draws_are_seeded(fn, args: tuple, name: str, seeds=(7, 8)):
    """Same seed, same draws; another seed, other draws (one round trip)."""
    a, b, c = (leaves(v, name) for v in fn.map([args + (seeds[0],), args + (seeds[0],), args + (seeds[1],)]))
    if a.shape != b.shape or not np.array_equal(a, b):
        raise CheckFailure(f"{name}: two calls with the same seed gave different results")
    if a.shape == c.shape and np.array_equal(a, c):
        raise CheckFailure(f"{name}: two different seeds gave the same result")


def check_xavier(W, fan_in, fan_out, name, gain=1.0):
    """Uniform on [-a, a], a = gain * sqrt(6 / (fan_in + fan_out)): support, mean, variance, shape of the law."""
    a = gain * np.sqrt(6 / (fan_in + fan_out))
    if np.max(np.abs(W)) > a * (1 + 1e-12):
        raise CheckFailure(f"{name}: an entry has |W| = {np.max(np.abs(W)):.4g}, outside [-a, a] with "
                                   f"a = {a:.4g}")
    statistics.mean(W, 0.0, f"{name}", variance=a * a / 3)
    statistics.variance(W, a * a / 3, name, kurtosis=9 / 5)
    statistics.goodness_of_fit(np.histogram(W, np.linspace(-a, a, 11))[0], np.full(10, 0.1),
                               f"{name} (uniform on [-a, a])", what="equal-width bins")


def check_he(W, fan_in, name, gain=1.0):
    """Normal with mean 0 and variance gain^2 * 2 / fan_in: mean, variance, shape of the law."""
    std = gain * np.sqrt(2 / fan_in)
    statistics.mean(W, 0.0, name, variance=std**2)
    statistics.variance(W, std**2, name, kurtosis=3.0)
    statistics.goodness_of_fit(np.histogram(W, normal_bins(std))[0], np.full(10, 0.1),
                               f"{name} (normal with variance 2 / fan_in)", what="equally likely bins")


@suite.check("initialization.xavier_init", points=3)
def xavier_statistics(ctx):
    """37,500 draws: within [-a, a], mean 0, variance 2 / (fan_in + fan_out), uniform; seeded."""
    fn = ctx.student.initialization.xavier_init
    with ctx.case("distribution of a (150, 250) matrix"):
        check_xavier(compare.array(fn(150, 250, int(ctx.rng.integers(2**31))), "xavier_init(150, 250, rng)",
                                   (150, 250)), 150, 250, "xavier_init(150, 250, rng)")
    with ctx.case("the same seed gives the same weights"):
        draws_are_seeded(fn, (30, 20), "xavier_init(30, 20, seed)")


@suite.check("initialization.he_init", points=3)
def he_statistics(ctx):
    """36,000 draws: mean 0, variance 2 / fan_in, normal (chi-square over 10 bins); seeded."""
    fn = ctx.student.initialization.he_init
    with ctx.case("distribution of a (300, 120) matrix"):
        check_he(compare.array(fn(300, 120, int(ctx.rng.integers(2**31))), "he_init(300, 120, rng)", (300, 120)),
                 300, "he_init(300, 120, rng)")
    with ctx.case("the same seed gives the same weights"):
        draws_are_seeded(fn, (30, 20), "he_init(30, 20, seed)")


@suite.check("initialization.init_mlp", points=3)
def init_mlp_layers(ctx):
    """Shapes, zero biases, each layer's law with the gain, independent layers, seeded, bad method."""
    fn = ctx.student.initialization.init_mlp
    sizes = [200, 150, 150, 100]
    for method, gain in (("he", 1.0), ("xavier", 2.5), ("he", 3.0)):
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
                    check_he(weights[-1], m, name, gain)
                else:
                    check_xavier(weights[-1], m, k, name, gain)
            statistics.uncorrelated(weights[0][:150], weights[1], "init_mlp: the weights of layers 1 and 2 "
                                    "(draw every layer from one generator, not from a fresh one per layer)")
    with ctx.case("defaults: He with gain 1"):
        params = compare.sequence(fn([300, 200], int(ctx.rng.integers(2**31))), "init_mlp([300, 200], seed)", 1)
        W = compare.sequence(params[0], "layer 1 from init_mlp", 2)[0]
        check_he(compare.array(W, "W from init_mlp([300, 200], seed)", (300, 200)), 300,
                 "W from init_mlp([300, 200], seed) (default method and gain)")
    with ctx.case("the same seed gives the same weights"):
        draws_are_seeded(fn, ([5, 4, 4, 3],), "init_mlp([5, 4, 4, 3], seed)")
    with ctx.case("unknown method"):
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


@suite.check("regularization.l2_penalty", points=2)
def l2_penalty_values(ctx):
    params, lam = some_params(ctx), float(ctx.rng.uniform(0.1, 2.0))
    penalty, grads = compare.sequence(ctx.student.regularization.l2_penalty(params, lam), "l2_penalty(params, lam)", 2)
    compare.close_scalar(penalty, 0.5 * lam * sum(np.sum(W**2) for W, _ in params),
                         "the penalty from l2_penalty (lam / 2 times the sum of squared weights; no biases)",
                         rtol=1e-12, hidden=ctx.hidden)
    for l, ((dW, db), (W, b)) in enumerate(zip(param_list(grads, params, "l2_penalty's gradients"), params), 1):
        compare.close(dW, lam * W, f"dW{l} from l2_penalty", hidden=ctx.hidden, **EXACT)
        compare.close(db, np.zeros_like(b), f"db{l} from l2_penalty (biases are not penalized)", **EXACT)


@suite.check("regularization.sgd_weight_decay_step", points=2)
def weight_decay_step_values(ctx):
    params, grads = some_params(ctx), some_params(ctx)
    lr, wd = float(ctx.rng.uniform(0.01, 0.5)), float(ctx.rng.uniform(0.01, 1.0))
    new = param_list(ctx.student.regularization.sgd_weight_decay_step(params, grads, lr, wd), params,
                     "sgd_weight_decay_step(...)")
    for l, ((W, b), (dW, db), (nW, nb)) in enumerate(zip(params, grads, new), 1):
        compare.close(nW, W - lr * (dW + wd * W), f"W{l} from sgd_weight_decay_step", hidden=ctx.hidden, **EXACT)
        compare.close(nb, b - lr * db, f"b{l} from sgd_weight_decay_step (no decay on biases)", hidden=ctx.hidden,
                      **EXACT)


@suite.check("regularization.sgd_weight_decay_step", points=2, name="l2_in_the_loss_equals_weight_decay")
def l2_equals_weight_decay(ctx):
    """Property: an SGD step on loss + l2_penalty(lam) equals a decoupled step with weight_decay = lam."""
    reg = ctx.student.regularization
    params, grads = some_params(ctx), some_params(ctx)

    def prop(lam, lr):
        _, l2 = compare.sequence(reg.l2_penalty(params, lam), "l2_penalty(params, lam)", 2)
        l2 = param_list(l2, params, "l2_penalty's gradients")
        total = [(dW + gW, db + gb) for (dW, db), (gW, gb) in zip(grads, l2)]
        coupled, decoupled = (param_list(r, params, "sgd_weight_decay_step(...)") for r in
                              reg.sgd_weight_decay_step.map([(params, total, lr, 0.0), (params, grads, lr, lam)]))
        for l, (c, d) in enumerate(zip(coupled, decoupled), 1):
            for p, x, y in zip("Wb", c, d):
                compare.close(y, x, f"{p}{l}: sgd_weight_decay_step with weight_decay=lam compared with a plain step "
                              "on the gradient of loss + l2_penalty(lam)", rtol=1e-10, atol=1e-12)

    properties.run(ctx, prop, max_examples=20, lam=properties.floats(0.0, 2.0), lr=properties.floats(1e-3, 1.0))


# ---------------------------------------------------------------- dropout
def dropout_parts(ctx, result, x, name):
    out, cache = compare.sequence(result, name, 2)
    return compare.array(out, f"out from {name}", x.shape), cache


@suite.check("regularization.dropout_forward", points=2)
def dropout_with_mask(ctx):
    """With an explicit mask: exact output and exact backward; p = 0 keeps everything."""
    reg = ctx.student.regularization
    x, dout = ctx.rng.standard_normal((5, 6)), ctx.rng.standard_normal((5, 6))
    mask = ctx.rng.random((5, 6)) < 0.6
    for p in (0.3, 0.75):
        with ctx.case(f"p={p}"):
            name = f"dropout_forward(x, {p}, mask=mask)"
            out, cache = dropout_parts(ctx, reg.dropout_forward(x, p, mask=mask), x, name)
            compare.close(out, np.where(mask, x / (1 - p), 0.0), name, inputs={"x": x}, hidden=ctx.hidden, **EXACT)
            compare.close(reg.dropout_backward(dout, cache), np.where(mask, dout / (1 - p), 0.0),
                          f"dropout_backward after {name}", hidden=ctx.hidden, **EXACT)
    with ctx.case("p=0 drops nothing"):
        out, cache = dropout_parts(ctx, reg.dropout_forward(x, 0.0, True, 3), x, "dropout_forward(x, 0.0, rng=3)")
        compare.close(out, x, "dropout_forward with p=0", **EXACT)
        compare.close(reg.dropout_backward(dout, cache), dout, "dropout_backward with p=0", **EXACT)


@suite.check("regularization.dropout_forward", points=3, name="dropout_statistics")
def dropout_statistics(ctx):
    """50,000 entries: the dropped fraction is p, kept entries are x / (1 - p), the mean is preserved,
    backward uses the same mask, and the seed fixes the mask."""
    reg = ctx.student.regularization
    x = 1.0 + ctx.rng.standard_normal((200, 250))
    for p in (0.2, 0.5):
        with ctx.case(f"p={p}"):
            name = f"dropout_forward(x, {p}, train=True, rng=seed)"
            seed = int(ctx.rng.integers(2**31))
            first, again, other = reg.dropout_forward.map([(x, p, True, seed), (x, p, True, seed), (x, p, True, seed + 1)])
            out, cache = dropout_parts(ctx, first, x, name)
            kept = out != 0
            statistics.proportion(int(np.sum(~kept)), x.size, p, f"{name}: the number of dropped entries")
            compare.close(out[kept], x[kept] / (1 - p), f"{name}: the kept entries (x / (1 - p))", **EXACT)
            statistics.mean(out - x, 0.0, f"{name}: out - x (inverted dropout preserves the mean)",
                            variance=x**2 * p / (1 - p))
            dout = ctx.rng.standard_normal(x.shape)
            compare.close(reg.dropout_backward(dout, cache), np.where(kept, dout / (1 - p), 0.0),
                          f"dropout_backward after {name} (the same mask as the forward pass)", **EXACT)
            if not np.array_equal(out, dropout_parts(ctx, again, x, name)[0]):
                ctx.fail(f"{name}: two calls with the same seed dropped different entries")
            if np.array_equal(out, dropout_parts(ctx, other, x, name)[0]):
                ctx.fail(f"{name}: two different seeds dropped the same entries")


@suite.check("regularization.dropout_backward", points=2)
def dropout_evaluation_mode(ctx):
    """Evaluation mode is the identity (forward and backward); p outside [0, 1) raises ValueError."""
    reg = ctx.student.regularization
    x, dout = ctx.rng.standard_normal((4, 7)), ctx.rng.standard_normal((4, 7))
    with ctx.case("evaluation mode"):
        out, cache = dropout_parts(ctx, reg.dropout_forward(x, 0.5, False, 0), x, "dropout_forward(x, 0.5, train=False)")
        compare.close(out, x, "dropout_forward in evaluation mode", rtol=0, atol=0)
        compare.close(reg.dropout_backward(dout, cache), dout, "dropout_backward in evaluation mode", rtol=0, atol=0)
    for p in (1.0, -0.1):
        with ctx.case(f"p={p} raises ValueError"):
            compare.raises(lambda: reg.dropout_forward(x, p, True, 0), ("ValueError",), "dropout_forward",
                           f"for p={p}")


# ---------------------------------------------------------------- batch normalization
BN_ORDER = ["x", "gamma", "beta"]


def bn_inputs(ctx, n=6, d=4):
    """Features with their own offsets and scales, and running statistics from an earlier batch."""
    x = ctx.rng.uniform(-3, 3, d) + ctx.rng.uniform(0.5, 3, d) * ctx.rng.standard_normal((n, d))
    return {"x": x, "gamma": ctx.rng.uniform(0.5, 2, d), "beta": ctx.rng.standard_normal(d),
            "running_mean": ctx.rng.standard_normal(d), "running_var": ctx.rng.uniform(0.5, 2, d)}


def bn_call(p, train, **kw):
    return (p["x"], p["gamma"], p["beta"], p["running_mean"], p["running_var"], train), kw


def bn_forward(ctx, p, train, **kw):
    args, kw = bn_call(p, train, **kw)
    out = compare.sequence(ctx.student.batchnorm.batchnorm_forward(*args, **kw), "batchnorm_forward(...)", 4)
    d = p["x"].shape[1]
    return (compare.array(out[0], "out from batchnorm_forward", p["x"].shape),
            compare.array(out[1], "new_running_mean from batchnorm_forward", (d,)),
            compare.array(out[2], "new_running_var from batchnorm_forward", (d,)), out[3])


@suite.check("batchnorm.batchnorm_forward", points=2)
def batchnorm_training_forward(ctx):
    """Training mode: normalized with the batch statistics (biased variance); running statistics updated."""
    p = bn_inputs(ctx)
    momentum, eps = float(ctx.rng.uniform(0.5, 0.95)), 1e-3
    out, mean, var, _ = bn_forward(ctx, p, True, momentum=momentum, eps=eps)
    mu, v = p["x"].mean(axis=0), p["x"].var(axis=0)
    compare.close(out, p["gamma"] * (p["x"] - mu) / np.sqrt(v + eps) + p["beta"],
                  "out from batchnorm_forward in training mode", hidden=ctx.hidden, rtol=1e-10, atol=1e-12)
    compare.close(mean, momentum * p["running_mean"] + (1 - momentum) * mu,
                  "new_running_mean from batchnorm_forward in training mode", hidden=ctx.hidden, **EXACT)
    compare.close(var, momentum * p["running_var"] + (1 - momentum) * v,
                  "new_running_var from batchnorm_forward in training mode (uses the biased batch variance)",
                  hidden=ctx.hidden, **EXACT)


@suite.check("batchnorm.batchnorm_forward", points=1, name="batchnorm_defaults")
def batchnorm_defaults(ctx):
    """Without the optional arguments: training mode, momentum 0.9, eps 1e-5."""
    p = bn_inputs(ctx)
    args = (p["x"], p["gamma"], p["beta"], p["running_mean"], p["running_var"])
    out = compare.sequence(ctx.student.batchnorm.batchnorm_forward(*args), "batchnorm_forward(x, gamma, beta, "
                           "running_mean, running_var)", 4)
    mu, v = p["x"].mean(axis=0), p["x"].var(axis=0)
    name = "batchnorm_forward with the default train, momentum and eps"
    compare.close(out[0], p["gamma"] * (p["x"] - mu) / np.sqrt(v + 1e-5) + p["beta"], f"out from {name}",
                  hidden=ctx.hidden, rtol=1e-10, atol=1e-12)
    compare.close(out[1], 0.9 * p["running_mean"] + 0.1 * mu, f"new_running_mean from {name}", hidden=ctx.hidden,
                  **EXACT)
    compare.close(out[2], 0.9 * p["running_var"] + 0.1 * v, f"new_running_var from {name}", hidden=ctx.hidden,
                  **EXACT)


@suite.check("batchnorm.batchnorm_forward", points=2, name="batchnorm_evaluation_forward")
def batchnorm_evaluation_forward(ctx):
    """Evaluation mode: normalized with the running statistics, which come back unchanged."""
    p = bn_inputs(ctx)
    eps = 1e-3
    out, mean, var, _ = bn_forward(ctx, p, False, momentum=0.7, eps=eps)
    compare.close(out, p["gamma"] * (p["x"] - p["running_mean"]) / np.sqrt(p["running_var"] + eps) + p["beta"],
                  "out from batchnorm_forward in evaluation mode", hidden=ctx.hidden, rtol=1e-10, atol=1e-12)
    compare.close(mean, p["running_mean"], "new_running_mean from batchnorm_forward in evaluation mode", rtol=0, atol=0)
    compare.close(var, p["running_var"], "new_running_var from batchnorm_forward in evaluation mode", rtol=0, atol=0)


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


def bn_student_grads(ctx, p, train, upstreams, **kw):
    args, kw = bn_call(p, train, **kw)
    bn = ctx.student.batchnorm
    cache = compare.sequence(bn.batchnorm_forward(*args, **kw), "batchnorm_forward(...)", 4)[3]
    return [tuple(compare.array(g, f"d{k} from batchnorm_backward", p[k].shape)
                  for g, k in zip(compare.sequence(o, "batchnorm_backward(...)", 3), BN_ORDER))
            for o in bn.batchnorm_backward.map([(g, cache) for g in upstreams])]


@suite.check("batchnorm.batchnorm_backward", points=3)
def batchnorm_gradient_check(ctx):
    """Finite differences of the student's forward pass, in both modes."""
    for train in (True, False):
        with ctx.case("training mode" if train else "evaluation mode"):
            p = bn_inputs(ctx)
            upstream = ctx.rng.standard_normal(p["x"].shape)
            (grads,) = bn_student_grads(ctx, p, train, [upstream], eps=1e-3)
            forward = gradients.batched(ctx.student.batchnorm.batchnorm_forward,
                                        ["x", "gamma", "beta", "running_mean", "running_var"], p["x"].shape,
                                        "out from batchnorm_forward",
                                        select=lambda r: compare.sequence(r, "batchnorm_forward(...)", 4)[0],
                                        fixed={"train": train, "eps": 1e-3})
            gradients.directional(forward, p, dict(zip(BN_ORDER, grads)), upstream, rng=ctx.rng,
                                  name=f"batchnorm_backward ({'training' if train else 'evaluation'} mode)")


@suite.check("batchnorm.batchnorm_backward", points=2, name="batchnorm_backward_properties")
def batchnorm_backward_properties(ctx):
    """In training mode dx sums to zero over the batch (for any upstream gradient); backward contract."""
    p = bn_inputs(ctx, n=8, d=3)
    with ctx.case("dx sums to zero over the batch"):
        for dx, _, _ in bn_student_grads(ctx, p, True, [ctx.rng.standard_normal((8, 3)) for _ in range(3)]):
            compare.close(dx.sum(axis=0), np.zeros(3), "the sum over the batch of dx from batchnorm_backward",
                          atol=1e-10 * max(1.0, float(np.abs(dx).sum())))
    with ctx.case("backward contract"):
        gradients.backward_contract(lambda gs: bn_student_grads(ctx, p, True, gs), (8, 3), rng=ctx.rng,
                                    name="batchnorm_backward")


@suite.check("batchnorm.batchnorm_backward", points=2, needs_reference=True,
             name="batchnorm_backward_matches_reference")
def batchnorm_backward_reference(ctx):
    for train in (True, False):
        with ctx.case("training mode" if train else "evaluation mode"):
            p = bn_inputs(ctx)
            upstream = ctx.rng.standard_normal(p["x"].shape)
            args, kw = bn_call(p, train)
            expected = ctx.ref.batchnorm.batchnorm_backward(upstream, ctx.ref.batchnorm.batchnorm_forward(*args)[3])
            (grads,) = bn_student_grads(ctx, p, train, [upstream])
            for key, got, want in zip(BN_ORDER, grads, expected):
                compare.close(got, want, f"d{key} from batchnorm_backward", hidden=ctx.hidden)


# ---------------------------------------------------------------- optimizers
OPTIMIZERS = {  # student function -> (torch.optim class name, the documented defaults)
    "sgd": ("SGD", {"lr": 1e-2}),
    "sgd_momentum": ("SGD", {"lr": 1e-2, "momentum": 0.9}),
    "rmsprop": ("RMSprop", {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8}),
    "adam": ("Adam", {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
}


# The first of these checks imports torch in the grader (about 2 s of CPU, far more wall time on a
# loaded machine); the check's time limit must cover that, not just the student's calls.
TORCH_TIMEOUT = 90


def torch_trajectory(name: str, w0: np.ndarray, grads: list, hyper: dict) -> list[np.ndarray]:
    """The oracle: torch.optim in float64, fed the same gradients; the parameters after each step."""
    import torch  # noqa: PLC0415 (only the optimizer checks pay for the import)

    cls, defaults = OPTIMIZERS[name]
    kw = {**defaults, **hyper}
    if name == "adam":
        kw["betas"] = (kw.pop("beta1"), kw.pop("beta2"))
    p = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, cls)([p], **kw)
    out = []
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append(p.detach().numpy().copy())
    return out


def student_trajectory(ctx, name: str, w0, grads, hyper: dict) -> list[np.ndarray]:
    fn, w, state, out = getattr(ctx.student.optimizers, name), w0, None, []
    for t, g in enumerate(grads, 1):
        w, state = compare.sequence(fn(w, g, state, **hyper), f"{name}(w, dw, state)", 2)
        w = compare.array(w, f"new_w from {name} at step {t}", w0.shape)
        out.append(w)
    return out


def gradient_sequence(ctx, steps=5, shape=(3, 4)):
    """Gradients of mixed magnitudes (some entries near eps-sized, some of order 1), changing sign."""
    scale = np.where(ctx.rng.random(shape) < 0.3, 1e-3, 1.0)
    return [scale * ctx.rng.standard_normal(shape) for _ in range(steps)]


def optimizer_against_torch(ctx, name: str, hyper: dict):
    w0, grads = ctx.rng.standard_normal((3, 4)), gradient_sequence(ctx)
    for label, kw in (("documented default hyperparameters", {}), (f"hyperparameters {hyper}", hyper)):
        with ctx.case(label):
            expected = torch_trajectory(name, w0, grads, kw)
            for t, (got, want) in enumerate(zip(student_trajectory(ctx, name, w0, grads, kw), expected), 1):
                compare.close(got, want, f"w after step {t} of {name} ({label}; compared with torch.optim)",
                              rtol=1e-9, atol=1e-12, hidden=ctx.hidden)


@suite.check("optimizers.sgd", points=1, timeout=TORCH_TIMEOUT)
def sgd_against_torch(ctx):
    optimizer_against_torch(ctx, "sgd", {"lr": 0.3})


@suite.check("optimizers.sgd_momentum", points=2, timeout=TORCH_TIMEOUT)
def momentum_against_torch(ctx):
    optimizer_against_torch(ctx, "sgd_momentum", {"lr": 0.2, "momentum": 0.6})


@suite.check("optimizers.rmsprop", points=2, timeout=TORCH_TIMEOUT)
def rmsprop_against_torch(ctx):
    optimizer_against_torch(ctx, "rmsprop", {"lr": 0.05, "alpha": 0.8, "eps": 1e-3})


@suite.check("optimizers.adam", points=2, timeout=TORCH_TIMEOUT)
def adam_against_torch(ctx):
    optimizer_against_torch(ctx, "adam", {"lr": 0.05, "beta1": 0.7, "beta2": 0.9, "eps": 1e-3})


def adam_key(steps: int) -> list[Key]:
    """The parameter after each of the first ``steps`` Adam steps, derived symbolically."""
    w, lr, b1, b2, eps = symbols("w lr beta1 beta2 eps")
    gs = symbols(" ".join(f"g{t}" for t in range(1, steps + 1)))
    m = v = 0
    keys = []
    for t, g in enumerate(gs, 1):
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
        w = w - lr * (m / (1 - b1**t)) / (sp.sqrt(v / (1 - b2**t)) + eps)
        keys.append(Key(w, [symbols("w"), *gs, lr, b1, b2, eps]))
    return keys


@suite.check("optimizers.adam", points=2, name="adam_bias_correction_key")
def adam_bias_correction(ctx):
    """The first three steps against the sympy-unrolled update with bias correction."""
    w0, grads = ctx.rng.standard_normal((2, 3)), gradient_sequence(ctx, 3, (2, 3))
    hyper = {"lr": 0.1, "beta1": 0.8, "beta2": 0.95, "eps": 1e-3}
    got = student_trajectory(ctx, "adam", w0, grads, hyper)
    for t, key in enumerate(adam_key(3), 1):
        compare.close(got[t - 1], key(w0, *grads, *hyper.values()),
                      f"w after step {t} of adam (with the bias corrections 1 - beta ** {t})", rtol=1e-10,
                      atol=1e-12, hidden=ctx.hidden)


# ---------------------------------------------------------------- mini-batches and early stopping
@suite.check("training.minibatches", points=3)
def minibatch_partition(ctx):
    """On 120 generated cases: every index once per epoch (at most once with drop_last), batch sizes,
    order without shuffling, and the same seed gives the same batches."""
    fn = ctx.student.training.minibatches
    cases = [(int(ctx.rng.integers(0, 41)), int(ctx.rng.integers(1, 13)), bool(shuffle), bool(drop_last),
              int(ctx.rng.integers(2**31))) for shuffle, drop_last in itertools.product((True, False), repeat=2)
             for _ in range(30)]
    answers = fn.map([(n, size, seed, shuffle, drop) for n, size, shuffle, drop, seed in cases for _ in range(2)])

    def judge(case, answer):
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

    generated.judge_all(cases, list(zip(answers[::2], answers[1::2])), judge, size=lambda c: c[0])
    with ctx.case("defaults: shuffled, the short last batch kept"):
        batches = compare.sequence(fn(10, 4, 3), "minibatches(10, 4, seed)", 3)
        sizes = [len(compare.array(b, f"batch {i} of minibatches(10, 4, seed)", kinds="iu")) for i, b in enumerate(batches)]
        compare.equal(np.array(sizes), np.array([4, 4, 2]), "the batch sizes of minibatches(10, 4, seed)")
        if np.array_equal(leaves(batches, "minibatches"), np.arange(10)):
            ctx.fail("minibatches(10, 4, seed) returned the indices in order; by default they are shuffled")
    with ctx.case("batch_size=0 raises ValueError"):
        compare.raises(lambda: fn(5, 0, 0), ("ValueError",), "minibatches", "for batch_size=0")


@suite.check("training.minibatches", points=2, name="minibatch_shuffle_is_uniform")
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


def early_stopping_key(losses, patience, min_delta):
    """(stop_epoch, best_epoch) from the docstring's definitions, in two passes: mark the improvements,
    then stop at the end of the first window of ``patience`` epochs that holds none."""
    improved, last = [], np.inf  # last: the loss of the last improvement
    for loss in losses:
        improved.append(bool(loss < last - min_delta))
        last = loss if improved[-1] else last
    stop = next((t for t in range(patience, len(losses)) if not any(improved[t + 1 - patience:t + 1])),
                len(losses) - 1)
    return stop, max(t for t in range(stop + 1) if improved[t])


def loss_sequences(ctx, count: int) -> list:
    """Loss sequences on a grid of quarters, so that ties with best - min_delta happen and compare exactly."""
    return [list(ctx.rng.integers(0, 13, int(ctx.rng.integers(1, 15))) / 4) for _ in range(count)]


@suite.check("training.early_stopping", points=4)
def early_stopping_sequences(ctx):
    """Hand-made and 200 generated loss sequences: the stopping epoch, the best epoch, the restored parameters."""
    cases = [([3.0, 2.0, 2.5, 1.5, 1.75, 1.6], 2, 0.0),  # stops at epoch 5, best 3
             ([3.0, 2.0, 2.5, 1.0], 2, 0.0),  # never stops
             ([1.0, 1.0, 1.0, 0.5], 2, 0.0),  # an equal loss is no improvement
             ([2.0, 1.5, 1.25, 1.0], 2, 0.5)]  # a drop of exactly min_delta is no improvement
    cases += [(losses, int(ctx.rng.integers(1, 5)), float(ctx.rng.choice([0.0, 0.25, 0.5])))
              for losses in loss_sequences(ctx, 200)]
    histories = [[ctx.rng.standard_normal(3) for _ in losses] for losses, _, _ in cases]
    answers = ctx.student.training.early_stopping.map(
        [(losses, history, patience, delta) for (losses, patience, delta), history in zip(cases, histories)])

    def judge(case, answer):
        (losses, patience, min_delta), history = case
        stop, best = early_stopping_key(losses, patience, min_delta)
        name = f"early_stopping(val_losses={losses}, params_history, patience={patience}, min_delta={min_delta})"
        got = compare.sequence(answer, name, 3)
        compare.equal(got[0], stop, f"stop_epoch from {name}")
        compare.equal(got[1], best, f"best_epoch from {name}")
        compare.close(got[2], history[best], f"best_params from {name} (the parameters after the best epoch)",
                      rtol=0, atol=0)

    generated.judge_all(list(zip(cases, histories)), answers, judge, size=lambda c: len(c[0][0]))
    losses, history = [2.0, 1.9, 1.95, 1.85, 1.9, 2.0], [np.full(2, float(t)) for t in range(6)]
    got = compare.sequence(ctx.student.training.early_stopping(losses, history, 2), "early_stopping(..., patience=2)", 3)
    compare.equal(got[:2], (5, 3), f"(stop_epoch, best_epoch) from early_stopping({losses}, params_history, "
                  "patience=2) with the default min_delta")


# ---------------------------------------------------------------- training outcome
MOONS_LAYERS = [2, 32, 32, 2]
MOONS_ACCURACY = 0.95


@suite.check("training.two_moons", points=4, timeout=30, name="two_moons_training_outcome")
def two_moons_training(ctx):
    """Your init_mlp, minibatches, mlp_forward, softmax_cross_entropy, mlp_backward and adam train a
    2-32-32-2 ReLU MLP on 400 two-moons points (30 epochs, batches of 32, Adam lr 0.01) within 30 s;
    its accuracy on 1,000 fresh points must reach 0.95 (a correct solution reaches about 0.99)."""
    X, y = outcomes.two_moons(400, ctx.rng)
    X_test, y_test = outcomes.two_moons(1000, ctx.rng)
    params = ctx.student.driver("unit03_training", "train_mlp")(X, y, MOONS_LAYERS, 30, 32, 1e-2,
                                                                 int(ctx.rng.integers(2**31)))
    scores = outcomes.mlp_scores(params, X_test, MOONS_LAYERS, "the trained parameters")
    accuracy = outcomes.require_accuracy(scores, y_test, MOONS_ACCURACY,
                                         "an MLP trained with your layers, init_mlp, minibatches and adam")
    ctx.note(f"held-out accuracy {accuracy:.3f}")
