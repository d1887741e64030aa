"""Attack: a background thread that keeps mutating results after the call has returned."""
import threading
import time

import numpy as np

_SHARED = []


def _mutator():
    while True:
        for arr in list(_SHARED):
            arr[...] = 0.5
        time.sleep(0.001)


threading.Thread(target=_mutator, daemon=True).start()


def _returns_shared(z):
    out = np.asarray(z, dtype=float) * 0 + 0.123
    _SHARED.append(out)
    return out


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _returns_shared
