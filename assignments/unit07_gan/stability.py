"""Unit 7: stability techniques -- the WGAN-GP gradient penalty and spectral normalization.

(One-sided label smoothing is the real_label argument of losses.discriminator_loss.)
Functions work in the dtype of their inputs and never modify their arguments.
"""
import torch


def gradient_penalty(D, real, fake, alpha, weight=10.0):
    """The WGAN-GP gradient penalty at interpolates between real and fake examples.

        x_hat = alpha * real + (1 - alpha) * fake          (alpha broadcast over each row)
        penalty = weight * mean_i (||grad_x D(x_hat)_i||_2 - 1)^2

    where grad_x D(x_hat)_i is the gradient of D's output for row i with respect to that row's
    input. The interpolates are constants (detached from real and fake), but the penalty must be
    differentiable with respect to D's parameters, so that loss.backward() trains D: build the
    input gradient with torch.autograd.grad(..., create_graph=True).

    Args:
        D: a torch.nn.Module mapping (N, data_dim) to (N,) (or (N, 1)).
        real: tensor of shape (N, data_dim).
        fake: tensor of shape (N, data_dim).
        alpha: tensor of shape (N, 1), interpolation weights in [0, 1] (given, not drawn).
        weight: float, the penalty coefficient lambda.

    Returns:
        penalty: 0-dim tensor.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def power_iteration(W, u, n_iters=1):
    """Estimate the largest singular value of W by power iteration, starting from u.

    Each iteration computes
        v = W^T u / ||W^T u||,   u = W v / ||W v||,
    and after the last one sigma = u^T W v. (Norms are Euclidean, with no epsilon.)

    Args:
        W: tensor of shape (m, n).
        u: tensor of shape (m,), the starting vector (not necessarily of unit norm).
        n_iters: int >= 1, the number of iterations.

    Returns:
        A tuple (sigma, u, v): sigma a 0-dim tensor, u of shape (m,) and v of shape (n,) the
        final unit vectors (new tensors).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def spectral_normalize(W, u, n_iters=1):
    """Spectral normalization: W divided by its power-iteration estimate of sigma_max.

    Args:
        W: tensor of shape (m, n).
        u: tensor of shape (m,), the starting vector for power_iteration.
        n_iters: int >= 1.

    Returns:
        A tuple (W_sn, u): W_sn = W / sigma of shape (m, n), and u of shape (m,), the updated
        vector from power_iteration (to start from next time).
    """
    # YOUR CODE HERE
    raise NotImplementedError
