"""Checks of ``architectures``: parameter counts and output shapes of the classic blocks and
networks (built on the meta device), identity paths of the residual blocks, and matches with the
reference's modules under the same weights."""
from __future__ import annotations

import numpy as np

from ... import derived
from ...checks import architectures as arch
from ...checks import compare
from .common import conv_count, suite


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


@suite.derive
def meta_summaries(reference) -> dict:
    """{network: the reference network's meta summary} (see the unit05_cnn driver's meta_summary)."""
    from ...drivers.unit05_cnn import meta_summary
    from ...sandbox.meta_device import skip_dynamo_import

    skip_dynamo_import()
    return {cls: meta_summary(getattr(reference.architectures, cls), (), ODD_IMAGE, LAYERS[cls]) for cls in LAYERS}


@suite.warmup
def reference_summaries(reference) -> dict:
    """:func:`meta_summaries`, the same for every submission: read (or, where stale, computed:
    0.7 s) once per grader process, while the first worker starts."""
    return derived.value(suite, reference, "meta_summaries")


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
        got = ctx.student.driver("unit05_cnn", "student_meta_summary")(f"architectures.{cls}", (), ODD_IMAGE, LAYERS[cls])
        arch.summary_matches(got, reference_summaries(ctx.ref)[cls], cls)


for _cls in PUBLISHED:
    _network_check(_cls)
