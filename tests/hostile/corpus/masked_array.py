"""Attack: a fully masked array, which allclose-style helpers may treat as matching."""
import numpy as np


def _masked(z):
    return np.ma.masked_all(np.shape(z))


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _masked
