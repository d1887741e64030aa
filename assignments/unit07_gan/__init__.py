"""Unit 7 -- generative adversarial networks.

The losses of the minimax game and its non-saturating and least-squares variants (from logits,
numerically stable), the optimal discriminator and the value of the game in theory, small
generator and discriminator networks in torch, one adversarial training step, and three
stability techniques: one-sided label smoothing, the WGAN-GP gradient penalty and spectral
normalization by power iteration.
"""
