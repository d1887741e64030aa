"""Checks for a layer written as a forward/backward pair that passes a cache (CS231n style).

``forward(*args) -> (out_1, ..., out_k, cache)`` (or ``(out, cache)``) and ``backward(d_out_1, ...,
d_out_k, cache) -> gradients``. The loss the backward differentiates is ``sum_j sum(d_out_j *
out_j)``; the checks flatten and concatenate the outputs so one upstream vector covers all of them.

A :class:`Pair` names every input (``values`` is a dict of them) and says how they are laid out:
``args`` is the layout of the forward's positional arguments and ``grads`` the layout of what the
backward returns, each a structure of input names -- a name (one array), a tuple/list (a sequence)
or a dict (a dict with those keys), nested as deep as needed::

    Pair(lstm.lstm_forward, lstm.lstm_backward, inputs=["x", "h0", "c0", "Wx", "Wh", "b"],
         outputs={"h": (N, T, H), "c": (N, T, H)})                      # tuples in input order
    Pair(cnn.cnn_forward, cnn.cnn_backward, inputs=["x", "W1", "b1", "W2", "b2"],
         args=("x", {"W1": "W1", "b1": "b1", "W2": "W2", "b2": "b2"}),
         grads={k: k for k in ("x", "W1", "b1", "W2", "b2")}, outputs={"scores": (N, M)})
    Pair(layers.max_pool_forward, layers.max_pool_backward, inputs=["x", "pool_size", "stride"],
         wrt=["x"], grads="x", outputs={"out": (N, C, Ho, Wo)})          # dx returned bare

Each grading check is then one line per exercise, over a table ``{label: (pair, values)}`` of the
configurations the docstring names (one case each, the label in every failure):

- :func:`outputs_match`: the forward's outputs against values the grader computed (keys only),
  and its inputs untouched;
- :func:`gradients`: the backward against central differences of the student's own forward,
  plus the backward contract (zero upstream gives zeros, linear in the upstream gradient,
  repeatable, inputs untouched) as trivial cases, with the reference forward's cache where the
  student's forward fails;
- :func:`adjoint`: for a forward linear in some inputs, the exact adjoint test;
- :func:`gradients_match_reference`: the backward against the reference's.

When the suite loads the ``layer_pairs`` driver, the student's functions are called on copies of
their arguments (so an in-place slip costs the "inputs untouched" cases only, which call them
directly), and perturbed forwards send no caches back.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..context import CheckFailure
from ..sandbox.session import Function
from ..sandbox.worker_process import StudentError
from . import compare
from . import gradients as grad_checks
from . import upstream as upstream_of

DRIVER = "layer_pairs"


# ---------------------------------------------------------------- layouts
def fill(layout, values: dict):
    """The structure ``layout`` with each name replaced by its value."""
    if isinstance(layout, str):
        return values[layout]
    if isinstance(layout, dict):
        return {key: fill(sub, values) for key, sub in layout.items()}
    return tuple(fill(sub, values) for sub in layout)


def leaves(layout, path: str = "") -> list[tuple[str, str]]:
    """``(name, how the student sees it)`` for each name in ``layout``: ``dx``, ``grads['W1']``."""
    if isinstance(layout, str):
        return [(layout, path or f"d{layout}")]
    if isinstance(layout, dict):
        return [leaf for key, sub in layout.items() for leaf in leaves(sub, f"{path or 'grads'}[{key!r}]")]
    return [leaf for sub in layout for leaf in leaves(sub, path and f"{path}[...]")]


def read(layout, value, what: str) -> dict:
    """``{name: value}`` from a result laid out as ``layout``; CheckFailure when it is not."""
    if isinstance(layout, str):
        return {layout: value}
    if isinstance(layout, dict):
        if type(value) is not dict or set(value) != set(layout):
            keys = f" with keys {sorted(map(str, value))}" if type(value) is dict else ""
            raise CheckFailure(f"{what} should be a dict with keys {sorted(layout)}, but it is "
                               f"{compare.describe(value)}{keys}")
        return {k: v for key, sub in layout.items() for k, v in read(sub, value[key], f"{what}[{key!r}]").items()}
    parts = compare.sequence(value, what, len(layout))
    return {k: v for sub, part in zip(layout, parts) for k, v in read(sub, part, what).items()}


# ---------------------------------------------------------------- the pair
@dataclass
class Pair:
    """A student's forward/backward pair; ``wrt`` (default: every input) names the gradients.

    ``args`` (default: ``inputs`` in order) and ``grads`` (default: ``wrt`` in order) are layouts,
    see the module docstring. ``label`` names the configuration in failure messages.
    ``drop_cache`` is accepted for older callers and no longer needed.
    """

    forward: Function
    backward: Function
    inputs: list[str]
    outputs: dict[str, tuple]
    wrt: list[str] | None = None
    args: object = None
    grads: object = None
    label: str = ""
    drop_cache: object = None

    def __post_init__(self):
        self.wrt = list(self.wrt or self.inputs)
        self.args = tuple(self.inputs) if self.args is None else self.args
        self.grads = tuple(self.wrt) if self.grads is None else self.grads
        self.fname = self.forward.target.split(".")[-1]
        self.bname = self.backward.target.split(".")[-1]
        self.names = dict(leaves(self.grads))
        self.copies = DRIVER in getattr(self.forward.session, "drivers", {})

    @property
    def size(self) -> int:
        return sum(int(np.prod(shape)) for shape in self.outputs.values())

    def where(self) -> str:
        return f" ({self.label})" if self.label else ""

    def forward_args(self, values: dict) -> tuple:
        args = fill(self.args, values)
        return args if isinstance(args, tuple) else (args,)

    # -------------------------------------------------------- calls (on copies where possible)
    def _map(self, fn: Function, arg_lists: list, drop_cache: bool = False, direct: bool = False) -> list:
        """``fn`` on each argument tuple, on copies of the arguments; ``direct``: called as it is
        first (so the public test vectors record the call), on copies only if it modified an input."""
        if direct or not self.copies:
            try:
                return fn.map(arg_lists)
            except StudentError as exc:
                if not self.copies or exc.kind != "mutation":
                    raise
        helper = "call_without_cache" if drop_cache else "call"
        driver = Function(fn.session, f"driver:{DRIVER}.{helper}")
        extra = (len(self.outputs),) if drop_cache else ()
        try:
            return driver.map([(fn.target, *extra, *a) for a in arg_lists])
        except StudentError as exc:  # name the student's function, not the helper
            raise StudentError(str(exc).replace(f"driver:{DRIVER}.{helper}", fn.target), exc.kind,
                               exc.error_type) from None

    def unpack(self, result) -> tuple[list[np.ndarray], object]:
        """Validated outputs and the cache from what the forward returned."""
        parts = compare.sequence(result, f"the result of {self.fname}{self.where()}", len(self.outputs) + 1)
        outs = [compare.array(v, f"{key} from {self.fname}{self.where()}", shape)
                for v, (key, shape) in zip(parts, self.outputs.items())]
        return outs, parts[-1]

    def run(self, values: dict, direct: bool = False) -> tuple[list[np.ndarray], object]:
        """The forward's validated outputs and its cache at ``values``."""
        (result,) = self._map(self.forward, [self.forward_args(values)], direct=direct)
        return self.unpack(result)

    def outputs_at(self, points: list[dict]) -> list[list[np.ndarray]]:
        """The forward's outputs at each point (one round trip, no caches sent back)."""
        return [self.unpack(r)[0] for r in self._map(self.forward, [self.forward_args(p) for p in points], True)]

    def split(self, flat: np.ndarray) -> list[np.ndarray]:
        """A flat upstream vector cut into one upstream gradient per output."""
        cuts = np.cumsum([int(np.prod(s)) for s in self.outputs.values()])[:-1]
        return [part.reshape(shape) for part, shape in zip(np.split(flat, cuts), self.outputs.values())]

    def read_grads(self, answer, values: dict) -> dict[str, np.ndarray]:
        got = read(self.grads, answer, f"the result of {self.bname}{self.where()}")
        return {k: compare.array(got[k], f"{self.names[k]} from {self.bname}{self.where()}", np.shape(values[k]))
                for k in self.wrt}

    def grads_at(self, values: dict, flat_upstreams: list[np.ndarray], direct: bool = False,
                 cache=None) -> list[dict[str, np.ndarray]]:
        """The student's gradients for each flat upstream (one forward, one batch of backwards), given
        ``cache`` (default: the student's forward's)."""
        if cache is None:
            _, cache = self.run(values, direct)
        answers = self._map(self.backward, [(*self.split(g), cache) for g in flat_upstreams], direct=direct)
        return [self.read_grads(answer, values) for answer in answers]

    grads_for = grads_at

    def flat_forward(self, reference=None) -> grad_checks.Forward:
        """The batched forward of :mod:`gradients`, returning the outputs flattened and joined: of
        ``reference`` (an :class:`upstream.Reference`) if given, else of the student's forward."""
        if reference is None:
            return lambda points: [np.concatenate([o.ravel() for o in outs]) for outs in self.outputs_at(points)]
        return lambda points: [np.concatenate([o.ravel() for o in self.unpack(r)[0]])
                               for r in reference.map([self.forward_args(p) for p in points])]

    def reference_cache(self, reference, values: dict):
        """The cache of the reference's forward at ``values``."""
        return self.unpack(reference(*self.forward_args(values)))[1]

    def readable(self, ctx, values: dict, call, own=None):
        """``call(cache)`` with the cache of the student's forward at ``values`` (``own()``; default: the
        forward on copies) or, in official grading where that fails (the forward raises, the backward
        cannot read its cache), the reference forward's (:func:`upstream.readable`). For what a correct
        backward does with any cache it reads (a contract, an error it raises), not for its values."""
        reference = upstream_of.reference_of(ctx, self.forward)
        own = own or (lambda: self.run(values)[1])
        return upstream_of.readable(ctx, lambda cache: call(own() if cache is None else cache),
                                    lambda: self.reference_cache(reference, values))


