"""Unit 6: the vanilla (Elman) RNN with a tanh nonlinearity, one step and a whole sequence.

Conventions (CS231n style): inputs are batches, one sequence per row. For a single step
x has shape (N, D) and the hidden state shape (N, H); a sequence x has shape (N, T, D) and
its hidden states shape (N, T, H). Weights act on the right: x @ Wx, h @ Wh. This is
torch.nn.RNN with Wx = weight_ih_l0.T, Wh = weight_hh_l0.T and b = bias_ih_l0 + bias_hh_l0.
Every function returns new float64 arrays and never modifies its inputs.
"""
import numpy as np


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One step of a vanilla RNN: h_next = tanh(x @ Wx + h_prev @ Wh + b).

    Args:
        x: float64 array of shape (N, D), the inputs at this step.
        h_prev: float64 array of shape (N, H), the previous hidden state.
        Wx: float64 array of shape (D, H), input-to-hidden weights.
        Wh: float64 array of shape (H, H), hidden-to-hidden weights.
        b: float64 array of shape (H,), the bias.

    Returns:
        A tuple (h_next, cache):
        - h_next: float64 array of shape (N, H), the next hidden state.
        - cache: whatever rnn_step_backward needs (made only of arrays, tuples, lists,
          dicts and numbers).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def rnn_step_backward(dh_next, cache):
    """Backward pass of rnn_step_forward.

    Returns the gradients of L = sum(dh_next * h_next) with respect to every input of
    rnn_step_forward.

    Args:
        dh_next: float64 array of shape (N, H), the upstream gradient dL/dh_next.
        cache: the cache returned by rnn_step_forward.

    Returns:
        A tuple (dx, dh_prev, dWx, dWh, db) of float64 arrays of shapes (N, D), (N, H),
        (D, H), (H, H) and (H,).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def rnn_forward(x, h0, Wx, Wh, b):
    """Forward pass of a vanilla RNN over a whole sequence.

    With h_0 = h0, for t = 1..T: h_t = tanh(x[:, t-1] @ Wx + h_{t-1} @ Wh + b).

    Args:
        x: float64 array of shape (N, T, D), the input sequences (T >= 1).
        h0: float64 array of shape (N, H), the initial hidden state.
        Wx: float64 array of shape (D, H).
        Wh: float64 array of shape (H, H).
        b: float64 array of shape (H,).

    Returns:
        A tuple (h, cache):
        - h: float64 array of shape (N, T, H); h[:, t-1] is h_t (h0 is not included).
        - cache: whatever rnn_backward needs (arrays, tuples, lists, dicts, numbers).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def rnn_backward(dh, cache):
    """Backpropagation through time for rnn_forward.

    Returns the gradients of L = sum(dh * h) with respect to every input of rnn_forward.
    Each h_t receives the upstream gradient dh[:, t-1] plus what flows back from h_{t+1}.

    Args:
        dh: float64 array of shape (N, T, H), the upstream gradient dL/dh.
        cache: the cache returned by rnn_forward.

    Returns:
        A tuple (dx, dh0, dWx, dWh, db) of float64 arrays of shapes (N, T, D), (N, H),
        (D, H), (H, H) and (H,).
    """
    # YOUR CODE HERE
    raise NotImplementedError
