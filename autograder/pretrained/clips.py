"""Generated video clips for unit 10's captioning exercise: a coloured shape moving on noise.

A clip is T = 5 frames of 8 x 8 RGB (the backbone's image size). A 3 x 3 shape ("square": a ring,
"plus", "cross": an x) is drawn in one colour channel (red, green or blue) at a random brightness
and moves one pixel per frame left, right, up or down; every channel of every frame gets Gaussian
noise. Its caption is "a <colour> <shape> moves <direction>", written with VOCAB's token ids.

To try your code: ``clips.make(8, np.random.default_rng(0))`` returns (videos, captions) as numpy
arrays; ``clips.words(caption_row)`` turns ids back into words.
"""
from __future__ import annotations

import numpy as np

FRAMES, SIDE, GLYPH = 5, 8, 3
COLOURS = ("red", "green", "blue")
SHAPES = ("square", "plus", "cross")
MOTIONS = {"left": (0, -1), "right": (0, 1), "up": (-1, 0), "down": (1, 0)}
VOCAB = ("<pad>", "<bos>", "<eos>", "a", "moves") + COLOURS + SHAPES + tuple(MOTIONS)
PAD, BOS, EOS = 0, 1, 2
LENGTH = 6  # a caption's five words and <eos>
GLYPHS = {"square": np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]], float),
          "plus": np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], float),
          "cross": np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], float)}


def caption_ids(colour: str, shape: str, motion: str) -> list[int]:
    """The token ids of "a <colour> <shape> moves <motion>" followed by <eos>."""
    return [VOCAB.index(w) for w in ("a", colour, shape, "moves", motion, "<eos>")]


def words(ids) -> str:
    """Token ids back to text, stopping at the first <eos> and skipping <bos> and <pad>."""
    out = []
    for i in ids:
        if int(i) == EOS:
            break
        if int(i) not in (PAD, BOS):
            out.append(VOCAB[int(i)])
    return " ".join(out)


def _start(step: int, rng: np.random.Generator) -> int:
    """A start coordinate along one axis from which FRAMES - 1 steps of ``step`` stay inside the frame."""
    travel = (FRAMES - 1) * abs(step)
    low = travel if step < 0 else 0
    high = SIDE - GLYPH - (travel if step > 0 else 0)
    return int(rng.integers(low, high + 1))


def make(n: int, rng: np.random.Generator, noise: float = 0.2):
    """``n`` clips with random colour, shape and motion.

    Returns (videos, captions): float32 array (n, FRAMES, 3, SIDE, SIDE) and int64 array
    (n, LENGTH) of token ids ("a <colour> <shape> moves <direction> <eos>"; no <bos>).
    """
    videos = np.zeros((n, FRAMES, 3, SIDE, SIDE))
    captions = np.zeros((n, LENGTH), dtype=np.int64)
    for clip, caption in zip(videos, captions):
        colour, shape, motion = (str(rng.choice(c)) for c in (COLOURS, SHAPES, tuple(MOTIONS)))
        (dr, dc), brightness = MOTIONS[motion], rng.uniform(0.7, 1.3)
        row, col = _start(dr, rng), _start(dc, rng)
        for t in range(FRAMES):
            r, c = row + dr * t, col + dc * t
            clip[t, COLOURS.index(colour), r:r + GLYPH, c:c + GLYPH] = brightness * GLYPHS[shape]
        caption[:] = caption_ids(colour, shape, motion)
    videos += noise * rng.standard_normal(videos.shape)
    return videos.astype(np.float32), captions
