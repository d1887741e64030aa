"""Unit 10: transfer learning -- reuse a pretrained backbone for a new classification task.

ShapeNet (given below; do not change it) is a small CNN for 8x8 grayscale images: `features`
(two 3x3 convolutions with batch norm and ReLU, then global average pooling) maps an image batch
(N, 1, 8, 8) to feature vectors (N, FEATURE_DIM), and `head` (a linear layer) maps those to
class logits. Its pretrained weights, trained to tell apart 4 kinds of strokes, arrive as a dict
{name: numpy array} with the keys of ShapeNet().state_dict(): parameters and batch-norm buffers.

Images are float32 tensors of shape (N, 1, 8, 8); labels are int64 tensors of shape (N,).
Batch-norm statistics are "frozen" when every BatchNorm layer is in eval mode: it normalizes with
its stored running mean and variance and does not update them. "Frozen" parameters have
requires_grad = False, so no optimizer step can change them.
"""
import torch
import torch.nn.functional as F
from torch import nn

FEATURE_DIM = 16
SOURCE_CLASSES = 4
MODES = ("feature_extraction", "fine_tuning", "scratch")


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


def set_train_mode(model, freeze_bn=True):
    """Put the model in training mode for an optimization step.

    Every module goes to training mode; with freeze_bn, every batch-norm layer (nn.BatchNorm1d,
    2d or 3d) is then put back in eval mode, so its running statistics stay frozen.

    Args:
        model: an nn.Module.
        freeze_bn: bool.

    Returns:
        model: the same object.
    """
    ### BEGIN SOLUTION
    model.train()
    if freeze_bn:
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.eval()
    return model
    ### END SOLUTION


def make_optimizer(model, backbone_lr, head_lr):
    """Plain SGD (no momentum, no weight decay) with one learning rate per part of the model.

    Two parameter groups, in this order: every parameter of model.features with lr=backbone_lr,
    then every parameter of model.head with lr=head_lr, each in the order of .parameters().
    (Frozen parameters may be listed: they get no gradient, so SGD leaves them alone.)

    Args:
        model: a ShapeNet.
        backbone_lr: float >= 0.
        head_lr: float > 0.

    Returns:
        optimizer: a torch.optim.SGD with those two parameter groups.
    """
    ### BEGIN SOLUTION
    return torch.optim.SGD([{"params": list(model.features.parameters()), "lr": backbone_lr},
                            {"params": list(model.head.parameters()), "lr": head_lr}])
    ### END SOLUTION


def train_step(model, optimizer, x, y, freeze_bn=True):
    """One optimization step on a batch, with the mean cross-entropy loss.

    Put the model in training mode with set_train_mode(model, freeze_bn), clear the old
    gradients, compute loss = F.cross_entropy(model(x), y) (mean over the batch), back-propagate
    and take one optimizer step.

    Args:
        model: a ShapeNet.
        optimizer: a torch optimizer over the model's parameters.
        x: float32 tensor of shape (N, 1, 8, 8).
        y: int64 tensor of shape (N,), classes in 0..num_classes-1.
        freeze_bn: bool, passed to set_train_mode.

    Returns:
        loss: Python float, the loss computed BEFORE the step.
    """
    ### BEGIN SOLUTION
    set_train_mode(model, freeze_bn)
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return float(loss.detach())
    ### END SOLUTION


def extract_features(model, x):
    """Feature extraction: the backbone's output for a batch, as fixed inputs for a new head.

    Puts the model in eval mode (batch norm uses its running statistics) and computes
    model.features(x) without tracking gradients.

    Args:
        model: a ShapeNet.
        x: float32 tensor of shape (N, 1, 8, 8).

    Returns:
        features: float32 tensor of shape (N, FEATURE_DIM), not requiring grad.
    """
    ### BEGIN SOLUTION
    model.eval()
    with torch.no_grad():
        return model.features(x)
    ### END SOLUTION


def predict(model, x):
    """Predicted classes: the argmax of the logits, in eval mode, without tracking gradients.

    Args:
        model: a ShapeNet.
        x: float32 tensor of shape (N, 1, 8, 8).

    Returns:
        classes: int64 tensor of shape (N,).
    """
    ### BEGIN SOLUTION
    model.eval()
    with torch.no_grad():
        return model(x).argmax(dim=1)
    ### END SOLUTION


def setup_transfer(weights, num_classes, mode, lr):
    """A model and optimizer for a new task with `num_classes` classes, by one of three recipes.

    - "feature_extraction": the pretrained model (load_pretrained) with a new head
      (replace_head) and a frozen backbone (freeze_backbone); make_optimizer(model, 0.0, lr).
    - "fine_tuning": the pretrained model with a new head, everything trainable;
      make_optimizer(model, lr / 10, lr) (the backbone moves ten times slower than the head).
    - "scratch": a randomly initialized ShapeNet(num_classes), everything trainable;
      make_optimizer(model, lr, lr).
    It is then trained with train_step(model, optimizer, x, y, freeze_bn=(mode != "scratch")):
    a pretrained backbone keeps its batch-norm statistics; a new one has to learn them.

    Args:
        weights: the pretrained weights, as for load_pretrained.
        num_classes: int >= 1, the classes of the new task.
        mode: "feature_extraction", "fine_tuning" or "scratch".
        lr: float > 0, the head's learning rate.

    Returns:
        A tuple (model, optimizer).

    Raises:
        ValueError: for an unknown mode.
    """
    ### BEGIN SOLUTION
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
    if mode == "scratch":
        model = ShapeNet(num_classes)
        return model, make_optimizer(model, lr, lr)
    model = replace_head(load_pretrained(weights), num_classes)
    if mode == "feature_extraction":
        return freeze_backbone(model), make_optimizer(model, 0.0, lr)
    return model, make_optimizer(model, lr / 10, lr)
    ### END SOLUTION
