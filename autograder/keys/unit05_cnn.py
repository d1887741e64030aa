"""Unit 5 answer keys (instructor-only): the grader's own convolution (one einsum over sliding
windows), pooling by reducing windows, the max-pool gradient routing, the softmax cross-entropy, the
small network's forward, IoU and NMS, the Gram matrix and the style losses, and the pixel shuffle.

Each value check covers every configuration the docstrings name in every grading; the documented
errors ride along as trivial cases.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..checks import compare, layer_pairs
from ..checks import upstream as upstream_of
from ..units.unit05_cnn import conv_pool, network, style, superres
from ..units.unit05_cnn.common import TIGHT, suite
from ..units.unit05_cnn.conv_pool import CONV_CASES, POOL_CASES, pool_shape
from ..units.unit05_cnn.detection import random_boxes
from ..units.unit05_cnn.style import loss_output


# ---------------------------------------------------------------- convolution and pooling
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


@suite.check("layers.conv_forward", points=3)
def conv_forward_values(ctx):
    """Against the grader's own convolution in every configuration, with the defaults; then the
    documented errors."""
    conv = lambda pair, v: {"out": conv_oracle(v["x"], v["w"], v["b"], v["stride"], v["pad"])}  # noqa: E731
    layer_pairs.outputs_match(ctx, conv_pool.conv_configs(ctx), conv)
    with ctx.case("default stride 1 and pad 0"):
        pair, v = conv_pool.conv_pair(ctx, "defaults", CONV_CASES["stride 1, pad 0, 3x3 kernel, 5x6 input"])
        (out,), _ = pair.unpack(pair.forward(v["x"], v["w"], v["b"]))
        compare.close(out, conv(pair, v)["out"], "out from conv_forward(x, w, b) (default stride 1, pad 0)",
                      hidden=ctx.hidden)
    conv_pool.conv_rejects_bad_shapes(ctx)


def _pool_forward_values(ctx, kind: str, reduce):
    """Pooling outputs against ``reduce`` over each window, for every case and the defaults."""
    configs = conv_pool.pool_configs(ctx, kind, lambda rng, shape: rng.standard_normal(shape))
    layer_pairs.outputs_match(ctx, configs, lambda pair, v: {"out": reduce(pool_windows(v["x"], v["pool_size"],
                                                                                        v["stride"]), axis=-1)})
    with ctx.case("default pool_size 2 and stride 2, 6x5 input"):
        fn = getattr(ctx.student.layers, f"{kind}_pool_forward")
        x = ctx.rng.standard_normal((2, 2, 6, 5))
        out = compare.array(compare.sequence(fn(x), f"{kind}_pool_forward(x)", 2)[0],
                            f"out from {kind}_pool_forward(x)", (2, 2, 3, 2))
        compare.close(out, reduce(pool_windows(x, 2, 2), axis=-1),
                      f"out from {kind}_pool_forward(x) (default pool_size 2, stride 2)", hidden=ctx.hidden)
    conv_pool.pool_rejects(ctx, kind)


@suite.check("layers.max_pool_forward", points=2)
def max_pool_forward_values(ctx):
    _pool_forward_values(ctx, "max", np.max)


@suite.check("layers.avg_pool_forward", points=2)
def avg_pool_forward_values(ctx):
    _pool_forward_values(ctx, "avg", np.mean)


TIES = np.array([[[[0.0, 2.0, 1.0, 2.0],    # a window's maximum twice, not first in the window
                   [2.0, 2.0, 0.5, -1.0],
                   [1.0, 0.0, 2.0, 2.0],
                   [0.0, 2.0, 0.0, 1.0]]]])


@suite.check("layers.max_pool_backward", points=3)
def max_pool_routes_to_argmax(ctx):
    """Each window's gradient goes to its maximum only (overlapping windows add up; ties: the first
    maximum in row-major order), in every configuration."""
    cases = {label: (conv_pool.tie_free(ctx.rng, shape), k, s) for label, (shape, k, s) in POOL_CASES.items()}
    cases["a constant input (every window tied: the first entry gets it)"] = (np.full((1, 2, 5, 5), 0.5), 3, 2)
    cases["maxima tied inside 2x2 windows, stride 2 (the first in row-major order gets it)"] = (TIES, 2, 2)
    cases["maxima tied across overlapping 3x3 windows, stride 1"] = (TIES, 3, 1)
    for label, (x, k, s) in cases.items():
        with ctx.case(label):
            pair, values = conv_pool.pool_pair(ctx, "max", label, x, k, s)
            dout = ctx.rng.standard_normal(pool_shape(x.shape, k, s))
            reference = upstream_of.reference_of(ctx, pair.forward)
            upstream_of.judged(ctx, lambda dx: compare.close(
                dx["x"], max_pool_gradient(x, k, s, dout), f"dx from max_pool_backward ({label})", hidden=ctx.hidden,
                **TIGHT), lambda cache: pair.grads_at(values, [dout.ravel()], direct=True, cache=cache)[0],
                lambda: pair.reference_cache(reference, values))


# ---------------------------------------------------------------- cnn
def softmax_key(scores, y):
    """(loss, dscores) of the mean softmax cross-entropy, from the log-softmax shifted by each row's
    maximum (exact in float64 for any finite scores) and one-hot labels."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p, onehot = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)), np.eye(scores.shape[1])[y]
    return float(-np.sum(onehot * log_p) / len(y)), (np.exp(log_p) - onehot) / len(y)


