"""Unit 5: a small convolutional network in numpy, its loss, and what weight sharing saves.

The network: conv ("same" padding, stride 1) -> ReLU -> 2x2 max pooling (stride 2) -> fully
connected layer -> softmax, trained with the cross-entropy loss. Every function returns new
float64 arrays and never modifies its inputs.
"""
import numpy as np

from .layers import conv_backward, conv_forward, conv_output_size, max_pool_backward, max_pool_forward


def softmax_cross_entropy(scores, y):
    """Mean cross-entropy of the softmax of the scores, and its gradient.

        p[n] = softmax(scores[n]),   loss = -(1 / N) * sum_n log p[n, y[n]]
        dscores = (p - onehot(y)) / N

    Computed stably: the softmax is taken of scores minus their row maximum, and log p by
    log-sum-exp, so scores of magnitude 1e4 give finite results.

    Args:
        scores: float64 array of shape (N, M), the class scores.
        y: int array of shape (N,), labels in 0..M-1.

    Returns:
        A tuple (loss, dscores):
        - loss: Python float.
        - dscores: new float64 array of shape (N, M), the gradient of loss with respect to scores.

    Raises:
        ValueError: if scores is not 2-D or y is not (N,).
    """
    ### BEGIN SOLUTION
    scores = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y)
    if scores.ndim != 2 or y.shape != (scores.shape[0],):
        raise ValueError(f"expected scores (N, M) and y (N,), got {scores.shape} and {y.shape}")
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(y))
    dscores = np.exp(log_p)
    dscores[rows, y] -= 1
    return float(-log_p[rows, y].mean()), dscores / len(y)
    ### END SOLUTION


def cnn_forward(x, params):
    """Class scores of the network conv -> ReLU -> max pool -> fully connected.

        a = conv_forward(x, W1, b1, stride=1, pad=(K - 1) // 2)     (N, F, H, W)
        r = relu(a)
        m = max_pool_forward(r, pool_size=2, stride=2)             (N, F, H // 2, W // 2)
        scores = m.reshape(N, -1) @ W2 + b2                         (N, M)

    (the flattening is row-major over (F, H // 2, W // 2); the softmax is applied by the loss).

    Args:
        x: float64 array of shape (N, C, H, W), H and W even.
        params: dict with float64 arrays "W1" (F, C, K, K) with K odd, "b1" (F,),
            "W2" (F * (H // 2) * (W // 2), M) and "b2" (M,).

    Returns:
        A tuple (scores, cache):
        - scores: new float64 array of shape (N, M).
        - cache: a tuple of arrays, ints and tuples of them, what cnn_backward needs.

    Raises:
        ValueError: if the shapes do not chain as above.
    """
    ### BEGIN SOLUTION
    W1, b1, W2, b2 = (np.asarray(params[k], dtype=np.float64) for k in ("W1", "b1", "W2", "b2"))
    a, conv_cache = conv_forward(x, W1, b1, stride=1, pad=(W1.shape[2] - 1) // 2)
    m, pool_cache = max_pool_forward(np.maximum(a, 0.0), pool_size=2, stride=2)
    flat = m.reshape(m.shape[0], -1)
    if W2.shape[0] != flat.shape[1] or b2.shape != (W2.shape[1],):
        raise ValueError(f"W2 must be ({flat.shape[1]}, M) and b2 (M,), got {W2.shape} and {b2.shape}")
    return flat @ W2 + b2, (conv_cache, a, pool_cache, flat, W2)
    ### END SOLUTION


def cnn_backward(dscores, cache):
    """Backward pass of cnn_forward: the gradients of L = sum(dscores * scores).

    The ReLU derivative at 0 is taken to be 0.

    Args:
        dscores: float64 array of shape (N, M), the upstream gradient.
        cache: the cache returned by cnn_forward.

    Returns:
        grads: dict of new float64 arrays with keys "x", "W1", "b1", "W2", "b2", each of the
            shape of that input of cnn_forward.

    Raises:
        ValueError: if dscores does not have the shape (N, M) of the scores.
    """
    ### BEGIN SOLUTION
    conv_cache, a, pool_cache, flat, W2 = cache
    dscores = np.asarray(dscores, dtype=np.float64)
    if dscores.shape != (flat.shape[0], W2.shape[1]):
        raise ValueError(f"dscores must have shape {(flat.shape[0], W2.shape[1])}, got {dscores.shape}")
    dflat = dscores @ W2.T
    dr = max_pool_backward(dflat.reshape(a.shape[0], a.shape[1], a.shape[2] // 2, a.shape[3] // 2), pool_cache)
    dx, dW1, db1 = conv_backward(dr * (a > 0), conv_cache)
    return {"x": dx, "W1": dW1, "b1": db1, "W2": flat.T @ dscores, "b2": dscores.sum(axis=0)}
    ### END SOLUTION


def parameter_counts(in_shape, out_channels, kernel_size, stride=1, pad=0):
    """Parameters of a convolution layer and of a dense layer with the same input and output sizes.

    The convolution has out_channels filters of shape (C, kernel_size, kernel_size) and one bias
    each. The dense layer maps the flattened input (C * H * W values) to the flattened output of
    that convolution (out_channels * H' * W' values, H' and W' from conv_output_size) with a
    weight matrix and a bias vector. Weight sharing is why the first is so much smaller.

    Args:
        in_shape: tuple (C, H, W) of ints, the shape of one input image.
        out_channels: int >= 1, the number of filters F.
        kernel_size: int >= 1.
        stride: int >= 1.
        pad: int >= 0.

    Returns:
        A tuple (conv_params, dense_params) of Python ints.

    Raises:
        ValueError: if the kernel does not fit (see conv_output_size).
    """
    ### BEGIN SOLUTION
    C, H, W = (int(s) for s in in_shape)
    Ho, Wo = conv_output_size(H, kernel_size, stride, pad), conv_output_size(W, kernel_size, stride, pad)
    outputs = out_channels * Ho * Wo
    return int(out_channels * (C * kernel_size**2 + 1)), int(C * H * W * outputs + outputs)
    ### END SOLUTION
