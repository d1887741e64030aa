"""Unit 10 checks that ship: loading the pretrained backbone, a new head, freezing, batch-norm
modes, parameter groups, the three recipes, and transfer learning against training from scratch.
Answer keys (parameter counts, training steps recomputed in numpy, features and predictions) are
instructor-only: ``autograder/keys/unit10_transfer.py``.

The pretrained weights (autograder/pretrained/shapes_backbone.npz, made by
make_shapes_backbone.py) reach the worker as a dict of numpy arrays. Models built by the trusted
driver isolate one student function per check; every verdict is computed here from returned
values and driver reports (bit-identical states, counts from shapes, a softmax-regression step
in numpy, accuracies on held-out images that never leave the grader).
"""
from __future__ import annotations

import numpy as np

from .. import drivers
from ..checks import compare, training
from ..context import CheckFailure
from ..pretrained import shapes
from ..sandbox.worker_process import StudentError
from ..sandbox.wire import Handle
from ..suite import Suite

suite = Suite("unit10_transfer",
              modules=["backbone", "finetune", "recipes", "recommend", "genomics", "captioning", "behaviour",
                       "leaf_disease"],
              drivers=drivers.load("torch_tools", "unit10_transfer"),
              parts=("recommend_checks", "genomics_checks", "captioning_checks", "behaviour_checks",
                     "leaf_disease_checks"),
              title="Transfer learning: pretrained backbone, new head, freezing, fine-tuning")
suite.builds_on = {
    "finetune.train_step": ("finetune.set_train_mode",),
    "recipes.setup_transfer": ("backbone.load_pretrained", "backbone.replace_head", "backbone.freeze_backbone",
                               "finetune.make_optimizer"),
}
suite.forbid("torch.hub", "torchvision", "urllib.request", "http.client", exercises=("*",),
             why="the pretrained backbone is made in this repository: nothing is downloaded")

WEIGHTS = shapes.load_weights()
BUFFER_SUFFIXES = ("running_mean", "running_var", "num_batches_tracked")
FLOAT_KEYS = [k for k, v in WEIGHTS.items() if v.dtype.kind == "f"]
BACKBONE = [k for k in FLOAT_KEYS if k.startswith("features.")]
BN_BUFFERS = [k for k in BACKBONE if k.endswith(BUFFER_SUFFIXES)]
BACKBONE_PARAMS = [k for k in BACKBONE if k not in BN_BUFFERS]
BN_MODULES = sorted({k.rsplit(".", 1)[0] for k in BN_BUFFERS})
PARAMETERS = {k: v for k, v in WEIGHTS.items() if not k.endswith(BUFFER_SUFFIXES)}
FEATURE_DIM = WEIGHTS["head.weight"].shape[1]
HEAD = ["head.weight", "head.bias"]
PREPARED_LR = {"backbone": 0.05, "head": 0.5}  # the driver's optimizer in prepared()
PLAIN_SGD = {"momentum": 0, "dampening": 0, "weight_decay": 0, "nesterov": False, "maximize": False}
STEPS, LR, PER_CLASS, REPEATS, MARGIN, FLOOR = 40, 0.1, 4, 2, 0.02, 0.70


def drive(ctx, fn, *args):
    return ctx.student.driver("unit10_transfer", fn)(*args)


def tool(ctx, fn, *args):
    return ctx.student.driver("torch_tools", fn)(*args)


def prepared(ctx, num_classes, freeze):
    """(model, optimizer) built by trusted code, not the backbone functions under test: the student's
    ShapeNet, the pretrained weights copied in by name, a new head, optionally a frozen backbone, plain SGD."""
    model = drive(ctx, "new_model")
    tool(ctx, "load_state", model, WEIGHTS)
    return compare.sequence(drive(ctx, "prepared", model, num_classes, BACKBONE_PARAMS if freeze else []),
                            "the prepared model", 2)


def handle(value, name):
    if type(value) is not Handle:
        raise CheckFailure(f"{name} should return a torch object, but it returned {compare.describe(value)}")
    return value


def target_images(ctx, per_class):
    x, y = shapes.images(shapes.TARGET, per_class, ctx.rng)
    return x, y


def same_object(ctx, returned, model, call):
    if not drive(ctx, "same", returned, model):
        ctx.fail(f"{call} must modify the model in place and return the same object")