Configs = dict  # {label: (Pair, values)}


class OnCopies:
    """A student function called on copies of its arguments (when the suite loads the driver), so
    that a check other than "inputs untouched" does not fail on an argument modified in place."""

    def __init__(self, fn: Function):
        self.fn, self.target = fn, fn.target
        self.copies = DRIVER in getattr(fn.session, "drivers", {})

    def map(self, arg_lists, **kwargs) -> list:
        if not self.copies or kwargs:
            return self.fn.map(arg_lists, **kwargs)
        driver = Function(self.fn.session, f"driver:{DRIVER}.call")
        try:
            return driver.map([(self.target, *a) for a in arg_lists])
        except StudentError as exc:
            raise StudentError(str(exc).replace(f"driver:{DRIVER}.call", self.target), exc.kind,
                               exc.error_type) from None

    def __call__(self, *args):
        return self.map([args])[0]


def _attempt(fn):
    """``(result, None)``, or ``(None, the failure)`` to re-raise inside each case it decides."""
    try:
        return fn(), None
    except (CheckFailure, StudentError) as exc:
        return None, exc


# ---------------------------------------------------------------- checks over a table of configurations
def outputs_match(ctx, configs: Configs, expected, mistakes=None, **tol) -> None:
    """Each configuration's outputs against ``expected(pair, values) -> {output: array}``; the forward
    leaves its inputs untouched (the first configuration, called directly: the backward's contract
    reads the reference forward's cache where the student's forward fails, so it is charged here).

    ``mistakes(pair, values) -> {output: {named mistake: the value it produces}}`` (or None): a
    wrong output that matches one is told so (see :mod:`checks.misconceptions`).
    """
    for label, (pair, values) in configs.items():
        with ctx.case(label):
            outs, _ = pair.run(values, direct=True)
            want = expected(pair, values)
            named = (mistakes(pair, values) if mistakes else None) or {}
            for key, got in zip(pair.outputs, outs):
                hint = {"mistakes": named[key]} if key in named else {}
                compare.close(got, want[key], f"{key} from {pair.fname} ({label})", hidden=ctx.hidden, **tol, **hint)
    label, (pair, values) = next(iter(configs.items()))
    with ctx.case(f"inputs untouched, {label}", trivial=True):
        pair.forward(*pair.forward_args(values))  # called directly: the worker reports an argument modified in place


