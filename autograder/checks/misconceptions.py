"""Named misconceptions: when a numeric answer is wrong, say *which* common mistake it looks like.

:func:`diagnose` tests the student's wrong answer against transformations of the expected value
that common mistakes produce (a sum where a mean is due, a factor 2, a transpose, a sign flip, an
axis swapped or summed over the wrong axis, a derivative evaluated at the output, a missing bias
gradient, gates in another order, a softmax without the max shift) and returns a hint that names
the mistake, or None. A hint never contains numbers taken from the expected value, and the runner
shows it only where the check's expected values may be shown (visible checks).

:func:`compare.close <autograder.checks.compare.close>` calls it on every failure, so every value
check benefits; a check passes what only it knows as keyword arguments (:data:`CONTEXT`)::

    compare.close(dz, expected, "dz", batch=N, z=z, activation="sigmoid", upstream=dout)
    compare.close(dWx, expected, "dWx", gates="ifgo", gate_axis=1)
    compare.close(probs, expected, "softmax(x)", logits=x)
    compare.close(db, expected, "db", summed=(dout, 0))     # expected = dout.sum(axis=0)
    compare.close(grad, expected, "grad", mistakes={"the L1 penalty's sign ignored": wrong})
    compare.close(dW1, expected, "dW1", mistakes=at_output("tanh", lambda: wrong_dW1))  # computed on a failure

A derivative evaluated at the output applies to every backward through a cached activation output
a = f(z): :func:`at_output` names it for the value such a backward returns (a check computes it,
e.g. with :func:`autograder.checks.expressions.derivative_at_output` in a sympy key).
"""
from __future__ import annotations

import itertools
import re

import numpy as np

CONTEXT = {
    "batch": "the batch size N the answer averages over",
    "z": "the input of an activation whose derivative the answer contains",
    "activation": "'sigmoid' or 'tanh': the activation applied to z",
    "upstream": "the upstream gradient the activation's derivative is multiplied by (default 1)",
    "gates": "the gate order the docstring states, one letter a gate ('ifgo')",
    "gate_axis": "the axis along which the gate blocks are stacked (default -1)",
    "summed": "(array, axis): the answer is array summed over axis",
    "logits": "the input of a softmax (for the missing max shift)",
    "bias": "True where the answer is a bias gradient",
    "mistakes": "{description: the value that mistake produces, or a function computing it}, checked first",
}

PREFIX = "Hint: this looks like "


def check_context(context: dict):
    unknown = set(context) - set(CONTEXT)
    if unknown:
        raise TypeError(f"unknown misconception context {sorted(unknown)}; known: {sorted(CONTEXT)}")


def _fits(actual: np.ndarray, target) -> bool:
    """``actual`` equals ``target`` up to float64 noise (a looser test than any grading level)."""
    target = np.asarray(target, dtype=np.float64)
    if target.shape != actual.shape or not np.all(np.isfinite(target)):
        return False
    scale = float(np.max(np.abs(target))) if target.size else 0.0
    return bool(np.all(np.abs(actual - target) <= 1e-6 * np.abs(target) + 1e-8 * max(1.0, scale)))


def _near(x: float, y: float) -> bool:
    return abs(x - y) <= 1e-6 * max(abs(x), abs(y))


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


_DERIVATIVE = {
    "sigmoid": (_sigmoid, lambda s: s * (1.0 - s)),  # f, f' written in terms of f's output
    "tanh": (np.tanh, lambda t: 1.0 - t ** 2),
}

_BIAS_NAME = re.compile(r"(^|[^a-z])(d?b\d*|d?bias\w*|grad_b\w*)([^a-z]|$)", re.IGNORECASE)


