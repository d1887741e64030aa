"""Unit 4 graded both ways: the contract tests plus unit-specific wrong and right answers."""
import os
import subprocess
import sys

import pytest

from ..support import ROOT, make_submission, reference_def, scores_under_ids
from .unit_contract import *  # noqa: F401,F403
from .unit_contract import SUBMISSION_IDS

UNIT = "unit04_backprop"


def value_with(old: str, new: str) -> str:
    """The reference ``Value`` class with one edit (``old`` must occur in it)."""
    source = (ROOT / "reference" / UNIT / "engine.py").read_text()
    cls = source[source.index("class Value"):]
    assert old in cls, old
    return cls.replace(old, new, 1)


MUTANTS = {
    # ---- chain rule on small graphs
    "add_multiply: df/dz = x instead of x + y": ("graphs.add_multiply", """
        def add_multiply(x, y, z):
            return float((x + y) * z), (float(z), float(z), float(x))
    """),
    "sigmoid_neuron: missing the (1 - f) factor": ("graphs.sigmoid_neuron", """
        def sigmoid_neuron(w, x, b):
            f = 1.0 / (1.0 + np.exp(-(w @ x + b)))
            return float(f), (f * x, f * w, float(f))
    """),
    "sigmoid_neuron: dw and dx swapped": ("graphs.sigmoid_neuron", """
        def sigmoid_neuron(w, x, b):
            f = 1.0 / (1.0 + np.exp(-(w @ x + b)))
            ds = f * (1 - f)
            return float(f), (ds * w, ds * x, float(ds))
    """),
    "two_layer_expression: tanh derivative 1 - h": ("graphs.two_layer_expression", """
        def two_layer_expression(x, W1, b1, w2, b2):
            h = np.tanh(W1 @ x + b1)
            dz = w2 * (1 - h)
            return float(w2 @ h + b2), (W1.T @ dz, np.outer(dz, x), dz, h, 1.0)
    """),
    "two_layer_expression: db2 = 0": ("graphs.two_layer_expression", """
        def two_layer_expression(x, W1, b1, w2, b2):
            h = np.tanh(W1 @ x + b1)
            dz = w2 * (1 - h ** 2)
            return float(w2 @ h + b2), (W1.T @ dz, np.outer(dz, x), dz, h, 0.0)
    """),
    # ---- the autograd engine
    "Value.tanh: derivative 1 - t instead of 1 - t**2": ("engine.Value", value_with(
        "(1.0 - out.data**2) * out.grad", "(1.0 - out.data) * out.grad")),
    "Value.__mul__: assigns grads instead of accumulating": ("engine.Value", value_with(
        "self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
        "self.grad = other.data * out.grad\n            other.grad = self.data * out.grad")),
    "Value.__add__: assigns grads instead of accumulating": ("engine.Value", value_with(
        "self.grad += out.grad\n            other.grad += out.grad",
        "self.grad = out.grad\n            other.grad = out.grad")),
    "Value.backward: recursion without a topological order": ("engine.Value", value_with(
        "        order, seen = [], set()", """        self.grad = 1.0

        def push(node):
            node._backward()
            for child in node._prev:
                push(child)

        push(self)
        return
        order, seen = [], set()""")),
    "Value.backward: forgets to seed self.grad = 1": ("engine.Value", value_with(
        "        self.grad = 1.0\n        for node", "        for node")),
    "Value.__pow__: drops the exponent factor": ("engine.Value", value_with(
        "exponent * self.data ** (exponent - 1) * out.grad", "self.data ** (exponent - 1) * out.grad")),
    "Value.log: derivative 1 / out instead of 1 / self": ("engine.Value", value_with(
        "out.grad / self.data", "out.grad / out.data")),
    "Value.exp: derivative uses self.data": ("engine.Value", value_with(
        "self.grad += out.data * out.grad", "self.grad += self.data * out.grad")),
    "Value.relu: derivative 1 everywhere": ("engine.Value", value_with(
        "(self.data > 0) * out.grad", "out.grad")),
    "Value.relu: derivative 1 at 0": ("engine.Value", value_with(
        "(self.data > 0) * out.grad", "(self.data >= 0) * out.grad")),
    "Value.__rsub__: computes self - other": ("engine.Value", value_with(
        "return other + (-self)", "return self + (-other)")),
    "Value.__rtruediv__: computes self / other": ("engine.Value", value_with(
        "return other * self**-1", "return self * other**-1")),
    "Value ** Value uses the exponent's data instead of raising TypeError": ("engine.Value", value_with(
        """        if not isinstance(exponent, (int, float)):
            raise TypeError("only int or float exponents are supported")""",
        """        if isinstance(exponent, Value):
            exponent = exponent.data""")),
    # ---- two-layer network
    "forward: relu hidden layer instead of tanh": ("network.forward", """
        def forward(X, params):
            A1 = np.maximum(X @ params["W1"] + params["b1"], 0)
            p = 1 / (1 + np.exp(-(A1 @ params["W2"] + params["b2"])))
            return p, (X, params["W1"], params["W2"], np.tanh(X @ params["W1"] + params["b1"]), p)
    """),
    "bce_loss: sum instead of mean": ("network.bce_loss", """
        def bce_loss(p, y):
            return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
    """),
    "backward: forgets the 1/N": ("network.backward", """
        def backward(y, cache):
            X, W1, W2, A1, p = cache
            dz2 = p - y
            dZ1 = (dz2 @ W2.T) * (1 - A1 ** 2)
            return {"W1": X.T @ dZ1, "b1": dZ1.sum(0), "W2": A1.T @ dz2, "b2": dz2.sum(0)}
    """),
    "backward: tanh derivative 1 - A1": ("network.backward", """
        def backward(y, cache):
            X, W1, W2, A1, p = cache
            dz2 = (p - y) / len(X)
            dZ1 = (dz2 @ W2.T) * (1 - A1)
            return {"W1": X.T @ dZ1, "b1": dZ1.sum(0), "W2": A1.T @ dz2, "b2": dz2.sum(0)}
    """),
    "sgd_step: adds the gradient": ("network.sgd_step", """
        def sgd_step(params, grads, lr):
            return {k: params[k] + lr * grads[k] for k in params}
    """),
    "sgd_step: updates the given dict in place": ("network.sgd_step", """
        def sgd_step(params, grads, lr):
            for k in params:
                params[k] -= lr * grads[k]
            return params
    """),
    "train: records the loss after the update": ("network.train", """
        def train(X, y, params, lr, epochs):
            losses = np.empty(epochs)
            for e in range(epochs):
                p, cache = forward(X, params)
                params = sgd_step(params, backward(y, cache), lr)
                losses[e] = bce_loss(forward(X, params)[0], y)
            return {k: np.array(v) for k, v in params.items()}, losses
    """),
    "train: one update too few": ("network.train", """
        def train(X, y, params, lr, epochs):
            losses = np.empty(epochs)
            for e in range(epochs):
                p, cache = forward(X, params)
                losses[e] = bce_loss(p, y)
                if e < epochs - 1:
                    params = sgd_step(params, backward(y, cache), lr)
            return {k: np.array(v) for k, v in params.items()}, losses
    """),
    "train: updates the initial params in place": ("network.train", """
        def train(X, y, params, lr, epochs):
            losses = np.empty(epochs)
            for e in range(epochs):
                p, cache = forward(X, params)
                losses[e] = bce_loss(p, y)
                grads = backward(y, cache)
                for k in params:
                    params[k] -= lr * grads[k]
            return params, losses
    """),
    # ---- BPTT
    "rnn_forward: h @ Wh.T": ("rnn.rnn_forward", """
        def rnn_forward(x, h0, Wx, Wh, b):
            h, prev = np.empty((len(x), len(h0))), h0
            for t in range(len(x)):
                prev = h[t] = np.tanh(x[t] @ Wx + prev @ Wh.T + b)
            return h.copy(), (x, h0, Wx, Wh, h)
    """),
    "rnn_backward: no gradient through the recurrence": ("rnn.rnn_backward", """
        def rnn_backward(dh, cache):
            return rnn_backward_truncated(dh, cache, 1)
    """),
    "rnn_backward: dh0 left at zero": ("rnn.rnn_backward", """
        def rnn_backward(dh, cache):
            dx, dh0, dWx, dWh, db = rnn_backward_truncated(dh, cache, len(dh))
            return dx, np.zeros_like(dh0), dWx, dWh, db
    """),
    "rnn_backward_truncated: ignores the window": ("rnn.rnn_backward_truncated", """
        def rnn_backward_truncated(dh, cache, window):
            if window < 1:
                raise ValueError("window must be >= 1")
            return rnn_backward(dh, cache)
    """),
    "rnn_backward_truncated: one step too many": ("rnn.rnn_backward_truncated", """
        def rnn_backward_truncated(dh, cache, window):
            if window < 1:
                raise ValueError("window must be >= 1")
            x, h0, Wx, Wh, h = cache
            prev = np.vstack([h0, h[:-1]])
            dx, dh0 = np.zeros_like(x), np.zeros_like(h0)
            dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(h0)
            for t in range(len(x)):
                grad = dh[t]
                for s in range(t, max(t - window - 1, -1), -1):
                    dz = grad * (1 - h[s] ** 2)
                    dx[s] += Wx @ dz
                    dWx += np.outer(x[s], dz)
                    dWh += np.outer(prev[s], dz)
                    db += dz
                    grad = Wh @ dz
                    if s == 0:
                        dh0 += grad
            return dx, dh0, dWx, dWh, db
    """),
    "rnn_backward_truncated: accepts window=0": ("rnn.rnn_backward_truncated", """
        def rnn_backward_truncated(dh, cache, window):
            return rnn_backward(dh, cache) if window >= len(dh) or window < 1 else _trunc(dh, cache, window)

        def _trunc(dh, cache, window):
            x, h0, Wx, Wh, h = cache
            prev = np.vstack([h0, h[:-1]])
            dx, dh0 = np.zeros_like(x), np.zeros_like(h0)
            dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(h0)
            for t in range(len(x)):
                grad = dh[t]
                for s in range(t, max(t - window, -1), -1):
                    dz = grad * (1 - h[s] ** 2)
                    dx[s] += Wx @ dz
                    dWx += np.outer(x[s], dz)
                    dWh += np.outer(prev[s], dz)
                    db += dz
                    grad = Wh @ dz
                    if s == 0:
                        dh0 += grad
            return dx, dh0, dWx, dWh, db
    """),
    # ---- clipping
    "clip_by_global_norm: clips each array by its own norm": ("clipping.clip_by_global_norm", """
        def clip_by_global_norm(grads, max_norm):
            if max_norm <= 0:
                raise ValueError("max_norm must be positive")
            total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
            out = []
            for g in grads:
                n = np.linalg.norm(g)
                out.append(g * (max_norm / n) if n > max_norm else g.copy())
            return out, total
    """),
    "clip_by_global_norm: rescales to max_norm even below the bound": ("clipping.clip_by_global_norm", """
        def clip_by_global_norm(grads, max_norm):
            if max_norm <= 0:
                raise ValueError("max_norm must be positive")
            total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
            return [g * (max_norm / total) if total > 0 else g.copy() for g in grads], total
    """),
    "clip_by_global_norm: reports the norm after clipping": ("clipping.clip_by_global_norm", """
        def clip_by_global_norm(grads, max_norm):
            if max_norm <= 0:
                raise ValueError("max_norm must be positive")
            total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
            scale = min(1.0, max_norm / total) if total > 0 else 1.0
            return [g * scale for g in grads], total * scale
    """),
    "clip_by_global_norm: no check of max_norm": ("clipping.clip_by_global_norm", """
        def clip_by_global_norm(grads, max_norm):
            total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
            scale = max_norm / total if total > max_norm else 1.0
            return [g * scale for g in grads], total
    """),
}