def gradients(ctx, configs: Configs, *, k: int = 8, contract: str | None = None) -> None:
    """Finite differences of the forward along ``k`` Gaussian directions, one case per configuration
    (of the reference's forward in official grading, with the student's cache and then the reference
    forward's, see :mod:`upstream`; of the student's own in the self-check); then the backward
    contract at configuration ``contract`` (default: the first) as trivial cases, which count only
    beside a passed finite-difference case."""
    for label, (pair, values) in configs.items():
        reference = upstream_of.reference_of(ctx, pair.forward)
        upstream = ctx.rng.standard_normal(pair.size)
        seed = int(ctx.rng.integers(2**32))  # the directions, the same for either cache

        def check(cache=None):
            answer = pair.grads_at(values, [upstream], cache=cache)[0]
            grad_checks.directional(pair.flat_forward(reference), values, answer, upstream,
                                    rng=np.random.default_rng(seed), name=f"{pair.bname} ({label})", k=k)
            return answer

        answer, failure = _attempt(check)
        # all-zero gradients agree with a constant forward: trivial, like the answer of a constant
        zero = answer is not None and all(not np.any(g) for g in answer.values())
        with ctx.case(f"finite differences, {label}", trivial=zero), upstream_of.blame(reference or pair.forward):
            upstream_of.retry_with(failure, reference and (lambda: check(pair.reference_cache(reference, values))))
    label = contract or next(iter(configs))
    backward_contract_cases(ctx, *configs[label], label)


