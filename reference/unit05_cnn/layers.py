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
    ### BEGIN SOLUTION
    if stride < 1 or pad < 0 or kernel < 1 or size < 1 or kernel > size + 2 * pad:
        raise ValueError(f"no valid output for size={size}, kernel={kernel}, stride={stride}, pad={pad}")
    return int((size - kernel + 2 * pad) // stride + 1)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1] or b.shape != (w.shape[0],):
        raise ValueError(f"expected x (N, C, H, W), w (F, C, KH, KW), b (F,); got {x.shape}, {w.shape}, {b.shape}")
    _, _, H, W = x.shape
    F, _, KH, KW = w.shape
    Ho, Wo = conv_output_size(H, KH, stride, pad), conv_output_size(W, KW, stride, pad)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((x.shape[0], F, Ho, Wo)) + b[None, :, None, None]
    for p in range(KH):
        for q in range(KW):
            patch = xp[:, :, p:p + stride * (Ho - 1) + 1:stride, q:q + stride * (Wo - 1) + 1:stride]
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, p, q])
    return out, (x, w, stride, pad)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    x, w, stride, pad = cache
    dout = np.asarray(dout, dtype=np.float64)
    N, _, H, W = x.shape
    F, _, KH, KW = w.shape
    Ho, Wo = conv_output_size(H, KH, stride, pad), conv_output_size(W, KW, stride, pad)
    if dout.shape != (N, F, Ho, Wo):
        raise ValueError(f"dout must have shape {(N, F, Ho, Wo)}, got {dout.shape}")
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for p in range(KH):
        for q in range(KW):
            window = (slice(None), slice(None), slice(p, p + stride * (Ho - 1) + 1, stride),
                      slice(q, q + stride * (Wo - 1) + 1, stride))
            dw[:, :, p, q] = np.einsum("nchw,nfhw->fc", xp[window], dout)
            dxp[window] += np.einsum("nfhw,fc->nchw", dout, w[:, :, p, q])
    return dxp[:, :, pad:pad + H, pad:pad + W].copy(), dw, dout.sum(axis=(0, 2, 3))
    ### END SOLUTION


def _windows(x, pool_size, stride):
    """The pooling windows of x as an array of shape (N, C, H', W', pool_size * pool_size)."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError(f"expected x of shape (N, C, H, W), got {x.shape}")
    Ho = conv_output_size(x.shape[2], pool_size, stride)
    Wo = conv_output_size(x.shape[3], pool_size, stride)
    view = np.lib.stride_tricks.sliding_window_view(x, (pool_size, pool_size), axis=(2, 3))
    return view[:, :, ::stride, ::stride][:, :, :Ho, :Wo].reshape(*x.shape[:2], Ho, Wo, -1)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    return _windows(x, pool_size, stride).max(axis=-1), (np.array(x, dtype=np.float64), pool_size, stride)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    x, pool_size, stride = cache
    windows = _windows(x, pool_size, stride)
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != windows.shape[:4]:
        raise ValueError(f"dout must have shape {windows.shape[:4]}, got {dout.shape}")
    best = windows.argmax(axis=-1)
    n, c, i, j = np.indices(best.shape)
    dx = np.zeros_like(x)
    np.add.at(dx, (n, c, i * stride + best // pool_size, j * stride + best % pool_size), dout)
    return dx
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    return _windows(x, pool_size, stride).mean(axis=-1), (np.array(x.shape), pool_size, stride)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    shape, pool_size, stride = cache
    N, C, H, W = (int(s) for s in shape)
    Ho, Wo = conv_output_size(H, pool_size, stride), conv_output_size(W, pool_size, stride)
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != (N, C, Ho, Wo):
        raise ValueError(f"dout must have shape {(N, C, Ho, Wo)}, got {dout.shape}")
    dx = np.zeros((N, C, H, W))
    for p in range(pool_size):
        for q in range(pool_size):
            dx[:, :, p:p + stride * (Ho - 1) + 1:stride, q:q + stride * (Wo - 1) + 1:stride] += dout
    return dx / pool_size**2
    ### END SOLUTION
