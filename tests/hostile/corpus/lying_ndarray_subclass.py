"""Attack: an ndarray subclass whose ufuncs and array functions always report a match."""
import numpy as np


class Liar(np.ndarray):
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(np.shape(inputs[0]), dtype=bool) if ufunc in (np.greater, np.isnan) else np.ones(1)

    def __array_function__(self, func, types, args, kwargs):
        return True

    def __eq__(self, other):
        return True


def _liar(z):
    return (np.asarray(z, dtype=float) * 0).view(Liar)


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _liar
