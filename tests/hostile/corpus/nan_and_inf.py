"""Attack: NaN compares false both ways, so a careless `not (a != b)` test passes it."""
import numpy as np


def _nan(z):
    out = np.full(np.shape(z), np.nan)
    out.flat[::2] = np.inf
    return out


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _nan
