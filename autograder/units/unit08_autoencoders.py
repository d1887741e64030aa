"""Unit 8 checks: autoencoders, PCA, the VAE, anomaly detection by reconstruction error.

Modules run in the worker; the grader exports their Linear layers and recomputes every output,
loss and verdict (PCA optimum, principal angles, ELBO, AUC) itself in numpy from data it made.
VAE formulas are keyed by sympy (the KL term derived from Gaussian moments).
"""
from __future__ import annotations

import functools

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from .. import drivers
from ..checks import compare, modules, numpy_mlp, properties, training_outcomes
from ..checks.symbolic import Key, symbols
from ..suite import Suite

suite = Suite("unit08_autoencoders", modules=["autoencoder", "pca", "vae", "anomaly"],
              title="Autoencoders, PCA, VAEs and anomaly detection", preload="numpy,torch",
              drivers=drivers.load("torch_tools", "torch_probe", "unit08_autoencoders"))

T = modules.as_tensor
STRICT = {"rtol": 1e-9, "atol": 1e-12}
FLOAT32 = {"rtol": 1e-5, "atol": 1e-5}

a, b, m, lv, e = symbols("a b m l e")
SQUARED = Key((a - b) ** 2, [a, b])
HALF_SQUARED = Key((a - b) ** 2 / 2, [a, b])
REPARAM = Key(m + sp.exp(lv / 2) * e, [m, lv, e])


@functools.cache
def kl_key() -> Key:
    """KL(N(m, exp(l)) || N(0, 1)) = E_q[log q - log p], from the Gaussian moments E[xi] = 0, E[xi^2] = 1."""
    x, xi = symbols("x xi")
    var = sp.exp(lv)
    log_q = -sp.log(2 * sp.pi * var) / 2 - (x - m) ** 2 / (2 * var)
    log_p = -sp.log(2 * sp.pi) / 2 - x**2 / 2
    poly = sp.Poly(sp.expand((log_q - log_p).subs(x, m + sp.sqrt(var) * xi)), xi)
    moments = {0: 1, 1: 0, 2: 1}
    return Key(sp.simplify(sum(c * moments[k] for (k,), c in poly.terms())), [m, lv])


@functools.cache
def slope(key: Key, symbol) -> Key:
    return key.diff(symbol)


def kl_rows(mu, logvar):
    return np.sum(kl_key()(mu, logvar), axis=1)


# ---------------------------------------------------------------- data the grader makes
def manifold_data(rng, n, mixing, noise=0.05):
    """Points near a curved 2-D manifold in len(mixing[0]) dimensions."""
    codes = rng.standard_normal((n, len(mixing)))
    return 2 * np.tanh(codes @ mixing) + noise * rng.standard_normal((n, mixing.shape[1]))


def low_rank_data(rng, n=256, dim=6):
    """Data whose biased covariance is exactly V diag(values) V^T, known by construction, with a
    clear gap after its two largest eigenvalues.

    Returns X of shape (n, dim), values of shape (dim,) in decreasing order, and V of shape
    (dim, dim) with the matching unit eigenvectors as columns.
    """
    noise = rng.standard_normal((n, dim))
    white = np.sqrt(n) * np.linalg.qr(noise - noise.mean(axis=0))[0]  # mean 0, white.T @ white / n = I
    V, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    spread = np.array([3.0, 2.0, 0.6, 0.5, 0.4, 0.3])[:dim]
    return (white * spread) @ V.T + rng.standard_normal(dim), spread**2, V


# ---------------------------------------------------------------- autoencoder
AE_ACTS = ["relu", "identity", "relu", "identity"]


def ae_shapes(d, code, hidden):
    return [(hidden, d), (code, hidden), (hidden, code), (d, hidden)]


def _method(ctx, module, name, x, shape, label):
    return modules.tensor(ctx.student.method(module, name)(T(x)), label, shape, "float32")


