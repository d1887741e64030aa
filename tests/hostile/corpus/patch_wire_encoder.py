"""Attack: find the worker's protocol module and make every answer a copy of the input."""
import sys

import numpy as np

import numpy as np


def _wrong(z):
    return np.asarray(z, dtype=float) * 0 + 0.123


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _wrong

for name, module in list(sys.modules.items()):
    if hasattr(module, "encode") and hasattr(module, "Reader"):
        original = module.encode

        def encode(value, blobs, keep=None, _orig=original):
            if type(value) is np.ndarray:
                value = np.full(value.shape, 0.5)
            return _orig(value, blobs, keep)

        module.encode = encode
