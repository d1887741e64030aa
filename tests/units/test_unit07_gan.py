"""Unit 7 graded both ways: the contract tests plus unit-specific wrong and right answers."""
import pytest

from autograder.sandbox.worker_process import Limits

from ..support import checks_of_exercise, grade, make_submission, scores_under_ids
from .unit_contract import *  # noqa: F401,F403
from .unit_contract import SUBMISSION_IDS

UNIT = "unit07_gan"

MUTANTS = {
    "discriminator loss through log(sigmoid) (overflows at large logits)": ("losses.discriminator_loss", """
        def discriminator_loss(real_logits, fake_logits, real_label=1.0):
            pr, pf = torch.sigmoid(real_logits), torch.sigmoid(fake_logits)
            return (-(real_label * torch.log(pr) + (1 - real_label) * torch.log(1 - pr)).mean()
                    - torch.log(1 - pf).mean())
    """),
    "discriminator loss averages real and fake terms": ("losses.discriminator_loss", """
        def discriminator_loss(real_logits, fake_logits, real_label=1.0):
            return 0.5 * (F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label))
                          + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
    """),
    "discriminator loss is the mean over real and fake logits together": ("losses.discriminator_loss", """
        def discriminator_loss(real_logits, fake_logits, real_label=1.0):
            logits = torch.cat([real_logits, fake_logits])
            targets = torch.cat([torch.full_like(real_logits, real_label), torch.zeros_like(fake_logits)])
            return 2 * F.binary_cross_entropy_with_logits(logits, targets)
    """),
    "two-sided label smoothing": ("losses.discriminator_loss", """
        def discriminator_loss(real_logits, fake_logits, real_label=1.0):
            return (F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label))
                    + F.binary_cross_entropy_with_logits(fake_logits, torch.full_like(fake_logits, 1 - real_label)))
    """),
    "float32 targets for float64 logits": ("losses.discriminator_loss", """
        def discriminator_loss(real_logits, fake_logits, real_label=1.0):
            return (F.binary_cross_entropy_with_logits(real_logits, real_label * torch.ones(real_logits.shape))
                    + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros(fake_logits.shape)))
    """),
    "minimax generator loss with the wrong sign": ("losses.generator_loss_minimax", """
        def generator_loss_minimax(fake_logits):
            return F.softplus(fake_logits).mean()
    """),
    "minimax generator loss through log(1 - sigmoid)": ("losses.generator_loss_minimax", """
        def generator_loss_minimax(fake_logits):
            return torch.log(1 - torch.sigmoid(fake_logits)).mean()
    """),
    "non-saturating loss detached from the graph": ("losses.generator_loss_nonsaturating", """
        def generator_loss_nonsaturating(fake_logits):
            return torch.tensor(F.softplus(-fake_logits).mean().item(), dtype=fake_logits.dtype)
    """),
    "non-saturating loss summed instead of averaged": ("losses.generator_loss_nonsaturating", """
        def generator_loss_nonsaturating(fake_logits):
            return F.softplus(-fake_logits).sum()
    """),
    "least-squares discriminator loss without the 1/2": ("losses.lsgan_discriminator_loss", """
        def lsgan_discriminator_loss(real_scores, fake_scores):
            return ((real_scores - 1) ** 2).mean() + (fake_scores ** 2).mean()
    """),
    "least-squares generator loss with target 0": ("losses.lsgan_generator_loss", """
        def lsgan_generator_loss(fake_scores):
            return 0.5 * (fake_scores ** 2).mean()
    """),
    "optimal discriminator swaps the densities": ("theory.optimal_discriminator", """
        def optimal_discriminator(p_data, p_model):
            total = p_data + p_model
            return np.where(total > 0, p_model / np.where(total > 0, total, 1.0), 0.5)
    """),
    "optimal discriminator is 0 where both densities vanish": ("theory.optimal_discriminator", """
        def optimal_discriminator(p_data, p_model):
            total = p_data + p_model
            return np.where(total > 0, p_data / np.where(total > 0, total, 1.0), 0.0)
    """),
    "optimal value without the 0 log 0 convention": ("theory.optimal_value", """
        def optimal_value(p_data, p_model, dx):
            d = p_data / (p_data + p_model)
            with np.errstate(all="ignore"):
                return float(np.sum(p_data * np.log(d) + p_model * np.log(1 - d)) * dx)
    """),
    "optimal value forgets dx": ("theory.optimal_value", """
        def optimal_value(p_data, p_model, dx):
            d = optimal_discriminator(p_data, p_model)
            with np.errstate(all="ignore"):
                terms = np.where(p_data > 0, p_data * np.log(d), 0) + np.where(p_model > 0, p_model * np.log(1 - d), 0)
            return float(np.sum(terms))
    """),
    "generator without the final tanh": ("models.Generator", """
        class Generator(nn.Module):
            def __init__(self, latent_dim, data_dim, hidden_dim=64):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(),
                                         nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
                                         nn.Linear(hidden_dim, data_dim))

            def forward(self, z):
                return self.net(z)
    """),
    "discriminator returns shape (N, 1)": ("models.Discriminator", """
        class Discriminator(nn.Module):
            def __init__(self, data_dim, hidden_dim=64):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(data_dim, hidden_dim), nn.LeakyReLU(0.2),
                                         nn.Linear(hidden_dim, hidden_dim), nn.LeakyReLU(0.2),
                                         nn.Linear(hidden_dim, 1))

            def forward(self, x):
                return self.net(x)
    """),
    "discriminator with plain ReLU": ("models.Discriminator", """
        class Discriminator(nn.Module):
            def __init__(self, data_dim, hidden_dim=64):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(data_dim, hidden_dim), nn.ReLU(),
                                         nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
                                         nn.Linear(hidden_dim, 1))

            def forward(self, x):
                return self.net(x).squeeze(-1)
    """),
    "parameter count forgets the biases": ("models.count_parameters", """
        def count_parameters(latent_dim, data_dim, hidden_dim):
            return (latent_dim * hidden_dim + hidden_dim * hidden_dim + hidden_dim * data_dim,
                    data_dim * hidden_dim + hidden_dim * hidden_dim + hidden_dim)
    """),
    "discriminator step does not detach the fakes": ("training.discriminator_step", """
        def discriminator_step(G, D, opt_D, real, z, real_label=1.0):
            loss = discriminator_loss(D(real), D(G(z)), real_label)
            opt_D.zero_grad()
            loss.backward()
            opt_D.step()
            return float(loss.item())
    """),
    "discriminator step keeps stale gradients": ("training.discriminator_step", """
        def discriminator_step(G, D, opt_D, real, z, real_label=1.0):
            loss = discriminator_loss(D(real), D(G(z).detach()), real_label)
            loss.backward()
            opt_D.step()
            return float(loss.item())
    """),
    "discriminator step ignores real_label": ("training.discriminator_step", """
        def discriminator_step(G, D, opt_D, real, z, real_label=1.0):
            loss = discriminator_loss(D(real), D(G(z).detach()))
            opt_D.zero_grad()
            loss.backward()
            opt_D.step()
            return float(loss.item())
    """),
    "generator step with the minimax loss": ("training.generator_step", """
        def generator_step(G, D, opt_G, z):
            from .losses import generator_loss_minimax
            loss = generator_loss_minimax(D(G(z)))
            opt_G.zero_grad()
            loss.backward()
            opt_G.step()
            return float(loss.item())
    """),
    "generator step returns the loss after the update": ("training.generator_step", """
        def generator_step(G, D, opt_G, z):
            loss = generator_loss_nonsaturating(D(G(z)))
            opt_G.zero_grad()
            loss.backward()
            opt_G.step()
            return float(generator_loss_nonsaturating(D(G(z))).item())
    """),
    "gradient penalty without create_graph": ("stability.gradient_penalty", """
        def gradient_penalty(D, real, fake, alpha, weight=10.0):
            x_hat = (alpha * real + (1 - alpha) * fake).detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(D(x_hat).sum(), x_hat)
            return weight * ((grad.norm(dim=1) - 1) ** 2).mean()
    """),
    "gradient penalty interpolates the wrong way round": ("stability.gradient_penalty", """
        def gradient_penalty(D, real, fake, alpha, weight=10.0):
            x_hat = ((1 - alpha) * real + alpha * fake).detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
            return weight * ((grad.norm(dim=1) - 1) ** 2).mean()
    """),
    "gradient penalty on the squared norm": ("stability.gradient_penalty", """
        def gradient_penalty(D, real, fake, alpha, weight=10.0):
            x_hat = (alpha * real + (1 - alpha) * fake).detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
            return weight * (((grad ** 2).sum(dim=1) - 1) ** 2).mean()
    """),
    "power iteration does one extra iteration": ("stability.power_iteration", """
        def power_iteration(W, u, n_iters=1):
            for _ in range(n_iters + 1):
                v = W.T @ u
                v = v / v.norm()
                u = W @ v
                u = u / u.norm()
            return u @ W @ v, u, v
    """),
    "power iteration without normalizing v": ("stability.power_iteration", """
        def power_iteration(W, u, n_iters=1):
            for _ in range(n_iters):
                v = W.T @ u
                u = W @ v
                u = u / u.norm()
            return u @ W @ v / v.norm(), u, v
    """),
    "spectral normalization returns the starting vector": ("stability.spectral_normalize", """
        def spectral_normalize(W, u, n_iters=1):
            sigma, _, _ = power_iteration(W, u, n_iters)
            return W / sigma, u
    """),
}