def backward_contract_cases(ctx, pair: Pair, values: dict, label: str) -> None:
    """Zero upstream gives zeros; linear in the upstream gradient; repeatable; inputs untouched. With
    the student's forward's cache, or the reference's where that fails (:meth:`Pair.readable`)."""
    rng, n = ctx.rng, pair.size
    g1, g2, a, b = rng.standard_normal(n), rng.standard_normal(n), 0.7, -1.3
    answers, failure = _attempt(lambda: pair.readable(ctx, values, lambda cache: pair.grads_at(
        values, [np.zeros(n), g1, g2, a * g1 + b * g2, g1], cache=cache)))
    name = f"{pair.bname} ({label})"
    with ctx.case(f"zero upstream gives zero gradients, {label}", trivial=True):
        if failure:
            raise failure
        for key, z in answers[0].items():
            if np.any(z != 0):
                ctx.fail(f"{name}: with a zero upstream gradient, {pair.names[key]} should be all zeros, but its "
                         f"largest entry is {np.max(np.abs(z)):.3g}")
    with ctx.case(f"linear in the upstream gradient, {label}", trivial=True):
        if failure:
            raise failure
        for key in pair.wrt:
            x1, x2, m = answers[1][key], answers[2][key], answers[3][key]
            if np.any(np.abs(m - (a * x1 + b * x2)) > 1e-9 * (np.abs(a * x1) + np.abs(b * x2)) + 1e-12):
                ctx.fail(f"{name}: {pair.names[key]} is not linear in the upstream gradient "
                         "(backward(a*g1 + b*g2) != a*backward(g1) + b*backward(g2))")
    with ctx.case(f"two calls agree, {label}", trivial=True):
        if failure:
            raise failure
        for key in pair.wrt:
            if not np.array_equal(answers[1][key], answers[4][key]):
                ctx.fail(f"{name}: two calls with the same arguments returned different {pair.names[key]}")
    with ctx.case(f"inputs untouched, {label}", trivial=True):
        # called directly: the worker reports an argument modified in place
        pair.readable(ctx, values, lambda cache: pair.backward(*pair.split(g1), cache),
                      own=lambda: pair.unpack(pair.forward(*pair.forward_args(values)))[1])


