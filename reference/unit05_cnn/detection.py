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
    ### BEGIN SOLUTION
    a, b = (np.asarray(v, dtype=np.float64) for v in (boxes_a, boxes_b))
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != 4 or b.shape[1] != 4:
        raise ValueError(f"expected boxes of shapes (N, 4) and (M, 4), got {a.shape} and {b.shape}")
    lo = np.maximum(a[:, None, :2], b[None, :, :2])
    hi = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0.0, None), axis=-1)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=-1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=-1)
    return inter / (area_a[:, None] + area_b[None, :] - inter)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    boxes = np.asarray(boxes, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    if boxes.ndim != 2 or boxes.shape[1] != 4 or scores.shape != (boxes.shape[0],):
        raise ValueError(f"expected boxes (N, 4) and scores (N,), got {boxes.shape} and {scores.shape}")
    overlaps = iou(boxes, boxes)
    keep = []
    for i in np.argsort(-scores, kind="stable"):
        if all(overlaps[i, j] <= iou_threshold for j in keep):
            keep.append(int(i))
    return np.array(keep, dtype=np.int64)
    ### END SOLUTION
