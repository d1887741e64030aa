"""Unit 8 checks that ship: module shapes, the reconstruction loss and the reparameterization
against sympy keys of the formulas the docstrings state, PCA on data whose mean, covariance and
eigenvectors are known by construction, and properties of the KL term.

Answer keys (forward passes recomputed in numpy, the KL term derived by sympy, the ELBO, training
outcomes, anomaly scores, thresholds and flags) are instructor-only:
``autograder/keys/unit08_autoencoders.py``.
"""
from __future__ import annotations

import functools

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from .. import drivers
from ..checks import compare, modules, properties
from ..checks.symbolic import Key, symbols
from ..suite import Suite

suite = Suite("unit08_autoencoders", modules=["autoencoder", "pca", "vae", "anomaly"],
              title="Autoencoders, PCA, VAEs and anomaly detection",
              drivers=drivers.load("torch_tools", "torch_probe", "unit08_autoencoders"))
suite.builds_on = {
    "autoencoder.train_autoencoder": ("autoencoder.reconstruction_loss",),
    "vae.elbo_loss": ("vae.kl_divergence",),
    "vae.VAE": ("vae.reparameterize",),
    "vae.sample": ("vae.VAE",),
}
suite.forbid("sklearn", "scipy", "torch", exercises=("pca",),
             why="PCA is written by hand in numpy (sklearn.decomposition.PCA or scipy would do it)")
suite.forbid("torch.distributions", exercises=("vae.kl_divergence", "vae.elbo_loss", "vae.reparameterize"),
             why="the KL term, the ELBO and the reparameterization are written in closed form "
                 "(torch.distributions.kl_divergence or rsample would do them)")
suite.forbid("sklearn", "scipy", exercises=("anomaly",),
             why="anomaly scores, thresholds and flags are computed by hand")

T = modules.as_tensor
STRICT = {"rtol": 1e-9, "atol": 1e-12}

a, b, m, lv, e = symbols("a b m l e")
SQUARED = Key((a - b) ** 2, [a, b])
REPARAM = Key(m + sp.exp(lv / 2) * e, [m, lv, e])


@functools.cache
def slope(key: Key, symbol) -> Key:
    return key.diff(symbol)


# ---------------------------------------------------------------- data the grader makes
def manifold_data(rng, n, mixing, noise=0.05):
    """Points near a curved 2-D manifold in len(mixing[0]) dimensions."""
    codes = rng.standard_normal((n, len(mixing)))
    return 2 * np.tanh(codes @ mixing) + noise * rng.standard_normal((n, mixing.shape[1]))


SPREAD = np.array([3.0, 2.0, 0.6, 0.5, 0.4, 0.3])  # standard deviations along the principal axes


def low_rank_data(rng, n=256, dim=6):
    """Data whose mean and biased covariance V diag(values) V^T are known by construction, with a
    clear gap after its two largest eigenvalues (9, 4 | 0.36, ...).

    Returns X of shape (n, dim), its mean (dim,), values (dim,) in decreasing order, and V of shape
    (dim, dim) with the matching unit eigenvectors as columns.
    """
    noise = rng.standard_normal((n, dim))
    white = np.sqrt(n) * np.linalg.qr(noise - noise.mean(axis=0))[0]  # mean 0, white.T @ white / n = I
    V, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    mean = rng.standard_normal(dim)
    return (white * SPREAD[:dim]) @ V.T + mean, mean, SPREAD[:dim] ** 2, V


# ---------------------------------------------------------------- autoencoder
def ae_shapes(d, code, hidden):
    return [(hidden, d), (code, hidden), (hidden, code), (d, hidden)]


# (label, constructor arguments, input size, code size, hidden size)
AUTOENCODERS = [("Autoencoder(6, 2, 12)", (6, 2, 12), 6, 2, 12),
                ("Autoencoder(5, 3) with the default hidden_dim 32", (5, 3), 5, 3, 32)]


def method(ctx, module, name, x, shape, label):
    return modules.tensor(ctx.student.method(module, name)(T(x)), label, shape, "float32")


