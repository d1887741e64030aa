"""Attack: answer with a gigantic array and deeply nested structures to exhaust the grader."""
import numpy as np


def _huge(z):
    return np.zeros((1 << 27,))  # 1 GiB of float64


def _nested(z):
    value = [0.5]
    for _ in range(100_000):
        value = [value]
    return value


sigmoid = sigmoid_derivative = relu = _huge
relu_derivative = tanh = tanh_derivative = step = _nested
