"""Unit 5 checks: convolution and pooling, a small CNN, classic architectures, detection, style
transfer and super-resolution."""
from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view
from scipy import special

from .. import drivers
from ..checks import architectures as arch
from ..checks import compare, gradients, layer_pairs, properties
from ..checks import super_resolution as sr
from ..checks.symbolic import Key, symbols
from ..suite import Suite

suite = Suite("unit05_cnn", modules=["layers", "cnn", "architectures", "detection", "style", "superres", "subpixel"],
              title="Convolutional networks: layers, architectures, detection, style transfer, super-resolution",
              preload="numpy,torch", drivers=drivers.load("torch_tools", "unit05_cnn"))

size, kernel, stride, pad = symbols("size kernel stride pad")
OUTPUT_SIZE = Key(sp.floor((size - kernel + 2 * pad) / stride) + 1, [size, kernel, stride, pad])
mse, peak = symbols("mse peak", positive=True)
PSNR = Key(10 * sp.log(peak**2 / mse, 10), [peak, mse])
TIGHT = {"rtol": 1e-9, "atol": 1e-12}


def out_size(n, k, s=1, p=0) -> int:
    return int(OUTPUT_SIZE(n, k, s, p))


# ---------------------------------------------------------------- what the grader computes itself
def conv_oracle(x, w, b, s, p):
    """Cross-correlation over zero-padded windows, one einsum."""
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    windows = sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::s, ::s]
    return np.einsum("nchwpq,fcpq->nfhw", windows, w) + b[None, :, None, None]


def pool_windows(x, k, s):
    """(N, C, H', W', k * k): the pooling windows, row-major inside each window."""
    view = sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::s, ::s]
    return view.reshape(*view.shape[:4], k * k)


def max_pool_gradient(x, k, s, dout):
    """The docstring's rule, one window at a time: dout[n, c, i, j] is added at the window's first
    maximum in row-major order."""
    dx = np.zeros(x.shape)
    for n, c, i, j in np.ndindex(*dout.shape):
        window = x[n, c, i * s:i * s + k, j * s:j * s + k]
        p, q = next(zip(*np.nonzero(window == window.max())))
        dx[n, c, i * s + p, j * s + q] += dout[n, c, i, j]
    return dx


def tie_free(ctx, shape):
    """Distinct values 0.1 apart in random order: no ties, no near-ties for finite differences."""
    return 0.1 * (ctx.rng.permutation(int(np.prod(shape))).reshape(shape) - np.prod(shape) / 2)


# ---------------------------------------------------------------- layers: output size
@suite.check("layers.conv_output_size", points=2)
def output_size_key(ctx):
    """Against the sympy key floor((size - kernel + 2 pad) / stride) + 1 on a grid of settings."""
    cases = [(n, k, s, p) for n in (1, 4, 7, 8, 32) for k in (1, 2, 3, 5) for s in (1, 2, 3) for p in (0, 1, 2)
             if k <= n + 2 * p]
    for args, got in zip(cases, ctx.student.layers.conv_output_size.map(cases)):
        compare.equal(got, out_size(*args), "conv_output_size(size=%d, kernel=%d, stride=%d, pad=%d)" % args)
    defaults = [(n, k) for n in (4, 7) for k in (1, 3)]
    for args, got in zip(defaults, ctx.student.layers.conv_output_size.map(defaults)):
        compare.equal(got, out_size(*args), "conv_output_size(size=%d, kernel=%d) with the default stride and pad" % args)


@suite.check("layers.conv_output_size", points=1)
def output_size_rejects(ctx):
    fn = ctx.student.layers.conv_output_size
    for args, why in (((3, 4, 1, 0), "the kernel is larger than the padded input"), ((3, 6, 1, 1), "kernel > size + 2 pad"),
                      ((5, 3, 0, 0), "stride is 0"), ((5, 3, 1, -1), "pad is negative"), ((5, 0, 1, 0), "kernel is 0")):
        with ctx.case(why):
            compare.raises(lambda: fn(*args), ("ValueError",), "conv_output_size%s" % (args,), f"when {why}")


# ---------------------------------------------------------------- layers: convolution
CONV_CASES = {  # (N, C, H, W), (F, KH, KW), stride, pad
    "stride 1, no padding": ((2, 3, 5, 6), (4, 3, 3), 1, 0),
    "stride 2, pad 1, 3x2 kernel": ((2, 2, 7, 6), (3, 3, 2), 2, 1),
    "stride 3 leaving inputs unused, pad 2": ((1, 3, 8, 7), (2, 4, 3), 3, 2),
    "kernel larger than the unpadded input": ((2, 1, 4, 4), (2, 5, 5), 1, 2),
}
SMALL_CONV = ((2, 2, 5, 4), (3, 3, 2), 2, 1)


def conv_pair(ctx, case):
    (n, c, h, w), (f, kh, kw), s, p = case
    values = {"x": ctx.rng.standard_normal((n, c, h, w)), "w": ctx.rng.standard_normal((f, c, kh, kw)),
              "b": ctx.rng.standard_normal(f), "stride": s, "pad": p}
    layers = ctx.student.layers
    pair = layer_pairs.Pair(layers.conv_forward, layers.conv_backward, inputs=["x", "w", "b", "stride", "pad"],
                            outputs={"out": (n, f, out_size(h, kh, s, p), out_size(w, kw, s, p))},
                            wrt=["x", "w", "b"])
    return pair, values


@suite.check("layers.conv_forward", points=3)
def conv_forward_values(ctx):
    """Against the grader's own convolution (an einsum over sliding windows)."""
    for label, case in CONV_CASES.items():
        with ctx.case(label):
            pair, v = conv_pair(ctx, case)
            (out,), _ = pair.unpack(pair.forward(v["x"], v["w"], v["b"], v["stride"], v["pad"]))
            compare.close(out, conv_oracle(v["x"], v["w"], v["b"], v["stride"], v["pad"]),
                          f"out from conv_forward ({label})", hidden=ctx.hidden)
    with ctx.case("default stride and pad"):
        pair, v = conv_pair(ctx, CONV_CASES["stride 1, no padding"])
        (out,), _ = pair.unpack(pair.forward(v["x"], v["w"], v["b"]))
        compare.close(out, conv_oracle(v["x"], v["w"], v["b"], 1, 0), "out from conv_forward(x, w, b) (default stride 1, pad 0)",
                      hidden=ctx.hidden)


