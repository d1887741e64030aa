"""Symbolic keys for backpropagation: scalar functions of array arguments, and random expression trees.

- :class:`FormulaKey`: a scalar formula of named array arguments, written once with ``fn.exp``,
  ``fn.log`` and ``fn.tanh``; its value and its gradient with respect to each argument at a
  numeric point, fast (mpmath, no sympy) or exact (sympy's derivative, :class:`ArrayKey`)::

      key = FormulaKey(lambda fn, x, W: np.sum(fn.tanh(x @ W)), {"x": (3,), "W": (3, 2)})
      value, grads = key(x=x, W=W)          # grads["W"].shape == (3, 2)

  :func:`confirmed` judges with the fast key and lets the exact one decide any miss.
- :class:`ArrayKey`: a scalar sympy expression of named array arguments, differentiated by sympy.
- :func:`trees`: a hypothesis strategy of expression trees as plain nested lists (they cross to
  the worker as data), e.g. ``["mul", ["var", 0], ["exp", ["var", 1]]]``, drawn together with a
  point where every operation is well away from its poles, kinks and overflow; reused leaves and
  shared subexpressions (``let`` / ``ref``) included. :func:`tree_key` differentiates a tree (fast,
  or exactly with sympy) and :func:`render` writes it as a formula for feedback.

sympy is imported only where an exact key is derived: importing it and deriving unit 4's keys
took 1.4 s of a 2.1 s self-check that passes without them.
"""
from __future__ import annotations

import math
import operator
from types import SimpleNamespace

import mpmath
import numpy as np
from hypothesis import strategies as st

from ..context import CheckFailure

DIGITS = 50  # working precision of the fast keys
STEP = 1e-15  # their central-difference step, relative to max(1, |x|)


def symbol_array(name: str, shape) -> np.ndarray:
    """An object array of real sympy symbols ``name_0, name_1, ...`` of ``shape``."""
    import sympy as sp

    size = int(np.prod(shape, dtype=int))
    return np.array(sp.symbols(f"{name}_0:{size}", real=True) if size else [], dtype=object).reshape(shape)


def apply(fn, array: np.ndarray) -> np.ndarray:
    """``fn`` (e.g. ``sp.tanh``) applied to each entry of an object array."""
    return np.frompyfunc(fn, 1, 1)(array)


def elementary(module, **replaced) -> SimpleNamespace:
    """``exp``, ``log`` and ``tanh`` of ``module`` (sympy or mpmath), each applied entrywise
    (:func:`apply`); ``replaced`` swaps some for other functions (``tanh=AT_OUTPUT["tanh"]``)."""
    functions = {name: replaced.get(name) or getattr(module, name) for name in ("exp", "log", "tanh")}
    return SimpleNamespace(**{name: np.frompyfunc(f, 1, 1) for name, f in functions.items()})


def derivative_at_output(f, name: str):
    """A sympy function equal to ``f`` (``sp.tanh``, a sigmoid) whose derivative is ``f'(f(z))``:
    an expression built with it differentiates as a backward that feeds the cached output a = f(z)
    to f' (the mistake :func:`misconceptions.at_output <autograder.checks.misconceptions.at_output>`
    names), evaluated by :class:`ArrayKey` like any key."""
    import sympy as sp

    w = sp.Dummy("w")
    derivative = sp.Lambda(w, sp.diff(f(w), w))

    def fdiff(self, argindex=1):
        return derivative(f(self.args[0]))

    return type(name, (sp.Function,), {"fdiff": fdiff,
                                       "_imp_": staticmethod(sp.lambdify([w], f(w), modules="mpmath"))})


class _AtOutput(dict):
    """``AT_OUTPUT["tanh"]`` and ``AT_OUTPUT["sigmoid"]``: :func:`derivative_at_output` of each, made on first use."""

    def __missing__(self, name: str):
        import sympy as sp

        f = {"tanh": sp.tanh, "sigmoid": lambda w: 1 / (1 + sp.exp(-w))}[name]
        self[name] = derivative_at_output(f, f"{name}_at_output")
        return self[name]


AT_OUTPUT = _AtOutput()


def _checked(shapes: dict, values: dict) -> dict[str, np.ndarray]:
    """``values`` as float64 arrays of the key's ``shapes`` (ValueError naming a wrong one)."""
    arrays = {}
    for name, shape in shapes.items():
        arrays[name] = np.asarray(values[name], dtype=np.float64)
        if arrays[name].shape != shape:
            raise ValueError(f"{name} has shape {arrays[name].shape}, the key expects {shape}")
    return arrays


