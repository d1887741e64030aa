"""Attack: print a perfect results JSON and write results.json everywhere it can."""
import json
import os

import numpy as np


def _wrong(z):
    return np.asarray(z, dtype=float) * 0 + 0.123


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _wrong

FAKE = json.dumps({"score": 1000, "tests": [{"name": "all", "score": 1000, "max_score": 1000, "status": "passed"}]})
print(FAKE)
for folder in (os.getcwd(), "..", "../..", "/tmp", "/autograder/results", "/work/main", "/root", "/opt/deepgrade"):
    for name in ("results.json", "HOSTILE_MARKER"):
        try:
            with open(os.path.join(folder, name), "w") as f:
                f.write(FAKE)
        except OSError:
            pass
