"""Synthetic 8x8 stroke images: the source task unit 10's backbone was pretrained on, and the
target task the students transfer it to.

A stroke is a line of 3 to 6 pixels, horizontal ("h"), vertical ("v"), diagonal ("d") or
anti-diagonal ("a"), at a random position and brightness, on Gaussian noise. Source classes are
single strokes; target classes are pairs of strokes, so features that detect orientations
transfer while the classes themselves are new.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

STEPS = {"h": (0, 1), "v": (1, 0), "d": (1, 1), "a": (1, -1)}
SOURCE = (("h",), ("v",), ("d",), ("a",))
TARGET = (("h", "v"), ("d", "a"), ("h", "d"))
SIDE = 8
WEIGHTS = Path(__file__).with_name("shapes_backbone.npz")


def draw_stroke(image: np.ndarray, kind: str, rng: np.random.Generator) -> None:
    """Draw one stroke of ``kind`` into ``image`` (SIDE x SIDE) in place."""
    dr, dc = STEPS[kind]
    length = int(rng.integers(3, 7))
    row = int(rng.integers(0, SIDE - dr * (length - 1)))
    col = int(rng.integers(0, SIDE - dc * (length - 1))) if dc >= 0 else int(rng.integers(length - 1, SIDE))
    brightness = rng.uniform(0.7, 1.3)
    for i in range(length):
        image[row + dr * i, col + dc * i] = brightness


def images(classes, per_class: int, rng: np.random.Generator, noise: float = 0.3):
    """``per_class`` images of each class (a tuple of stroke kinds), shuffled.

    Returns (x, y): float32 array (N, 1, SIDE, SIDE) and int64 array (N,) of class indices.
    """
    x = np.zeros((len(classes) * per_class, 1, SIDE, SIDE))
    y = np.repeat(np.arange(len(classes)), per_class)
    for image, label in zip(x, y):
        for kind in classes[label]:
            draw_stroke(image[0], kind, rng)
    x += noise * rng.standard_normal(x.shape)
    order = rng.permutation(len(y))
    return x[order].astype(np.float32), y[order].astype(np.int64)


def load_weights() -> dict[str, np.ndarray]:
    """The pretrained ShapeNet's state dict as {name: numpy array}."""
    with np.load(WEIGHTS, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}
