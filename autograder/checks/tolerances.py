"""The tolerance table: every numeric comparison names one of these levels, and failures print it.

A value passes where ``|actual - expected| <= atol + rtol * |expected|`` elementwise. Pick the
level by *why* the student's answer may differ from the grader's, not by trial and error:

=========  =======  =======  ==================================================================
level      rtol     atol     why it exists
=========  =======  =======  ==================================================================
EXACT      0        0        no arithmetic: integers, selections, copies, reshapes
ROUNDING   1e-12    1e-12    the same float64 formula, evaluated in another order (a few roundings)
STRICT     1e-9     1e-12    a different but numerically stable float64 formula
FLOAT64    1e-7     1e-9     any correct float64 computation, allowing for ill-conditioning
                             (a solve vs an inverse, a long sum); the default
TAIL       1e-9     0        values that shrink toward zero (tails, underflow): relative only,
                             so an answer that flushes a tiny value to 0 fails
FLOAT32    1e-5     1e-6     torch models and losses computed in float32
GRADIENT   1e-6     -        directional finite differences against an analytic gradient
                             (``checks.gradients.directional``; h = 1e-5 * max(1, |x|))
=========  =======  =======  ==================================================================

An inline ``rtol=``/``atol=`` remains possible where a comment says why a check is special; it
prints as a ``custom`` level.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerance:
    name: str
    rtol: float
    atol: float
    why: str

    def allows(self, diff, expected):
        """Elementwise: is ``diff`` (``|actual - expected|``) within this level?"""
        return diff <= self.atol + self.rtol * abs(expected)

    def describe(self) -> str:
        """``within STRICT: rtol 1e-09, atol 1e-12 (a different but stable float64 formula)``."""
        return f"within {self.name}: rtol {_num(self.rtol)}, atol {_num(self.atol)} ({self.why})"

    def __str__(self) -> str:
        return self.name


def _num(x: float) -> str:
    return f"{x:g}".replace("e-0", "e-")


EXACT = Tolerance("EXACT", 0.0, 0.0, "no arithmetic: integers, selections, copies")
ROUNDING = Tolerance("ROUNDING", 1e-12, 1e-12, "the same float64 formula, a few roundings apart")
STRICT = Tolerance("STRICT", 1e-9, 1e-12, "a different but stable float64 formula")
FLOAT64 = Tolerance("FLOAT64", 1e-7, 1e-9, "any correct float64 computation, allowing for conditioning")
TAIL = Tolerance("TAIL", 1e-9, 0.0, "tiny values compared relative to their size; 0 is not close")
FLOAT32 = Tolerance("FLOAT32", 1e-5, 1e-6, "a float32 computation")
GRADIENT = Tolerance("GRADIENT", 1e-6, 0.0, "directional finite differences of your forward")

LEVELS = {t.name: t for t in (EXACT, ROUNDING, STRICT, FLOAT64, TAIL, FLOAT32, GRADIENT)}
DEFAULT = FLOAT64


def resolve(level: Tolerance | str | None = None, rtol: float | None = None, atol: float | None = None) -> Tolerance:
    """The level to compare with: ``level`` (a :class:`Tolerance` or its name), else ``rtol``/``atol``
    (what is not given comes from :data:`DEFAULT`, as before levels existed), else the default."""
    if level is not None:
        if rtol is not None or atol is not None:
            raise ValueError("give a tolerance level or rtol/atol, not both")
        return LEVELS[level] if isinstance(level, str) else level
    if rtol is None and atol is None:
        return DEFAULT
    rtol = DEFAULT.rtol if rtol is None else float(rtol)
    atol = DEFAULT.atol if atol is None else float(atol)
    for known in LEVELS.values():
        if (known.rtol, known.atol) == (rtol, atol) and known is not GRADIENT:
            return known
    return Tolerance("custom", rtol, atol, "set by this check")
