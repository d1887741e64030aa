"""Unit 7: one adversarial training step, split into its discriminator and generator halves.

Each step zeroes the gradients of the module it trains first (stale gradients may be left over
from the other half), computes its loss with the functions of losses.py, backpropagates and
takes one optimizer step. Neither half may change the other network's parameters, and the
discriminator step must not backpropagate into the generator at all (detach the fakes): the
generator's .grad fields stay exactly as they were.
"""
from .losses import discriminator_loss, generator_loss_nonsaturating


def discriminator_step(G, D, opt_D, real, z, real_label=1.0):
    """One update of the discriminator on a batch of real examples and a batch of fakes G(z).

    Args:
        G: the generator (a torch.nn.Module), mapping (M, latent_dim) to (M, data_dim).
        D: the discriminator, mapping (N, data_dim) to logits of shape (N,).
        opt_D: a torch.optim optimizer over D's parameters.
        real: float32 tensor of shape (N, data_dim), real examples.
        z: float32 tensor of shape (M, latent_dim), latent codes for the fakes.
        real_label: float, the target for real examples (one-sided label smoothing if < 1).

    Returns:
        loss: float, discriminator_loss(D(real), D(G(z)), real_label) before the update.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def generator_step(G, D, opt_G, z):
    """One update of the generator with the non-saturating loss on the fakes G(z).

    Args:
        G: the generator.
        D: the discriminator (its parameters must not change).
        opt_G: a torch.optim optimizer over G's parameters.
        z: float32 tensor of shape (M, latent_dim), latent codes.

    Returns:
        loss: float, generator_loss_nonsaturating(D(G(z))) before the update.
    """
    # YOUR CODE HERE
    raise NotImplementedError
