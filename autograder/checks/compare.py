"""Validate what student code returned, then compare it with what the grader computed.

Stages run in order and stop at the first problem: type -> dtype -> shape -> finite -> values.
Messages read like ``torch.testing.assert_close``'s, in the student's terms, and never show an
expected value when the check is hidden.
"""
from __future__ import annotations

import numpy as np

from ..context import CheckFailure
from ..sandbox.worker_process import StudentError
from ..sandbox.wire import Handle, Tensor

RTOL = {np.dtype("float64"): 1e-7, np.dtype("float32"): 1e-4}
ATOL = {np.dtype("float64"): 1e-9, np.dtype("float32"): 1e-6}


def describe(value) -> str:
    if type(value) is np.ndarray:
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if type(value) is Tensor:
        return f"a tensor of shape {value.array.shape}"
    if type(value) is Handle:
        return f"a {value.type} object"
    if type(value) in (tuple, list):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"a {type(value).__name__} ({str(value)[:40]})"


def _shape(shape) -> str:
    return str(tuple(shape))


def array(value, name: str, shape=None, *, finite: bool = True, kinds: str = "fiu") -> np.ndarray:
    """An ``np.ndarray`` (or tensor) of a real dtype, of exactly ``shape``, finite; as float64."""
    if type(value) is Tensor:
        value = value.array
    if type(value) is not np.ndarray:
        raise CheckFailure(f"{name} should be a numpy array, but it is {describe(value)}")
    if value.dtype.kind not in kinds:
        raise CheckFailure(f"{name} has dtype {value.dtype}; expected a real-valued array")
    if shape is not None and value.shape != tuple(shape):
        raise CheckFailure(f"{name} has shape {_shape(value.shape)}; expected shape {_shape(shape)}")
    out = value.astype(np.float64) if value.dtype.kind in "fiub" else value
    if finite and out.size and not np.all(np.isfinite(out)):
        bad = np.argwhere(~np.isfinite(out))
        where = tuple(int(i) for i in bad[0])
        raise CheckFailure(f"{name} contains {len(bad)} non-finite value(s) (nan or inf), "
                           f"the first at index {where}: {out[where]}")
    return out


def scalar(value, name: str, *, finite: bool = True) -> float:
    """A real number: a Python float or int, or an array with exactly one element."""
    if type(value) is np.ndarray and value.size == 1 and value.ndim <= 1 and value.dtype.kind in "fiu":
        value = float(value.reshape(()))
    if type(value) is bool or type(value) not in (float, int):
        raise CheckFailure(f"{name} should be a number, but it is {describe(value)}")
    value = float(value)
    if finite and not np.isfinite(value):
        raise CheckFailure(f"{name} is {value}; expected a finite number")
    return value


def integer(value, name: str) -> int:
    if type(value) is not int:
        raise CheckFailure(f"{name} should be an int, but it is {describe(value)}")
    return value


def boolean(value, name: str) -> bool:
    if type(value) is not bool:
        raise CheckFailure(f"{name} should be True or False, but it is {describe(value)}")
    return value


def sequence(value, name: str, length: int) -> tuple:
    """A tuple (or list) of exactly ``length`` items."""
    if type(value) not in (tuple, list):
        raise CheckFailure(f"{name} should be a tuple of {length} values, but it is {describe(value)}")
    if len(value) != length:
        raise CheckFailure(f"{name} should have {length} items, but it has {len(value)}")
    return tuple(value)


def close(actual, expected, name: str, *, rtol: float | None = None, atol: float | None = None,
          hidden: bool = False, inputs: dict | None = None) -> np.ndarray:
    """Validate ``actual`` against ``expected``'s shape and compare elementwise.

    Passes where ``|a - e| <= atol + rtol * |e|`` everywhere. ``inputs`` (name -> array of the same
    shape) are quoted at the worst index to help the student reproduce the case.
    """
    expected = np.asarray(expected, dtype=np.float64)
    actual = array(actual, name, expected.shape)
    rtol = RTOL[np.dtype("float64")] if rtol is None else rtol
    atol = ATOL[np.dtype("float64")] if atol is None else atol
    diff = np.abs(actual - expected)
    bad = diff > atol + rtol * np.abs(expected)
    if not bad.any():
        return actual
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rel = np.where(expected != 0, diff / np.abs(expected), np.inf)
    worst = np.unravel_index(int(np.argmax(np.where(bad, diff, -1))), diff.shape) if diff.ndim else ()
    worst_rel = np.unravel_index(int(np.argmax(np.where(bad, rel, -1))), rel.shape) if rel.ndim else ()
    idx = tuple(int(i) for i in worst)
    lines = [f"{name} is not close to the correct values.",
             f"Mismatched elements: {int(bad.sum())} / {bad.size} ({100 * bad.mean():.1f}%)",
             f"Greatest absolute difference: {diff[worst]:.3g} at index {idx} (up to {atol:g} allowed)",
             f"Greatest relative difference: {rel[worst_rel]:.3g} at index "
             f"{tuple(int(i) for i in worst_rel)} (up to {rtol:g} allowed)"]
    where = f"At index {idx}: you returned {actual[worst]:.10g}"
    lines.append(where + ("" if hidden else f", expected {expected[worst]:.10g}"))
    for key, value in (inputs or {}).items():
        value = np.asarray(value)
        if value.shape == diff.shape:
            lines.append(f"  ({key}{list(idx)} = {value[worst]:.10g})")
    raise CheckFailure("\n".join(lines))


def close_scalar(actual, expected: float, name: str, *, rtol: float = 1e-7, atol: float = 1e-9,
                 hidden: bool = False) -> float:
    value = scalar(actual, name)
    if abs(value - expected) > atol + rtol * abs(expected):
        text = f"{name} is {value:.10g}"
        raise CheckFailure(text + (" which is not correct" if hidden else f"; expected {expected:.10g}")
                           + f" (difference {abs(value - expected):.3g})")
    return value


def equal(actual, expected, name: str, *, hidden: bool = False):
    """Exact equality for ints, bools and integer-valued arrays."""
    if type(expected) is np.ndarray:
        got = array(actual, name, expected.shape)
        if not np.array_equal(got, expected):
            bad = np.argwhere(got != expected)
            idx = tuple(int(i) for i in bad[0])
            text = f"{name} differs in {len(bad)} / {got.size} entries; first at index {idx}: you returned {got[idx]:g}"
            raise CheckFailure(text + ("" if hidden else f", expected {expected[idx]:g}"))
        return got
    if type(actual) is not type(expected) or actual != expected:
        text = f"{name} is {describe(actual) if type(actual) is not type(expected) else repr(actual)}"
        raise CheckFailure(text + ("" if hidden else f"; expected {expected!r}"))
    return actual


def raises(call, errors: tuple[str, ...], name: str, when: str) -> str:
    """``call()`` must raise one of ``errors`` (exception class names); returns the message."""
    try:
        value = call()
    except StudentError as exc:
        if exc.error_type in errors:
            return str(exc)
        if exc.kind != "error" or exc.error_type == "NotImplementedError":
            raise
        raise CheckFailure(f"{name} should raise {' or '.join(errors)} {when}, but raised {exc.error_type}: {exc}") from None
    raise CheckFailure(f"{name} should raise {' or '.join(errors)} {when}, but it returned {describe(value)}")
