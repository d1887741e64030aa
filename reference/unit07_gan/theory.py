"""Unit 7: the minimax game in theory (numpy).

For a fixed generator with density p_g and data density p_d, the discriminator maximizes

    V(D, G) = integral [ p_d(x) log D(x) + p_g(x) log(1 - D(x)) ] dx.

Densities are given sampled on a regular grid with spacing dx (each sums to 1 / dx, so that
sum(p) * dx == 1); integrals become sums times dx. The convention 0 * log(0) = 0 applies.
"""
import numpy as np


def optimal_discriminator(p_data, p_model):
    """The discriminator D*(x) that maximizes V(D, G) pointwise for fixed densities.

    Where both densities are 0, D* is 1/2 by convention.

    Args:
        p_data: float64 array of shape (K,), p_d at the grid points (non-negative).
        p_model: float64 array of shape (K,), p_g at the grid points (non-negative).

    Returns:
        d_star: new float64 array of shape (K,), values in [0, 1].
    """
    ### BEGIN SOLUTION
    p_data = np.asarray(p_data, dtype=np.float64)
    p_model = np.asarray(p_model, dtype=np.float64)
    total = p_data + p_model
    safe = np.where(total > 0, total, 1.0)
    return np.where(total > 0, p_data / safe, 0.5)
    ### END SOLUTION


def optimal_value(p_data, p_model, dx):
    """The value V(D*, G) of the game when the discriminator is optimal.

        V(D*, G) = sum_k [ p_d[k] log D*[k] + p_g[k] log(1 - D*[k]) ] * dx,

    with 0 * log(0) = 0 (a term whose density is 0 contributes nothing). It equals
    -log(4) + 2 * JSD(p_d || p_g), so it is -log(4) exactly when p_g == p_d.

    Args:
        p_data: float64 array of shape (K,), p_d at the grid points.
        p_model: float64 array of shape (K,), p_g at the grid points.
        dx: float, the grid spacing.

    Returns:
        value: float.
    """
    ### BEGIN SOLUTION
    p_data = np.asarray(p_data, dtype=np.float64)
    p_model = np.asarray(p_model, dtype=np.float64)
    total = np.where(p_data + p_model > 0, p_data + p_model, 1.0)
    real = np.where(p_data > 0, p_data * np.log(np.where(p_data > 0, p_data, 1.0) / total), 0.0)
    fake = np.where(p_model > 0, p_model * np.log(np.where(p_model > 0, p_model, 1.0) / total), 0.0)
    return float(np.sum(real + fake) * dx)
    ### END SOLUTION
