"""Super-resolution outcomes: images the grader makes, and a model's PSNR against a baseline's.

The grader draws smooth random images (sums of Gaussian blobs, scaled to [0, 1]), shrinks them by
averaging r x r blocks, and holds the model's upscaled test images to the PSNR of
nearest-neighbour upsampling plus a margin.
"""
from __future__ import annotations

import numpy as np

from ..context import CheckFailure
from . import compare


def blob_images(rng: np.random.Generator, n: int, size: int, blobs: int = 12,
                widths: tuple[float, float] = (1.0, 3.0)) -> np.ndarray:
    """``n`` single-channel images (n, 1, size, size) in [0, 1]: sums of random Gaussian blobs."""
    yy, xx = np.mgrid[0:size, 0:size]
    centre = rng.uniform(0, size, (n, blobs, 2, 1, 1))
    width = rng.uniform(*widths, (n, blobs, 1, 1))
    height = rng.uniform(-1, 1, (n, blobs, 1, 1))
    dist2 = (yy - centre[:, :, 0]) ** 2 + (xx - centre[:, :, 1]) ** 2
    out = (height * np.exp(-dist2 / (2 * width**2))).sum(axis=1)[:, None]
    out -= out.min(axis=(1, 2, 3), keepdims=True)
    return out / out.max(axis=(1, 2, 3), keepdims=True)


def downsample(images: np.ndarray, r: int) -> np.ndarray:
    """Average over r x r blocks: (N, C, H, W) -> (N, C, H // r, W // r)."""
    n, c, h, w = images.shape
    return images.reshape(n, c, h // r, r, w // r, r).mean(axis=(3, 5))


def upsample_nearest(images: np.ndarray, r: int) -> np.ndarray:
    return images.repeat(r, axis=2).repeat(r, axis=3)


def psnr(prediction: np.ndarray, target: np.ndarray, max_value: float = 1.0) -> float:
    return float(10 * np.log10(max_value**2 / np.mean((prediction - target) ** 2)))


def beats_baseline(prediction, target: np.ndarray, baseline: np.ndarray, margin_db: float, name: str) -> float:
    """``prediction`` (validated) has a PSNR at least ``margin_db`` above ``baseline``'s."""
    prediction = compare.array(prediction, name, target.shape)
    mine, base = psnr(prediction, target), psnr(baseline, target)
    if mine < base + margin_db:
        raise CheckFailure(f"{name}: PSNR {mine:.2f} dB on held-out images; nearest-neighbour upsampling "
                           f"reaches {base:.2f} dB and the network must beat it by {margin_db:g} dB")
    return mine
