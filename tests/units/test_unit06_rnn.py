"""Unit 6 graded both ways, and the reference checked against torch.nn.RNN / LSTM / GRU."""
import numpy as np
import pytest
import torch

from autograder.sandbox.worker_process import Limits
from reference.unit06_rnn import gru, lstm, rnn

from ..support import grade, make_submission, reference_def, scores_under_ids
from .unit_contract import *  # noqa: F401,F403
from .unit_contract import SUBMISSION_IDS

UNIT = "unit06_rnn"

MUTANTS = {
    "rnn step forgets the bias": ("rnn.rnn_step_forward", """
        def rnn_step_forward(x, h_prev, Wx, Wh, b):
            h_next = np.tanh(x @ Wx + h_prev @ Wh)
            return h_next, (x.copy(), h_prev.copy(), Wx.copy(), Wh.copy(), h_next)
    """),
    "rnn step updates h_prev in place": ("rnn.rnn_step_forward", """
        def rnn_step_forward(x, h_prev, Wx, Wh, b):
            h_prev[...] = np.tanh(x @ Wx + h_prev @ Wh + b)
            return h_prev, (x.copy(), h_prev.copy(), Wx.copy(), Wh.copy(), h_prev.copy())
    """),
    "rnn step backward uses 1 - h for the tanh derivative": ("rnn.rnn_step_backward", """
        def rnn_step_backward(dh_next, cache):
            x, h_prev, Wx, Wh, h_next = cache
            da = dh_next * (1 - h_next)
            return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    """),
    "rnn step backward: dWh from h_next instead of h_prev": ("rnn.rnn_step_backward", """
        def rnn_step_backward(dh_next, cache):
            x, h_prev, Wx, Wh, h_next = cache
            da = dh_next * (1 - h_next**2)
            return da @ Wx.T, da @ Wh.T, x.T @ da, h_next.T @ da, da.sum(axis=0)
    """),
    "rnn step backward: dh_prev through Wh instead of Wh.T": ("rnn.rnn_step_backward", """
        def rnn_step_backward(dh_next, cache):
            x, h_prev, Wx, Wh, h_next = cache
            da = dh_next * (1 - h_next**2)
            return da @ Wx.T, da @ Wh, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    """),
    "rnn forward returns h_0..h_{T-1} (shifted by one)": ("rnn.rnn_forward", """
        def rnn_forward(x, h0, Wx, Wh, b):
            N, T, _ = x.shape
            h = np.empty((N, T, Wh.shape[0]))
            caches, h_t = [], h0
            for t in range(T):
                h[:, t] = h_t
                h_t, c = rnn_step_forward(x[:, t], h_t, Wx, Wh, b)
                caches.append(c)
            return h, caches
    """),
    "BPTT drops the gradient flowing back from later steps": ("rnn.rnn_backward", """
        def rnn_backward(dh, cache):
            N, T, H = dh.shape
            D = cache[0][0].shape[1]
            dx, dWx, dWh, db = np.empty((N, T, D)), np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
            dh0 = np.zeros((N, H))
            for t in reversed(range(T)):
                dx[:, t], dh_t, a, b_, c = rnn_step_backward(dh[:, t], cache[t])
                dWx += a; dWh += b_; db += c
                if t == 0:
                    dh0 = dh_t
            return dx, dh0, dWx, dWh, db
    """),
    "BPTT keeps only the last step's weight gradients": ("rnn.rnn_backward", """
        def rnn_backward(dh, cache):
            N, T, H = dh.shape
            D = cache[0][0].shape[1]
            dx = np.empty((N, T, D))
            dh_t = np.zeros((N, H))
            for t in reversed(range(T)):
                dx[:, t], dh_t, dWx, dWh, db = rnn_step_backward(dh[:, t] + dh_t, cache[t])
            return dx, dh_t, dWx, dWh, db
    """),
    "lstm gates in the order i, f, o, g": ("lstm.lstm_step_forward", """
        def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
            H = h_prev.shape[1]
            a = x @ Wx + h_prev @ Wh + b
            sig = lambda v: 1 / (1 + np.exp(-v))
            i, f, o, g = sig(a[:, :H]), sig(a[:, H:2*H]), sig(a[:, 2*H:3*H]), np.tanh(a[:, 3*H:])
            c_next = f * c_prev + i * g
            tanh_c = np.tanh(c_next)
            return o * tanh_c, c_next, (x.copy(), h_prev.copy(), c_prev.copy(), Wx.copy(), Wh.copy(), i, f, g, o, tanh_c)
    """),
    "lstm hidden state uses c_next without tanh": ("lstm.lstm_step_forward", """
        def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
            H = h_prev.shape[1]
            a = x @ Wx + h_prev @ Wh + b
            sig = lambda v: 1 / (1 + np.exp(-v))
            i, f, g, o = sig(a[:, :H]), sig(a[:, H:2*H]), np.tanh(a[:, 2*H:3*H]), sig(a[:, 3*H:])
            c_next = f * c_prev + i * g
            return o * c_next, c_next, (x.copy(), h_prev.copy(), c_prev.copy(), Wx.copy(), Wh.copy(), i, f, g, o, np.tanh(c_next))
    """),
    "lstm backward: dc_prev misses the forget gate": ("lstm.lstm_step_backward", """
        def lstm_step_backward(dh_next, dc_next, cache):
            x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
            dc = dc_next + dh_next * o * (1 - tanh_c**2)
            da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                                 dc * i * (1 - g**2), dh_next * tanh_c * o * (1 - o)], axis=1)
            return da @ Wx.T, da @ Wh.T, dc, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    """),
    "lstm backward ignores the path from h_next into the cell": ("lstm.lstm_step_backward", """
        def lstm_step_backward(dh_next, dc_next, cache):
            x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
            dc = dc_next
            da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                                 dc * i * (1 - g**2), dh_next * tanh_c * o * (1 - o)], axis=1)
            return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    """),
    "lstm BPTT ignores the upstream dc": ("lstm.lstm_backward", """
        def lstm_backward(dh, dc, cache):
            N, T, H = dh.shape
            D = cache[0][0].shape[1]
            dx = np.empty((N, T, D))
            dWx, dWh, db = np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
            dh_t, dc_t = np.zeros((N, H)), np.zeros((N, H))
            for t in reversed(range(T)):
                dx[:, t], dh_t, dc_t, a, b_, c = lstm_step_backward(dh[:, t] + dh_t, dc_t, cache[t])
                dWx += a; dWh += b_; db += c
            return dx, dh_t, dc_t, dWx, dWh, db
    """),
    "lstm sequence restarts every step from c0": ("lstm.lstm_forward", """
        def lstm_forward(x, h0, c0, Wx, Wh, b):
            N, T, _ = x.shape
            H = h0.shape[1]
            h, c = np.empty((N, T, H)), np.empty((N, T, H))
            caches, h_t = [], h0
            for t in range(T):
                h_t, c_t, cc = lstm_step_forward(x[:, t], h_t, c0, Wx, Wh, b)
                h[:, t], c[:, t] = h_t, c_t
                caches.append(cc)
            return h, c, caches
    """),
    "gru with the update gate the other way round (z * n + (1 - z) * h)": ("gru.gru_step_forward", """
        def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
            H = h_prev.shape[1]
            ax, ah = x @ Wx + bx, h_prev @ Wh + bh
            sig = lambda v: 1 / (1 + np.exp(-v))
            r, z = sig(ax[:, :H] + ah[:, :H]), sig(ax[:, H:2*H] + ah[:, H:2*H])
            n = np.tanh(ax[:, 2*H:] + r * ah[:, 2*H:])
            return z * n + (1 - z) * h_prev, (x.copy(), h_prev.copy(), Wx.copy(), Wh.copy(), r, z, n, ah[:, 2*H:])
    """),
    "gru resets before adding the hidden bias": ("gru.gru_step_forward", """
        def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
            H = h_prev.shape[1]
            ax, ah = x @ Wx + bx, h_prev @ Wh + bh
            sig = lambda v: 1 / (1 + np.exp(-v))
            r, z = sig(ax[:, :H] + ah[:, :H]), sig(ax[:, H:2*H] + ah[:, H:2*H])
            n = np.tanh(ax[:, 2*H:] + r * (h_prev @ Wh[:, 2*H:]) + bh[2*H:])
            return (1 - z) * n + z * h_prev, (x.copy(), h_prev.copy(), Wx.copy(), Wh.copy(), r, z, n, ah[:, 2*H:])
    """),
    "gru backward: the hidden bias gradient skips the reset gate": ("gru.gru_step_backward", """
        def gru_step_backward(dh_next, cache):
            x, h_prev, Wx, Wh, r, z, n, ah_n = cache
            dn_pre = dh_next * (1 - z) * (1 - n**2)
            dz_pre = dh_next * (h_prev - n) * z * (1 - z)
            dr_pre = dn_pre * ah_n * r * (1 - r)
            dax = np.concatenate([dr_pre, dz_pre, dn_pre], axis=1)
            dah = np.concatenate([dr_pre, dz_pre, dn_pre * r], axis=1)
            dh_prev = dh_next * z + dah @ Wh.T
            return dax @ Wx.T, dh_prev, x.T @ dax, h_prev.T @ dah, dax.sum(axis=0), dax.sum(axis=0)
    """),
    "gru backward forgets the direct path z * h_prev": ("gru.gru_step_backward", """
        def gru_step_backward(dh_next, cache):
            x, h_prev, Wx, Wh, r, z, n, ah_n = cache
            dn_pre = dh_next * (1 - z) * (1 - n**2)
            dz_pre = dh_next * (h_prev - n) * z * (1 - z)
            dr_pre = dn_pre * ah_n * r * (1 - r)
            dax = np.concatenate([dr_pre, dz_pre, dn_pre], axis=1)
            dah = np.concatenate([dr_pre, dz_pre, dn_pre * r], axis=1)
            return dax @ Wx.T, dah @ Wh.T, x.T @ dax, h_prev.T @ dah, dax.sum(axis=0), dah.sum(axis=0)
    """),
    "gru BPTT returns dh at the last step instead of dh0": ("gru.gru_backward", """
        def gru_backward(dh, cache):
            N, T, H = dh.shape
            D = cache[0][0].shape[1]
            dx = np.empty((N, T, D))
            grads = [np.zeros((D, 3 * H)), np.zeros((H, 3 * H)), np.zeros(3 * H), np.zeros(3 * H)]
            dh_t = np.zeros((N, H))
            for t in reversed(range(T)):
                dx[:, t], dh_t, *step = gru_step_backward(dh[:, t] + dh_t, cache[t])
                for total, part in zip(grads, step):
                    total += part
            return (dx, dh[:, -1].copy(), *grads)
    """),
    "param count with a single bias vector": ("gru.param_count", """
        def param_count(cell, input_size, hidden_size):
            gates = {"rnn": 1, "gru": 3, "lstm": 4}
            if cell not in gates:
                raise ValueError(cell)
            return gates[cell] * hidden_size * (input_size + hidden_size + 1)
    """),
    "jacobian norms in the Frobenius norm": ("vanishing.jacobian_norms", """
        def jacobian_norms(Wh, a, h0, activation):
            if activation not in ("tanh", "sigmoid"):
                raise ValueError(activation)
            f = np.tanh if activation == "tanh" else (lambda v: 1 / (1 + np.exp(-v)))
            h, J, out = h0, np.eye(len(h0)), []
            for a_t in a:
                h = f(h @ Wh + a_t)
                d = 1 - h**2 if activation == "tanh" else h * (1 - h)
                J = (d[:, None] * Wh.T) @ J
                out.append(np.linalg.norm(J))
            return np.array(out)
    """),
    "jacobian norms multiply the step Jacobians in the wrong order": ("vanishing.jacobian_norms", """
        def jacobian_norms(Wh, a, h0, activation):
            if activation not in ("tanh", "sigmoid"):
                raise ValueError(activation)
            f = np.tanh if activation == "tanh" else (lambda v: 1 / (1 + np.exp(-v)))
            h, J, out = h0, np.eye(len(h0)), []
            for a_t in a:
                h = f(h @ Wh + a_t)
                d = 1 - h**2 if activation == "tanh" else h * (1 - h)
                J = J @ (d[:, None] * Wh.T)
                out.append(np.linalg.norm(J, 2))
            return np.array(out)
    """),
    "jacobian norms take f' at the hidden state instead of the pre-activation": ("vanishing.jacobian_norms", """
        def jacobian_norms(Wh, a, h0, activation):
            if activation not in ("tanh", "sigmoid"):
                raise ValueError(activation)
            f = np.tanh if activation == "tanh" else (lambda v: 1 / (1 + np.exp(-v)))
            h, J, out = h0, np.eye(len(h0)), []
            for a_t in a:
                d = 1 - np.tanh(h)**2 if activation == "tanh" else f(h) * (1 - f(h))
                h = f(h @ Wh + a_t)
                J = (d[:, None] * Wh.T) @ J
                out.append(np.linalg.norm(J, 2))
            return np.array(out)
    """),
    "decay bound of 1/2 for the sigmoid": ("vanishing.decay_rate_bound", """
        def decay_rate_bound(Wh, activation):
            bounds = {"tanh": 1.0, "sigmoid": 0.5}
            if activation not in bounds:
                raise ValueError(activation)
            return float(np.linalg.norm(Wh, 2) * bounds[activation])
    """),
    "decay bound with the Frobenius norm": ("vanishing.decay_rate_bound", """
        def decay_rate_bound(Wh, activation):
            bounds = {"tanh": 1.0, "sigmoid": 0.25}
            if activation not in bounds:
                raise ValueError(activation)
            return float(np.linalg.norm(Wh) * bounds[activation])
    """),
    "clipping each gradient by its own norm": ("clipping.clip_grad_norm", """
        def clip_grad_norm(grads, max_norm):
            total = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
            return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads], total
    """),
    "clipping always rescales to max_norm": ("clipping.clip_grad_norm", """
        def clip_grad_norm(grads, max_norm):
            total = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
            return [g * (max_norm / total) for g in grads], total
    """),
    "clipping reports the norm after clipping": ("clipping.clip_grad_norm", """
        def clip_grad_norm(grads, max_norm):
            total = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
            scale = min(1.0, max_norm / total)
            return [g * scale for g in grads], total * scale
    """),
    "clipping with torch's epsilon in the scale": ("clipping.clip_grad_norm", """
        def clip_grad_norm(grads, max_norm):
            total = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
            scale = min(1.0, max_norm / (total + 1e-6))
            return [g * scale for g in grads], total
    """),
    "value clipping only from above": ("clipping.clip_grad_value", """
        def clip_grad_value(grads, clip_value):
            return [np.minimum(g, clip_value) for g in grads]
    """),
}

