"""Unit 3: weight initialization that keeps signals (and gradients) at a steady scale with depth.

``rng`` arguments accept a ``np.random.Generator`` or an int seed: pass them through
``np.random.default_rng(rng)`` (which returns a Generator unchanged). Draw every number from it,
so the same seed always gives the same weights.
"""
import numpy as np


def xavier_init(fan_in, fan_out, rng):
    """Xavier (Glorot) uniform initialization.

    Entries are independent draws from the uniform distribution on [-a, a] with
    a = sqrt(6 / (fan_in + fan_out)), so their mean is 0 and their variance is
    2 / (fan_in + fan_out).

    Args:
        fan_in: int, the number of inputs of the layer.
        fan_out: int, the number of outputs of the layer.
        rng: np.random.Generator or int seed.

    Returns:
        W: new float64 array of shape (fan_in, fan_out).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def he_init(fan_in, fan_out, rng):
    """He (Kaiming) normal initialization, for ReLU layers.

    Entries are independent draws from the normal distribution with mean 0 and variance
    2 / fan_in (standard deviation sqrt(2 / fan_in)).

    Args:
        fan_in: int, the number of inputs of the layer.
        fan_out: int, the number of outputs of the layer.
        rng: np.random.Generator or int seed.

    Returns:
        W: new float64 array of shape (fan_in, fan_out).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def init_mlp(layer_sizes, rng, method="he", gain=1.0):
    """Parameters of an MLP with the given layer sizes.

    Layer l (l = 1..L) gets W_l = gain * init(M_{l-1}, M_l) with init = xavier_init or he_init,
    each layer drawn independently from the same generator (first layer first), and b_l = 0.
    A gain above 1 gives the too-large initialization whose gradients explode with depth.

    Args:
        layer_sizes: list of L + 1 ints [M_0, M_1, ..., M_L] (inputs, hidden sizes, outputs).
        rng: np.random.Generator or int seed.
        method: "he" or "xavier".
        gain: float, a factor applied to every weight matrix.

    Returns:
        params: list of L tuples (W_l, b_l), W_l of shape (M_{l-1}, M_l), b_l zeros of shape (M_l,).

    Raises:
        ValueError: if method is not "he" or "xavier".
    """
    # YOUR CODE HERE
    raise NotImplementedError
