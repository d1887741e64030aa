"""Unit 6 answer keys (instructor-only): numpy RNN, LSTM and GRU cells unrolled over time, and the
products of the step Jacobians, against which the student's forwards and jacobian_norms are graded."""
from __future__ import annotations

import functools
import itertools

import numpy as np

from ..checks import compare, layer_pairs, misconceptions
from ..units.unit06_rnn import GRAD_SIZES, PAIRS, VALUE_SIZES, configs, suite


def sigmoid(u):
    return 1 / (1 + np.exp(-u))


NUMPY = {"tanh": np.tanh, "sigmoid": sigmoid}


def rnn_cell(x, h, Wx, Wh, b, act=NUMPY):
    """One step of the docstring's cell; ``act`` maps "tanh"/"sigmoid" to elementwise functions
    (numpy's, or complex-step ones for :func:`at_output_gradients`)."""
    return (act["tanh"](x @ Wx + h @ Wh + b),)


def lstm_cell(x, h, c, Wx, Wh, b, act=NUMPY):
    i, f, g, o = np.split(x @ Wx + h @ Wh + b, 4, axis=1)
    c = act["sigmoid"](f) * c + act["sigmoid"](i) * act["tanh"](g)
    return act["sigmoid"](o) * act["tanh"](c), c


def gru_cell(x, h, Wx, Wh, bx, bh, act=NUMPY):
    xr, xz, xn = np.split(x @ Wx + bx, 3, axis=1)
    hr, hz, hn = np.split(h @ Wh + bh, 3, axis=1)
    r, u = act["sigmoid"](xr + hr), act["sigmoid"](xz + hz)
    return ((1 - u) * act["tanh"](xn + r * hn) + u * h,)


CELLS = {"rnn": rnn_cell, "lstm": lstm_cell, "gru": gru_cell}


def unroll(cell, x, states, params):
    """Run ``cell`` over x (N, T, D); each state stacked over time as (N, T, H)."""
    history = []
    for t in range(x.shape[1]):
        states = cell(x[:, t], *states, *params)
        history.append(states)
    return [np.stack(s, axis=1) for s in zip(*history)]


def expected_outputs(spec):
    kind, _, _, states, is_seq = spec

    def expected(pair, values):
        params = [values[k] for k in pair.inputs[1 + len(states):]]
        state = [values[s] for s in states]
        outs = unroll(CELLS[kind], values["x"], state, params) if is_seq else CELLS[kind](values["x"], *state, *params)
        return dict(zip(pair.outputs, outs))

    return expected


def gate_order_mistakes(spec):
    """For an LSTM: the outputs of a forward that reads the four gate blocks in another order than
    the docstring's i, f, g, o (named by checks.misconceptions when a student's output matches one)."""
    if spec[0] != "lstm":
        return None
    expected = expected_outputs(spec)

    def mistakes(pair, values):
        named: dict[str, dict] = {}
        for order in ("".join(p) for p in itertools.permutations("ifgo")):
            if order == "ifgo":
                continue
            # block k is read as gate order[k]: the docstring's cell on blocks moved to where it reads them
            moved = {k: np.concatenate([np.split(v, 4, axis=-1)[order.index(gate)] for gate in "ifgo"], axis=-1)
                     if k in ("Wx", "Wh", "b") else v for k, v in values.items()}
            description = (f"gates in another order: your code reads the four blocks as {','.join(order)}; "
                           "the docstring's order is i,f,g,o")
            for key, value in expected(pair, moved).items():
                named.setdefault(key, {})[description] = value
        return named

    return mistakes


# ---------------------------------------------------------------- derivatives taken at the output
DERIVATIVES = {"tanh": lambda a: 1 - np.tanh(a) ** 2, "sigmoid": lambda a: sigmoid(a) * (1 - sigmoid(a))}
STEP = 1e-30  # the complex step: derivatives exact to rounding (no difference of nearby values)


def derivative_at_output(name: str):
    """``NUMPY[name]`` on complex-step inputs whose derivative is f'(f(z)): the imaginary part is
    carried by f' evaluated at the output a = f(z), as a backward that feeds the cached output to f'
    computes (the mistake :func:`misconceptions.at_output` names)."""
    f, df = NUMPY[name], DERIVATIVES[name]

    def at_output(z):
        a = f(z.real)
        return a + 1j * z.imag * df(a)

    return at_output


