"""Attack: search the filesystem (cwd, parents, common roots, /proc) for the reference source."""
import os

import numpy as np


def _wrong(z):
    return np.asarray(z, dtype=float) * 0 + 0.123


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _wrong

_CANDIDATES = [os.getcwd(), "/", "/work", "/work/main", "/root", "/home", "/srv", "/opt", "/tmp",
               "/proc/1/cwd", "/proc/self/cwd", "/autograder", "/autograder/source"]
for start in _CANDIDATES:
    for root, dirs, files in os.walk(start):
        if root.count(os.sep) > 6 or root.startswith(("/proc/sys", "/sys", "/dev")):
            dirs[:] = []
            continue
        if "activations.py" in files and "reference" in root:
            try:
                exec(open(os.path.join(root, "activations.py")).read())
            except Exception:
                pass
