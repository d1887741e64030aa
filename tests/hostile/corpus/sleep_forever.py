"""Attack: sleep forever (uses no CPU, so only a wall-clock deadline stops it)."""
import signal
import time


def _sleep(z):
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGXCPU):
        signal.signal(sig, signal.SIG_IGN)
    time.sleep(10**9)


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _sleep
