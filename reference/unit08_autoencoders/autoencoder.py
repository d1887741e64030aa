"""Unit 8: autoencoders in torch -- a small MLP autoencoder, a linear one, the reconstruction
loss and a full-batch training loop.

Modules are built from torch.nn.Linear layers (with biases), registered in the order they are
applied, with PyTorch's default initialization.
"""
import torch
from torch import nn


class Autoencoder(nn.Module):
    """encoder: Linear(input_dim, hidden_dim) -> ReLU -> Linear(hidden_dim, code_dim)
    decoder: Linear(code_dim, hidden_dim) -> ReLU -> Linear(hidden_dim, input_dim)

    Args (constructor):
        input_dim: int, size of an example.
        code_dim: int, size of the code (the bottleneck).
        hidden_dim: int, width of the hidden layers.

    encode(x): float32 tensor (N, input_dim) -> code of shape (N, code_dim).
    decode(code): (N, code_dim) -> reconstruction of shape (N, input_dim).
    forward(x): decode(encode(x)), shape (N, input_dim).
    """

    def __init__(self, input_dim, code_dim, hidden_dim=32):
        super().__init__()
        ### BEGIN SOLUTION
        self.encoder = nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, code_dim))
        self.decoder = nn.Sequential(nn.Linear(code_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, input_dim))
        ### END SOLUTION

    def encode(self, x):
        ### BEGIN SOLUTION
        return self.encoder(x)
        ### END SOLUTION

    def decode(self, code):
        ### BEGIN SOLUTION
        return self.decoder(code)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return self.decode(self.encode(x))
        ### END SOLUTION


class LinearAutoencoder(nn.Module):
    """encoder Linear(input_dim, code_dim), decoder Linear(code_dim, input_dim); no activations.

    forward(x): float32 tensor (N, input_dim) -> reconstruction of shape (N, input_dim).
    """

    def __init__(self, input_dim, code_dim):
        super().__init__()
        ### BEGIN SOLUTION
        self.encoder = nn.Linear(input_dim, code_dim)
        self.decoder = nn.Linear(code_dim, input_dim)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return self.decoder(self.encoder(x))
        ### END SOLUTION


def reconstruction_loss(x, x_hat):
    """Squared reconstruction error: summed over features, averaged over examples.

        loss = (1 / N) * sum_i ||x[i] - x_hat[i]||^2

    Args:
        x: tensor of shape (N, D), the inputs.
        x_hat: tensor of shape (N, D), the reconstructions (same dtype).

    Returns:
        loss: 0-dim tensor of that dtype, differentiable by autograd.
    """
    ### BEGIN SOLUTION
    return ((x - x_hat) ** 2).sum(dim=1).mean()
    ### END SOLUTION


def train_autoencoder(model, X, n_steps=500, lr=1e-2):
    """Full-batch training: n_steps steps of torch.optim.Adam(model.parameters(), lr) on
    reconstruction_loss(X, model(X)).

    Args:
        model: an autoencoder (torch.nn.Module mapping (N, D) to (N, D)).
        X: float32 tensor of shape (N, D), the training data.
        n_steps: int, the number of optimizer steps.
        lr: float, Adam's learning rate.

    Returns:
        losses: list of n_steps floats, the loss at each step before its update.
    """
    ### BEGIN SOLUTION
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(n_steps):
        loss = reconstruction_loss(X, model(X))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.item()))
    return losses
    ### END SOLUTION
