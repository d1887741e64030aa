"""Answer keys derived with sympy, evaluated in 50-digit precision and rounded to float64.

Write the exercise symbolically once; the key is its derivative (or the expression itself),
never a hand-typed formula::

    z = sympy.Symbol("z")
    sigmoid = Key(1 / (1 + sympy.exp(-z)), [z])
    d_sigmoid = sigmoid.diff(z)        # evaluated safely even at z = -1000
"""
from __future__ import annotations

import functools

import mpmath
import numpy as np
import sympy as sp


class Key:
    """A symbolic expression in ``symbols``, evaluable elementwise on numpy arrays."""

    def __init__(self, expr: sp.Expr, symbols: list[sp.Symbol], digits: int = 50):
        self.expr, self.symbols, self.digits = sp.sympify(expr), list(symbols), digits
        self._fn = _lambdified(self.expr, tuple(self.symbols))

    def diff(self, symbol: sp.Symbol, times: int = 1) -> "Key":
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
def _derivative(expr: sp.Expr, symbol: sp.Symbol, times: int) -> sp.Expr:
    return sp.simplify(sp.diff(expr, symbol, times))


@functools.lru_cache(maxsize=1024)
def _lambdified(expr: sp.Expr, symbols: tuple):
    return sp.lambdify(list(symbols), expr, modules="mpmath")


def symbols(names: str, **assumptions):
    return sp.symbols(names, real=True, **assumptions)
