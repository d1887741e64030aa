"""Unit 6 checks: RNN, LSTM and GRU cells with BPTT, vanishing gradients, clipping, training.

What ships: gradient checks against the student's own forwards, the backward contract, sympy keys
of the formulas the docstrings state, properties and training outcomes. The cells that key
the forward values, the step-Jacobian products and the comparison of backward passes with the
reference (naming a derivative taken at a cached output) are in ``autograder/keys/unit06_rnn.py``.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from .. import drivers
from ..checks import compare, layer_pairs, sequences, tolerances, training
from ..checks import upstream as upstream_of
from ..checks.layer_pairs import Pair
from ..checks.symbolic import Key, symbols
from ..context import CheckFailure
from ..drivers import unit06_rnn as loop
from ..sandbox.worker_process import StudentError
from ..suite import Suite

suite = Suite("unit06_rnn", modules=["rnn", "lstm", "gru", "vanishing", "clipping"],
              title="Recurrent networks: RNN, LSTM, GRU, BPTT, vanishing gradients, clipping",
              drivers=drivers.load("layer_pairs", "unit06_rnn"))
suite.builds_on = {  # a backward is graded through its own forward's cache
    **{f"{kind}.{kind}{part}_backward": (f"{kind}.{kind}{part}_forward",)
       for kind in ("rnn", "lstm", "gru") for part in ("_step", "")},
}
suite.forbid("torch.autograd", "torch.func", "torch.nn", "torch.Tensor.backward", exercises=("*",),
             why="unit 6's cells, their backward passes, Jacobians and clipping are written by hand in numpy")

z = symbols("z")
ACTIVATIONS = {"tanh": sp.tanh, "sigmoid": lambda u: 1 / (1 + sp.exp(-u))}
GATES = {"rnn": 1, "gru": 3, "lstm": 4}
# (N, T, D, H), distinct sizes; every grading covers the T = 1 edge the docstrings name (T >= 1)
VALUE_SIZES = {"N=3, T=5, D=4, H=6": (3, 5, 4, 6), "T = 1 (N=1, D=2, H=3)": (1, 1, 2, 3)}
GRAD_SIZES = {"N=2, T=4, D=3, H=5": (2, 4, 3, 5), "T = 1 (N=2, D=3, H=4)": (2, 1, 3, 4)}
STEP_SIZES = {"N=2, D=3, H=5": (2, 1, 3, 5), "N = 1 (D=4, H=3)": (1, 1, 4, 3)}


# ---------------------------------------------------------------- the six forward/backward pairs
def weights(ctx, kind, D, H):
    G = GATES[kind]
    w = {"Wx": ctx.rng.standard_normal((D, G * H)) / np.sqrt(D),
         "Wh": ctx.rng.standard_normal((H, G * H)) / np.sqrt(H)}
    if kind == "gru":
        return {**w, "bx": 0.5 * ctx.rng.standard_normal(G * H), "bh": 0.5 * ctx.rng.standard_normal(G * H)}
    return {**w, "b": 0.5 * ctx.rng.standard_normal(G * H)}


# kind, forward, backward, state names, sequence?
PAIRS = [("rnn", "rnn_step_forward", "rnn_step_backward", ["h_prev"], False),
         ("rnn", "rnn_forward", "rnn_backward", ["h0"], True),
         ("lstm", "lstm_step_forward", "lstm_step_backward", ["h_prev", "c_prev"], False),
         ("lstm", "lstm_forward", "lstm_backward", ["h0", "c0"], True),
         ("gru", "gru_step_forward", "gru_step_backward", ["h_prev"], False),
         ("gru", "gru_forward", "gru_backward", ["h0"], True)]


def setup(ctx, spec, sizes, label=""):
    """The student's pair for ``spec`` and float64 inputs of ``sizes`` = (N, T, D, H)."""
    kind, fwd, bwd, states, is_seq = spec
    N, T, D, H = sizes
    values = {"x": ctx.rng.standard_normal((N, T, D) if is_seq else (N, D)),
              **{s: 0.5 * ctx.rng.standard_normal((N, H)) for s in states}, **weights(ctx, kind, D, H)}
    module = getattr(ctx.student, kind)
    names = ["h", "c"] if kind == "lstm" else ["h"]
    outputs = {n: (N, T, H) for n in names} if is_seq else {f"{n}_next": (N, H) for n in names}
    return Pair(getattr(module, fwd), getattr(module, bwd), list(values), outputs, label=label), values


