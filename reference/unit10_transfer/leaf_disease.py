"""Unit 10: screening leaves for a rare disease -- class weights, a weighted loss, transfer from
the pretrained backbone and a decision threshold chosen for balanced accuracy.

The data (autograder/pretrained/leaves.py): 16x16 grayscale leaf patches, (N, 1, 16, 16) float32,
labelled 1 where a lesion shows the disease and 0 where the leaf is healthy. Only 5 % are
diseased, so the classifier that always answers "healthy" is 95 % accurate and finds no diseased
leaf at all: accuracy is the wrong yardstick. Unit 9's balanced accuracy (the mean of the recalls
of the two classes: 0.5 for any constant answer) and the ROC AUC (the probability that a diseased
patch scores above a healthy one) are the right ones.

The remedies built here: class weights that make both classes count equally in the loss
(balanced_weights, weighted_cross_entropy); the pretrained ShapeNet (backbone.py; its global
pooling takes any image size) with a frozen backbone and a new two-class head (build_classifier),
trained on the weighted loss (train_classifier); and a decision threshold chosen on validation
scores to maximize balanced accuracy (best_threshold). A patch's score is
logits[:, 1] - logits[:, 0] of the model in eval mode; score > 0 is the argmax prediction.

To try your code: `from autograder.pretrained import leaves, shapes`;
`leaves.patches(np.random.default_rng(0), 320)` makes (x, y) with 16 diseased patches. The grader
trains your classifier with train_classifier on 320 such patches (50 steps of lr 2.0) and asks, on
800 held-out ones, for a ROC AUC of at least 0.90 and a balanced accuracy of the argmax of at least
0.80. (Measured with the solution: the weighted classifier reaches balanced accuracy 0.94 at 95 %
accuracy; trained on the unweighted loss it is more accurate, 97.6 %, yet misses more diseased
leaves, balanced accuracy 0.78: accuracy rewards answering "healthy".)
"""
import numpy as np
import torch
import torch.nn.functional as F

from .backbone import freeze_backbone, load_pretrained, replace_head
from .finetune import set_train_mode


def balanced_weights(y, num_classes):
    """Inverse-frequency ("balanced") class weights as a torch tensor, for weighted_cross_entropy.

        w_k = N / (C * n_k),  n_k = #(y == k)

    (the convention of unit 9's imbalance.class_weights and of scikit-learn's
    class_weight="balanced"): every class then carries the same total weight w_k * n_k = N / C.

    Args:
        y: int64 tensor of shape (N,), N >= 1, labels in 0..C-1.
        num_classes: int C >= 1.

    Returns:
        w: float32 tensor of shape (C,).

    Raises:
        ValueError: if a label lies outside 0..C-1, or a class has no example.
    """
    ### BEGIN SOLUTION
    if y.numel() == 0 or int(y.min()) < 0 or int(y.max()) >= num_classes:
        raise ValueError(f"labels must lie in 0..{num_classes - 1}")
    counts = torch.bincount(y, minlength=num_classes)
    if bool((counts == 0).any()):
        raise ValueError(f"class(es) {torch.nonzero(counts == 0).flatten().tolist()} have no example")
    return (len(y) / (num_classes * counts.double())).float()
    ### END SOLUTION


def weighted_cross_entropy(logits, y, weights):
    """The class-weighted mean cross-entropy (what F.cross_entropy(logits, y, weight=weights)
    computes):

        loss = sum_n w[y_n] * (-log softmax(logits_n)[y_n]) / sum_n w[y_n]

    Note the denominator: the sum of the weights of the examples, not N. With equal weights this is
    the plain mean cross-entropy; a weight of 0 leaves a class out.

    Args:
        logits: float32 tensor of shape (N, C), N >= 1 (it may require grad).
        y: int64 tensor of shape (N,), labels in 0..C-1.
        weights: float32 tensor of shape (C,), non-negative, w[y_n] > 0 for some n.

    Returns:
        loss: 0-dim float32 tensor, differentiable with respect to logits (autograd).
    """
    ### BEGIN SOLUTION
    per_example = weights[y]
    nll = -F.log_softmax(logits, dim=1).gather(1, y[:, None])[:, 0]
    return (per_example * nll).sum() / per_example.sum()
    ### END SOLUTION