@suite.check("autoencoder.Autoencoder", points=3)
def autoencoder_architecture(ctx):
    """Four Linear layers; encode, decode and forward recomputed in numpy."""
    for d, code, hidden, args in ((6, 2, 12, (6, 2, 12)), (5, 3, 32, (5, 3))):
        label = f"Autoencoder{args}"
        with ctx.case(label + ("" if len(args) == 3 else " with the default hidden_dim 32")):
            modules.seed_torch(ctx)
            model = ctx.student.autoencoder.Autoencoder(*args)
            layers = modules.architecture(ctx, model, ae_shapes(d, code, hidden), label)
            x = ctx.rng.standard_normal((7, d)).astype(np.float32)
            code_want, _ = numpy_mlp.forward(layers[:2], AE_ACTS[:2], x)
            compare.close(_method(ctx, model, "encode", x, (7, code), f"{label}.encode(x)"), code_want,
                          f"{label}.encode(x)", **FLOAT32)
            c = ctx.rng.standard_normal((7, code)).astype(np.float32)
            compare.close(_method(ctx, model, "decode", c, (7, d), f"{label}.decode(code)"),
                          numpy_mlp.forward(layers[2:], AE_ACTS[2:], c)[0], f"{label}.decode(code)", **FLOAT32)
            compare.close(_method(ctx, model, "forward", x, (7, d), f"{label}.forward(x)"),
                          numpy_mlp.forward(layers, AE_ACTS, x)[0], f"{label}.forward(x)", **FLOAT32)


@suite.check("autoencoder.LinearAutoencoder", points=1)
def linear_autoencoder_architecture(ctx):
    modules.seed_torch(ctx)
    model = ctx.student.autoencoder.LinearAutoencoder(6, 2)
    layers = modules.architecture(ctx, model, [(2, 6), (6, 2)], "LinearAutoencoder(6, 2)")
    x = ctx.rng.standard_normal((7, 6)).astype(np.float32)
    compare.close(_method(ctx, model, "forward", x, (7, 6), "LinearAutoencoder.forward(x)"),
                  numpy_mlp.forward(layers, ["identity", "identity"], x)[0], "LinearAutoencoder.forward(x)", **FLOAT32)


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


LINEAR = [(2, 6), (6, 2)]


def _train_linear(ctx, X32, args, n_steps):
    """A fresh seeded LinearAutoencoder(6, 2) trained by the student: layers before and after, losses."""
    modules.seed_torch(ctx)
    model = ctx.student.autoencoder.LinearAutoencoder(6, 2)
    before = modules.linear_stack(ctx, model, LINEAR, "LinearAutoencoder")
    losses = ctx.student.autoencoder.train_autoencoder(model, T(X32), *args)
    losses = compare.array(np.asarray(losses, dtype=np.float64) if type(losses) is list else losses,
                           "the losses returned by train_autoencoder", (n_steps,))
    return before, modules.linear_stack(ctx, model, LINEAR, "LinearAutoencoder"), losses


def _loss(layers, X):
    return float(np.mean(np.sum((X - numpy_mlp.forward(layers, ["identity"] * 2, X)[0]) ** 2, axis=1)))


def _first_two_losses(layers, X, lr):
    """The loss before and after Adam's first step, which moves each parameter by lr * g / (|g| + 1e-8)."""
    out, cache = numpy_mlp.forward(layers, ["identity"] * 2, X)
    grads, _ = numpy_mlp.backward(layers, ["identity"] * 2, cache, 2 * (out - X) / len(X))
    moved = [tuple(p - lr * g / (np.abs(g) + 1e-8) for p, g in zip(pair, gpair)) for pair, gpair in zip(layers, grads)]
    return _loss(layers, X), _loss(moved, X)


@suite.check("autoencoder.train_autoencoder", points=5, timeout=60)
def linear_autoencoder_finds_pca(ctx):
    """Adam's first step checked exactly; trained on grader data, a linear autoencoder reaches the
    PCA optimum (the sum of the discarded eigenvalues) and spans the top principal subspace."""
    X, values, vectors = low_rank_data(ctx.rng)
    X32 = X.astype(np.float32)
    trained = {}
    for label, args, lr, n_steps in (("train_autoencoder(model, X, 200, 0.05)", (200, 0.05), 0.05, 200),
                                     ("default n_steps=500, lr=0.01", (), 1e-2, 500)):
        with ctx.case(f"{label}: the losses before the first two Adam steps"):
            before, trained[label], losses = _train_linear(ctx, X32, args, n_steps)
            for i, want in enumerate(_first_two_losses(before, X32, lr)):
                compare.close_scalar(float(losses[i]), want, f"loss #{i + 1} returned by {label}", rtol=1e-4)
    after = trained.get("train_autoencoder(model, X, 200, 0.05)")
    with ctx.case("reaches the PCA optimum within 1%"):
        if after is None:
            ctx.fail("train_autoencoder(model, X, 200, 0.05) did not complete (see above)")
        compare.close_scalar(_loss(after, X32), float(values[2:].sum()),
                             "the reconstruction loss after train_autoencoder(model, X, 200, 0.05) "
                             "(vs the sum of the discarded eigenvalues)", rtol=0.01)
    with ctx.case("the decoder's columns span the top-2 principal subspace (angles under 3 degrees)"):
        if after is None:
            ctx.fail("train_autoencoder(model, X, 200, 0.05) did not complete (see above)")
        angles = training_outcomes.principal_angles(after[1][0], vectors[:, :2])
        if angles.max() > 3.0:
            ctx.fail(f"train_autoencoder: the decoder weights span a subspace at up to {angles.max():.1f} degrees "
                     "from the top-2 principal subspace (allowed 3)")