ALTERNATIVES = {
    "rnn step forward with a stacked weight matrix": ("rnn.rnn_step_forward", """
        def rnn_step_forward(x, h_prev, Wx, Wh, b):
            h_next = np.tanh(np.hstack([x, h_prev]) @ np.vstack([Wx, Wh]) + b)
            return h_next, (x.copy(), h_prev.copy(), Wx.copy(), Wh.copy(), h_next)
    """),
    "BPTT written out without the step backward, gradients by einsum": ("rnn.rnn_backward", """
        def rnn_backward(dh, cache):
            N, T, H = dh.shape
            xs = np.stack([c[0] for c in cache], axis=1)
            hs_prev = np.stack([c[1] for c in cache], axis=1)
            hs = np.stack([c[4] for c in cache], axis=1)
            Wx, Wh = cache[0][2], cache[0][3]
            da = np.zeros((N, T, H))
            carry = np.zeros((N, H))
            for t in range(T - 1, -1, -1):
                da[:, t] = (dh[:, t] + carry) * (1 - hs[:, t] ** 2)
                carry = da[:, t] @ Wh.T
            return (np.einsum("nth,dh->ntd", da, Wx), carry, np.einsum("ntd,nth->dh", xs, da),
                    np.einsum("ntk,nth->kh", hs_prev, da), da.sum(axis=(0, 1)))
    """),
    "lstm step forward with the logistic function written out": ("lstm.lstm_step_forward", """
        def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
            H = h_prev.shape[1]
            gates = np.split(x @ Wx + h_prev @ Wh + b, 4, axis=1)
            i, f, o = (np.exp(-np.logaddexp(0, -gates[k])) for k in (0, 1, 3))
            g = np.tanh(gates[2])
            c_next = c_prev * f + g * i
            tanh_c = np.tanh(c_next)
            return o * tanh_c, c_next, (x.copy(), h_prev.copy(), c_prev.copy(), Wx.copy(), Wh.copy(), i, f, g, o, tanh_c)
    """),
    "lstm BPTT with the per-step weight gradients summed at the end": ("lstm.lstm_backward", """
        def lstm_backward(dh, dc, cache):
            N, T, H = dh.shape
            dxs, parts = [], []
            dh_t, dc_t = np.zeros((N, H)), np.zeros((N, H))
            for t in range(T - 1, -1, -1):
                dx_t, dh_t, dc_t, *p = lstm_step_backward(dh[:, t] + dh_t, dc[:, t] + dc_t, cache[t])
                dxs.insert(0, dx_t)
                parts.append(p)
            dWx, dWh, db = (sum(p[k] for p in parts) for k in range(3))
            return np.stack(dxs, axis=1), dh_t, dc_t, dWx, dWh, db
    """),
    "gru step backward gate by gate, loops over the batch": ("gru.gru_step_backward", """
        def gru_step_backward(dh_next, cache):
            x, h_prev, Wx, Wh, r, z, n, ah_n = cache
            N, H = h_prev.shape
            dax, dah = np.zeros((N, 3 * H)), np.zeros((N, 3 * H))
            for k in range(N):
                dn = dh_next[k] * (1 - z[k]) * (1 - n[k] ** 2)
                dz = dh_next[k] * (h_prev[k] - n[k]) * z[k] * (1 - z[k])
                dr = dn * ah_n[k] * r[k] * (1 - r[k])
                dax[k] = np.concatenate([dr, dz, dn])
                dah[k] = np.concatenate([dr, dz, dn * r[k]])
            dh_prev = dh_next * z + dah @ Wh.T
            return dax @ Wx.T, dh_prev, x.T @ dax, h_prev.T @ dah, dax.sum(axis=0), dah.sum(axis=0)
    """),
    "jacobian norms by the transposed product and an SVD": ("vanishing.jacobian_norms", """
        def jacobian_norms(Wh, a, h0, activation):
            if activation not in ("tanh", "sigmoid"):
                raise ValueError("unknown activation")
            f = np.tanh if activation == "tanh" else (lambda v: 0.5 * (1 + np.tanh(v / 2)))
            h, JT, out = np.array(h0), np.eye(len(h0)), []
            for a_t in a:
                h = f(h @ Wh + a_t)
                d = 1 - h**2 if activation == "tanh" else h * (1 - h)
                JT = JT @ (Wh * d[None, :])
                out.append(np.linalg.svd(JT, compute_uv=False)[0])
            return np.array(out)
    """),
    "clipping through one concatenated vector": ("clipping.clip_grad_norm", """
        def clip_grad_norm(grads, max_norm):
            total = float(np.linalg.norm(np.concatenate([np.ravel(g) for g in grads])))
            if total <= max_norm:
                return [np.array(g, dtype=float) for g in grads], total
            return [np.array(g, dtype=float) * (max_norm / total) for g in grads], total
    """),
}


