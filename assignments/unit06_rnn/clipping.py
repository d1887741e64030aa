"""Unit 6: gradient clipping, the standard cure for exploding gradients in recurrent networks.

Both functions take a list of gradient arrays (one per parameter, any shapes), return new
float64 arrays in the same order and shapes, and never modify their inputs.
"""
import numpy as np


def clip_grad_norm(grads, max_norm):
    """Rescale all gradients together so that their global L2 norm is at most max_norm.

    The global norm is total_norm = sqrt(sum over every entry of every gradient of g**2).
    If total_norm > max_norm, every gradient is multiplied by max_norm / total_norm
    (directions are kept); otherwise the gradients are returned unchanged (as copies).

    Args:
        grads: list of float64 arrays, any shapes.
        max_norm: float > 0.

    Returns:
        A tuple (clipped, total_norm):
        - clipped: list of float64 arrays, the same length and shapes as grads.
        - total_norm: float, the global norm before clipping.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def clip_grad_value(grads, clip_value):
    """Clip every entry of every gradient into the interval [-clip_value, clip_value].

    Args:
        grads: list of float64 arrays, any shapes.
        clip_value: float > 0.

    Returns:
        clipped: list of float64 arrays, the same length and shapes as grads.
    """
    # YOUR CODE HERE
    raise NotImplementedError
