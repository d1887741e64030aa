"""Unit 10: three recipes for a new task -- feature extraction, fine-tuning, training from scratch.

With few labelled examples, a pretrained backbone is either kept fixed and used as a feature
extractor (only a new head trains), or fine-tuned with a learning rate smaller than the head's;
training the same network from scratch is the baseline both should beat.
"""
from .backbone import ShapeNet, freeze_backbone, load_pretrained, replace_head
from .finetune import make_optimizer

MODES = ("feature_extraction", "fine_tuning", "scratch")


def setup_transfer(weights, num_classes, mode, lr):
    """A model and optimizer for a new task with `num_classes` classes, by one of three recipes.

    - "feature_extraction": the pretrained model (load_pretrained) with a new head
      (replace_head) and a frozen backbone (freeze_backbone); make_optimizer(model, 0.0, lr).
    - "fine_tuning": the pretrained model with a new head, everything trainable;
      make_optimizer(model, lr / 10, lr) (the backbone moves ten times slower than the head).
    - "scratch": a randomly initialized ShapeNet(num_classes), everything trainable;
      make_optimizer(model, lr, lr).
    It is then trained with finetune.train_step(model, optimizer, x, y, freeze_bn=(mode != "scratch")):
    a pretrained backbone keeps its batch-norm statistics; a new one has to learn them.

    Args:
        weights: the pretrained weights, as for backbone.load_pretrained.
        num_classes: int >= 1, the classes of the new task.
        mode: "feature_extraction", "fine_tuning" or "scratch".
        lr: float > 0, the head's learning rate.

    Returns:
        A tuple (model, optimizer).

    Raises:
        ValueError: for an unknown mode.
    """
    # YOUR CODE HERE
    raise NotImplementedError
