"""Driver for unit 7's conditional GAN: a seeded training run over the student's conditional modules.

Each iteration is one discriminator step on the matching-aware loss (real images with their
labels, real images with wrong labels, fakes with the labels they were drawn for) and one
generator step on the non-saturating loss, both with Adam (lr 2e-3, betas (0.5, 0.999)).

The loop, :class:`ConditionalGanRun`, takes the discriminator's loss and the generator's optimizer
it trains with: the grader also runs it in its own process, with the reference's discriminator and
loss, the student's generator staying in the worker behind :class:`SyncedGenerator` (one round
trip per iteration), to judge a generator whose own discriminator or loss fails
(``units/gan_conditional.py``).
"""
import torch
import torch.nn.functional as F


def adam(module, lr=2e-3):
    """The optimizer of either network."""
    return torch.optim.Adam(module.parameters(), lr=float(lr), betas=(0.5, 0.999))


class ConditionalGanRun:
    """``d_loss`` is the matching-aware loss and ``opt_G`` G's optimizer; by default the submission's
    loss and Adam over G's parameters."""

    def __init__(self, G, D, images, labels, n_classes, latent_dim, seed, batch=64, d_loss=None, opt_G=None):
        self.G, self.D, self.n_classes, self.latent_dim, self.batch = G, D, int(n_classes), int(latent_dim), int(batch)
        self.images = torch.as_tensor(images, dtype=torch.float32)
        self.labels = torch.as_tensor(labels, dtype=torch.int64)
        self.gen = torch.Generator().manual_seed(int(seed))
        self.opt_G, self.opt_D = adam(G) if opt_G is None else opt_G, adam(D)
        if d_loss is None:  # ``student`` is injected by the worker
            d_loss = student("conditional.matching_aware_discriminator_loss")  # noqa: F821
        self.d_loss = d_loss

    def _randint(self, low, high, n):
        return torch.randint(low, high, (n,), generator=self.gen)

    def run(self, iterations):
        """Train; returns [(discriminator loss, generator loss)] per iteration."""
        losses, n = [], self.batch
        for _ in range(int(iterations)):
            i = self._randint(0, len(self.images), n)
            real, y = self.images[i], self.labels[i]
            wrong = (y + self._randint(1, self.n_classes, n)) % self.n_classes
            y_fake = self._randint(0, self.n_classes, n)
            fake = self.G(torch.randn(n, self.latent_dim, generator=self.gen), y_fake)
            d_loss = self.d_loss(self.D(real, y), self.D(real, wrong), self.D(fake.detach(), y_fake))
            self.opt_D.zero_grad()
            d_loss.backward()
            self.opt_D.step()
            g_loss = F.softplus(-self.D(fake, y_fake)).mean()
            self.opt_G.zero_grad()
            g_loss.backward()
            self.opt_G.step()
            losses.append((d_loss.item(), g_loss.item()))
        return losses

    def sample(self, labels):
        labels = torch.as_tensor(labels, dtype=torch.int64)
        with torch.no_grad():
            return self.G(torch.randn(len(labels), self.latent_dim, generator=self.gen), labels).double().numpy().copy()


def conditional_gan_run(G, D, images, labels, n_classes, latent_dim, seed):
    torch.manual_seed(int(seed))
    return ConditionalGanRun(G, D, images, labels, n_classes, latent_dim, seed)


class SyncedGenerator:
    """The submission's G, trained by a loop in the grader: each call to :meth:`forward` first takes
    G's Adam step on ``grad``, the gradient of the generator's loss in the images the last call
    returned (the grader trains D in its own process and backpropagates that loss to the images),
    then draws the next images."""

    def __init__(self, G):
        self.G, self.opt, self.fake = G, adam(G), None

    def forward(self, grad, z, labels, keep):
        """G(z, labels) after the step on ``grad`` (None: no step); its graph kept for the next step
        when ``keep`` (training), not when sampling."""
        if grad is not None:
            self.opt.zero_grad()
            self.fake.backward(grad)
            self.opt.step()
        with torch.set_grad_enabled(bool(keep)):
            fake = self.G(z, labels)
        self.fake = fake if keep else None
        return fake.detach()


def synced_generator(G, seed):
    """A :class:`SyncedGenerator` of ``G``, torch seeded as :func:`conditional_gan_run` seeds it."""
    torch.manual_seed(int(seed))
    return SyncedGenerator(G)
