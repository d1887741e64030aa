"""Unit 5: classic CNN architectures in torch -- building blocks and whole networks.

Every class is a ``torch.nn.Module`` taking float32 NCHW batches. Submodules must carry the
attribute names given in the docstrings (the grader loads weights and watches layers by these
names). Convolutions have biases unless a docstring says ``bias=False``; batch norms use torch's
defaults unless stated. The networks follow torchvision's definitions, so for 1000 classes they
have the published parameter counts: AlexNet 61,100,840; VGG-16 138,357,544; ResNet-18
11,689,512; GoogLeNet (without auxiliary classifiers) 6,624,904.
"""
import torch
from torch import nn


class BasicConv2d(nn.Module):
    """Convolution without bias, batch norm, ReLU: relu(bn(conv(x))).

    Attributes:
        conv: nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=False).
        bn: nn.BatchNorm2d(out_channels, eps=0.001).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        """x (N, in_channels, H, W) -> (N, out_channels, H', W')."""
        # YOUR CODE HERE
        raise NotImplementedError


class VGGBlock(nn.Module):
    """VGG block: num_convs times (3x3 convolution, padding 1, then ReLU), then 2x2 max pooling.

    (N, in_channels, H, W) -> (N, out_channels, H // 2, W // 2).

    Attributes:
        convs: nn.ModuleList of num_convs nn.Conv2d(., out_channels, 3, padding=1) (with bias), the
            first from in_channels, the others from out_channels.
        pool: nn.MaxPool2d(kernel_size=2, stride=2).
    """

    def __init__(self, in_channels, out_channels, num_convs):
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        # YOUR CODE HERE
        raise NotImplementedError


def _shortcut(in_channels, out_channels, stride):
    """The residual shortcut: an empty nn.Sequential (identity) when stride == 1 and
    in_channels == out_channels, else nn.Sequential(nn.Conv2d(in_channels, out_channels, 1,
    stride, bias=False), nn.BatchNorm2d(out_channels))."""
    # YOUR CODE HERE
    raise NotImplementedError


class BasicBlock(nn.Module):
    """ResNet basic block (ResNet-18/34):

        out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))

    (N, in_channels, H, W) -> (N, out_channels, H', W') with H' = floor((H - 1) / stride) + 1.
    With bn2's scale (weight) set to zero the residual branch vanishes and out = relu(x) when the
    shortcut is the identity.

    Attributes:
        conv1: nn.Conv2d(in_channels, out_channels, 3, stride, padding=1, bias=False).
        bn1: nn.BatchNorm2d(out_channels).
        conv2: nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False).
        bn2: nn.BatchNorm2d(out_channels).
        shortcut: an empty nn.Sequential when stride == 1 and in_channels == out_channels, else
            nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
            nn.BatchNorm2d(out_channels)).
    """

    def __init__(self, in_channels, out_channels, stride=1):
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        # YOUR CODE HERE
        raise NotImplementedError


class Bottleneck(nn.Module):
    """ResNet bottleneck block (ResNet-50 and deeper; stride on the 3x3 convolution):

        out = relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x))

    (N, in_channels, H, W) -> (N, 4 * width, H', W') with H' = floor((H - 1) / stride) + 1.
    With bn3's scale set to zero, out = relu(x) when the shortcut is the identity.

    Attributes:
        conv1: nn.Conv2d(in_channels, width, 1, bias=False).
        bn1: nn.BatchNorm2d(width).
        conv2: nn.Conv2d(width, width, 3, stride, padding=1, bias=False).
        bn2: nn.BatchNorm2d(width).
        conv3: nn.Conv2d(width, 4 * width, 1, bias=False).
        bn3: nn.BatchNorm2d(4 * width).
        shortcut: as in BasicBlock, from in_channels to 4 * width channels.
    """

    def __init__(self, in_channels, width, stride=1):
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        # YOUR CODE HERE
        raise NotImplementedError


class Inception(nn.Module):
    """GoogLeNet's Inception module: four branches concatenated along the channels, in this order.

    (N, in_channels, H, W) -> (N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W).

    Attributes (every convolution a BasicConv2d):
        branch1: BasicConv2d(in_channels, ch1x1, 1).
        branch2: nn.Sequential(BasicConv2d(in_channels, ch3x3red, 1),
            BasicConv2d(ch3x3red, ch3x3, 3, padding=1)).
        branch3: nn.Sequential(BasicConv2d(in_channels, ch5x5red, 1),
            BasicConv2d(ch5x5red, ch5x5, 3, padding=1)) -- a 3x3 kernel, as in torchvision's
            GoogLeNet, whose parameter count is the published one (the paper's 5x5 gives more).
        branch4: nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
            BasicConv2d(in_channels, pool_proj, 1)).
    """

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        # YOUR CODE HERE
        raise NotImplementedError


class AlexNet(nn.Module):
    """AlexNet (torchvision's single-GPU version). (N, 3, H, W) -> (N, num_classes) logits.

    Attributes:
        features: nn.Sequential(Conv2d(3, 64, 11, stride=4, padding=2), ReLU, MaxPool2d(3, stride=2),
            Conv2d(64, 192, 5, padding=2), ReLU, MaxPool2d(3, stride=2),
            Conv2d(192, 384, 3, padding=1), ReLU, Conv2d(384, 256, 3, padding=1), ReLU,
            Conv2d(256, 256, 3, padding=1), ReLU, MaxPool2d(3, stride=2)); (N, 256, 6, 6) for 224x224.
        avgpool: nn.AdaptiveAvgPool2d((6, 6)).
        classifier: nn.Sequential(Dropout(0.5), Linear(256 * 6 * 6, 4096), ReLU, Dropout(0.5),
            Linear(4096, 4096), ReLU, Linear(4096, num_classes)), applied to the flattened pool output.
    """

    def __init__(self, num_classes=1000):
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        # YOUR CODE HERE
        raise NotImplementedError


class VGG16(nn.Module):
    """VGG-16 (configuration D, without batch norm). (N, 3, H, W) -> (N, num_classes) logits.

    Attributes:
        features: nn.Sequential of five VGGBlocks: (3, 64, 2), (64, 128, 2), (128, 256, 3),
            (256, 512, 3), (512, 512, 3); (N, 512, 7, 7) for 224x224.
        avgpool: nn.AdaptiveAvgPool2d((7, 7)).
        classifier: nn.Sequential(Linear(512 * 7 * 7, 4096), ReLU, Dropout(0.5), Linear(4096, 4096),
            ReLU, Dropout(0.5), Linear(4096, num_classes)), applied to the flattened pool output.
    """

    def __init__(self, num_classes=1000):
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        # YOUR CODE HERE
        raise NotImplementedError


class ResNet18(nn.Module):
    """ResNet-18. (N, 3, H, W) -> (N, num_classes) logits.

    Attributes (applied in this order, with a ReLU after bn1):
        conv1: nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False).
        bn1: nn.BatchNorm2d(64).
        maxpool: nn.MaxPool2d(3, stride=2, padding=1).
        layer1, layer2, layer3, layer4: each an nn.Sequential of two BasicBlocks,
            (64 -> 64, stride 1), (64 -> 128, stride 2), (128 -> 256, stride 2), (256 -> 512, stride 2)
            for the first block, the second keeping channels and size; (N, 512, 7, 7) for 224x224.
        avgpool: nn.AdaptiveAvgPool2d((1, 1)).
        fc: nn.Linear(512, num_classes), applied to the flattened pool output.
    """

    def __init__(self, num_classes=1000):
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        # YOUR CODE HERE
        raise NotImplementedError


GOOGLENET_INCEPTIONS = {
    "inception3a": (192, 64, 96, 128, 16, 32, 32), "inception3b": (256, 128, 128, 192, 32, 96, 64),
    "inception4a": (480, 192, 96, 208, 16, 48, 64), "inception4b": (512, 160, 112, 224, 24, 64, 64),
    "inception4c": (512, 128, 128, 256, 24, 64, 64), "inception4d": (512, 112, 144, 288, 32, 64, 64),
    "inception4e": (528, 256, 160, 320, 32, 128, 128), "inception5a": (832, 256, 160, 320, 32, 128, 128),
    "inception5b": (832, 384, 192, 384, 48, 128, 128),
}


class GoogLeNet(nn.Module):
    """GoogLeNet (Inception v1) without the auxiliary classifiers. (N, 3, H, W) -> (N, num_classes).

    Attributes (applied in this order):
        conv1: BasicConv2d(3, 64, 7, stride=2, padding=3).
        maxpool1: nn.MaxPool2d(3, stride=2, ceil_mode=True).
        conv2: BasicConv2d(64, 64, 1).
        conv3: BasicConv2d(64, 192, 3, padding=1).
        maxpool2: nn.MaxPool2d(3, stride=2, ceil_mode=True).
        inception3a, inception3b: Inception modules with the arguments in GOOGLENET_INCEPTIONS.
        maxpool3: nn.MaxPool2d(3, stride=2, ceil_mode=True).
        inception4a ... inception4e: Inception modules (GOOGLENET_INCEPTIONS).
        maxpool4: nn.MaxPool2d(2, stride=2, ceil_mode=True).
        inception5a, inception5b: Inception modules (GOOGLENET_INCEPTIONS); (N, 1024, 7, 7) for 224x224.
        avgpool: nn.AdaptiveAvgPool2d((1, 1)).
        dropout: nn.Dropout(0.2).
        fc: nn.Linear(1024, num_classes), applied to the flattened, dropped-out pool output.

    The forward pass applies, by name:
        "conv1", "maxpool1", "conv2", "conv3", "maxpool2", "inception3a", "inception3b", "maxpool3",
        "inception4a", "inception4b", "inception4c", "inception4d", "inception4e", "maxpool4",
        "inception5a", "inception5b", "avgpool", then flatten, "dropout" and "fc".
    """

    def __init__(self, num_classes=1000):
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        # YOUR CODE HERE
        raise NotImplementedError