ALTERNATIVES = {
    "add_multiply through the local derivatives of each gate": ("graphs.add_multiply", """
        def add_multiply(x, y, z):
            q = x + y
            dq_dx, dq_dy = 1.0, 1.0
            df_dq, df_dz = z, q
            return q * z, (df_dq * dq_dx, df_dq * dq_dy, df_dz)
    """),
    "sigmoid_neuron with explicit loops and a tanh sigmoid": ("graphs.sigmoid_neuron", """
        def sigmoid_neuron(w, x, b):
            s = b
            for i in range(len(w)):
                s += w[i] * x[i]
            f = 0.5 * (1 + np.tanh(s / 2))
            ds = np.exp(-abs(s)) / (1 + np.exp(-abs(s))) ** 2
            return float(f), (np.array([ds * xi for xi in x]), np.array([ds * wi for wi in w]), float(ds))
    """),
    "Value with its own sub/div closures and Kahn's topological order": ("engine.Value", """
        class Value:
            def __init__(self, data, _children=()):
                self.data, self.grad, self._prev = float(data), 0.0, list(_children)
                self._backward = lambda: None

            @staticmethod
            def _wrap(other):
                return other if isinstance(other, Value) else Value(other)

            def _node(self, data, children, local):
                out = Value(data, children)

                def _backward():
                    for child, d in zip(children, local):
                        child.grad += d * out.grad

                out._backward = _backward
                return out

            def __add__(self, other):
                other = self._wrap(other)
                return self._node(self.data + other.data, (self, other), (1.0, 1.0))

            def __sub__(self, other):
                other = self._wrap(other)
                return self._node(self.data - other.data, (self, other), (1.0, -1.0))

            def __mul__(self, other):
                other = self._wrap(other)
                return self._node(self.data * other.data, (self, other), (other.data, self.data))

            def __truediv__(self, other):
                other = self._wrap(other)
                return self._node(self.data / other.data, (self, other),
                                  (1 / other.data, -self.data / other.data ** 2))

            def __pow__(self, k):
                return self._node(self.data ** k, (self,), (k * self.data ** (k - 1),))

            def __neg__(self):
                return self._node(-self.data, (self,), (-1.0,))

            def __radd__(self, other):
                return self._wrap(other) + self

            def __rsub__(self, other):
                return self._wrap(other) - self

            def __rmul__(self, other):
                return self._wrap(other) * self

            def __rtruediv__(self, other):
                return self._wrap(other) / self

            def exp(self):
                e = math.exp(self.data)
                return self._node(e, (self,), (e,))

            def log(self):
                return self._node(math.log(self.data), (self,), (1 / self.data,))

            def tanh(self):
                t = math.tanh(self.data)
                return self._node(t, (self,), (1 - t * t,))

            def relu(self):
                return self._node(self.data if self.data > 0 else 0.0, (self,), (1.0 if self.data > 0 else 0.0,))

            def backward(self):
                users, stack, seen = {}, [self], {id(self)}
                while stack:
                    node = stack.pop()
                    for child in node._prev:
                        users[id(child)] = users.get(id(child), 0) + 1
                        if id(child) not in seen:
                            seen.add(id(child))
                            stack.append(child)
                self.grad, ready = 1.0, [self]
                while ready:
                    node = ready.pop()
                    node._backward()
                    for child in set(node._prev):
                        users[id(child)] -= node._prev.count(child)
                        if users[id(child)] == 0:
                            ready.append(child)
    """),
    "backward with explicit loops over examples": ("network.backward", """
        def backward(y, cache):
            X, W1, W2, A1, p = cache
            grads = {"W1": np.zeros_like(W1), "b1": np.zeros(W1.shape[1]), "W2": np.zeros_like(W2), "b2": np.zeros(1)}
            for n in range(len(X)):
                dz2 = (p[n] - y[n]) / len(X)
                dz1 = (W2 @ dz2) * (1 - A1[n] ** 2)
                grads["W1"] += np.outer(X[n], dz1)
                grads["b1"] += dz1
                grads["W2"] += np.outer(A1[n], dz2)
                grads["b2"] += dz2
            return grads
    """),
    "rnn_backward as truncated BPTT with a window covering the sequence": ("rnn.rnn_backward", """
        def rnn_backward(dh, cache):
            return rnn_backward_truncated(dh, cache, len(dh))
    """),
    "rnn_backward_truncated sweeping the steps once, one carry per active term": ("rnn.rnn_backward_truncated", """
        def rnn_backward_truncated(dh, cache, window):
            if window < 1:
                raise ValueError("window must be >= 1")
            x, h0, Wx, Wh, h = cache
            T = len(x)
            dx, dh0 = np.zeros_like(x), np.zeros_like(h0)
            dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(h0)
            carry = {}
            for s in reversed(range(T)):
                prev = h[s - 1] if s > 0 else h0
                dz = np.zeros_like(h0)
                for t in range(s, min(T, s + window)):
                    dz_t = (dh[t] if t == s else carry[t]) * (1 - h[s] ** 2)
                    carry[t] = Wh @ dz_t
                    dz += dz_t
                    if s == 0:
                        dh0 += carry[t]
                dx[s] = Wx @ dz
                dWx += np.outer(x[s], dz)
                dWh += np.outer(prev, dz)
                db += dz
            return dx, dh0, dWx, dWh, db
    """),
    "clipping with np.linalg.norm of the concatenation and min(1, ratio)": ("clipping.clip_by_global_norm", """
        def clip_by_global_norm(grads, max_norm):
            if max_norm <= 0:
                raise ValueError("max_norm must be positive")
            total = float(np.linalg.norm(np.concatenate([np.ravel(g) for g in grads])))
            scale = min(1.0, max_norm / total) if total > 0 else 1.0
            return [np.array(g) * scale if scale < 1 else np.array(g) for g in grads], total
    """),
}

