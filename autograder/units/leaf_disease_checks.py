"""Unit 10, screening leaves for a rare disease (leaf_disease.py): the public checks.

Class weights by the property that defines them (every class carries N / C), the weighted loss by
what its docstring implies about the student's own function (a differentiable 0-dim float32
tensor; scaling the weights changes nothing; a weight of 0 leaves a class out; a weight of 2
counts a class's examples twice), the classifier's structure (the pretrained backbone frozen and
bit-identical, a new two-class head) and the threshold by properties (separable scores, rescaled
scores, the errors). The answer keys and the training outcome on generated leaf patches are in
autograder/keys/unit10_leaf_disease.py.
"""
from __future__ import annotations

import numpy as np

from .. import drivers
from ..checks import compare
from ..pretrained import leaves
from ..sandbox.wire import Tensor
from .recommend_checks import raises_value_error
from .unit10_transfer import BACKBONE, BACKBONE_PARAMS, HEAD, WEIGHTS, bit_identical, drive, handle, suite, tool

suite.drivers.update(drivers.load("leaf_disease"))
suite.builds_on.update({
    "leaf_disease.build_classifier": ("backbone.load_pretrained", "backbone.replace_head", "backbone.freeze_backbone"),
    "leaf_disease.train_classifier": ("leaf_disease.balanced_weights", "leaf_disease.weighted_cross_entropy",
                                      "finetune.set_train_mode"),
})


def float32_tensor(ctx, value, name, shape):
    if type(value) is not Tensor or value.array.dtype != np.float32:
        ctx.fail(f"{name} should be a float32 torch tensor, but it is {compare.describe(value)}")
    return compare.array(value, name, shape)


def float_list(ctx, value, name, length):
    """A list of ``length`` Python floats, as a float64 array."""
    if type(value) is not list or len(value) != length or any(type(v) is not float for v in value):
        kind = f"a list of {len(value)}" if type(value) is list else compare.describe(value)
        ctx.fail(f"{name} should be a list of {length} Python floats (float(loss) or loss.item()), but it is {kind}"
                 + (f" starting with {compare.describe(value[0])}" if type(value) is list and value else ""))
    return compare.array(np.array(value), name, (length,))


@suite.check("leaf_disease.balanced_weights", points=2, name="balanced_weights_per_class")
def balanced_weights_per_class(ctx):
    """A float32 tensor (C,) with w[k] * n_k = N / C for every class; the errors."""
    weights = ctx.student.leaf_disease.balanced_weights
    for label, counts in {"95 healthy, 5 diseased": [95, 5], "3 classes of 40, 7 and 3": [40, 7, 3],
                          "a single class": [4]}.items():
        with ctx.case(label):
            y, c = ctx.rng.permutation(np.repeat(np.arange(len(counts)), counts)), len(counts)
            call = f"balanced_weights(y, {c}) ({label})"
            w = float32_tensor(ctx, weights(Tensor(y), c), call, (c,))
            compare.close(w * np.bincount(y, minlength=c), np.full(c, len(y) / c),
                          f"w[k] * n_k from {call}, the total weight of class k", "FLOAT32")
    y = ctx.rng.permutation(np.repeat([0, 1], [8, 2]))
    raises_value_error(ctx, lambda labels, c: weights(Tensor(labels), c), "balanced_weights",
                       {"class 2 of 3 with no example": (y, 3), "a label 1 with 1 class": (y, 1),
                        "a negative label": (y - 1, 2)})


def weighted_loss(ctx, logits, y, weights, call):
    """(loss, gradient) of the student's weighted_cross_entropy, required to be a differentiable
    0-dim float32 tensor."""
    result = ctx.student.driver("leaf_disease", "cross_entropy_and_gradient")(
        logits.astype(np.float32), y, weights.astype(np.float32))
    kind = result.get("kind") if type(result) is dict else compare.describe(result)
    if kind != "a tensor of shape () and dtype float32":
        ctx.fail(f"{call} must return a 0-dim float32 tensor (one loss for the batch); it returned {kind}")
    if result.get("grad") is None:
        ctx.fail(f"autograd cannot differentiate {call} with respect to the logits: compute it with torch "
                 "operations on the logits (no .detach(), .item() or numpy in between)")
    return (compare.scalar(result["loss"], f"the loss from {call}"),
            compare.array(result["grad"], f"the gradient of {call} with respect to the logits", logits.shape))


