"""Unit 4: backpropagation through time (BPTT) for a vanilla RNN on one sequence.

The RNN reads x[0], ..., x[T-1] and updates its hidden state with

    h[t] = tanh(x[t] @ Wx + h[t-1] @ Wh + b),    t = 0, ..., T-1,   with h[-1] = h0.

The backward functions take the upstream gradient dh = dL/dh of shape (T, H) for some loss L
of all hidden states (L = sum(dh * h) for a fixed dh), and return the gradients of L.
No function modifies its arguments.
"""
import numpy as np


def rnn_forward(x, h0, Wx, Wh, b):
    """Run the RNN over the whole sequence.

    Args:
        x: float64 array of shape (T, D), the inputs, one time step per row.
        h0: float64 array of shape (H,), the initial hidden state.
        Wx: float64 array of shape (D, H), input-to-hidden weights.
        Wh: float64 array of shape (H, H), hidden-to-hidden weights.
        b: float64 array of shape (H,), biases.

    Returns:
        A tuple (h, cache):
        - h: new float64 array of shape (T, H); row t is the hidden state h[t].
        - cache: whatever the backward functions need.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def rnn_backward(dh, cache):
    """Full BPTT: gradients of L with respect to the inputs and parameters of rnn_forward.

    h[t] depends on h[t-1], so the gradient reaching h[t] is dh[t] plus what flows back from
    step t+1; walk the steps from t = T-1 down to 0.

    Args:
        dh: float64 array of shape (T, H), the upstream gradient dL/dh.
        cache: the cache from rnn_forward.

    Returns:
        A tuple (dx, dh0, dWx, dWh, db) of new float64 arrays shaped like x, h0, Wx, Wh, b.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def rnn_backward_truncated(dh, cache, window):
    """Truncated BPTT: the gradient from each time step flows back at most `window` steps.

    The term of L at step t, dh[t] * h[t], is backpropagated through steps t, t-1, ...,
    t-window+1 only (those >= 0); h[t-window] is treated as a constant for it. So h0 receives
    gradient only from steps t < window, and with window >= T the result is full BPTT.

    Args:
        dh: float64 array of shape (T, H), the upstream gradient dL/dh.
        cache: the cache from rnn_forward.
        window: int >= 1, the number of steps each gradient flows back through.

    Returns:
        A tuple (dx, dh0, dWx, dWh, db) of new float64 arrays shaped like x, h0, Wx, Wh, b.

    Raises:
        ValueError: if window < 1.
    """
    # YOUR CODE HERE
    raise NotImplementedError