@suite.check("layers.conv_forward", points=1)
def conv_rejects_bad_shapes(ctx):
    layers = ctx.student.layers
    x, w, b = ctx.rng.standard_normal((1, 3, 5, 5)), ctx.rng.standard_normal((2, 2, 3, 3)), np.zeros(2)
    with ctx.case("channel mismatch"):
        compare.raises(lambda: layers.conv_forward(x, w, b), ("ValueError",), "conv_forward",
                       "when x has 3 channels and w expects 2")
    with ctx.case("upstream gradient of the wrong shape"):
        _, cache = compare.sequence(layers.conv_forward(x, w[:, :1].repeat(3, 1), b), "conv_forward(...)", 2)
        compare.raises(lambda: layers.conv_backward(np.ones((1, 2, 4, 4)), cache), ("ValueError",),
                       "conv_backward", "when dout is (1, 2, 4, 4) but the output was (1, 2, 3, 3)")


@suite.check("layers.conv_backward", points=3)
def conv_backward_adjoint(ctx):
    """The convolution is linear in x, in w and in b: the exact adjoint test for each gradient."""
    (n, c, h, w), (f, kh, kw), s, p = CONV_CASES["stride 2, pad 1, 3x2 kernel"]
    pair, v = conv_pair(ctx, ((n, c, h, w), (f, kh, kw), s, p))
    v["b"] = np.zeros(f)
    y = ctx.rng.standard_normal(pair.size)
    (grads,) = pair.grads(v, [y])

    def out(**changes):
        args = {**v, **changes}
        return pair.unpack(pair.forward(*(args[k] for k in pair.inputs)))[0][0].ravel()

    for key, apply in (("x", lambda u: out(x=u)), ("w", lambda u: out(w=u)),
                       ("b", lambda u: out(x=np.zeros_like(v["x"]), b=u))):
        with ctx.case(f"d{key}"):
            point = ctx.rng.standard_normal(v[key].shape)
            gradients.adjoint(apply, lambda _: grads[key], point, y, name=f"conv_backward (d{key})")


@suite.check("layers.conv_backward", points=2)
def conv_backward_finite_differences(ctx):
    pair, values = conv_pair(ctx, SMALL_CONV)
    layer_pairs.gradient_check(pair, values, rng=ctx.rng)


@suite.check("layers.conv_backward", points=1)
def conv_backward_contract(ctx):
    pair, values = conv_pair(ctx, SMALL_CONV)
    layer_pairs.backward_contract(pair, values, rng=ctx.rng)


@suite.check("layers.conv_backward", points=2, needs_reference=True)
def conv_backward_matches_reference(ctx):
    for label, case in (("stride 3, pad 2", CONV_CASES["stride 3 leaving inputs unused, pad 2"]),
                        ("stride 1", CONV_CASES["stride 1, no padding"])):
        pair, values = conv_pair(ctx, case)
        layer_pairs.gradients_match_reference(ctx, pair, ctx.ref.layers.conv_forward, ctx.ref.layers.conv_backward,
                                              values)


# ---------------------------------------------------------------- layers: pooling
POOL_CASES = {  # (N, C, H, W), pool_size, stride
    "2x2, stride 2": ((2, 2, 6, 6), 2, 2),
    "overlapping 3x3, stride 2": ((1, 3, 7, 8), 3, 2),
    "2x2, stride 3 leaving inputs unused": ((2, 1, 7, 7), 2, 3),
    "3x3, stride 1": ((1, 2, 5, 6), 3, 1),
}


def pool_shape(shape, k, s):
    n, c, h, w = shape
    return n, c, out_size(h, k, s), out_size(w, k, s)


def pool_out(result, kind, shape):
    return compare.array(compare.sequence(result, f"{kind}_pool_forward(...)", 2)[0],
                         f"out from {kind}_pool_forward", shape)


def pool_grads(ctx, kind, x, k, s, upstreams):
    """The student's dx for each upstream gradient: one forward for the cache, one batch of backwards."""
    forward, backward = getattr(ctx.student.layers, f"{kind}_pool_forward"), getattr(ctx.student.layers, f"{kind}_pool_backward")
    _, cache = compare.sequence(forward(x, pool_size=k, stride=s), f"{kind}_pool_forward(...)", 2)
    return [(compare.array(dx, f"dx from {kind}_pool_backward", x.shape),)
            for dx in backward.map([(g, cache) for g in upstreams])]


def _pool_forward_values(ctx, kind: str, reduce):
    """Pooling outputs against ``reduce`` over each window, for every case and the defaults."""
    fn = getattr(ctx.student.layers, f"{kind}_pool_forward")
    for label, (shape, k, s) in POOL_CASES.items():
        with ctx.case(label):
            x = ctx.rng.standard_normal(shape)
            compare.close(pool_out(fn(x, pool_size=k, stride=s), kind, pool_shape(shape, k, s)),
                          reduce(pool_windows(x, k, s), axis=-1), f"out from {kind}_pool_forward ({label})",
                          hidden=ctx.hidden)
    with ctx.case("default pool_size and stride"):
        x = ctx.rng.standard_normal((2, 2, 6, 5))
        compare.close(pool_out(fn(x), kind, (2, 2, 3, 2)), reduce(pool_windows(x, 2, 2), axis=-1),
                      f"out from {kind}_pool_forward(x) (default pool_size 2, stride 2)", hidden=ctx.hidden)


@suite.check("layers.max_pool_forward", points=2)
def max_pool_forward_values(ctx):
    _pool_forward_values(ctx, "max", np.max)


@suite.check("layers.max_pool_backward", points=3)
def max_pool_routes_to_argmax(ctx):
    """Each window's gradient goes to its maximum only (overlapping windows add up; ties: first)."""
    cases = {label: (tie_free(ctx, shape), k, s) for label, (shape, k, s) in POOL_CASES.items()}
    cases["a constant input (every window tied: the first entry gets it)"] = (np.full((1, 2, 5, 5), 0.5), 3, 2)
    for label, (x, k, s) in cases.items():
        with ctx.case(label):
            dout = ctx.rng.standard_normal(pool_shape(x.shape, k, s))
            (dx,), = pool_grads(ctx, "max", x, k, s, [dout])
            compare.close(dx, max_pool_gradient(x, k, s, dout), f"dx from max_pool_backward ({label})",
                          hidden=ctx.hidden, **TIGHT)


