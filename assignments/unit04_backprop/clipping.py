"""Unit 4: gradient clipping by global norm, the standard remedy for exploding gradients in RNNs.

All the gradients of a model are treated as one long vector g. Its global norm is
||g|| = sqrt(sum of the squares of every entry of every array). When ||g|| exceeds max_norm,
every array is multiplied by the same factor max_norm / ||g||, so the direction of g is kept
and its norm becomes max_norm; otherwise nothing changes.
"""
import numpy as np


def clip_by_global_norm(grads, max_norm):
    """Clip a list of gradient arrays by their global norm.

    Args:
        grads: list of float64 arrays of any shapes (not modified).
        max_norm: float > 0, the largest global norm allowed.

    Returns:
        A tuple (clipped, total_norm):
        - clipped: new list of new float64 arrays shaped like grads. If total_norm > max_norm,
          clipped[i] = grads[i] * (max_norm / total_norm) (no epsilon in the denominator);
          otherwise clipped[i] is an unchanged copy of grads[i].
        - total_norm: Python float, the global norm of grads before clipping.

    Raises:
        ValueError: if max_norm <= 0.
    """
    # YOUR CODE HERE
    raise NotImplementedError
