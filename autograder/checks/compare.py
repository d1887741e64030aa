"""Validate what student code returned, then compare it with what the grader computed.

Stages run in order and stop at the first problem: type -> dtype -> shape -> finite -> values.
Messages read like ``torch.testing.assert_close``'s, in the student's terms, and name the
tolerance level they applied (:mod:`.tolerances`). A failure carries the text that shows the
expected value as a separate part; the runner drops it for hidden checks.
"""
from __future__ import annotations

import numpy as np

from ..context import CheckFailure, make_figure
from ..sandbox.worker_process import StudentError
from ..sandbox.wire import Handle, Tensor
from . import misconceptions, tolerances


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


def _is_binary(expected: np.ndarray) -> bool:
    """0/1-valued answers (indicators, labels, masks) are right or wrong, not relatively close."""
    return expected.size > 0 and bool(np.all((expected == 0) | (expected == 1)))


def _low_precision(value) -> str | None:
    """``"float32"`` (or float16) where the student's array was computed in low precision."""
    array_ = value.array if type(value) is Tensor else value
    if type(array_) is np.ndarray and array_.dtype.kind == "f" and array_.dtype.itemsize < 8:
        return str(array_.dtype)
    return None


def close(actual, expected, name: str, level: tolerances.Tolerance | str | None = None, *,
          rtol: float | None = None, atol: float | None = None, hidden: bool | None = None,
          inputs: dict | None = None, **context) -> np.ndarray:
    """Validate ``actual`` against ``expected``'s shape and compare elementwise within ``level``.

    ``level`` is a :mod:`~autograder.checks.tolerances` level (default ``FLOAT64``); ``rtol`` and
    ``atol`` still work (what is not given comes from the default). ``inputs`` (name -> array of the
    same shape) are quoted at the worst index to help the student reproduce the case. Whether the
    expected value is shown is the check's visibility (the runner decides); ``hidden=True`` hides
    it regardless (kept for callers written before that).

    A wrong answer is tested against common mistakes (:mod:`.misconceptions`); ``context`` passes
    what only the check knows (``batch=N``, ``z=..., activation="sigmoid"``, ``gates="ifgo"``,
    ``logits=x``, ``summed=(dout, 0)``, ``mistakes={...}``). The hint is shown with the expected values.
    """
    misconceptions.check_context(context)
    tol = tolerances.resolve(level, rtol, atol)
    expected = np.asarray(expected, dtype=np.float64)
    low = _low_precision(actual)
    try:
        actual = array(actual, name, expected.shape)
    except CheckFailure as exc:  # the wrong shape or a nan may still be a known mistake
        raw = actual.array if type(actual) is Tensor else actual
        if type(raw) is np.ndarray and raw.dtype.kind in "fiub" and not hidden:
            exc.hint = misconceptions.diagnose(raw, expected, name, **context) or ""
        raise
    diff = np.abs(actual - expected)
    bad = ~tol.allows(diff, expected)
    if not bad.any():
        return actual
    hint = "" if hidden else (misconceptions.diagnose(actual, expected, name, **context) or "")
    figure = make_figure("error", name, True, actual=actual, expected=expected)
    lines = []
    if low and tol.rtol < tolerances.FLOAT32.rtol:
        lines.append(f"{name}: returned {low}; compute in float64 ({low} keeps about "
                     f"{7 if low == 'float32' else 3} significant digits)")
        if np.all(tolerances.FLOAT32.allows(diff, expected)):
            lines[-1] += ": the differences below are rounding to " + low
    worst = np.unravel_index(int(np.argmax(np.where(bad, diff, -1))), diff.shape) if diff.ndim else ()
    idx = tuple(int(i) for i in worst)
    if _is_binary(expected):  # right or wrong per entry: relative differences mean nothing here
        first = tuple(int(i) for i in np.argwhere(bad)[0]) if diff.ndim else ()
        both = " (every correct value here is 0 or 1)" if 0 < expected.sum() < expected.size else ""
        lines.append(f"{name} is wrong in {int(bad.sum())} of {bad.size} entries{both}; "
                     f"first at index {first}: you returned {actual[first]:.10g}")
        failure = CheckFailure("\n".join(lines), expected="" if hidden else f", expected {expected[first]:g}",
                               after=_quote(inputs, first, diff.shape), hint=hint)
        if not hidden:
            failure.figures.append(figure)
        raise failure
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rel = np.where(expected != 0, diff / np.abs(expected), np.inf)
    worst_rel = np.unravel_index(int(np.argmax(np.where(bad, rel, -1))), rel.shape) if rel.ndim else ()
    lines += [f"{name} is not close to the correct values {tol.describe()}.",
              f"Mismatched elements: {int(bad.sum())} / {bad.size} ({100 * bad.mean():.1f}%)",
              f"Greatest absolute difference: {diff[worst]:.3g} at index {idx}",
              f"Greatest relative difference: {rel[worst_rel]:.3g} at index {tuple(int(i) for i in worst_rel)}",
              f"At index {idx}: you returned {actual[worst]:.10g}"]
    failure = CheckFailure("\n".join(lines), expected="" if hidden else f", expected {expected[worst]:.10g}",
                           after=_quote(inputs, idx, diff.shape), hint=hint)
    if not hidden:
        failure.figures.append(figure)
    raise failure