def build_classifier(weights):
    """The pretrained ShapeNet made into a disease classifier by feature extraction:
    backbone.load_pretrained(weights), a new two-class head (backbone.replace_head(model, 2):
    class 0 healthy, class 1 diseased) and a frozen backbone (backbone.freeze_backbone).

    Args:
        weights: the pretrained weights, as for backbone.load_pretrained.

    Returns:
        model: a ShapeNet whose features hold exactly the pretrained weights and batch-norm
            statistics, requires_grad False for every parameter of model.features and True for
            model.head, a Linear(FEATURE_DIM, 2).
    """
    ### BEGIN SOLUTION
    return freeze_backbone(replace_head(load_pretrained(weights), 2))
    ### END SOLUTION


def train_classifier(model, x, y, steps, lr):
    """Train the head on the class-weighted loss: full-batch gradient descent.

    weights = balanced_weights(y, 2), computed once; the optimizer is plain SGD
    (torch.optim.SGD(params, lr=lr), no momentum) over the parameters that require grad. Each of
    `steps` steps: set_train_mode(model, True) (finetune.py: batch-norm statistics stay frozen),
    clear the gradients, loss = weighted_cross_entropy(model(x), y, weights), back-propagate, step.

    Args:
        model: a ShapeNet with a two-class head (as build_classifier returns).
        x: float32 tensor of shape (N, 1, H, W).
        y: int64 tensor of shape (N,), labels 0 and 1, both present.
        steps: int >= 0.
        lr: float > 0.

    Returns:
        losses: list of `steps` Python floats, each the loss computed BEFORE its step.
    """
    ### BEGIN SOLUTION
    weights = balanced_weights(y, 2)
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=lr)
    losses = []
    for _ in range(steps):
        set_train_mode(model, True)
        optimizer.zero_grad()
        loss = weighted_cross_entropy(model(x), y, weights)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    return losses
    ### END SOLUTION


def best_threshold(y_true, scores):
    """The decision threshold that maximizes balanced accuracy on (validation) scores.

    Predict "diseased" where score >= t. For each distinct score t,

        balanced_accuracy(t) = (TPR(t) + TNR(t)) / 2,
        TPR(t) = #(score >= t and y = 1) / #(y = 1),  TNR(t) = #(score < t and y = 0) / #(y = 0);

    return the t with the greatest balanced accuracy, the largest such t on a tie. This is the
    threshold that maximizes Youden's J = TPR + TNR - 1 = 2 * balanced_accuracy - 1 (Youden,
    "Index for rating diagnostic tests", Cancer 1950): the ROC point farthest above the diagonal.

    Args:
        y_true: integer numpy array of shape (N,) with values in {0, 1}, both present.
        scores: float64 numpy array of shape (N,), finite.

    Returns:
        A tuple (threshold, balanced_accuracy) of Python floats.

    Raises:
        ValueError: if y_true has a value other than 0 and 1 or lacks one of them, or the shapes differ.
    """
    ### BEGIN SOLUTION
    y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=np.float64)
    if y_true.shape != scores.shape or y_true.ndim != 1:
        raise ValueError("y_true and scores must be 1-D arrays of the same shape")
    if not set(np.unique(y_true).tolist()) == {0, 1}:
        raise ValueError("y_true must hold both 0 and 1 and nothing else")
    thresholds = np.unique(scores)[::-1]  # descending: argmax takes the largest on a tie
    above = scores[None, :] >= thresholds[:, None]
    positives, negatives = np.sum(y_true == 1), np.sum(y_true == 0)
    # 2 * positives * negatives * balanced accuracy, in integers: ties are exact
    counts = (above & (y_true == 1)).sum(axis=1) * negatives + (~above & (y_true == 0)).sum(axis=1) * positives
    k = int(np.argmax(counts))
    return float(thresholds[k]), float(counts[k] / (2 * positives * negatives))
    ### END SOLUTION