def at_output_gradients(kind: str, point: dict, n_inputs: int, wrt, activation: str) -> dict[str, np.ndarray]:
    """The gradients of sum(upstream * output) over the docstring's step with ``activation``'s
    derivative taken at its output, by complex steps (Squire and Trapp 1998, SIAM Review 40(1)):
    ``point`` holds the step's inputs in order, then one upstream gradient per output."""
    act = {**NUMPY, activation: derivative_at_output(activation)}
    names = list(point)
    base = {k: np.asarray(v, dtype=np.complex128) for k, v in point.items()}

    def loss(values):
        outputs = CELLS[kind](*(values[k] for k in names[:n_inputs]), act=act)
        return sum(np.sum(values[u] * out) for u, out in zip(names[n_inputs:], outputs))

    grads = {}
    for key in wrt:
        grads[key] = np.empty(base[key].shape)
        for index in np.ndindex(base[key].shape):
            stepped = base[key].copy()
            stepped[index] += 1j * STEP
            grads[key][index] = loss({**base, key: stepped}).imag / STEP
    return grads


def at_output_mistakes(spec):
    """For a step whose backward goes through activation outputs: the gradients of a backward that
    takes a derivative at the cached output, f'(f(z)) (computed on a failure only)."""
    kind, _, _, _, is_seq = spec
    if is_seq:
        return None

    def mistakes(pair, values, upstream):
        upstreams = {f"d{name}": u for name, u in zip(pair.outputs, pair.split(upstream))}
        point = {**{k: values[k] for k in pair.inputs}, **upstreams}
        named: dict[str, dict] = {}
        for activation in STEP_ACTIVATIONS[kind]:
            grads = functools.cache(lambda a=activation: at_output_gradients(kind, point, len(pair.inputs), pair.wrt, a))
            for key in pair.wrt:
                named.setdefault(key, {}).update(misconceptions.at_output(activation, lambda k=key, g=grads: g()[k]))
        return named

    return mistakes


STEP_ACTIVATIONS = {"rnn": ("tanh",), "lstm": ("sigmoid", "tanh"), "gru": ("sigmoid", "tanh")}


def register(spec):
    kind, fwd, bwd = spec[:3]

    @suite.check(f"{kind}.{fwd}", points=2, name=f"{fwd}_values")
    def forward_values(ctx):
        """Outputs against the equations in the docstring, for each configuration (T = 1 included)."""
        layer_pairs.outputs_match(ctx, configs(ctx, spec, VALUE_SIZES), expected_outputs(spec),
                                  mistakes=gate_order_mistakes(spec))

    @suite.check(f"{kind}.{bwd}", points=2, needs_reference=True, name=f"{bwd}_matches_reference")
    def matches_reference(ctx):
        ref = getattr(ctx.ref, kind)
        layer_pairs.gradients_match_reference(ctx, configs(ctx, spec, GRAD_SIZES), getattr(ref, fwd), getattr(ref, bwd),
                                              mistakes=at_output_mistakes(spec))


for _spec in PAIRS:
    register(_spec)


def step_jacobians(name, Wh, a, h0):
    """Spectral norms of the products of the step Jacobians."""
    f = np.tanh if name == "tanh" else sigmoid
    h, J, out = h0, np.eye(len(h0)), []
    for a_t in a:
        h = f(h @ Wh + a_t)
        slope = 1 - h**2 if name == "tanh" else h * (1 - h)
        J = (slope[:, None] * Wh.T) @ J
        out.append(np.linalg.norm(J, 2))
    return np.array(out)


@suite.check("vanishing.jacobian_norms", points=3, name="jacobian_norms_matrix")
def jacobian_norms_matrix(ctx):
    van = ctx.student.vanishing
    for name, scale in (("tanh", 1.5), ("sigmoid", 4.0)):
        for T in (8, 1):
            with ctx.case(f"{name}, H = 4, T = {T}"):
                H = 4
                Wh = scale * ctx.rng.standard_normal((H, H)) / np.sqrt(H)
                a, h0 = ctx.rng.standard_normal((T, H)), ctx.rng.standard_normal(H)
                compare.close(van.jacobian_norms(Wh, a, h0, name), step_jacobians(name, Wh, a, h0),
                              f"jacobian_norms (H = {H}, T = {T}, {name})", rtol=1e-8, atol=1e-300, hidden=ctx.hidden)
    with ctx.case("an unknown activation raises ValueError", trivial=True):
        compare.raises(lambda: van.jacobian_norms(np.eye(2), np.zeros((3, 2)), np.zeros(2), "relu"),
                       ("ValueError",), "jacobian_norms", "for activation='relu'")
