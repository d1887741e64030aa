"""Attack: an object-dtype array holding objects equal to anything (needs pickle to travel)."""
import numpy as np


class Anything:
    def __eq__(self, other):
        return True


def _objects(z):
    out = np.empty(np.shape(z), dtype=object)
    out.fill(Anything())
    return out


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _objects