ALTERNATIVES = {
    "discriminator loss by the max/log1p formula": ("losses.discriminator_loss", """
        def discriminator_loss(real_logits, fake_logits, real_label=1.0):
            def bce(x, t):
                return (torch.clamp(x, min=0) - x * t + torch.log1p(torch.exp(-torch.abs(x)))).mean()
            return bce(real_logits, real_label) + bce(fake_logits, 0.0)
    """),
    "minimax generator loss with logsigmoid": ("losses.generator_loss_minimax", """
        def generator_loss_minimax(fake_logits):
            return F.logsigmoid(-fake_logits).mean()
    """),
    "non-saturating loss as BCE against ones": ("losses.generator_loss_nonsaturating", """
        def generator_loss_nonsaturating(fake_logits):
            return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    """),
    "optimal value as -log 4 + 2 JSD": ("theory.optimal_value", """
        def optimal_value(p_data, p_model, dx):
            m = (p_data + p_model) / 2
            def kl(p):
                ok = p > 0
                return float(np.sum(p[ok] * np.log(p[ok] / m[ok])) * dx)
            return -np.log(4.0) + kl(p_data) + kl(p_model)
    """),
    "discriminator with named layers and functional activations": ("models.Discriminator", """
        class Discriminator(nn.Module):
            def __init__(self, data_dim, hidden_dim=64):
                super().__init__()
                self.fc1 = nn.Linear(data_dim, hidden_dim)
                self.fc2 = nn.Linear(hidden_dim, hidden_dim)
                self.out = nn.Linear(hidden_dim, 1)

            def forward(self, x):
                h = torch.nn.functional.leaky_relu(self.fc1(x), 0.2)
                h = torch.nn.functional.leaky_relu(self.fc2(h), 0.2)
                return self.out(h).view(-1)
    """),
    "discriminator step on one concatenated batch, fakes under no_grad": ("training.discriminator_step", """
        def discriminator_step(G, D, opt_D, real, z, real_label=1.0):
            import torch

            with torch.no_grad():
                fake = G(z)
            opt_D.zero_grad(set_to_none=False)
            logits = D(torch.cat([real, fake]))
            loss = discriminator_loss(logits[:len(real)], logits[len(real):], real_label)
            loss.backward()
            opt_D.step()
            return loss.item()
    """),
    "gradient penalty with grad_outputs and explicit norm": ("stability.gradient_penalty", """
        def gradient_penalty(D, real, fake, alpha, weight=10.0):
            x_hat = alpha * real + (1 - alpha) * fake
            x_hat = x_hat.clone().detach()
            x_hat.requires_grad = True
            out = D(x_hat)
            grad = torch.autograd.grad(out, x_hat, grad_outputs=torch.ones_like(out), create_graph=True)[0]
            norms = torch.sqrt((grad ** 2).sum(dim=1))
            return weight * torch.mean((norms - 1.0) ** 2)
    """),
    "power iteration with sigma = ||W v||": ("stability.power_iteration", """
        def power_iteration(W, u, n_iters=1):
            u = u.clone()
            for _ in range(n_iters):
                v = torch.nn.functional.normalize(torch.mv(W.t(), u), dim=0, eps=0.0)
                wv = torch.mv(W, v)
                u = wv / torch.linalg.norm(wv)
            return torch.linalg.norm(W @ v), u, v
    """),
}


