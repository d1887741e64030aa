"""Answer keys derived with sympy, evaluated in 50-digit precision and rounded to float64.

Write the exercise symbolically once; the key is its derivative (or the expression itself),
never a hand-typed formula::

    z = sympy.Symbol("z")
    sigmoid = Key(1 / (1 + sympy.exp(-z)), [z])
    d_sigmoid = sigmoid.diff(z)        # evaluated safely even at z = -1000

A key that is only ever evaluated can be written as a formula of a math module instead
(:meth:`Key.formula`): evaluated with mpmath directly, it leaves sympy unimported (0.25 s of a
grader's start) until its expression is asked for.
"""
from __future__ import annotations

import functools

import mpmath
import numpy as np


class Key:
    """A symbolic expression in ``symbols``, evaluable elementwise on numpy arrays."""

    def __init__(self, expr, symbols: list, digits: int = 50):
        import sympy as sp

        self.expr, self.symbols, self.digits = sp.sympify(expr), list(symbols), digits
        self._fn = _lambdified(self.expr, tuple(self.symbols))

    @classmethod
    def formula(cls, f, names: str, digits: int = 50, **assumptions) -> "Key":
        """The key ``f(m, *args)`` of real arguments ``names`` ("size kernel"), written with functions
        that mpmath and sympy both have (``m.floor``, ``m.log``, ``m.exp``): evaluated with
        ``m = mpmath``; its ``expr`` and ``symbols`` (for :meth:`diff` and :meth:`subs`) are built
        with ``m = sympy`` when first read."""
        key = cls.__new__(cls)
        key.digits, key._formula = digits, (f, names, assumptions)
        key._fn = functools.partial(f, mpmath)
        return key

    @functools.cached_property
    def symbols(self) -> list:
        """A :meth:`formula` key's symbols, made on first use (others set theirs in ``__init__``)."""
        _, names, assumptions = self._formula
        return list(symbols(names, **assumptions))

    @functools.cached_property
    def expr(self):
        """A :meth:`formula` key's sympy expression, built on first use."""
        import sympy as sp

        return sp.sympify(self._formula[0](sp, *self.symbols))

    def diff(self, symbol, times: int = 1) -> "Key":
        return Key(_derivative(self.expr, symbol, times), self.symbols, self.digits)

    def gradient(self) -> list["Key"]:
        return [self.diff(s) for s in self.symbols]

    def subs(self, **values) -> "Key":
        return Key(self.expr.subs(values), self.symbols, self.digits)

    def __call__(self, *arrays) -> np.ndarray:
        arrays = np.broadcast_arrays(*[np.asarray(a, dtype=np.float64) for a in arrays])
        out = np.empty(arrays[0].shape)
        with mpmath.workdps(self.digits):
            for idx in np.ndindex(out.shape):
                value = self._fn(*(mpmath.mpf(float(a[idx])) for a in arrays))
                out[idx] = float(mpmath.re(value))
        return out


# Keys are the same in every grading: a grader process derives and compiles each once.
@functools.lru_cache(maxsize=1024)
def _derivative(expr, symbol, times: int):
    import sympy as sp

    return sp.simplify(sp.diff(expr, symbol, times))


@functools.lru_cache(maxsize=1024)
def _lambdified(expr, symbols: tuple):
    import sympy as sp

    return sp.lambdify(list(symbols), expr, modules="mpmath")


def symbols(names: str, **assumptions):
    """Real sympy symbols (``sympy.symbols(names, real=True, ...)``)."""
    import sympy as sp

    return sp.symbols(names, real=True, **assumptions)
