"""Checks of ``layers``: output size, convolution and pooling (forward errors, backward by
adjoint tests and finite differences of the student's own forward, the backward contract).

Every configuration the docstrings name is a fixed case, graded every time: pad 0 and pad > 0,
stride 1 and stride > 1, strides that leave inputs unused, square and non-square kernels and
inputs, a kernel larger than the unpadded input, overlapping pooling windows. The forward values
and the max-pool gradient routing are keyed in ``autograder/keys/unit05_cnn.py``.
"""
from __future__ import annotations

import numpy as np

from ...checks import compare, layer_pairs
from ...checks.layer_pairs import Pair
from .common import out_size, suite, tie_free


# ---------------------------------------------------------------- output size
@suite.check("layers.conv_output_size", points=3)
def output_size_key(ctx):
    """Against the sympy key floor((size - kernel + 2 pad) / stride) + 1 on a grid of settings, with
    the defaults; then each documented error (trivial cases: they count beside a passed value case)."""
    fn = ctx.student.layers.conv_output_size
    cases = [(n, k, s, p) for n in (1, 4, 7, 8, 32) for k in (1, 2, 3, 5) for s in (1, 2, 3) for p in (0, 1, 2)
             if k <= n + 2 * p]
    with ctx.case("the grid of sizes, kernels, strides and pads"):
        for args, got in zip(cases, fn.map(cases)):
            compare.equal(got, out_size(*args), "conv_output_size(size=%d, kernel=%d, stride=%d, pad=%d)" % args)
    with ctx.case("the default stride 1 and pad 0"):
        defaults = [(n, k) for n in (4, 7) for k in (1, 3)]
        for args, got in zip(defaults, fn.map(defaults)):
            compare.equal(got, out_size(*args), "conv_output_size(size=%d, kernel=%d) with the default stride and pad"
                          % args)
    for args, why in (((3, 4, 1, 0), "the kernel is larger than the padded input"), ((3, 6, 1, 1), "kernel > size + 2 pad"),
                      ((5, 3, 0, 0), "stride is 0"), ((5, 3, 1, -1), "pad is negative"), ((5, 0, 1, 0), "kernel is 0"),
                      ((0, 1, 1, 0), "size is 0")):
        with ctx.case(f"raises when {why}", trivial=True):
            compare.raises(lambda: fn(*args), ("ValueError",), "conv_output_size%s" % (args,), f"when {why}")


# ---------------------------------------------------------------- convolution
CONV_CASES = {  # (N, C, H, W), (F, KH, KW), stride, pad
    "stride 1, pad 0, 3x3 kernel, 5x6 input": ((2, 3, 5, 6), (4, 3, 3), 1, 0),
    "stride 2, pad 1, 3x2 kernel, 7x6 input": ((2, 2, 7, 6), (3, 3, 2), 2, 1),
    "stride 3 leaving inputs unused, pad 2, 4x3 kernel, 8x7 input": ((1, 3, 8, 7), (2, 4, 3), 3, 2),
    "5x5 kernel larger than the unpadded 4x4 input, pad 2": ((2, 1, 4, 4), (2, 5, 5), 1, 2),
    "stride 2 leaving inputs unused, pad 0, 1x1 kernel, 6x6 input": ((2, 3, 6, 6), (2, 1, 1), 2, 0),
}


def conv_pair(ctx, label, case):
    (n, c, h, w), (f, kh, kw), s, p = case
    values = {"x": ctx.rng.standard_normal((n, c, h, w)), "w": ctx.rng.standard_normal((f, c, kh, kw)),
              "b": ctx.rng.standard_normal(f), "stride": s, "pad": p}
    layers = ctx.student.layers
    pair = Pair(layers.conv_forward, layers.conv_backward, inputs=["x", "w", "b", "stride", "pad"],
                outputs={"out": (n, f, out_size(h, kh, s, p), out_size(w, kw, s, p))}, wrt=["x", "w", "b"], label=label)
    return pair, values


def conv_configs(ctx, labels=None):
    return {label: conv_pair(ctx, label, CONV_CASES[label]) for label in labels or CONV_CASES}


def conv_rejects_bad_shapes(ctx):
    """The documented errors of conv_forward, as trivial cases (graded beside its values, in the keys)."""
    conv = ctx.student.layers.conv_forward
    x, w, b = ctx.rng.standard_normal((1, 3, 5, 5)), ctx.rng.standard_normal((2, 3, 3, 3)), np.zeros(2)
    for label, args in (("channel mismatch (x has 3 channels, w expects 2)", (x, w[:, :2], b)),
                        ("b of shape (3,) for 2 filters", (x, w, np.zeros(3))),
                        ("x with 3 axes", (x[0], w, b)),
                        ("a 7x7 kernel on a 5x5 input without padding", (x, ctx.rng.standard_normal((2, 3, 7, 7)), b))):
        with ctx.case(f"raises for {label}", trivial=True):
            compare.raises(lambda: conv(*args), ("ValueError",), "conv_forward", f"for {label}")


def conv_backward_rejects_bad_upstream(ctx):
    with ctx.case("raises for an upstream gradient of the wrong shape", trivial=True):
        pair, values = conv_pair(ctx, "", CONV_CASES["stride 1, pad 0, 3x3 kernel, 5x6 input"])
        pair.readable(ctx, values, lambda cache: compare.raises(
            lambda: ctx.student.layers.conv_backward(np.ones((2, 4, 4, 4)), cache), ("ValueError",),
            "conv_backward", "when dout is (2, 4, 4, 4) but the output was (2, 4, 3, 4)"))


