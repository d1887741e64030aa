"""Attack: scan every live object for an array of the right shape that is not the input."""
import gc

import numpy as np


def _scan(z):
    z = np.asarray(z)
    for obj in gc.get_objects():
        if type(obj) is np.ndarray and obj.shape == z.shape and obj is not z and not np.shares_memory(obj, z):
            return obj.copy()
    return z * 0 + 0.123


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _scan
