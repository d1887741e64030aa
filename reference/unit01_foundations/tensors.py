"""Unit 1: tensor operations -- transpose, dot, matmul, inverse, rank, span and projection.

Every function takes float64 numpy arrays, never modifies them, and returns a new
np.ndarray (or a Python scalar where stated) that shares no memory with its inputs.
"""
import numpy as np


def transpose(A):
    """Transpose a matrix.

    Args:
        A: float64 array of shape (m, n).

    Returns:
        AT: new float64 array of shape (n, m) with AT[j, i] == A[i, j]. It is a fresh
            copy: writing to AT never changes A.

    Raises:
        ValueError: if A is not 2-dimensional.
    """
    ### BEGIN SOLUTION
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2:
        raise ValueError(f"A must be 2-D, got shape {A.shape}")
    return np.array(A.T)
    ### END SOLUTION


def dot(u, v):
    """Inner product of two vectors: sum_i u[i] * v[i].

    Args:
        u: float64 array of shape (n,).
        v: float64 array of shape (n,).

    Returns:
        s: Python float, the inner product <u, v>.

    Raises:
        ValueError: if u or v is not 1-dimensional or their shapes differ.
    """
    ### BEGIN SOLUTION
    u = np.asarray(u, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    if u.ndim != 1 or u.shape != v.shape:
        raise ValueError(f"u and v must be vectors of the same shape, got {u.shape} and {v.shape}")
    return float(u @ v)
    ### END SOLUTION


def matmul(A, B):
    """Matrix product C = A B, with C[i, j] = sum_k A[i, k] * B[k, j].

    Args:
        A: float64 array of shape (m, n).
        B: float64 array of shape (n, p).

    Returns:
        C: new float64 array of shape (m, p).

    Raises:
        ValueError: if A or B is not 2-dimensional, or the inner dimensions differ
            (A.shape[1] != B.shape[0]).
    """
    ### BEGIN SOLUTION
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[0]:
        raise ValueError(f"cannot multiply shapes {A.shape} and {B.shape}")
    return A @ B
    ### END SOLUTION


def inverse(A):
    """Inverse of a square, non-singular matrix: the X with A X = X A = I.

    A matrix counts as singular when it is numerically rank deficient: with singular
    values s_max >= ... >= s_min, when s_min <= s_max * n * eps (eps = machine epsilon of
    float64), i.e. when numpy.linalg.matrix_rank(A) < n. This includes every matrix whose
    condition number s_max / s_min exceeds 1 / eps, and every exactly singular matrix.

    Args:
        A: float64 array of shape (n, n), n >= 1.

    Returns:
        A_inv: new float64 array of shape (n, n), the inverse of A.

    Raises:
        ValueError: if A is not a non-empty square 2-D matrix.
        ValueError: "matrix is singular ..." if A is singular or numerically singular.
    """
    ### BEGIN SOLUTION
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ValueError(f"A must be a non-empty square matrix, got shape {A.shape}")
    n = A.shape[0]
    s = np.linalg.svd(A, compute_uv=False)
    if s[-1] <= s[0] * n * np.finfo(np.float64).eps:
        raise ValueError(
            f"matrix is singular or numerically singular "
            f"(smallest singular value {s[-1]:.3g}, largest {s[0]:.3g})"
        )
    return np.linalg.inv(A)
    ### END SOLUTION


def rank(A, tol=None):
    """Numerical rank of a matrix: the number of singular values greater than tol.

    Args:
        A: float64 array of shape (m, n).
        tol: optional float threshold. Default (numpy's convention):
            tol = S.max() * max(m, n) * eps, where S are the singular values of A and eps
            is the machine epsilon of float64.

    Returns:
        r: Python int, 0 <= r <= min(m, n). An empty matrix has rank 0.

    Raises:
        ValueError: if A is not 2-dimensional.
    """
    ### BEGIN SOLUTION
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2:
        raise ValueError(f"A must be 2-D, got shape {A.shape}")
    if A.size == 0:
        return 0
    S = np.linalg.svd(A, compute_uv=False)
    if tol is None:
        tol = S.max() * max(A.shape) * np.finfo(np.float64).eps
    return int(np.count_nonzero(S > tol))
    ### END SOLUTION


def is_linearly_independent(V):
    """Whether the rows of V are linearly independent vectors.

    The k vectors are independent iff the numerical rank of V (same default tolerance
    as `rank`) equals k. In particular k > n vectors are never independent, and the
    empty set (k == 0) is independent.

    Args:
        V: float64 array of shape (k, n); row i is the i-th vector in R^n.

    Returns:
        independent: Python bool, True iff rank(V) == k.

    Raises:
        ValueError: if V is not 2-dimensional.
    """
    ### BEGIN SOLUTION
    V = np.asarray(V, dtype=np.float64)
    if V.ndim != 2:
        raise ValueError(f"V must be 2-D, got shape {V.shape}")
    if V.shape[0] == 0:
        return True
    return bool(np.linalg.matrix_rank(V) == V.shape[0])
    ### END SOLUTION


def project_onto_span(x, V):
    """Orthogonal projection of x onto the subspace spanned by the rows of V.

    The result p is the unique vector in span(V[0], ..., V[k-1]) with x - p orthogonal
    to every row of V. The rows need not be orthonormal nor linearly independent
    (redundant rows do not change the span); p = V^T c for any least-squares solution c
    of V^T c ~= x.

    Args:
        x: float64 array of shape (n,).
        V: float64 array of shape (k, n); row i is the i-th spanning vector.

    Returns:
        p: new float64 array of shape (n,), the projection of x. If V spans nothing
            (all rows zero, or k == 0), p is the zero vector.

    Raises:
        ValueError: if x is not 1-D, V is not 2-D, or V.shape[1] != x.shape[0].
    """
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    V = np.asarray(V, dtype=np.float64)
    if x.ndim != 1 or V.ndim != 2 or V.shape[1] != x.shape[0]:
        raise ValueError(f"expected x (n,) and V (k, n), got {x.shape} and {V.shape}")
    if V.shape[0] == 0:
        return np.zeros_like(x)
    c = np.linalg.lstsq(V.T, x, rcond=None)[0]
    return V.T @ c
    ### END SOLUTION