# one mutant per named mistake (autograder/checks/misconceptions.py) that applies to this unit
MISCONCEPTIONS = {
    "non-saturating loss summed instead of averaged": ("losses.generator_loss_nonsaturating", """
        def generator_loss_nonsaturating(fake_logits):
            return F.softplus(-fake_logits).sum()
    """, "N (the batch size) times too large"),
}


NARROWING = {
    "losses clamp logits to +-100 (wrong at |s| = 745 and 1000)": ("losses.discriminator_loss", """
        def discriminator_loss(real_logits, fake_logits, real_label=1.0):
            real_logits, fake_logits = real_logits.clamp(-100, 100), fake_logits.clamp(-100, 100)
            return (F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label))
                    + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
    """),
    "label smoothing only for real_label = 0.9": ("losses.discriminator_loss", """
        def discriminator_loss(real_logits, fake_logits, real_label=1.0):
            target = 0.9 if real_label < 1 else 1.0
            return (F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, target))
                    + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
    """),
    "optimal discriminator is nan where both densities vanish": ("theory.optimal_discriminator", """
        def optimal_discriminator(p_data, p_model):
            with np.errstate(all="ignore"):
                return p_data / (p_data + p_model)
    """),
    "optimal value without the 0 log 0 convention": ("theory.optimal_value", """
        def optimal_value(p_data, p_model, dx):
            d = p_data / (p_data + p_model)
            with np.errstate(all="ignore"):
                return float(np.sum(p_data * np.log(d) + p_model * np.log(1 - d)) * dx)
    """),
    "power iteration always does one iteration": ("stability.power_iteration", """
        def power_iteration(W, u, n_iters=1):
            v = W.T @ u
            v = v / v.norm()
            u = W @ v
            u = u / u.norm()
            return u @ W @ v, u, v
    """),
    "gradient penalty ignores its weight": ("stability.gradient_penalty", """
        def gradient_penalty(D, real, fake, alpha, weight=10.0):
            x_hat = (alpha * real + (1 - alpha) * fake).detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
            return 10.0 * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
    """),
}


