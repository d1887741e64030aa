"""The key of a softmax head (instructor only): the class-weighted cross-entropy of logits with its
gradient, and one SGD step of a linear head on fixed features, in float64."""
from __future__ import annotations

import numpy as np


def weighted_cross_entropy(logits, y, class_weights=None):
    """(loss, d loss / d logits): sum_n w[y_n] * -log softmax(logits_n)[y_n] / sum_n w[y_n] (the
    semantics of torch's F.cross_entropy(weight=)); without class weights, the plain mean."""
    weights = np.ones(len(y)) if class_weights is None else np.asarray(class_weights, np.float64)[y]
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    nll = -np.log(p[np.arange(len(y)), y])
    delta = weights[:, None] * (p - np.eye(logits.shape[1])[y]) / weights.sum()
    return float(weights @ nll / weights.sum()), delta


def softmax_step(features, W, b, y, lr, class_weights=None):
    """The (weighted) cross-entropy of the linear head on fixed features, and the head (W, b)
    after one SGD step."""
    loss, delta = weighted_cross_entropy(features @ W.T + b, y, class_weights)
    return loss, W - lr * delta.T @ features, b - lr * delta.sum(axis=0)
