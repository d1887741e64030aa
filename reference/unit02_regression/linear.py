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
    ### BEGIN SOLUTION
    y_pred = np.asarray(y_pred, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if y_pred.ndim != 1 or y_pred.shape != y.shape:
        raise ValueError(f"y_pred and y must both have shape (N,), got {y_pred.shape} and {y.shape}")
    return float(np.mean((y_pred - y) ** 2))
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    y_pred = np.asarray(y_pred, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if y_pred.ndim != 1 or y_pred.shape != y.shape:
        raise ValueError(f"y_pred and y must both have shape (N,), got {y_pred.shape} and {y.shape}")
    return 2.0 * (y_pred - y) / y.shape[0]
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    X, y, w = (np.asarray(a, dtype=np.float64) for a in (X, y, w))
    if X.ndim != 2 or y.shape != (X.shape[0],) or w.shape != (X.shape[1],):
        raise ValueError(f"expected X (N, D), y (N,), w (D,), got {X.shape}, {y.shape}, {w.shape}")
    n = X.shape[0]
    residual = X @ w - y
    loss = (residual @ residual + l2 * (w @ w)) / n
    return float(loss), 2.0 * (X.T @ residual + l2 * w) / n
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"expected X (N, D) and y (N,), got {X.shape} and {y.shape}")
    if l2 < 0:
        raise ValueError(f"l2 must be >= 0, got {l2}")
    d = X.shape[1]
    if l2 == 0 and np.linalg.matrix_rank(X) < d:
        raise ValueError(f"X has rank {np.linalg.matrix_rank(X)} < {d} columns: X^T X is singular, "
                         "so the least-squares solution is not unique; use l2 > 0")
    return np.linalg.solve(X.T @ X + l2 * np.eye(d), X.T @ y)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    w = np.zeros(X.shape[1])
    losses = []
    for _ in range(num_steps):
        loss, dw = linear_regression_loss(X, y, w, l2)
        losses.append(loss)
        w = w - lr * dw
    losses.append(linear_regression_loss(X, y, w, l2)[0])
    return w, np.array(losses)
    ### END SOLUTION
