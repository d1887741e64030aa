"""Attack: overwrite the input arrays in place, hoping the grader's copies (its expected values
or later inputs) change with them."""
import numpy as np


def _mutating(z):
    out = np.asarray(z, dtype=float) * 0 + 0.123
    try:
        z[...] = 0.0
    except (TypeError, ValueError):
        pass
    return out


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _mutating
