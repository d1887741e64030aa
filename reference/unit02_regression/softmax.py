"""Unit 2: softmax and the softmax cross-entropy loss with its gradient.

Scores (logits) Z have shape (N, C): one row per example, one column per class. Labels y are
integer class indices of shape (N,), each in 0..C-1. Every function returns new float64 arrays
(or Python floats), never modifies its inputs, and stays finite for logits up to 1e4 and beyond.
"""
import numpy as np


def softmax(Z):
    """Row-wise softmax: P[i, k] = exp(Z[i, k]) / sum_j exp(Z[i, j]).

    Computed stably by subtracting each row's maximum before exponentiating (softmax does not
    change when a constant is added to a row), so large logits cannot overflow.

    Args:
        Z: float64 array of shape (N, C), the logits.

    Returns:
        P: new float64 array of shape (N, C); every entry in [0, 1], every row sums to 1.
    """
    ### BEGIN SOLUTION
    Z = np.asarray(Z, dtype=np.float64)
    with np.errstate(under="ignore"):
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)
    ### END SOLUTION


def softmax_cross_entropy(Z, y):
    """Softmax cross-entropy averaged over the N examples:

        L = (1/N) * sum_i -log(softmax(Z)[i, y_i]) = (1/N) * sum_i (logsumexp(Z[i]) - Z[i, y_i]),

    with logsumexp(z) = m + log(sum_j exp(z_j - m)), m = max_j z_j (never take the log of a
    softmax probability that may have rounded to 0).

    Args:
        Z: float64 array of shape (N, C), the logits.
        y: int array of shape (N,), the labels, each in 0..C-1.

    Returns:
        loss: Python float (finite even for logits of size 1e4).

    Raises:
        ValueError: if Z is not 2-D, y is not of shape (N,), or a label is outside 0..C-1.
    """
    ### BEGIN SOLUTION
    Z = np.asarray(Z, dtype=np.float64)
    y = np.asarray(y)
    if Z.ndim != 2 or y.shape != (Z.shape[0],):
        raise ValueError(f"expected Z (N, C) and y (N,), got {Z.shape} and {y.shape}")
    if np.any((y < 0) | (y >= Z.shape[1])):
        raise ValueError(f"labels must lie in 0..{Z.shape[1] - 1}")
    m = Z.max(axis=1)
    with np.errstate(under="ignore"):
        lse = m + np.log(np.exp(Z - m[:, None]).sum(axis=1))
    return float(np.mean(lse - Z[np.arange(len(y)), y]))
    ### END SOLUTION


def softmax_cross_entropy_gradient(Z, y):
    """Gradient of softmax_cross_entropy with respect to the logits: dL/dZ = (P - Y) / N,

    where P = softmax(Z) and Y is the one-hot encoding of y (Y[i, y_i] = 1, all else 0).

    Args:
        Z: float64 array of shape (N, C), the logits.
        y: int array of shape (N,), the labels, each in 0..C-1.

    Returns:
        dZ: new float64 array of shape (N, C); every row sums to 0.

    Raises:
        ValueError: if Z is not 2-D, y is not of shape (N,), or a label is outside 0..C-1.
    """
    ### BEGIN SOLUTION
    Z = np.asarray(Z, dtype=np.float64)
    y = np.asarray(y)
    if Z.ndim != 2 or y.shape != (Z.shape[0],):
        raise ValueError(f"expected Z (N, C) and y (N,), got {Z.shape} and {y.shape}")
    if np.any((y < 0) | (y >= Z.shape[1])):
        raise ValueError(f"labels must lie in 0..{Z.shape[1] - 1}")
    G = softmax(Z)
    G[np.arange(len(y)), y] -= 1.0
    return G / len(y)
    ### END SOLUTION