# ---------------------------------------------------------------- pca
@suite.check("pca.pca_fit", points=3)
def pca_fit_values(ctx):
    """Mean, all eigenvalues (biased covariance, decreasing) and orthonormal top-k components in order."""
    X, values, vectors = low_rank_data(ctx.rng, n=50)
    out = compare.sequence(ctx.student.pca.pca_fit(X, 2), "pca_fit(X, 2)", 3)
    compare.close(out[0], X.mean(axis=0), "mean from pca_fit", **STRICT)
    compare.close(out[2], values, "eigenvalues from pca_fit", **STRICT)
    comps = compare.array(out[1], "components from pca_fit", (2, 6))
    compare.close(comps @ comps.T, np.eye(2), "components @ components.T from pca_fit (orthonormal rows)", atol=1e-9)
    compare.close(np.abs(np.sum(comps * vectors[:, :2].T, axis=1)), np.ones(2),
                  "|<component i, i-th principal eigenvector>| from pca_fit (largest first)", atol=1e-8)


@suite.check("pca.pca_transform", points=2)
def pca_transform_and_reconstruct(ctx):
    X = ctx.rng.standard_normal((9, 5))
    mean = ctx.rng.standard_normal(5)
    comps = np.linalg.qr(ctx.rng.standard_normal((5, 3)))[0].T
    codes = compare.close(ctx.student.pca.pca_transform(X, mean, comps), (X - mean) @ comps.T,
                          "pca_transform(X, mean, components)", **STRICT)
    compare.close(ctx.student.pca.pca_reconstruct(codes, mean, comps), codes @ comps + mean,
                  "pca_reconstruct(codes, mean, components)", **STRICT)


@suite.check("pca.reconstruction_error", points=2)
def reconstruction_error_is_discarded_variance(ctx):
    """Your fit, transform and reconstruction lose exactly the sum of the discarded eigenvalues."""
    p = ctx.student.pca
    X, Y = ctx.rng.standard_normal((8, 4)), ctx.rng.standard_normal((8, 4))
    with ctx.case("reconstruction_error(X, Y)"):
        compare.close_scalar(p.reconstruction_error(X, Y), float(np.mean(np.sum((X - Y) ** 2, axis=1))),
                             "reconstruction_error(X, X_hat)", **STRICT)
    X, values, _ = low_rank_data(ctx.rng, n=60)
    for k in (1, 3):
        with ctx.case(f"PCA with k={k} loses the sum of the {6 - k} smallest eigenvalues"):
            mean, comps, _ = compare.sequence(p.pca_fit(X, k), f"pca_fit(X, {k})", 3)
            X_hat = p.pca_reconstruct(p.pca_transform(X, mean, comps), mean, comps)
            compare.close_scalar(p.reconstruction_error(X, X_hat), float(values[k:].sum()),
                                 f"reconstruction_error after pca_fit/transform/reconstruct with k={k}", **STRICT)


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


@suite.check("vae.kl_divergence", points=3)
def kl_divergence_key(ctx):
    """Per-example KL summed over latent dimensions, with gradients, against the sympy key."""
    mu, logvar = 1.5 * ctx.rng.standard_normal((2, 5, 3))
    upstream = ctx.rng.standard_normal(5)
    out, (gm, gl) = modules.vjp(ctx, "vae.kl_divergence", (T(mu, True), T(logvar, True)), upstream, (5,))
    compare.close(out, kl_rows(mu, logvar), "kl_divergence(mu, logvar)", **STRICT)
    compare.close(gm, upstream[:, None] * slope(kl_key(), m)(mu, logvar), "the gradient of kl_divergence for mu",
                  **STRICT)
    compare.close(gl, upstream[:, None] * slope(kl_key(), lv)(mu, logvar),
                  "the gradient of kl_divergence for logvar", **STRICT)


