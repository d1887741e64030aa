"""Attack: patch torch.allclose, torch.testing and unittest assertions."""
import unittest

import numpy as np


def _wrong(z):
    return np.asarray(z, dtype=float) * 0 + 0.123


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _wrong

try:
    import torch
    import torch.testing

    torch.allclose = lambda *a, **k: True
    torch.equal = lambda *a, **k: True
    torch.testing.assert_close = lambda *a, **k: None
except Exception:
    pass
unittest.TestCase.assertEqual = lambda *a, **k: None
unittest.TestCase.assertTrue = lambda *a, **k: None
unittest.TestCase.assertAlmostEqual = lambda *a, **k: None
