"""Instructor-only keys for unit 7's conditional GAN: both modules' forward passes recomputed in
numpy from their exported Linear layers (the one-hot label after the latent code or the pixels).

Registered into unit 7's suite by the import in ``autograder/keys/unit07_gan.py``.
"""
from __future__ import annotations

import numpy as np

from ..checks import compare, modules
from ..units.gan_conditional import (CLASSES, HIDDEN, LATENT, SIZE, T, build, d_shapes, g_shapes, generate, judge,
                                     labels)
from ..units.unit07_gan import suite

FLOAT32 = {"rtol": 1e-5, "atol": 1e-6}


def mlp(layers, acts, u):
    """Linear layers [(W, b)] with these activations, in float64."""
    fns = {"relu": lambda h: np.maximum(h, 0), "leaky_relu": lambda h: np.where(h > 0, h, 0.2 * h),
           "tanh": np.tanh, "identity": lambda h: h}
    for (W, b), act in zip(layers, acts):
        u = fns[act](u @ np.asarray(W, np.float64).T + np.asarray(b, np.float64))
    return u


def one_hot(y, classes):
    return np.eye(classes)[y]


@suite.check("conditional.ConditionalGenerator", points=3)
def conditional_generator_forward(ctx):
    """concat(z, one_hot(y)) -> Linear -> ReLU -> Linear -> ReLU -> Linear -> tanh, reshaped row-major."""
    G = build(ctx, "ConditionalGenerator", (LATENT, CLASSES, SIZE, HIDDEN))
    layers = modules.linear_stack(ctx, G, g_shapes(LATENT, CLASSES, SIZE, HIDDEN), "ConditionalGenerator")
    z, y = ctx.rng.standard_normal((7, LATENT)).astype(np.float32), labels(ctx, 7)
    expected = mlp(layers, ["relu", "relu", "tanh"], np.concatenate([z, one_hot(y, CLASSES)], axis=1))
    compare.close(generate(ctx, G, z, y, SIZE), expected.reshape(7, 1, SIZE, SIZE),
                  "ConditionalGenerator.forward(z, labels)", **FLOAT32)


@suite.check("conditional.ConditionalDiscriminator", points=3)
def conditional_discriminator_forward(ctx):
    """concat(flatten(x), one_hot(y)) -> Linear -> LeakyReLU(0.2) -> Linear -> LeakyReLU(0.2) -> Linear."""
    D = build(ctx, "ConditionalDiscriminator", (CLASSES, SIZE, HIDDEN))
    layers = modules.linear_stack(ctx, D, d_shapes(CLASSES, SIZE, HIDDEN), "ConditionalDiscriminator")
    x, y = ctx.rng.uniform(-1, 1, (7, 1, SIZE, SIZE)).astype(np.float32), labels(ctx, 7)
    expected = mlp(layers, ["leaky_relu", "leaky_relu", "identity"],
                   np.concatenate([x.reshape(7, -1), one_hot(y, CLASSES)], axis=1))
    compare.close(judge(ctx, D, x, y), expected[:, 0], "ConditionalDiscriminator.forward(x, labels)", **FLOAT32)