def bit_identical(ctx, state, keys, call, reference=WEIGHTS):
    """state[k] equals reference[k] exactly for every k in keys."""
    for key in keys:
        got = compare.array(state.get(key), f"{key} after {call}", reference[key].shape)
        if not np.array_equal(got, reference[key].astype(np.float64)):
            diff = np.max(np.abs(got - reference[key]))
            ctx.fail(f"{key} changed after {call} (greatest change {diff:.3g}); it must stay bit-identical")


# ---------------------------------------------------------------- loading and the head
SOURCE_PER_CLASS, SOURCE_FLOOR = 50, 0.9


# The pretrained weights misclassify 2.1% of source images (2,000 draws of 100); 200 images with
# more than 20 errors has binomial probability 2.3e-9.
@suite.check("backbone.load_pretrained", points=3, false_failure=1e-8)
def load_pretrained_exact(ctx):
    """Every parameter and buffer bit-identical, eval mode, source images classified; a missing key,
    an unexpected key and a wrong shape raise (strict loading)."""
    load = ctx.student.backbone.load_pretrained
    with ctx.case("every parameter and buffer bit-identical to the weights"):
        model = handle(load(WEIGHTS), "load_pretrained(weights)")
        bit_identical(ctx, tool(ctx, "state", model), FLOAT_KEYS, "load_pretrained(weights)")
        flags = drive(ctx, "training_flags", model)
        if any(flags.values()):
            ctx.fail("load_pretrained must return the model in eval mode (model.eval())")
        x, y = shapes.images(shapes.SOURCE, SOURCE_PER_CLASS, ctx.rng)
        logits = compare.array(drive(ctx, "forward_as_is", model, x), "the loaded model's logits",
                               (len(y), len(shapes.SOURCE)))
        accuracy = np.mean(logits.argmax(axis=1) == y)
        if accuracy < SOURCE_FLOOR:
            ctx.fail(f"the model from load_pretrained classifies only {accuracy:.0%} of source images "
                     "correctly (the pretrained weights reach over 95%)")
    wrong_shape = dict(WEIGHTS, **{"head.bias": np.zeros(len(WEIGHTS["head.bias"]) + 1, np.float32)})
    for label, weights in (("head.bias missing", {k: v for k, v in WEIGHTS.items() if k != "head.bias"}),
                           ("an unexpected key extra.weight", dict(WEIGHTS, **{"extra.weight": np.zeros(3, np.float32)})),
                           ("head.bias of the wrong shape", wrong_shape)):
        with ctx.case(f"raises for weights with {label}", trivial=True):  # a function that only raises passes
            compare.raises(lambda: load(weights), ("RuntimeError", "KeyError", "ValueError"), "load_pretrained",
                           f"when the weights have {label} (load strictly)")


@suite.check("backbone.replace_head", points=2)
def replace_head_new_linear(ctx):
    """A fresh nn.Linear(FEATURE_DIM, C): shapes, default initialization, features untouched."""
    bound = 1 / np.sqrt(FEATURE_DIM)
    x, _ = target_images(ctx, 2)
    for c in (1, 3, 7):
        with ctx.case(f"{c} classes"):
            model, _ = prepared(ctx, 0, False)
            call = f"replace_head(model, {c})"
            same_object(ctx, ctx.student.backbone.replace_head(model, c), model, call)
            shapes_now = tool(ctx, "parameter_shapes", model)
            for key, shape in (("head.weight", [c, FEATURE_DIM]), ("head.bias", [c])):
                if shapes_now.get(key) != shape:
                    ctx.fail(f"after {call}, {key} has shape {shapes_now.get(key)}; expected {shape}")
            state = tool(ctx, "state", model)
            bit_identical(ctx, state, BACKBONE, call)
            if c <= WEIGHTS["head.weight"].shape[0] and np.array_equal(state["head.weight"], WEIGHTS["head.weight"][:c]):
                ctx.fail(f"{call} reused rows of the old head; the new head must be a new nn.Linear")
            for key in HEAD:
                if np.max(np.abs(state[key])) > bound:
                    ctx.fail(f"after {call}, {key} is not nn.Linear's default initialization "
                             f"(values beyond +-1/sqrt({FEATURE_DIM}))")
            if not all(drive(ctx, "requires_grad", model)[k] for k in HEAD):
                ctx.fail(f"after {call}, the new head's parameters must require grad")
            compare.array(drive(ctx, "forward_as_is", model, x), f"the logits after {call}", (len(x), c))


