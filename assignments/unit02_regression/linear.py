"""Unit 2: linear regression -- the mean squared error, the closed form, gradient descent.

A design matrix X has shape (N, D), one example per row; targets y have shape (N,); weights w
have shape (D,). There is no separate intercept: append a column of ones to X to fit one (it is
then penalized like any other weight). Every function returns new float64 arrays (or Python
floats) and never modifies its inputs.
"""
import numpy as np


def mse_loss(y_pred, y):
    """Mean squared error: L = (1/N) * sum_i (y_pred[i] - y[i])^2.

    Convention: the mean over the N samples, with no factor 1/2.

    Args:
        y_pred: float64 array of shape (N,), the predictions.
        y: float64 array of shape (N,), the targets.

    Returns:
        loss: Python float.

    Raises:
        ValueError: if y_pred and y are not both of shape (N,) (no broadcasting: (N,) against
            (N, 1) is an error).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def mse_gradient(y_pred, y):
    """Gradient of mse_loss with respect to the predictions: dL/dy_pred = (2/N) * (y_pred - y).

    Args:
        y_pred: float64 array of shape (N,), the predictions.
        y: float64 array of shape (N,), the targets.

    Returns:
        dy_pred: new float64 array of shape (N,).

    Raises:
        ValueError: if y_pred and y are not both of shape (N,).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def linear_regression_loss(X, y, w, l2=0.0):
    """Loss and gradient of least squares with an optional L2 penalty, averaged over samples:

        J(w)  = (1/N) * (||X w - y||^2 + l2 * ||w||^2),
        dJ/dw = (2/N) * (X^T (X w - y) + l2 * w).

    With l2 == 0, J(w) == mse_loss(X @ w, y). J is minimized by
    linear_regression_closed_form(X, y, l2).

    Args:
        X: float64 array of shape (N, D), the design matrix.
        y: float64 array of shape (N,), the targets.
        w: float64 array of shape (D,), the weights.
        l2: float >= 0, the strength of the L2 penalty.

    Returns:
        A tuple (loss, dw):
        - loss: Python float, J(w).
        - dw: new float64 array of shape (D,), dJ/dw.

    Raises:
        ValueError: if the shapes are not (N, D), (N,) and (D,).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def linear_regression_closed_form(X, y, l2=0.0):
    """Least squares with an optional L2 penalty (ridge), by the normal equations.

    Minimizes ||X w - y||^2 + l2 * ||w||^2 (the same minimizer as J of linear_regression_loss) by
    solving the D x D system

        (X^T X + l2 * I) w = X^T y,

    so that the residual satisfies X^T (y - X w) = l2 * w. Solve the system (np.linalg.solve)
    rather than forming an inverse.

    Args:
        X: float64 array of shape (N, D), the design matrix.
        y: float64 array of shape (N,), the targets.
        l2: float >= 0, the strength of the L2 penalty.

    Returns:
        w: new float64 array of shape (D,).

    Raises:
        ValueError: if X is not 2-D or y is not of shape (N,); if l2 < 0; if l2 == 0 and X has
            rank below D as np.linalg.matrix_rank(X) decides (dependent columns, or fewer examples
            than features): then X^T X is singular and the least-squares weights are not unique.
            Any l2 > 0 makes the system solvable.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def linear_regression_gd(X, y, lr, num_steps, l2=0.0):
    """Minimize J of linear_regression_loss by full-batch gradient descent.

    Start from w_0 = zeros(D) and take num_steps steps w_{t+1} = w_t - lr * dJ/dw(w_t).
    The gradient of J is Lipschitz with constant L = (2/N) * lambda_max(X^T X + l2 * I): for
    0 < lr < 2 / L the loss decreases at every step until the minimum is reached, and w_t
    converges to linear_regression_closed_form(X, y, l2).

    Args:
        X: float64 array of shape (N, D), the design matrix.
        y: float64 array of shape (N,), the targets.
        lr: float > 0, the step size.
        num_steps: int >= 0, the number of steps.
        l2: float >= 0, the strength of the L2 penalty.

    Returns:
        A tuple (w, losses):
        - w: new float64 array of shape (D,), the weights w_{num_steps} after the last step.
        - losses: new float64 array of shape (num_steps + 1,); losses[t] = J(w_t), so losses[0]
          is the loss at w_0 = 0 and losses[-1] the loss at the returned w.
    """
    # YOUR CODE HERE
    raise NotImplementedError
