"""Unit 4 answer keys (instructor only): checks that compute an exercise's expected output in numpy.

The two-layer network's forward pass and loss, the SGD step, the RNN's hidden states, and
truncated BPTT (a sum of sympy keys, one per window, started from the hidden states computed
here). They register into the unit's suite; the student release never carries this file.
"""
from __future__ import annotations

import functools

import numpy as np

from autograder.checks import compare
from autograder.checks import upstream as upstream_of
from autograder.units.unit04_backprop import (KEYS, RNN_ARGS, TIGHT, judge_rnn_grads, network_problem, param_dict,
                                              ref_rnn_cache, rnn_key, rnn_problem, student_forward, student_rnn_grads,
                                              suite)


# ---------------------------------------------------------------- two-layer network
def probabilities(X, params):
    z = np.tanh(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
    return 1 / (1 + np.exp(-z))


@suite.check("network.forward", points=2)
def forward_values(ctx):
    X, _, params = network_problem(ctx, n=6, d=3, h=5)
    p, _ = student_forward(ctx, X, params)
    compare.close(p, probabilities(X, params), "p from forward(X, params)", hidden=ctx.hidden)


@suite.check("network.bce_loss", points=2)
def bce_loss_values(ctx):
    bce = ctx.student.network.bce_loss
    for label, targets in (("labels 0 and 1", lambda n: (ctx.rng.uniform(size=(n, 1)) < 0.5).astype(float)),
                           ("soft targets in [0, 1]", lambda n: ctx.rng.uniform(size=(n, 1)))):
        with ctx.case(label):
            p, y = ctx.rng.uniform(0.02, 0.98, (7, 1)), targets(7)
            y[:2] = [[0.0], [1.0]] if label.startswith("labels") else [[0.25], [0.75]]  # both kinds, every draw
            want = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
            compare.close_scalar(bce(p, y), want, "bce_loss(p, y)", hidden=ctx.hidden, **TIGHT)


@suite.check("network.sgd_step", points=2)
def sgd_step_exact(ctx):
    """new = params - lr * grads exactly, as new arrays, leaving the inputs alone."""
    _, _, params = network_problem(ctx)
    grads = {k: ctx.rng.standard_normal(v.shape) for k, v in params.items()}
    lr = float(ctx.rng.uniform(0.01, 1.0))
    with ctx.case("params - lr * grads"):
        new = param_dict(ctx.student.network.sgd_step(params, grads, lr), "sgd_step(params, grads, lr)", params)
        for k in KEYS:
            compare.close(new[k], params[k] - lr * grads[k], f"sgd_step(...)[{k!r}]", rtol=1e-15, atol=1e-15,
                          hidden=ctx.hidden)
    with ctx.case("params and grads are left unchanged", trivial=True):
        if not ctx.student.driver("unit04_backprop", "keeps_inputs")("network.sgd_step", params, grads, lr):
            ctx.fail("sgd_step modified the params or grads dict it was given (or their arrays); return new ones")


# ---------------------------------------------------------------- BPTT
def rnn_states(x, h0, Wx, Wh, b):
    h = [h0]
    for row in x:
        h.append(np.tanh(row @ Wx + h[-1] @ Wh + b))
    return np.array(h[1:])


@suite.check("rnn.rnn_forward", points=2)
def rnn_forward_values(ctx):
    for t, d, h in ((5, 3, 4), (1, 2, 3)):
        with ctx.case(f"T={t}, D={d}, H={h}"):
            args = rnn_problem(ctx, t, d, h)
            out, _ = compare.sequence(ctx.student.rnn.rnn_forward(*(args[k] for k in RNN_ARGS)), "rnn_forward(...)", 2)
            compare.close(out, rnn_states(**args), f"h from rnn_forward (T={t})", hidden=ctx.hidden)


def truncated_key(args: dict, dh: np.ndarray, window: int, exact: bool = False) -> dict:
    """Truncated BPTT as a sum of keys (fast or ``exact``: see FormulaKey): the term at step t is the
    full BPTT of the window of steps ending at t, started from the (constant) hidden state before the window."""
    (t_len, d), h = args["x"].shape, args["h0"].size
    states = np.vstack([args["h0"], rnn_states(**args)])  # states[s] = h[s-1]
    out = {k: np.zeros_like(v) for k, v in args.items()}
    for t in range(t_len):
        start = max(0, t - window + 1)
        upstream = np.zeros((t - start + 1, h))
        upstream[-1] = dh[t]
        _, g = rnn_key(t - start + 1, d, h)(exact, **{**args, "x": args["x"][start:t + 1], "h0": states[start]},
                                            dh=upstream)
        out["x"][start:t + 1] += g["x"]
        out["h0"] += g["h0"] if start == 0 else 0
        for k in ("Wx", "Wh", "b"):
            out[k] += g[k]
    return out


@suite.check("rnn.rnn_backward_truncated", points=3, timeout=60)
def truncated_matches_sympy(ctx):
    """Windows shorter than the sequence: each step's term keyed by sympy over its own window."""
    args, dh = rnn_problem(ctx, 4, 1, 2), ctx.rng.standard_normal((4, 2))
    for window in (1, 2, 3):
        with ctx.case(f"window={window}, T=4"):
            keys = functools.cache(lambda exact: truncated_key(args, dh, window, exact))

            def judge(grads):  # called within this iteration
                judge_rnn_grads(ctx, grads[0], keys, lambda k: f"d{k} from rnn_backward_truncated(dh, cache, {window})")

            upstream_of.judged(ctx, judge, lambda cache: student_rnn_grads(ctx, args, [dh], window, cache),
                               lambda: ref_rnn_cache(ctx, args))