# Each variant mishandles one documented case, which every grading now tests (the contract grades
# each under 20 submission ids and wants one score below full marks).
NARROWING = {
    "Value.tanh from math.exp overflows at 400": ("engine.Value", value_with(
        "out = Value(math.tanh(self.data), (self,))",
        "out = Value((math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1), (self,))")),
    "two_layer_expression: dx = dz @ W1.T (right only for a 1 x 1 W1)": ("graphs.two_layer_expression", """
        def two_layer_expression(x, W1, b1, w2, b2):
            h = np.tanh(W1 @ x + b1)
            dz = w2 * (1 - h ** 2)
            return float(w2 @ h + b2), (dz @ W1.T, np.outer(dz, x), dz, h, 1.0)
    """),
    "rnn_backward_truncated rejects only negative windows": ("rnn.rnn_backward_truncated", """
        def rnn_backward_truncated(dh, cache, window):
            if window < 0:
                raise ValueError("window must be >= 0")
            x, h0, Wx, Wh, h = cache
            prev = np.vstack([h0, h[:-1]])
            dx, dh0 = np.zeros_like(x), np.zeros_like(h0)
            dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(h0)
            for t in range(len(x)):
                grad = dh[t]
                for s in range(t, max(t - window, -1), -1):
                    dz = grad * (1 - h[s] ** 2)
                    dx[s] += Wx @ dz
                    dWx += np.outer(x[s], dz)
                    dWh += np.outer(prev[s], dz)
                    db += dz
                    grad = Wh @ dz
                    if s == 0:
                        dh0 += grad
            return dx, dh0, dWx, dWh, db
    """),
    "clip_by_global_norm accepts max_norm = 0": ("clipping.clip_by_global_norm", """
        def clip_by_global_norm(grads, max_norm):
            if max_norm < 0:
                raise ValueError("max_norm must not be negative")
            total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
            scale = max_norm / total if total > max_norm else 1.0
            return [np.array(g) * scale for g in grads], total
    """),
}


