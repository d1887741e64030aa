"""Attack: empty and broadcastable shapes that make elementwise comparisons vacuous."""
import numpy as np


def _empty(z):
    return np.zeros((0, 1, 1))


def _scalar_like(z):
    return np.full((1,), 0.5)


sigmoid = sigmoid_derivative = relu = _empty
relu_derivative = tanh = tanh_derivative = step = _scalar_like
