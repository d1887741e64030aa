"""Driver for unit 7: a generator and discriminator built by trusted code, and a seeded GAN
training run over the student's training steps.

The loop, :class:`GanRun`, takes the steps it trains with: the grader also runs it in its own
process, with the reference's discriminator step and the student's generator step called in the
worker once per iteration (:func:`synced_generator_step`), to judge a generator step whose own
discriminator step fails (``units/unit07_gan.py``).
"""
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


def adam(module, lr=1e-3):
    """The optimizer of either network in :class:`GanRun`."""
    return torch.optim.Adam(module.parameters(), lr=float(lr), betas=(0.5, 0.999))


class GanRun:
    """Adam on G and D; each iteration is two discriminator steps, one generator step.

    ``steps`` is (discriminator_step, generator_step), called as the exercises are; the
    submission's by default."""

    def __init__(self, G, D, data, latent_dim, seed, lr=1e-3, batch=128, steps=None):
        self.G, self.D, self.latent_dim, self.batch = G, D, int(latent_dim), int(batch)
        self.data = torch.as_tensor(data, dtype=torch.float32)
        self.gen = torch.Generator().manual_seed(int(seed))
        self.opt_G, self.opt_D = adam(G, lr), adam(D, lr)
        if steps is None:  # ``student`` is injected by the worker
            steps = student("training.discriminator_step"), student("training.generator_step")  # noqa: F821
        self.d_step, self.g_step = steps

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


def synced_generator_step(G, D, opt_G, d_layers, z):
    """The submission's generator_step on ``z`` after loading D's Linear layers ``d_layers`` (the
    grader trains D in its own process) and clearing D's gradients. Returns (the loss as returned,
    G's and D's Linear layers after the step)."""
    layers = student("driver:torch_probe.linear_layers")  # noqa: F821
    student("driver:torch_probe.set_linear_layers")(D, d_layers)  # noqa: F821
    D.zero_grad(set_to_none=True)
    loss = student("training.generator_step")(G, D, opt_G, z)  # noqa: F821
    return float(loss), layers(G), layers(D)