def _split(flat: list, shapes: dict, dtype=object) -> dict:
    """Consecutive runs of ``flat`` as arrays of ``shapes`` (of floats, or objects: mpf, a bare one for
    shape ())."""
    arrays, at = {}, 0
    for name, shape in shapes.items():
        size = math.prod(shape)
        arrays[name] = flat[at] if dtype is object and not shape else np.array(flat[at:at + size], dtype).reshape(shape)
        at += size
    return arrays


class ArrayKey:
    """A scalar expression ``build(**symbol arrays)``; value and gradients at a point.

    ``wrt`` names the arguments to differentiate (default: all); the others are parameters,
    such as an upstream gradient. Gradients come from ``sympy.diff`` of the whole expression.
    """

    def __init__(self, build, shapes: dict, wrt=None, digits: int = 30):
        import sympy as sp

        self.shapes = {name: tuple(shape) for name, shape in shapes.items()}
        self.wrt, self.digits = list(wrt or self.shapes), digits
        arrays = {name: symbol_array(name, shape) for name, shape in self.shapes.items()}
        expr = sp.sympify(build(**arrays))
        inputs = [s for name in self.shapes for s in arrays[name].flat]
        targets = [s for name in self.wrt for s in arrays[name].flat]
        self._fn = sp.lambdify(inputs, [expr] + [sp.diff(expr, s) for s in targets], modules="mpmath", cse=True)

    def __call__(self, **values) -> tuple[float, dict[str, np.ndarray]]:
        args = [mpmath.mpf(float(v)) for array in _checked(self.shapes, values).values() for v in array.flat]
        with mpmath.workdps(self.digits):
            out = [float(mpmath.re(v)) for v in self._fn(*args)]
        return out[0], _split(out[1:], {name: self.shapes[name] for name in self.wrt}, float)


def central_differences(f, point: list, targets) -> list:
    """The partial derivatives of ``f`` (a list of mpf in, an mpf out) at ``point`` in each entry
    of ``targets`` (indices): central differences with step ``STEP * max(1, |x|)``, to be taken
    within ``mpmath.workdps(DIGITS)``."""
    derivatives = []
    for i in targets:
        h = STEP * max(1, abs(point[i]))
        derivatives.append((f([*point[:i], point[i] + h, *point[i + 1:]])
                            - f([*point[:i], point[i] - h, *point[i + 1:]])) / (2 * h))
    return derivatives


class FormulaKey:
    """A scalar formula ``build(fn, **arrays)`` of named arrays, written once with ``fn.exp``,
    ``fn.log`` and ``fn.tanh`` (entrywise); its value and gradients at a point, two ways.

    ``key(**values)`` (fast, no sympy): the formula in ``DIGITS``-digit mpmath, each partial
    derivative a central difference with step ``1e-15 max(1, |x|)``: truncation ``h**2 |f'''| / 6``
    and rounding ``10**-DIGITS |f| / h`` stay near 1e-25 for the course's formulas, so both ways
    round to the same float64 (tests/test_toolkit.py). ``key(True, **values)`` (exact): sympy's
    derivative (:meth:`symbolic`, derived on first use). ``wrt``: as for :class:`ArrayKey`.
    """

    def __init__(self, build, shapes: dict, wrt=None):
        self.build, self.shapes = build, {name: tuple(shape) for name, shape in shapes.items()}
        self.wrt, self._symbolic, self._fn = list(wrt or self.shapes), {}, elementary(mpmath)

    def symbolic(self, **replaced) -> ArrayKey:
        """The exact key: the formula with sympy's functions (some ``replaced``, see :func:`elementary`)."""
        import sympy as sp

        tag = tuple(sorted(replaced.items(), key=lambda item: item[0]))
        if tag not in self._symbolic:
            fn = elementary(sp, **replaced)
            self._symbolic[tag] = ArrayKey(lambda **arrays: self.build(fn, **arrays), self.shapes, self.wrt)
        return self._symbolic[tag]

    def _evaluate(self, flat: list):
        out = self.build(self._fn, **_split(flat, self.shapes))
        return out.item() if isinstance(out, np.ndarray) else out

    def value(self, **values) -> float:
        """The formula's value alone."""
        with mpmath.workdps(DIGITS):
            return float(self._evaluate([mpmath.mpf(float(v)) for a in _checked(self.shapes, values).values()
                                         for v in a.flat]))

    def __call__(self, exact: bool = False, **values) -> tuple[float, dict[str, np.ndarray]]:
        if exact:
            return self.symbolic()(**values)
        arrays = _checked(self.shapes, values)
        offsets = dict(zip(arrays, np.cumsum([0] + [a.size for a in arrays.values()])))
        targets = [int(offsets[name]) + i for name in self.wrt for i in range(arrays[name].size)]
        with mpmath.workdps(DIGITS):
            point = [mpmath.mpf(float(v)) for a in arrays.values() for v in a.flat]
            value = float(self._evaluate(point))
            derivatives = [float(d) for d in central_differences(self._evaluate, point, targets)]
        return value, _split(derivatives, {name: self.shapes[name] for name in self.wrt}, float)