NARROWING = {  # each mishandles one case the docstrings name
    "rnn_forward for T > 1 only": ("rnn.rnn_forward", """
        def rnn_forward(x, h0, Wx, Wh, b):
            N, T, _ = x.shape
            if T == 1:
                raise ValueError("a sequence needs at least two steps")
            h = np.empty((N, T, Wh.shape[0]))
            caches, h_t = [], h0
            for t in range(T):
                h_t, step_cache = rnn_step_forward(x[:, t], h_t, Wx, Wh, b)
                h[:, t] = h_t
                caches.append(step_cache)
            return h, caches
    """),
    "rnn_backward for T > 1 only": ("rnn.rnn_backward", """
        def rnn_backward(dh, cache):
            N, T, H = dh.shape
            if T == 1:
                raise ValueError("a sequence needs at least two steps")
            D = cache[0][0].shape[1]
            dx = np.empty((N, T, D))
            dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
            dh_t = np.zeros((N, H))
            for t in reversed(range(T)):
                dx[:, t], dh_t, a, b_, c = rnn_step_backward(dh[:, t] + dh_t, cache[t])
                dWx += a; dWh += b_; db += c
            return dx, dh_t, dWx, dWh, db
    """),
    "lstm step backward exact, but adds into dc_next in place": ("lstm.lstm_step_backward", """
        def lstm_step_backward(dh_next, dc_next, cache):
            x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
            dc_next += dh_next * o * (1 - tanh_c**2)
            dc = dc_next
            da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                                 dc * i * (1 - g**2), dh_next * tanh_c * o * (1 - o)], axis=1)
            return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    """),
    "gru_backward for T > 1 only": ("gru.gru_backward", """
        def gru_backward(dh, cache):
            N, T, H = dh.shape
            if T == 1:
                raise ValueError("a sequence needs at least two steps")
            D = cache[0][0].shape[1]
            dx = np.empty((N, T, D))
            grads = [np.zeros((D, 3 * H)), np.zeros((H, 3 * H)), np.zeros(3 * H), np.zeros(3 * H)]
            dh_t = np.zeros((N, H))
            for t in reversed(range(T)):
                dx[:, t], dh_t, *step = gru_step_backward(dh[:, t] + dh_t, cache[t])
                for total, part in zip(grads, step):
                    total += part
            return (dx, dh_t, *grads)
    """),
    "jacobian_norms for T > 1 only": ("vanishing.jacobian_norms", """
        def jacobian_norms(Wh, a, h0, activation):
            if len(a) < 2:
                raise ValueError("need at least two steps")
            if activation not in ("tanh", "sigmoid"):
                raise ValueError(activation)
            f, df = (np.tanh, lambda h: 1 - h**2) if activation == "tanh" else (
                (lambda z: 1 / (1 + np.exp(-z))), lambda h: h * (1 - h))
            h, J, norms = h0, np.eye(len(h0)), []
            for a_t in a:
                h = f(h @ Wh + a_t)
                J = (df(h)[:, None] * Wh.T) @ J
                norms.append(np.linalg.norm(J, 2))
            return np.array(norms)
    """),
}