@suite.check("cnn.softmax_cross_entropy", points=2)
def softmax_loss_values(ctx):
    for label, (scores, y) in network.softmax_cases(ctx).items():
        with ctx.case(label):
            loss, dscores = network.softmax_output(ctx.student.cnn.softmax_cross_entropy(scores, y), label)
            want_loss, want_grad = softmax_key(scores, y)
            compare.close_scalar(loss, want_loss, f"loss from softmax_cross_entropy ({label})", rtol=1e-9, hidden=ctx.hidden)
            compare.close(dscores, want_grad, f"dscores from softmax_cross_entropy ({label})", hidden=ctx.hidden, **TIGHT)


def cnn_oracle(v):
    a = conv_oracle(v["x"], v["W1"], v["b1"], 1, (v["W1"].shape[2] - 1) // 2)
    pooled = pool_windows(np.maximum(a, 0), 2, 2).max(axis=-1)
    return a, pooled, pooled.reshape(len(a), -1) @ v["W2"] + v["b2"]


def kink_free(rng, *case, gap=2e-2):
    """Inputs whose pre-activations are at least ``gap`` from 0 and whose pooling windows have no
    near-ties among positive values, so finite differences never cross a kink."""
    for _ in range(500):
        v = network.cnn_values(rng, *case)
        a, _, _ = cnn_oracle(v)
        top = np.sort(pool_windows(np.maximum(a, 0), 2, 2), axis=-1)
        if np.min(np.abs(a)) > gap and np.all((top[..., -1] - top[..., -2] > gap) | (top[..., -1] == 0)):
            return v
    raise RuntimeError("could not draw CNN inputs away from kinks and ties")


@suite.check("cnn.cnn_forward", points=2)
def cnn_forward_values(ctx):
    """Scores against the grader's own network, for 3x3, 1x1 and 5x5 kernels."""
    layer_pairs.outputs_match(ctx, network.cnn_configs(ctx), lambda pair, v: {"scores": cnn_oracle(v)[2]})


@suite.check("cnn.cnn_backward", points=4)
def cnn_backward_gradients(ctx):
    """Finite differences of your cnn_forward on inputs away from ReLU kinks and pooling ties, for
    3x3, 1x1 and 5x5 kernels; then the backward contract."""
    layer_pairs.gradients(ctx, network.cnn_configs(ctx, kink_free))


# ---------------------------------------------------------------- detection
def iou_key(a, b):
    """Pairwise IoU, one pair at a time."""
    out = np.zeros((len(a), len(b)))
    for i, p in enumerate(a):
        for j, q in enumerate(b):
            inter = max(0.0, min(p[2], q[2]) - max(p[0], q[0])) * max(0.0, min(p[3], q[3]) - max(p[1], q[1]))
            out[i, j] = inter / ((p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - inter)
    return out


@suite.check("detection.iou", points=2)
def iou_values(ctx):
    a = np.concatenate([random_boxes(ctx.rng, 5), [[0, 0, 2, 2], [0, 0, 2, 2], [5, 5, 6, 7]]])
    b = np.concatenate([random_boxes(ctx.rng, 4), [[0, 0, 2, 2], [2, 0, 3, 2], [0.5, 0.5, 1, 1], [20, 20, 21, 21]]])
    compare.close(ctx.student.detection.iou(a, b), iou_key(a, b), "iou(boxes_a, boxes_b)", hidden=ctx.hidden, **TIGHT)


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
        with ctx.case(label, trivial=label == "no boxes"):
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


def tv_key(x):
    return float(np.sum(np.diff(x, axis=2) ** 2) + np.sum(np.diff(x, axis=3) ** 2))


@suite.check("style.gram_matrix", points=2)
def gram_values(ctx):
    for shape in ((2, 3, 4, 5), (1, 4, 3, 3), (2, 1, 2, 3)):
        with ctx.case(f"features of shape {shape}"):
            f = ctx.rng.standard_normal(shape)
            compare.close(ctx.student.style.gram_matrix(f), gram_key(f), f"gram_matrix of shape {shape}",
                          hidden=ctx.hidden, **TIGHT)
    with ctx.case("raises for features with 3 axes", trivial=True):
        compare.raises(lambda: ctx.student.style.gram_matrix(np.zeros((3, 4, 5))), ("ValueError",), "gram_matrix",
                       "for features of shape (3, 4, 5)")


@suite.check("style.content_loss", points=1)
def content_loss_values(ctx):
    f, t, w = ctx.rng.standard_normal((2, 3, 4, 4)), ctx.rng.standard_normal((2, 3, 4, 4)), float(ctx.rng.uniform(0.1, 3))
    loss, grad = loss_output(ctx.student.style.content_loss(f, t, w), "content_loss", f.shape)
    with ctx.case("loss"):
        compare.close_scalar(loss, w * float(np.sum((f - t) ** 2)), "loss from content_loss", rtol=1e-9, hidden=ctx.hidden)
    with ctx.case("gradient"):
        compare.close(grad, 2 * w * (f - t), "dfeatures from content_loss", hidden=ctx.hidden, **TIGHT)
    with ctx.case("raises when the shapes differ", trivial=True):
        compare.raises(lambda: ctx.student.style.content_loss(f, t[:1], w), ("ValueError",), "content_loss",
                       "for features and target of different shapes")


@suite.check("style.style_loss", points=2)
def style_loss_values(ctx):
    f, w = ctx.rng.standard_normal((2, 3, 4, 5)), float(ctx.rng.uniform(0.1, 3))
    target = gram_key(ctx.rng.standard_normal((2, 3, 4, 5)))
    fn = ctx.student.style.style_loss
    with ctx.case("loss"):
        loss, _ = loss_output(fn(f, target, w), "style_loss", f.shape)
        compare.close_scalar(loss, w * float(np.sum((gram_key(f) - target) ** 2)), "loss from style_loss", rtol=1e-9,
                             hidden=ctx.hidden)
    with ctx.case("raises for target_gram of the wrong shape", trivial=True):
        compare.raises(lambda: fn(f, target[:, :2, :2], w), ("ValueError",), "style_loss", "for target_gram (2, 2, 2)")


@suite.check("style.tv_loss", points=1)
def tv_loss_values(ctx):
    fn = ctx.student.style.tv_loss
    for shape in ((2, 3, 5, 4), (1, 1, 1, 6)):
        with ctx.case(f"images of shape {shape}"):
            x, w = ctx.rng.standard_normal(shape), float(ctx.rng.uniform(0.1, 3))
            compare.close_scalar(loss_output(fn(x, w), "tv_loss", x.shape)[0], w * tv_key(x), "loss from tv_loss",
                                 rtol=1e-9, hidden=ctx.hidden)
    with ctx.case("raises for images with 3 axes", trivial=True):
        compare.raises(lambda: fn(np.zeros((2, 3, 4)), 1.0), ("ValueError",), "tv_loss", "for images of shape (2, 3, 4)")


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
        with ctx.case(label, trivial=r == 1):
            x = ctx.rng.standard_normal(shape)
            compare.close(ctx.student.superres.pixel_shuffle(x, r), shuffle_key(x, r), f"pixel_shuffle ({label})",
                          hidden=ctx.hidden, rtol=0, atol=0)
    superres.shuffle_rejects(ctx)


@suite.check("superres.pixel_unshuffle", points=2)
def pixel_unshuffle_values(ctx):
    """The inverse of the grader's shuffle."""
    for label, (shape, r) in SHUFFLES.items():
        with ctx.case(label, trivial=r == 1):
            x = ctx.rng.standard_normal(shape)
            compare.close(ctx.student.superres.pixel_unshuffle(shuffle_key(x, r), r), x, f"pixel_unshuffle ({label})",
                          hidden=ctx.hidden, rtol=0, atol=0)
    superres.unshuffle_rejects(ctx)
