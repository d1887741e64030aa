"""Unit 1: feed-forward networks -- dense layers, a forward pass through L layers, and
the forward and backward pass of a two-layer ReLU network.

Inputs are batches: X has shape (N, D), one example per row. Every function returns new
float64 arrays and never modifies its inputs.
"""
import numpy as np

from .activations import relu, sigmoid, tanh


def dense_forward(X, W, b):
    """Forward pass of a dense (fully connected, affine) layer: out = X @ W + b.

    Args:
        X: float64 array of shape (N, D), the inputs, one per row.
        W: float64 array of shape (D, M), the weights.
        b: float64 array of shape (M,), the biases (added to every row).

    Returns:
        out: new float64 array of shape (N, M).

    Raises:
        ValueError: if the shapes are not (N, D), (D, M) and (M,).
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if X.ndim != 2 or W.ndim != 2 or b.shape != (W.shape[1],) or X.shape[1] != W.shape[0]:
        raise ValueError(f"expected X (N, D), W (D, M), b (M,), got {X.shape}, {W.shape}, {b.shape}")
    return X @ W + b
    ### END SOLUTION


def feedforward(X, params, activations):
    """Forward pass of an L-layer feed-forward network.

    With A_0 = X, layer l = 1..L computes A_l = f_l(A_{l-1} @ W_l + b_l), where
    (W_l, b_l) = params[l-1] and f_l is the activation named activations[l-1]:
    "sigmoid", "relu", "tanh" or "identity" (f(z) = z). The output is A_L.

    Args:
        X: float64 array of shape (N, D), the inputs, one per row.
        params: list of L tuples (W_l, b_l), W_l of shape (M_{l-1}, M_l) and b_l of
            shape (M_l,), with M_0 = D.
        activations: list of L strings, one activation name per layer.

    Returns:
        out: new float64 array of shape (N, M_L). With L == 0 it is a copy of X.

    Raises:
        ValueError: if len(params) != len(activations), if an activation name is not one
            of the four above, or if the layer shapes do not chain.
    """
    ### BEGIN SOLUTION
    functions = {"sigmoid": sigmoid, "relu": relu, "tanh": tanh, "identity": lambda z: z}
    if len(params) != len(activations):
        raise ValueError(f"{len(params)} layers of parameters but {len(activations)} activations")
    unknown = [name for name in activations if name not in functions]
    if unknown:
        raise ValueError(f"unknown activation(s) {unknown}; expected one of {sorted(functions)}")
    out = np.array(X, dtype=np.float64)
    for (W, b), name in zip(params, activations):
        out = functions[name](dense_forward(out, W, b))
    return out
    ### END SOLUTION


def two_layer_forward(X, W1, b1, W2, b2):
    """Forward pass of a two-layer network: dense -> ReLU -> dense.

        Z1 = X @ W1 + b1,   H1 = relu(Z1),   scores = H1 @ W2 + b2.

    Args:
        X: float64 array of shape (N, D), the inputs, one per row.
        W1: float64 array of shape (D, H), first-layer weights.
        b1: float64 array of shape (H,), first-layer biases.
        W2: float64 array of shape (H, C), second-layer weights.
        b2: float64 array of shape (C,), second-layer biases.

    Returns:
        A tuple (scores, cache):
        - scores: new float64 array of shape (N, C).
        - cache: tuple (X, W1, b1, W2, b2, Z1, H1) of float64 arrays (copies of the
          inputs, Z1 and H1 of shape (N, H)), everything two_layer_backward needs.

    Raises:
        ValueError: if the shapes do not match those above.
    """
    ### BEGIN SOLUTION
    X, W1, b1, W2, b2 = (np.array(a, dtype=np.float64) for a in (X, W1, b1, W2, b2))
    Z1 = dense_forward(X, W1, b1)
    H1 = np.maximum(Z1, 0.0)
    scores = dense_forward(H1, W2, b2)
    return scores, (X, W1, b1, W2, b2, Z1, H1)
    ### END SOLUTION


def two_layer_backward(dscores, cache):
    """Backward pass of the two-layer network of two_layer_forward.

    Given the upstream gradient dscores = dL/dscores, returns the gradients of
    L = sum(dscores * scores) with respect to every input of two_layer_forward, by the
    chain rule. The ReLU derivative at Z1 == 0 is taken to be 0.

    Args:
        dscores: float64 array of shape (N, C), the upstream gradient.
        cache: the tuple returned by two_layer_forward.

    Returns:
        A tuple (dX, dW1, db1, dW2, db2) of new float64 arrays:
        - dX: shape (N, D).
        - dW1: shape (D, H).
        - db1: shape (H,).
        - dW2: shape (H, C).
        - db2: shape (C,).

    Raises:
        ValueError: if dscores does not have the shape (N, C) of the scores.
    """
    ### BEGIN SOLUTION
    X, W1, b1, W2, b2, Z1, H1 = cache
    dscores = np.asarray(dscores, dtype=np.float64)
    if dscores.shape != (X.shape[0], W2.shape[1]):
        raise ValueError(f"dscores must have shape {(X.shape[0], W2.shape[1])}, got {dscores.shape}")
    dW2 = H1.T @ dscores
    db2 = dscores.sum(axis=0)
    dZ1 = (dscores @ W2.T) * (Z1 > 0)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(axis=0)
    dX = dZ1 @ W1.T
    return dX, dW1, db1, dW2, db2
    ### END SOLUTION