def backward_with(dz2: str = "(p - y) / len(X)", db1: str = "dZ1.sum(axis=0)", dtanh: str = "1.0 - A1**2") -> str:
    return f"""
        def backward(y, cache):
            X, W1, W2, A1, p = cache
            y = np.asarray(y, dtype=np.float64)
            dz2 = {dz2}
            dZ1 = (dz2 @ W2.T) * ({dtanh})
            return {{"W1": X.T @ dZ1, "b1": {db1}, "W2": A1.T @ dz2, "b2": dz2.sum(axis=0)}}
    """


# one mutant per named mistake (autograder/checks/misconceptions.py) that applies to this unit
MISCONCEPTIONS = {
    "backward: a sum where the mean is due (no 1/N)": ("network.backward", backward_with(dz2="p - y"),
                                                        "N (the batch size) times too large", ["backward_matches_sympy"]),
    "backward: the sign flipped (y - p)": ("network.backward", backward_with(dz2="(y - p) / len(X)"), "a sign flip",
                                           ["backward_matches_sympy"]),
    "backward: the bias gradient b1 left at zero": ("network.backward", backward_with(db1="np.zeros(W1.shape[1])"),
                                                    "a missing bias gradient", ["backward_matches_sympy"]),
    "backward: a factor 2 (the mean taken over 2N)": ("network.backward", backward_with(dz2="(p - y) / (2 * len(X))"),
                                                      "a factor 2 too few", ["backward_matches_sympy"]),
    "backward: tanh' taken at the cached output A1, 1 - tanh(A1)^2": (
        "network.backward", backward_with(dtanh="1.0 - np.tanh(A1) ** 2"),
        "the derivative evaluated at the output instead of the input: tanh'(a)", ["backward_matches_sympy"]),
    "rnn_backward: tanh' taken at the cached output h[t], 1 - tanh(h[t])^2": (
        "rnn.rnn_backward", reference_def(UNIT, "rnn", "rnn_backward", {"(1.0 - h[t] ** 2)": "(1.0 - np.tanh(h[t]) ** 2)"}),
        "the derivative evaluated at the output instead of the input: tanh'(a)", ["bptt_matches_sympy"]),
    "two_layer_expression: db2 = 0": ("graphs.two_layer_expression", """
        def two_layer_expression(x, W1, b1, w2, b2):
            h = np.tanh(W1 @ x + b1)
            dz = w2 * (1 - h ** 2)
            return float(w2 @ h + b2), (W1.T @ dz, np.outer(dz, x), dz, h, 0.0)
    """, "a missing bias gradient", ["two_layer_expression_key"]),
}