# ---------------------------------------------------------------- conditional GANs (issue 16, item 1)
# reference/unit07_gan/conditional.py; checks in autograder/units/gan_conditional.py and
# autograder/keys/gan_conditional.py. Kept apart so the tables above merge without conflicts.
_CONDITIONAL_G = """
    class ConditionalGenerator(nn.Module):
        def __init__(self, latent_dim, n_classes, image_size=8, hidden_dim=64):
            super().__init__()
            self.n_classes, self.image_size = n_classes, image_size
            self.net = nn.Sequential(nn.Linear(latent_dim + n_classes, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, image_size * image_size)OUT)

        def forward(self, z, labels):
            y = F.one_hot(labels, self.n_classes).to(z.dtype)
            return self.net(INPUT).view(-1, 1, self.image_size, self.image_size)
"""
_CONDITIONAL_D = """
    class ConditionalDiscriminator(nn.Module):
        def __init__(self, n_classes, image_size=8, hidden_dim=64):
            super().__init__()
            self.n_classes = n_classes
            self.net = nn.Sequential(nn.Linear(image_size * image_size + n_classes, hidden_dim), nn.LeakyReLU(0.2),
                                     nn.Linear(hidden_dim, hidden_dim), nn.LeakyReLU(0.2),
                                     nn.Linear(hidden_dim, 1))

        def forward(self, x, labels):
            y = F.one_hot(labels, self.n_classes).to(x.dtype)
            return self.net(INPUT)OUT
"""


