"""Attack: return an object that claims to equal anything."""


class Anything:
    def __eq__(self, other):
        return True

    __ne__ = lambda self, other: False  # noqa: E731
    __array_priority__ = 1000

    def __array__(self, dtype=None, copy=None):
        raise TypeError("no")


def _anything(z):
    return Anything()


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _anything
