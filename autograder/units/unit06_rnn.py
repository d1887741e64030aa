"""Unit 6 checks: RNN, LSTM and GRU cells with BPTT, vanishing gradients, clipping, training."""
from __future__ import annotations

import itertools

import numpy as np
import sympy as sp

from .. import drivers
from ..checks import compare, layer_pairs, sequences, training
from ..checks.layer_pairs import Pair
from ..checks.symbolic import Key, symbols
from ..suite import Suite

suite = Suite("unit06_rnn", modules=["rnn", "lstm", "gru", "vanishing", "clipping"],
              title="Recurrent networks: RNN, LSTM, GRU, BPTT, vanishing gradients, clipping",
              drivers=drivers.load("unit06_rnn"))

z = symbols("z")
ACTIVATIONS = {"tanh": sp.tanh, "sigmoid": lambda u: 1 / (1 + sp.exp(-u))}
GATES = {"rnn": 1, "gru": 3, "lstm": 4}
SEQ_SIZES = [(3, 5, 4, 6), (1, 1, 2, 3)]   # (N, T, D, H): distinct sizes, and the T = 1 edge
GRAD_SIZES = (2, 4, 3, 5)


# ---------------------------------------------------------------- the cells, from the docstrings
def sigmoid(u):
    return 1 / (1 + np.exp(-u))


def rnn_cell(x, h, Wx, Wh, b):
    return (np.tanh(x @ Wx + h @ Wh + b),)


