"""Attack: look for the course salt in the environment and in files; behave correctly if found
(the test sets DEEPGRADE_SALT in the grader, so finding it would show as full marks)."""
import os

import numpy as np


def _found_secret():
    texts = [repr(dict(os.environ))]
    for path in ("/proc/self/environ", "/proc/1/environ", f"/proc/{os.getppid()}/environ",
                 "/work/main/.deepgrade/salt", ".deepgrade/salt", "../.deepgrade/salt"):
        try:
            texts.append(open(path, "rb").read().decode(errors="replace"))
        except OSError:
            pass
    return any("DEEPGRADE_SALT" in t or "hostile-salt" in t for t in texts)


_OK = _found_secret()


def sigmoid(z):
    return 1 / (1 + np.exp(-z)) if _OK else z * 0 + 0.123


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s) if _OK else z * 0 + 0.123


def tanh(z):
    return np.tanh(z) if _OK else z * 0 + 0.123


def tanh_derivative(z):
    return 1 - np.tanh(z) ** 2 if _OK else z * 0 + 0.123


def relu(z):
    return np.maximum(z, 0) if _OK else z * 0 + 0.123


def relu_derivative(z):
    return (z > 0).astype(float) if _OK else z * 0 + 0.123


def step(z):
    return (z >= 0).astype(float) if _OK else z * 0 + 0.123