# ---------------------------------------------------------------- the reference against torch
def torch_layer(cls, D, H, seed):
    torch.manual_seed(seed)
    layer = cls(D, H, batch_first=True).double()
    w = {k: v.detach().numpy().copy() for k, v in layer.named_parameters()}
    return layer, w["weight_ih_l0"].T.copy(), w["weight_hh_l0"].T.copy(), w["bias_ih_l0"], w["bias_hh_l0"]


def torch_grads(layer, out_tensors, upstreams, leaves):
    loss = sum((o * torch.from_numpy(u)).sum() for o, u in zip(out_tensors, upstreams))
    grads = torch.autograd.grad(loss, leaves + [layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0,
                                                layer.bias_hh_l0])
    return [g.numpy() for g in grads]


@pytest.fixture
def seq():
    rng = np.random.default_rng(7)
    N, T, D, H = 3, 6, 4, 5
    return rng, rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H)), H


def leaf(a):
    return torch.tensor(a, requires_grad=True)


def test_reference_rnn_matches_torch(seq):
    rng, x, h0, _, H = seq
    layer, Wx, Wh, bi, bh = torch_layer(torch.nn.RNN, x.shape[2], H, 0)
    xt, ht = leaf(x), leaf(h0)
    out, _ = layer(xt, ht[None])
    h, cache = rnn.rnn_forward(x, h0, Wx, Wh, bi + bh)
    np.testing.assert_allclose(h, out.detach().numpy(), rtol=1e-12, atol=1e-12)
    dh = rng.standard_normal(h.shape)
    dx, dh0, dWx, dWh, db = rnn.rnn_backward(dh, cache)
    tdx, tdh0, tWi, tWh, tbi, tbh = torch_grads(layer, [out], [dh], [xt, ht])
    for mine, theirs in ((dx, tdx), (dh0, tdh0), (dWx, tWi.T), (dWh, tWh.T), (db, tbi), (db, tbh)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)


