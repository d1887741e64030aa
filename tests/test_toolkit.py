"""The check toolkit on its own: gradients, comparisons, properties and symbolic keys catch
what they must and accept what they must (no worker involved)."""
from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings

from autograder.checks import compare, expressions, gradients, properties, upstream
from autograder.checks.symbolic import Key, symbols
from autograder.context import CheckFailure, Context
from autograder.sandbox.worker_process import StudentError

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


def test_formula_key_evaluates_as_its_sympy_key_and_imports_sympy_only_for_its_expression():
    """A ``Key.formula`` is the sympy key of the same formula: same values, same derivative; the
    unit-5 suite, whose keys are formulas, imports without sympy."""
    formula = Key.formula(lambda m, p, q: m.log(p**2 / q, 10) + m.floor(p / q), "p q", positive=True)
    p, q = symbols("p q", positive=True)
    symbolic = Key(sp.log(p**2 / q, 10) + sp.floor(p / q), [p, q])
    points = (np.array([1.0, 255.0, 3.5]), np.array([0.25, 7.0, 3.5]))
    np.testing.assert_array_equal(formula(*points), symbolic(*points))
    assert formula.expr == symbolic.expr and formula.symbols == [p, q]
    decibels = Key.formula(lambda m, p, q: 10 * m.log(p**2 / q, 10), "p q", positive=True)
    np.testing.assert_array_equal(decibels.diff(decibels.symbols[1])(*points),
                                  Key(10 * sp.log(p**2 / q, 10), [p, q]).diff(q)(*points))
    code = "import sys, autograder.units.unit05_cnn; print('sympy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def test_fast_formula_keys_give_sympys_derivative():
    """FormulaKey's central differences in 50-digit mpmath round to sympy's derivative in float64
    (unit 4's formulas, random points): the fast key can decide a pass."""
    from autograder.units import unit04_backprop as u4

    rng = np.random.default_rng(3)
    for key in (u4.rnn_key(3, 1, 2), u4.example_key(2, 3), u4.neuron_key(3), u4.two_layer_key(3, 2), u4.ADD_MULTIPLY):
        for _ in range(2):
            values = {name: rng.standard_normal(shape) for name, shape in key.shapes.items()}
            (fast, fast_grads), (exact, exact_grads) = key(**values), key(True, **values)
            assert fast == pytest.approx(exact, rel=1e-15, abs=1e-25)  # sympy evaluates in 30 digits
            assert fast == key.value(**values)
            for name in key.wrt:
                np.testing.assert_allclose(fast_grads[name], exact_grads[name], rtol=1e-14, atol=1e-20, err_msg=name)


@given(drawn=expressions.trees())
@settings(max_examples=30, deadline=None, database=None)
def test_fast_tree_keys_give_sympys_derivative(drawn):
    tree, point = drawn
    fast, exact = expressions.tree_key(tree, point), expressions.tree_key(tree, point, exact=True)
    assert fast[0] == pytest.approx(exact[0], rel=1e-15, abs=1e-25)  # sympy evaluates in 30 digits
    np.testing.assert_allclose(fast[1], exact[1], rtol=1e-13, atol=1e-20)


def test_fast_tree_keys_take_relus_branch_at_the_point():
    """At relu's kink the branch at the point holds nearby too: derivative 0, as sympy's key says."""
    for point in ([0.0, 1.0], [-0.0, 1.0]):
        assert expressions.tree_key(["relu", ["var", 0]], point) == (0.0, [0.0, 0.0])


def test_a_miss_against_a_fast_key_is_judged_by_the_exact_key():
    def judge_fails_against(which):
        def judge(key):
            seen.append(key)
            if key in which:
                raise CheckFailure(f"missed the {key} key")
        return judge

    key = lambda exact: "exact" if exact else "fast"  # noqa: E731
    seen = []
    expressions.confirmed(judge_fails_against({"fast"}), key)
    assert seen == ["fast", "exact"]
    seen = []
    expressions.confirmed(judge_fails_against({"exact"}), key)
    assert seen == ["fast"]
    with pytest.raises(CheckFailure, match="missed the exact key"):
        expressions.confirmed(judge_fails_against({"fast", "exact"}), key)


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


