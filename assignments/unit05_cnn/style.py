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
    # YOUR CODE HERE
    raise NotImplementedError


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
    # YOUR CODE HERE
    raise NotImplementedError


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
    # YOUR CODE HERE
    raise NotImplementedError


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
    # YOUR CODE HERE
    raise NotImplementedError


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
    # YOUR CODE HERE
    raise NotImplementedError