@suite.check("backbone.freeze_backbone", points=2)
def freeze_backbone_flags(ctx):
    model, _ = prepared(ctx, 3, False)
    drive(ctx, "set_requires_grad", model, HEAD, False)
    same_object(ctx, ctx.student.backbone.freeze_backbone(model), model, "freeze_backbone(model)")
    flags = drive(ctx, "requires_grad", model)
    for name in BACKBONE_PARAMS + HEAD:
        want = name in HEAD
        if flags.get(name) is not want:
            ctx.fail(f"after freeze_backbone(model), {name} has requires_grad={flags.get(name)}; expected {want}")


# ---------------------------------------------------------------- modes and the optimizer
def expected_flags(freeze_bn):
    names = ["", "features", "head"] + [f"features.{i}" for i in range(8)]
    return {name: not (freeze_bn and name in BN_MODULES) for name in names}


@suite.check("finetune.set_train_mode", points=2)
def train_mode_flags(ctx):
    """Training mode everywhere except, with freeze_bn, the batch-norm layers; stats stay frozen."""
    x, _ = target_images(ctx, 4)
    for label, args, freeze_bn in (("freeze_bn=True", (True,), True), ("freeze_bn=False", (False,), False),
                                   ("default freeze_bn", (), True)):
        with ctx.case(label):
            model, _ = prepared(ctx, 3, False)
            call = f"set_train_mode(model{', ' + str(args[0]) if args else ''})"
            same_object(ctx, ctx.student.finetune.set_train_mode(model, *args), model, call)
            flags = drive(ctx, "training_flags", model)
            for name, want in expected_flags(freeze_bn).items():
                if flags.get(name) is not want:
                    ctx.fail(f"after {call}, module {name or 'model'!r} has training={flags.get(name)}; expected {want}")
            if freeze_bn:
                drive(ctx, "forward_as_is", model, x)
                bit_identical(ctx, tool(ctx, "state", model), BN_BUFFERS, f"a forward pass after {call}")


@suite.check("finetune.make_optimizer", points=2)
def optimizer_parameter_groups(ctx):
    for label, freeze in (("frozen backbone", True), ("trainable backbone", False)):
        with ctx.case(label):
            model, _ = prepared(ctx, 3, freeze)
            call = "make_optimizer(model, 0.01, 0.3)"
            optimizer = handle(ctx.student.finetune.make_optimizer(model, 0.01, 0.3), call)
            kind, groups = compare.sequence(drive(ctx, "optimizer_groups", model, optimizer), "optimizer", 2)
            if kind != "SGD":
                ctx.fail(f"{call} returned a {kind}; expected torch.optim.SGD")
            compare.equal(len(groups), 2, f"the number of parameter groups from {call}")
            for group, lr, names, part in zip(groups, (0.01, 0.3), (BACKBONE_PARAMS, HEAD), ("features", "head")):
                compare.close_scalar(group["lr"], lr, f"lr of the {part} group from {call}")
                if group["params"] != names:
                    ctx.fail(f"the {part} group from {call} holds {group['params']}; expected {names} in this order")
                for key, want in PLAIN_SGD.items():
                    if group.get(key, want) != want:
                        ctx.fail(f"{call} must be plain SGD ({key}={want}); the {part} group has {key}={group[key]}")


# ---------------------------------------------------------------- training and inference
# ---------------------------------------------------------------- the three recipes
@suite.check("recipes.setup_transfer", points=3)
def setup_recipes(ctx):
    setup = ctx.student.recipes.setup_transfer
    lrs = {"feature_extraction": (0.0, 0.2), "fine_tuning": (0.02, 0.2), "scratch": (0.2, 0.2)}
    for mode, (backbone_lr, head_lr) in lrs.items():
        with ctx.case(mode):
            call = f"setup_transfer(weights, 3, {mode!r}, 0.2)"
            model, optimizer = compare.sequence(setup(WEIGHTS, 3, mode, 0.2), call, 2)
            flags = drive(ctx, "requires_grad", handle(model, call))
            for name in BACKBONE_PARAMS + HEAD:
                want = mode != "feature_extraction" or name in HEAD
                if flags.get(name) is not want:
                    ctx.fail(f"in the model from {call}, {name} has requires_grad={flags.get(name)}; expected {want}")
            _, groups = drive(ctx, "optimizer_groups", model, handle(optimizer, call))
            got = [round(g["lr"], 12) for g in groups]
            if got != [backbone_lr, head_lr]:
                ctx.fail(f"the optimizer from {call} has group learning rates {got}; expected {[backbone_lr, head_lr]}")
            state = tool(ctx, "state", model)
            compare.array(state["head.weight"], f"head.weight of the model from {call}", (3, FEATURE_DIM))
            if mode != "scratch":
                bit_identical(ctx, state, BACKBONE, call)
            elif any(np.array_equal(state[k], WEIGHTS[k]) for k in BACKBONE_PARAMS if "weight" in k):
                ctx.fail(f"{call} must start from a randomly initialized ShapeNet, not the pretrained weights")
    with ctx.case("unknown mode", trivial=True):  # a function that only raises passes it
        compare.raises(lambda: setup(WEIGHTS, 3, "linear_probe", 0.2), ("ValueError",), "setup_transfer",
                       "for mode='linear_probe'")


