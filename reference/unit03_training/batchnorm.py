"""Unit 3: batch normalization over a batch of feature vectors, in training and evaluation modes.

Training mode normalizes each feature with the batch's mean and (biased, divide-by-N) variance,
and updates the running statistics; evaluation mode normalizes with the running statistics:

    train:  mu = mean(x, axis=0),  var = mean((x - mu) ** 2, axis=0)
            running_mean <- momentum * running_mean + (1 - momentum) * mu
            running_var  <- momentum * running_var  + (1 - momentum) * var
    eval:   mu = running_mean,  var = running_var  (running statistics returned unchanged)
    both:   x_hat = (x - mu) / sqrt(var + eps),   out = gamma * x_hat + beta.

Every function returns new float64 arrays and never modifies its inputs.
"""
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, train=True, momentum=0.9, eps=1e-5):
    """Forward pass of batch normalization.

    Args:
        x: float64 array of shape (N, D), N >= 2 in training mode.
        gamma: float64 array of shape (D,), the scale.
        beta: float64 array of shape (D,), the shift.
        running_mean: float64 array of shape (D,).
        running_var: float64 array of shape (D,).
        train: bool, training (True) or evaluation (False) mode.
        momentum: float in [0, 1], the weight of the old running statistics.
        eps: float > 0, added to the variance.

    Returns:
        A tuple (out, new_running_mean, new_running_var, cache):
        - out: new float64 array of shape (N, D).
        - new_running_mean, new_running_var: new float64 arrays of shape (D,).
        - cache: whatever batchnorm_backward needs (data only: arrays, numbers, tuples).
    """
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    if train:
        mu, var = x.mean(axis=0), x.var(axis=0)
        new_mean = momentum * running_mean + (1.0 - momentum) * mu
        new_var = momentum * running_var + (1.0 - momentum) * var
    else:
        mu, var = np.asarray(running_mean, dtype=np.float64), np.asarray(running_var, dtype=np.float64)
        new_mean, new_var = mu.copy(), var.copy()
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    return gamma * x_hat + beta, new_mean, new_var, (x_hat, inv_std, np.array(gamma, dtype=np.float64), train)
    ### END SOLUTION


def batchnorm_backward(dout, cache):
    """Backward pass of batchnorm_forward (in the mode the forward ran in).

    In training mode mu and var depend on x, so dx has terms through them; in evaluation mode
    they are constants.

    Args:
        dout: float64 array of shape (N, D), the upstream gradient.
        cache: the cache returned by batchnorm_forward.

    Returns:
        A tuple (dx, dgamma, dbeta) of new float64 arrays of shapes (N, D), (D,), (D,).
    """
    ### BEGIN SOLUTION
    x_hat, inv_std, gamma, train = cache
    dout = np.asarray(dout, dtype=np.float64)
    dgamma = np.sum(dout * x_hat, axis=0)
    dbeta = dout.sum(axis=0)
    dx_hat = dout * gamma
    if train:
        dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * np.mean(dx_hat * x_hat, axis=0))
    else:
        dx = dx_hat * inv_std
    return dx, dgamma, dbeta
    ### END SOLUTION
