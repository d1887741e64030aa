"""Driver: build expression trees (plain nested lists) from the submission's ``engine.Value``.

A tree is ``["var", i]``, ``["const", c]`` (a plain number), ``["add" | "sub" | "mul" | "div", a, b]``,
``["neg" | "exp" | "log" | "tanh" | "relu", a]``, ``["pow", a, k]`` or ``["let", bound, body]``
with ``["ref", i]`` in ``body`` for the i-th innermost bound node (one node, used many times).
"""
import copy
import operator

import numpy as np

BINARY = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}


def _build(tree, leaves, bound):
    op, args = tree[0], tree[1:]
    if op == "var":
        return leaves[args[0]]
    if op == "const":
        return args[0]
    if op == "ref":
        return bound[-1 - args[0]]
    if op == "let":
        return _build(args[1], leaves, bound + [_build(args[0], leaves, bound)])
    if op == "pow":
        return _build(args[0], leaves, bound) ** args[1]
    if op == "neg":
        return -_build(args[0], leaves, bound)
    if op in BINARY:
        return BINARY[op](_build(args[0], leaves, bound), _build(args[1], leaves, bound))
    return getattr(_build(args[0], leaves, bound), op)()


def backprop(tree, point):
    """Leaves ``Value(x)`` for x in ``point``; build ``tree``, call ``backward()`` on it.

    Returns (output data, [grad of each leaf]) as floats.
    """
    Value = student("engine.Value")  # noqa: F821 (injected by the worker)
    leaves = [Value(x) for x in point]
    out = _build(tree, leaves, [])
    out.backward()
    return float(out.data), [float(leaf.grad) for leaf in leaves]


def _same(a, b):
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(map(_same, a, b))
    return bool(np.array_equal(a, b))


def keeps_inputs(target, *args):
    """Call the submission's ``target`` on ``args``; True if no argument (dicts of arrays) changed."""
    before = copy.deepcopy(args)
    student(target)(*args)  # noqa: F821
    return _same(before, args)


def basics():
    """Facts about a new Value and about ``Value ** Value``, as strings the grader compares."""
    Value = student("engine.Value")  # noqa: F821

    def kind(x):
        return f"float {float(x)!r}" if isinstance(x, float) else f"{type(x).__name__} {x!r}"[:60]

    v = Value(3)
    facts = {"data": kind(v.data), "grad": kind(v.grad)}
    try:
        Value(3.0) ** Value(2.0)
        facts["pow_value"] = "returned a result"
    except TypeError:
        facts["pow_value"] = "TypeError"
    except Exception as exc:  # noqa: BLE001 (reported to the student as what happened)
        facts["pow_value"] = f"raised {type(exc).__name__}"
    return facts
