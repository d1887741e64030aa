"""Unit 3: optimizers as step functions with explicit state.

Each optimizer is a function ``step(w, dw, state, ...) -> (new_w, new_state)``: it takes the
parameter array w (any shape), its gradient dw, and the state returned by the previous call
(``None`` before the first step), and returns the updated parameters and the new state. The state
is yours to design but must be data (a dict of arrays and numbers, for example); the caller only
passes it back. Never modify w, dw or state in place. The conventions are those of torch.optim.
"""
import numpy as np


def sgd(w, dw, state, lr=1e-2):
    """Plain SGD: w <- w - lr * dw.

    Args:
        w: float64 array of any shape, the parameters.
        dw: float64 array of the shape of w, the gradient.
        state: None or the state returned by the previous call.
        lr: float, the learning rate.

    Returns:
        A tuple (new_w, new_state); new_w is a new float64 array of the shape of w.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def sgd_momentum(w, dw, state, lr=1e-2, momentum=0.9):
    """SGD with (heavy-ball) momentum, as in torch.optim.SGD:

        v <- momentum * v + dw   (v starts at 0, so the first v is dw),   w <- w - lr * v.

    Args:
        w: float64 array of any shape, the parameters.
        dw: float64 array of the shape of w, the gradient.
        state: None or the state returned by the previous call.
        lr: float, the learning rate.
        momentum: float in [0, 1).

    Returns:
        A tuple (new_w, new_state); new_w is a new float64 array of the shape of w.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def rmsprop(w, dw, state, lr=1e-2, alpha=0.99, eps=1e-8):
    """RMSProp, as in torch.optim.RMSprop:

        s <- alpha * s + (1 - alpha) * dw ** 2   (s starts at 0),
        w <- w - lr * dw / (sqrt(s) + eps).

    Args:
        w: float64 array of any shape, the parameters.
        dw: float64 array of the shape of w, the gradient.
        state: None or the state returned by the previous call.
        lr: float, the learning rate.
        alpha: float in [0, 1), the decay rate of the running average of squared gradients.
        eps: float > 0.

    Returns:
        A tuple (new_w, new_state); new_w is a new float64 array of the shape of w.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def adam(w, dw, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam with bias correction, as in torch.optim.Adam. At step t = 1, 2, ...:

        m <- beta1 * m + (1 - beta1) * dw,   v <- beta2 * v + (1 - beta2) * dw ** 2   (m, v start at 0),
        m_hat = m / (1 - beta1 ** t),   v_hat = v / (1 - beta2 ** t),
        w <- w - lr * m_hat / (sqrt(v_hat) + eps).

    Args:
        w: float64 array of any shape, the parameters.
        dw: float64 array of the shape of w, the gradient.
        state: None or the state returned by the previous call.
        lr: float, the learning rate.
        beta1, beta2: floats in [0, 1), the decay rates of the moment estimates.
        eps: float > 0.

    Returns:
        A tuple (new_w, new_state); new_w is a new float64 array of the shape of w.
    """
    # YOUR CODE HERE
    raise NotImplementedError