# Measured on the reference (120 gradings): scratch 58.5% +- 5.2, feature extraction 89.8% +- 2.6,
# fine-tuning 89.1% +- 2.5; the lower transfer accuracy minus scratch 30.5% +- 5.9 (least 17%).
# The 2-point margin is 4.8 standard deviations below that difference (normal tail 7e-7), the
# 70% floor 6.8 below the lower transfer accuracy. (Three repeats did not narrow the spread.)
@suite.check("recipes.setup_transfer", points=5, timeout=90, name="transfer_beats_scratch",
             uses=("finetune.train_step",), false_failure=1e-6)
def transfer_beats_scratch(ctx):
    """Twice, 12 labelled target images and 40 full-batch steps per recipe; on 300 held-out
    images the mean accuracy of each transfer recipe must reach FLOOR and beat training from
    scratch by MARGIN (the reference: about 89% against 45-70%). Feature extraction must leave the
    backbone bit-identical, fine-tuning the batch-norm statistics.

    The images and seeds are fixed (training.fixed_rng), not drawn per submission: drawn per submission,
    setup_transfer with one learning rate for fine-tuning kept the 5 points under 5 of 6 ids, one
    starting scratch from the pretrained weights under 3 of 6 (3.75 under the others); both now keep
    them under every id (setup_recipes charges them). On these images the reference reaches scratch
    56%, feature extraction 86%, fine-tuning 84% (the comment above: measured on fresh ones)."""
    rng = training.fixed_rng()
    x_test, y_test = shapes.images(shapes.TARGET, 100, rng)
    modes = ("scratch", "feature_extraction", "fine_tuning")
    accuracy, models = dict.fromkeys(modes, 0.0), {}
    for _ in range(REPEATS):
        x, y = shapes.images(shapes.TARGET, PER_CLASS, rng)
        seed = int(rng.integers(2**31))
        for mode in modes:
            models[mode], predictions = trained(ctx, x, y, x_test, mode, seed)
            accuracy[mode] += float(np.mean(predictions == y_test)) / REPEATS
    ctx.note("mean held-out accuracy: " + ", ".join(f"{m} {a:.0%}" for m, a in accuracy.items()))
    with ctx.case("feature extraction leaves the whole backbone bit-identical"):
        bit_identical(ctx, tool(ctx, "state", models["feature_extraction"]), BACKBONE,
                      f"{STEPS} train_step calls in setup_transfer's 'feature_extraction' recipe")
    with ctx.case("fine-tuning keeps the batch-norm statistics"):
        bit_identical(ctx, tool(ctx, "state", models["fine_tuning"]), BN_BUFFERS,
                      f"{STEPS} train_step calls with freeze_bn=True in the 'fine_tuning' recipe")
    for mode in ("feature_extraction", "fine_tuning"):
        with ctx.case(f"{mode} beats scratch"):
            if accuracy[mode] < max(FLOOR, accuracy["scratch"] + MARGIN):
                ctx.fail(f"after setup_transfer(weights, 3, {mode!r}, {LR}) and {STEPS} train_step calls, mean "
                         f"held-out accuracy is {accuracy[mode]:.0%}; it must be at least {FLOOR:.0%} and "
                         f"{MARGIN:.0%} above training from scratch ({accuracy['scratch']:.0%})")


def trained(ctx, x, y, x_test, mode, seed):
    """(model handle, predicted classes for x_test) after training ``mode`` in the worker."""
    try:
        result = drive(ctx, "train_recipe", WEIGHTS, x, y, x_test, 3, mode, STEPS, LR, seed)
    except StudentError as exc:
        if exc.error_type == "NotImplementedError":
            ctx.fail("setup_transfer or train_step is not implemented yet (it raises NotImplementedError)")
        raise StudentError(f"training {mode!r} with setup_transfer and train_step failed: {exc}") from None
    model, predictions = compare.sequence(result, "train_recipe", 2)
    return model, compare.array(predictions, f"predictions after training {mode!r}", (len(x_test),), kinds="iu")