@suite.check("autoencoder.Autoencoder", points=1)
def autoencoder_layers(ctx):
    """Four Linear layers of the documented shapes; encode, decode and forward give the right shapes."""
    for label, args, d, code, hidden in AUTOENCODERS:
        with ctx.case(label):
            modules.seed_torch(ctx)
            model = ctx.student.autoencoder.Autoencoder(*args)
            modules.architecture(ctx, model, ae_shapes(d, code, hidden), f"Autoencoder{args}")
            x = ctx.rng.standard_normal((7, d)).astype(np.float32)
            method(ctx, model, "encode", x, (7, code), f"Autoencoder{args}.encode(x)")
            method(ctx, model, "decode", ctx.rng.standard_normal((7, code)).astype(np.float32), (7, d),
                   f"Autoencoder{args}.decode(code)")
            method(ctx, model, "forward", x, (7, d), f"Autoencoder{args}.forward(x)")


@suite.check("autoencoder.reconstruction_loss", points=2)
def reconstruction_loss_keys(ctx):
    """Sum over features, mean over examples; autograd gradients against the sympy key."""
    x, x_hat = ctx.rng.standard_normal((5, 4)), ctx.rng.standard_normal((5, 4))
    upstream = np.array(ctx.rng.uniform(0.5, 2.0))
    out, (gx, gh) = modules.vjp(ctx, "autoencoder.reconstruction_loss", (T(x, True), T(x_hat, True)), upstream)
    compare.close(out, SQUARED(x, x_hat).sum(axis=1).mean(), "reconstruction_loss(x, x_hat)", **STRICT, batch=len(x))
    for label, got, symbol in (("x", gx, a), ("x_hat", gh, b)):
        compare.close(got, upstream * slope(SQUARED, symbol)(x, x_hat) / len(x),
                      f"the gradient of reconstruction_loss with respect to {label}", **STRICT)


# ---------------------------------------------------------------- pca
@suite.check("pca.pca_fit", points=3)
def pca_fit_values(ctx):
    """Mean, all eigenvalues (biased covariance, decreasing) and orthonormal top-k components in
    order, all known by construction; k = 1, 2 and D in every grading."""
    X, mean, values, vectors = low_rank_data(ctx.rng, n=50)
    for k in (1, 2, 6):
        with ctx.case(f"k={k}"):
            out = compare.sequence(ctx.student.pca.pca_fit(X, k), f"pca_fit(X, {k})", 3)
            compare.close(out[0], mean, f"mean from pca_fit(X, {k})", **STRICT)
            compare.close(out[2], values, f"eigenvalues from pca_fit(X, {k})", **STRICT)
            comps = compare.array(out[1], f"components from pca_fit(X, {k})", (k, 6))
            compare.close(comps @ comps.T, np.eye(k), f"components @ components.T from pca_fit(X, {k}) "
                          "(orthonormal rows)", atol=1e-9)
            compare.close(np.abs(np.sum(comps * vectors[:, :k].T, axis=1)), np.ones(k),
                          f"|<component i, i-th principal eigenvector>| from pca_fit(X, {k}) (largest first)", atol=1e-8)


@suite.check("pca.reconstruction_error", points=1)
def reconstruction_error_is_discarded_variance(ctx):
    """Projecting onto the top k principal axes (known by construction) loses the sum of the
    discarded eigenvalues; k = 1 and 3."""
    X, mean, values, vectors = low_rank_data(ctx.rng, n=60)
    for k in (1, 3):
        with ctx.case(f"projection onto the top {k} principal axes"):
            X_hat = mean + (X - mean) @ vectors[:, :k] @ vectors[:, :k].T
            compare.close_scalar(ctx.student.pca.reconstruction_error(X, X_hat), float(values[k:].sum()),
                                 f"reconstruction_error(X, X_hat) for the projection onto the top {k} principal "
                                 f"axes (the sum of the {6 - k} smallest eigenvalues)", **STRICT)