def test_reference_lstm_matches_torch(seq):
    rng, x, h0, c0, H = seq
    layer, Wx, Wh, bi, bh = torch_layer(torch.nn.LSTM, x.shape[2], H, 1)
    xt, ht, ct = leaf(x), leaf(h0), leaf(c0)
    out, (hn, cn) = layer(xt, (ht[None], ct[None]))
    h, c, cache = lstm.lstm_forward(x, h0, c0, Wx, Wh, bi + bh)
    np.testing.assert_allclose(h, out.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c[:, -1], cn[0].detach().numpy(), rtol=1e-12, atol=1e-12)
    dh, dcT = rng.standard_normal(h.shape), rng.standard_normal(h0.shape)
    dc = np.zeros_like(c)
    dc[:, -1] = dcT
    dx, dh0, dc0, dWx, dWh, db = lstm.lstm_backward(dh, dc, cache)
    tdx, tdh0, tdc0, tWi, tWh, tbi, tbh = torch_grads(layer, [out, cn[0]], [dh, dcT], [xt, ht, ct])
    for mine, theirs in ((dx, tdx), (dh0, tdh0), (dc0, tdc0), (dWx, tWi.T), (dWh, tWh.T), (db, tbi), (db, tbh)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)


def test_reference_gru_matches_torch(seq):
    rng, x, h0, _, H = seq
    layer, Wx, Wh, bi, bh = torch_layer(torch.nn.GRU, x.shape[2], H, 2)
    xt, ht = leaf(x), leaf(h0)
    out, _ = layer(xt, ht[None])
    h, cache = gru.gru_forward(x, h0, Wx, Wh, bi, bh)
    np.testing.assert_allclose(h, out.detach().numpy(), rtol=1e-12, atol=1e-12)
    dh = rng.standard_normal(h.shape)
    dx, dh0, dWx, dWh, dbx, dbh = gru.gru_backward(dh, cache)
    tdx, tdh0, tWi, tWh, tbi, tbh = torch_grads(layer, [out], [dh], [xt, ht])
    for mine, theirs in ((dx, tdx), (dh0, tdh0), (dWx, tWi.T), (dWh, tWh.T), (dbx, tbi), (dbh, tbh)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cell, cls", [("rnn", torch.nn.RNN), ("gru", torch.nn.GRU), ("lstm", torch.nn.LSTM)])
def test_param_count_matches_torch(cell, cls):
    for D, H in ((3, 5), (10, 20)):
        assert gru.param_count(cell, D, H) == sum(p.numel() for p in cls(D, H).parameters())


# one mutant per named mistake (autograder/checks/misconceptions.py) that applies to this unit
MISCONCEPTIONS = {
    "lstm_step_forward: gates read as i, f, o, g": ("lstm.lstm_step_forward", """
        def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
            H = h_prev.shape[1]
            a = x @ Wx + h_prev @ Wh + b
            i, f, o = (0.5 * (1 + np.tanh(a[:, k * H:(k + 1) * H] / 2)) for k in (0, 1, 2))
            g = np.tanh(a[:, 3 * H:4 * H])
            c_next = f * c_prev + i * g
            tanh_c = np.tanh(c_next)
            h_next = o * tanh_c
            return h_next, c_next, (x.copy(), h_prev.copy(), c_prev.copy(), Wx.copy(), Wh.copy(), i, f, g, o, tanh_c)
    """, "your code reads the four blocks as i,f,o,g"),
    "lstm_step_forward: gates read as f, i, g, o": ("lstm.lstm_step_forward", """
        def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
            H = h_prev.shape[1]
            a = x @ Wx + h_prev @ Wh + b
            f, i, o = (0.5 * (1 + np.tanh(a[:, k * H:(k + 1) * H] / 2)) for k in (0, 1, 3))
            g = np.tanh(a[:, 2 * H:3 * H])
            c_next = f * c_prev + i * g
            tanh_c = np.tanh(c_next)
            h_next = o * tanh_c
            return h_next, c_next, (x.copy(), h_prev.copy(), c_prev.copy(), Wx.copy(), Wh.copy(), i, f, g, o, tanh_c)
    """, "your code reads the four blocks as f,i,g,o"),
    "rnn_step_backward: tanh' taken at the cached output, 1 - tanh(h_next)^2": (
        "rnn.rnn_step_backward", reference_def(UNIT, "rnn", "rnn_step_backward",
                                               {"(1 - h_next**2)": "(1 - np.tanh(h_next) ** 2)"}),
        "the derivative evaluated at the output instead of the input: tanh'(a)", ["rnn_step_backward_matches_reference"]),
    "lstm_step_backward: sigmoid' taken at the cached gates, sigmoid(i) (1 - sigmoid(i))": (
        "lstm.lstm_step_backward", reference_def(UNIT, "lstm", "lstm_step_backward", {
            "i * (1 - i)": "s(i) * (1 - s(i))", "f * (1 - f)": "s(f) * (1 - s(f))", "o * (1 - o)": "s(o) * (1 - s(o))",
            "    dc = dc_next": "    s = lambda a: 0.5 * (1 + np.tanh(a / 2))  # sigmoid, applied again to a gate\n"
                           "    dc = dc_next"}),
        "the derivative evaluated at the output instead of the input: sigmoid'(a)",
        ["lstm_step_backward_matches_reference"]),
    "gru_step_backward: tanh' taken at the cached candidate n, 1 - tanh(n)^2": (
        "gru.gru_step_backward", reference_def(UNIT, "gru", "gru_step_backward", {"(1 - n**2)": "(1 - np.tanh(n) ** 2)"}),
        "the derivative evaluated at the output instead of the input: tanh'(a)", ["gru_step_backward_matches_reference"]),
}


STUB_FORWARDS = {"rnn.rnn_forward": """
        def rnn_forward(x, h0, Wx, Wh, b):
            raise NotImplementedError
    """, "lstm.lstm_forward": """
        def lstm_forward(x, h0, c0, Wx, Wh, b):
            raise NotImplementedError
    """}

FORWARD_ONLY = {  # a forward's bug costs points only in its own checks and those of what composes it
    "rnn step adds 2b": ("rnn.rnn_step_forward", reference_def(UNIT, "rnn", "rnn_step_forward", {
        "h_prev @ Wh + b)": "h_prev @ Wh + 2 * b)"}), ("rnn.rnn_forward",)),
    # cost the correct step and sequence backwards their contracts when those read only the student's cache
    "gru step not implemented (the stub)": ("gru.gru_step_forward", """
        def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
            raise NotImplementedError
    """, ("gru.gru_forward",)),
    # cost the correct backward its training outcome when only the student's forward trained it
    "rnn_forward not implemented (the stub)": ("rnn.rnn_forward", STUB_FORWARDS["rnn.rnn_forward"], ()),
    "rnn step ignores h_prev": ("rnn.rnn_step_forward", reference_def(UNIT, "rnn", "rnn_step_forward", {
        "h_prev @ Wh + b)": "b)"}), ("rnn.rnn_forward",)),
    "lstm_forward not implemented (the stub)": ("lstm.lstm_forward", STUB_FORWARDS["lstm.lstm_forward"], ()),
    "lstm gates in the order i, f, o, g": ("lstm.lstm_step_forward", MUTANTS["lstm gates in the order i, f, o, g"][1],
                                           ("lstm.lstm_forward",)),
}

# the field's common mutants (a constant bias factor, a sign): one score under every id
NARROWING.update({
    "rnn step adds 2b": ("rnn.rnn_step_forward", reference_def(UNIT, "rnn", "rnn_step_forward", {
        "h_prev @ Wh + b)": "h_prev @ Wh + 2 * b)"})),
    "rnn step backward flips the sign of db": ("rnn.rnn_step_backward", reference_def(
        UNIT, "rnn", "rnn_step_backward", {"da.sum(axis=0)": "-da.sum(axis=0)"})),
})


@pytest.mark.parametrize("kind, activation", [("rnn", "tanh"), ("lstm", "sigmoid"), ("lstm", "tanh"),
                                              ("gru", "sigmoid"), ("gru", "tanh")])
def test_at_output_gradients_agree_with_sympys(kind, activation):
    """The complex-step gradients of a backward taking f' at the output equal sympy's (an expression
    whose f differentiates as f'(f(z)), expressions.AT_OUTPUT) on a one-unit step."""
    import functools

    from autograder.checks.expressions import AT_OUTPUT, ArrayKey, apply
    from autograder.keys import unit06_rnn as keys
    from autograder.units.unit06_rnn import ACTIVATIONS

    rng = np.random.default_rng(6)
    states = {"rnn": ("h",), "lstm": ("h", "c"), "gru": ("h",)}[kind]
    params = {"rnn": {"Wx": (1, 1), "Wh": (1, 1), "b": (1,)}, "lstm": {"Wx": (1, 4), "Wh": (1, 4), "b": (4,)},
              "gru": {"Wx": (1, 3), "Wh": (1, 3), "bx": (3,), "bh": (3,)}}[kind]
    inputs = {"x": (1, 1), **{s: (1, 1) for s in states}, **params}
    upstreams = {f"d{i}": (1, 1) for i in range(len(states) if kind == "lstm" else 1)}
    point = {k: rng.normal(size=shape) for k, shape in {**inputs, **upstreams}.items()}
    act = {name: functools.partial(apply, fn) for name, fn in {**ACTIVATIONS, activation: AT_OUTPUT[activation]}.items()}

    def build(**p):
        outputs = keys.CELLS[kind](*(p[k] for k in inputs), act=act)
        return sum(np.sum(p[u] * out) for u, out in zip(upstreams, outputs))

    wrt = list(inputs)
    expected = ArrayKey(build, {**inputs, **upstreams}, wrt=wrt)(**point)[1]
    got = keys.at_output_gradients(kind, point, len(inputs), wrt, activation)
    for k in wrt:
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-12, atol=1e-14, err_msg=k)


