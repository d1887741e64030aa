"""Instructor-only driver for unit 8: models built by trusted code with the documented
architectures (so a check of a loss, a training loop or a score does not depend on the student's
modules) and a trusted training loop. It runs inside the worker; it never ships."""
import torch
from torch import nn


def linear_autoencoder(input_dim, code_dim, seed):
    """Linear(input_dim, code_dim) then Linear(code_dim, input_dim), seeded default initialization."""
    torch.manual_seed(int(seed))
    return nn.Sequential(nn.Linear(input_dim, code_dim), nn.Linear(code_dim, input_dim))


def mlp_autoencoder(input_dim, code_dim, hidden_dim, seed):
    """The architecture of autoencoder.Autoencoder, as one nn.Sequential."""
    torch.manual_seed(int(seed))
    return nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, code_dim),
                         nn.Linear(code_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, input_dim))


def train_reconstruction(model, X, n_steps, lr):
    """Full-batch Adam on the mean over rows of the squared error summed over features."""
    X = torch.as_tensor(X, dtype=torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=float(lr))
    for _ in range(int(n_steps)):
        loss = ((X - model(X)) ** 2).sum(dim=1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return True


class TrustedVAE(nn.Module):
    """The architecture of vae.VAE, its five Linear layers registered in the documented order."""

    def __init__(self, input_dim, latent_dim, hidden_dim):
        super().__init__()
        self.hidden = nn.Linear(input_dim, hidden_dim)
        self.mu = nn.Linear(hidden_dim, latent_dim)
        self.logvar = nn.Linear(hidden_dim, latent_dim)
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, input_dim))

    def forward(self, x, eps):
        h = torch.relu(self.hidden(x))
        mu, logvar = self.mu(h), self.logvar(h)
        return self.decoder(mu + torch.exp(0.5 * logvar) * eps), mu, logvar


def trusted_vae(input_dim, latent_dim, hidden_dim, seed):
    torch.manual_seed(int(seed))
    return TrustedVAE(int(input_dim), int(latent_dim), int(hidden_dim))


