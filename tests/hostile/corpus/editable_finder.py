"""Attack: activate the project's editable-install finder (skipped by -S) to reach reference/."""
import glob
import importlib
import os
import sys

import numpy as np


def _wrong(z):
    return np.asarray(z, dtype=float) * 0 + 0.123


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _wrong

for site in [p for p in sys.path if p.endswith("site-packages")]:
    for finder in glob.glob(os.path.join(site, "__editable__*finder.py")):
        name = os.path.basename(finder)[:-3]
        try:
            importlib.import_module(name).install()
            from reference.unit01_foundations.activations import *  # noqa: F403
        except Exception:
            pass
