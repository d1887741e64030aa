"""Labelled data for classification checks.

Strategies draw integer labels, and binary labels with scores that are either distinct or on a
small integer grid (many ties). The answer keys that count by definition live with the
instructor-only keys (``autograder/keys/unit09_evaluation.py``).
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


@st.composite
def label_pairs(draw, max_classes: int = 4, max_n: int = 16):
    """``(y_true, y_pred, num_classes)``: int64 label arrays of one length in 0..C-1."""
    c = draw(st.integers(2, max_classes))
    n = draw(st.integers(1, max_n))
    labels = hnp.arrays(np.int64, n, elements=st.integers(0, c - 1))
    return draw(labels), draw(labels), c


@st.composite
def scored_labels(draw, min_n: int = 2, max_n: int = 12, negatives: bool = True, grid: int | None = None,
                  tied: bool | None = None):
    """``(y, scores)``: 0/1 int64 labels with at least one positive (and one negative if
    ``negatives``), and float64 scores: distinct, or with ties on the integers -grid..grid.
    ``grid`` fixes the grid; ``tied`` fixes the kind (True: on the grid, False: distinct); by
    default either kind is drawn. With ``min_n`` above ``2 * grid + 1`` every tied draw has a tie."""
    n = draw(st.integers(min_n, max_n))
    y = draw(hnp.arrays(np.int64, n, elements=st.integers(0, 1)))
    if not y.any():
        y[draw(st.integers(0, n - 1))] = 1
    if negatives and y.all():
        y[draw(st.integers(0, n - 1))] = 0
    if tied is None:
        tied = grid is not None or draw(st.booleans())
    if tied:
        g = grid or 4
        scores = draw(hnp.arrays(np.int64, n, elements=st.integers(-g, g))).astype(np.float64)
    else:
        scores = draw(hnp.arrays(np.float64, n, elements=st.floats(-10, 10, width=32), unique=True))
    return y, scores + 0.0
