"""Attack: an object with a lazy __array__ that could compute something only when compared."""
import numpy as np


class Lazy:
    def __init__(self, shape):
        self.shape = shape

    def __array__(self, dtype=None, copy=None):
        return np.full(self.shape, 0.5)


def _lazy(z):
    return Lazy(np.shape(z))


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _lazy