FORWARD_ONLY = {  # a forward's bug costs points only in its own checks and those of what composes it
    "forward adds 2 b2": ("network.forward", reference_def(UNIT, "network", "forward", {"+ b2": "+ 2 * b2"}),
                          ("network.train",)),
    "rnn_forward adds 2b": ("rnn.rnn_forward", reference_def(UNIT, "rnn", "rnn_forward", {
        "prev @ Wh + b)": "prev @ Wh + 2 * b)"}), ()),
    # each cost the correct rnn_backward its contract (and the truncated one its window=0 case) when
    # those read only the student's cache
    "rnn_forward not implemented (the stub)": ("rnn.rnn_forward", """
        def rnn_forward(x, h0, Wx, Wh, b):
            raise NotImplementedError
    """, ()),
    "rnn_forward drops the last step (a cache the backward cannot read)": (
        "rnn.rnn_forward", reference_def(UNIT, "rnn", "rnn_forward", {
            "return h.copy(), (x, h0, Wx, Wh, h)": "return h[:-1].copy(), (x, h0, Wx, Wh, h[:-1])"}), ()),
}

# the field's common mutants (a constant bias factor, a sign): one score under every id
NARROWING.update({
    "backward flips the sign of dz2": ("network.backward", reference_def(UNIT, "network", "backward", {
        "dz2 = (p - y) / len(X)": "dz2 = (y - p) / len(X)"})),
    "forward adds 2 b2 (narrowing)": FORWARD_ONLY["forward adds 2 b2"][:2],
})

