"""Unit 1: the perceptron -- prediction, the learning rule, and training to convergence.

Labels are +1 / -1 and the bias b is kept separate from the weights w. A point exactly
on the decision boundary (w @ x + b == 0) is predicted +1, and counts as a mistake when
learning, whatever its label.
"""
import numpy as np


def predict(w, b, X):
    """Perceptron predictions for a batch of inputs.

    Args:
        w: float64 array of shape (D,), the weights.
        b: float, the bias.
        X: float64 array of shape (N, D); row i is example i.

    Returns:
        y_hat: new float64 array of shape (N,) with y_hat[i] = +1.0 where
            X[i] @ w + b >= 0 and -1.0 otherwise.

    Raises:
        ValueError: if w is not (D,) or X is not (N, D) with the same D.
    """
    ### BEGIN SOLUTION
    w = np.asarray(w, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    if w.ndim != 1 or X.ndim != 2 or X.shape[1] != w.shape[0]:
        raise ValueError(f"expected w (D,) and X (N, D), got {w.shape} and {X.shape}")
    return np.where(X @ w + b >= 0, 1.0, -1.0)
    ### END SOLUTION


def perceptron_update(w, b, x, y, lr=1.0):
    """One step of the perceptron learning rule on a single example.

    The example is a mistake when y * (w @ x + b) <= 0 (a point exactly on the boundary
    is a mistake). On a mistake:
        w_new = w + lr * y * x,    b_new = b + lr * y;
    otherwise w_new and b_new equal w and b.

    Args:
        w: float64 array of shape (D,), the current weights (not modified).
        b: float, the current bias.
        x: float64 array of shape (D,), one example.
        y: float, its label, +1.0 or -1.0.
        lr: float > 0, the learning rate.

    Returns:
        A tuple (w_new, b_new):
        - w_new: new float64 array of shape (D,) (a fresh copy even when unchanged).
        - b_new: Python float.

    Raises:
        ValueError: if w and x are not vectors of the same shape (D,).
    """
    ### BEGIN SOLUTION
    w = np.array(w, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if w.ndim != 1 or w.shape != x.shape:
        raise ValueError(f"expected w and x of shape (D,), got {w.shape} and {x.shape}")
    if y * (w @ x + b) <= 0:
        return w + lr * y * x, float(b + lr * y)
    return w, float(b)
    ### END SOLUTION


def train_perceptron(X, y, lr=1.0, max_epochs=100):
    """Train a perceptron with the learning rule, epoch by epoch, until no mistakes.

    Start from w = zeros(D), b = 0.0. Each epoch visits the examples in the given order
    i = 0, ..., N-1 and applies the rule of `perceptron_update` to (X[i], y[i]), counting
    every mistake (y[i] * (w @ X[i] + b) <= 0). Training stops after the first epoch with
    zero mistakes, or after max_epochs epochs, whichever comes first.

    Mistake bound (Novikoff): if some unit vector u in R^(D+1) separates the augmented
    inputs [x_i, 1] with margin gamma > 0, i.e. y_i * (u @ [x_i, 1]) >= gamma for all i,
    and R = max_i ||[x_i, 1]||, then the total number of mistakes is at most
    (R / gamma)^2, for any lr > 0; so on such data training converges.

    Args:
        X: float64 array of shape (N, D); row i is example i.
        y: float64 array of shape (N,), labels in {+1.0, -1.0}.
        lr: float > 0, the learning rate.
        max_epochs: int >= 1, the most epochs to run.

    Returns:
        A tuple (w, b, mistakes):
        - w: new float64 array of shape (D,), the final weights.
        - b: Python float, the final bias.
        - mistakes: Python int, the total number of mistakes over all epochs run.

    Raises:
        ValueError: if X is not (N, D) or y is not (N,).
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"expected X (N, D) and y (N,), got {X.shape} and {y.shape}")
    w, b, mistakes = np.zeros(X.shape[1]), 0.0, 0
    for _ in range(max_epochs):
        epoch_mistakes = 0
        for xi, yi in zip(X, y):
            if yi * (w @ xi + b) <= 0:
                w = w + lr * yi * xi
                b = b + lr * yi
                epoch_mistakes += 1
        mistakes += epoch_mistakes
        if epoch_mistakes == 0:
            break
    return w, float(b), int(mistakes)
    ### END SOLUTION
