"""Symbolic keys for backpropagation: scalar functions of array arguments, and random expression trees.

- :class:`ArrayKey`: a scalar sympy expression of named array arguments; its value and its
  gradient with respect to each argument, evaluated in high precision at a numeric point::

      key = ArrayKey(lambda x, W: sum(apply(sp.tanh, x @ W)), {"x": (3,), "W": (3, 2)})
      value, grads = key(x=x, W=W)          # grads["W"].shape == (3, 2)

- :func:`trees`: a hypothesis strategy of expression trees as plain nested lists (they cross to
  the worker as data), e.g. ``["mul", ["var", 0], ["exp", ["var", 1]]]``, drawn together with a
  point where every operation is well away from its poles, kinks and overflow; reused leaves and
  shared subexpressions (``let`` / ``ref``) included. :func:`tree_key` differentiates a tree with
  sympy and :func:`render` writes it as a formula for feedback.
"""
from __future__ import annotations

import operator

import mpmath
import numpy as np
import sympy as sp
from hypothesis import strategies as st


def symbol_array(name: str, shape) -> np.ndarray:
    """An object array of real sympy symbols ``name_0, name_1, ...`` of ``shape``."""
    size = int(np.prod(shape, dtype=int))
    return np.array(sp.symbols(f"{name}_0:{size}", real=True) if size else [], dtype=object).reshape(shape)


def apply(fn, array: np.ndarray) -> np.ndarray:
    """``fn`` (e.g. ``sp.tanh``) applied to each entry of an object array."""
    return np.frompyfunc(fn, 1, 1)(array)


def derivative_at_output(f, name: str):
    """A sympy function equal to ``f`` (``sp.tanh``, a sigmoid) whose derivative is ``f'(f(z))``:
    an expression built with it differentiates as a backward that feeds the cached output a = f(z)
    to f' (the mistake :func:`misconceptions.at_output <autograder.checks.misconceptions.at_output>`
    names), evaluated by :class:`ArrayKey` like any key."""
    w = sp.Dummy("w")
    derivative = sp.Lambda(w, sp.diff(f(w), w))

    def fdiff(self, argindex=1):
        return derivative(f(self.args[0]))

    return type(name, (sp.Function,), {"fdiff": fdiff,
                                       "_imp_": staticmethod(sp.lambdify([w], f(w), modules="mpmath"))})


def _sigmoid(w):
    return 1 / (1 + sp.exp(-w))


AT_OUTPUT = {"tanh": derivative_at_output(sp.tanh, "tanh_at_output"),
             "sigmoid": derivative_at_output(_sigmoid, "sigmoid_at_output")}


class ArrayKey:
    """A scalar expression ``build(**symbol arrays)``; value and gradients at a point.

    ``wrt`` names the arguments to differentiate (default: all); the others are parameters,
    such as an upstream gradient. Gradients come from ``sympy.diff`` of the whole expression.
    """

    def __init__(self, build, shapes: dict, wrt=None, digits: int = 30):
        self.shapes = {name: tuple(shape) for name, shape in shapes.items()}
        self.wrt, self.digits = list(wrt or self.shapes), digits
        arrays = {name: symbol_array(name, shape) for name, shape in self.shapes.items()}
        expr = sp.sympify(build(**arrays))
        inputs = [s for name in self.shapes for s in arrays[name].flat]
        targets = [s for name in self.wrt for s in arrays[name].flat]
        self._fn = sp.lambdify(inputs, [expr] + [sp.diff(expr, s) for s in targets], modules="mpmath", cse=True)

    def __call__(self, **values) -> tuple[float, dict[str, np.ndarray]]:
        args = []
        for name, shape in self.shapes.items():
            array = np.asarray(values[name], dtype=np.float64)
            if array.shape != shape:
                raise ValueError(f"{name} has shape {array.shape}, the key expects {shape}")
            args += [mpmath.mpf(float(v)) for v in array.flat]
        with mpmath.workdps(self.digits):
            out = [float(mpmath.re(v)) for v in self._fn(*args)]
        grads, at = {}, 1
        for name in self.wrt:
            size = int(np.prod(self.shapes[name], dtype=int))
            grads[name] = np.array(out[at:at + size]).reshape(self.shapes[name])
            at += size
        return out[0], grads


# ---------------------------------------------------------------- expression trees
BINARY = ("add", "sub", "mul", "div")
UNARY = ("neg", "exp", "log", "tanh", "relu", "pow")
SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
OPERATORS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}
EXPONENTS = (2, 3, -1, -2, 0.5, 1.5)
LIMIT = 50.0  # every intermediate value stays within [-LIMIT, LIMIT]


def _unary(op: str, v: float, exponent) -> float | None:
    """The value of ``op`` at ``v``, or None where the operation is not well-conditioned there."""
    if op == "neg":
        return -v
    if op == "exp":
        return float(np.exp(v)) if v < 3.5 else None
    if op == "log":
        return float(np.log(v)) if v > 0.3 else None
    if op == "tanh":
        return float(np.tanh(v))
    if op == "relu":
        return max(v, 0.0) if abs(v) > 0.05 else None
    if abs(v) < 0.3 or (v < 0 and exponent != int(exponent)):
        return None
    return float(v ** exponent)


def _binary(op: str, a: float, b: float) -> float | None:
    return None if op == "div" and abs(b) <= 0.3 else OPERATORS[op](a, b)


