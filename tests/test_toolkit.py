"""The check toolkit on its own: gradients, comparisons, properties and symbolic keys catch
what they must and accept what they must (no worker involved)."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from autograder.checks import compare, gradients, properties
from autograder.checks.symbolic import Key, symbols
from autograder.context import CheckFailure, Context

RNG = np.random.default_rng(0)


def tanh_layer(points):
    """A batched forward: f(x, W) = tanh(x @ W)."""
    return [np.tanh(p["x"] @ p["W"]) for p in points]


def true_grads(x, W, g):
    d = g * (1 - np.tanh(x @ W) ** 2)
    return {"x": d @ W.T, "W": x.T @ d}


def test_directional_accepts_a_correct_gradient():
    x, W, g = RNG.standard_normal((4, 3)), RNG.standard_normal((3, 5)), RNG.standard_normal((4, 5))
    gradients.directional(tanh_layer, {"x": x, "W": W}, true_grads(x, W, g), g, rng=RNG, name="layer")


@pytest.mark.parametrize("trial", range(20))
def test_directional_catches_a_one_percent_error_in_one_entry(trial):
    rng = np.random.default_rng(trial)
    x, W, g = rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal((4, 5))
    grads = true_grads(x, W, g)
    i = rng.integers(W.size)
    grads["W"].flat[i] *= 1.01
    with pytest.raises(CheckFailure, match="does not match finite differences") as err:
        gradients.directional(tanh_layer, {"x": x, "W": W}, grads, g, rng=rng, name="layer")
    index = [int(v) for v in np.unravel_index(i, W.shape)]
    assert f"dW{index}" in str(err.value)


def test_adjoint_test_is_exact_and_catches_a_wrong_transpose():
    A = RNG.standard_normal((6, 4))
    x, y = RNG.standard_normal(4), RNG.standard_normal(6)
    gradients.adjoint(lambda v: A @ v, lambda w: A.T @ w, x, y, name="linear")
    B = A.copy()
    B[0, 0] += 1e-6
    with pytest.raises(CheckFailure, match="adjoint"):
        gradients.adjoint(lambda v: A @ v, lambda w: B.T @ w, x, y, name="linear")


def test_backward_contract_catches_an_affine_backward():
    def backward(gs):
        return [(g * 2 + 1e-3,) for g in gs]

    with pytest.raises(CheckFailure, match="zero upstream"):
        gradients.backward_contract(backward, (3,), rng=RNG, name="f_backward")


@pytest.mark.parametrize("value, message", [
    ([1.0, 2.0], "should be a numpy array"),
    (np.zeros((2, 1)), "has shape (2, 1); expected shape (2,)"),
    (np.array([1.0, np.nan]), "non-finite"),
    (np.array(["a", "b"]), "dtype"),
])
def test_compare_stages_name_the_problem(value, message):
    with pytest.raises(CheckFailure, match=message.replace("(", r"\(").replace(")", r"\)")):
        compare.close(value, np.zeros(2), "f(x)")


def test_compare_hides_expected_values_for_hidden_checks():
    with pytest.raises(CheckFailure) as visible:
        compare.close(np.array([1.0, 2.0]), np.array([1.0, 2.5]), "f(x)")
    with pytest.raises(CheckFailure) as hidden:
        compare.close(np.array([1.0, 2.0]), np.array([1.0, 2.5]), "f(x)", hidden=True)
    assert "expected 2.5" in str(visible.value)
    assert "2.5" not in str(hidden.value) and "Greatest absolute difference: 0.5" in str(hidden.value)


def test_symbolic_key_is_derived_and_stable_in_the_tails():
    z = symbols("z")
    d = Key(1 / (1 + sp.exp(-z)), [z]).diff(z)
    values = d(np.array([-1000.0, 0.0, 40.0]))
    assert values[1] == 0.25 and values[0] == 0.0 and 4.2e-18 < values[2] < 4.3e-18


def test_property_failure_reports_the_shrunk_counterexample():
    ctx = Context(student=None, reference=None, seed=1)

    def prop(x):
        if np.any(x > 5):
            raise CheckFailure("f(x) is wrong above 5")

    with pytest.raises(CheckFailure, match="Smallest failing input found") as err:
        properties.run(ctx, prop, x=properties.arrays((3,), -10, 10))
    assert "wrong above 5" in str(err.value)


def test_property_runs_are_reproducible_from_the_seed():
    seen = [[], []]
    for run in seen:
        properties.run(Context(None, None, seed=7), lambda x, out=run: out.append(x.tolist()), max_examples=10,
                       x=properties.arrays((2,)))
    assert seen[0] == seen[1]