def confirmed(judge, key):
    """``judge(key(False))``: a check against a fast key; if it fails, ``judge(key(True))`` against
    the exact (sympy) key, whose verdict and numbers stand. So sympy's derivative judges every miss;
    a pass is judged by values that round to sympy's in float64 (tests/test_toolkit.py)."""
    try:
        return judge(key(False))
    except CheckFailure:
        return judge(key(True))


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


def build_tree(tree, leaves: list, numbers: SimpleNamespace, positive, bound=()):
    """``tree`` built from ``leaves`` (``["var", i]`` is ``leaves[i]``) in ``numbers`` (:data:`MPMATH`,
    or :func:`_sympy_numbers`: constants, exponents, ``exp``, ``log``, ``tanh``, zero).

    ``relu`` takes the branch ``positive(argument)`` says: the one it takes at the point, which the
    generator keeps away from the kink, so the expression and its derivatives are exact near it.
    """
    op, args = tree[0], tree[1:]
    if op == "var":
        return leaves[args[0]]
    if op == "const":
        return numbers.const(args[0])
    if op == "ref":
        return bound[-1 - args[0]]
    if op == "let":
        shared = build_tree(args[0], leaves, numbers, positive, bound)
        return build_tree(args[1], leaves, numbers, positive, (*bound, shared))
    if op == "pow":
        return build_tree(args[0], leaves, numbers, positive, bound) ** numbers.exponent(args[1])
    parts = [build_tree(a, leaves, numbers, positive, bound) for a in args]
    if op in BINARY:
        return OPERATORS[op](*parts)
    (a,) = parts
    if op == "relu":
        return a if positive(a) else numbers.zero
    return {"neg": operator.neg, "exp": numbers.exp, "log": numbers.log, "tanh": numbers.tanh}[op](a)


MPMATH = SimpleNamespace(const=mpmath.mpf, exponent=mpmath.mpf, exp=mpmath.exp, log=mpmath.log, tanh=mpmath.tanh,
                         zero=mpmath.mpf(0))


def _sympy_numbers() -> SimpleNamespace:
    import sympy as sp

    return SimpleNamespace(const=lambda c: sp.Float(c, 30), exponent=sp.nsimplify, exp=sp.exp, log=sp.log,
                           tanh=sp.tanh, zero=sp.Integer(0))


def tree_key(tree, point, exact: bool = False) -> tuple[float, list[float]]:
    """The value of ``tree`` at ``point`` and its partial derivatives in each variable: fast (mpmath,
    central differences as in :class:`FormulaKey`) or ``exact`` (sympy's derivative)."""
    if exact:
        import sympy as sp

        xs = sp.symbols(f"x0:{len(point)}", real=True)
        at = {x: sp.Float(v, 30) for x, v in zip(xs, point)}
        expr = build_tree(tree, xs, _sympy_numbers(), lambda a: float(a.xreplace(at)) > 0)
        return float(expr.xreplace(at)), [float(sp.diff(expr, x).xreplace(at)) for x in xs]
    branches: list[bool] = []  # each relu's branch at the point, in the order built, kept at the nearby points

    def at_point(a) -> bool:
        branches.append(bool(a > 0))
        return branches[-1]

    def nearby(xs):
        taken = iter(branches)
        return build_tree(tree, xs, MPMATH, lambda a: next(taken))

    with mpmath.workdps(DIGITS):
        xs = [mpmath.mpf(float(v)) for v in point]
        value = float(build_tree(tree, xs, MPMATH, at_point))
        return value, [float(d) for d in central_differences(nearby, xs, range(len(xs)))]


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
