"""Unit 10: training a transferred model -- batch-norm modes, parameter groups, one training
step, feature extraction and prediction.

Models are ShapeNets (see backbone.py). Images are float32 tensors of shape (N, 1, 8, 8); labels
are int64 tensors of shape (N,). Batch-norm statistics are "frozen" when every BatchNorm layer is
in eval mode: it normalizes with its stored running mean and variance and does not update them.
"""
import torch
import torch.nn.functional as F
from torch import nn


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
    # YOUR CODE HERE
    raise NotImplementedError


def make_optimizer(model, backbone_lr, head_lr):
    """Plain SGD (no momentum, no weight decay) with one learning rate per part of the model.

    Two parameter groups, in this order: every parameter of model.features, frozen ones
    included, with lr=backbone_lr, then every parameter of model.head with lr=head_lr, each in
    the order of .parameters(). (A frozen parameter gets no gradient, so SGD leaves it alone.)

    Args:
        model: a ShapeNet.
        backbone_lr: float >= 0.
        head_lr: float > 0.

    Returns:
        optimizer: a torch.optim.SGD with those two parameter groups.
    """
    # YOUR CODE HERE
    raise NotImplementedError


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
    # YOUR CODE HERE
    raise NotImplementedError


def extract_features(model, x):
    """Feature extraction: the backbone's output for a batch, as fixed inputs for a new head.

    Puts the model in eval mode (batch norm uses its running statistics) and computes
    model.features(x) without tracking gradients.

    Args:
        model: a ShapeNet.
        x: float32 tensor of shape (N, 1, 8, 8).

    Returns:
        features: float32 tensor of shape (N, FEATURE_DIM) (backbone.FEATURE_DIM), not
            requiring grad.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def predict(model, x):
    """Predicted classes: the argmax of the logits, in eval mode, without tracking gradients.

    Args:
        model: a ShapeNet.
        x: float32 tensor of shape (N, 1, 8, 8).

    Returns:
        classes: int64 tensor of shape (N,).
    """
    # YOUR CODE HERE
    raise NotImplementedError
