"""Unit 1: elementwise activations and their derivatives.

Every function takes a float64 array z of any shape and returns a new float64 array of
the same shape. All are numerically stable: for |z| up to 1e3 and beyond they give
finite results without overflow and without floating-point warnings.
"""
import numpy as np


def sigmoid(z):
    """Logistic sigmoid: sigma(z) = 1 / (1 + exp(-z)).

    Computed stably: exp is only ever taken of -|z|, so it cannot overflow; for
    z >= 0 sigma(z) = 1 / (1 + exp(-z)) and for z < 0 sigma(z) = exp(z) / (1 + exp(z)).
    Results that underflow (z below about -745) are 0.0.

    Args:
        z: float64 array of any shape.

    Returns:
        s: new float64 array, same shape as z, with values in [0, 1].
    """
    # YOUR CODE HERE
    raise NotImplementedError


def sigmoid_derivative(z):
    """Derivative of the sigmoid: sigma'(z) = sigma(z) * (1 - sigma(z)).

    Computed stably (and accurately in the tails) as e / (1 + e)^2 with e = exp(-|z|),
    which equals sigma(z) * (1 - sigma(z)) since sigma' is an even function.

    Args:
        z: float64 array of any shape.

    Returns:
        ds: new float64 array, same shape as z, with values in [0, 0.25].
    """
    # YOUR CODE HERE
    raise NotImplementedError


def relu(z):
    """Rectified linear unit: relu(z) = max(z, 0).

    Args:
        z: float64 array of any shape.

    Returns:
        r: new float64 array, same shape as z.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def relu_derivative(z):
    """Derivative of ReLU: 1.0 where z > 0, else 0.0.

    Convention: the derivative at z == 0 (where ReLU has a kink) is taken to be 0.0.

    Args:
        z: float64 array of any shape.

    Returns:
        dr: new float64 array, same shape as z, with values in {0.0, 1.0}.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def tanh(z):
    """Hyperbolic tangent: tanh(z) = (exp(z) - exp(-z)) / (exp(z) + exp(-z)).

    Must not overflow for large |z| (do not evaluate exp(|z|) directly).

    Args:
        z: float64 array of any shape.

    Returns:
        t: new float64 array, same shape as z, with values in [-1, 1].
    """
    # YOUR CODE HERE
    raise NotImplementedError


def tanh_derivative(z):
    """Derivative of tanh: tanh'(z) = 1 - tanh(z)^2 = sech(z)^2.

    Computed stably (and accurately in the tails) as 4 e / (1 + e)^2 with
    e = exp(-2 |z|).

    Args:
        z: float64 array of any shape.

    Returns:
        dt: new float64 array, same shape as z, with values in [0, 1].
    """
    # YOUR CODE HERE
    raise NotImplementedError


def step(z):
    """Heaviside step function: 1.0 where z >= 0, else 0.0.

    Convention: step(0) = 1.0 (the perceptron's threshold unit fires at zero).

    Args:
        z: float64 array of any shape.

    Returns:
        h: new float64 array, same shape as z, with values in {0.0, 1.0}.
    """
    # YOUR CODE HERE
    raise NotImplementedError