def configs(ctx, spec, table):
    """``{label: (pair, values)}`` for every configuration in ``table`` (steps: STEP_SIZES)."""
    table = table if spec[4] else STEP_SIZES
    return {label: setup(ctx, spec, sizes, label) for label, sizes in table.items()}


def register(spec):
    kind, fwd, bwd = spec[:3]

    @suite.check(f"{kind}.{bwd}", points=4, name=f"{bwd}_gradients")
    def gradients(ctx):
        """Finite differences of your own forward along 8 random directions, every input at once, for
        each configuration (T = 1 included); then the backward contract (zero upstream, linearity,
        repeatability, inputs untouched)."""
        layer_pairs.gradients(ctx, configs(ctx, spec, GRAD_SIZES))


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
    with ctx.case("the LSTM has 4/3 the parameters of the GRU (4 gate blocks vs 3)", trivial=True):
        lstm, gru = count("lstm", 7, 9), count("gru", 7, 9)
        if 3 * compare.integer(lstm, "param_count('lstm', ...)") != 4 * compare.integer(gru, "param_count('gru', ...)"):
            ctx.fail(f"param_count gives {lstm} for the LSTM and {gru} for the GRU; their ratio must be 4 / 3")
    with ctx.case("an unknown cell raises ValueError", trivial=True):
        compare.raises(lambda: count("transformer", 3, 4), ("ValueError",), "param_count", "for cell='transformer'")


# ---------------------------------------------------------------- vanishing gradients
def scalar_norms(name, w, a, h0):
    """|dh_t/dh_0|, t = 1..T, of the scalar recurrence h_t = f(w h_{t-1} + a_t): the chain rule's
    product of f'(z_k) * w over k <= t, with f and f' evaluated by sympy keys (the derivative is
    sympy's, compiled once per grader process)."""
    f = Key(ACTIVATIONS[name](z), [z])
    slope = f.diff(z)
    h, product, out = h0, 1.0, []
    for a_t in a:
        pre = w * h + a_t
        product *= float(slope(pre)) * w
        out.append(abs(product))
        h = float(f(pre))
    return np.array(out)


@suite.check("vanishing.jacobian_norms", points=3)
def jacobian_norms_scalar_key(ctx):
    """H = 1: ||dh_t/dh_0|| is |f'(z_1) w ... f'(z_t) w|, for both activations, T = 5 and T = 1."""
    for name in ACTIVATIONS:
        for T in (5, 1):
            with ctx.case(f"{name}, T = {T}"):
                w, a, h0 = float(ctx.rng.uniform(1.0, 3.0)), ctx.rng.uniform(-1, 1, T), float(ctx.rng.uniform(-1, 1))
                expected = scalar_norms(name, w, a, h0)
                got = ctx.student.vanishing.jacobian_norms(np.array([[w]]), a[:, None], np.array([h0]), name)
                compare.close(got, expected, f"jacobian_norms for H = 1, T = {T}, w = {w:.4g}, {name}", rtol=1e-9,
                              atol=1e-300, hidden=ctx.hidden)


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
    with ctx.case("an unknown activation raises ValueError", trivial=True):
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


LONG = (2, 40, 3, 4)  # N, T, D, H: a gradient on the last hidden state only, 40 steps back


def last_step_upstream(ctx):
    N, T, _, H = LONG
    dh = np.zeros((N, T, H))
    dh[:, -1] = ctx.rng.standard_normal((N, H))
    return dh


@suite.check("rnn.rnn_backward", points=1, name="rnn_gradient_vanishes")
def rnn_gradient_vanishes(ctx):
    """tanh RNN with ||Wh|| = 0.9, a gradient on the last of 40 hidden states only: what reaches h0
    is not zero and at most 0.9^40 of it (each step multiplies by diag(tanh') Wh^T)."""
    N, T, D, H = LONG
    x, dh = ctx.rng.standard_normal((N, T, D)), last_step_upstream(ctx)
    Wh = ctx.rng.standard_normal((H, H))
    Wh *= 0.9 / np.linalg.norm(Wh, 2)
    args = (x, np.zeros((N, H)), 0.3 * ctx.rng.standard_normal((D, H)), Wh, np.zeros(H))
    rnn = ctx.student.rnn

    def grads_with(cache):
        if cache is None:
            _, cache = compare.sequence(layer_pairs.OnCopies(rnn.rnn_forward)(*args), "the result of rnn_forward", 2)
        return compare.sequence(layer_pairs.OnCopies(rnn.rnn_backward)(dh, cache), "the result of rnn_backward", 5)

    def judge(grads):
        reached, bound = np.linalg.norm(compare.array(grads[1], "dh0 from rnn_backward", (N, H))), 0.9**T * np.linalg.norm(dh)
        if not 0 < reached <= bound:
            ctx.fail(f"rnn_backward: |dh0| = {reached:.3g} for a gradient on h_40 alone; it must lie in (0, 0.9^{T} * "
                     f"|dh| = {bound:.3g}]")

    upstream_of.judged(ctx, judge, grads_with, lambda: ctx.ref.rnn.rnn_forward(*args)[1])


