"""Unit 8: principal component analysis in numpy -- the linear autoencoder in closed form.

The covariance is the biased one, C = Xc^T Xc / N with Xc = X - mean. Projecting onto the top k
eigenvectors and back loses, on average per example, exactly the sum of the discarded
eigenvalues of C.
"""
import numpy as np


def pca_fit(X, k):
    """Principal components of the rows of X.

    Args:
        X: float64 array of shape (N, D).
        k: int, 1 <= k <= D, the number of components kept.

    Returns:
        A tuple (mean, components, eigenvalues):
        - mean: float64 array of shape (D,), the mean row.
        - components: float64 array of shape (k, D), orthonormal rows, the eigenvectors of C
          for its k largest eigenvalues, largest first (each row's sign is free).
        - eigenvalues: float64 array of shape (D,), all eigenvalues of C, in decreasing order.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def pca_transform(X, mean, components):
    """Codes of the rows of X: their centered coordinates along the components.

    Args:
        X: float64 array of shape (N, D).
        mean: float64 array of shape (D,).
        components: float64 array of shape (k, D) with orthonormal rows.

    Returns:
        codes: float64 array of shape (N, k).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def pca_reconstruct(codes, mean, components):
    """Map codes back to the data space.

    Args:
        codes: float64 array of shape (N, k).
        mean: float64 array of shape (D,).
        components: float64 array of shape (k, D).

    Returns:
        X_hat: float64 array of shape (N, D).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def reconstruction_error(X, X_hat):
    """Mean over rows of the squared Euclidean distance between X and X_hat.

    Args:
        X: float64 array of shape (N, D).
        X_hat: float64 array of shape (N, D).

    Returns:
        error: float.
    """
    # YOUR CODE HERE
    raise NotImplementedError