@suite.check("leaf_disease.weighted_cross_entropy", points=2, name="weighted_cross_entropy_properties")
def weighted_cross_entropy_properties(ctx):
    """Against your own function: a differentiable 0-dim float32 tensor whose gradient rows sum to 0;
    weights times 3 give the same loss; a weight of 0 leaves the class out; a weight doubled counts
    that class's examples twice."""
    y = ctx.rng.permutation(np.repeat([0, 1, 2], [6, 4, 2]))
    logits = 2 * ctx.rng.standard_normal((len(y), 3))
    w = ctx.rng.uniform(0.5, 3.0, 3)
    call = "weighted_cross_entropy(logits, y, weights)"
    with ctx.case("a differentiable 0-dim float32 tensor; each row of the gradient sums to 0"):
        loss, grad = weighted_loss(ctx, logits, y, w, call)
        if not loss > 0 or not np.any(grad):
            ctx.fail(f"{call} is {loss:.6g} with gradient {'zero' if not np.any(grad) else 'nonzero'}; "
                     "a cross-entropy of random logits is positive and has a nonzero gradient")
        compare.close(grad.sum(axis=1), np.zeros(len(y)), f"the row sums of the gradient of {call} (softmax "
                      "probabilities minus a one-hot row, times a weight)", "FLOAT32")
    variants = {"weights times 3 give the same loss": ((logits, y, 3 * w), (logits, y, w)),
                "a weight of 0 leaves class 2 out": ((logits, y, w * [1, 1, 0]), (logits[y != 2], y[y != 2], w)),
                "weight[1] doubled counts class 1 twice": ((logits, y, w * [1, 2, 1]),
                                                           (np.vstack([logits, logits[y == 1]]),
                                                            np.concatenate([y, y[y == 1]]), w))}
    for label, (changed, same) in variants.items():
        with ctx.case(label):
            compare.close_scalar(weighted_loss(ctx, *changed, call)[0], weighted_loss(ctx, *same, call)[0],
                                 f"{call} where {label}", "FLOAT32")


@suite.check("leaf_disease.build_classifier", points=2, name="build_classifier_frozen_pretrained")
def build_classifier_frozen_pretrained(ctx):
    """The pretrained features bit-identical and frozen; a trainable two-class head; logits (N, 2)
    for leaf patches."""
    call = "build_classifier(weights)"
    model = handle(ctx.student.leaf_disease.build_classifier(WEIGHTS), call)
    shapes_now = tool(ctx, "parameter_shapes", model)
    for key, shape in zip(HEAD, ([2, WEIGHTS["head.weight"].shape[1]], [2])):
        if shapes_now.get(key) != shape:
            ctx.fail(f"in the model from {call}, {key} has shape {shapes_now.get(key)}; expected {shape}")
    flags = drive(ctx, "requires_grad", model)
    for name in BACKBONE_PARAMS + HEAD:
        if flags.get(name) is not (name in HEAD):
            ctx.fail(f"in the model from {call}, {name} has requires_grad={flags.get(name)}; expected {name in HEAD}")
    bit_identical(ctx, tool(ctx, "state", model), BACKBONE, call)
    x, _ = leaves.patches(ctx.rng, 6, 1)
    compare.array(tool(ctx, "forward", model, x), f"the logits of the model from {call} for {len(x)} patches",
                  (len(x), 2))


@suite.check("leaf_disease.best_threshold", points=2, name="best_threshold_properties")
def best_threshold_properties(ctx):
    """Separable scores: the lowest diseased score, balanced accuracy 1; scores rescaled by
    2 * s + 1: the threshold rescaled, the same balanced accuracy (your own answers); the errors."""
    choose = ctx.student.leaf_disease.best_threshold
    y = ctx.rng.permutation(np.repeat([0, 1], [9, 3]))
    scores = ctx.rng.standard_normal(len(y))
    with ctx.case("separable scores"):
        separable = scores + 10.0 * y
        got = compare.sequence(choose(y, separable), "best_threshold(y_true, scores)", 2)
        compare.close_scalar(got[0], float(separable[y == 1].min()), "the threshold from best_threshold(y_true, "
                             "scores) when every diseased score is above every healthy one (the largest threshold "
                             "with balanced accuracy 1)", "EXACT")
        compare.close_scalar(got[1], 1.0, "the balanced accuracy from best_threshold for separable scores", "EXACT")
    with ctx.case("scores rescaled by 2 * s + 1"):
        t, balanced = compare.sequence(choose(y, scores), "best_threshold(y_true, scores)", 2)
        rescaled = compare.sequence(choose(y, 2 * scores + 1), "best_threshold(y_true, 2 * scores + 1)", 2)
        compare.close_scalar(rescaled[0], 2 * compare.scalar(t, "the threshold") + 1, "the threshold for the "
                             "scores 2 * s + 1 (2 * t + 1 for your threshold t of the scores s)", "EXACT")
        compare.close_scalar(rescaled[1], compare.scalar(balanced, "the balanced accuracy"), "the balanced accuracy "
                             "for the scores 2 * s + 1 (the same as for s)", "EXACT")
    raises_value_error(ctx, choose, "best_threshold", {"y_true without a diseased example": (0 * y, scores),
                                                       "a label 2": (2 * y, scores),
                                                       "shapes (12,) and (11,)": (y, scores[:-1])})
