"""Unit 10: the pretrained backbone -- load it, replace its head, freeze it, count what trains.

ShapeNet (given below; do not change it) is a small CNN for 8x8 grayscale images: `features`
(two 3x3 convolutions with batch norm and ReLU, then global average pooling) maps an image batch
(N, 1, 8, 8) to feature vectors (N, FEATURE_DIM), and `head` (a linear layer) maps those to
class logits. Its pretrained weights, trained to tell apart 4 kinds of strokes, arrive as a dict
{name: numpy array} with the keys of ShapeNet().state_dict(): parameters and batch-norm buffers.
"Frozen" parameters have requires_grad = False, so no optimizer step can change them.

To try your code: `from autograder.pretrained import shapes`; `shapes.load_weights()` returns
the weights and `shapes.images(shapes.TARGET, 4, np.random.default_rng(0))` makes labelled
images (x, y) of the new task as numpy arrays (torch.as_tensor turns them into tensors).
"""
import torch
from torch import nn

FEATURE_DIM = 16
SOURCE_CLASSES = 4


class ShapeNet(nn.Module):
    """The pretrained architecture (given): features then a linear head.

    Args:
        num_classes: int, the number of output logits of the head.
    """

    def __init__(self, num_classes=SOURCE_CLASSES):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, FEATURE_DIM, 3, padding=1), nn.BatchNorm2d(FEATURE_DIM), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(FEATURE_DIM, num_classes)

    def forward(self, x):
        """x: float32 tensor (N, 1, 8, 8) -> logits: float32 tensor (N, num_classes)."""
        return self.head(self.features(x))


def load_pretrained(weights):
    """A ShapeNet with the pretrained weights, ready to use.

    Args:
        weights: dict {name: numpy array} with exactly the keys of ShapeNet().state_dict()
            (a 4-class head); float32 parameters and buffers, int64 counters.

    Returns:
        model: a new ShapeNet(SOURCE_CLASSES) whose state_dict holds exactly these values,
            in eval mode.

    Raises:
        RuntimeError: if a key is missing or unexpected, or a shape does not match (as
            nn.Module.load_state_dict with strict=True).
    """
    ### BEGIN SOLUTION
    model = ShapeNet(SOURCE_CLASSES)
    model.load_state_dict({name: torch.as_tensor(value) for name, value in weights.items()})
    return model.eval()
    ### END SOLUTION


def replace_head(model, num_classes):
    """Replace the classification head for a task with `num_classes` classes.

    model.head becomes a NEW nn.Linear(FEATURE_DIM, num_classes) with torch's default
    initialization (the old head's weights are not reused); model.features is untouched.

    Args:
        model: a ShapeNet.
        num_classes: int >= 1.

    Returns:
        model: the same object, modified in place.
    """
    ### BEGIN SOLUTION
    model.head = nn.Linear(FEATURE_DIM, num_classes)
    return model
    ### END SOLUTION


def freeze_backbone(model):
    """Freeze the backbone: requires_grad = False for every parameter of model.features, and
    requires_grad = True for every parameter of model.head.

    Args:
        model: a ShapeNet.

    Returns:
        model: the same object, modified in place.
    """
    ### BEGIN SOLUTION
    for p in model.features.parameters():
        p.requires_grad_(False)
    for p in model.head.parameters():
        p.requires_grad_(True)
    return model
    ### END SOLUTION


def count_trainable_parameters(model):
    """The number of scalar parameters an optimizer can train (those with requires_grad).

    Buffers (batch-norm running statistics) are not parameters and do not count.

    Args:
        model: an nn.Module.

    Returns:
        count: Python int.
    """
    ### BEGIN SOLUTION
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))
    ### END SOLUTION
