import numpy as np

from .activations import relu, sigmoid, tanh

ACTIVATIONS = {"sigmoid": sigmoid, "relu": relu, "tanh": tanh, "identity": lambda a: a}


def dense_forward(X, W, b):
    return np.dot(X, W) + b[None, :]


def feedforward(X, params, activations):
    if len(params) != len(activations) or any(a not in ACTIVATIONS for a in activations):
        raise ValueError("bad activations")
    for (W, b), name in zip(params, activations):
        X = ACTIVATIONS[name](dense_forward(X, W, b))
    return np.array(X, dtype=float)


def two_layer_forward(X, W1, b1, W2, b2):
    Z1 = dense_forward(X, W1, b1)
    H1 = relu(Z1)
    return dense_forward(H1, W2, b2), {"X": X.copy(), "W1": W1.copy(), "W2": W2.copy(), "Z1": Z1, "H1": H1}


def two_layer_backward(dscores, cache):
    dH1 = dscores @ cache["W2"].T
    dZ1 = dH1 * (cache["Z1"] > 0)
    return (dZ1 @ cache["W1"].T, cache["X"].T @ dZ1, dZ1.sum(axis=0),
            cache["H1"].T @ dscores, dscores.sum(axis=0))