@suite.check("layers.conv_backward", points=3)
def conv_backward_adjoint(ctx):
    """The convolution is linear in x and in w (b = 0) and in b (x = 0): the exact adjoint test of
    each gradient, in every configuration."""
    layer_pairs.adjoint(ctx, conv_configs(ctx), {"x": ("b",), "w": ("b",), "b": ("x",)})


@suite.check("layers.conv_backward", points=3)
def conv_backward_gradients(ctx):
    """Finite differences of your conv_forward in every configuration, then the backward contract
    and the documented error."""
    layer_pairs.gradients(ctx, conv_configs(ctx))
    conv_backward_rejects_bad_upstream(ctx)


@suite.check("layers.conv_backward", points=2, needs_reference=True)
def conv_backward_matches_reference(ctx):
    layer_pairs.gradients_match_reference(ctx, conv_configs(ctx), ctx.ref.layers.conv_forward,
                                          ctx.ref.layers.conv_backward)


# ---------------------------------------------------------------- pooling
POOL_CASES = {  # (N, C, H, W), pool_size, stride
    "2x2, stride 2, 6x6 input": ((2, 2, 6, 6), 2, 2),
    "overlapping 3x3, stride 2, 7x8 input": ((1, 3, 7, 8), 3, 2),
    "2x2, stride 3 leaving inputs unused, 7x7 input": ((2, 1, 7, 7), 2, 3),
    "3x3, stride 1, 5x6 input": ((1, 2, 5, 6), 3, 1),
}


def pool_shape(shape, k, s):
    n, c, h, w = shape
    return n, c, out_size(h, k, s), out_size(w, k, s)


def pool_pair(ctx, kind, label, x, k, s):
    layers = ctx.student.layers
    pair = Pair(getattr(layers, f"{kind}_pool_forward"), getattr(layers, f"{kind}_pool_backward"),
                inputs=["x", "pool_size", "stride"], outputs={"out": pool_shape(x.shape, k, s)}, wrt=["x"], grads="x",
                label=label)
    return pair, {"x": x, "pool_size": k, "stride": s}


def pool_configs(ctx, kind, draw=None):
    """Every pooling configuration, on tie-free inputs (or ``draw(rng, shape)``)."""
    draw = draw or tie_free
    return {label: pool_pair(ctx, kind, label, draw(ctx.rng, shape), k, s) for label, (shape, k, s) in POOL_CASES.items()}


def pool_rejects(ctx, kind):
    """The documented errors of a pooling forward, as trivial cases (graded beside its values, in the keys)."""
    forward = getattr(ctx.student.layers, f"{kind}_pool_forward")
    x = ctx.rng.standard_normal((1, 2, 4, 5))
    with ctx.case("raises for x with 3 axes", trivial=True):
        compare.raises(lambda: forward(x[0], pool_size=2, stride=2), ("ValueError",), f"{kind}_pool_forward",
                       "for x of shape (2, 4, 5)")
    with ctx.case("raises for a 5x5 window on a 4x5 input", trivial=True):
        compare.raises(lambda: forward(x, pool_size=5, stride=1), ("ValueError",), f"{kind}_pool_forward",
                       "when the window does not fit")


def pool_backward_rejects(ctx, kind):
    with ctx.case("raises for an upstream gradient of the wrong shape", trivial=True):
        pair, values = pool_pair(ctx, kind, "", tie_free(ctx.rng, (1, 2, 4, 6)), 2, 2)
        pair.readable(ctx, values, lambda cache: compare.raises(
            lambda: pair.backward(np.ones((1, 2, 3, 2)), cache), ("ValueError",), f"{kind}_pool_backward",
            "when dout is (1, 2, 3, 2) but the output was (1, 2, 2, 3)"))


@suite.check("layers.max_pool_backward", points=3)
def max_pool_backward_gradients(ctx):
    """On inputs without ties, finite differences of your max_pool_forward in every configuration,
    then the backward contract."""
    layer_pairs.gradients(ctx, pool_configs(ctx, "max"))
    pool_backward_rejects(ctx, "max")


@suite.check("layers.avg_pool_backward", points=3)
def avg_pool_backward_adjoint(ctx):
    """Average pooling is linear: the exact adjoint test in every configuration, then the backward
    contract."""
    configs = pool_configs(ctx, "avg", lambda rng, shape: rng.standard_normal(shape))
    layer_pairs.adjoint(ctx, configs, {"x": ()})
    layer_pairs.backward_contract_cases(ctx, *configs["overlapping 3x3, stride 2, 7x8 input"],
                                        "overlapping 3x3, stride 2, 7x8 input")
    pool_backward_rejects(ctx, "avg")


def _pool_matches_reference(ctx, kind):
    ref = ctx.ref.layers
    layer_pairs.gradients_match_reference(ctx, pool_configs(ctx, kind), getattr(ref, f"{kind}_pool_forward"),
                                          getattr(ref, f"{kind}_pool_backward"))


@suite.check("layers.max_pool_backward", points=1, needs_reference=True)
def max_pool_backward_matches_reference(ctx):
    _pool_matches_reference(ctx, "max")


@suite.check("layers.avg_pool_backward", points=1, needs_reference=True)
def avg_pool_backward_matches_reference(ctx):
    _pool_matches_reference(ctx, "avg")