def _g(inputs="torch.cat([z, y], dim=1)", out=", nn.Tanh()"):
    return _CONDITIONAL_G.replace("INPUT", inputs).replace("OUT", out)


def _d(inputs="torch.cat([x.flatten(1), y], dim=1)", out=".squeeze(-1)"):
    return _CONDITIONAL_D.replace("INPUT", inputs).replace("OUT", out)


_SRGAN = """
    def srgan_generator_loss(sr, hr, fake_logits, adversarial_weight=WEIGHT):
        if CHECK sr.shape != hr.shape:
            raise ValueError("shapes differ")
        return CONTENT + adversarial_weight * ADVERSARIAL
"""


def _srgan(content="((sr - hr) ** 2).mean()", adversarial="F.softplus(-fake_logits).mean()", weight="1e-3",
           check=""):
    return (_SRGAN.replace("CONTENT", content).replace("ADVERSARIAL", adversarial).replace("WEIGHT", weight)
            .replace("CHECK ", check))


_MATCHING = """
    def matching_aware_discriminator_loss(real_logits, mismatched_logits, fake_logits):
        bce = F.binary_cross_entropy_with_logits
        return BODY
"""


def _matching(body):
    return _MATCHING.replace("BODY", body)


MUTANTS.update({
    "conditional generator ignores the label (zeros for the one-hot)": (
        "conditional.ConditionalGenerator", _g("torch.cat([z, torch.zeros_like(y)], dim=1)")),
    "conditional generator puts the one-hot before z": (
        "conditional.ConditionalGenerator", _g("torch.cat([y, z], dim=1)")),
    "conditional generator without the final tanh": ("conditional.ConditionalGenerator", _g(out="")),
    "conditional discriminator ignores the label": (
        "conditional.ConditionalDiscriminator", _d("torch.cat([x.flatten(1), 0 * y], dim=1)")),
    "conditional discriminator returns shape (N, 1)": ("conditional.ConditionalDiscriminator", _d(out="")),
    "matching-aware loss without the 1/2 on the negatives": ("conditional.matching_aware_discriminator_loss", _matching(
        "bce(real_logits, torch.ones_like(real_logits)) + bce(mismatched_logits, torch.zeros_like(mismatched_logits))"
        " + bce(fake_logits, torch.zeros_like(fake_logits))")),
    "matching-aware loss with target 1 for mismatched pairs": (
        "conditional.matching_aware_discriminator_loss", _matching(
            "bce(real_logits, torch.ones_like(real_logits)) + 0.5 * (bce(mismatched_logits, "
            "torch.ones_like(mismatched_logits)) + bce(fake_logits, torch.zeros_like(fake_logits)))")),
    "matching-aware loss through log(sigmoid) (overflows)": ("conditional.matching_aware_discriminator_loss", _matching(
        "-torch.log(torch.sigmoid(real_logits)).mean() - 0.5 * (torch.log(1 - torch.sigmoid(mismatched_logits)).mean()"
        " + torch.log(1 - torch.sigmoid(fake_logits)).mean())")),
    "SRGAN loss sums the squared errors": (
        "conditional.srgan_generator_loss", _srgan(content="((sr - hr) ** 2).sum()")),
    "SRGAN loss with the minimax adversarial term": (
        "conditional.srgan_generator_loss", _srgan(adversarial="-F.softplus(fake_logits).mean()")),
    "SRGAN loss averages the squared error per image, then sums": (
        "conditional.srgan_generator_loss", _srgan(content="((sr - hr) ** 2).mean(dim=(1, 2, 3)).sum()")),
})

