"""Unit 5's suite object, what its exercises build on and may not call, and shared sizes."""
from __future__ import annotations

import numpy as np

from ... import drivers
from ...checks.symbolic import Key
from ...suite import Suite

suite = Suite("unit05_cnn", modules=["layers", "cnn", "architectures", "detection", "style", "superres", "subpixel"],
              title="Convolutional networks: layers, architectures, detection, style transfer, super-resolution",
              drivers=drivers.load("layer_pairs", "torch_tools", "unit05_cnn"))
suite.builds_on = {  # a backward is graded through its own forward (its cache, or finite differences of it)
    "layers.conv_backward": ("layers.conv_forward",),
    "layers.max_pool_backward": ("layers.max_pool_forward",),
    "layers.avg_pool_backward": ("layers.avg_pool_forward",),
    "cnn.cnn_backward": ("cnn.cnn_forward",),
    "style.gram_backward": ("style.gram_matrix",),
}
# torch.nn as a whole is not listed: the worker wraps a forbidden module's functions, and the
# architecture exercises run on the real torch.nn. Its functional layer and torch's own
# convolution, pooling and shuffle functions are what would do these exercises.
suite.forbid("torch.autograd", "torch.func", "torch.nn.functional", "torch.Tensor.backward", "torchvision",
             "torch.conv2d", "torch.max_pool2d", "torch.avg_pool2d", "torch.pixel_shuffle", "torch.pixel_unshuffle",
             exercises=("layers", "cnn", "style", "superres", "detection"),
             why="the numpy layers, losses and their gradients, IoU and NMS are written by hand: torch's autograd, "
                 "its convolution, pooling and shuffle functions and torchvision's ops would do the exercise")
suite.forbid("torchvision", exercises=("architectures", "subpixel"),
             why="the blocks and networks are built from torch.nn layers; torchvision's ready-made models would "
                 "do the exercise")

OUTPUT_SIZE = Key.formula(lambda m, size, kernel, stride, pad: m.floor((size - kernel + 2 * pad) / stride) + 1,
                          "size kernel stride pad")
TIGHT = {"rtol": 1e-9, "atol": 1e-12}


def out_size(n, k, s=1, p=0) -> int:
    """The docstring's output length, by the key."""
    return int(OUTPUT_SIZE(n, k, s, p))


def tie_free(rng: np.random.Generator, shape):
    """Distinct values 0.1 apart in random order: no ties, no near-ties for finite differences."""
    return 0.1 * (rng.permutation(int(np.prod(shape))).reshape(shape) - np.prod(shape) / 2)


def conv_count(i, o, k, bias=True):
    """Parameters of a k x k convolution from i to o channels (the docstrings' layer lists)."""
    return i * o * k * k + (o if bias else 0)