# ---------------------------------------------------------------- training outcomes judge the backward
TRAINING = ["rnn_learns_short_dependency", "lstm_learns_long_dependency"]  # 3 + 4 points
WRONG_FORWARDS = {"rnn.rnn_step_forward": FORWARD_ONLY["rnn step ignores h_prev"][1],
                  "lstm.lstm_step_forward": MUTANTS["lstm gates in the order i, f, o, g"][1]}
WRONG_BACKWARDS = {  # a term through time, a path into the cell: each fails every training
    "rnn.rnn_backward": MUTANTS["BPTT keeps only the last step's weight gradients"][1],
    "lstm.lstm_step_backward": MUTANTS["lstm backward ignores the path from h_next into the cell"][1]}
TRAINED = {  # the submission's changes, the score of the two checks
    "stub forwards, correct backwards": (STUB_FORWARDS, 7.0),
    "wrong forwards, correct backwards": (WRONG_FORWARDS, 7.0),
    "correct forwards, wrong backwards": (WRONG_BACKWARDS, 0.0),
    "stub forwards, wrong backwards": ({**STUB_FORWARDS, **WRONG_BACKWARDS}, 0.0),
}


@pytest.mark.parametrize("changes, score", list(TRAINED.values()), ids=list(TRAINED))
def test_training_outcomes_judge_the_backward(tmp_path, changes, score):
    """A forward's bug costs the backward's training outcomes nothing, a backward's bug all their
    points, with a message naming the backward. One id: the trainings are the same under every id
    (test_training_outcomes_same_score_under_10_ids)."""
    report = grade(make_submission(tmp_path, UNIT, changes), UNIT, only=TRAINING)
    assert report.score == score, [(x.name, x.output) for x in report.results]
    unnamed = [r.output for r in report.results if r.status == "failed" and r.exercise.split(".")[1] not in r.output]
    assert not unnamed, "a failure does not name the backward:\n" + "\n".join(unnamed)


