"""Unit 2: multi-class classification -- softmax regression and one-vs-rest logistic regression.

Both models score class k of example x as x @ W[:, k] + b[k] (weights W of shape (D, C), biases
b of shape (C,)) and predict the class with the highest score. Softmax regression trains all
columns together on the softmax cross-entropy; one-vs-rest trains column k alone as a binary
logistic regression of "class k" against "any other class". Train them on Fisher's Iris data
(``iris.load_iris``); features on a common scale (standardized) train best.
"""
import numpy as np

from .logistic import train_logistic_regression
from .softmax import softmax_cross_entropy, softmax_cross_entropy_gradient


def softmax_regression_loss(X, y, W, b):
    """Loss and gradients of softmax regression: L = softmax_cross_entropy(X @ W + b, y).

    With G = softmax_cross_entropy_gradient(X @ W + b, y):  dL/dW = X^T G,  dL/db = sum_i G[i].

    Args:
        X: float64 array of shape (N, D), one example per row.
        y: int array of shape (N,), the labels, each in 0..C-1.
        W: float64 array of shape (D, C), the weights.
        b: float64 array of shape (C,), the biases.

    Returns:
        A tuple (loss, dW, db):
        - loss: Python float.
        - dW: new float64 array of shape (D, C).
        - db: new float64 array of shape (C,).
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    Z = X @ np.asarray(W, dtype=np.float64) + np.asarray(b, dtype=np.float64)
    G = softmax_cross_entropy_gradient(Z, y)
    return softmax_cross_entropy(Z, y), X.T @ G, G.sum(axis=0)
    ### END SOLUTION


def train_softmax_regression(X, y, num_classes, lr, num_steps):
    """Fit softmax regression by full-batch gradient descent on softmax_regression_loss.

    Start from W_0 = zeros((D, C)), b_0 = zeros(C) with C = num_classes and take num_steps steps
    W_{t+1} = W_t - lr * dL/dW(W_t, b_t),  b_{t+1} = b_t - lr * dL/db(W_t, b_t).

    Args:
        X: float64 array of shape (N, D), one example per row.
        y: int array of shape (N,), the labels, each in 0..num_classes-1.
        num_classes: int C >= 2.
        lr: float > 0, the step size.
        num_steps: int >= 0, the number of steps.

    Returns:
        A tuple (W, b):
        - W: new float64 array of shape (D, C), the weights after the last step.
        - b: new float64 array of shape (C,), the biases after the last step.
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    W, b = np.zeros((X.shape[1], num_classes)), np.zeros(num_classes)
    for _ in range(num_steps):
        _, dW, db = softmax_regression_loss(X, y, W, b)
        W, b = W - lr * dW, b - lr * db
    return W, b
    ### END SOLUTION


def train_one_vs_rest(X, y, num_classes, lr, num_steps):
    """One-vs-rest: one binary logistic regression per class.

    For each class k, (W[:, k], b[k]) = train_logistic_regression(X, t_k, lr, num_steps), where
    t_k[i] = 1.0 if y[i] == k else 0.0. Since the sigmoid is increasing, the class whose
    classifier is most confident is the one with the highest score, so predict_classes applies.

    Args:
        X: float64 array of shape (N, D), one example per row.
        y: int array of shape (N,), the labels, each in 0..num_classes-1.
        num_classes: int C >= 2.
        lr: float > 0, the step size of every binary fit.
        num_steps: int >= 0, the number of steps of every binary fit.

    Returns:
        A tuple (W, b):
        - W: new float64 array of shape (D, C); column k holds the weights of classifier k.
        - b: new float64 array of shape (C,); b[k] is the bias of classifier k.
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    W, b = np.zeros((X.shape[1], num_classes)), np.zeros(num_classes)
    for k in range(num_classes):
        W[:, k], b[k] = train_logistic_regression(X, (y == k).astype(np.float64), lr, num_steps)
    return W, b
    ### END SOLUTION


def predict_classes(X, W, b):
    """The predicted class of each example: argmax_k (X @ W + b)[i, k].

    Ties go to the smallest class index (as np.argmax does).

    Args:
        X: float64 array of shape (N, D), one example per row.
        W: float64 array of shape (D, C), the weights.
        b: float64 array of shape (C,), the biases.

    Returns:
        labels: new int64 array of shape (N,), each in 0..C-1.
    """
    ### BEGIN SOLUTION
    scores = np.asarray(X, dtype=np.float64) @ np.asarray(W, dtype=np.float64) + b
    return np.argmax(scores, axis=1).astype(np.int64)
    ### END SOLUTION
