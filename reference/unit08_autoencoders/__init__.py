"""Unit 8 -- autoencoders and variational autoencoders.

Autoencoders compress data to a small code and reconstruct it; PCA is the linear special case
(a linear autoencoder trained to convergence spans the top principal subspace). A VAE makes the
code stochastic (reparameterization, a KL term, the ELBO) so that decoding draws from the prior
generates new data. Reconstruction error doubles as an anomaly score.
"""