# ---------------------------------------------------------------- tolerance levels and failure parts
def test_every_tolerance_level_says_why_and_failures_name_it():
    from autograder.checks import tolerances

    for level in tolerances.LEVELS.values():
        assert level.why and level.name.isupper() and level.rtol >= 0 and level.atol >= 0
    assert tolerances.resolve() is tolerances.FLOAT64
    assert tolerances.resolve(rtol=1e-9, atol=1e-12) is tolerances.STRICT  # old dicts read as their level
    assert tolerances.resolve(rtol=0, atol=0) is tolerances.EXACT
    assert tolerances.resolve("TAIL") is tolerances.TAIL
    assert tolerances.resolve(rtol=1e-3).name == "custom" and tolerances.resolve(rtol=1e-3).atol == 1e-9
    with pytest.raises(ValueError):
        tolerances.resolve(tolerances.STRICT, rtol=1e-3)
    with pytest.raises(CheckFailure, match=r"within STRICT: rtol 1e-9, atol 1e-12 \(a different but stable"):
        compare.close(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-6]), "f(x)", tolerances.STRICT)
    compare.close(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-8]), "f(x)")  # within FLOAT64, the default
    with pytest.raises(CheckFailure, match="within ROUNDING"):
        compare.close_scalar(1.0, 1.0 + 1e-9, "f(x)", tolerances.ROUNDING)
    with pytest.raises(CheckFailure, match="within custom: rtol 0.001"):
        compare.close_scalar(1.0, 1.1, "f(x)", rtol=1e-3)


def test_tail_level_fails_a_tiny_value_flushed_to_zero():
    from autograder.checks import tolerances

    tiny = np.array([1e-300, 4e-18])
    compare.close(tiny * (1 + 1e-12), tiny, "sigmoid(z) in the tails", tolerances.TAIL)
    compare.close(np.zeros(2), tiny, "sigmoid(z) in the tails")  # FLOAT64's atol lets a flushed 0 pass
    with pytest.raises(CheckFailure, match="within TAIL"):
        compare.close(np.zeros(2), tiny, "sigmoid(z) in the tails", tolerances.TAIL)


def test_a_failure_keeps_its_expected_value_as_a_part():
    from autograder.context import render, showing_expected

    with pytest.raises(CheckFailure) as err:
        compare.close_scalar(2.0, 2.5, "f(x)")
    failure = err.value
    assert "expected 2.5" in failure.render(True) and "2.5" not in failure.render(False)
    assert "which is not correct" in failure.render(False)
    with showing_expected(False):  # while a hidden check runs, quoting a failure reveals nothing
        assert "2.5" not in f"{failure}" and "2.5" not in render(failure.wrapped("while x: "), False)
    assert "expected 2.5" in str(failure)
    with pytest.raises(CheckFailure) as err:  # hidden= still works for callers written before
        compare.equal(3, 4, "n", hidden=True)
    assert "4" not in err.value.render(True)


def test_zero_one_answers_are_right_or_wrong():
    with pytest.raises(CheckFailure) as err:
        compare.close(np.array([1.0, 0.0, 0.7]), np.array([1.0, 1.0, 0.0]), "mask", inputs={"z": np.array([3.0, 0.0, -1.0])})
    text = str(err.value)
    assert text.startswith("mask is wrong in 2 of 3 entries (every correct value here is 0 or 1); first at index (1,)")
    assert "you returned 0, expected 1" in text and "(z[1] = 0)" in text and "relative" not in text
    with pytest.raises(CheckFailure, match=r"is 0.5; expected 1 \(the correct value is 0 or 1\)"):
        compare.close_scalar(0.5, 1.0, "accuracy")


def test_equal_compares_bool_arrays_with_bool_expectations_only():
    mask = np.array([[True, False], [True, True]])
    compare.equal(mask.copy(), mask, "mask")
    with pytest.raises(CheckFailure, match=r"mask differs in 1 / 4 entries; first at index \(0, 1\)"):
        compare.equal(np.array([[True, True], [True, True]]), mask, "mask")
    with pytest.raises(CheckFailure, match="dtype bool"):
        compare.equal(mask, mask.astype(np.int64), "inputs")


def test_float32_results_name_their_dtype_only_where_float64_is_due():
    from autograder.checks import tolerances

    exact = np.linspace(0.1, 1, 5) / 3
    with pytest.raises(CheckFailure, match="f\\(x\\): returned float32; compute in float64 .*rounding to float32"):
        compare.close(exact.astype(np.float32), exact, "f(x)", tolerances.STRICT)
    compare.close(exact.astype(np.float32), exact, "f(x)", tolerances.FLOAT32)
    with pytest.raises(CheckFailure) as err:
        compare.close(exact.astype(np.float32) + 1, exact, "f(x)", tolerances.FLOAT32)
    assert "compute in float64" not in str(err.value)