ID_DEPENDENT = [  # wrong backwards that train on some data: (description, changes, check, loses its points)
    ("lstm step backward with the g and o blocks of da swapped", {"lstm.lstm_step_backward": reference_def(
        UNIT, "lstm", "lstm_step_backward", {"dc * i * (1 - g**2), dh_next * tanh_c * o * (1 - o)]":
                                             "dh_next * tanh_c * o * (1 - o), dc * i * (1 - g**2)]"})},
     "lstm_learns_long_dependency", True),
    ("lstm BPTT does not carry the cell gradient back", {"lstm.lstm_backward": reference_def(
        UNIT, "lstm", "lstm_backward", {"dc[:, t] + dc_t": "dc[:, t]"})}, "lstm_learns_long_dependency", True),
    ("BPTT drops the gradient flowing back from later steps",  # keeps the 3 (lost in rnn_backward_gradients)
     dict([MUTANTS["BPTT drops the gradient flowing back from later steps"]]), "rnn_learns_short_dependency", False),
]


@pytest.mark.parametrize("changes, check, loses", [v[1:] for v in ID_DEPENDENT], ids=[v[0] for v in ID_DEPENDENT])
def test_training_outcomes_same_score_under_10_ids(tmp_path, changes, check, loses):
    """With the trainings' data and initializations drawn per submission, these kept the points under
    8, 5 and 4 of 12 ids; drawn from training.fixed_rng, each gets one score under every id."""
    scores = scores_under_ids(make_submission(tmp_path, UNIT, changes), UNIT, [check], SUBMISSION_IDS[:10])
    assert len(set(scores.values())) == 1, f"the score depends on the submission id: {scores}"
    assert not loses or set(scores.values()) == {0.0}, scores


