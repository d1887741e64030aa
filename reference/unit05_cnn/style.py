"""Unit 5: neural style transfer losses and their gradients (numpy).

Feature maps come in NCHW layout: features[n, c] is channel c of image n's feature map, of
shape (H, W). Every function returns new float64 arrays (losses as Python floats) and never
modifies its inputs.
"""
import numpy as np


def gram_matrix(features):
    """Normalized Gram matrix of each feature map.

        G[n] = F_n @ F_n.T / (C * H * W),   F_n = features[n].reshape(C, H * W)

    so G[n, c, d] is the (normalized) correlation of channels c and d; each G[n] is symmetric
    and positive semi-definite.

    Args:
        features: float64 array of shape (N, C, H, W).

    Returns:
        G: new float64 array of shape (N, C, C).

    Raises:
        ValueError: if features is not 4-D.
    """
    ### BEGIN SOLUTION
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 4:
        raise ValueError(f"expected features of shape (N, C, H, W), got {features.shape}")
    N, C, H, W = features.shape
    flat = features.reshape(N, C, H * W)
    return flat @ flat.transpose(0, 2, 1) / (C * H * W)
    ### END SOLUTION


def gram_backward(dG, features):
    """Backward pass of gram_matrix: the gradient of L = sum(dG * gram_matrix(features)).

    Args:
        dG: float64 array of shape (N, C, C), the upstream gradient (not necessarily symmetric).
        features: float64 array of shape (N, C, H, W), the input of gram_matrix.

    Returns:
        dfeatures: new float64 array of shape (N, C, H, W).

    Raises:
        ValueError: if dG is not of shape (N, C, C).
    """
    ### BEGIN SOLUTION
    features = np.asarray(features, dtype=np.float64)
    dG = np.asarray(dG, dtype=np.float64)
    N, C, H, W = features.shape
    if dG.shape != (N, C, C):
        raise ValueError(f"dG must have shape {(N, C, C)}, got {dG.shape}")
    flat = features.reshape(N, C, H * W)
    return ((dG + dG.transpose(0, 2, 1)) @ flat / (C * H * W)).reshape(features.shape)
    ### END SOLUTION


def content_loss(features, target, weight):
    """Content loss: weight * sum((features - target) ** 2), and its gradient.

    Args:
        features: float64 array of any shape, the current image's feature map.
        target: float64 array of the same shape, the content image's feature map.
        weight: float >= 0.

    Returns:
        A tuple (loss, dfeatures): a Python float and a new float64 array of features' shape.

    Raises:
        ValueError: if the shapes differ.
    """
    ### BEGIN SOLUTION
    features, target = np.asarray(features, dtype=np.float64), np.asarray(target, dtype=np.float64)
    if features.shape != target.shape:
        raise ValueError(f"features and target shapes differ: {features.shape} and {target.shape}")
    diff = features - target
    return float(weight * np.sum(diff**2)), 2.0 * weight * diff
    ### END SOLUTION


def style_loss(features, target_gram, weight):
    """Style loss of one layer: weight * sum((gram_matrix(features) - target_gram) ** 2).

    Args:
        features: float64 array of shape (N, C, H, W), the current image's feature map.
        target_gram: float64 array of shape (N, C, C), the style image's Gram matrices.
        weight: float >= 0.

    Returns:
        A tuple (loss, dfeatures): a Python float and a new float64 array of shape (N, C, H, W).

    Raises:
        ValueError: if target_gram is not of shape (N, C, C).
    """
    ### BEGIN SOLUTION
    G = gram_matrix(features)
    target_gram = np.asarray(target_gram, dtype=np.float64)
    if target_gram.shape != G.shape:
        raise ValueError(f"target_gram must have shape {G.shape}, got {target_gram.shape}")
    diff = G - target_gram
    return float(weight * np.sum(diff**2)), gram_backward(2.0 * weight * diff, features)
    ### END SOLUTION


def tv_loss(images, weight):
    """Total variation loss (squared differences of neighbouring pixels), and its gradient.

        loss = weight * (sum_{n,c,i,j} (x[n,c,i+1,j] - x[n,c,i,j]) ** 2
                         + sum_{n,c,i,j} (x[n,c,i,j+1] - x[n,c,i,j]) ** 2)

    It is 0 on a constant image and does not change when a constant is added.

    Args:
        images: float64 array of shape (N, C, H, W).
        weight: float >= 0.

    Returns:
        A tuple (loss, dimages): a Python float and a new float64 array of shape (N, C, H, W).

    Raises:
        ValueError: if images is not 4-D.
    """
    ### BEGIN SOLUTION
    x = np.asarray(images, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError(f"expected images of shape (N, C, H, W), got {x.shape}")
    down, right = x[:, :, 1:, :] - x[:, :, :-1, :], x[:, :, :, 1:] - x[:, :, :, :-1]
    grad = np.zeros_like(x)
    grad[:, :, 1:, :] += 2 * down
    grad[:, :, :-1, :] -= 2 * down
    grad[:, :, :, 1:] += 2 * right
    grad[:, :, :, :-1] -= 2 * right
    return float(weight * (np.sum(down**2) + np.sum(right**2))), weight * grad
    ### END SOLUTION