@suite.check("vae.kl_divergence", points=2)
def kl_divergence_properties(ctx):
    """Non-negative everywhere (hypothesis), 0 at the standard normal and only there."""
    kl = ctx.student.vae.kl_divergence

    def prop(mu, logvar):
        got = modules.tensor(kl(T(mu), T(logvar)), "kl_divergence(mu, logvar)", (mu.shape[0],))
        if np.any(got < -1e-12):
            ctx.fail(f"kl_divergence returned a negative value {got.min():.3g}; a KL divergence is >= 0 "
                     "(up to rounding, 1e-12)")

    pairs = properties.shapes(min_dims=2, max_dims=2, max_side=4).flatmap(
        lambda shape: st.tuples(properties.arrays(shape, -4, 4), properties.arrays(shape, -4, 4)))
    with ctx.case("non-negative"):
        properties.run(ctx, lambda pair: prop(*pair), max_examples=20, pair=pairs)
    with ctx.case("zero at mu = 0, logvar = 0 and positive just beside it"):
        zero = np.zeros((1, 3))
        compare.close(kl(T(zero), T(zero)), np.zeros(1), "kl_divergence at the standard normal", rtol=0, atol=1e-15)
        for which, (mu, logvar) in (("mu", (zero + [[0, 1e-3, 0]], zero)), ("logvar", (zero, zero - [[0, 0, 1e-3]]))):
            got = modules.tensor(kl(T(mu), T(logvar)), "kl_divergence", (1,))
            if not got[0] > 0:
                ctx.fail(f"kl_divergence is {got[0]:.3g} when {which} is 1e-3 away from the standard normal; "
                         "it must be positive there")


@suite.check("vae.elbo_loss", points=2)
def elbo_loss_keys(ctx):
    """mean over examples of 0.5 ||x - x_hat||^2 + KL, with autograd gradients against the keys."""
    x, x_hat = ctx.rng.standard_normal((2, 5, 4))
    mu, logvar = ctx.rng.standard_normal((2, 5, 2))
    upstream = np.array(ctx.rng.uniform(0.5, 2.0))
    args = (T(x), T(x_hat, True), T(mu, True), T(logvar, True))
    out, (gh, gm, gl) = modules.vjp(ctx, "vae.elbo_loss", args, upstream)
    n = len(x)
    compare.close(out, float(np.mean(HALF_SQUARED(x, x_hat).sum(axis=1) + kl_rows(mu, logvar))),
                  "elbo_loss(x, x_hat, mu, logvar)", **STRICT)
    for label, got, want in (("x_hat", gh, slope(HALF_SQUARED, b)(x, x_hat)),
                             ("mu", gm, slope(kl_key(), m)(mu, logvar)),
                             ("logvar", gl, slope(kl_key(), lv)(mu, logvar))):
        compare.close(got, upstream * want / n, f"the gradient of elbo_loss with respect to {label}", **STRICT)


def vae_shapes(d, latent, hidden):
    """Encoder, mu head, logvar head, decoder hidden and output layers."""
    return [(hidden, d), (latent, hidden), (latent, hidden), (hidden, latent), (d, hidden)]


def vae_encode(layers, x):
    h, _ = numpy_mlp.forward(layers[:1], ["relu"], x)
    return numpy_mlp.forward(layers[1:2], ["identity"], h)[0], numpy_mlp.forward(layers[2:3], ["identity"], h)[0]


def vae_decode(layers, z):
    return numpy_mlp.forward(layers[3:], ["relu", "identity"], z)[0]


def _vae(ctx, d, latent, hidden, args):
    modules.seed_torch(ctx)
    model = ctx.student.vae.VAE(*args)
    return model, modules.architecture(ctx, model, vae_shapes(d, latent, hidden), f"VAE{args}")


