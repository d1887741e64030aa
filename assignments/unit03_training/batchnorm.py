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
    # YOUR CODE HERE
    raise NotImplementedError


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
    # YOUR CODE HERE
    raise NotImplementedError
