"""Driver: the student's numpy recurrent cells, run inside the worker.

``train_classifier`` trains a small recurrent classifier: the model is the student's rnn_forward or
lstm_forward (zero initial states), a dense head on the last hidden state and softmax
cross-entropy; its gradients come from the student's backward and update the parameters with Adam.
With ``max_norm`` the gradients first pass through the student's clip_grad_norm; the "linear"
model (a softmax regression on the first step's features, gradients computed here) grades
clip_grad_norm alone. Only data comes back: predictions on held-out inputs and the gradient norms
seen at each step.

The loop itself is :func:`fit`, which takes the forward and backward it trains with: the grader
also runs it in its own process, with the reference's forward and the student's backward called
in the worker once per step, to judge a backward whose own forward fails (``units/unit06_rnn.py``).
"""
import numpy as np

CELLS = {"rnn": ("rnn.rnn_forward", "rnn.rnn_backward", 1), "lstm": ("lstm.lstm_forward", "lstm.lstm_backward", 4)}


class Malformed(ValueError):
    """A result of the wrong type or shape (the grader reports it as the student's mistake)."""


def _array(value, shape, what):
    if not isinstance(value, np.ndarray) or value.shape != tuple(shape):
        got = value.shape if isinstance(value, np.ndarray) else type(value).__name__
        raise Malformed(f"{what} should be an array of shape {tuple(shape)}, got {got}")
    return value


def _hidden(cell, forward, x, params, H):
    """All hidden states (N, T, H) and the cache of ``forward``."""
    zeros = np.zeros((x.shape[0], H))
    name = CELLS[cell][0]
    if cell == "lstm":
        h, _, cache = forward(x, zeros, zeros.copy(), params["Wx"], params["Wh"], params["b"])
    else:
        h, cache = forward(x, zeros, params["Wx"], params["Wh"], params["b"])
    return _array(h, (*x.shape[:2], H), f"h from {name.split('.')[1]}"), cache


def train_classifier(cell, x_train, y_train, x_test, classes, hidden_size, lr, max_norm, forget_bias, seed):
    """:func:`fit` with the submission's forward, backward and (with ``max_norm``) clip_grad_norm."""
    forward = backward = None
    if cell != "linear":
        forward, backward = student(CELLS[cell][0]), student(CELLS[cell][1])  # noqa: F821
    clip = None if max_norm is None else student("clipping.clip_grad_norm")  # noqa: F821
    return fit(forward, backward, clip, cell, x_train, y_train, x_test, classes, hidden_size, lr, max_norm,
               forget_bias, seed)


def fit(forward, backward, clip, cell, x_train, y_train, x_test, classes, hidden_size, lr, max_norm, forget_bias,
        seed):
    """Train on the batches x_train (S, N, T, D) with labels y_train (S, N); one Adam step per batch.

    ``forward`` and ``backward`` are the cell's sequence forward and backward (None for "linear"),
    ``clip`` a clip_grad_norm (None without ``max_norm``). Returns {"predictions": (M,) int labels
    for x_test (M, T, D), "reported_norms": (S,) the total_norm clip_grad_norm returned,
    "raw_norms": (S,) the global gradient norm measured here, "clipped_norms": (S,) the global norm
    of the gradients applied}. A result of the wrong shape raises :class:`Malformed`.
    """
    rng = np.random.default_rng(int(seed))
    D, H = x_train.shape[-1], int(hidden_size)
    if cell == "linear":
        params = {"Wy": rng.standard_normal((D, classes)) / np.sqrt(D), "by": np.zeros(classes)}
    else:
        _, bname, gates = CELLS[cell]
        params = {"Wx": rng.standard_normal((D, gates * H)) / np.sqrt(D),
                  "Wh": rng.standard_normal((H, gates * H)) / np.sqrt(H), "b": np.zeros(gates * H),
                  "Wy": rng.standard_normal((H, classes)) / np.sqrt(H), "by": np.zeros(classes)}
        if cell == "lstm":
            params["b"][H:2 * H] = forget_bias

    def features(x):
        if cell == "linear":
            return x[:, 0], None
        return _hidden(cell, forward, x, params, H)

    keys = list(params)
    moment = {k: np.zeros_like(v) for k, v in params.items()}
    second = {k: np.zeros_like(v) for k, v in params.items()}
    norms = np.zeros((3, len(x_train)))
    for step, (x, y) in enumerate(zip(x_train, y_train), 1):
        h, cache = features(x)
        last = h if cell == "linear" else h[:, -1]
        scores = last @ params["Wy"] + params["by"]
        p = np.exp(scores - scores.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        dscores = (p - np.eye(classes)[y]) / len(y)
        grads = {"Wy": last.T @ dscores, "by": dscores.sum(axis=0)}
        if cell != "linear":
            dh = np.zeros_like(h)
            dh[:, -1] = dscores @ params["Wy"].T
            parts = backward(dh, np.zeros_like(h), cache)[3:] if cell == "lstm" else backward(dh, cache)[2:]
            for key, part in zip(("Wx", "Wh", "b"), parts):
                grads[key] = _array(part, params[key].shape, f"d{key} from {bname.split('.')[1]}")
        raw = np.sqrt(sum(np.sum(grads[k] ** 2) for k in keys))
        if clip is None:
            applied, total = [grads[k] for k in keys], raw
        else:
            applied, total = clip([grads[k] for k in keys], max_norm)
            applied = [_array(g, params[k].shape, f"the clipped d{k} from clip_grad_norm") for k, g in zip(keys, applied)]
        norms[:, step - 1] = (float(total), raw, np.sqrt(sum(np.sum(g ** 2) for g in applied)))
        for key, g in zip(keys, applied):
            moment[key] = 0.9 * moment[key] + 0.1 * g
            second[key] = 0.999 * second[key] + 0.001 * g**2
            params[key] -= lr * (moment[key] / (1 - 0.9**step)) / (np.sqrt(second[key] / (1 - 0.999**step)) + 1e-8)
    h, _ = features(x_test)
    last = h if cell == "linear" else h[:, -1]
    predictions = np.argmax(last @ params["Wy"] + params["by"], axis=1)
    return {"predictions": predictions, "reported_norms": norms[0], "raw_norms": norms[1], "clipped_norms": norms[2]}
