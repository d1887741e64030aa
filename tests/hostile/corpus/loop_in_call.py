"""Attack: an infinite loop inside every call."""


def _spin(z):
    while True:
        pass


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _spin
