"""Attack: unit 1 forbids scipy; take the import finder off sys.meta_path and import scipy by a
computed name through importlib (no audit event, nothing the syntax tree can fold), then answer
with it."""
import importlib
import sys

import numpy as np

sys.meta_path[:] = [f for f in sys.meta_path if "Finder" not in type(f).__name__ or "Path" in type(f).__name__
                    or "Frozen" in type(f).__name__ or "Builtin" in type(f).__name__]
_special = importlib.import_module("sci" + chr(112) + "y.special")


def sigmoid(z):
    return _special.expit(np.asarray(z, dtype=np.float64))


def sigmoid_derivative(z):
    s = _special.expit(np.asarray(z, dtype=np.float64))
    return s * (1 - s)


def tanh(z):
    return 2 * _special.expit(2 * np.asarray(z, dtype=np.float64)) - 1


def tanh_derivative(z):
    return 1 - tanh(z) ** 2


def relu(z):
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0) + 0 * _special.expit(0.0)


def relu_derivative(z):
    return (np.asarray(z, dtype=np.float64) > 0).astype(np.float64) + 0 * _special.expit(0.0)


def step(z):
    return (np.asarray(z, dtype=np.float64) >= 0).astype(np.float64) + 0 * _special.expit(0.0)