def _quote(inputs: dict | None, idx: tuple, shape: tuple) -> str:
    """The inputs at index ``idx``, so the student can reproduce the case."""
    return "".join(f"\n  ({key}{list(idx)} = {np.asarray(value)[idx]:.10g})"
                   for key, value in (inputs or {}).items() if np.asarray(value).shape == shape)


def close_scalar(actual, expected: float, name: str, level: tolerances.Tolerance | str | None = None, *,
                 rtol: float | None = None, atol: float | None = None, hidden: bool | None = None,
                 **context) -> float:
    """A real number within ``level`` of ``expected`` (see :func:`close`; ``context`` names mistakes)."""
    misconceptions.check_context(context)
    tol = tolerances.resolve(level, rtol, atol)
    value = scalar(actual, name)
    if tol.allows(abs(value - expected), expected):
        return value
    hint = "" if hidden else (misconceptions.diagnose(value, expected, name, **context) or "")
    if expected in (0.0, 1.0):
        raise CheckFailure(f"{name} is {value:.10g}", expected="" if hidden else f"; expected {expected:g}",
                           instead=" which is not correct", after=" (the correct value is 0 or 1)", hint=hint)
    raise CheckFailure(f"{name} is {value:.10g}", expected="" if hidden else f"; expected {expected:.10g}",
                       instead=" which is not correct",
                       after=f" (difference {abs(value - expected):.3g}), not {tol.describe()}", hint=hint)


def equal(actual, expected, name: str, *, hidden: bool | None = None, **context):
    """Exact equality for ints, bools and integer-valued arrays (a wrong array is tested against
    common mistakes, see :func:`close`)."""
    misconceptions.check_context(context)
    if type(expected) is np.ndarray:
        got = array(actual, name, expected.shape, kinds="fiub" if expected.dtype.kind == "b" else "fiu")
        if not np.array_equal(got, expected):
            bad = np.argwhere(got != expected)
            idx = tuple(int(i) for i in bad[0])
            hint = "" if hidden else (misconceptions.diagnose(got, expected, name, **context) or "")
            raise CheckFailure(f"{name} differs in {len(bad)} / {got.size} entries; first at index {idx}: "
                               f"you returned {got[idx]:g}", expected="" if hidden else f", expected {expected[idx]:g}",
                               hint=hint)
        return got
    if type(actual) is not type(expected) or actual != expected:
        text = f"{name} is {describe(actual) if type(actual) is not type(expected) else repr(actual)}"
        raise CheckFailure(text, expected="" if hidden else f"; expected {expected!r}")
    return actual


def raises(call, errors: tuple[str, ...], name: str, when: str) -> str:
    """``call()`` must raise one of ``errors`` (exception class names); returns the message."""
    try:
        value = call()
    except StudentError as exc:
        if exc.error_type in errors:
            return str(exc)
        if exc.kind != "error" or exc.error_type in (None, "NotImplementedError"):  # it never ran
            raise
        # the worker's text already reads "f raised TypeError: ..."; say "raised" once
        raise CheckFailure(f"{name} should raise {' or '.join(errors)} {when}, but {exc}") from None
    raise CheckFailure(f"{name} should raise {' or '.join(errors)} {when}, but it returned {describe(value)}")
