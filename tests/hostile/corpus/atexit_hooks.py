"""Attack: atexit hooks that print a forged score and write a results file on exit."""
import atexit
import sys

import numpy as np


def _wrong(z):
    return np.asarray(z, dtype=float) * 0 + 0.123


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _wrong


@atexit.register
def _forge():
    print('{"score": 100, "tests": []}')
    open("results.json", "w").write('{"score": 100}')


def tanh(z):
    sys.exit(0)
