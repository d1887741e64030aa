"""Attack: flood stdout and stderr with hundreds of megabytes."""
import os
import sys


def _flood(z):
    line = "x" * 1023 + "\n"
    for _ in range(200_000):
        sys.stdout.write(line)
        os.write(2, line.encode())
    return z * 0 + 0.123


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _flood