# rnn_backwards that break the contract: read with the reference forward's cache where the student's
# rnn_forward fails (the stub), they lose the contract all the same, under every id
CONTRACT_BREAKERS = {
    "db offset by 0.1 (not zero for a zero upstream)": reference_def(UNIT, "rnn", "rnn_backward", {
        "return dx, dprev, dWx, dWh, db": "return dx, dprev, dWx, dWh, db + 0.1"}),
    "the upstream squared (not linear)": reference_def(UNIT, "rnn", "rnn_backward", {
        "dz = (dh[t] + dprev)": "dz = (dh[t] ** 2 + dprev)"}),
}


@pytest.mark.parametrize("forward", ["correct", "stub"])
@pytest.mark.parametrize("backward", list(CONTRACT_BREAKERS.values()), ids=list(CONTRACT_BREAKERS))
def test_wrong_rnn_backward_loses_its_contract_under_every_id(tmp_path, forward, backward):
    changes = {"rnn.rnn_backward": backward}
    if forward == "stub":
        changes["rnn.rnn_forward"] = FORWARD_ONLY["rnn_forward not implemented (the stub)"][1]
    scores = scores_under_ids(make_submission(tmp_path, UNIT, changes), UNIT, ["bptt_contract"], SUBMISSION_IDS[:5])
    assert len(set(scores.values())) == 1 and max(scores.values()) < 1, scores