@suite.check("lstm.lstm_backward", points=2, name="lstm_gradient_survives", false_failure=1e-12)
def lstm_gradient_survives(ctx):
    """The same 40 steps through an LSTM with forget gates near 1 (bias 5) and input gates nearly shut
    (bias -3): the cell state carries well over a tenth of the gradient back to c0.

    Measured on the reference over 3000 submission ids: |dc0| / |dh| = 0.389 +- 0.035, smallest
    0.285; the bar 0.1 is 8.3 standard deviations below the mean (a normal tail of 5e-17; 1e-12
    declared for the shape of the tail)."""
    N, T, D, H = LONG
    x, dh = ctx.rng.standard_normal((N, T, D)), last_step_upstream(ctx)
    b = np.zeros(4 * H)
    b[:H], b[H:2 * H] = -3.0, 5.0
    zeros = np.zeros((N, H))
    args = (x, zeros, zeros, 0.1 * ctx.rng.standard_normal((D, 4 * H)), 0.1 * ctx.rng.standard_normal((H, 4 * H)), b)
    lstm = ctx.student.lstm

    def grads_with(cache):
        if cache is None:
            cache = compare.sequence(layer_pairs.OnCopies(lstm.lstm_forward)(*args), "the result of lstm_forward", 3)[2]
        return compare.sequence(layer_pairs.OnCopies(lstm.lstm_backward)(dh, np.zeros_like(dh), cache),
                                "the result of lstm_backward", 6)

    def judge(grads):
        reached = np.linalg.norm(compare.array(grads[2], "dc0 from lstm_backward", (N, H)))
        if not reached >= 0.1 * np.linalg.norm(dh):
            ctx.fail(f"lstm_backward: |dc0| = {reached:.3g} is below 0.1 * |dh| = {0.1 * np.linalg.norm(dh):.3g}, "
                     "although the forget gates are nearly 1")

    upstream_of.judged(ctx, judge, grads_with, lambda: ctx.ref.lstm.lstm_forward(*args)[2])


# ---------------------------------------------------------------- clipping
def gradient_list(ctx, scale):
    shapes = [(3, 4), (4,), (2, 2, 3)]
    return [scale * ctx.rng.standard_normal(s) for s in shapes]


@suite.check("clipping.clip_grad_norm", points=3)
def clip_grad_norm_values(ctx):
    """The docstring's rule as properties: total_norm is the global norm; above max_norm every gradient
    is scaled by one factor to a global norm of max_norm; at or below it nothing changes."""
    clip = ctx.student.clipping.clip_grad_norm
    for label, scale, max_norm in (("global norm above max_norm", 2.0, 1.5), ("global norm below max_norm", 0.1, 5.0)):
        with ctx.case(label):
            grads = gradient_list(ctx, scale)
            total = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
            got = compare.sequence(clip(grads, max_norm), f"clip_grad_norm (max_norm={max_norm})", 2)
            clipped = compare.sequence(got[0], "the clipped list from clip_grad_norm", len(grads))
            compare.close_scalar(got[1], total, "total_norm from clip_grad_norm", rtol=1e-12, hidden=ctx.hidden)
            factor = max_norm / total if total > max_norm else 1.0
            for i, (g, c) in enumerate(zip(grads, clipped)):
                compare.close(compare.array(c, f"clipped gradient #{i}", g.shape), factor * g,
                              f"clipped gradient #{i} from clip_grad_norm ({label})", rtol=1e-12, atol=0, hidden=ctx.hidden)


