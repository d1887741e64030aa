"""Unit 2: binary logistic regression -- sigmoid, cross-entropy with logits, odds and log-odds.

The model is P(y = 1 | x) = sigmoid(x @ w + b), with weights w of shape (D,) and a scalar bias b.
Labels y are floats in [0, 1] (usually 0.0 or 1.0). Every function returns new float64 arrays
(or Python floats), never modifies its inputs, and stays finite for logits up to |z| = 1e4
and beyond.
"""
import numpy as np


def sigmoid(z):
    """Logistic sigmoid: sigma(z) = 1 / (1 + exp(-z)), computed without overflow.

    Take exp only of -|z|: for z >= 0, sigma(z) = 1 / (1 + exp(-z)); for z < 0,
    sigma(z) = exp(z) / (1 + exp(z)).

    Args:
        z: float64 array of any shape.

    Returns:
        s: new float64 array, same shape as z, with values in [0, 1].
    """
    # YOUR CODE HERE
    raise NotImplementedError


def bce_with_logits(z, y):
    """Binary cross-entropy of logits z against labels y, averaged over the N samples:

        L = (1/N) * sum_i [ -y_i * log(sigma(z_i)) - (1 - y_i) * log(1 - sigma(z_i)) ].

    Computed stably from the logits, never through sigma(z) (which rounds to 0 or 1):
    each term equals max(z_i, 0) - z_i * y_i + log(1 + exp(-|z_i|)) (use np.log1p).

    Args:
        z: float64 array of shape (N,), the logits.
        y: float64 array of shape (N,), the labels, in [0, 1].

    Returns:
        loss: Python float (finite even for |z| = 1e4).

    Raises:
        ValueError: if z and y are not both of shape (N,).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def bce_with_logits_gradient(z, y):
    """Gradient of bce_with_logits with respect to the logits: dL/dz = (sigma(z) - y) / N.

    Args:
        z: float64 array of shape (N,), the logits.
        y: float64 array of shape (N,), the labels, in [0, 1].

    Returns:
        dz: new float64 array of shape (N,).

    Raises:
        ValueError: if z and y are not both of shape (N,).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def odds(p):
    """The odds of probabilities: odds(p) = p / (1 - p).

    Args:
        p: float64 array of any shape, probabilities strictly between 0 and 1.

    Returns:
        o: new float64 array, same shape as p, with values in (0, inf).

    Raises:
        ValueError: if any entry of p is not strictly between 0 and 1.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def logit(p):
    """Log-odds, the inverse of the sigmoid: logit(p) = log(p / (1 - p)).

    Computed as log(p) - log1p(-p), which keeps its accuracy for p near 0 and near 1, so that
    sigmoid(logit(p)) == p up to rounding.

    Args:
        p: float64 array of any shape, probabilities strictly between 0 and 1.

    Returns:
        l: new float64 array, same shape as p.

    Raises:
        ValueError: if any entry of p is not strictly between 0 and 1.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def predict_proba(X, w, b):
    """Probabilities of class 1 under logistic regression: P(y = 1 | x_i) = sigma(x_i @ w + b).

    The log-odds are linear in x: logit(P) = x @ w + b, so increasing feature j by 1 (all
    else fixed) multiplies the odds P / (1 - P) by exp(w[j]).

    Args:
        X: float64 array of shape (N, D), one example per row.
        w: float64 array of shape (D,), the weights.
        b: float, the bias.

    Returns:
        p: new float64 array of shape (N,).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def logistic_regression_loss(X, y, w, b):
    """Loss and gradients of logistic regression: L = bce_with_logits(X @ w + b, y).

    With z = X @ w + b and g = (sigma(z) - y) / N:  dL/dw = X^T g,  dL/db = sum_i g_i.

    Args:
        X: float64 array of shape (N, D), one example per row.
        y: float64 array of shape (N,), the labels, in [0, 1].
        w: float64 array of shape (D,), the weights.
        b: float, the bias.

    Returns:
        A tuple (loss, dw, db):
        - loss: Python float.
        - dw: new float64 array of shape (D,).
        - db: Python float.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def train_logistic_regression(X, y, lr, num_steps):
    """Fit logistic regression by full-batch gradient descent on logistic_regression_loss.

    Start from w_0 = zeros(D), b_0 = 0.0 and take num_steps steps
    w_{t+1} = w_t - lr * dL/dw(w_t, b_t),  b_{t+1} = b_t - lr * dL/db(w_t, b_t).

    Args:
        X: float64 array of shape (N, D), one example per row.
        y: float64 array of shape (N,), the labels, in [0, 1].
        lr: float > 0, the step size.
        num_steps: int >= 0, the number of steps.

    Returns:
        A tuple (w, b):
        - w: new float64 array of shape (D,), the weights after the last step.
        - b: Python float, the bias after the last step.
    """
    # YOUR CODE HERE
    raise NotImplementedError