def diagnose(actual, expected, name: str = "", **context) -> str | None:
    """A hint naming the mistake that turns ``expected`` into ``actual``, or None.

    ``actual`` and ``expected`` are arrays (or numbers); ``actual`` may have another shape (a
    transpose, a sum over the wrong axis) or non-finite values (a softmax without the max shift).
    """
    check_context(context)
    try:
        a = np.asarray(actual, dtype=np.float64)
        e = np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if not np.all(np.isfinite(e)) or not e.size:
        return None
    for description, value in (context.get("mistakes") or {}).items():
        if _fits(a, value() if callable(value) else value):
            return f"{PREFIX}{description}."
    if not np.all(np.isfinite(a)):
        logits = context.get("logits")
        if logits is not None and np.max(np.abs(np.asarray(logits, dtype=np.float64))) > 80:
            return (f"{PREFIX}a softmax without the max shift: exp overflows at large logits (giving inf, then "
                    "nan); subtract the largest logit of each row before exponentiating; the result is the same.")
        return None
    if a.shape != e.shape:
        return _shape_hint(a, e, context)
    if np.max(np.abs(e)) == 0:
        return None
    if not np.any(a):
        if context.get("bias") or _BIAS_NAME.search(name):
            return (f"{PREFIX}a missing bias gradient: it is all zeros where it should not be; the bias "
                    "receives the upstream gradient summed over the batch.")
        return None
    hint = (_gate_hint(a, e, context) or _activation_hint(a, context) or _axis_hint(a, e, context)
            or _transpose_hint(a, e) or _factor_hint(a, e, context))
    return hint


def _factor_hint(a: np.ndarray, e: np.ndarray, context: dict) -> str | None:
    """A sign flip, a factor 2, the batch size, or another constant factor."""
    denom = float(np.sum(e * e))
    if denom == 0:
        return None
    r = float(np.sum(a * e)) / denom
    if r == 0 or not _fits(a, r * e):
        return None
    sign, k = (" and the sign is flipped" if r < 0 else ""), abs(r)
    batch = context.get("batch")
    if _near(r, -1.0):
        return f"{PREFIX}a sign flip: every value has the opposite sign (a gradient ascent step, or a minus lost)."
    if batch and batch > 1 and _near(k, batch):
        return (f"{PREFIX}a sum where the mean is due: every value is N (the batch size) times too large; "
                f"divide by N{sign}.")
    if batch and batch > 1 and _near(k, 1.0 / batch):
        return (f"{PREFIX}an extra 1/N: every value is divided by the batch size once too often (a mean where "
                f"a sum is due, or 1/N applied twice){sign}.")
    if _near(k, 2.0):
        return f"{PREFIX}a factor 2 too many (e.g. the 1/2 of a squared error forgotten in its derivative){sign}."
    if _near(k, 0.5):
        return f"{PREFIX}a factor 2 too few (e.g. the derivative of x squared taken as x instead of 2x){sign}."
    if a.size > 1 and k > 1 and _near(k, round(k)):
        return (f"{PREFIX}a sum where the mean is due: every value is the same whole number of times too "
                f"large, as when a 1/N (N a batch size or a dimension) is missing{sign}.")
    if a.size > 1 and k < 1 and _near(1 / k, round(1 / k)):
        return (f"{PREFIX}an extra 1/N: every value is divided by the same whole number once too often "
                f"(a mean where a sum is due){sign}.")
    if a.size > 1:
        return f"{PREFIX}a constant factor: every value is the correct one times the same number{sign}."
    return None


def _transpose_hint(a: np.ndarray, e: np.ndarray) -> str | None:
    if e.ndim == 2 and e.shape[0] == e.shape[1] and _fits(a, e.T):
        return f"{PREFIX}a transpose: your matrix is the transpose of the correct one (check the order in the matmul)."
    if e.ndim > 2:
        for i, j in itertools.combinations(range(e.ndim), 2):
            if e.shape[i] == e.shape[j] and _fits(a, np.swapaxes(e, i, j)):
                return f"{PREFIX}two axes swapped: axes {i} and {j} of your array are exchanged."
    return None


def _shape_hint(a: np.ndarray, e: np.ndarray, context: dict) -> str | None:
    if a.ndim == 2 and e.ndim == 2 and a.shape == e.shape[::-1]:
        if _fits(a, e.T):
            return f"{PREFIX}a transpose: your values are right but transposed (check the order in the matmul)."
        return f"{PREFIX}a transpose: your array has the transposed shape (check the order in the matmul)."
    if a.ndim == e.ndim and sorted(a.shape) == sorted(e.shape) and a.ndim > 2:
        for perm in itertools.permutations(range(e.ndim)):
            if _fits(a, np.transpose(e, perm)):
                return f"{PREFIX}axes in another order: your values are right, but the axes are permuted."
        return None
    if a.size == e.size and _fits(a.reshape(e.shape), e):
        return f"{PREFIX}a missing or extra axis of length 1 (keepdims): your values are right, the shape is not."
    return _axis_hint(a, e, context, shape_differs=True)