@suite.check("clipping.clip_grad_value", points=2)
def clip_grad_value_values(ctx):
    """Entries above clip_value, below -clip_value, inside and exactly at the bounds, in every grading."""
    clip_value = float(ctx.rng.uniform(0.5, 1.5))
    grads = gradient_list(ctx, 2.0)
    grads[1] = np.array([clip_value + 0.5, -clip_value - 0.25, 0.5 * clip_value, clip_value])
    got = compare.sequence(ctx.student.clipping.clip_grad_value(grads, clip_value), "clip_grad_value", len(grads))
    for i, (g, c) in enumerate(zip(grads, got)):
        with ctx.case(f"gradient #{i}" + (" (entries above, below, inside and at the bound)" if i == 1 else "")):
            c = compare.array(c, f"clipped gradient #{i} from clip_grad_value", g.shape)
            compare.close(c, np.minimum(np.maximum(g, -clip_value), clip_value),
                          f"clipped gradient #{i} from clip_grad_value", rtol=0, atol=0, hidden=ctx.hidden, inputs={"grads": g})


# ---------------------------------------------------------------- training outcomes
TASK = {"classes": 2, "noise": 3.0, "batch": 64, "steps": 50, "test": 400}


def train(ctx, rng, cell, length, max_norm=None, forward=None):
    """Train on data and an initialization drawn from ``rng``; returns (the loop's result, held-out
    labels).

    ``cell`` is "rnn" or "lstm" (the student's forward and backward in the worker's driver; no
    clipping) or "linear" (a softmax regression on the first step, the grader's gradients, the
    student's clip_grad_norm). With ``forward`` (the reference's), the same loop runs here instead,
    on that forward and the student's backward called in the worker once per step."""
    x, y = sequences.recall_first(rng, (TASK["steps"], TASK["batch"]), length, TASK["classes"], TASK["noise"])
    x_test, y_test = sequences.recall_first(rng, (TASK["test"],), length, TASK["classes"], TASK["noise"])
    args = (cell, x, y, x_test, TASK["classes"], 16, 0.03, max_norm, 3.0, int(rng.integers(2**31)))
    if forward is None:
        result = ctx.student.driver("unit06_rnn", "train_classifier")(*args)
    else:
        try:
            with np.errstate(all="ignore"):  # a wrong backward's gradients may overflow
                result = loop.fit(forward, students_backward(ctx, cell), None, *args)
        except loop.Malformed as exc:
            raise CheckFailure(str(exc)) from None
    if type(result) is not dict:
        ctx.fail(f"the training loop returned {compare.describe(result)}")
    return result, y_test


def students_backward(ctx, cell):
    """The student's rnn_backward or lstm_backward as :func:`loop.fit` calls it: in the worker, on
    copies of its arguments, its result checked to be a sequence of the documented length."""
    name = f"{cell}_backward"
    backward = layer_pairs.OnCopies(getattr(getattr(ctx.student, cell), name))
    return lambda *args: compare.sequence(backward(*args), f"the result of {name}", 6 if cell == "lstm" else 5)


def accuracy(result, labels, minimum, name):
    predicted = compare.array(result["predictions"], f"the predictions of {name}", labels.shape, kinds="iu")
    return training.accuracy_at_least(predicted, labels, minimum, name)


ATTEMPTS = 4  # trainings on different data and initializations; the check needs one to succeed


def learns(ctx, cell, length, minimum, model):
    """Pass when one of ATTEMPTS trainings of ``model`` (its name) reaches ``minimum`` held-out
    accuracy: a correct backward fails one training now and then (measured below), a wrong one fails
    them all. The trainings' data and initializations are fixed (:func:`training.fixed_rng`), not drawn
    per submission, so a code gets one score under every id. In official grading where the student's
    own forward and backward fail, the same trainings of the reference forward with the student's
    backward passing is enough (:func:`upstream.trained`): the forward's bugs are charged to its own
    checks."""
    forward, backward = f"{cell}_forward", f"{cell}_backward"

    def trainings(reference, name):
        rng = training.fixed_rng()  # the same trainings with either forward
        return training.in_one_of(ATTEMPTS, lambda: accuracy(*train(ctx, rng, cell, length, forward=reference),
                                                             minimum, f"{model} built from {name} ({length} steps)"))

    upstream_of.trained(ctx, lambda: trainings(None, f"{forward} and {backward}"),
                        lambda: trainings(getattr(getattr(ctx.ref, cell), forward),
                                          f"a correct {forward} (the grader's) and your {backward}"),
                        forward, lambda: forward_agrees(ctx, cell, length))


