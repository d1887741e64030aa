"""Unit 6: the LSTM (long short-term memory) cell with its cell state, one step and a sequence.

Shapes follow rnn.py: x (N, D) per step or (N, T, D) per sequence, hidden and cell states
(N, H). The four gates are stacked in torch's order i, f, g, o: with
a = x @ Wx + h_prev @ Wh + b of shape (N, 4H),

    i = sigmoid(a[:, 0:H])     input gate
    f = sigmoid(a[:, H:2H])    forget gate
    g = tanh(a[:, 2H:3H])      candidate cell
    o = sigmoid(a[:, 3H:4H])   output gate
    c_next = f * c_prev + i * g
    h_next = o * tanh(c_next)

This is torch.nn.LSTM with Wx = weight_ih_l0.T, Wh = weight_hh_l0.T, b = bias_ih_l0 + bias_hh_l0.
sigmoid(z) = 1 / (1 + exp(-z)). Every function returns new float64 arrays and never modifies
its inputs.
"""
import numpy as np


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One LSTM step (the equations in the module docstring).

    Args:
        x: float64 array of shape (N, D), the inputs at this step.
        h_prev: float64 array of shape (N, H), the previous hidden state.
        c_prev: float64 array of shape (N, H), the previous cell state.
        Wx: float64 array of shape (D, 4H), input-to-gates weights (gates i, f, g, o).
        Wh: float64 array of shape (H, 4H), hidden-to-gates weights.
        b: float64 array of shape (4H,), the gate biases.

    Returns:
        A tuple (h_next, c_next, cache):
        - h_next: float64 array of shape (N, H), the next hidden state.
        - c_next: float64 array of shape (N, H), the next cell state.
        - cache: whatever lstm_step_backward needs (arrays, tuples, lists, dicts, numbers).
    """
    ### BEGIN SOLUTION
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i, f, o = (0.5 * (1 + np.tanh(a[:, k * H:(k + 1) * H] / 2)) for k in (0, 1, 3))
    g = np.tanh(a[:, 2 * H:3 * H])
    c_next = f * c_prev + i * g
    tanh_c = np.tanh(c_next)
    h_next = o * tanh_c
    return h_next, c_next, (x.copy(), h_prev.copy(), c_prev.copy(), Wx.copy(), Wh.copy(), i, f, g, o, tanh_c)
    ### END SOLUTION


def lstm_step_backward(dh_next, dc_next, cache):
    """Backward pass of lstm_step_forward.

    Returns the gradients of L = sum(dh_next * h_next) + sum(dc_next * c_next) with respect
    to every input of lstm_step_forward.

    Args:
        dh_next: float64 array of shape (N, H), the upstream gradient dL/dh_next.
        dc_next: float64 array of shape (N, H), the upstream gradient dL/dc_next.
        cache: the cache returned by lstm_step_forward.

    Returns:
        A tuple (dx, dh_prev, dc_prev, dWx, dWh, db) of float64 arrays of shapes (N, D),
        (N, H), (N, H), (D, 4H), (H, 4H) and (4H,).
    """
    ### BEGIN SOLUTION
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc = dc_next + dh_next * o * (1 - tanh_c**2)
    da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                         dc * i * (1 - g**2), dh_next * tanh_c * o * (1 - o)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    ### END SOLUTION


def lstm_forward(x, h0, c0, Wx, Wh, b):
    """Forward pass of an LSTM over a whole sequence.

    With (h_0, c_0) = (h0, c0), for t = 1..T: (h_t, c_t) = one LSTM step on x[:, t-1],
    h_{t-1}, c_{t-1}.

    Args:
        x: float64 array of shape (N, T, D), the input sequences (T >= 1).
        h0: float64 array of shape (N, H), the initial hidden state.
        c0: float64 array of shape (N, H), the initial cell state.
        Wx: float64 array of shape (D, 4H).
        Wh: float64 array of shape (H, 4H).
        b: float64 array of shape (4H,).

    Returns:
        A tuple (h, c, cache):
        - h: float64 array of shape (N, T, H); h[:, t-1] is h_t.
        - c: float64 array of shape (N, T, H); c[:, t-1] is c_t.
        - cache: whatever lstm_backward needs (arrays, tuples, lists, dicts, numbers).
    """
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    H = h0.shape[1]
    h, c = np.empty((N, T, H)), np.empty((N, T, H))
    caches, h_t, c_t = [], h0, c0
    for t in range(T):
        h_t, c_t, step_cache = lstm_step_forward(x[:, t], h_t, c_t, Wx, Wh, b)
        h[:, t], c[:, t] = h_t, c_t
        caches.append(step_cache)
    return h, c, caches
    ### END SOLUTION


def lstm_backward(dh, dc, cache):
    """Backpropagation through time for lstm_forward.

    Returns the gradients of L = sum(dh * h) + sum(dc * c) with respect to every input of
    lstm_forward. Each h_t and c_t receive their upstream gradients plus what flows back
    from step t+1.

    Args:
        dh: float64 array of shape (N, T, H), the upstream gradient dL/dh.
        dc: float64 array of shape (N, T, H), the upstream gradient dL/dc.
        cache: the cache returned by lstm_forward.

    Returns:
        A tuple (dx, dh0, dc0, dWx, dWh, db) of float64 arrays of shapes (N, T, D), (N, H),
        (N, H), (D, 4H), (H, 4H) and (4H,).
    """
    ### BEGIN SOLUTION
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.empty((N, T, D))
    dWx, dWh, db = np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
    dh_t, dc_t = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_t, dc_t, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t] + dh_t, dc[:, t] + dc_t, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_t, dc_t, dWx, dWh, db
    ### END SOLUTION
