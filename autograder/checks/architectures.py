"""Checks on torch modules that stay in the worker: names, shapes, and outputs against a trusted module.

The student's module is reached through the ``torch_tools`` driver (``state``, ``load_state``,
``forward``); the trusted module (the reference) runs in the grader. Both get the same random
weights, drawn by the grader, so their outputs must agree whatever the student's initialization.
torch is imported lazily: only checks that use a trusted module pay for it in the grader.
"""
from __future__ import annotations

import numpy as np

from ..context import CheckFailure
from . import compare

FLOAT32 = {"rtol": 1e-4, "atol": 1e-4}


def random_state(trusted, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Random values for the floating parameters and buffers of ``trusted`` (variances positive)."""
    state = {}
    for key, tensor in trusted.state_dict().items():
        if tensor.is_floating_point():
            shape = tuple(tensor.shape)
            var = key.endswith("running_var")
            state[key] = rng.uniform(0.5, 1.5, shape) if var else 0.5 * rng.standard_normal(shape)
    return state


def same_names(got: dict, expected: dict[str, np.ndarray], name: str) -> None:
    """The student's state has exactly the expected names, each of the expected shape."""
    if type(got) is not dict:
        raise CheckFailure(f"{name}: its state should be a dict of arrays, but it is {compare.describe(got)}")
    missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
    if missing or extra:
        raise CheckFailure(f"{name}: parameters and buffers are not named as the docstring says: "
                           f"missing {missing[:6]}, unexpected {extra[:6]}")
    for key, value in expected.items():
        compare.array(got[key], f"{name}'s {key}", value.shape)


def trusted_forward(trusted, state: dict, x: np.ndarray, train: bool) -> np.ndarray:
    """``trusted(x)`` in float32 with ``state`` loaded, as float64."""
    import torch

    trusted.load_state_dict({k: torch.as_tensor(v, dtype=torch.float32) for k, v in state.items()}, strict=False)
    trusted.train(train)
    with torch.no_grad():
        return trusted(torch.as_tensor(x, dtype=torch.float32)).double().numpy()


def matches_trusted(ctx, handle, trusted, x: np.ndarray, name: str) -> None:
    """Load the same random weights into the student's module and ``trusted``; outputs agree in
    eval mode and in train mode (batch statistics). One case per mode."""
    tools = ctx.student.driver
    state = random_state(trusted, ctx.rng)
    same_names(tools("torch_tools", "state")(handle), state, name)
    for train in (False, True):
        with ctx.case(f"{name} in {'train' if train else 'eval'} mode"):
            tools("torch_tools", "load_state")(handle, state)
            expected = trusted_forward(trusted, state, x, train)
            got = tools("torch_tools", "forward")(handle, x, train=train)
            compare.close(got, expected, f"{name}(x) in {'train' if train else 'eval'} mode "
                          "with the grader's weights", hidden=ctx.hidden, **FLOAT32)


def summary_matches(got, expected: dict, name: str) -> None:
    """A meta-device summary (see the unit05_cnn driver) equals the trusted one: the output
    shape, each named layer's output shape, and the multiset of parameter shapes."""
    if type(got) is not dict or set(got) != set(expected):
        raise CheckFailure(f"{name}: could not summarize the network ({compare.describe(got)})")
    if got["output"] != expected["output"]:
        raise CheckFailure(f"{name}: output shape {tuple(got['output'])}; expected {tuple(expected['output'])}")
    for layer, shape in expected["layers"].items():
        mine = got["layers"].get(layer)
        if mine is None:
            raise CheckFailure(f"{name}: the submodule {layer} was never called in forward")
        if mine != shape:
            raise CheckFailure(f"{name}: {layer} outputs shape {tuple(mine)}; expected {tuple(shape)}")
    if got["parameters"] != expected["parameters"]:
        mine = [tuple(s) for s in got["parameters"]]
        want = [tuple(s) for s in expected["parameters"]]
        missing = [s for s in want if s not in mine][:4]
        extra = [s for s in mine if s not in want][:4]
        raise CheckFailure(f"{name}: its parameter tensors have the wrong shapes ({len(mine)} tensors, "
                           f"expected {len(want)}); e.g. missing {missing}, unexpected {extra}")