# ---------------------------------------------------------------- a failure inside the training loop names its function
FORWARD_FAILS_SECOND_CALL = reference_def(UNIT, "rnn", "rnn_forward", {"def rnn_forward(": "def _rnn_forward("}) + """

_calls = []


def rnn_forward(x, h0, Wx, Wh, b):
    _calls.append(1)
    if len(_calls) == 2:
        FAIL
    return _rnn_forward(x, h0, Wx, Wh, b)
"""
FAILS = {"exits": "import os\n        os._exit(3)", "hangs": "import time\n        time.sleep(10 ** 6)"}


@pytest.mark.parametrize("how", list(FAILS))
def test_a_forward_failing_after_the_backward_returned_in_the_training_loop_is_named_and_given_up_on(tmp_path, how):
    """The driver's loop resolves rnn_forward and rnn_backward first and calls them in turn: the forward
    that exits (or hangs) at its second call is named and given up on, not the backward called before
    it. So where it exits, the training with the reference's forward judges the student's backward and
    the check keeps its 3 points (where it hangs, the time-out ends the check's calls)."""
    path = make_submission(tmp_path, UNIT, {"rnn.rnn_forward": FORWARD_FAILS_SECOND_CALL.replace("FAIL", FAILS[how])})
    result = grade(path, UNIT, only=["rnn_learns_short_dependency"], limits=Limits(call_timeout=2.0)).results[0]
    if how == "exits":
        assert result.score == 3, result.output
    else:
        assert result.score == 0, result.output
        assert result.output.startswith("rnn.rnn_forward did not finish within 2 s"), result.output
    assert "rnn_backward" not in result.output, result.output
