"""Unit 8: the variational autoencoder (torch).

The encoder gives a diagonal Gaussian q(z | x) = N(mu, diag(exp(logvar))); the decoder maps a
code z to the mean x_hat of a Gaussian p(x | z) = N(x_hat, I). The prior is p(z) = N(0, I).
Per example, the negative ELBO is, up to the constant (D / 2) log(2 pi),

    0.5 * ||x - x_hat||^2 + KL(q(z | x) || p(z)).

Functions work in the dtype of their inputs and must stay differentiable by autograd.
"""
import torch
from torch import nn


def reparameterize(mu, logvar, eps):
    """A draw from N(mu, diag(exp(logvar))) written as a differentiable function of mu and logvar:

        z = mu + exp(logvar / 2) * eps,   with eps ~ N(0, I) given (not drawn here).

    Args:
        mu: tensor of shape (N, L).
        logvar: tensor of shape (N, L), log-variances.
        eps: tensor of shape (N, L), standard-normal noise.

    Returns:
        z: tensor of shape (N, L).
    """
    ### BEGIN SOLUTION
    return mu + torch.exp(0.5 * logvar) * eps
    ### END SOLUTION


def kl_divergence(mu, logvar):
    """KL( N(mu, diag(exp(logvar))) || N(0, I) ) for each example, in closed form.

    Args:
        mu: tensor of shape (N, L).
        logvar: tensor of shape (N, L).

    Returns:
        kl: tensor of shape (N,), summed over the L latent dimensions; >= 0, and 0 exactly
        when mu == 0 and logvar == 0.
    """
    ### BEGIN SOLUTION
    return 0.5 * (torch.exp(logvar) + mu ** 2 - 1 - logvar).sum(dim=1)
    ### END SOLUTION


def elbo_loss(x, x_hat, mu, logvar):
    """The negative ELBO (without its constant), averaged over the batch:

        loss = (1 / N) * sum_i [ 0.5 * ||x[i] - x_hat[i]||^2 + KL_i ]

    Args:
        x: tensor of shape (N, D), the data.
        x_hat: tensor of shape (N, D), the decoder's means.
        mu, logvar: tensors of shape (N, L), the encoder's outputs.

    Returns:
        loss: 0-dim tensor.
    """
    ### BEGIN SOLUTION
    return (0.5 * ((x - x_hat) ** 2).sum(dim=1) + kl_divergence(mu, logvar)).mean()
    ### END SOLUTION


class VAE(nn.Module):
    """encoder: Linear(input_dim, hidden_dim) -> ReLU, then two heads
        mu = Linear(hidden_dim, latent_dim),  logvar = Linear(hidden_dim, latent_dim);
    decoder: Linear(latent_dim, hidden_dim) -> ReLU -> Linear(hidden_dim, input_dim).
    The five Linear layers are registered in this order: encoder, mu head, logvar head,
    decoder first layer, decoder output layer.

    encode(x): float32 tensor (N, input_dim) -> (mu, logvar), each (N, latent_dim).
    decode(z): (N, latent_dim) -> x_hat (N, input_dim).
    forward(x, eps): (x_hat, mu, logvar) with x_hat = decode(reparameterize(mu, logvar, eps)).
    """

    def __init__(self, input_dim, latent_dim, hidden_dim=32):
        super().__init__()
        ### BEGIN SOLUTION
        self.hidden = nn.Linear(input_dim, hidden_dim)
        self.mu = nn.Linear(hidden_dim, latent_dim)
        self.logvar = nn.Linear(hidden_dim, latent_dim)
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, input_dim))
        ### END SOLUTION

    def encode(self, x):
        ### BEGIN SOLUTION
        h = torch.relu(self.hidden(x))
        return self.mu(h), self.logvar(h)
        ### END SOLUTION

    def decode(self, z):
        ### BEGIN SOLUTION
        return self.decoder(z)
        ### END SOLUTION

    def forward(self, x, eps):
        ### BEGIN SOLUTION
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar, eps)), mu, logvar
        ### END SOLUTION


def sample(model, n, seed):
    """Generate n examples: decode codes drawn from the prior, without tracking gradients.

    The codes are z = torch.randn(n, L, generator=torch.Generator().manual_seed(seed)) with L
    the model's latent size (float32), so a seed always gives the same samples.

    Args:
        model: a VAE.
        n: int, the number of samples.
        seed: int.

    Returns:
        samples: float32 tensor of shape (n, input_dim) that does not require grad.
    """
    ### BEGIN SOLUTION
    latent_dim = model.mu.out_features
    z = torch.randn(n, latent_dim, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        return model.decode(z)
    ### END SOLUTION
