"""Pretrain unit 10's backbone, deterministically, and save its weights beside this file.

    .venv/bin/python -m autograder.pretrained.make_shapes_backbone

Trains reference/unit10_transfer/backbone.py's ShapeNet (4 classes) on 4,000 generated single-stroke images
(:mod:`.shapes`) with Adam, then writes ``shapes_backbone.npz`` (its state dict as numpy arrays,
about 10 KB) and prints its accuracy on fresh source images.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from reference.unit10_transfer.backbone import ShapeNet

from . import shapes

STEPS, BATCH, LR = 400, 128, 1e-2


def train(seed: int = 0) -> ShapeNet:
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    x, y = (torch.as_tensor(a) for a in shapes.images(shapes.SOURCE, 1000, np.random.default_rng(seed)))
    model = ShapeNet(len(shapes.SOURCE))
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    batches = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(STEPS):
        idx = torch.randint(0, len(y), (BATCH,), generator=batches)
        optimizer.zero_grad()
        F.cross_entropy(model(x[idx]), y[idx]).backward()
        optimizer.step()
    return model.eval()


def main():
    model = train()
    x, y = shapes.images(shapes.SOURCE, 250, np.random.default_rng(1))
    with torch.no_grad():
        accuracy = (model(torch.as_tensor(x)).argmax(1).numpy() == y).mean()
    np.savez(shapes.WEIGHTS, **{name: t.numpy() for name, t in model.state_dict().items()})
    print(f"source accuracy {accuracy:.3f}; wrote {shapes.WEIGHTS} ({shapes.WEIGHTS.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
