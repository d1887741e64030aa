"""Gradient checks in float64, batched so each costs a couple of worker round trips.

- :func:`directional`: central differences of the forward along k Gaussian directions
  (``h = 1e-5 * max(1, |x|)`` per entry), each compared with the claimed gradient within a tight
  relative tolerance; after a failure, per-entry differences on a sample localize the error.
- :func:`adjoint`: the exact test ``<F x, y> == <x, F^T y>`` for maps linear in an argument.
- :func:`backward_contract`: zero upstream gives zero gradients, linear in the upstream gradient,
  repeatable; :func:`backward_contract_cases` credits each as a case (a constant passes only the
  trivial ones).
- :func:`varying`: wraps a forward so that a constant forward pass fails the gradient check (it
  leaves nothing to check a gradient against).

``forward`` arguments are *batched*: a function from a list of input dicts to a list of output
arrays (see :func:`batched`), so all perturbed evaluations travel in one request.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..context import CheckFailure, make_figure
from . import compare

EPS = np.finfo(np.float64).eps
Forward = Callable[[list[dict]], list[np.ndarray]]


def all_zero(arrays) -> bool:
    """Whether every array is all zeros (what a function returning a constant gives): a zero gradient
    of a constant loss passes a finite-difference check, so such a case counts only with others."""
    return all(not np.any(np.asarray(a)) for a in arrays)


def batched(fn, order: list[str], shape, name: str, select: Callable | None = None,
            fixed: dict | None = None) -> Forward:
    """Adapt a student function to the batched forward the checks use.

    ``order`` names the positional arguments; ``fixed`` supplies keyword arguments; ``select``
    picks the differentiated output from what the function returns (e.g. ``lambda r: r[0]``).
    """
    def forward(points: list[dict]) -> list[np.ndarray]:
        outs = fn.map([tuple(p[k] for k in order) for p in points], **(fixed or {}))
        return [compare.array(select(o) if select else o, name, shape) for o in outs]

    return forward


def steps(x: np.ndarray) -> np.ndarray:
    return 1e-5 * np.maximum(1.0, np.abs(x))


def directional(forward: Forward, inputs: dict[str, np.ndarray], grads: dict[str, np.ndarray],
                upstream: np.ndarray, *, rng: np.random.Generator, name: str, k: int = 8,
                rtol: float = 1e-6) -> None:
    """Check ``grads`` (the claimed gradients of ``sum(upstream * forward(inputs))``)."""
    wrt = list(grads)
    for key in wrt:
        grads[key] = compare.array(grads[key], f"the gradient d{key} from {name}", inputs[key].shape)
    dirs = [{key: steps(inputs[key]) * rng.standard_normal(inputs[key].shape) for key in wrt} for _ in range(k)]
    points = []
    for d in dirs:
        points += [{**inputs, **{key: inputs[key] + d[key] for key in wrt}},
                   {**inputs, **{key: inputs[key] - d[key] for key in wrt}}]
    outs = forward(points)
    failures = []
    for i, d in enumerate(dirs):
        plus, minus = outs[2 * i], outs[2 * i + 1]
        numeric = (np.sum(upstream * plus) - np.sum(upstream * minus)) / 2
        claimed = sum(float(np.sum(grads[key] * d[key])) for key in wrt)
        floor = 1e3 * EPS * float(np.sum(np.abs(upstream) * (np.abs(plus) + np.abs(minus))))
        err = abs(numeric - claimed)
        if err > rtol * max(abs(numeric), abs(claimed)) + floor:
            failures.append(err / max(abs(numeric), abs(claimed), floor))
    if failures:
        lines = [f"{name}: the gradient does not match finite differences of the forward pass.",
                 f"Along {len(failures)} of {k} random directions the directional derivative is off "
                 f"(worst relative error {max(failures):.2g}; allowed {rtol:g})."]
        figures: list[dict] = []
        lines += localize(forward, inputs, grads, upstream, rng, figures=figures)
        failure = CheckFailure("\n".join(lines))
        failure.figures += figures
        raise failure


def localize(forward: Forward, inputs, grads, upstream, rng, budget: int = 64,
             figures: list | None = None) -> list[str]:
    """Per-entry central differences on every entry (or a sample of ``budget`` entries when
    there are more); the worst few, as feedback lines. ``figures`` receives, per input, the error
    per checked entry (for the HTML report's heat map; entries not checked are blank)."""
    picks = [(key, i) for key in grads for i in range(inputs[key].size)]
    if len(picks) > budget:
        picks = [picks[int(j)] for j in sorted(rng.choice(len(picks), budget, replace=False))]
    points = []
    for key, i in picks:
        h = float(steps(inputs[key]).flat[i])
        for sign in (1, -1):
            x = inputs[key].copy()
            x.flat[i] += sign * h
            points.append({**inputs, key: x})
    outs = forward(points)
    rows = []
    finite = {key: np.full(inputs[key].shape, np.nan) for key in grads}
    for j, (key, i) in enumerate(picks):
        h = float(steps(inputs[key]).flat[i])
        numeric = float(np.sum(upstream * outs[2 * j]) - np.sum(upstream * outs[2 * j + 1])) / (2 * h)
        finite[key].flat[i] = numeric
        claimed = float(grads[key].flat[i])
        err = abs(numeric - claimed)
        if err > 1e-5 * max(abs(numeric), abs(claimed), 1e-8):
            index = tuple(int(v) for v in np.unravel_index(i, inputs[key].shape))
            rows.append((err, f"  d{key}{list(index)}: yours {claimed:.6g}, finite differences {numeric:.6g}"))
    if figures is not None:
        figures += [make_figure("error", f"d{key}: yours against finite differences of your forward", True,
                                actual=grads[key], expected=finite[key]) for key in grads]
    if not rows:
        return [f"None of {len(picks)} sampled entries was off by itself; the error may be spread thinly."]
    rows.sort(reverse=True)
    return ["Worst entries checked one at a time:"] + [text for _, text in rows[:5]]


def adjoint(apply: Callable, apply_t: Callable, x: np.ndarray, y: np.ndarray, *, name: str,
            rtol: float = 1e-12) -> None:
    """For ``F`` linear in ``x``: ``<F x, y> == <x, F^T y>`` up to rounding (no step size)."""
    fx, fty = apply(x), apply_t(y)
    lhs, rhs = float(np.sum(fx * y)), float(np.sum(x * fty))
    scale = max(float(np.sum(np.abs(fx * y))), float(np.sum(np.abs(x * fty))), 1e-300)
    if abs(lhs - rhs) > rtol * scale * max(1.0, np.sqrt(x.size) / 10):
        raise CheckFailure(f"{name}: the backward pass is not the adjoint (transpose) of the forward pass: "
                           f"<F(x), y> = {lhs:.12g} but <x, backward(y)> = {rhs:.12g}")


def backward_contract(backward: Callable[[list[np.ndarray]], list[tuple]], upstream_shape, *,
                      rng: np.random.Generator, name: str) -> None:
    """Zero upstream gives zeros; linear in the upstream gradient; two calls agree. One round trip.

    ``backward`` maps a list of upstream gradients to a list of tuples of validated gradients.
    """
    g1, g2 = rng.standard_normal(upstream_shape), rng.standard_normal(upstream_shape)
    a, b = 0.7, -1.3
    zero, r1, r2, mix, again = backward([np.zeros(upstream_shape), g1, g2, a * g1 + b * g2, g1])
    for i, z in enumerate(zero):
        if np.any(z != 0):
            raise CheckFailure(f"{name}: with a zero upstream gradient, gradient #{i + 1} should be all "
                               f"zeros, but its largest entry is {np.max(np.abs(z)):.3g}")
    for i, (x1, x2, m, r) in enumerate(zip(r1, r2, mix, again)):
        scale = np.abs(a * x1) + np.abs(b * x2) + 1e-300
        if np.any(np.abs(m - (a * x1 + b * x2)) > 1e-9 * scale + 1e-12):
            raise CheckFailure(f"{name}: gradient #{i + 1} is not linear in the upstream gradient "
                               "(backward(a*g1 + b*g2) != a*backward(g1) + b*backward(g2))")
        if not np.array_equal(x1, r):
            raise CheckFailure(f"{name}: two calls with the same arguments returned different gradient #{i + 1}")


def varying(forward: Forward, name: str) -> Forward:
    """``forward`` (batched), failing when every perturbed input gave the same output: a constant
    forward pass leaves nothing to check a gradient against."""
    def wrapped(points):
        outs = forward(points)
        if all(np.array_equal(o, outs[0]) for o in outs[1:]):
            raise CheckFailure(f"{name}: the forward pass gave the same output for every perturbed input, so there "
                               "is no gradient to check it against")
        return outs
    return wrapped


def backward_contract_cases(ctx, backward: Callable[[list[np.ndarray]], list[tuple]], upstream_shape,
                            name: str) -> None:
    """:func:`backward_contract` as three cases of ``ctx`` (one round trip): zero upstream gives
    zeros and two calls agree (trivial cases: a constant passes them), linear in the upstream
    gradient and not identically zero."""
    g1, g2 = ctx.rng.standard_normal(upstream_shape), ctx.rng.standard_normal(upstream_shape)
    a, b = 0.7, -1.3
    outs = {}
    with ctx.case("zero upstream gradient gives zero gradients", trivial=True):
        outs = dict(zip(("zero", "g1", "g2", "mix", "again"),
                        backward([np.zeros(upstream_shape), g1, g2, a * g1 + b * g2, g1])))
        for i, z in enumerate(outs["zero"]):
            if np.any(z != 0):
                ctx.fail(f"{name}: with a zero upstream gradient, gradient #{i + 1} should be all zeros, but its "
                         f"largest entry is {np.max(np.abs(z)):.3g}")
    if not outs:
        return
    with ctx.case("linear in the upstream gradient"):
        if not any(np.any(x != 0) for x in outs["g1"]):
            ctx.fail(f"{name}: a random upstream gradient gave all-zero gradients")
        for i, (x1, x2, m) in enumerate(zip(outs["g1"], outs["g2"], outs["mix"])):
            scale = np.abs(a * x1) + np.abs(b * x2) + 1e-300
            if np.any(np.abs(m - (a * x1 + b * x2)) > 1e-9 * scale + 1e-12):
                ctx.fail(f"{name}: gradient #{i + 1} is not linear in the upstream gradient "
                         "(backward(a*g1 + b*g2) != a*backward(g1) + b*backward(g2))")
    with ctx.case("two calls with the same arguments agree", trivial=True):
        for i, (x1, r) in enumerate(zip(outs["g1"], outs["again"])):
            if not np.array_equal(x1, r):
                ctx.fail(f"{name}: two calls with the same arguments returned different gradient #{i + 1}")
