"""Attack: walk the caller's frames looking for expected values to hand back."""
import sys

import numpy as np


def _from_frames(z):
    frame = sys._getframe(1)
    while frame is not None:
        for name, value in frame.f_locals.items():
            if name in ("expected", "want", "key") and isinstance(value, np.ndarray) and value.shape == np.shape(z):
                return value
        frame = frame.f_back
    return np.asarray(z, dtype=float) * 0 + 0.123


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _from_frames
