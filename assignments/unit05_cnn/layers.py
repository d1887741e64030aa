"""Unit 5: convolution and pooling layers, forward and backward (numpy, NCHW layout).

Arrays are batches of images in NCHW layout: x[n, c, h, w] is channel c of image n at row h,
column w. Every function returns new float64 arrays and never modifies its inputs. A cache
returned by a forward function travels as plain data: a tuple of arrays and ints.
"""
import numpy as np


def conv_output_size(size, kernel, stride=1, pad=0):
    """Output length along one spatial axis of a convolution or pooling window.

        out = floor((size - kernel + 2 * pad) / stride) + 1

    Positions that would leave fewer than `kernel` (padded) inputs are dropped, so when
    stride does not divide (size - kernel + 2 * pad) the last inputs are not used.

    Args:
        size: int >= 1, the input length (H or W).
        kernel: int >= 1, the window length (KH or KW).
        stride: int >= 1, the step between windows.
        pad: int >= 0, zeros added on each side of the input.

    Returns:
        out: Python int >= 1.

    Raises:
        ValueError: if stride < 1, pad < 0, kernel < 1, size < 1, or kernel > size + 2 * pad.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def conv_forward(x, w, b, stride=1, pad=0):
    """Forward pass of a 2-D convolution layer (cross-correlation, as torch's conv2d).

    With x zero-padded by `pad` on each side of both spatial axes (xp):

        out[n, f, i, j] = b[f] + sum_{c, p, q} xp[n, c, i * stride + p, j * stride + q] * w[f, c, p, q]

    for i < H' = conv_output_size(H, KH, stride, pad), j < W' = conv_output_size(W, KW, stride, pad).

    Args:
        x: float64 array of shape (N, C, H, W), the input images.
        w: float64 array of shape (F, C, KH, KW), the filters.
        b: float64 array of shape (F,), one bias per filter.
        stride: int >= 1, the same along both axes.
        pad: int >= 0, the same on all four sides.

    Returns:
        A tuple (out, cache):
        - out: new float64 array of shape (N, F, H', W').
        - cache: a tuple of arrays and ints, what conv_backward needs.

    Raises:
        ValueError: if x or w is not 4-D, their channel counts C differ, b is not (F,), or the
            kernel does not fit (see conv_output_size).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def conv_backward(dout, cache):
    """Backward pass of conv_forward.

    Returns the gradients of L = sum(dout * out) with respect to x, w and b.

    Args:
        dout: float64 array of shape (N, F, H', W'), the upstream gradient.
        cache: the cache returned by conv_forward.

    Returns:
        A tuple (dx, dw, db) of new float64 arrays of shapes (N, C, H, W), (F, C, KH, KW), (F,).

    Raises:
        ValueError: if dout does not have the shape of the forward output.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def _windows(x, pool_size, stride):
    """The pooling windows of x as an array of shape (N, C, H', W', pool_size * pool_size)."""
    # YOUR CODE HERE
    raise NotImplementedError


def max_pool_forward(x, pool_size=2, stride=2):
    """Forward pass of max pooling over square windows (no padding).

        out[n, c, i, j] = max_{0 <= p, q < pool_size} x[n, c, i * stride + p, j * stride + q]

    for i < H' = conv_output_size(H, pool_size, stride), j < W' = conv_output_size(W, pool_size, stride).

    Args:
        x: float64 array of shape (N, C, H, W).
        pool_size: int >= 1, the side of each window.
        stride: int >= 1, the step between windows (windows overlap when stride < pool_size).

    Returns:
        A tuple (out, cache):
        - out: new float64 array of shape (N, C, H', W').
        - cache: a tuple of arrays and ints, what max_pool_backward needs.

    Raises:
        ValueError: if x is not 4-D or the window does not fit (see conv_output_size).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def max_pool_backward(dout, cache):
    """Backward pass of max_pool_forward.

    Each window passes its upstream gradient dout[n, c, i, j] to the input that was its maximum
    (on a tie, to the first maximum in row-major order within the window) and nothing to the
    other inputs; where windows overlap, an input collects the gradients of every window whose
    maximum it is.

    Args:
        dout: float64 array of shape (N, C, H', W'), the upstream gradient.
        cache: the cache returned by max_pool_forward.

    Returns:
        dx: new float64 array of shape (N, C, H, W).

    Raises:
        ValueError: if dout does not have the shape of the forward output.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def avg_pool_forward(x, pool_size=2, stride=2):
    """Forward pass of average pooling over square windows (no padding).

        out[n, c, i, j] = mean_{0 <= p, q < pool_size} x[n, c, i * stride + p, j * stride + q]

    with H', W' as in max_pool_forward.

    Args:
        x: float64 array of shape (N, C, H, W).
        pool_size: int >= 1, the side of each window.
        stride: int >= 1, the step between windows.

    Returns:
        A tuple (out, cache):
        - out: new float64 array of shape (N, C, H', W').
        - cache: a tuple of arrays and ints, what avg_pool_backward needs.

    Raises:
        ValueError: if x is not 4-D or the window does not fit (see conv_output_size).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def avg_pool_backward(dout, cache):
    """Backward pass of avg_pool_forward: each window spreads dout[n, c, i, j] / pool_size**2
    over its pool_size * pool_size inputs; overlapping windows add up.

    Args:
        dout: float64 array of shape (N, C, H', W'), the upstream gradient.
        cache: the cache returned by avg_pool_forward.

    Returns:
        dx: new float64 array of shape (N, C, H, W).

    Raises:
        ValueError: if dout does not have the shape of the forward output.
    """
    # YOUR CODE HERE
    raise NotImplementedError