ALTERNATIVES.update({
    "conditional generator with named layers and torch.eye one-hot": ("conditional.ConditionalGenerator", """
        class ConditionalGenerator(nn.Module):
            def __init__(self, latent_dim, n_classes, image_size=8, hidden_dim=64):
                super().__init__()
                self.fc1 = nn.Linear(latent_dim + n_classes, hidden_dim)
                self.fc2 = nn.Linear(hidden_dim, hidden_dim)
                self.fc3 = nn.Linear(hidden_dim, image_size * image_size)
                self.register_buffer("eye", torch.eye(n_classes))
                self.size = image_size

            def forward(self, z, labels):
                h = torch.relu(self.fc1(torch.cat((z, self.eye[labels].to(z.dtype)), 1)))
                return torch.tanh(self.fc3(torch.relu(self.fc2(h)))).reshape(len(z), 1, self.size, self.size)
    """),
    "conditional discriminator with reshape and functional leaky_relu": ("conditional.ConditionalDiscriminator", """
        class ConditionalDiscriminator(nn.Module):
            def __init__(self, n_classes, image_size=8, hidden_dim=64):
                super().__init__()
                self.k = n_classes
                self.a = nn.Linear(image_size ** 2 + n_classes, hidden_dim)
                self.b = nn.Linear(hidden_dim, hidden_dim)
                self.c = nn.Linear(hidden_dim, 1)

            def forward(self, x, labels):
                u = torch.cat([x.reshape(x.shape[0], -1), F.one_hot(labels, self.k).float()], dim=-1)
                return self.c(F.leaky_relu(self.b(F.leaky_relu(self.a(u), 0.2)), 0.2))[:, 0]
    """),
    "matching-aware loss by softplus": ("conditional.matching_aware_discriminator_loss", _matching(
        "F.softplus(-real_logits).mean()"
        " + (F.softplus(mismatched_logits).mean() + F.softplus(fake_logits).mean()) / 2")),
    "SRGAN loss by mse_loss and BCE against ones": ("conditional.srgan_generator_loss", _srgan(
        content="F.mse_loss(sr, hr)", adversarial="bce_ones(fake_logits)").replace(
        "if ", "bce_ones = lambda s: F.binary_cross_entropy_with_logits(s, torch.ones_like(s))\n        if ", 1)),
})

NARROWING = {**globals().get("NARROWING", {}), **{
    "conditional generator ignores image_size (always 8 x 8)": ("conditional.ConditionalGenerator", _g().replace(
        "image_size * image_size)", "64)").replace("self.image_size, self.image_size", "8, 8")),
    "conditional discriminator ignores the default hidden_dim (32)": (
        "conditional.ConditionalDiscriminator", _d().replace("hidden_dim=64", "hidden_dim=32")),
    "SRGAN loss with the default adversarial_weight 1e-2": ("conditional.srgan_generator_loss", _srgan(weight="1e-2")),
    "SRGAN loss broadcasts sr and hr of different shapes": (
        "conditional.srgan_generator_loss", _srgan(check="False and")),
}}