def lstm_cell(x, h, c, Wx, Wh, b):
    i, f, g, o = np.split(x @ Wx + h @ Wh + b, 4, axis=1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c


def gru_cell(x, h, Wx, Wh, bx, bh):
    xr, xz, xn = np.split(x @ Wx + bx, 3, axis=1)
    hr, hz, hn = np.split(h @ Wh + bh, 3, axis=1)
    r, u = sigmoid(xr + hr), sigmoid(xz + hz)
    return ((1 - u) * np.tanh(xn + r * hn) + u * h,)


def unroll(cell, x, states, params):
    """Run ``cell`` over x (N, T, D); each state stacked over time as (N, T, H)."""
    history = []
    for t in range(x.shape[1]):
        states = cell(x[:, t], *states, *params)
        history.append(states)
    return [np.stack(s, axis=1) for s in zip(*history)]


# ---------------------------------------------------------------- the six forward/backward pairs
def weights(ctx, kind, D, H):
    G = GATES[kind]
    w = {"Wx": ctx.rng.standard_normal((D, G * H)) / np.sqrt(D),
         "Wh": ctx.rng.standard_normal((H, G * H)) / np.sqrt(H)}
    if kind == "gru":
        return {**w, "bx": 0.5 * ctx.rng.standard_normal(G * H), "bh": 0.5 * ctx.rng.standard_normal(G * H)}
    return {**w, "b": 0.5 * ctx.rng.standard_normal(G * H)}


# kind, module, forward, backward, cell, state names, sequence?
PAIRS = [("rnn", "rnn_step_forward", "rnn_step_backward", rnn_cell, ["h_prev"], False),
         ("rnn", "rnn_forward", "rnn_backward", rnn_cell, ["h0"], True),
         ("lstm", "lstm_step_forward", "lstm_step_backward", lstm_cell, ["h_prev", "c_prev"], False),
         ("lstm", "lstm_forward", "lstm_backward", lstm_cell, ["h0", "c0"], True),
         ("gru", "gru_step_forward", "gru_step_backward", gru_cell, ["h_prev"], False),
         ("gru", "gru_forward", "gru_backward", gru_cell, ["h0"], True)]


def setup(ctx, spec, sizes):
    """The student's pair for ``spec`` and float64 inputs of ``sizes`` = (N, T, D, H)."""
    kind, fwd, bwd, _, states, is_seq = spec
    N, T, D, H = sizes
    values = {"x": ctx.rng.standard_normal((N, T, D) if is_seq else (N, D)),
              **{s: 0.5 * ctx.rng.standard_normal((N, H)) for s in states}, **weights(ctx, kind, D, H)}
    module = getattr(ctx.student, kind)
    names = ["h", "c"] if kind == "lstm" else ["h"]
    outputs = {n: (N, T, H) for n in names} if is_seq else {f"{n}_next": (N, H) for n in names}
    return Pair(getattr(module, fwd), getattr(module, bwd), list(values), outputs,
                drop_cache=ctx.student.driver("unit06_rnn", "without_cache")), values


def expected_outputs(spec, pair, values):
    _, _, _, cell, states, is_seq = spec
    params = [values[k] for k in pair.inputs[1 + len(states):]]
    state = [values[s] for s in states]
    outs = unroll(cell, values["x"], state, params) if is_seq else cell(values["x"], *state, *params)
    return dict(zip(pair.outputs, outs))


def gate_order_mistakes(spec, pair, values) -> dict | None:
    """For an LSTM: the outputs of a forward that reads the four gate blocks in another order than
    the docstring's i, f, g, o (named by checks.misconceptions when a student's output matches one)."""
    if spec[0] != "lstm":
        return None
    mistakes: dict[str, dict] = {}
    for order in ("".join(p) for p in itertools.permutations("ifgo")):
        if order == "ifgo":
            continue
        # block k is read as gate order[k]: the docstring's cell on blocks moved to where it reads them
        moved = {k: np.concatenate([np.split(v, 4, axis=-1)[order.index(gate)] for gate in "ifgo"], axis=-1)
                 if k in ("Wx", "Wh", "b") else v for k, v in values.items()}
        description = (f"gates in another order: your code reads the four blocks as {','.join(order)}; "
                       "the docstring's order is i,f,g,o")
        for key, value in expected_outputs(spec, pair, moved).items():
            mistakes.setdefault(key, {})[description] = value
    return mistakes


def register(spec):
    kind, fwd, bwd = spec[:3]

    @suite.check(f"{kind}.{fwd}", points=2, name=f"{fwd}_values")
    def forward_values(ctx):
        """Outputs against the equations in the docstring, on two sets of sizes (one with T = 1)."""
        for sizes in SEQ_SIZES:
            pair, values = setup(ctx, spec, sizes)
            layer_pairs.outputs_match(ctx, pair, values, expected_outputs(spec, pair, values),
                                      mistakes=gate_order_mistakes(spec, pair, values))

    @suite.check(f"{kind}.{bwd}", points=3, name=f"{bwd}_gradient_check")
    def gradient_check(ctx):
        """Finite differences of your own forward along 8 random directions, every input at once."""
        layer_pairs.gradient_check(*setup(ctx, spec, GRAD_SIZES), rng=ctx.rng)

    @suite.check(f"{kind}.{bwd}", points=1, name=f"{bwd}_contract")
    def contract(ctx):
        layer_pairs.backward_contract(*setup(ctx, spec, GRAD_SIZES), rng=ctx.rng)

    @suite.check(f"{kind}.{bwd}", points=2, needs_reference=True, name=f"{bwd}_matches_reference")
    def matches_reference(ctx):
        pair, values = setup(ctx, spec, GRAD_SIZES)
        ref = getattr(ctx.ref, kind)
        layer_pairs.gradients_match_reference(ctx, pair, getattr(ref, fwd), getattr(ref, bwd), values)


for _spec in PAIRS:
    register(_spec)


@suite.check("gru.param_count", points=2)
def param_counts(ctx):
    """Counted from the shapes of torch's weight_ih, weight_hh, bias_ih and bias_hh."""
    count = ctx.student.gru.param_count
    for D, H in ((3, 5), (10, 20), (1, 1)):
        for cell, G in GATES.items():
            with ctx.case(f"{cell} with input_size={D}, hidden_size={H}"):
                shapes = [(G * H, D), (G * H, H), (G * H,), (G * H,)]
                compare.equal(count(cell, D, H), int(sum(np.prod(s) for s in shapes)),
                              f"param_count({cell!r}, {D}, {H})")
    with ctx.case("the LSTM has 4/3 the parameters of the GRU (4 gate blocks vs 3)"):
        lstm, gru = count("lstm", 7, 9), count("gru", 7, 9)
        if 3 * compare.integer(lstm, "param_count('lstm', ...)") != 4 * compare.integer(gru, "param_count('gru', ...)"):
            ctx.fail(f"param_count gives {lstm} for the LSTM and {gru} for the GRU; their ratio must be 4 / 3")
    with ctx.case("an unknown cell raises ValueError"):
        compare.raises(lambda: count("transformer", 3, 4), ("ValueError",), "param_count", "for cell='transformer'")


# ---------------------------------------------------------------- vanishing gradients
def scalar_key(name, w, a):
    """Keys for dh_t/dh_0, t = 1..T, of the scalar recurrence h_t = f(w h_{t-1} + a_t): the chain
    rule's product of f'(z_k) * w over k <= t, with f' and each z_k(h_0) built by sympy."""
    f, h0 = ACTIVATIONS[name], symbols("h0")
    slope = sp.diff(f(z), z)
    h, product, keys = h0, sp.Integer(1), []
    for a_t in a:
        pre = sp.Float(w) * h + sp.Float(a_t)
        product = product * slope.subs(z, pre) * sp.Float(w)
        keys.append(Key(product, [h0]))
        h = f(pre)
    return keys


@suite.check("vanishing.jacobian_norms", points=3)
def jacobian_norms_scalar_key(ctx):
    """H = 1: ||dh_t/dh_0|| is |f'(z_1) w ... f'(z_t) w|, for both activations."""
    for name in ACTIVATIONS:
        with ctx.case(name):
            w, a, h0 = float(ctx.rng.uniform(1.0, 3.0)), ctx.rng.uniform(-1, 1, 5), float(ctx.rng.uniform(-1, 1))
            expected = np.abs([float(k(h0)) for k in scalar_key(name, w, a)])
            got = ctx.student.vanishing.jacobian_norms(np.array([[w]]), a[:, None], np.array([h0]), name)
            compare.close(got, expected, f"jacobian_norms for H = 1, w = {w:.4g}, {name}", rtol=1e-9,
                          atol=1e-300, hidden=ctx.hidden)


def step_jacobians(name, Wh, a, h0):
    """Spectral norms of the products of the step Jacobians, in the grader (numpy)."""
    f = np.tanh if name == "tanh" else sigmoid
    h, J, out = h0, np.eye(len(h0)), []
    for a_t in a:
        z_t = h @ Wh + a_t
        h = f(z_t)
        slope = 1 - h**2 if name == "tanh" else h * (1 - h)
        J = (slope[:, None] * Wh.T) @ J
        out.append(np.linalg.norm(J, 2))
    return np.array(out)


@suite.check("vanishing.jacobian_norms", points=3, name="jacobian_norms_matrix")
def jacobian_norms_matrix(ctx):
    van = ctx.student.vanishing
    for name, scale in (("tanh", 1.5), ("sigmoid", 4.0)):
        with ctx.case(name):
            H = 4
            Wh = scale * ctx.rng.standard_normal((H, H)) / np.sqrt(H)
            a, h0 = ctx.rng.standard_normal((8, H)), ctx.rng.standard_normal(H)
            compare.close(van.jacobian_norms(Wh, a, h0, name), step_jacobians(name, Wh, a, h0),
                          f"jacobian_norms (H = {H}, T = 8, {name})", rtol=1e-8, atol=1e-300, hidden=ctx.hidden)
    with ctx.case("an unknown activation raises ValueError"):
        compare.raises(lambda: van.jacobian_norms(np.eye(2), np.zeros((3, 2)), np.zeros(2), "relu"),
                       ("ValueError",), "jacobian_norms", "for activation='relu'")


@suite.check("vanishing.decay_rate_bound", points=2)
def decay_rate_bound_values(ctx):
    """gamma = ||Wh||_2 * max f', the maximum of sympy's derivative over a grid through 0."""
    bound = ctx.student.vanishing.decay_rate_bound
    for name, f in ACTIVATIONS.items():
        with ctx.case(name):
            Wh = ctx.rng.standard_normal((5, 5))
            top = float(np.max(Key(sp.diff(f(z), z), [z])(np.linspace(-8, 8, 161))))
            compare.close_scalar(bound(Wh, name), np.linalg.norm(Wh, 2) * top, f"decay_rate_bound(Wh, {name!r})",
                                 rtol=1e-10, hidden=ctx.hidden)
    with ctx.case("an unknown activation raises ValueError"):
        compare.raises(lambda: bound(np.eye(2), "relu"), ("ValueError",), "decay_rate_bound", "for activation='relu'")


@suite.check("vanishing.jacobian_norms", points=2, name="geometric_decay_below_one")
def geometric_decay(ctx):
    """With gamma = ||Wh|| * max|f'| < 1, ||dh_t/dh_0|| <= gamma^t for every t (here T = 30)."""
    for name, top in (("tanh", 1.0), ("sigmoid", 0.25)):
        with ctx.case(name):
            Wh = ctx.rng.standard_normal((6, 6))
            gamma = float(ctx.rng.uniform(0.5, 0.95))
            Wh *= gamma / (top * np.linalg.norm(Wh, 2))
            a, h0 = ctx.rng.standard_normal((30, 6)), ctx.rng.standard_normal(6)
            norms = compare.array(ctx.student.vanishing.jacobian_norms(Wh, a, h0, name),
                                  f"jacobian_norms ({name})", (30,))
            bound = gamma ** np.arange(1, 31)
            if np.any(norms > bound * (1 + 1e-9)) or np.any(norms <= 0):
                t = int(np.argmax((norms > bound * (1 + 1e-9)) | (norms <= 0))) + 1
                ctx.fail(f"jacobian_norms ({name}) gave {norms[t - 1]:.4g} at t = {t}; with gamma = {gamma:.4g} "
                         f"it must lie in (0, gamma^t = {bound[t - 1]:.4g}]")


@suite.check("lstm.lstm_backward", points=2, name="lstm_gradient_outlives_rnn")
def lstm_gradient_outlives_rnn(ctx):
    """The same 40-step inputs, a gradient on the last hidden state only: what reaches step 0?

    RNN with ||Wh|| = 0.9 (tanh): at most 0.9^40 of it. LSTM with forget gates near 1 (bias 5)
    and input gates nearly shut (bias -3): the cell state carries well over a tenth of it back.
    """
    N, T, D, H = 2, 40, 3, 4
    x = ctx.rng.standard_normal((N, T, D))
    dh = np.zeros((N, T, H))
    dh[:, -1] = ctx.rng.standard_normal((N, H))
    size = np.linalg.norm(dh)
    Wh = ctx.rng.standard_normal((H, H))
    Wh *= 0.9 / np.linalg.norm(Wh, 2)
    with ctx.case("rnn_backward: the gradient reaching h0 vanishes"):
        rnn = ctx.student.rnn
        _, cache = compare.sequence(rnn.rnn_forward(x, np.zeros((N, H)), 0.3 * ctx.rng.standard_normal((D, H)), Wh,
                                                    np.zeros(H)), "the result of rnn_forward", 2)
        grads = compare.sequence(rnn.rnn_backward(dh, cache), "the result of rnn_backward", 5)
        reached = np.linalg.norm(compare.array(grads[1], "dh0 from rnn_backward", (N, H)))
        if not reached <= 0.9**T * size:
            ctx.fail(f"rnn_backward: |dh0| = {reached:.3g} exceeds 0.9^{T} * |dh| = {0.9**T * size:.3g}")
    with ctx.case("lstm_backward: the cell state carries the gradient back"):
        b = np.zeros(4 * H)
        b[:H], b[H:2 * H] = -3.0, 5.0
        zeros = np.zeros((N, H))
        out = compare.sequence(ctx.student.lstm.lstm_forward(x, zeros, zeros, 0.1 * ctx.rng.standard_normal((D, 4 * H)),
                                                             0.1 * ctx.rng.standard_normal((H, 4 * H)), b),
                               "the result of lstm_forward", 3)
        grads = compare.sequence(ctx.student.lstm.lstm_backward(dh, np.zeros_like(dh), out[2]),
                                 "the result of lstm_backward", 6)
        reached = np.linalg.norm(compare.array(grads[2], "dc0 from lstm_backward", (N, H)))
        if not reached >= 0.1 * size:
            ctx.fail(f"lstm_backward: |dc0| = {reached:.3g} is below 0.1 * |dh| = {0.1 * size:.3g}, although "
                     "the forget gates are nearly 1")


# ---------------------------------------------------------------- clipping
def gradient_list(ctx, scale):
    shapes = [(3, 4), (4,), (2, 2, 3)]
    return [scale * ctx.rng.standard_normal(s) for s in shapes]


@suite.check("clipping.clip_grad_norm", points=3)
def clip_grad_norm_values(ctx):
    clip = ctx.student.clipping.clip_grad_norm
    for label, scale, max_norm in (("global norm above max_norm", 2.0, 1.5), ("below max_norm", 0.1, 5.0)):
        with ctx.case(label):
            grads = gradient_list(ctx, scale)
            total = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
            factor = min(1.0, max_norm / total)
            got = compare.sequence(clip(grads, max_norm), f"clip_grad_norm (max_norm={max_norm})", 2)
            clipped = compare.sequence(got[0], "the clipped list from clip_grad_norm", len(grads))
            compare.close_scalar(got[1], total, "total_norm from clip_grad_norm", rtol=1e-12, hidden=ctx.hidden)
            for i, (g, c) in enumerate(zip(grads, clipped)):
                compare.close(c, factor * g, f"clipped gradient #{i} from clip_grad_norm ({label})", rtol=1e-12,
                              atol=0, hidden=ctx.hidden)


@suite.check("clipping.clip_grad_value", points=2)
def clip_grad_value_values(ctx):
    grads = gradient_list(ctx, 2.0)
    clip_value = float(ctx.rng.uniform(0.5, 1.5))
    got = compare.sequence(ctx.student.clipping.clip_grad_value(grads, clip_value), "clip_grad_value", len(grads))
    for i, (g, c) in enumerate(zip(grads, got)):
        compare.close(c, np.clip(g, -clip_value, clip_value), f"clipped gradient #{i} from clip_grad_value",
                      rtol=0, atol=0, hidden=ctx.hidden, inputs={"grads": g})


# ---------------------------------------------------------------- training outcomes
TASK = {"classes": 2, "noise": 3.0, "batch": 64, "steps": 50, "test": 400}


def train(ctx, cell, length, max_norm=1.0):
    """Train through the driver on grader-drawn data; returns (driver result, held-out labels)."""
    x, y = sequences.recall_first(ctx.rng, (TASK["steps"], TASK["batch"]), length, TASK["classes"], TASK["noise"])
    x_test, y_test = sequences.recall_first(ctx.rng, (TASK["test"],), length, TASK["classes"], TASK["noise"])
    result = ctx.student.driver("unit06_rnn", "train_classifier")(
        cell, x, y, x_test, TASK["classes"], 16, 0.03, max_norm, 3.0, int(ctx.rng.integers(2**31)))
    if type(result) is not dict:
        ctx.fail(f"the training loop returned {compare.describe(result)}")
    return result, y_test


def accuracy(result, labels, minimum, name):
    predicted = compare.array(result["predictions"], f"the predictions of {name}", labels.shape, kinds="iu")
    return training.accuracy_at_least(predicted, labels, minimum, name)


@suite.check("rnn.rnn_backward", points=3, timeout=60, name="rnn_learns_short_dependency")
def rnn_learns_short_dependency(ctx):
    """A classifier on your rnn_forward / rnn_backward recalls the first of 5 symbols: >= 90% held out."""
    result, labels = train(ctx, "rnn", 5)
    accuracy(result, labels, 0.9, "the RNN classifier built from rnn_forward and rnn_backward (5 steps)")


@suite.check("lstm.lstm_backward", points=4, timeout=60, name="lstm_beats_rnn_on_long_dependency")
def lstm_beats_rnn_on_long_dependency(ctx):
    """20 steps, same data budget: the LSTM reaches 90% and beats the vanilla RNN by 0.2 or more."""
    lstm_result, labels = train(ctx, "lstm", 20)
    lstm_acc = accuracy(lstm_result, labels, 0.9, "the LSTM classifier built from lstm_forward and lstm_backward")
    rnn_result, rnn_labels = train(ctx, "rnn", 20)
    rnn_acc = accuracy(rnn_result, rnn_labels, 0.0, "the RNN classifier built from rnn_forward and rnn_backward")
    if lstm_acc < rnn_acc + 0.2:
        ctx.fail(f"lstm_backward: on the 20-step task the LSTM reached {lstm_acc:.3f} and the vanilla RNN "
                 f"{rnn_acc:.3f}; the LSTM must lead by at least 0.2 (check rnn_backward and lstm_backward)")


@suite.check("clipping.clip_grad_norm", points=2, timeout=60, name="clipping_in_training_loop")
def clipping_in_training_loop(ctx):
    """RNN training with max_norm = 0.05: every applied gradient has norm min(raw norm, 0.05)."""
    result, labels = train(ctx, "rnn", 5, max_norm=0.05)
    steps = TASK["steps"]
    raw = compare.array(result["raw_norms"], "raw gradient norms", (steps,))
    reported = compare.array(result["reported_norms"], "total_norm returned by clip_grad_norm", (steps,))
    compare.close(reported, raw, "total_norm returned by clip_grad_norm at each training step", rtol=1e-9)
    compare.close(compare.array(result["clipped_norms"], "clipped gradient norms", (steps,)),
                  np.minimum(raw, 0.05), "the global norm of the gradients clip_grad_norm returned at each step",
                  rtol=1e-9)
    accuracy(result, labels, 0.9, "the RNN classifier trained with clip_grad_norm(max_norm=0.05)")
