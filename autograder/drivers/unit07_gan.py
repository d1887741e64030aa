"""Driver for unit 7: a generator and discriminator built by trusted code, and a seeded GAN
training run over the student's training steps."""
import torch
from torch import nn


def _mlp(widths, hidden_activation, last):
    """Linear layers of these widths, ``hidden_activation()`` between them and ``last`` at the end."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        layers += [nn.Linear(n_in, n_out), hidden_activation() if i < len(widths) - 2 else last]
    return nn.Sequential(*layers)


def trusted_pair(latent_dim, data_dim, hidden_dim, seed):
    """(G, D) with the architectures models.py documents, built here rather than by the
    submission, so that a check of the training steps does not depend on the student's modules."""
    torch.manual_seed(int(seed))
    G = _mlp([latent_dim, hidden_dim, hidden_dim, data_dim], nn.ReLU, nn.Tanh())
    D = _mlp([data_dim, hidden_dim, hidden_dim, 1], lambda: nn.LeakyReLU(0.2), nn.Flatten(0))
    return G, D


class Column(nn.Module):
    """A critic whose output has shape (N, 1) instead of (N,) (gradient_penalty accepts both)."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x).unsqueeze(1)


def column(net):
    return Column(net)


class GanRun:
    """Adam on G and D; each iteration is two discriminator steps, one generator step."""

    def __init__(self, G, D, data, latent_dim, seed, lr=1e-3, batch=128):
        self.G, self.D, self.latent_dim, self.batch = G, D, int(latent_dim), int(batch)
        self.data = torch.as_tensor(data, dtype=torch.float32)
        self.gen = torch.Generator().manual_seed(int(seed))
        self.opt_G = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
        self.opt_D = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
        self.d_step = student("training.discriminator_step")  # noqa: F821 (injected by the worker)
        self.g_step = student("training.generator_step")  # noqa: F821

    def _z(self, n):
        return torch.randn(n, self.latent_dim, generator=self.gen)

    def run(self, iterations):
        """Train; returns [(discriminator loss, generator loss)] per iteration, as returned."""
        losses = []
        for _ in range(int(iterations)):
            for _ in range(2):
                real = self.data[torch.randint(len(self.data), (self.batch,), generator=self.gen)]
                d_loss = self.d_step(self.G, self.D, self.opt_D, real, self._z(self.batch))
            g_loss = self.g_step(self.G, self.D, self.opt_G, self._z(self.batch))
            losses.append((float(d_loss), float(g_loss)))
        return losses

    def sample(self, n):
        with torch.no_grad():
            return self.G(self._z(int(n))).double().numpy().copy()
