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
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=0)
    centered = X - mean
    values, vectors = np.linalg.eigh(centered.T @ centered / len(X))
    order = np.argsort(values)[::-1]
    return mean, vectors[:, order[:k]].T.copy(), values[order]
    ### END SOLUTION


def pca_transform(X, mean, components):
    """Codes of the rows of X: their centered coordinates along the components.

    Args:
        X: float64 array of shape (N, D).
        mean: float64 array of shape (D,).
        components: float64 array of shape (k, D) with orthonormal rows.

    Returns:
        codes: float64 array of shape (N, k).
    """
    ### BEGIN SOLUTION
    return (np.asarray(X, dtype=np.float64) - mean) @ components.T
    ### END SOLUTION


def pca_reconstruct(codes, mean, components):
    """Map codes back to the data space.

    Args:
        codes: float64 array of shape (N, k).
        mean: float64 array of shape (D,).
        components: float64 array of shape (k, D).

    Returns:
        X_hat: float64 array of shape (N, D).
    """
    ### BEGIN SOLUTION
    return np.asarray(codes, dtype=np.float64) @ components + mean
    ### END SOLUTION


def reconstruction_error(X, X_hat):
    """Mean over rows of the squared Euclidean distance between X and X_hat.

    Args:
        X: float64 array of shape (N, D).
        X_hat: float64 array of shape (N, D).

    Returns:
        error: float.
    """
    ### BEGIN SOLUTION
    return float(np.mean(np.sum((np.asarray(X) - np.asarray(X_hat)) ** 2, axis=1)))
    ### END SOLUTION
