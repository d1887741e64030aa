"""Checks of ``cnn``: the softmax cross-entropy's gradient, the small network's backward contract
and its match with the reference, and the parameter counts that weight sharing saves.

The loss values, the network's scores and its finite-difference gradient check (whose inputs are
drawn away from ReLU kinks and pooling ties with the grader's own convolution) are keyed in
``autograder/keys/unit05_cnn.py``.
"""
from __future__ import annotations

import numpy as np

from ...checks import compare, gradients, layer_pairs
from ...checks.layer_pairs import Pair
from .common import out_size, suite


# ---------------------------------------------------------------- softmax cross-entropy
def softmax_cases(ctx):
    y = ctx.rng.integers(0, 4, 5)
    return {"moderate scores": (ctx.rng.standard_normal((5, 4)) * 3, y),
            "scores of magnitude 1e4 (stability)": (ctx.rng.standard_normal((5, 4)) * 1e4, y)}


def softmax_output(result, label):
    loss, dscores = compare.sequence(result, f"softmax_cross_entropy(scores, y) ({label})", 2)
    return compare.scalar(loss, f"loss from softmax_cross_entropy ({label})"), dscores


@suite.check("cnn.softmax_cross_entropy", points=1, name="softmax_gradient_finite_differences")
def softmax_gradient_finite_differences(ctx):
    """dscores against finite differences of your loss; then the documented errors."""
    fn = ctx.student.cnn.softmax_cross_entropy
    scores, y = softmax_cases(ctx)["moderate scores"]
    _, dscores = softmax_output(fn(scores, y), "moderate scores")
    dscores = compare.array(dscores, "dscores from softmax_cross_entropy", scores.shape)
    with ctx.case("dscores against finite differences of the loss", trivial=not np.any(dscores)):
        forward = gradients.batched(fn, ["scores", "y"], (), "loss from softmax_cross_entropy",
                                    select=lambda r: np.asarray(softmax_output(r, "moderate scores")[0]))
        gradients.directional(forward, {"scores": scores, "y": y}, {"scores": dscores}, np.float64(1.0), rng=ctx.rng,
                              name="softmax_cross_entropy")
    for label, args in (("scores with 3 axes", (scores[None], y)), ("y of shape (4,) for 5 rows", (scores, y[:4]))):
        with ctx.case(f"raises for {label}", trivial=True):
            compare.raises(lambda: fn(*args), ("ValueError",), "softmax_cross_entropy", f"for {label}")


# ---------------------------------------------------------------- the small network
CNN_PARAMS = ["W1", "b1", "W2", "b2"]
CNN_GRADS = ["x", *CNN_PARAMS]
CNN_CASES = {  # N, C, (H, W), F, K, M: "same" padding, K odd, H and W even
    "3x3 kernel, 4x4 images": (2, 2, (4, 4), 3, 3, 3),
    "1x1 kernel, 6x4 images": (2, 3, (6, 4), 2, 1, 4),
    "5x5 kernel, 6x6 images": (3, 3, (6, 6), 4, 5, 4),
}


def cnn_values(rng, n, c, hw, f, k, m):
    h, w = hw
    return {"x": rng.standard_normal((n, c, h, w)), "W1": rng.standard_normal((f, c, k, k)) / 3,
            "b1": 0.1 * rng.standard_normal(f), "W2": rng.standard_normal((f * (h // 2) * (w // 2), m)) / 3,
            "b2": 0.1 * rng.standard_normal(m)}


def cnn_pair(ctx, label, values):
    cnn = ctx.student.cnn
    return Pair(cnn.cnn_forward, cnn.cnn_backward, inputs=CNN_GRADS, args=("x", {k: k for k in CNN_PARAMS}),
                grads={k: k for k in CNN_GRADS}, outputs={"scores": (len(values["x"]), values["b2"].shape[0])},
                label=label)


def cnn_configs(ctx, draw=None):
    """Every configuration, with inputs from ``draw(rng, *case)`` (default: plain Gaussian draws)."""
    draw = draw or cnn_values
    out = {}
    for label, case in CNN_CASES.items():
        values = draw(ctx.rng, *case)
        out[label] = (cnn_pair(ctx, label, values), values)
    return out


@suite.check("cnn.cnn_backward", points=2, needs_reference=True)
def cnn_backward_matches_reference(ctx):
    """Every gradient against the reference's, in every configuration (ties and kinks do not matter:
    both differentiate at the same point by the docstrings' rules)."""
    layer_pairs.gradients_match_reference(ctx, cnn_configs(ctx), ctx.ref.cnn.cnn_forward, ctx.ref.cnn.cnn_backward)


@suite.check("cnn.parameter_counts", points=2)
def parameter_counts_values(ctx):
    """Weight sharing made visible: the convolution's count against the same-sized dense layer's,
    from the counts the docstring states."""
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
    with ctx.case("raises when the kernel does not fit", trivial=True):
        compare.raises(lambda: ctx.student.cnn.parameter_counts((1, 3, 3), 2, 5), ("ValueError",), "parameter_counts",
                       "for a 5x5 kernel on a 3x3 input without padding")