@suite.check("vae.VAE", points=3)
def vae_architecture(ctx):
    """Layer shapes; encode, decode and forward(x, eps) recomputed in numpy."""
    for d, latent, hidden, args in ((6, 2, 12, (6, 2, 12)), (5, 3, 32, (5, 3))):
        label = f"VAE{args}"
        with ctx.case(label + ("" if len(args) == 3 else " with the default hidden_dim 32")):
            model, layers = _vae(ctx, d, latent, hidden, args)
            x = ctx.rng.standard_normal((7, d)).astype(np.float32)
            eps = ctx.rng.standard_normal((7, latent)).astype(np.float32)
            mu, logvar = vae_encode(layers, x)
            got = compare.sequence(ctx.student.method(model, "encode")(T(x)), f"{label}.encode(x)", 2)
            for name, g, want in (("mu", got[0], mu), ("logvar", got[1], logvar)):
                compare.close(modules.tensor(g, f"{name} from {label}.encode(x)", (7, latent), "float32"), want,
                              f"{name} from {label}.encode(x)", **FLOAT32)
            z = ctx.rng.standard_normal((7, latent)).astype(np.float32)
            compare.close(_method(ctx, model, "decode", z, (7, d), f"{label}.decode(z)"), vae_decode(layers, z),
                          f"{label}.decode(z)", **FLOAT32)
            out = compare.sequence(ctx.student.method(model, "forward")(T(x), T(eps)), f"{label}.forward(x, eps)", 3)
            for name, g, want in zip(("x_hat", "mu", "logvar"), out,
                                     (vae_decode(layers, REPARAM(mu, logvar, eps)), mu, logvar)):
                compare.close(modules.tensor(g, f"{name} from {label}.forward(x, eps)", want.shape, "float32"), want,
                              f"{name} from {label}.forward(x, eps)", **FLOAT32)


ELBO_RATIO = 0.6


@suite.check("vae.elbo_loss", points=4, timeout=60, name="vae_training_beats_baseline")
def vae_training_beats_baseline(ctx):
    """300 Adam steps on 512 grader points; the grader's held-out negative ELBO must be at most
    60% of that of the best model ignoring the latent (0.5 E||x - mean||^2, constants dropped)."""
    mixing = ctx.rng.standard_normal((2, 8))
    train, test = manifold_data(ctx.rng, 512, mixing), manifold_data(ctx.rng, 512, mixing)
    model, _ = _vae(ctx, 8, 2, 32, (8, 2, 32))
    modules.in_worker(lambda: ctx.student.driver("unit08_autoencoders", "train_vae")(
        model, train.astype(np.float32), 2, 300, 1e-2, int(ctx.rng.integers(2**31))), "VAE / elbo_loss", "training")
    layers = modules.linear_stack(ctx, model, vae_shapes(8, 2, 32), "VAE(8, 2, 32)")
    x = test.astype(np.float32)
    mu, logvar = vae_encode(layers, x)
    x_hat = vae_decode(layers, REPARAM(mu, logvar, ctx.rng.standard_normal(mu.shape)))
    neg_elbo = float(np.mean(HALF_SQUARED(x, x_hat).sum(axis=1) + kl_rows(mu, logvar)))
    baseline = float(np.mean(0.5 * np.sum((x - train.mean(axis=0)) ** 2, axis=1)))
    if not neg_elbo <= ELBO_RATIO * baseline:
        ctx.fail(f"After training with your VAE and elbo_loss, the held-out negative ELBO is {neg_elbo:.3f} per "
                 f"example; it must be at most {ELBO_RATIO:g} x {baseline:.3f} (a model that ignores the latent).")
    ctx.note(f"Held-out negative ELBO {neg_elbo:.3f} per example (latent-free baseline {baseline:.3f}).")


@suite.check("vae.sample", points=2)
def sample_decodes_prior_draws(ctx):
    """sample(model, n, seed) == decode(z) for the seeded prior draw its docstring defines."""
    model, layers = _vae(ctx, 6, 2, 12, (6, 2, 12))
    seed = int(ctx.rng.integers(2**31))
    out = ctx.student.vae.sample(model, 9, seed)
    got = modules.tensor(out, "sample(model, 9, seed)", (9, 6), "float32")
    if out.requires_grad:
        ctx.fail("sample returned a tensor that requires grad; decode under torch.no_grad()")
    z = ctx.student.driver("unit08_autoencoders", "prior_draw")(9, 2, seed)
    compare.close(got, vae_decode(layers, compare.array(z, "z", (9, 2))), "sample(model, 9, seed)", **FLOAT32)


