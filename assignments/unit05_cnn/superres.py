"""Unit 5: super-resolution primitives in numpy -- pixel shuffle, its inverse, and PSNR.

Images come in NCHW layout. Every function returns new arrays and never modifies its inputs.
"""
import numpy as np


def pixel_shuffle(x, r):
    """Rearrange channels into space (the sub-pixel convolution's last step, as torch.nn.PixelShuffle).

        out[n, c, h * r + i, w * r + j] = x[n, c * r * r + i * r + j, h, w]

    for 0 <= i, j < r.

    Args:
        x: float64 array of shape (N, C * r * r, H, W).
        r: int >= 1, the upscaling factor.

    Returns:
        out: new float64 array of shape (N, C, H * r, W * r).

    Raises:
        ValueError: if x is not 4-D, r < 1, or r * r does not divide the channel count.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def pixel_unshuffle(y, r):
    """Inverse of pixel_shuffle (as torch.nn.PixelUnshuffle): space into channels.

        out[n, c * r * r + i * r + j, h, w] = y[n, c, h * r + i, w * r + j]

    Args:
        y: float64 array of shape (N, C, H * r, W * r).
        r: int >= 1, the downscaling factor.

    Returns:
        out: new float64 array of shape (N, C * r * r, H, W).

    Raises:
        ValueError: if y is not 4-D, r < 1, or r does not divide both spatial sizes.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def psnr(prediction, target, max_value=1.0):
    """Peak signal-to-noise ratio in decibels: 10 * log10(max_value ** 2 / MSE).

    MSE is the mean of (prediction - target) ** 2 over all entries; identical images have
    infinite PSNR (return float("inf")).

    Args:
        prediction: float64 array of any shape.
        target: float64 array of the same shape.
        max_value: float > 0, the largest possible pixel value (1.0 for images in [0, 1]).

    Returns:
        psnr: Python float (may be inf).

    Raises:
        ValueError: if the shapes differ.
    """
    # YOUR CODE HERE
    raise NotImplementedError
