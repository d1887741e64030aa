"""Driver for unit 8: a seeded VAE training run over the student's loss, and prior draws."""
import torch


def train_vae(model, X, latent_dim, n_steps, lr, seed):
    """Full-batch Adam on the student's elbo_loss with fresh eps each step; returns the losses."""
    elbo_loss = student("vae.elbo_loss")  # noqa: F821 (injected by the worker)
    gen = torch.Generator().manual_seed(int(seed))
    X = torch.as_tensor(X, dtype=torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=float(lr))
    losses = []
    for _ in range(int(n_steps)):
        x_hat, mu, logvar = model(X, torch.randn(len(X), int(latent_dim), generator=gen))
        loss = elbo_loss(X, x_hat, mu, logvar)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.item()))
    return losses


def prior_draw(n, latent_dim, seed):
    """The codes sample(model, n, seed) must decode, as its docstring defines them."""
    return torch.randn(int(n), int(latent_dim), generator=torch.Generator().manual_seed(int(seed)))
