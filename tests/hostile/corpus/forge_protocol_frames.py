"""Attack: write forged 'ok' frames straight onto the answer pipe, before and after answers."""
import json
import os
import struct
import threading
import time

import numpy as np


def _wrong(z):
    return np.asarray(z, dtype=float) * 0 + 0.123


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _wrong


def _forge():
    head = json.dumps({"ok": True, "id": 1, "nblobs": 0, "value": 1.0}).encode()
    frame = struct.pack(">Q", len(head)) + head
    for fd in range(3, 12):
        try:
            os.write(fd, frame)
        except OSError:
            pass


def sigmoid(z):
    _forge()
    return z * 0 + 0.123


def _spammer():
    while True:
        _forge()
        time.sleep(0.01)


threading.Thread(target=_spammer, daemon=True).start()