def test_property_draws_do_not_depend_on_what_else_the_process_imported(tmp_path, monkeypatch):
    """Hypothesis mixes literals from every imported local module into its draws; grading turns that
    off, so a CLI grading, a batch worker and a notebook draw the same examples for one seed."""
    import importlib

    def draws():
        seen = []
        properties.run(Context(None, None, seed=11), lambda x: seen.append(x.tolist()), max_examples=100,
                       x=properties.arrays((3,), -50, 50))
        return seen

    before = draws()
    (tmp_path / "deepgrade_literals_probe.py").write_text("VALUES = [12.345678, -33.25, 7.5e-3, 41.0625]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("deepgrade_literals_probe")
    assert draws() == before


def test_priming_hypothesis_spares_a_threads_first_property_test_its_collection_and_changes_no_draw(monkeypatch):
    """Hypothesis sets up each thread's PRNG registry with a full garbage collection in its first
    test (0.09 s once torch is loaded); :func:`properties.prime` pays that before the reference
    import. Each run is in a new thread, whose first test it is."""
    import gc
    import threading

    collections = []
    real = gc.collect
    monkeypatch.setattr(gc, "collect", lambda *a: collections.append(1) or real(*a))

    def in_new_thread(primed):
        out = {}

        def body():
            if primed:
                properties.prime()
            before, seen = len(collections), []
            properties.run(Context(None, None, seed=5), lambda x: seen.append(x.tolist()), max_examples=20,
                           x=properties.arrays((3,)))
            out.update(draws=seen, collections=len(collections) - before)
        thread = threading.Thread(target=body)
        thread.start()
        thread.join()
        return out

    plain, primed = in_new_thread(False), in_new_thread(True)
    assert plain["collections"] >= 1 and primed["collections"] == 0
    assert primed["draws"] == plain["draws"] and len(plain["draws"]) == 20


def test_bleu1_clips_repeated_words_and_penalizes_brevity():
    """Papineni et al. 2002's examples: "the" seven times against "the cat is on the mat" scores 2/7; a
    short candidate pays exp(1 - r/c); the corpus pools counts before dividing (not a mean of sentences)."""
    from autograder.checks.bleu import bleu1, exact_match

    reference = "the cat is on the mat".split()
    assert bleu1([["the"] * 7], [reference]) == pytest.approx(2 / 7)
    assert bleu1([["the", "cat"]], [reference]) == pytest.approx(np.exp(1 - 6 / 2))
    corpus = bleu1([["the"] * 7, reference], [reference, reference])
    assert corpus == pytest.approx((2 + 6) / (7 + 6))
    assert bleu1([[]], [reference]) == 0.0
    assert exact_match([[1, 2], [3]], [[1, 2], [3, 4]]) == 0.5
    with pytest.raises(ValueError):
        bleu1([reference], [])


def test_a_training_outcome_is_retrained_with_the_reference_forward_only_where_the_forward_differs():
    """upstream.trained: the student's own training first; a second, with the reference's forward,
    only in official grading and where the student's forward differs; both failing, the second
    failure (it judges the backward) with the first after it."""
    ran = []

    def training(name, failure=None):
        def run():
            ran.append(name)
            if failure:
                raise failure
        return run

    official, selfcheck = SimpleNamespace(reference=object()), SimpleNamespace(reference=None)
    upstream.trained(official, training("own"), training("again", CheckFailure("again missed")), "f", None)
    upstream.trained(official, training("own", CheckFailure("own missed")), training("again"), "f", lambda: False)
    assert ran == ["own", "own", "again"]
    for again in (CheckFailure("f_backward: accuracy 0.5"), StudentError("f_backward raised KeyError")):
        with pytest.raises(CheckFailure, match=r"^f_backward.*\n\(Trained with your own f: f raised\)$"):
            upstream.trained(official, training("own", StudentError("f raised")), training("again", again), "f",
                             lambda: False)
    for ctx, agrees in ((official, lambda: True), (selfcheck, None)):
        ran.clear()
        with pytest.raises(CheckFailure, match="^own missed$"):
            upstream.trained(ctx, training("own", CheckFailure("own missed")), training("again"), "f", agrees)
        assert ran == ["own"]
    stopped = StudentError("f was stopped when this check's time limit ran out", "timeout")
    with pytest.raises(StudentError) as err:
        upstream.trained(official, training("own", stopped), training("again", stopped), "f", lambda: False)
    assert err.value is stopped
