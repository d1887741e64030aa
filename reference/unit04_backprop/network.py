"""Unit 4: backpropagation in a two-layer network for binary classification, and training it on XOR.

The network has a tanh hidden layer and one sigmoid output unit:

    Z1 = X @ W1 + b1,   A1 = tanh(Z1),   z2 = A1 @ W2 + b2,   p = sigmoid(z2),

and is trained on the mean binary cross-entropy of p against labels y. Parameters travel in
a dict ``params`` with keys "W1" (D, H), "b1" (H,), "W2" (H, 1) and "b2" (1,); gradients in a
dict with the same keys and shapes. No function modifies its arguments.
"""
import numpy as np

KEYS = ("W1", "b1", "W2", "b2")


def forward(X, params):
    """Forward pass of the network.

    Args:
        X: float64 array of shape (N, D), one example per row.
        params: dict with float64 arrays "W1" (D, H), "b1" (H,), "W2" (H, 1), "b2" (1,).

    Returns:
        A tuple (p, cache):
        - p: new float64 array of shape (N, 1), the probabilities sigmoid(z2), in (0, 1).
        - cache: whatever backward needs (e.g. X, the parameters, A1 and p).
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    W1, b1, W2, b2 = (np.asarray(params[k], dtype=np.float64) for k in KEYS)
    A1 = np.tanh(X @ W1 + b1)
    z2 = A1 @ W2 + b2
    p = 0.5 * (1.0 + np.tanh(z2 / 2))  # the sigmoid, without overflow
    return p, (X, W1, W2, A1, p)
    ### END SOLUTION


def bce_loss(p, y):
    """Mean binary cross-entropy: L = -mean(y * log(p) + (1 - y) * log(1 - p)).

    Args:
        p: float64 array of shape (N, 1), probabilities strictly between 0 and 1.
        y: float64 array of shape (N, 1), targets in [0, 1] (usually labels 0.0 or 1.0).

    Returns:
        L: Python float.
    """
    ### BEGIN SOLUTION
    p, y = np.asarray(p, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p)))
    ### END SOLUTION


def backward(y, cache):
    """Backward pass: the gradient of L = bce_loss(p, y) with respect to every parameter.

    Hint: through the sigmoid and the cross-entropy together, dL/dz2 = (p - y) / N.

    Args:
        y: float64 array of shape (N, 1), the targets.
        cache: the cache from forward(X, params) that produced p.

    Returns:
        grads: dict with new float64 arrays "W1" (D, H), "b1" (H,), "W2" (H, 1), "b2" (1,),
            the gradients dL/dW1, dL/db1, dL/dW2, dL/db2.
    """
    ### BEGIN SOLUTION
    X, W1, W2, A1, p = cache
    y = np.asarray(y, dtype=np.float64)
    dz2 = (p - y) / len(X)
    dZ1 = (dz2 @ W2.T) * (1.0 - A1**2)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": A1.T @ dz2, "b2": dz2.sum(axis=0)}
    ### END SOLUTION


def sgd_step(params, grads, lr):
    """One gradient-descent update: new[k] = params[k] - lr * grads[k] for every key.

    Args:
        params: dict of float64 arrays (not modified).
        grads: dict of float64 arrays with the same keys and shapes.
        lr: float > 0, the learning rate.

    Returns:
        new_params: new dict of new float64 arrays, with the same keys and shapes.
    """
    ### BEGIN SOLUTION
    return {k: np.asarray(params[k], dtype=np.float64) - lr * np.asarray(grads[k], dtype=np.float64)
            for k in params}
    ### END SOLUTION


def train(X, y, params, lr, epochs):
    """Full-batch gradient descent: repeat `epochs` times forward, loss, backward, sgd_step.

    Args:
        X: float64 array of shape (N, D).
        y: float64 array of shape (N, 1), the targets.
        params: dict, the initial parameters (not modified).
        lr: float > 0, the learning rate.
        epochs: int >= 0, the number of updates.

    Returns:
        A tuple (params, losses):
        - params: new dict, the parameters after `epochs` updates.
        - losses: float64 array of shape (epochs,); losses[e] is the loss of the parameters
          *before* update e (so losses[0] is the loss at the initial parameters).
    """
    ### BEGIN SOLUTION
    params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    losses = np.empty(epochs)
    for epoch in range(epochs):
        p, cache = forward(X, params)
        losses[epoch] = bce_loss(p, y)
        params = sgd_step(params, backward(y, cache), lr)
    return params, losses
    ### END SOLUTION
