"""Named misconceptions (autograder/checks/misconceptions.py): each rule names its mistake, an
unrelated wrong answer gets no hint, hints carry no numbers, hidden checks get none."""
import re

import numpy as np
import pytest

from autograder.checks import compare, misconceptions
from autograder.context import CheckFailure

RNG = np.random.default_rng(7)
E = RNG.standard_normal((5, 3))
SQUARE = RNG.standard_normal((4, 4))
Z = RNG.standard_normal((5, 3))
S = 1 / (1 + np.exp(-Z))
GATES = RNG.standard_normal((3, 8))
SOURCE = RNG.standard_normal((6, 3))


def sig(x):
    return 1 / (1 + np.exp(-x))


CASES = {  # description: (actual, expected, context, hint substring)
    "sum where the mean is due": (E * 5, E, {"batch": 5}, "N (the batch size) times too large"),
    "extra 1/N": (E / 5, E, {"batch": 5}, "an extra 1/N"),
    "whole-number factor without a batch size": (E * 3, E, {}, "the same whole number of times too large"),
    "factor 2": (2 * E, E, {}, "a factor 2 too many"),
    "factor 1/2": (E / 2, E, {}, "a factor 2 too few"),
    "sign flip": (-E, E, {}, "a sign flip"),
    "constant factor": (E * 1.37, E, {}, "a constant factor"),
    "square transpose": (SQUARE.T, SQUARE, {}, "a transpose"),
    "transposed shape": (E.T, E, {}, "a transpose"),
    "axes swapped": (np.swapaxes(RNG.standard_normal((2, 3, 3)), 1, 2), None, {}, "two axes swapped"),
    "derivative at the output": (sig(S) * (1 - sig(S)), S * (1 - S), {"z": Z, "activation": "sigmoid"},
                                 "the derivative evaluated at the output"),
    "derivative formula given z": (Z * (1 - Z), S * (1 - S), {"z": Z, "activation": "sigmoid"},
                                   "the output-form derivative applied to the input"),
    "missing bias gradient": (np.zeros(3), E[0], {"bias": True}, "a missing bias gradient"),
    "gates in another order": (np.concatenate([GATES[:, :2], GATES[:, 2:4], GATES[:, 6:], GATES[:, 4:6]], axis=1),
                               GATES, {"gates": "ifgo"}, "stacked as i,f,o,g"),
    "sum over the wrong axis": (SOURCE.sum(axis=1), SOURCE.sum(axis=0), {"summed": (SOURCE, 0)},
                                "a sum over the wrong axis"),
    "softmax without the max shift": (np.array([[np.nan, 0.0]]), np.array([[0.5, 0.5]]),
                                      {"logits": np.array([[1000.0, 1000.0]])}, "softmax without the max shift"),
    "a named mistake of the check's own": (E + 1, E, {"mistakes": {"a bias added twice": E + 1}}, "a bias added twice"),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_each_mistake_is_named_without_numbers(case):
    actual, expected, context, hint = case
    if expected is None:
        expected = np.swapaxes(actual, 1, 2)
    text = misconceptions.diagnose(actual, expected, "dW", **context)
    assert text and text.startswith(misconceptions.PREFIX) and hint in text, text
    assert not re.search(r"\d\.\d|\d{2,}", text), f"a hint with numbers: {text}"


def test_unrelated_wrong_answers_get_no_hint():
    for _ in range(300):
        expected = RNG.standard_normal((4, 4))
        wrong = expected + RNG.standard_normal((4, 4)) * RNG.choice([1e-3, 0.1, 1.0])
        assert misconceptions.diagnose(wrong, expected, "dW", batch=4) is None
    assert misconceptions.diagnose(np.zeros(3), E[0], "dW") is None  # zeros are not called a bias unless one


def test_compare_close_shows_the_hint_only_with_expected_values():
    with pytest.raises(CheckFailure) as info:
        compare.close(2 * E, E, "dW")
    assert "a factor 2 too many" in info.value.render(True)
    assert "Hint" not in info.value.render(False)
    with pytest.raises(CheckFailure) as info:
        compare.close(2 * E, E, "dW", hidden=True)
    assert "Hint" not in info.value.render(True)


def test_unknown_context_is_a_check_author_error():
    with pytest.raises(TypeError, match="unknown misconception context"):
        compare.close(E, E, "x", bacth=5)


def test_a_softmax_overflow_warning_is_named():
    text = misconceptions.error_hint("softmax.softmax raised a warning: RuntimeWarning: overflow encountered in exp "
                                     "(softmax.py, line 11)")
    assert text and "softmax without the max shift" in text
    assert misconceptions.error_hint("activations.sigmoid raised a warning: RuntimeWarning: overflow encountered "
                                     "in exp") is None
