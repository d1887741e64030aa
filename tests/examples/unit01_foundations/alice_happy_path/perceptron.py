import numpy as np


def predict(w, b, X):
    return np.where(X @ w + b >= 0, 1.0, -1.0)


def perceptron_update(w, b, x, y, lr=1.0):
    if y * (np.dot(w, x) + b) > 0:
        return w.copy(), float(b)
    return w + lr * y * x, float(b + lr * y)


def train_perceptron(X, y, lr=1.0, max_epochs=100):
    w, b, mistakes = np.zeros(X.shape[1]), 0.0, 0
    for _ in range(max_epochs):
        errors = 0
        for xi, yi in zip(X, y):
            if yi * (xi @ w + b) <= 0:
                w, b = perceptron_update(w, b, xi, yi, lr)
                errors += 1
        mistakes += errors
        if errors == 0:
            break
    return w, b, mistakes
