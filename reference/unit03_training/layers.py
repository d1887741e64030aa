"""Unit 3: an L-layer MLP -- forward, backward, softmax cross-entropy, gradient norms per layer.

The network has L affine layers. Hidden layers apply an activation after the affine map; the
last layer does not (its outputs are the class scores):

    A_0 = X,   Z_l = A_{l-1} @ W_l + b_l,   A_l = f(Z_l) for l < L,   scores = Z_L.

``params`` is a list of L tuples (W_l, b_l), W_l of shape (M_{l-1}, M_l), b_l of shape (M_l,),
with M_0 = D (the input size) and M_L = C (the number of classes). Every function returns new
float64 arrays and never modifies its inputs.
"""
import numpy as np


def softmax_cross_entropy(scores, y):
    """Mean softmax cross-entropy loss and its gradient with respect to the scores.

        p = softmax(scores) (row by row),   loss = -(1/N) * sum_i log p[i, y[i]],
        dscores = (p - onehot(y)) / N.

    Computed stably: no overflow or warnings for scores as large as 1e4 in magnitude.

    Args:
        scores: float64 array of shape (N, C), the class scores.
        y: int array of shape (N,), labels in 0..C-1.

    Returns:
        A tuple (loss, dscores):
        - loss: float, the mean loss.
        - dscores: new float64 array of shape (N, C), the gradient of loss.
    """
    ### BEGIN SOLUTION
    scores = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y)
    n = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -float(log_p[np.arange(n), y].mean())
    dscores = np.exp(log_p)
    dscores[np.arange(n), y] -= 1.0
    return loss, dscores / n
    ### END SOLUTION


def mlp_forward(X, params, activation="relu"):
    """Forward pass of the L-layer MLP described in the module docstring.

    Args:
        X: float64 array of shape (N, D), the inputs, one per row.
        params: list of L >= 1 tuples (W_l, b_l).
        activation: "relu" or "sigmoid", applied after every hidden layer (not the last).

    Returns:
        A tuple (scores, cache):
        - scores: new float64 array of shape (N, C), C = M_L.
        - cache: whatever mlp_backward needs (for example the Z_l, the A_l, the weights and
          the activation name); it must be data: arrays, numbers, strings, lists, tuples.

    Raises:
        ValueError: for an unknown activation name.
    """
    ### BEGIN SOLUTION
    if activation not in ("relu", "sigmoid"):
        raise ValueError(f"unknown activation {activation!r}; expected 'relu' or 'sigmoid'")
    A = np.array(X, dtype=np.float64)
    inputs, pre, weights = [], [], []
    for l, (W, b) in enumerate(params):
        W = np.array(W, dtype=np.float64)
        inputs.append(A)
        weights.append(W)
        Z = A @ W + b
        pre.append(Z)
        if l == len(params) - 1:
            A = Z
        elif activation == "relu":
            A = np.maximum(Z, 0.0)
        else:
            A = 0.5 * (1.0 + np.tanh(0.5 * Z))
    return A, (inputs, pre, weights, activation)
    ### END SOLUTION


def mlp_backward(dscores, cache):
    """Backward pass of mlp_forward: gradients of sum(dscores * scores) for every parameter.

    The ReLU derivative at 0 is taken to be 0; the sigmoid derivative is s * (1 - s).

    Args:
        dscores: float64 array of shape (N, C), the upstream gradient.
        cache: the cache returned by mlp_forward.

    Returns:
        grads: list of L tuples (dW_l, db_l), new float64 arrays of the shapes of (W_l, b_l).
    """
    ### BEGIN SOLUTION
    inputs, pre, weights, activation = cache
    dZ = np.array(dscores, dtype=np.float64)
    grads = []
    for l in reversed(range(len(weights))):
        grads.append((inputs[l].T @ dZ, dZ.sum(axis=0)))
        if l > 0:
            dA = dZ @ weights[l].T
            if activation == "relu":
                dZ = dA * (pre[l - 1] > 0)
            else:
                dZ = dA * inputs[l] * (1.0 - inputs[l])
    return grads[::-1]
    ### END SOLUTION


def layer_gradient_norms(X, y, params, activation="relu"):
    """Frobenius norm of the weight gradient of each layer, for the mean softmax cross-entropy.

    Runs the forward pass, the loss of softmax_cross_entropy(scores, y) and the backward pass,
    and returns ||dW_l||_F = sqrt(sum(dW_l ** 2)) for l = 1..L (first layer first). This is how
    vanishing gradients (a deep sigmoid net: the norms shrink toward the input) and exploding
    gradients (too-large weights: the norms are huge) show up.

    Args:
        X: float64 array of shape (N, D).
        y: int array of shape (N,), labels in 0..C-1.
        params: list of L tuples (W_l, b_l).
        activation: "relu" or "sigmoid" for the hidden layers.

    Returns:
        norms: float64 array of shape (L,).
    """
    ### BEGIN SOLUTION
    scores, cache = mlp_forward(X, params, activation)
    _, dscores = softmax_cross_entropy(scores, y)
    return np.array([np.linalg.norm(dW) for dW, _ in mlp_backward(dscores, cache)])
    ### END SOLUTION
