"""Unit 10 answer keys (instructor-only): parameter counts, one SGD step of the head as a softmax
regression in numpy, the cross-entropy of batch-statistics logits, features and predictions
computed by trusted code in the worker."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..checks import compare
from ..sandbox.wire import Tensor
from ..units.unit10_transfer import (BACKBONE, BN_BUFFERS, FEATURE_DIM, PARAMETERS, PREPARED_LR, bit_identical, drive,
                                     prepared, suite, target_images, tool)
from .softmax_head import softmax_step

suite.drivers["unit10_keys"] = (Path(__file__).parent / "drivers" / "unit10_transfer.py").read_text(encoding="utf-8")


def keys_driver(ctx, fn, *args):
    return ctx.student.driver("unit10_keys", fn)(*args)


@suite.check("backbone.count_trainable_parameters", points=2)
def count_trainable_exact(ctx):
    count = ctx.student.backbone.count_trainable_parameters
    total = sum(v.size for v in PARAMETERS.values())
    head5 = 5 * FEATURE_DIM + 5
    for label, (classes, freeze, frozen_extra, expected) in {
            "everything trainable (buffers do not count)": (0, False, [], total),
            "frozen backbone, 5-class head": (5, True, [], head5),
            "frozen backbone and head.bias": (5, True, ["head.bias"], head5 - 5)}.items():
        with ctx.case(label):
            model, _ = prepared(ctx, classes, freeze)
            if frozen_extra:
                drive(ctx, "set_requires_grad", model, frozen_extra, False)
            compare.equal(count(model), expected, f"count_trainable_parameters ({label})")



@suite.check("finetune.train_step", points=4)
def train_step_frozen_backbone(ctx):
    """Two steps with a frozen backbone: the loss and the head's SGD update match a softmax
    regression on the backbone's features; backbone and batch-norm statistics stay bit-identical."""
    step = ctx.student.finetune.train_step
    x, y = target_images(ctx, 4)
    model, optimizer = prepared(ctx, 3, True)
    features = compare.array(keys_driver(ctx, "eval_features", model, x), "features", (len(y), FEATURE_DIM))
    for number in (1, 2):
        with ctx.case(f"step {number}"):
            before = tool(ctx, "state", model)
            loss, W, b = softmax_step(features, before["head.weight"], before["head.bias"], y, PREPARED_LR["head"])
            call = "train_step(model, optimizer, x, y)"
            compare.close_scalar(step(model, optimizer, Tensor(x), Tensor(y)), loss, f"the loss from {call} (step {number})",
                                 rtol=1e-5, atol=1e-6, batch=len(y))
            after = tool(ctx, "state", model)
            compare.close(after["head.weight"], W, f"head.weight after {call} (step {number})", rtol=0, atol=2e-6)
            compare.close(after["head.bias"], b, f"head.bias after {call} (step {number})", rtol=0, atol=2e-6)
            bit_identical(ctx, after, BACKBONE, f"{call} with a frozen backbone and freeze_bn=True")


@suite.check("finetune.train_step", points=2, name="train_step_updates_batch_norm_when_asked")
def train_step_batch_norm(ctx):
    """With freeze_bn=False the loss uses batch statistics and the running statistics move exactly
    as one training-mode forward pass moves them."""
    x, y = target_images(ctx, 4)
    seed = int(ctx.rng.integers(2**31))
    pair = []
    for _ in range(2):  # two identical models: the same weights, the same seeded new head
        tool(ctx, "seed", seed)
        pair.append(prepared(ctx, 3, False))
    (model, optimizer), (twin, _) = pair
    drive(ctx, "train_mode", twin)
    logits = drive(ctx, "forward_as_is", twin, x)
    shifted = logits - logits.max(axis=1, keepdims=True)
    expected = float(np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(y)), y]))
    call = "train_step(model, optimizer, x, y, freeze_bn=False)"
    compare.close_scalar(ctx.student.finetune.train_step(model, optimizer, Tensor(x), Tensor(y), False), expected,
                         f"the loss from {call} (batch statistics)", rtol=1e-5, atol=1e-6)
    bit_identical(ctx, tool(ctx, "state", model), BN_BUFFERS, call, reference=tool(ctx, "state", twin))


@suite.check("finetune.extract_features", points=2)
def extract_features_eval_mode(ctx):
    x, _ = target_images(ctx, 4)
    model, _ = prepared(ctx, 3, False)
    drive(ctx, "train_mode", model)
    call = "extract_features(model, x) on a model in training mode"
    got = ctx.student.finetune.extract_features(model, Tensor(x))
    if type(got) is not Tensor or got.requires_grad:
        ctx.fail(f"{call} should return a tensor that does not require grad, not {compare.describe(got)}"
                 + (" requiring grad" if type(got) is Tensor else ""))
    bit_identical(ctx, tool(ctx, "state", model), BN_BUFFERS, call)
    compare.close(got, keys_driver(ctx, "eval_features", model, x), f"the features from {call} (eval mode)",
                  rtol=1e-6, atol=1e-6)


@suite.check("finetune.predict", points=1)
def predict_argmax(ctx):
    x, _ = target_images(ctx, 4)
    model, _ = prepared(ctx, 3, False)
    drive(ctx, "train_mode", model)
    got = compare.array(ctx.student.finetune.predict(model, Tensor(x)), "predict(model, x)", (len(x),), kinds="iu")
    bit_identical(ctx, tool(ctx, "state", model), BN_BUFFERS, "predict(model, x)")
    expected = tool(ctx, "forward", model, x, False).argmax(axis=1)
    compare.equal(got, expected.astype(np.float64), "predict(model, x) (the argmax in eval mode)")


from . import unit10_recommend  # noqa: E402,F401  (issue 16: recommendations; registers into this suite)
from . import unit10_genomics  # noqa: E402,F401  (issue 16: genomics)
from . import unit10_captioning  # noqa: E402,F401  (issue 16: video captioning)
from . import unit10_behaviour  # noqa: E402,F401  (issue 16: behaviour prediction)
from . import unit10_leaf_disease  # noqa: E402,F401  (issue 16: an imbalanced health/agriculture task)