# ---------------------------------------------------------------- anomaly detection
@suite.check("anomaly.reconstruction_scores", points=2)
def reconstruction_scores_values(ctx):
    modules.seed_torch(ctx)
    model = ctx.student.autoencoder.Autoencoder(6, 2, 12)
    layers = modules.linear_stack(ctx, model, ae_shapes(6, 2, 12), "Autoencoder(6, 2, 12)")
    x = ctx.rng.standard_normal((9, 6)).astype(np.float32)
    out = ctx.student.anomaly.reconstruction_scores(model, T(x))
    got = modules.tensor(out, "reconstruction_scores(model, X)", (9,))
    if out.requires_grad:
        ctx.fail("reconstruction_scores returned a tensor that requires grad; compute it under torch.no_grad()")
    compare.close(got, np.sum((x - numpy_mlp.forward(layers, AE_ACTS, x)[0]) ** 2, axis=1),
                  "reconstruction_scores(model, X)", **FLOAT32)


@suite.check("anomaly.fit_threshold", points=2)
def threshold_and_flags(ctx):
    scores = ctx.rng.exponential(size=40)
    an = ctx.student.anomaly
    for label, extra, q in (("default quantile 0.95", (), 0.95), ("quantile 0.8", (0.8,), 0.8)):
        with ctx.case(label):
            compare.close_scalar(an.fit_threshold(scores, *extra), float(np.quantile(scores, q)),
                                 f"fit_threshold(scores{', 0.8' if extra else ''})", **STRICT)
    with ctx.case("flag_anomalies: strictly above the threshold"):
        threshold = float(scores[3])
        compare.equal(compare.array(an.flag_anomalies(scores, threshold), "flag_anomalies(scores, threshold)",
                                    scores.shape, kinds="b"), scores > threshold, "flag_anomalies(scores, threshold)")


AUC_MIN, QUANTILE, MIN_RECALL, MAX_FALSE_ALARMS = 0.95, 0.95, 0.8, 0.15


@suite.check("anomaly.reconstruction_scores", points=4, timeout=60, name="anomaly_detection_auc")
def anomaly_detection_auc(ctx):
    """Autoencoder(8, 2) trained on normal data; the grader's AUC of your scores >= 0.95, and the
    0.95-quantile threshold flags >= 80% of anomalies and <= 15% of held-out normal examples."""
    mixing = ctx.rng.standard_normal((2, 8))
    normal, held_out = manifold_data(ctx.rng, 512, mixing), manifold_data(ctx.rng, 300, mixing)
    anomalies = ctx.rng.standard_normal((100, 8)) * normal.std(axis=0) + normal.mean(axis=0)
    modules.seed_torch(ctx)
    model = ctx.student.autoencoder.Autoencoder(8, 2, 32)
    ctx.student.autoencoder.train_autoencoder(model, T(normal.astype(np.float32)), 200, 1e-2)
    score = ctx.student.anomaly.reconstruction_scores
    sets = (normal, held_out, anomalies)
    s_train, s_normal, s_anomal = (modules.tensor(o, "reconstruction_scores", (len(x),))
                                   for o, x in zip(score.map([(model, T(x.astype(np.float32))) for x in sets]), sets))
    value = training_outcomes.auc(s_anomal, s_normal)
    with ctx.case(f"AUC >= {AUC_MIN}"):
        if value < AUC_MIN:
            ctx.fail(f"reconstruction_scores after train_autoencoder: the AUC of anomalies against held-out normal "
                     f"examples is {value:.3f}; at least {AUC_MIN} is required")
    with ctx.case("threshold at the 0.95 quantile of the training scores"):
        threshold = compare.scalar(ctx.student.anomaly.fit_threshold(s_train, QUANTILE), "fit_threshold")
        flagged = ctx.student.anomaly.flag_anomalies.map([(s_anomal, threshold), (s_normal, threshold)])
        flags = [compare.array(f, "flag_anomalies", s.shape, kinds="b") for f, s in zip(flagged, (s_anomal, s_normal))]
        recall, false_alarms = float(flags[0].mean()), float(flags[1].mean())
        if recall < MIN_RECALL or false_alarms > MAX_FALSE_ALARMS:
            ctx.fail(f"fit_threshold/flag_anomalies: the threshold flags {100 * recall:.0f}% of anomalies (at least "
                     f"{100 * MIN_RECALL:g}% required) and {100 * false_alarms:.0f}% of held-out normal examples "
                     f"(at most {100 * MAX_FALSE_ALARMS:g}% allowed)")
    ctx.note(f"AUC {value:.3f}.")