def sgd_scaled(factor: str) -> tuple[str, str]:
    """sgd_step with its step scaled: ``factor`` multiplies ``lr * grads[k]``."""
    return "network.sgd_step", reference_def(UNIT, "network", "sgd_step", {
        "- lr * np.asarray(grads[k]": f"- {factor} * lr * np.asarray(grads[k]"})


# train_solves_xor trains from two starts: wrong implementations that solve XOR from some starts only
# (the biases, dW1, dW2: 17, 19 and 2 of 20 ids kept the points with starts drawn per id)
XOR_VARIANTS = {
    "sgd_step x0.25": sgd_scaled("0.25"), "sgd_step x0.5": sgd_scaled("0.5"), "sgd_step x2": sgd_scaled("2"),
    "sgd_step leaves the biases alone": sgd_scaled("(k[0] == 'W')"),
    "backward flips dW1": ("network.backward", reference_def(UNIT, "network", "backward", {
        '"W1": X.T @ dZ1': '"W1": -(X.T @ dZ1)'})),
    "backward flips dW2": ("network.backward", reference_def(UNIT, "network", "backward", {
        '"W2": A1.T @ dz2': '"W2": -(A1.T @ dz2)'})),
    "backward sums the loss (no 1/N)": MISCONCEPTIONS["backward: a sum where the mean is due (no 1/N)"][:2],
}


@pytest.mark.parametrize("variant", list(XOR_VARIANTS.values()), ids=list(XOR_VARIANTS))
def test_xor_outcome_is_the_same_under_every_id(tmp_path, variant):
    scores = scores_under_ids(make_submission(tmp_path, UNIT, dict([variant])), UNIT, ["train_solves_xor"],
                              SUBMISSION_IDS)
    assert len(set(scores.values())) == 1, scores


def test_a_passing_self_check_imports_no_sympy(tmp_path):
    """Keys are fast and sympy judges only a miss: importing sympy and deriving the keys took 1.4 s
    of the 2.1 s a student waited for a passing self-check (issue 15: at most 2 s)."""
    work = make_submission(tmp_path, UNIT)
    code = ("import sys; from pathlib import Path; from autograder import selfcheck; "
            f"report = selfcheck.run(Path({str(work)!r}), {UNIT!r}); "
            "print(sorted({r.status for r in report.results if not r.skipped}), 'sympy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.split("\n")[-2:] == ["['passed'] False", ""], done.stdout[-2000:] + done.stderr[-2000:]
