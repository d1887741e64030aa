"""Checks for a layer written as a forward/backward pair that passes a cache (CS231n style).

``forward(*inputs) -> (out_1, ..., out_k, cache)`` and ``backward(d_out_1, ..., d_out_k, cache)
-> (d_input_1, ...)``, one gradient per differentiated input, in order. The loss the backward
differentiates is ``sum_j sum(d_out_j * out_j)``; the checks flatten and concatenate the outputs
so one upstream vector covers all of them::

    pair = Pair(ctx.student.lstm.lstm_forward, ctx.student.lstm.lstm_backward,
                inputs=["x", "h0", "c0", "Wx", "Wh", "b"], outputs={"h": (N, T, H), "c": (N, T, H)})
    layer_pairs.gradient_check(pair, values, rng=ctx.rng)

A student's cache can be large; with ``drop_cache`` (a driver function ``(target, count, *args)``
that calls the forward inside the worker and returns its outputs followed by None, e.g.
``drivers/unit06_rnn.py``'s ``without_cache``) the many perturbed forwards send no caches back.
Every check costs a few round trips: one forward for the cache, one batch of backward calls, one
batch of perturbed forwards.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import compare, gradients


@dataclass
class Pair:
    """A student's forward/backward pair; ``wrt`` (default: every input) names the gradients.

    ``drop_cache``: optional driver function, see the module docstring.
    """

    forward: object
    backward: object
    inputs: list[str]
    outputs: dict[str, tuple]
    wrt: list[str] | None = None
    drop_cache: object = None

    def __post_init__(self):
        self.wrt = list(self.wrt or self.inputs)
        self.fname = self.forward.target.split(".")[-1]
        self.bname = self.backward.target.split(".")[-1]

    @property
    def size(self) -> int:
        return sum(int(np.prod(shape)) for shape in self.outputs.values())

    def unpack(self, result) -> tuple[list[np.ndarray], object]:
        """Validated outputs and the cache from what the forward returned."""
        parts = compare.sequence(result, f"the result of {self.fname}", len(self.outputs) + 1)
        outs = [compare.array(v, f"{key} from {self.fname}", shape)
                for v, (key, shape) in zip(parts, self.outputs.items())]
        return outs, parts[-1]

    def split(self, flat: np.ndarray) -> list[np.ndarray]:
        """A flat upstream vector cut into one upstream gradient per output."""
        cuts = np.cumsum([int(np.prod(s)) for s in self.outputs.values()])[:-1]
        return [part.reshape(shape) for part, shape in zip(np.split(flat, cuts), self.outputs.values())]

    def grads(self, values: dict, flat_upstreams: list[np.ndarray]) -> list[dict[str, np.ndarray]]:
        """The student's gradients for each flat upstream (one forward, one batch of backwards)."""
        _, cache = self.unpack(self.forward(*(values[k] for k in self.inputs)))
        answers = self.backward.map([(*self.split(g), cache) for g in flat_upstreams])
        out = []
        for answer in answers:
            parts = compare.sequence(answer, f"the result of {self.bname}", len(self.wrt))
            out.append({k: compare.array(v, f"d{k} from {self.bname}", values[k].shape)
                        for k, v in zip(self.wrt, parts)})
        return out

    def flat_forward(self) -> gradients.Forward:
        """The batched forward of :mod:`gradients`, returning the outputs flattened and joined."""
        def forward(points: list[dict]) -> list[np.ndarray]:
            args = [tuple(p[k] for k in self.inputs) for p in points]
            if self.drop_cache is None:
                results = self.forward.map(args)
            else:
                results = self.drop_cache.map([(self.forward.target, len(self.outputs), *a) for a in args])
            return [np.concatenate([o.ravel() for o in self.unpack(r)[0]]) for r in results]

        return forward


def outputs_match(ctx, pair: Pair, values: dict, expected: dict[str, np.ndarray],
                  mistakes: dict[str, dict[str, np.ndarray]] | None = None, **tol) -> None:
    """Each output of the forward equals the grader's value (one case per output).

    ``mistakes``: output -> {named mistake: the value it produces} (see checks.misconceptions).
    """
    outs, _ = pair.unpack(pair.forward(*(values[k] for k in pair.inputs)))
    for key, got in zip(pair.outputs, outs):
        with ctx.case(f"{key} from {pair.fname}"):
            named = {"mistakes": mistakes[key]} if mistakes and key in mistakes else {}
            compare.close(got, expected[key], f"{key} from {pair.fname}", hidden=ctx.hidden, **tol, **named)


def gradient_check(pair: Pair, values: dict, *, rng: np.random.Generator, k: int = 8) -> None:
    """The backward against central differences of the student's own forward, k directions."""
    upstream = rng.standard_normal(pair.size)
    (grads,) = pair.grads(values, [upstream])
    gradients.directional(pair.flat_forward(), values, grads, upstream, rng=rng, name=pair.bname, k=k)


def backward_contract(pair: Pair, values: dict, *, rng: np.random.Generator) -> None:
    """Zero upstream gives zeros, linear in the upstream gradients, repeatable."""
    gradients.backward_contract(
        lambda gs: [tuple(g[k] for k in pair.wrt) for g in pair.grads(values, gs)],
        (pair.size,), rng=rng, name=pair.bname)


def gradients_match_reference(ctx, pair: Pair, ref_forward, ref_backward, values: dict, **tol) -> None:
    """The backward against the reference's backward on the same inputs (one case per gradient).

    Catches a forward and backward that are wrong in the same way (self-consistent).
    """
    upstream = ctx.rng.standard_normal(pair.size)
    *_, cache = ref_forward(*(values[k] for k in pair.inputs))
    expected = ref_backward(*pair.split(upstream), cache)
    (grads,) = pair.grads(values, [upstream])
    for key, want in zip(pair.wrt, expected):
        with ctx.case(f"d{key}"):
            compare.close(grads[key], want, f"d{key} from {pair.bname}", hidden=ctx.hidden, **tol)
