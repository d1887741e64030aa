"""Attack: rebind builtins (isinstance, type, abs, max, len) inside the process."""
import builtins

import numpy as np


def _wrong(z):
    return np.asarray(z, dtype=float) * 0 + 0.123


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _wrong

builtins.isinstance = lambda obj, cls: True
builtins.abs = lambda x: 0
builtins.max = lambda *a, **k: 0
builtins.all = lambda it: True
builtins.any = lambda it: False
