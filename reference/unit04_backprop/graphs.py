"""Unit 4: the chain rule on small computational graphs, by hand.

Each function evaluates a small expression (the forward pass), then walks the graph backwards,
multiplying local derivatives (the backward pass), and returns the value with the gradient of
the output with respect to every input. Inputs are never modified; gradients are new arrays.
"""
import numpy as np


def add_multiply(x, y, z):
    """f = (x + y) * z and its gradient.

    Args:
        x, y, z: Python floats.

    Returns:
        A tuple (f, (df_dx, df_dy, df_dz)) of Python floats.
    """
    ### BEGIN SOLUTION
    q = x + y
    f = q * z
    dq = z
    return float(f), (float(dq), float(dq), float(q))
    ### END SOLUTION


def sigmoid_neuron(w, x, b):
    """One neuron with a sigmoid: f = sigmoid(w @ x + b), sigmoid(s) = 1 / (1 + exp(-s)).

    Args:
        w: float64 array of shape (D,), the weights.
        x: float64 array of shape (D,), the input.
        b: Python float, the bias.

    Returns:
        A tuple (f, (dw, dx, db)):
        - f: Python float in (0, 1).
        - dw: new float64 array of shape (D,), df/dw.
        - dx: new float64 array of shape (D,), df/dx.
        - db: Python float, df/db.
    """
    ### BEGIN SOLUTION
    w, x = np.asarray(w, dtype=np.float64), np.asarray(x, dtype=np.float64)
    s = float(w @ x + b)
    f = 1.0 / (1.0 + np.exp(-s))
    ds = f * (1.0 - f)
    return float(f), (ds * x, ds * w, float(ds))
    ### END SOLUTION


def two_layer_expression(x, W1, b1, w2, b2):
    """A two-layer expression: f = w2 @ tanh(W1 @ x + b1) + b2, and its gradient.

    Args:
        x: float64 array of shape (D,), the input.
        W1: float64 array of shape (H, D), first-layer weights.
        b1: float64 array of shape (H,), first-layer biases.
        w2: float64 array of shape (H,), second-layer weights.
        b2: Python float, the output bias.

    Returns:
        A tuple (f, (dx, dW1, db1, dw2, db2)):
        - f: Python float.
        - dx, dW1, db1, dw2: new float64 arrays shaped like x, W1, b1, w2.
        - db2: Python float.
    """
    ### BEGIN SOLUTION
    x, W1, b1, w2 = (np.asarray(a, dtype=np.float64) for a in (x, W1, b1, w2))
    h = np.tanh(W1 @ x + b1)
    f = float(w2 @ h + b2)
    dh = w2
    dz = dh * (1.0 - h**2)
    return f, (W1.T @ dz, np.outer(dz, x), dz, h.copy(), 1.0)
    ### END SOLUTION
