"""Unit 8: anomaly detection by reconstruction error.

An autoencoder trained on normal data reconstructs normal examples well and unusual ones badly;
the squared reconstruction error is the anomaly score, and a threshold at a high quantile of the
scores of normal examples flags anomalies.
"""
import numpy as np
import torch


def reconstruction_scores(model, X):
    """Anomaly scores: the squared reconstruction error of each row, in eval mode, without
    tracking gradients.

    Args:
        model: an autoencoder (torch.nn.Module mapping (N, D) to (N, D)).
        X: float32 tensor of shape (N, D).

    Returns:
        scores: tensor of shape (N,), scores[i] = ||X[i] - model(X)[i]||^2; it does not require grad.
    """
    ### BEGIN SOLUTION
    model.eval()
    with torch.no_grad():
        return ((X - model(X)) ** 2).sum(dim=1)
    ### END SOLUTION


def fit_threshold(normal_scores, quantile=0.95):
    """The threshold: the given quantile of the scores of normal examples (numpy's default
    linear interpolation, as np.quantile).

    Args:
        normal_scores: float64 array of shape (N,).
        quantile: float in [0, 1].

    Returns:
        threshold: float.
    """
    ### BEGIN SOLUTION
    return float(np.quantile(np.asarray(normal_scores, dtype=np.float64), quantile))
    ### END SOLUTION


def flag_anomalies(scores, threshold):
    """Which examples are anomalies: those whose score is strictly above the threshold.

    Args:
        scores: float64 array of shape (N,).
        threshold: float.

    Returns:
        flags: bool array of shape (N,).
    """
    ### BEGIN SOLUTION
    return np.asarray(scores) > threshold
    ### END SOLUTION
