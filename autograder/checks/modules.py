"""Checks on a student's torch objects: tensors returned, Linear-layer stacks, what changed.

The worker exports modules through the ``torch_probe`` driver; these helpers validate the
exported data and turn every problem into feedback that names the student's function or class.
"""
from __future__ import annotations

import numpy as np

from ..context import CheckFailure
from ..sandbox.worker_process import StudentError
from ..sandbox.wire import Tensor
from . import compare

PROBE = "torch_probe"


def as_tensor(array, grad: bool = False) -> Tensor:
    """An array to send as a torch tensor (its dtype is kept: float64 stays float64)."""
    return Tensor(np.asarray(array), requires_grad=grad)


def seed_torch(ctx, seed: int | None = None) -> None:
    """Seed torch's global generator in the worker (module initialization) with ``seed``, by default
    one drawn from the check's ``ctx.rng``."""
    ctx.student.driver("torch_tools", "seed")(int(ctx.rng.integers(2**31)) if seed is None else int(seed))


def parameter_count(weight_shapes) -> int:
    """Scalars in Linear layers of these (out, in) weight shapes, biases included."""
    return sum(o * i + o for o, i in weight_shapes)


def tensor(value, name: str, shape, dtype=None) -> np.ndarray:
    """A torch tensor of exactly ``shape`` (and ``dtype``, a numpy dtype name), finite; as float64."""
    if type(value) is not Tensor:
        raise CheckFailure(f"{name} should be a torch tensor, but it is {compare.describe(value)}")
    if dtype is not None and value.array.dtype != np.dtype(dtype):
        raise CheckFailure(f"{name} has dtype torch.{value.array.dtype} for torch.{dtype} inputs; "
                           "keep the dtype of the inputs (e.g. build constants with torch.ones_like)")
    return compare.array(value.array, name, shape)


def in_worker(call, name: str, doing: str):
    """Run a driver ``call()`` that exercises the student's ``name``; failures name the student's code."""
    try:
        return call()
    except StudentError as exc:
        if exc.error_type == "NotImplementedError":
            raise CheckFailure(f"{name} is not implemented yet (it raises NotImplementedError)") from None
        raise CheckFailure(f"{name}: {doing} failed: {exc}") from None


def vjp(ctx, target: str, args: tuple, upstream: np.ndarray, shape=(), dtype="float64"):
    """The student's ``target(*args)`` and autograd's gradients of ``sum(upstream * out)``.

    Tensors in ``args`` with ``requires_grad`` are differentiated; a missing gradient (the output
    does not depend on that input) is a failure.
    """
    name = target.split(".")[-1]
    out, grads = in_worker(lambda: ctx.student.driver(PROBE, "vjp")(target, args, upstream), name,
                           "backpropagating through your result")
    wrt = [a for a in args if type(a) is Tensor and a.requires_grad]
    result = []
    for i, (g, a) in enumerate(zip(grads, wrt)):
        if g is None:
            raise CheckFailure(f"{name}: the result does not depend on input tensor #{i + 1} through autograd")
        result.append(tensor(g, f"the autograd gradient of {name} for input #{i + 1}", a.array.shape))
    return tensor(out, f"the result of {name}", shape, dtype), result


def linear_stack(ctx, module, shapes, name: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """The module's Linear layers ``[(W, b)]``; their number and shapes must be ``shapes``."""
    return checked_layers(ctx.student.driver(PROBE, "linear_layers")(module), shapes, name)


def checked_layers(layers, shapes, name: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """``layers`` (``[(W, b)]`` from the worker, as ``torch_probe.linear_layers`` gives them) as
    float64 arrays, their number and weight shapes ``shapes``, every bias present; else a CheckFailure."""
    found = [(tuple(w.shape), None if b is None else tuple(b.shape)) for w, b in layers]
    want = [(tuple(w), (w[0],)) for w in shapes]
    if found != want:
        raise CheckFailure(f"{name} should consist of {len(want)} nn.Linear layers (with bias) of weight "
                           f"shapes {[w for w, _ in want]} in this order; found {[w for w, _ in found]}"
                           + ("" if all(b is not None for _, b in found) else " (some without bias)"))
    return [(compare.array(w, f"{name} weight", w.shape), compare.array(b, f"{name} bias", b.shape))
            for w, b in layers]


def architecture(ctx, module, shapes, name: str):
    """Linear-layer shapes and the parameter count of a student module; returns its layers."""
    layers = linear_stack(ctx, module, shapes, name)
    compare.equal(ctx.student.driver("torch_tools", "count_parameters")(module), parameter_count(shapes),
                  f"the number of parameters of {name}")
    return layers


def unchanged(before, after, name: str, what: str) -> None:
    """Nested lists/dicts of arrays ``after`` must equal ``before`` bit for bit."""
    flat_b, flat_a = _flatten(before), _flatten(after)
    if flat_b.keys() != flat_a.keys():
        raise CheckFailure(f"{name} changed the structure of {what}")
    moved = [k for k in flat_b if not _same(flat_b[k], flat_a[k])]
    if moved:
        raise CheckFailure(f"{name} changed {what} ({len(moved)} of {len(flat_b)} tensors, e.g. {moved[0]}); "
                           "it must leave them exactly as they were")


def _flatten(value, prefix="") -> dict:
    if type(value) is dict:
        return {k2: v2 for k, v in value.items() for k2, v2 in _flatten(v, f"{prefix}{k}.").items()}
    if type(value) in (list, tuple):
        return {k2: v2 for i, v in enumerate(value) for k2, v2 in _flatten(v, f"{prefix}{i}.").items()}
    return {prefix.rstrip("."): value}


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return type(a) is np.ndarray and type(b) is np.ndarray and a.shape == b.shape and np.array_equal(a, b)


def sgd_update(before, after, grads, lr: float, name: str, what: str) -> None:
    """``after == before - lr * grads`` for lists of (W, b), within float32 rounding."""
    for i, ((w0, b0), (w1, b1), (gw, gb)) in enumerate(zip(before, after, grads)):
        for label, p0, p1, g in (("weight", w0, w1, gw), ("bias", b0, b1, gb)):
            step = -lr * g
            scale = np.max(np.abs(p0)) + 1e-12
            compare.close(p1 - p0, step, f"the change of {what} (layer {i + 1} {label}) made by {name}",
                          rtol=1e-3, atol=1e-6 * scale + 1e-4 * np.max(np.abs(step)))