# ---------------------------------------------------------------- the training outcome judges generator_step
STUB_DISCRIMINATOR_STEP = """
    def discriminator_step(G, D, opt_D, real, z, real_label=1.0):
        raise NotImplementedError
"""
GENERATOR_STEP_ASCENDS = """
    def generator_step(G, D, opt_G, z):
        loss = -generator_loss_nonsaturating(D(G(z)))
        opt_G.zero_grad()
        loss.backward()
        opt_G.step()
        return float(-loss.item())
"""
GENERATOR_STEP_MOVES_D = """
    def generator_step(G, D, opt_G, z):
        import torch

        loss = generator_loss_nonsaturating(D(G(z)))
        opt_G.zero_grad()
        D.zero_grad()
        loss.backward()
        opt_G.step()
        with torch.no_grad():
            for p in D.parameters():
                p -= 0.05 * p.grad
        return float(loss.item())
"""
GENERATOR_STEP_TWICE = """
    def generator_step(G, D, opt_G, z):
        losses = []
        for _ in range(2):
            loss = generator_loss_nonsaturating(D(G(z)))
            opt_G.zero_grad()
            loss.backward()
            opt_G.step()
            losses.append(float(loss.item()))
        return losses[0]
"""
TRAINED = {  # the submission's changes, the check's score, whether a failure comes from the second training
    "stub discriminator_step, correct generator_step": (
        {"training.discriminator_step": STUB_DISCRIMINATOR_STEP}, 4.0, None),
    "discriminator_step keeping stale gradients, correct generator_step": (
        {"training.discriminator_step": MUTANTS["discriminator step keeps stale gradients"][1]}, 4.0, None),
    "correct discriminator_step, generator_step ascending its loss": (
        {"training.generator_step": GENERATOR_STEP_ASCENDS}, 0.0, False),
    "stub discriminator_step, generator_step that also moves D": (
        {"training.discriminator_step": STUB_DISCRIMINATOR_STEP, "training.generator_step": GENERATOR_STEP_MOVES_D},
        0.0, True),
}


@pytest.mark.parametrize("changes, score, retrained", list(TRAINED.values()), ids=list(TRAINED))
def test_gan_training_judges_the_generator_step(tmp_path, changes, score, retrained):
    """A discriminator_step's bug costs gan_covers_all_modes nothing (official grading trains the
    reference's with the student's generator_step), a generator_step's bug its 4 points, with a
    message naming generator_step; a discriminator_step that does what the reference's does is not
    trained with again. (One id: a training takes seconds; each variant kept one score under 2 ids.)"""
    path = make_submission(tmp_path, UNIT, changes)
    reports = [grade(path, UNIT, only=["gan_covers_all_modes"], submission_id="student-00")]
    outputs = [r.output for report in reports for r in report.results]
    assert [r.score for r in reports] == [score], outputs
    if retrained is not None:
        assert all("generator_step" in o and ("(the grader's)" in o) == retrained for o in outputs), outputs


def test_gan_training_same_score_under_10_ids(tmp_path):
    """A generator_step taking two Adam steps per call still covers the modes on some data: drawn per
    submission it kept the 4 points of gan_covers_all_modes under 9 of 10 ids; on the fixed data,
    weights, batches and codes (training.fixed_rng) one score under every id."""
    path = make_submission(tmp_path, UNIT, {"training.generator_step": GENERATOR_STEP_TWICE})
    scores = scores_under_ids(path, UNIT, ["gan_covers_all_modes"], SUBMISSION_IDS[:10])
    assert len(set(scores.values())) == 1, f"the score depends on the submission id: {scores}"


# ---------------------------------------------------------------- the conditional GAN's training judges the generator
DRAWS = "conditional_gan_draws_the_word"
D_IGNORES_LABEL = {"conditional.ConditionalDiscriminator": MUTANTS["conditional discriminator ignores the label"][1]}
G_IGNORES_LABEL = {"conditional.ConditionalGenerator":
                   MUTANTS["conditional generator ignores the label (zeros for the one-hot)"][1]}
CONDITIONAL_TRAINED = {  # the submission's changes, the draws check's score, whether its failure names the grader's
    "reference": ({}, 4.0, None),
    "discriminator ignores the label": (D_IGNORES_LABEL, 4.0, None),
    "matching-aware loss swaps the mismatched pairs' target": (
        {"conditional.matching_aware_discriminator_loss":
         MUTANTS["matching-aware loss with target 1 for mismatched pairs"][1]}, 4.0, None),
    "generator ignores the label": (G_IGNORES_LABEL, 0.0, False),
    "generator and discriminator ignore the label": ({**G_IGNORES_LABEL, **D_IGNORES_LABEL}, 0.0, True),
    "generator ignores the label, discriminator and loss written otherwise": (
        {**G_IGNORES_LABEL, **dict(ALTERNATIVES[name] for name in (
            "conditional discriminator with reshape and functional leaky_relu", "matching-aware loss by softplus"))},
        0.0, False),
}


