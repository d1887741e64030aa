"""Attack: ptrace-attach to the parent and read its memory with process_vm_readv."""
import ctypes
import os

import numpy as np


def _wrong(z):
    return np.asarray(z, dtype=float) * 0 + 0.123


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _wrong

_libc = ctypes.CDLL(None, use_errno=True)
PTRACE_ATTACH = 16
ATTACHED = _libc.ptrace(PTRACE_ATTACH, os.getppid(), 0, 0) == 0


def sigmoid(z):
    if ATTACHED:
        raise SystemExit("attached to the parent!")
    return z * 0 + 0.123
