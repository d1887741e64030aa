"""Unit 7: a small generator and discriminator (torch.nn.Module) for low-dimensional data.

Both are multilayer perceptrons built from exactly three torch.nn.Linear layers (with biases),
registered in the order they are applied, and PyTorch's default initialization.
"""
import torch
from torch import nn


class Generator(nn.Module):
    """Maps latent codes z to samples in (-1, 1)^data_dim.

        Linear(latent_dim, hidden_dim) -> ReLU -> Linear(hidden_dim, hidden_dim) -> ReLU
        -> Linear(hidden_dim, data_dim) -> tanh

    Args (constructor):
        latent_dim: int, size of a latent code.
        data_dim: int, size of a generated sample.
        hidden_dim: int, width of the two hidden layers.

    forward(z):
        z: float32 tensor of shape (N, latent_dim).
        returns: float32 tensor of shape (N, data_dim), every entry in [-1, 1].
    """

    def __init__(self, latent_dim, data_dim, hidden_dim=64):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, z):
        # YOUR CODE HERE
        raise NotImplementedError


class Discriminator(nn.Module):
    """Maps samples to one logit each (no sigmoid: the losses take logits).

        Linear(data_dim, hidden_dim) -> LeakyReLU(0.2) -> Linear(hidden_dim, hidden_dim)
        -> LeakyReLU(0.2) -> Linear(hidden_dim, 1)

    Args (constructor):
        data_dim: int, size of a sample.
        hidden_dim: int, width of the two hidden layers.

    forward(x):
        x: float32 tensor of shape (N, data_dim).
        returns: float32 tensor of shape (N,), one logit per row (not (N, 1)).
    """

    def __init__(self, data_dim, hidden_dim=64):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        # YOUR CODE HERE
        raise NotImplementedError


def count_parameters(latent_dim, data_dim, hidden_dim):
    """Number of trainable scalars in Generator(latent_dim, data_dim, hidden_dim) and in
    Discriminator(data_dim, hidden_dim), by formula (do not build the modules).

    Args:
        latent_dim, data_dim, hidden_dim: ints, as for the constructors.

    Returns:
        A tuple (generator_count, discriminator_count) of ints.
    """
    # YOUR CODE HERE
    raise NotImplementedError
