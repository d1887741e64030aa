"""Unit 3: regularization -- L2 weight decay and inverted dropout.

``params`` and ``grads`` are lists of tuples (W_l, b_l) / (dW_l, db_l). Weight decay applies to the
weights W_l only, never to the biases. Every function returns new arrays and never modifies its
inputs.
"""
import numpy as np


def l2_penalty(params, lam):
    """The L2 penalty (lam / 2) * sum_l sum(W_l ** 2) and its gradient.

    Args:
        params: list of L tuples (W_l, b_l) of float64 arrays.
        lam: float >= 0, the regularization strength.

    Returns:
        A tuple (penalty, grads):
        - penalty: float.
        - grads: list of L tuples (dW_l, db_l): dW_l = lam * W_l and db_l = zeros like b_l.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def sgd_weight_decay_step(params, grads, lr, weight_decay):
    """One SGD step with decoupled weight decay.

        W_l <- W_l - lr * (dW_l + weight_decay * W_l),   b_l <- b_l - lr * db_l.

    For plain SGD this equals an SGD step on the loss plus l2_penalty(params, weight_decay).

    Args:
        params: list of L tuples (W_l, b_l).
        grads: list of L tuples (dW_l, db_l), gradients of the loss without the penalty.
        lr: float > 0, the learning rate.
        weight_decay: float >= 0.

    Returns:
        new_params: list of L tuples (W_l, b_l) of new float64 arrays.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def dropout_forward(x, p, train=True, rng=None, mask=None):
    """Inverted dropout.

    In training mode each entry is kept with probability 1 - p and dropped (set to 0) with
    probability p; kept entries are scaled by 1 / (1 - p), so the expected output equals x. In
    evaluation mode (train=False) the output is a copy of x. With p == 0 nothing is dropped.

    Args:
        x: float64 array of any shape.
        p: float in [0, 1), the probability of dropping an entry.
        train: bool, training (True) or evaluation (False) mode.
        rng: np.random.Generator or int seed (see np.random.default_rng) to draw the mask from
            in training mode when no mask is given.
        mask: optional bool array of the shape of x, True where an entry is kept; when given, it
            is used instead of a random draw.

    Returns:
        A tuple (out, cache):
        - out: new float64 array of the shape of x.
        - cache: whatever dropout_backward needs (data only: arrays, numbers, tuples).

    Raises:
        ValueError: if p is not in [0, 1).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def dropout_backward(dout, cache):
    """Backward pass of dropout_forward: the gradient with respect to x.

    Args:
        dout: float64 array of the shape of x, the upstream gradient.
        cache: the cache returned by dropout_forward (in either mode).

    Returns:
        dx: new float64 array of the shape of x.
    """
    # YOUR CODE HERE
    raise NotImplementedError