def adjoint(ctx, configs: Configs, linear: dict[str, tuple[str, ...]]) -> None:
    """For a forward linear in input ``key`` once the inputs ``linear[key]`` are zero (e.g.
    ``{"x": ("b",), "w": ("b",), "b": ("x",)}`` for a convolution): ``<F u, y> == <u, F^T y>``
    exactly, with ``F^T y`` the student's gradient. One case per configuration and input. ``F`` is
    the reference's forward in official grading (the backward with the student's cache, then the
    reference forward's; see :mod:`upstream`), the student's own in the self-check."""
    for label, (pair, values) in configs.items():
        reference = upstream_of.reference_of(ctx, pair.forward)
        y = ctx.rng.standard_normal(pair.size)
        points = {key: ctx.rng.standard_normal(np.shape(values[key])) for key in linear}
        outs, failure = _attempt(lambda: pair.flat_forward(reference)(
            [{**values, **{z: np.zeros(np.shape(values[z])) for z in zeroed}, key: points[key]}
             for key, zeroed in linear.items()]))
        # one backward call per cache (the student's own, the reference forward's) for all inputs
        grads_with = upstream_of.once_per_cache(lambda cache: pair.grads_at(values, [y], cache=cache)[0])

        for i, key in enumerate(linear):
            def judge(got, i=i, key=key):
                grad_checks.adjoint(lambda _: outs[i], lambda _: got[key], points[key], y,
                                    name=f"{pair.bname} ({pair.names[key]}, {label})")

            with ctx.case(f"{pair.names[key]}, {label}"), upstream_of.blame(reference or pair.forward,
                                                                             "The forward here is"):
                if outs is None:
                    raise failure
                upstream_of.judged(ctx, judge, grads_with, lambda: pair.reference_cache(reference, values))


def gradients_match_reference(ctx, configs, ref_forward, ref_backward, values: dict | None = None, mistakes=None,
                              **tol) -> None:
    """The backward against the reference's on the same inputs: one case per configuration and
    gradient. Catches a forward and backward that are wrong in the same way (self-consistent).

    ``mistakes(pair, values, upstream) -> {gradient: {named mistake: the value it produces, or a
    function computing it}}`` (or None): a wrong gradient that matches one is told so.

    (Older form: ``gradients_match_reference(ctx, pair, ref_forward, ref_backward, values)``.)
    """
    if isinstance(configs, Pair):
        configs = {configs.label or "inputs": (configs, values)}
    for label, (pair, vals) in configs.items():
        upstream = ctx.rng.standard_normal(pair.size)
        *_, cache = ref_forward(*pair.forward_args(vals))
        expected = read(pair.grads, ref_backward(*pair.split(upstream), cache), "the reference")
        got, failure = _attempt(lambda: pair.grads_at(vals, [upstream])[0])
        again = []  # the gradients with the reference forward's cache, computed once if needed (see upstream)
        named = (mistakes(pair, vals, upstream) if mistakes else None) or {}
        for key in pair.wrt:
            def compared(grads, key=key):
                compare.close(grads[key], np.asarray(expected[key], dtype=np.float64),
                              f"{pair.names[key]} from {pair.bname} ({label})", hidden=ctx.hidden,
                              mistakes=named.get(key, {}), **tol)

            def with_reference_cache(compared=compared):
                again[:] = again or [pair.grads_at(vals, [upstream], cache=cache)[0]]
                compared(again[0])

            with ctx.case(f"{pair.names[key]}, {label}"):
                upstream_of.retry_with(failure or _attempt(lambda: compared(got))[1], with_reference_cache)


# ---------------------------------------------------------------- the single-configuration forms (older callers)
def gradient_check(pair: Pair, values: dict, *, rng: np.random.Generator, k: int = 8) -> None:
    """The backward against central differences of the student's own forward, k directions."""
    upstream = rng.standard_normal(pair.size)
    (grads,) = pair.grads_at(values, [upstream])
    grad_checks.directional(pair.flat_forward(), values, grads, upstream, rng=rng, name=pair.bname, k=k)


def backward_contract(pair: Pair, values: dict, *, rng: np.random.Generator) -> None:
    """Zero upstream gives zeros, linear in the upstream gradients, repeatable (raises)."""
    grad_checks.backward_contract(
        lambda gs: [tuple(g[k] for k in pair.wrt) for g in pair.grads_at(values, gs)],
        (pair.size,), rng=rng, name=pair.bname)