@pytest.mark.parametrize("changes, score, retrained", list(CONDITIONAL_TRAINED.values()), ids=list(CONDITIONAL_TRAINED))
def test_conditional_gan_training_judges_the_generator(tmp_path, changes, score, retrained):
    """Under two ids: a ConditionalDiscriminator's or matching-aware loss's bug costs
    conditional_gan_draws_the_word nothing (official grading trains the reference's with the student's
    ConditionalGenerator) and points on its own checks, whose messages name it; a generator's bug
    costs the 4 points, with a message naming ConditionalGenerator (and the grader's discriminator
    and loss where the student's were wrong too, not where they are right but written otherwise)."""
    path = make_submission(tmp_path, UNIT, changes)
    own = [c for target in changes for c in checks_of_exercise(UNIT, target) if c != DRAWS]
    for sid in ("student-00", "student-01"):
        results = {r.name: r for r in grade(path, UNIT, only=[DRAWS, *own], submission_id=sid).results}
        draws = results.pop(DRAWS)
        assert draws.score == score, draws.output
        if retrained is not None:
            assert "ConditionalGenerator" in draws.output and ("(the grader's)" in draws.output) == retrained, (
                draws.output)
        for target in (t for t, source in changes.items() if (t, source) in MUTANTS.values()):
            name = target.split(".")[1]
            lost = [r.output for r in results.values() if r.score < r.max_score and name in r.output]
            assert lost, f"no check of {name} lost points naming it: {[r.output for r in results.values()]}"


# ---------------------------------------------------------------- a step failing in the driver's GanRun is named
STEP_ARGS = {"discriminator_step": "G, D, opt_D, real, z, real_label=1.0", "generator_step": "G, D, opt_G, z"}
MISBEHAVES = {"hangs": ("import time\n    time.sleep(10 ** 6)", "did not finish within 2 s (an endless loop"),
              "exits": ("import os\n    os._exit(3)", "exited the worker (exit status 3, as os._exit does)"),
              "raises": ("raise ValueError('boom')", "raised ValueError: boom")}


@pytest.mark.parametrize("step, how", [("generator_step", how) for how in MISBEHAVES]
                         + [("discriminator_step", "hangs")])
def test_a_step_failing_in_the_gan_training_loop_is_named_not_the_loop(tmp_path, step, how):
    """The driver's GanRun resolves both steps when made and calls them when its method run is called
    (another request): the failure names the student's step, never GanRun.run. (A discriminator_step
    that exits or raises keeps the check's points: the training with the reference's passes.)"""
    body, happened = MISBEHAVES[how]
    path = make_submission(tmp_path, UNIT, {f"training.{step}": f"def {step}({STEP_ARGS[step]}):\n    {body}\n"})
    result = grade(path, UNIT, only=["gan_covers_all_modes"], limits=Limits(call_timeout=2.0)).results[0]
    assert result.score == 0 and f"training.{step} {happened}" in result.output, result.output
    assert "GanRun" not in result.output and " run raised" not in result.output, result.output


LOSS = "conditional.matching_aware_discriminator_loss"


@pytest.mark.parametrize("how", ["hangs", "exits"])
def test_a_loss_failing_in_the_conditional_gan_training_loop_is_named_not_the_loop(tmp_path, how):
    """The same for the driver's ConditionalGanRun and the matching-aware loss it resolves when made. A
    loss that exits is given up on, so the training with the grader's loss judges the generator (4
    points); one that hangs ends the check's calls."""
    path = make_submission(tmp_path, UNIT, {LOSS: "def matching_aware_discriminator_loss(real_logits, "
                                                  f"mismatched_logits, fake_logits):\n    {MISBEHAVES[how][0]}\n"})
    result = grade(path, UNIT, only=[DRAWS], limits=Limits(call_timeout=2.0)).results[0]
    if how == "exits":
        assert result.score == 4, result.output
    else:
        assert result.score == 0, result.output
        assert result.output == f"{LOSS} did not finish within 2 s (an endless loop, or far too slow?)"
