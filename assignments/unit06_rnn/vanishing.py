"""Unit 6: vanishing gradients in a recurrent network.

A single sequence runs through the recurrence h_t = f(h_{t-1} @ Wh + a_t), t = 1..T, where
a_t (the input's contribution, a[t-1] below) does not depend on h. By the chain rule
dh_T/dh_0 is the product of the step Jacobians dh_t/dh_{t-1} = diag(f'(z_t)) Wh^T with
z_t = h_{t-1} @ Wh + a_t. Since ||diag(f'(z_t)) Wh^T|| <= max|f'| * ||Wh||, its norm shrinks at
least geometrically, like gamma^T, when gamma = ||Wh|| * max|f'| is below 1 (norms are the
spectral norm: the largest singular value).

Activations are named "tanh" or "sigmoid" (sigmoid(z) = 1 / (1 + exp(-z))).
"""
import numpy as np


def jacobian_norms(Wh, a, h0, activation):
    """The spectral norms ||dh_t/dh_0|| for t = 1..T.

    Args:
        Wh: float64 array of shape (H, H), the recurrent weights.
        a: float64 array of shape (T, H); a[t-1] is the input drive a_t at step t (T >= 1).
        h0: float64 array of shape (H,), the initial hidden state.
        activation: "tanh" or "sigmoid".

    Returns:
        norms: float64 array of shape (T,); norms[t-1] is the largest singular value of the
        H x H Jacobian dh_t/dh_0.

    Raises:
        ValueError: if activation is not "tanh" or "sigmoid".
    """
    # YOUR CODE HERE
    raise NotImplementedError


def decay_rate_bound(Wh, activation):
    """gamma = ||Wh|| * max over all real z of |f'(z)|: ||dh_T/dh_0|| <= gamma^T.

    Args:
        Wh: float64 array of shape (H, H), the recurrent weights.
        activation: "tanh" or "sigmoid".

    Returns:
        gamma: float, the spectral norm of Wh times the bound on the activation's derivative.

    Raises:
        ValueError: if activation is not "tanh" or "sigmoid".
    """
    # YOUR CODE HERE
    raise NotImplementedError
