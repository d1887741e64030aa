import numpy as np


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def sigmoid_derivative(z):
    return 0.25 / np.cosh(0.5 * np.clip(z, -1400, 1400)) ** 2


def relu(z):
    return np.where(z > 0, z, 0.0)


def relu_derivative(z):
    return np.where(z > 0, 1.0, 0.0)


def tanh(z):
    return np.tanh(z)


def tanh_derivative(z):
    return 1.0 / np.cosh(np.clip(z, -700, 700)) ** 2


def step(z):
    return np.where(z >= 0, 1.0, 0.0)