@st.composite
def trees(draw, n_vars: int = 3, max_depth: int = 4, lo: float = -2.0, hi: float = 2.0):
    """``(tree, point)``: an expression tree over ``n_vars`` variables and a point (list of floats).

    Operations: binary ``add sub mul div`` (either side may be a constant ``["const", c]``, which
    the engine must accept as a plain number on the left or the right), unary ``neg exp log
    tanh relu``, ``["pow", a, k]`` with a number ``k``, and ``["let", bound, body]`` where
    ``["ref", i]`` in ``body`` is the i-th innermost bound value, so one node feeds several others
    (generated bodies are ``["op", ["ref", 0], other]`` with refs preferred among other's leaves).
    ``log`` and ``pow`` arguments below 0.3 are shifted by a constant; other ops that would be
    ill-conditioned at the point (or leave [-50, 50]) are replaced by ``tanh``.
    """
    point = draw(st.lists(st.floats(lo, hi, allow_nan=False), min_size=n_vars, max_size=n_vars))
    constant = st.floats(-3.0, 3.0, allow_nan=False).map(lambda c: round(c, 3))

    def leaf(bound):
        if bound and draw(st.integers(0, 3)):
            i = draw(st.integers(0, len(bound) - 1))
            return ["ref", i], bound[-1 - i]
        i = draw(st.integers(0, n_vars - 1))
        return ["var", i], point[i]

    def node(depth, bound, leaf_ok=True):
        if depth == 0 or (leaf_ok and draw(st.integers(0, 4)) == 0):
            return leaf(bound)
        op = draw(st.sampled_from(BINARY + UNARY + ("let", "let")))
        op = "mul" if op == "let" and depth < 2 else op  # a shared node needs a subtree of its own
        if op == "let":  # s = shared; s (op) other, where other is likely to use s again
            shared, value = node(depth - 1, bound, leaf_ok=False)
            (other, v), combine = node(depth - 1, bound + [value]), draw(st.sampled_from(BINARY))
            result = _binary(combine, value, v)
            if result is None or not abs(result) <= LIMIT:
                combine, other, result = "mul", ["tanh", other], value * float(np.tanh(v))
            return ["let", shared, [combine, ["ref", 0], other]], result
        if op in UNARY:
            child, v = node(depth - 1, bound)
            k = draw(st.sampled_from(EXPONENTS)) if op == "pow" else None
            if op in ("log", "pow") and v < 0.3:  # shift the argument into the domain
                c = float(np.ceil(1.0 - v))
                child, v = ["add", child, ["const", c]], v + c
            result, fallback = _unary(op, v, k), (child, v)
            tree = ["pow", child, k] if op == "pow" else [op, child]
        else:
            side = draw(st.sampled_from(("left", "right", "both", "both")))
            operands = [node(depth - 1, bound), node(depth - 1, bound) if side == "both" else None]
            if side != "both":
                c = draw(constant)
                operands = [operands[0], (["const", c], c)][:: 1 if side == "right" else -1]
            (a, va), (b, vb) = operands
            result, fallback = _binary(op, va, vb), operands[0] if a[0] != "const" else operands[1]
            tree = [op, a, b]
        if result is None or not abs(result) <= LIMIT:
            return ["tanh", fallback[0]], float(np.tanh(fallback[1]))
        return tree, result

    tree, _ = node(max_depth, [])
    if tree[0] == "var":  # the output must be a Value built by an operation
        tree = ["mul", tree, ["const", 1.5]]
    return tree, point


def to_sympy(tree, symbols, at: dict, bound=()):
    """The sympy expression of ``tree`` with ``symbols[i]`` for ``["var", i]``.

    ``relu`` becomes the branch it takes at the point ``at`` ({symbol: value}), which the
    generator keeps away from the kink, so the expression and its derivatives are exact near it.
    """
    op, args = tree[0], tree[1:]
    if op == "var":
        return symbols[args[0]]
    if op == "const":
        return sp.Float(args[0], 30)
    if op == "ref":
        return bound[-1 - args[0]]
    if op == "let":
        return to_sympy(args[1], symbols, at, (*bound, to_sympy(args[0], symbols, at, bound)))
    if op == "pow":
        return to_sympy(args[0], symbols, at, bound) ** sp.nsimplify(args[1])
    parts = [to_sympy(a, symbols, at, bound) for a in args]
    if op in BINARY:
        return OPERATORS[op](*parts)
    (a,) = parts
    if op == "relu":
        return a if float(a.xreplace(at)) > 0 else sp.Integer(0)
    return {"neg": operator.neg, "exp": sp.exp, "log": sp.log, "tanh": sp.tanh}[op](a)


def tree_key(tree, point, digits: int = 30) -> tuple[float, list[float]]:
    """The value of ``tree`` at ``point`` and its partial derivatives in each variable (sympy)."""
    xs = sp.symbols(f"x0:{len(point)}", real=True)
    at = {x: sp.Float(v, digits) for x, v in zip(xs, point)}
    expr = to_sympy(tree, xs, at)
    return float(expr.xreplace(at)), [float(sp.diff(expr, x).xreplace(at)) for x in xs]


def render(tree, bound: int = 0) -> str:
    """``tree`` as a formula: ``x0 * exp(x1)``; ``let s0 = ... in ...`` for shared values."""
    op, args = tree[0], tree[1:]
    if op == "var":
        return f"x{args[0]}"
    if op == "const":
        return repr(args[0])
    if op == "ref":
        return f"s{bound - 1 - args[0]}"
    if op == "let":
        return f"(let s{bound} = {render(args[0], bound)} in {render(args[1], bound + 1)})"
    if op == "pow":
        return f"({render(args[0], bound)} ** {args[1]!r})"
    if op in BINARY:
        return f"({render(args[0], bound)} {SYMBOLS[op]} {render(args[1], bound)})"
    if op == "neg":
        return f"(-{render(args[0], bound)})"
    return f"{render(args[0], bound)}.{op}()"
