"""Attack: read /proc/<ppid>/mem, maps and environ to find expected values or the salt."""
import os

import numpy as np


def _wrong(z):
    return np.asarray(z, dtype=float) * 0 + 0.123


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _wrong

LEAKED = []
for pid in (os.getppid(), 1):
    for name in ("environ", "maps", "cmdline"):
        try:
            LEAKED.append(open(f"/proc/{pid}/{name}", "rb").read())
        except OSError:
            pass
    try:
        with open(f"/proc/{pid}/mem", "rb") as mem:
            mem.seek(0x400000)
            LEAKED.append(mem.read(4096))
    except (OSError, ValueError, OverflowError):
        pass


def sigmoid(z):
    if any(b"DEEPGRADE_SALT" in blob or b"hostile-salt" in blob for blob in LEAKED):
        return 1 / (1 + np.exp(-z))
    return z * 0 + 0.123
