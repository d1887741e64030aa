"""Unit 7: conditional GANs ("text-to-image" in miniature) and the super-resolution GAN loss.

A conditional generator G(z, y) draws an image of the class y it is asked for; a conditional
discriminator D(x, y) judges whether x is a real image *of class y* (Mirza and Osindero 2014,
"Conditional Generative Adversarial Nets"). Here the "text" is one word out of WORDS and the
images are 8 x 8 strokes in [-1, 1] (background -1, stroke +1): a horizontal bar, a vertical bar,
a diagonal, or a cross (a horizontal and a vertical bar). Both networks see the class as a
one-hot vector concatenated to their input (torch.nn.functional.one_hot(labels, n_classes),
converted to the input's dtype), *after* the latent code or the flattened image.

Both modules are multilayer perceptrons of exactly three torch.nn.Linear layers (with biases),
registered in the order they are applied, with PyTorch's default initialization.
"""
import torch
import torch.nn.functional as F
from torch import nn

WORDS = ("horizontal", "vertical", "diagonal", "cross")


class ConditionalGenerator(nn.Module):
    """Maps latent codes z and class labels y to images of shape (1, image_size, image_size).

        u = concat(z, one_hot(y))          # shape (N, latent_dim + n_classes), z first
        Linear(latent_dim + n_classes, hidden_dim) -> ReLU -> Linear(hidden_dim, hidden_dim)
        -> ReLU -> Linear(hidden_dim, image_size ** 2) -> tanh -> reshape (N, 1, image_size, image_size)

    Args (constructor):
        latent_dim: int, size of a latent code.
        n_classes: int, number of classes (len(WORDS) for the stroke images).
        image_size: int, side of the square image.
        hidden_dim: int, width of the two hidden layers.

    forward(z, labels):
        z: float32 tensor of shape (N, latent_dim).
        labels: int64 tensor of shape (N,), entries in 0 .. n_classes - 1.
        returns: float32 tensor of shape (N, 1, image_size, image_size), entries in [-1, 1];
        row-major reshape of the last Linear layer's output (pixel (i, j) is output i * image_size + j).
    """

    def __init__(self, latent_dim, n_classes, image_size=8, hidden_dim=64):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, z, labels):
        # YOUR CODE HERE
        raise NotImplementedError


class ConditionalDiscriminator(nn.Module):
    """Maps an image and a class label to one logit: "x is a real image of class y".

        u = concat(flatten(x), one_hot(y))  # shape (N, image_size ** 2 + n_classes), pixels first
        Linear(image_size ** 2 + n_classes, hidden_dim) -> LeakyReLU(0.2)
        -> Linear(hidden_dim, hidden_dim) -> LeakyReLU(0.2) -> Linear(hidden_dim, 1)

    Args (constructor):
        n_classes: int, number of classes.
        image_size: int, side of the square image.
        hidden_dim: int, width of the two hidden layers.

    forward(x, labels):
        x: float32 tensor of shape (N, 1, image_size, image_size), flattened row-major.
        labels: int64 tensor of shape (N,).
        returns: float32 tensor of shape (N,), one logit per image (no sigmoid, not (N, 1)).
    """

    def __init__(self, n_classes, image_size=8, hidden_dim=64):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x, labels):
        # YOUR CODE HERE
        raise NotImplementedError


def matching_aware_discriminator_loss(real_logits, mismatched_logits, fake_logits):
    """The matching-aware discriminator loss of GAN-CLS (Reed et al. 2016, "Generative
    Adversarial Text to Image Synthesis", Algorithm 1).

    D sees three kinds of pairs: a real image with its own label (target 1), a real image with a
    wrong label (target 0: "real, but not of that class") and a generated image with the label it
    was asked for (target 0). The two kinds of negatives share one half each:

        loss = mean_i BCE(real_logits[i], 1)
               + (mean_j BCE(mismatched_logits[j], 0) + mean_k BCE(fake_logits[k], 0)) / 2,
        BCE(s, t) = -(t * log(sigmoid(s)) + (1 - t) * log(1 - sigmoid(s))),

    computed stably from logits (finite and accurate for |s| up to 1000, e.g. with
    torch.nn.functional.binary_cross_entropy_with_logits or softplus).

    Args:
        real_logits: float tensor of shape (N,), D(x, y) on real images with their labels.
        mismatched_logits: float tensor of shape (M,), D(x, y') on real images with wrong labels.
        fake_logits: float tensor of shape (K,), D(G(z, y), y) on generated images.

    Returns:
        loss: 0-dim tensor of the inputs' dtype, differentiable by autograd.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def srgan_generator_loss(sr, hr, fake_logits, adversarial_weight=1e-3):
    """The perceptual loss of a super-resolution GAN generator (Ledig et al. 2017, SRGAN, eq. 3),
    with the pixel-wise MSE content loss (their eq. 4) and the non-saturating adversarial loss
    -log D(G(I_LR)) (their eq. 6) averaged over the batch:

        loss = mean((sr - hr) ** 2) + adversarial_weight * mean_k(-log(sigmoid(fake_logits[k])))

    The first mean runs over every entry of the images. With adversarial_weight = 0 this is the
    MSE of unit 5's super-resolution models (PSNR = 10 * log10(1 / MSE) for images in [0, 1]).
    The adversarial term must stay finite and accurate for logits as large as |s| = 1000.

    Args:
        sr: float tensor of shape (N, C, H, W), the generator's super-resolved images.
        hr: float tensor of the same shape and dtype, the high-resolution targets.
        fake_logits: float tensor of shape (N,), the discriminator's logits on sr.
        adversarial_weight: float >= 0, the weight of the adversarial term (1e-3 in SRGAN).

    Returns:
        loss: 0-dim tensor of the inputs' dtype, differentiable by autograd in sr and fake_logits.

    Raises:
        ValueError: if sr and hr have different shapes.
    """
    # YOUR CODE HERE
    raise NotImplementedError