def forward_agrees(ctx, cell, length):
    """Whether the student's rnn_forward or lstm_forward gives the reference's outputs (within
    FLOAT64) on one small input of ``length`` steps."""
    pair, values = setup(ctx, next(spec for spec in PAIRS if spec[1] == f"{cell}_forward"), (2, length, 4, 3))
    reference = upstream_of.reference_of(ctx, pair.forward)
    try:
        got, want = pair.run(values)[0], pair.unpack(reference(*pair.forward_args(values)))[0]
    except (CheckFailure, StudentError):
        return False
    return all(np.all(tolerances.FLOAT64.allows(np.abs(g - w), w)) for g, w in zip(got, want))


@suite.check("rnn.rnn_backward", points=3, timeout=60, name="rnn_learns_short_dependency", false_failure=1e-7)
def rnn_learns_short_dependency(ctx):
    """A classifier on your rnn_forward / rnn_backward recalls the first of 5 symbols: >= 90% held out,
    in one of 4 trainings, the same 4 in every grading (in instructor grading, where your rnn_forward
    is wrong, one on a correct rnn_forward and your rnn_backward).

    The trainings' data and initializations are fixed (training.fixed_rng): drawn per submission, BPTT
    dropping the gradient that flows back from later steps kept the 3 points under 4 of 12 ids (it
    now keeps them under all; rnn_backward_gradients charges it).

    Calibration: the reference reaches 1.0 in each of the 4 trainings, and in each of 500 reruns of
    every one with its gradients perturbed by a relative 1e-12 (a correct backward rounding otherwise;
    200 reruns at 1e-3: 1.0 too). On fresh data (2000 submission ids, one training each) 1 training
    fell below 90% (0.71; the others 0.975 or more): taking a correct backward's 4 trainings as 4
    such draws, all fail with probability below 3e-8 (the 95% upper bound of one training's rate,
    2.4e-3, to the 4th power)."""
    learns(ctx, "rnn", 5, 0.9, "the RNN classifier")


@suite.check("lstm.lstm_backward", points=4, timeout=90, name="lstm_learns_long_dependency", false_failure=1e-7)
def lstm_learns_long_dependency(ctx):
    """A classifier on your lstm_forward / lstm_backward recalls the first of 20 symbols: >= 90% held
    out, in one of 4 trainings, the same 4 in every grading (in instructor grading, where your
    lstm_forward is wrong, one on a correct lstm_forward and your lstm_backward).

    The trainings' data and initializations are fixed (training.fixed_rng): drawn per submission, a step
    backward with the g and o blocks of da swapped kept the 4 points under 8 of 12 ids, a BPTT not
    carrying the cell gradient back under 5 of 12 (1 of 12 with stub forwards); both now lose them
    under every id.

    Calibration: the reference reaches 1.0 in each of the 4 trainings, and in each of 500
    reruns of every one with its gradients perturbed by a relative 1e-12 (a correct backward
    rounding otherwise; 200 reruns at 1e-3: 0.9925 or more). On fresh data (1000 submission ids,
    one training each) 4 trainings fell below 90% (0.53 to 0.79; the others 0.9675 or more): taking
    a correct backward's 4 trainings as 4 such draws, all fail with probability below 1e-8 (the 95%
    upper bound of one training's rate, 1e-2, to the 4th power)."""
    learns(ctx, "lstm", 20, 0.9, "the LSTM classifier")


@suite.check("clipping.clip_grad_norm", points=2, timeout=60, name="clipping_in_training_loop",
             false_failure=1e-6)
def clipping_in_training_loop(ctx):
    """Training with max_norm = 0.05: every applied gradient has norm min(raw norm, 0.05), and the
    clipped steps still train the grader's classifier (a softmax regression on the first step).

    Measured on the reference over 2000 submission ids: held-out accuracy 1.0 every time (the bar
    is 0.9). The held-out inputs at step 1 take two values, one per class, so a failure needs 50
    clipped Adam steps to leave one of two separable points misclassified; 1e-6 is declared from
    that argument (the measurement alone bounds it by 1.5e-3)."""
    result, labels = train(ctx, ctx.rng, "linear", 5, max_norm=0.05)
    steps = TASK["steps"]
    raw = compare.array(result["raw_norms"], "raw gradient norms", (steps,))
    reported = compare.array(result["reported_norms"], "total_norm returned by clip_grad_norm", (steps,))
    compare.close(reported, raw, "total_norm returned by clip_grad_norm at each training step", rtol=1e-9)
    compare.close(compare.array(result["clipped_norms"], "clipped gradient norms", (steps,)),
                  np.minimum(raw, 0.05), "the global norm of the gradients clip_grad_norm returned at each step",
                  rtol=1e-9)
    accuracy(result, labels, 0.9, "a classifier trained with clip_grad_norm(max_norm=0.05)")