# ---------------------------------------------------------------- vae
@suite.check("vae.reparameterize", points=2)
def reparameterize_key(ctx):
    """z = mu + exp(logvar / 2) * eps exactly; autograd gradients against the sympy key."""
    mu, logvar, eps = ctx.rng.standard_normal((3, 4, 2))
    upstream = ctx.rng.standard_normal((4, 2))
    out, (gm, gl) = modules.vjp(ctx, "vae.reparameterize", (T(mu, True), T(logvar, True), T(eps)), upstream, (4, 2))
    compare.close(out, REPARAM(mu, logvar, eps), "reparameterize(mu, logvar, eps)", **STRICT)
    compare.close(gm, upstream * slope(REPARAM, m)(mu, logvar, eps), "the gradient of reparameterize for mu", **STRICT)
    compare.close(gl, upstream * slope(REPARAM, lv)(mu, logvar, eps), "the gradient of reparameterize for logvar",
                  **STRICT)


@suite.check("vae.kl_divergence", points=2)
def kl_divergence_properties(ctx):
    """Non-negative everywhere (hypothesis), 0 at the standard normal and positive beside it."""
    kl = ctx.student.vae.kl_divergence

    def prop(mu, logvar):
        got = modules.tensor(kl(T(mu), T(logvar)), "kl_divergence(mu, logvar)", (mu.shape[0],))
        if np.any(got < -1e-12):
            ctx.fail(f"kl_divergence returned a negative value {got.min():.3g}; a KL divergence is >= 0 "
                     "(up to rounding, 1e-12)")

    pairs = properties.shapes(min_dims=2, max_dims=2, max_side=4).flatmap(
        lambda shape: st.tuples(properties.arrays(shape, -4, 4), properties.arrays(shape, -4, 4)))
    zero = np.zeros((1, 3))
    with ctx.case("non-negative", trivial=True):
        properties.run(ctx, lambda pair: prop(*pair), max_examples=20, pair=pairs)
    with ctx.case("zero at mu = 0, logvar = 0", trivial=True):
        compare.close(kl(T(zero), T(zero)), np.zeros(1), "kl_divergence at the standard normal", rtol=0, atol=1e-15)
    for which, (mu, logvar) in (("mu", (zero + [[0, 1e-3, 0]], zero)), ("logvar", (zero, zero - [[0, 0, 1e-3]]))):
        with ctx.case(f"positive when {which} is 1e-3 away from the standard normal"):
            got = modules.tensor(kl(T(mu), T(logvar)), "kl_divergence", (1,))
            if not got[0] > 0:
                ctx.fail(f"kl_divergence is {got[0]:.3g} when {which} is 1e-3 away from the standard normal; "
                         "it must be positive there")


def vae_shapes(d, latent, hidden):
    """Encoder, mu head, logvar head, decoder hidden and output layers."""
    return [(hidden, d), (latent, hidden), (latent, hidden), (hidden, latent), (d, hidden)]


# (label, constructor arguments, input size, latent size, hidden size)
VAES = [("VAE(6, 2, 12)", (6, 2, 12), 6, 2, 12), ("VAE(5, 3) with the default hidden_dim 32", (5, 3), 5, 3, 32)]


@suite.check("vae.VAE", points=1)
def vae_layers(ctx):
    """Five Linear layers of the documented shapes in the documented order; output shapes."""
    for label, args, d, latent, hidden in VAES:
        with ctx.case(label):
            modules.seed_torch(ctx)
            model = ctx.student.vae.VAE(*args)
            modules.architecture(ctx, model, vae_shapes(d, latent, hidden), f"VAE{args}")
            x = ctx.rng.standard_normal((7, d)).astype(np.float32)
            eps = ctx.rng.standard_normal((7, latent)).astype(np.float32)
            out = compare.sequence(ctx.student.method(model, "forward")(T(x), T(eps)), f"VAE{args}.forward(x, eps)", 3)
            for name, got, shape in zip(("x_hat", "mu", "logvar"), out, ((7, d), (7, latent), (7, latent))):
                modules.tensor(got, f"{name} from VAE{args}.forward(x, eps)", shape, "float32")
