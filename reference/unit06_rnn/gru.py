"""Unit 6: the GRU (gated recurrent unit) cell, one step and a sequence; parameter counts.

Shapes follow rnn.py. The three gates are stacked in torch's order r, z, n, and the GRU keeps
two bias vectors because the reset gate multiplies the hidden part of n only:
with ax = x @ Wx + bx and ah = h_prev @ Wh + bh, both of shape (N, 3H),

    r = sigmoid(ax[:, 0:H] + ah[:, 0:H])            reset gate
    z = sigmoid(ax[:, H:2H] + ah[:, H:2H])          update gate
    n = tanh(ax[:, 2H:3H] + r * ah[:, 2H:3H])       candidate state
    h_next = (1 - z) * n + z * h_prev

This is torch.nn.GRU with Wx = weight_ih_l0.T, Wh = weight_hh_l0.T, bx = bias_ih_l0 and
bh = bias_hh_l0. sigmoid(z) = 1 / (1 + exp(-z)). Every function returns new float64 arrays and
never modifies its inputs.
"""
import numpy as np


def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    """One GRU step (the equations in the module docstring).

    Args:
        x: float64 array of shape (N, D), the inputs at this step.
        h_prev: float64 array of shape (N, H), the previous hidden state.
        Wx: float64 array of shape (D, 3H), input-to-gates weights (gates r, z, n).
        Wh: float64 array of shape (H, 3H), hidden-to-gates weights.
        bx: float64 array of shape (3H,), the input-side biases.
        bh: float64 array of shape (3H,), the hidden-side biases.

    Returns:
        A tuple (h_next, cache):
        - h_next: float64 array of shape (N, H), the next hidden state.
        - cache: whatever gru_step_backward needs (arrays, tuples, lists, dicts, numbers).
    """
    ### BEGIN SOLUTION
    H = h_prev.shape[1]
    ax, ah = x @ Wx + bx, h_prev @ Wh + bh
    r = 0.5 * (1 + np.tanh((ax[:, :H] + ah[:, :H]) / 2))
    z = 0.5 * (1 + np.tanh((ax[:, H:2 * H] + ah[:, H:2 * H]) / 2))
    n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
    h_next = (1 - z) * n + z * h_prev
    return h_next, (x.copy(), h_prev.copy(), Wx.copy(), Wh.copy(), r, z, n, ah[:, 2 * H:])
    ### END SOLUTION


def gru_step_backward(dh_next, cache):
    """Backward pass of gru_step_forward.

    Returns the gradients of L = sum(dh_next * h_next) with respect to every input of
    gru_step_forward.

    Args:
        dh_next: float64 array of shape (N, H), the upstream gradient dL/dh_next.
        cache: the cache returned by gru_step_forward.

    Returns:
        A tuple (dx, dh_prev, dWx, dWh, dbx, dbh) of float64 arrays of shapes (N, D), (N, H),
        (D, 3H), (H, 3H), (3H,) and (3H,).
    """
    ### BEGIN SOLUTION
    x, h_prev, Wx, Wh, r, z, n, ah_n = cache
    dn_pre = dh_next * (1 - z) * (1 - n**2)
    dz_pre = dh_next * (h_prev - n) * z * (1 - z)
    dr_pre = dn_pre * ah_n * r * (1 - r)
    dax = np.concatenate([dr_pre, dz_pre, dn_pre], axis=1)
    dah = np.concatenate([dr_pre, dz_pre, dn_pre * r], axis=1)
    dh_prev = dh_next * z + dah @ Wh.T
    return dax @ Wx.T, dh_prev, x.T @ dax, h_prev.T @ dah, dax.sum(axis=0), dah.sum(axis=0)
    ### END SOLUTION


def gru_forward(x, h0, Wx, Wh, bx, bh):
    """Forward pass of a GRU over a whole sequence.

    With h_0 = h0, for t = 1..T: h_t = one GRU step on x[:, t-1] and h_{t-1}.

    Args:
        x: float64 array of shape (N, T, D), the input sequences (T >= 1).
        h0: float64 array of shape (N, H), the initial hidden state.
        Wx: float64 array of shape (D, 3H).
        Wh: float64 array of shape (H, 3H).
        bx: float64 array of shape (3H,).
        bh: float64 array of shape (3H,).

    Returns:
        A tuple (h, cache):
        - h: float64 array of shape (N, T, H); h[:, t-1] is h_t.
        - cache: whatever gru_backward needs (arrays, tuples, lists, dicts, numbers).
    """
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    caches, h_t = [], h0
    for t in range(T):
        h_t, step_cache = gru_step_forward(x[:, t], h_t, Wx, Wh, bx, bh)
        h[:, t] = h_t
        caches.append(step_cache)
    return h, caches
    ### END SOLUTION


def gru_backward(dh, cache):
    """Backpropagation through time for gru_forward.

    Returns the gradients of L = sum(dh * h) with respect to every input of gru_forward.

    Args:
        dh: float64 array of shape (N, T, H), the upstream gradient dL/dh.
        cache: the cache returned by gru_forward.

    Returns:
        A tuple (dx, dh0, dWx, dWh, dbx, dbh) of float64 arrays of shapes (N, T, D), (N, H),
        (D, 3H), (H, 3H), (3H,) and (3H,).
    """
    ### BEGIN SOLUTION
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.empty((N, T, D))
    grads = [np.zeros((D, 3 * H)), np.zeros((H, 3 * H)), np.zeros(3 * H), np.zeros(3 * H)]
    dh_t = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_t, *step = gru_step_backward(dh[:, t] + dh_t, cache[t])
        for total, part in zip(grads, step):
            total += part
    return (dx, dh_t, *grads)
    ### END SOLUTION


def param_count(cell, input_size, hidden_size):
    """Number of scalar parameters of one recurrent layer, counted as torch.nn does.

    torch.nn.RNN, torch.nn.GRU and torch.nn.LSTM (one layer, bias=True) hold weight_ih of
    shape (G * hidden_size, input_size), weight_hh of shape (G * hidden_size, hidden_size)
    and two biases bias_ih and bias_hh of shape (G * hidden_size,), where G is the number
    of gate blocks: 1 for the vanilla RNN, 3 for the GRU (r, z, n) and 4 for the LSTM
    (i, f, g, o).

    Args:
        cell: "rnn", "gru" or "lstm".
        input_size: int D >= 1.
        hidden_size: int H >= 1.

    Returns:
        count: int.

    Raises:
        ValueError: if cell is not one of the three names.
    """
    ### BEGIN SOLUTION
    gates = {"rnn": 1, "gru": 3, "lstm": 4}
    if cell not in gates:
        raise ValueError(f"cell must be 'rnn', 'gru' or 'lstm', got {cell!r}")
    return gates[cell] * hidden_size * (input_size + hidden_size + 2)
    ### END SOLUTION
