import numpy as np


def transpose(A):
    return np.array([[A[i][j] for i in range(A.shape[0])] for j in range(A.shape[1])], dtype=float).reshape(A.shape[::-1])


def dot(u, v):
    if u.shape != v.shape:
        raise ValueError("vectors must have the same length")
    return float(np.sum(u * v))


def matmul(A, B):
    if A.shape[1] != B.shape[0]:
        raise ValueError("inner dimensions differ")
    return np.einsum("ij,jk->ik", A, B)


def inverse(A):
    if A.ndim != 2 or A.shape[0] != A.shape[1] or rank(A) < A.shape[0]:
        raise ValueError("matrix is singular or not square")
    return np.linalg.solve(A, np.eye(A.shape[0]))


def rank(A, tol=None):
    s = np.linalg.svd(A, compute_uv=False)
    if s.size == 0:
        return 0
    tol = s[0] * max(A.shape) * np.finfo(float).eps if tol is None else tol
    return int(np.count_nonzero(s > tol))


def is_linearly_independent(V):
    return rank(V) == V.shape[0]


def project_onto_span(x, V):
    return V.T @ (np.linalg.pinv(V @ V.T) @ (V @ x))
