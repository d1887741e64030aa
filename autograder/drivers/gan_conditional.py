"""Driver for unit 7's conditional GAN: a seeded training run over the student's conditional modules.

Each iteration is one discriminator step on the student's matching-aware loss (real images with
their labels, real images with wrong labels, fakes with the labels they were drawn for) and one
generator step on the non-saturating loss, both with Adam (lr 2e-3, betas (0.5, 0.999)).
"""
import torch
import torch.nn.functional as F


class ConditionalGanRun:
    def __init__(self, G, D, images, labels, n_classes, latent_dim, seed, lr=2e-3, batch=64):
        self.G, self.D, self.n_classes, self.latent_dim, self.batch = G, D, int(n_classes), int(latent_dim), int(batch)
        self.images = torch.as_tensor(images, dtype=torch.float32)
        self.labels = torch.as_tensor(labels, dtype=torch.int64)
        self.gen = torch.Generator().manual_seed(int(seed))
        self.opt_G = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
        self.opt_D = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
        self.d_loss = student("conditional.matching_aware_discriminator_loss")  # noqa: F821 (injected by the worker)

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
            losses.append((float(d_loss), float(g_loss)))
        return losses

    def sample(self, labels):
        labels = torch.as_tensor(labels, dtype=torch.int64)
        with torch.no_grad():
            return self.G(torch.randn(len(labels), self.latent_dim, generator=self.gen), labels).double().numpy().copy()


def conditional_gan_run(G, D, images, labels, n_classes, latent_dim, seed):
    torch.manual_seed(int(seed))
    return ConditionalGanRun(G, D, images, labels, n_classes, latent_dim, seed)