@suite.check("layers.max_pool_backward", points=2)
def max_pool_finite_differences(ctx):
    """On inputs without ties, against central differences of the student's max_pool_forward."""
    for label in ("overlapping 3x3, stride 2", "2x2, stride 2"):
        with ctx.case(label):
            shape, k, s = POOL_CASES[label]
            x, out_shape = tie_free(ctx, shape), pool_shape(shape, k, s)
            upstream = ctx.rng.standard_normal(out_shape)
            (dx,), = pool_grads(ctx, "max", x, k, s, [upstream])
            forward = gradients.batched(ctx.student.layers.max_pool_forward, ["x"], out_shape, "out from max_pool_forward",
                                        select=lambda r: compare.sequence(r, "max_pool_forward(...)", 2)[0],
                                        fixed={"pool_size": k, "stride": s})
            gradients.directional(forward, {"x": x}, {"x": dx}, upstream, rng=ctx.rng, name="max_pool_backward")


@suite.check("layers.max_pool_backward", points=1)
def max_pool_backward_contract(ctx):
    shape, k, s = POOL_CASES["overlapping 3x3, stride 2"]
    x = tie_free(ctx, shape)
    gradients.backward_contract(lambda gs: pool_grads(ctx, "max", x, k, s, gs), pool_shape(shape, k, s),
                                rng=ctx.rng, name="max_pool_backward")


@suite.check("layers.avg_pool_forward", points=2)
def avg_pool_forward_values(ctx):
    _pool_forward_values(ctx, "avg", np.mean)


@suite.check("layers.avg_pool_backward", points=3)
def avg_pool_backward_adjoint(ctx):
    """Average pooling is linear: the exact adjoint test, then the backward contract."""
    fn = ctx.student.layers.avg_pool_forward
    for label, (shape, k, s) in POOL_CASES.items():
        with ctx.case(label):
            out_shape = pool_shape(shape, k, s)
            y = ctx.rng.standard_normal(out_shape)
            (dx,), = pool_grads(ctx, "avg", ctx.rng.standard_normal(shape), k, s, [y])
            gradients.adjoint(lambda u: pool_out(fn(u, pool_size=k, stride=s), "avg", out_shape), lambda _: dx,
                              ctx.rng.standard_normal(shape), y, name=f"avg_pool_backward ({label})")
    with ctx.case("backward contract"):
        shape, k, s = POOL_CASES["overlapping 3x3, stride 2"]
        x = ctx.rng.standard_normal(shape)
        gradients.backward_contract(lambda gs: pool_grads(ctx, "avg", x, k, s, gs), pool_shape(shape, k, s),
                                    rng=ctx.rng, name="avg_pool_backward")


@suite.check("layers.max_pool_backward", points=2, needs_reference=True, name="pool_backward_matches_reference")
def pool_backward_matches_reference(ctx):
    for kind in ("max", "avg"):
        for label, (shape, k, s) in POOL_CASES.items():
            with ctx.case(f"{kind} pooling, {label}"):
                x, dout = tie_free(ctx, shape), ctx.rng.standard_normal(pool_shape(shape, k, s))
                _, cache = getattr(ctx.ref.layers, f"{kind}_pool_forward")(x, pool_size=k, stride=s)
                expected = getattr(ctx.ref.layers, f"{kind}_pool_backward")(dout, cache)
                (dx,), = pool_grads(ctx, kind, x, k, s, [dout])
                compare.close(dx, expected, f"dx from {kind}_pool_backward ({label})", hidden=ctx.hidden)


# ---------------------------------------------------------------- cnn
def softmax_key(scores, y):
    """(loss, dscores) of the mean softmax cross-entropy, from scipy's log_softmax and one-hot labels."""
    log_p, onehot = special.log_softmax(scores, axis=1), np.eye(scores.shape[1])[y]
    return float(-np.sum(onehot * log_p) / len(y)), (np.exp(log_p) - onehot) / len(y)


def softmax_cases(ctx):
    y = ctx.rng.integers(0, 4, 5)
    return {"moderate scores": (ctx.rng.standard_normal((5, 4)) * 3, y),
            "scores of magnitude 1e4 (stability)": (ctx.rng.standard_normal((5, 4)) * 1e4, y)}


@suite.check("cnn.softmax_cross_entropy", points=2)
def softmax_loss_values(ctx):
    for label, (scores, y) in softmax_cases(ctx).items():
        with ctx.case(label):
            loss, dscores = compare.sequence(ctx.student.cnn.softmax_cross_entropy(scores, y),
                                             "softmax_cross_entropy(scores, y)", 2)
            want_loss, want_grad = softmax_key(scores, y)
            compare.close_scalar(loss, want_loss, f"loss from softmax_cross_entropy ({label})", rtol=1e-9, hidden=ctx.hidden)
            compare.close(dscores, want_grad, f"dscores from softmax_cross_entropy ({label})", hidden=ctx.hidden, **TIGHT)


@suite.check("cnn.softmax_cross_entropy", points=1, name="softmax_gradient_finite_differences")
def softmax_gradient_finite_differences(ctx):
    scores, y = softmax_cases(ctx)["moderate scores"]
    fn = ctx.student.cnn.softmax_cross_entropy
    _, dscores = compare.sequence(fn(scores, y), "softmax_cross_entropy(scores, y)", 2)
    forward = gradients.batched(fn, ["scores", "y"], (), "loss from softmax_cross_entropy",
                                select=lambda r: np.asarray(compare.scalar(compare.sequence(
                                    r, "softmax_cross_entropy(scores, y)", 2)[0], "loss from softmax_cross_entropy")))
    gradients.directional(forward, {"scores": scores, "y": y}, {"scores": dscores}, np.float64(1.0), rng=ctx.rng,
                          name="softmax_cross_entropy")


CNN_PARAMS = ["W1", "b1", "W2", "b2"]
CNN_GRADS = ["x", *CNN_PARAMS]


