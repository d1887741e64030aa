"""The grader's own float64 forward and backward pass of a stack of torch-style Linear layers.

A student's module is exported as ``[(W, b)]`` (``W`` of shape (out, in), as in torch.nn.Linear)
and an activation name per layer; the grader recomputes outputs and parameter gradients here
instead of trusting anything computed in the worker.
"""
from __future__ import annotations

import numpy as np

ACTIVATIONS = {
    "identity": (lambda z: z, lambda z: np.ones_like(z)),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(np.float64)),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.2 * z), lambda z: np.where(z > 0, 1.0, 0.2)),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
}


def forward(layers, acts, x):
    """Output of ``act_l(x @ W_l.T + b_l)`` layer by layer, and the cache ``backward`` needs."""
    cache, out = [], np.asarray(x, dtype=np.float64)
    for (W, b), act in zip(layers, acts):
        z = out @ W.T + b
        cache.append((out, z))
        out = ACTIVATIONS[act][0](z)
    return out, cache


def backward(layers, acts, cache, dout):
    """Gradients ``[(dW, db)]`` and ``dx`` of ``sum(dout * output)``."""
    grads, d = [], np.asarray(dout, dtype=np.float64)
    for (W, _), act, (inp, z) in reversed(list(zip(layers, acts, cache))):
        dz = d * ACTIVATIONS[act][1](z)
        grads.append((dz.T @ inp, dz.sum(axis=0)))
        d = dz @ W
    return grads[::-1], d


def min_preactivation(cache) -> float:
    """The smallest |pre-activation|: how far the inputs are from a ReLU kink."""
    return float(min(np.min(np.abs(z)) for _, z in cache))
