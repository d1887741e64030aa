"""Attack: import the hidden reference solution by its package name."""
try:
    from reference.unit01_foundations.activations import *  # noqa: F403
except ImportError:
    import numpy as np


    def _wrong(z):
        return np.asarray(z, dtype=float) * 0 + 0.123


    sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _wrong
