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
    # YOUR CODE HERE
    raise NotImplementedError


def bce_loss(p, y):
    """Mean binary cross-entropy: L = -mean(y * log(p) + (1 - y) * log(1 - p)).

    Args:
        p: float64 array of shape (N, 1), probabilities strictly between 0 and 1.
        y: float64 array of shape (N, 1), targets in [0, 1] (usually labels 0.0 or 1.0).

    Returns:
        L: Python float.
    """
    # YOUR CODE HERE
    raise NotImplementedError


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
    # YOUR CODE HERE
    raise NotImplementedError


def sgd_step(params, grads, lr):
    """One gradient-descent update: new[k] = params[k] - lr * grads[k] for every key.

    Args:
        params: dict of float64 arrays (not modified).
        grads: dict of float64 arrays with the same keys and shapes.
        lr: float > 0, the learning rate.

    Returns:
        new_params: new dict of new float64 arrays, with the same keys and shapes.
    """
    # YOUR CODE HERE
    raise NotImplementedError


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
    # YOUR CODE HERE
    raise NotImplementedError
