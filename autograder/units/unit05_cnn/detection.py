"""Checks of ``detection``: properties of IoU (the values and greedy NMS are keyed in
``autograder/keys/unit05_cnn.py``)."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ...checks import compare, properties
from .common import suite


def random_boxes(rng, n, centres=None, spread=10.0):
    centres = rng.uniform(0, spread, (n, 2)) if centres is None else centres
    half_sizes = rng.uniform(0.5, 3.0, (n, 2))
    return np.concatenate([centres - half_sizes, centres + half_sizes], axis=1)


BOX_SETS = st.integers(1, 5).flatmap(lambda n: st.tuples(properties.arrays((n, 2), -10, 10),
                                                         properties.arrays((n, 2), 0.1, 10)))


@suite.check("detection.iou", points=2)
def iou_properties(ctx):
    """Symmetric, in [0, 1], iou(a, a) = 1 on the diagonal, unchanged by shifting and scaling both."""
    fn = ctx.student.detection.iou

    def prop(a, b):
        a, b = np.concatenate([a[0], a[0] + a[1]], 1), np.concatenate([b[0], b[0] + b[1]], 1)
        ab, ba, aa, shifted, scaled = fn.map([(a, b), (b, a), (a, a), (a + 3.5, b + 3.5), (2.5 * a, 2.5 * b)])
        ab = compare.array(ab, "iou(a, b)", (len(a), len(b)))
        if np.any(ab < 0) or np.any(ab > 1):
            ctx.fail("iou(a, b) left the interval [0, 1]")
        compare.close(compare.array(ba, "iou(b, a)", ab.T.shape), ab.T, "iou(b, a) compared with iou(a, b).T", atol=1e-12)
        compare.close(np.diag(compare.array(aa, "iou(a, a)", (len(a), len(a)))), np.ones(len(a)),
                      "the diagonal of iou(a, a)", atol=1e-12)
        compare.close(shifted, ab, "iou(a + t, b + t) compared with iou(a, b)", atol=1e-9)
        compare.close(scaled, ab, "iou(2.5 a, 2.5 b) compared with iou(a, b)", atol=1e-9)

    properties.run(ctx, prop, max_examples=15, a=BOX_SETS, b=BOX_SETS)