def _axis_hint(a: np.ndarray, e: np.ndarray, context: dict, shape_differs: bool = False) -> str | None:
    """The sum over the wrong axis (``summed=(array, axis)``)."""
    summed = context.get("summed")
    if summed is None:
        return None
    source, axis = np.asarray(summed[0], dtype=np.float64), summed[1]
    axis = axis % source.ndim
    for other in range(source.ndim):
        if other == axis:
            continue
        for keepdims in (False, True):
            wrong = source.sum(axis=other, keepdims=keepdims)
            if wrong.shape == a.shape and _fits(a, wrong):
                return f"{PREFIX}a sum over the wrong axis: sum over axis {axis}, not axis {other}."
    total = source.sum()
    if a.size and _fits(a, np.full(a.shape, total)):
        return f"{PREFIX}a sum over every axis: sum over axis {axis} only."
    if a.shape == e.shape and _fits(a, e / source.shape[axis]):
        return f"{PREFIX}a mean where the sum is due: sum over axis {axis}, do not average."
    return None


def _activation_hint(a: np.ndarray, context: dict) -> str | None:
    """A derivative evaluated at the output (sigmoid'(sigmoid(z))) or at the input (z(1 - z))."""
    z, kind = context.get("z"), context.get("activation")
    if z is None or kind not in _DERIVATIVE:
        return None
    f, fprime = _DERIVATIVE[kind]
    z = np.asarray(z, dtype=np.float64)
    upstream = np.asarray(context.get("upstream", 1.0), dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        at_output = upstream * fprime(f(f(z)))
        at_input = upstream * fprime(z)
    if _fits(a, at_output):
        return f"{PREFIX}{_at_output_text(kind)}"
    if _fits(a, at_input):
        return (f"{PREFIX}the output-form derivative applied to the input z: the formula in terms of "
                f"a = {kind}(z) must be given a, not z.")
    return None


def _at_output_text(kind: str) -> str:
    return (f"the derivative evaluated at the output instead of the input: {kind}'(a) with a = {kind}(z) "
            f"applies {kind} twice; use {kind}'(z), which in terms of a is the formula applied to a.")


def at_output(kind: str, value) -> dict:
    """``mistakes=`` naming the derivative of ``kind`` ('sigmoid', 'tanh') evaluated at the output,
    for ``value``: what a backward with that mistake returns (or a function computing it)."""
    return {_at_output_text(kind).rstrip("."): value}


def _gate_hint(a: np.ndarray, e: np.ndarray, context: dict) -> str | None:
    """Gate blocks (LSTM i, f, g, o) stacked in another order."""
    gates = context.get("gates")
    if not gates:
        return None
    axis = context.get("gate_axis", -1) % e.ndim
    n = len(gates)
    if e.shape[axis] % n:
        return None
    blocks = np.split(e, n, axis=axis)
    for perm in itertools.permutations(range(n)):
        if perm == tuple(range(n)):
            continue
        if _fits(a, np.concatenate([blocks[p] for p in perm], axis=axis)):
            order = ",".join(gates[p] for p in perm)
            return (f"{PREFIX}gates in another order: your blocks are stacked as {order}; the docstring's "
                    f"order is {','.join(gates)}.")
    return None


_OVERFLOW = re.compile(r"(\w+)\.(\w+)`? raised a warning: RuntimeWarning: overflow encountered in exp")


def error_hint(text: str) -> str | None:
    """A hint for an error the student's code raised (the worker turns warnings into errors):
    ``exp`` overflowing inside a softmax or a cross-entropy is the missing max shift."""
    m = _OVERFLOW.search(text)
    if not m:
        return None
    where = m.group(2).lower()
    if any(word in where for word in ("softmax", "cross_entropy", "logsumexp", "log_softmax")):
        return (f"{PREFIX}a softmax without the max shift: exp overflows at large logits; subtract the "
                "largest logit of each row before exponentiating (the result is the same).")
    return None
