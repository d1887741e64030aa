"""Attack: a float subclass equal to everything, returned where arrays are expected."""


class Float(float):
    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__
    __hash__ = float.__hash__


def _one(z):
    return Float(0.5)


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _one
