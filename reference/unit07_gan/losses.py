"""Unit 7: GAN losses computed from logits (torch).

A discriminator outputs a logit s per example; D(x) = sigmoid(s) is the probability it gives to
"x is real". Working with logits keeps every loss finite: log(sigmoid(s)) = -softplus(-s) and
log(1 - sigmoid(s)) = -softplus(s), with softplus(t) = log(1 + exp(t)) computed stably (for
example torch.nn.functional.softplus or binary_cross_entropy_with_logits). Every loss below must
stay finite and accurate for logits as large as |s| = 1000.

All functions take float tensors of any floating dtype (float32 or float64) and return a 0-dim
tensor of the same dtype that autograd can differentiate (do not leave torch, no .item(), no
numpy). Create targets with torch.ones_like / torch.full_like so they share that dtype.
"""
import torch
import torch.nn.functional as F


def discriminator_loss(real_logits, fake_logits, real_label=1.0):
    """Discriminator loss of the minimax game, with optional one-sided label smoothing.

    The binary cross-entropy of the real logits against the target real_label plus that of the
    fake logits against the target 0, each averaged over its examples:

        loss = mean_i BCE(real_logits[i], real_label) + mean_j BCE(fake_logits[j], 0),
        BCE(s, t) = -(t * log(sigmoid(s)) + (1 - t) * log(1 - sigmoid(s))).

    With real_label = 1 this is -mean log D(x) - mean log(1 - D(G(z))). One-sided label
    smoothing uses real_label < 1 (e.g. 0.9) for the real examples only; the fake target stays 0.

    Args:
        real_logits: tensor of shape (N,), the discriminator's logits on real examples.
        fake_logits: tensor of shape (M,), its logits on generated examples.
        real_label: float in (0, 1], the target for real examples.

    Returns:
        loss: 0-dim tensor.
    """
    ### BEGIN SOLUTION
    real_target = torch.full_like(real_logits, real_label)
    return (F.binary_cross_entropy_with_logits(real_logits, real_target)
            + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
    ### END SOLUTION


def generator_loss_minimax(fake_logits):
    """Generator loss of the original minimax game: mean log(1 - D(G(z))) (to be minimized).

    Its gradient vanishes (saturates) when the discriminator confidently rejects the samples,
    D(G(z)) -> 0, which is why it is rarely used in practice.

    Args:
        fake_logits: tensor of shape (M,), the discriminator's logits on generated examples.

    Returns:
        loss: 0-dim tensor, mean_j log(1 - sigmoid(fake_logits[j])) (always <= 0).
    """
    ### BEGIN SOLUTION
    return -F.softplus(fake_logits).mean()
    ### END SOLUTION


def generator_loss_nonsaturating(fake_logits):
    """Non-saturating generator loss: -mean log D(G(z)).

    Args:
        fake_logits: tensor of shape (M,), the discriminator's logits on generated examples.

    Returns:
        loss: 0-dim tensor, -mean_j log(sigmoid(fake_logits[j])) (always >= 0).
    """
    ### BEGIN SOLUTION
    return F.softplus(-fake_logits).mean()
    ### END SOLUTION


def lsgan_discriminator_loss(real_scores, fake_scores):
    """Least-squares GAN discriminator loss (targets 1 for real, 0 for fake).

        loss = 0.5 * mean_i (real_scores[i] - 1)^2 + 0.5 * mean_j fake_scores[j]^2

    Args:
        real_scores: tensor of shape (N,), the discriminator's raw outputs on real examples.
        fake_scores: tensor of shape (M,), its raw outputs on generated examples.

    Returns:
        loss: 0-dim tensor.
    """
    ### BEGIN SOLUTION
    return 0.5 * ((real_scores - 1) ** 2).mean() + 0.5 * (fake_scores ** 2).mean()
    ### END SOLUTION


def lsgan_generator_loss(fake_scores):
    """Least-squares GAN generator loss: 0.5 * mean_j (fake_scores[j] - 1)^2.

    Args:
        fake_scores: tensor of shape (M,), the discriminator's raw outputs on generated examples.

    Returns:
        loss: 0-dim tensor.
    """
    ### BEGIN SOLUTION
    return 0.5 * ((fake_scores - 1) ** 2).mean()
    ### END SOLUTION