def cnn_oracle(v):
    a = conv_oracle(v["x"], v["W1"], v["b1"], 1, (v["W1"].shape[2] - 1) // 2)
    pooled = pool_windows(np.maximum(a, 0), 2, 2).max(axis=-1)
    return a, pooled, pooled.reshape(len(a), -1) @ v["W2"] + v["b2"]


def cnn_inputs(ctx, n=2, c=2, h=4, f=3, k=3, m=3, gap=2e-2):
    """Inputs whose pre-activations are at least ``gap`` from 0 and whose pooling windows have no
    near-ties among positive values, so finite differences never cross a kink."""
    for _ in range(500):
        v = {"x": ctx.rng.standard_normal((n, c, h, h)), "W1": ctx.rng.standard_normal((f, c, k, k)) / 3,
             "b1": 0.1 * ctx.rng.standard_normal(f), "W2": ctx.rng.standard_normal((f * (h // 2) ** 2, m)) / 3,
             "b2": 0.1 * ctx.rng.standard_normal(m)}
        a, _, _ = cnn_oracle(v)
        top = np.sort(pool_windows(np.maximum(a, 0), 2, 2), axis=-1)
        if np.min(np.abs(a)) > gap and np.all((top[..., -1] - top[..., -2] > gap) | (top[..., -1] == 0)):
            return v
    raise RuntimeError("could not draw CNN inputs away from kinks and ties")


def cnn_scores(result, shape):
    return compare.array(compare.sequence(result, "cnn_forward(x, params)", 2)[0], "scores from cnn_forward", shape)


def cnn_grads(ctx, v, upstreams):
    """The student's gradient dicts for each upstream gradient (one forward, one batch of backwards)."""
    _, cache = compare.sequence(ctx.student.cnn.cnn_forward(v["x"], {k: v[k] for k in CNN_PARAMS}),
                                "cnn_forward(x, params)", 2)
    out = []
    for grads in ctx.student.cnn.cnn_backward.map([(g, cache) for g in upstreams]):
        if type(grads) is not dict or set(grads) != set(CNN_GRADS):
            ctx.fail(f"cnn_backward should return a dict with keys {CNN_GRADS}, but it returned {compare.describe(grads)}"
                     + (f" with keys {sorted(grads)}" if type(grads) is dict else ""))
        out.append({k: compare.array(grads[k], f"grads['{k}'] from cnn_backward", v[k].shape) for k in CNN_GRADS})
    return out


@suite.check("cnn.cnn_forward", points=2)
def cnn_forward_values(ctx):
    v = cnn_inputs(ctx, n=3, c=3, h=6, f=4, k=5, m=4)
    expected = cnn_oracle(v)[2]
    compare.close(cnn_scores(ctx.student.cnn.cnn_forward(v["x"], {k: v[k] for k in CNN_PARAMS}), expected.shape),
                  expected, "scores from cnn_forward", hidden=ctx.hidden)


@suite.check("cnn.cnn_backward", points=3)
def cnn_backward_finite_differences(ctx):
    v = cnn_inputs(ctx)
    upstream = ctx.rng.standard_normal((2, 3))
    (grads,) = cnn_grads(ctx, v, [upstream])

    def forward(points):
        outs = ctx.student.cnn.cnn_forward.map([(p["x"], {k: p[k] for k in CNN_PARAMS}) for p in points])
        return [cnn_scores(o, upstream.shape) for o in outs]

    gradients.directional(forward, v, grads, upstream, rng=ctx.rng, name="cnn_backward")


@suite.check("cnn.cnn_backward", points=1)
def cnn_backward_contract(ctx):
    v = cnn_inputs(ctx)
    gradients.backward_contract(lambda gs: [tuple(g[k] for k in CNN_GRADS) for g in cnn_grads(ctx, v, gs)], (2, 3),
                                rng=ctx.rng, name="cnn_backward")


@suite.check("cnn.cnn_backward", points=2, needs_reference=True)
def cnn_backward_matches_reference(ctx):
    v = cnn_inputs(ctx)
    upstream = ctx.rng.standard_normal((2, 3))
    _, cache = ctx.ref.cnn.cnn_forward(v["x"], {k: v[k] for k in CNN_PARAMS})
    expected = ctx.ref.cnn.cnn_backward(upstream, cache)
    (grads,) = cnn_grads(ctx, v, [upstream])
    for key in CNN_GRADS:
        with ctx.case(key):
            compare.close(grads[key], expected[key], f"grads['{key}'] from cnn_backward", hidden=ctx.hidden)


@suite.check("cnn.parameter_counts", points=2)
def parameter_counts_values(ctx):
    """Weight sharing made visible: the convolution's count against the same-sized dense layer's."""
    for (c, h, w), f, k, s, p in (((3, 32, 32), 16, 3, 1, 1), ((1, 28, 28), 8, 5, 1, 0), ((3, 9, 7), 4, 3, 2, 1),
                                  ((2, 5, 5), 3, 5, 1, 0), ((2, 6, 5), 3, 3, None, None)):
        label = f"parameter_counts(({c}, {h}, {w}), {f}, {k}" + (")" if s is None else f", stride={s}, pad={p})")
        with ctx.case(label):
            extra = () if s is None else (s, p)
            s, p = (1, 0) if s is None else (s, p)
            outputs = f * out_size(h, k, s, p) * out_size(w, k, s, p)
            got = compare.sequence(ctx.student.cnn.parameter_counts((c, h, w), f, k, *extra), label, 2)
            compare.equal(got[0], f * (c * k * k + 1), f"the convolution's count from {label}")
            compare.equal(got[1], c * h * w * outputs + outputs, f"the dense layer's count from {label}")


# ---------------------------------------------------------------- architectures
def conv_count(i, o, k, bias=True):
    return i * o * k * k + (o if bias else 0)


def basic_conv_count(i, o, k):
    return conv_count(i, o, k, bias=False) + 2 * o


def shortcut_count(i, o, s):
    return 0 if s == 1 and i == o else conv_count(i, o, 1, bias=False) + 2 * o


def half(n, s):
    return (n - 1) // s + 1


BLOCKS = {  # class: [(args, input shape, parameter count, output shape)]
    "BasicConv2d": [((3, 8, 3, 2, 1), (2, 3, 9, 9), basic_conv_count(3, 8, 3), (2, 8, 5, 5)),
                    ((4, 6, 1), (2, 4, 5, 7), basic_conv_count(4, 6, 1), (2, 6, 5, 7))],
    "VGGBlock": [((3, 8, 2), (2, 3, 8, 10), conv_count(3, 8, 3) + conv_count(8, 8, 3), (2, 8, 4, 5)),
                 ((4, 6, 3), (2, 4, 7, 6), conv_count(4, 6, 3) + 2 * conv_count(6, 6, 3), (2, 6, 3, 3))],
    "BasicBlock": [((i, o, s), (2, i, 9, 8), conv_count(i, o, 3, False) + conv_count(o, o, 3, False) + 4 * o
                    + shortcut_count(i, o, s), (2, o, half(9, s), half(8, s)))
                   for i, o, s in ((8, 8, 1), (8, 16, 2), (8, 16, 1), (8, 8, 2))],
    "Bottleneck": [((i, m, s), (2, i, 9, 8), conv_count(i, m, 1, False) + conv_count(m, m, 3, False)
                    + conv_count(m, 4 * m, 1, False) + 4 * m + 8 * m + shortcut_count(i, 4 * m, s),
                    (2, 4 * m, half(9, s), half(8, s)))
                   for i, m, s in ((16, 4, 1), (8, 4, 2), (8, 4, 1), (16, 4, 2))],
    "Inception": [((16, 4, 3, 6, 2, 5, 3), (2, 16, 7, 6), basic_conv_count(16, 4, 1) + basic_conv_count(16, 3, 1)
                   + basic_conv_count(3, 6, 3) + basic_conv_count(16, 2, 1) + basic_conv_count(2, 5, 3)
                   + basic_conv_count(16, 3, 1), (2, 18, 7, 6))],
}


def build_cases(ctx, target, cases):
    """Build each on the meta device: parameter count and output shape against the grader's."""
    build = ctx.student.driver("torch_tools", "build_on_meta")
    cls = target.split(".")[-1]
    for args, shape, count, out_shape in cases:
        with ctx.case(f"{cls}{args}"):
            got = compare.sequence(build(target, shape, *args), f"building {cls}{args}", 2)
            compare.equal(got[0], count, f"the number of parameters of {cls}{args}")
            compare.equal(list(got[1]), list(out_shape), f"the output shape of {cls}{args} for an input of shape {shape}")


def _block_check(cls):
    @suite.check(f"architectures.{cls}", points=2, name=f"{cls}_counts_and_shapes")
    def check(ctx):
        build_cases(ctx, f"architectures.{cls}", BLOCKS[cls])


for _cls in BLOCKS:
    _block_check(_cls)


def identity_path(ctx, cls, args, bn):
    """With the last batch norm's scale at zero the block is relu(x) (eval and train mode)."""
    tools = ctx.student.driver
    block = getattr(ctx.student.architectures, cls)(*args)
    state = tools("torch_tools", "state")(block)
    if type(state) is not dict or f"{bn}.weight" not in state:
        ctx.fail(f"{cls}{args} has no batch norm named {bn} (its parameters: {sorted(state)[:8] if type(state) is dict else state})")
    tools("torch_tools", "load_state")(block, {f"{bn}.weight": np.zeros_like(state[f"{bn}.weight"])})
    x = ctx.rng.standard_normal((2, args[0], 5, 6))
    for train in (False, True):
        with ctx.case(f"{'train' if train else 'eval'} mode"):
            compare.close(tools("torch_tools", "forward")(block, x, train=train), np.maximum(x, 0),
                          f"{cls}{args}(x) with {bn}.weight = 0 ({'train' if train else 'eval'} mode)", rtol=1e-5, atol=1e-6)


@suite.check("architectures.BasicBlock", points=2)
def basic_block_identity_path(ctx):
    identity_path(ctx, "BasicBlock", (6, 6), "bn2")


@suite.check("architectures.Bottleneck", points=2)
def bottleneck_identity_path(ctx):
    identity_path(ctx, "Bottleneck", (16, 4), "bn3")


def _block_reference_check(cls):
    @suite.check(f"architectures.{cls}", points=2, needs_reference=True, name=f"{cls}_matches_reference")
    def check(ctx):
        for args, shape, _, _ in BLOCKS[cls][:2]:
            handle = getattr(ctx.student.architectures, cls)(*args)
            trusted = getattr(ctx.ref.architectures, cls)(*args)
            arch.matches_trusted(ctx, handle, trusted, ctx.rng.standard_normal(shape), f"{cls}{args}")


for _cls in BLOCKS:
    _block_reference_check(_cls)

PUBLISHED = {  # parameters for 1000 classes, and the classifier's input width
    "AlexNet": (61_100_840, 4096), "VGG16": (138_357_544, 4096),
    "ResNet18": (11_689_512, 512), "GoogLeNet": (6_624_904, 1024),
}
LAYERS = {
    "AlexNet": ["features", "avgpool", "classifier"],
    "VGG16": ["features.0", "features.1", "features.2", "features.3", "features.4", "avgpool", "classifier"],
    "ResNet18": ["conv1", "bn1", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "fc"],
    "GoogLeNet": ["conv1", "maxpool1", "conv2", "conv3", "maxpool2", "inception3a", "inception3b", "maxpool3",
                  "inception4a", "inception4b", "inception4c", "inception4d", "inception4e", "maxpool4",
                  "inception5a", "inception5b", "avgpool", "fc"],
}
IMAGE, ODD_IMAGE = (2, 3, 224, 224), (1, 3, 193, 180)


def _network_check(cls):
    @suite.check(f"architectures.{cls}", points=3, name=f"{cls}_parameter_count")
    def check(ctx):
        """The published count and the output shape for 1000 classes; 10 classes change only the last layer."""
        count, width = PUBLISHED[cls]
        build_cases(ctx, f"architectures.{cls}", [((), IMAGE, count, (2, 1000))])
        with ctx.case(f"{cls}(10)"):
            compare.equal(ctx.student.driver("unit05_cnn", "student_meta_count")(f"architectures.{cls}", (10,)),
                          count - 990 * (width + 1), f"the number of parameters of {cls}(10)")

    @suite.check(f"architectures.{cls}", points=2, needs_reference=True, name=f"{cls}_layers_match_reference")
    def layers_check(ctx):
        """Each named layer's output shape for a 193x180 input, and every parameter's shape."""
        from ..drivers.unit05_cnn import meta_summary

        got = ctx.student.driver("unit05_cnn", "student_meta_summary")(f"architectures.{cls}", (), ODD_IMAGE, LAYERS[cls])
        arch.summary_matches(got, meta_summary(getattr(ctx.ref.architectures, cls), (), ODD_IMAGE, LAYERS[cls]), cls)


for _cls in PUBLISHED:
    _network_check(_cls)


# ---------------------------------------------------------------- detection
def iou_key(a, b):
    """Pairwise IoU, one pair at a time."""
    out = np.zeros((len(a), len(b)))
    for i, p in enumerate(a):
        for j, q in enumerate(b):
            inter = max(0.0, min(p[2], q[2]) - max(p[0], q[0])) * max(0.0, min(p[3], q[3]) - max(p[1], q[1]))
            out[i, j] = inter / ((p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - inter)
    return out


def random_boxes(rng, n, centres=None, spread=10.0):
    centres = rng.uniform(0, spread, (n, 2)) if centres is None else centres
    half_sizes = rng.uniform(0.5, 3.0, (n, 2))
    return np.concatenate([centres - half_sizes, centres + half_sizes], axis=1)


@suite.check("detection.iou", points=2)
def iou_values(ctx):
    a = np.concatenate([random_boxes(ctx.rng, 5), [[0, 0, 2, 2], [0, 0, 2, 2], [5, 5, 6, 7]]])
    b = np.concatenate([random_boxes(ctx.rng, 4), [[0, 0, 2, 2], [2, 0, 3, 2], [0.5, 0.5, 1, 1], [20, 20, 21, 21]]])
    compare.close(ctx.student.detection.iou(a, b), iou_key(a, b), "iou(boxes_a, boxes_b)", hidden=ctx.hidden, **TIGHT)


BOX_SETS = st.integers(1, 5).flatmap(lambda n: st.tuples(properties.arrays((n, 2), -10, 10),
                                                         properties.arrays((n, 2), 0.1, 10)))


@suite.check("detection.iou", points=2)
def iou_properties(ctx):
    """Symmetric, in [0, 1], iou(a, a) = 1 on the diagonal, unchanged by shifting and scaling both."""
    fn = ctx.student.detection.iou

    def prop(a, b):
        a, b = np.concatenate([a[0], a[0] + a[1]], 1), np.concatenate([b[0], b[0] + b[1]], 1)
        ab, ba, aa, shifted, scaled = fn.map([(a, b), (b, a), (a, a), (a + 3.5, b + 3.5), (2.5 * a, 2.5 * b)])
        ab = compare.array(ab, "iou(a, b)", (len(a), len(b)))
        if np.any(ab < 0) or np.any(ab > 1):
            ctx.fail("iou(a, b) left the interval [0, 1]")
        compare.close(compare.array(ba, "iou(b, a)", ab.T.shape), ab.T, "iou(b, a) compared with iou(a, b).T", atol=1e-12)
        compare.close(np.diag(compare.array(aa, "iou(a, a)", (len(a), len(a)))), np.ones(len(a)),
                      "the diagonal of iou(a, a)", atol=1e-12)
        compare.close(shifted, ab, "iou(a + t, b + t) compared with iou(a, b)", atol=1e-9)
        compare.close(scaled, ab, "iou(2.5 a, 2.5 b) compared with iou(a, b)", atol=1e-9)

    properties.run(ctx, prop, max_examples=15, a=BOX_SETS, b=BOX_SETS)


def nms_complaint(boxes, scores, threshold, keep):
    """What disqualifies ``keep`` as the greedy NMS answer, or None. By induction over the boxes in order
    of decreasing score, three conditions define that answer uniquely: distinct indices in order of
    decreasing score; no two kept boxes with IoU > threshold; every other box with IoU > threshold
    with some kept box of higher score."""
    if np.any((keep < 0) | (keep >= len(boxes))) or len(set(keep.tolist())) < len(keep):
        return "holds indices that repeat or are not box indices"
    if np.any(np.diff(scores[keep]) > 0):
        return "is not in order of decreasing score"
    overlaps = iou_key(boxes, boxes) > threshold
    if np.any(overlaps[np.ix_(keep, keep)] & ~np.eye(len(keep), dtype=bool)):
        return f"keeps two boxes whose IoU is greater than the threshold {threshold}"
    suppressed = set(range(len(boxes))) - set(keep.tolist())
    if any(not any(overlaps[i, j] and scores[j] > scores[i] for j in keep) for i in suppressed):
        return (f"suppresses a box whose IoU with every kept box of higher score is at most the threshold "
                f"{threshold}")
    return None


@suite.check("detection.nms", points=3)
def nms_values(ctx):
    centres = np.repeat(ctx.rng.uniform(0, 12, (3, 2)), 5, axis=0) + ctx.rng.normal(0, 0.8, (15, 2))
    boxes, scores = random_boxes(ctx.rng, 15, centres), ctx.rng.permutation(15) / 15 + 0.01
    edge = np.array([[0.0, 0.0, 2.0, 1.0], [0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 2.0]])
    cases = {f"15 boxes in 3 clusters, threshold {t}": (boxes, scores, t) for t in (0.5, 0.2)}
    cases["IoU exactly at the threshold (kept)"] = (edge[:2], np.array([0.9, 0.8]), 0.5)
    cases["IoU just above the threshold (suppressed)"] = (edge[:2], np.array([0.8, 0.9]), 0.49)
    cases["no boxes"] = (np.zeros((0, 4)), np.zeros(0), 0.5)
    cases["default threshold 0.5"] = (boxes, scores, None)
    for label, (b, s, t) in cases.items():
        with ctx.case(label):
            kwargs = {} if t is None else {"iou_threshold": t}
            got = compare.array(ctx.student.detection.nms(b, s, **kwargs), "keep from nms", kinds="iu")
            if got.ndim != 1:
                ctx.fail(f"keep from nms should be 1-D; it has shape {got.shape}")
            complaint = nms_complaint(b, s, 0.5 if t is None else t, got.astype(np.int64))
            if complaint:
                ctx.fail(f"keep from nms ({label}) {complaint}")


# ---------------------------------------------------------------- style transfer
def gram_key(f):
    n, c, h, w = f.shape
    flat = f.reshape(n, c, h * w)
    return np.einsum("nci,ndi->ncd", flat, flat) / (c * h * w)


def tv_key(x):
    return float(np.sum(np.diff(x, axis=2) ** 2) + np.sum(np.diff(x, axis=3) ** 2))


def loss_output(result, fname, shape):
    loss, grad = compare.sequence(result, f"{fname}(...)", 2)
    return compare.scalar(loss, f"loss from {fname}"), compare.array(grad, f"the gradient from {fname}", shape)


def loss_gradient_check(ctx, fname, args: dict, wrt: str):
    """The gradient a loss function returns, against central differences of its own loss."""
    fn = getattr(ctx.student.style, fname)
    order = list(args)
    _, grad = loss_output(fn(*args.values()), fname, args[wrt].shape)
    forward = gradients.batched(fn, order, (), f"loss from {fname}",
                                select=lambda r: np.asarray(loss_output(r, fname, args[wrt].shape)[0]))
    gradients.directional(forward, dict(args), {wrt: grad}, np.float64(1.0), rng=ctx.rng, name=fname)


@suite.check("style.gram_matrix", points=2)
def gram_values(ctx):
    for shape in ((2, 3, 4, 5), (1, 4, 3, 3)):
        with ctx.case(f"features of shape {shape}"):
            f = ctx.rng.standard_normal(shape)
            compare.close(ctx.student.style.gram_matrix(f), gram_key(f), f"gram_matrix of shape {shape}",
                          hidden=ctx.hidden, **TIGHT)


@suite.check("style.gram_matrix", points=1)
def gram_symmetric_psd(ctx):
    fn = ctx.student.style.gram_matrix

    def prop(f):
        G = compare.array(fn(f), "gram_matrix(features)", (f.shape[0], f.shape[1], f.shape[1]))
        compare.close(G.transpose(0, 2, 1), G, "gram_matrix(features) transposed compared with itself", atol=1e-12)
        lowest = np.linalg.eigvalsh((G + G.transpose(0, 2, 1)) / 2).min()
        if lowest < -1e-9 * max(1.0, np.abs(G).max()):
            ctx.fail(f"gram_matrix(features) is not positive semi-definite: an eigenvalue is {lowest:.3g}")

    properties.run(ctx, prop, max_examples=20, f=properties.arrays(properties.shapes(4, 4, 1, 4), -5, 5))


@suite.check("style.gram_backward", points=2)
def gram_backward_finite_differences(ctx):
    f, dG = ctx.rng.standard_normal((2, 3, 4, 3)), ctx.rng.standard_normal((2, 3, 3))
    dfeatures = ctx.student.style.gram_backward(dG, f)
    forward = gradients.batched(ctx.student.style.gram_matrix, ["features"], dG.shape, "gram_matrix(features)")
    gradients.directional(forward, {"features": f}, {"features": dfeatures}, dG, rng=ctx.rng, name="gram_backward")


@suite.check("style.gram_backward", points=1)
def gram_backward_contract(ctx):
    f = ctx.rng.standard_normal((2, 3, 4, 3))
    back = ctx.student.style.gram_backward
    gradients.backward_contract(
        lambda gs: [(compare.array(d, "dfeatures from gram_backward", f.shape),) for d in back.map([(g, f) for g in gs])],
        (2, 3, 3), rng=ctx.rng, name="gram_backward")


@suite.check("style.content_loss", points=2)
def content_loss_values(ctx):
    f, t, w = ctx.rng.standard_normal((2, 3, 4, 4)), ctx.rng.standard_normal((2, 3, 4, 4)), float(ctx.rng.uniform(0.1, 3))
    loss, grad = loss_output(ctx.student.style.content_loss(f, t, w), "content_loss", f.shape)
    with ctx.case("loss"):
        compare.close_scalar(loss, w * float(np.sum((f - t) ** 2)), "loss from content_loss", rtol=1e-9, hidden=ctx.hidden)
    with ctx.case("gradient"):
        compare.close(grad, 2 * w * (f - t), "dfeatures from content_loss", hidden=ctx.hidden, **TIGHT)
    with ctx.case("gradient against finite differences"):
        loss_gradient_check(ctx, "content_loss", {"features": f, "target": t, "weight": w}, "features")


@suite.check("style.style_loss", points=2)
def style_loss_values(ctx):
    f, w = ctx.rng.standard_normal((2, 3, 4, 5)), float(ctx.rng.uniform(0.1, 3))
    target = gram_key(ctx.rng.standard_normal((2, 3, 4, 5)))
    loss, _ = loss_output(ctx.student.style.style_loss(f, target, w), "style_loss", f.shape)
    compare.close_scalar(loss, w * float(np.sum((gram_key(f) - target) ** 2)), "loss from style_loss", rtol=1e-9,
                         hidden=ctx.hidden)


@suite.check("style.style_loss", points=2)
def style_loss_gradient(ctx):
    f, w = ctx.rng.standard_normal((2, 3, 4, 5)), float(ctx.rng.uniform(0.1, 3))
    loss_gradient_check(ctx, "style_loss", {"features": f, "target_gram": gram_key(ctx.rng.standard_normal(f.shape)),
                                            "weight": w}, "features")


@suite.check("style.style_loss", points=2, needs_reference=True, name="style_gradients_match_reference")
def style_gradients_match_reference(ctx):
    f, dG = ctx.rng.standard_normal((2, 3, 4, 5)), ctx.rng.standard_normal((2, 3, 3))
    target, w = gram_key(ctx.rng.standard_normal(f.shape)), 0.7
    with ctx.case("gram_backward"):
        compare.close(ctx.student.style.gram_backward(dG, f), ctx.ref.style.gram_backward(dG, f),
                      "dfeatures from gram_backward", hidden=ctx.hidden)
    with ctx.case("style_loss"):
        _, grad = loss_output(ctx.student.style.style_loss(f, target, w), "style_loss", f.shape)
        compare.close(grad, ctx.ref.style.style_loss(f, target, w)[1], "dfeatures from style_loss", hidden=ctx.hidden)


@suite.check("style.tv_loss", points=2)
def tv_loss_values(ctx):
    x, w = ctx.rng.standard_normal((2, 3, 5, 4)), float(ctx.rng.uniform(0.1, 3))
    fn = ctx.student.style.tv_loss
    with ctx.case("random images"):
        compare.close_scalar(loss_output(fn(x, w), "tv_loss", x.shape)[0], w * tv_key(x), "loss from tv_loss",
                             rtol=1e-9, hidden=ctx.hidden)
    with ctx.case("a constant image"):
        loss, grad = loss_output(fn(np.full((1, 2, 4, 3), 0.7), w), "tv_loss", (1, 2, 4, 3))
        compare.close_scalar(loss, 0.0, "loss from tv_loss on a constant image", atol=1e-12)
        compare.close(grad, np.zeros((1, 2, 4, 3)), "the gradient from tv_loss on a constant image", atol=1e-12)
    with ctx.case("adding a constant changes nothing"):
        compare.close_scalar(loss_output(fn(x + 2.5, w), "tv_loss", x.shape)[0], w * tv_key(x),
                             "loss from tv_loss on images + 2.5", rtol=1e-9)


@suite.check("style.tv_loss", points=2)
def tv_loss_gradient(ctx):
    loss_gradient_check(ctx, "tv_loss", {"images": ctx.rng.standard_normal((2, 2, 4, 5)),
                                         "weight": float(ctx.rng.uniform(0.1, 3))}, "images")


# ---------------------------------------------------------------- super-resolution
def shuffle_key(x, r):
    """out[:, c, i::r, j::r] = x[:, c * r * r + i * r + j], one sub-pixel position at a time."""
    n, crr, h, w = x.shape
    grouped = x.reshape(n, crr // (r * r), r * r, h, w)
    out = np.zeros((n, crr // (r * r), h * r, w * r))
    for i in range(r):
        for j in range(r):
            out[:, :, i::r, j::r] = grouped[:, :, i * r + j]
    return out


SHUFFLES = {"r = 2": ((2, 12, 3, 4), 2), "r = 3": ((1, 18, 2, 3), 3), "r = 1 (identity)": ((2, 3, 2, 2), 1)}


@suite.check("superres.pixel_shuffle", points=2)
def pixel_shuffle_values(ctx):
    for label, (shape, r) in SHUFFLES.items():
        with ctx.case(label):
            x = ctx.rng.standard_normal(shape)
            compare.close(ctx.student.superres.pixel_shuffle(x, r), shuffle_key(x, r), f"pixel_shuffle ({label})",
                          hidden=ctx.hidden, rtol=0, atol=0)


@suite.check("superres.pixel_unshuffle", points=2)
def pixel_unshuffle_round_trip(ctx):
    """The inverse of the grader's shuffle, and both round trips through the student's functions."""
    sup = ctx.student.superres
    for label, (shape, r) in SHUFFLES.items():
        with ctx.case(label):
            x = ctx.rng.standard_normal(shape)
            y = shuffle_key(x, r)
            compare.close(sup.pixel_unshuffle(y, r), x, f"pixel_unshuffle ({label})", hidden=ctx.hidden, rtol=0, atol=0)
            compare.close(sup.pixel_unshuffle(sup.pixel_shuffle(x, r), r), x,
                          f"pixel_unshuffle(pixel_shuffle(x)) ({label})", rtol=0, atol=0)
            compare.close(sup.pixel_shuffle(sup.pixel_unshuffle(y, r), r), y,
                          f"pixel_shuffle(pixel_unshuffle(y)) ({label})", rtol=0, atol=0)


@suite.check("superres.pixel_shuffle", points=1, name="pixel_shuffle_rejects_bad_shapes")
def pixel_shuffle_rejects(ctx):
    sup = ctx.student.superres
    with ctx.case("pixel_shuffle of 6 channels by r = 2"):
        compare.raises(lambda: sup.pixel_shuffle(np.zeros((1, 6, 2, 2)), 2), ("ValueError",), "pixel_shuffle",
                       "when r * r does not divide the channels")
    with ctx.case("pixel_unshuffle of a 5x4 image by r = 2"):
        compare.raises(lambda: sup.pixel_unshuffle(np.zeros((1, 1, 5, 4)), 2), ("ValueError",), "pixel_unshuffle",
                       "when r does not divide the height")


@suite.check("superres.psnr", points=2)
def psnr_key(ctx):
    """Against the sympy key 10 log10(max^2 / MSE); identical images give inf."""
    fn = ctx.student.superres.psnr
    for peak_value in (1.0, 255.0):
        with ctx.case(f"max_value = {peak_value:g}"):
            target = ctx.rng.uniform(0, peak_value, (2, 1, 6, 5))
            pred = target + ctx.rng.normal(0, 0.05 * peak_value, target.shape)
            want = float(PSNR(peak_value, np.mean((pred - target) ** 2)))
            compare.close_scalar(fn(pred, target, max_value=peak_value), want, f"psnr with max_value={peak_value:g}",
                                 rtol=1e-10, hidden=ctx.hidden)
    with ctx.case("default max_value 1"):
        target = ctx.rng.uniform(0, 1, (3, 4))
        pred = target + ctx.rng.normal(0, 0.05, target.shape)
        compare.close_scalar(fn(pred, target), float(PSNR(1.0, np.mean((pred - target) ** 2))),
                             "psnr(prediction, target) with the default max_value", rtol=1e-10, hidden=ctx.hidden)
    with ctx.case("identical images"):
        x = ctx.rng.uniform(0, 1, (3, 4))
        got = compare.scalar(fn(x, x.copy()), "psnr of identical images", finite=False)
        if got != float("inf"):
            ctx.fail(f"psnr of identical images is {got}; expected inf")


SUBPIXEL = ((3, 2, 8), (2, 2, 5, 6), conv_count(2, 8, 5) + conv_count(8, 4, 3) + conv_count(4, 18, 3), (2, 2, 15, 18))


@suite.check("subpixel.SubPixelNet", points=2)
def subpixel_counts_and_shapes(ctx):
    build_cases(ctx, "subpixel.SubPixelNet", [SUBPIXEL, ((2, 1, 16), (2, 1, 4, 4), conv_count(1, 16, 5)
                                                         + conv_count(16, 8, 3) + conv_count(8, 4, 3), (2, 1, 8, 8)),
                                              ((), (2, 1, 3, 4), conv_count(1, 32, 5) + conv_count(32, 16, 3)
                                               + conv_count(16, 4, 3), (2, 1, 6, 8))])


@suite.check("subpixel.SubPixelNet", points=4, timeout=40)
def subpixel_beats_nearest(ctx):
    """Trained (in the worker, by the grader's loop) on 16 images, tested on 16 others."""
    high = sr.blob_images(ctx.rng, 32, 24)
    low = sr.downsample(high, 2)
    prediction = ctx.student.driver("unit05_cnn", "fit_superres")(
        low[:16], high[:16], low[16:], 2, 16, 150, 1e-2, int(ctx.rng.integers(2**31)))
    sr.beats_baseline(prediction, high[16:], sr.upsample_nearest(low[16:], 2), 1.0,
                      "SubPixelNet's upscaled held-out images")


@suite.check("subpixel.SubPixelNet", points=2, needs_reference=True)
def subpixel_matches_reference(ctx):
    args, shape, _, _ = SUBPIXEL
    arch.matches_trusted(ctx, ctx.student.subpixel.SubPixelNet(*args), ctx.ref.subpixel.SubPixelNet(*args),
                         ctx.rng.standard_normal(shape), f"SubPixelNet{args}")
