"""Unit 5: object-detection primitives -- intersection over union and non-maximum suppression.

A box is a row [x1, y1, x2, y2] of float64 corner coordinates with x1 < x2 and y1 < y2; its
area is (x2 - x1) * (y2 - y1) (continuous coordinates, no "+ 1"). Inputs are never modified.
"""
import numpy as np


def iou(boxes_a, boxes_b):
    """Pairwise intersection over union of two sets of boxes.

        iou[i, j] = area(a_i intersect b_j) / area(a_i union b_j)

    Boxes that only touch or do not overlap have IoU 0; every value lies in [0, 1], and
    iou(a, a) is 1 on the diagonal.

    Args:
        boxes_a: float64 array of shape (N, 4).
        boxes_b: float64 array of shape (M, 4).

    Returns:
        iou: new float64 array of shape (N, M).

    Raises:
        ValueError: if either input is not of shape (K, 4).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def nms(boxes, scores, iou_threshold=0.5):
    """Greedy non-maximum suppression.

    Visit the boxes by decreasing score; keep a box unless its IoU with a box already kept is
    strictly greater than iou_threshold (a box with IoU exactly equal to the threshold is kept).

    Args:
        boxes: float64 array of shape (N, 4), N >= 0.
        scores: float64 array of shape (N,), all distinct.
        iou_threshold: float in [0, 1].

    Returns:
        keep: new int64 array of shape (K,), the indices of the kept boxes in order of
            decreasing score (shape (0,) when N == 0).

    Raises:
        ValueError: if boxes is not (N, 4) or scores is not (N,).
    """
    # YOUR CODE HERE
    raise NotImplementedError
