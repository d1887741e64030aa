"""Attack: sys.exit(0) and os._exit(0) from inside calls, hoping an exit code 0 means success."""
import os
import sys


def sigmoid(z):
    sys.exit(0)


def sigmoid_derivative(z):
    os._exit(0)


relu = relu_derivative = tanh = tanh_derivative = step = sigmoid
