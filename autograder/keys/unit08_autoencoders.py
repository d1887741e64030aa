"""Unit 8 answer keys (instructor-only): forward passes of the student's modules recomputed in
numpy, Adam's first step, the PCA optimum reached by training, PCA transforms, the KL term
derived by sympy from Gaussian moments and the ELBO, a VAE training outcome, prior samples, and
anomaly scores, thresholds, flags and the AUC of a trained detector."""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import sympy as sp

from ..checks import compare, modules, training, training_outcomes
from ..checks.symbolic import Key, symbols
from ..units.unit08_autoencoders import (AUTOENCODERS, STRICT, VAES, T, a, ae_shapes, b, lv, low_rank_data, m,
                                         manifold_data, method, slope, suite, vae_shapes)
from . import numpy_mlp

suite.drivers["unit08_keys"] = (Path(__file__).parent / "drivers" / "unit08_autoencoders.py").read_text(encoding="utf-8")

FLOAT32 = {"rtol": 1e-5, "atol": 1e-5}
AE_ACTS = ["relu", "identity", "relu", "identity"]
HALF_SQUARED = Key((a - b) ** 2 / 2, [a, b])


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


def kl_rows(mu, logvar):
    return np.sum(kl_key()(mu, logvar), axis=1)


def keys_driver(ctx, fn, *args):
    return ctx.student.driver("unit08_keys", fn)(*args)


def seed(rng) -> int:
    return int(rng.integers(2**31))


def auc(positive_scores: np.ndarray, negative_scores: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney probability P(positive > negative), ties counting one half."""
    pos, neg = positive_scores[:, None], negative_scores[None, :]
    return float(np.mean(pos > neg) + 0.5 * np.mean(pos == neg))


# ---------------------------------------------------------------- autoencoder
@suite.check("autoencoder.Autoencoder", points=2)
def autoencoder_forward(ctx):
    """encode, decode and forward recomputed in numpy from the exported layers."""
    for label, args, d, code, hidden in AUTOENCODERS:
        with ctx.case(label):
            modules.seed_torch(ctx)
            model = ctx.student.autoencoder.Autoencoder(*args)
            layers = modules.linear_stack(ctx, model, ae_shapes(d, code, hidden), f"Autoencoder{args}")
            x = ctx.rng.standard_normal((7, d)).astype(np.float32)
            compare.close(method(ctx, model, "encode", x, (7, code), f"Autoencoder{args}.encode(x)"),
                          numpy_mlp.forward(layers[:2], AE_ACTS[:2], x)[0], f"Autoencoder{args}.encode(x)", **FLOAT32)
            c = ctx.rng.standard_normal((7, code)).astype(np.float32)
            compare.close(method(ctx, model, "decode", c, (7, d), f"Autoencoder{args}.decode(code)"),
                          numpy_mlp.forward(layers[2:], AE_ACTS[2:], c)[0], f"Autoencoder{args}.decode(code)", **FLOAT32)
            compare.close(method(ctx, model, "forward", x, (7, d), f"Autoencoder{args}.forward(x)"),
                          numpy_mlp.forward(layers, AE_ACTS, x)[0], f"Autoencoder{args}.forward(x)", **FLOAT32)


@suite.check("autoencoder.LinearAutoencoder", points=1)
def linear_autoencoder_architecture(ctx):
    modules.seed_torch(ctx)
    model = ctx.student.autoencoder.LinearAutoencoder(6, 2)
    layers = modules.architecture(ctx, model, [(2, 6), (6, 2)], "LinearAutoencoder(6, 2)")
    x = ctx.rng.standard_normal((7, 6)).astype(np.float32)
    compare.close(method(ctx, model, "forward", x, (7, 6), "LinearAutoencoder.forward(x)"),
                  numpy_mlp.forward(layers, ["identity", "identity"], x)[0], "LinearAutoencoder.forward(x)", **FLOAT32)


LINEAR = [(2, 6), (6, 2)]


def _train_linear(ctx, X32, args, n_steps, label, rng):
    """A linear autoencoder built by the grader (initial weights from ``rng``), trained by the student:
    layers before and after, losses."""
    model = keys_driver(ctx, "linear_autoencoder", 6, 2, seed(rng))
    before = modules.linear_stack(ctx, model, LINEAR, "the linear autoencoder")
    losses = modules.in_worker(lambda: ctx.student.autoencoder.train_autoencoder(model, T(X32), *args),
                               "train_autoencoder", label)
    losses = compare.array(np.asarray(losses, dtype=np.float64) if type(losses) is list else losses,
                           f"the losses returned by {label}", (n_steps,))
    return before, modules.linear_stack(ctx, model, LINEAR, "the linear autoencoder"), losses


def _loss(layers, X):
    return float(np.mean(np.sum((X - numpy_mlp.forward(layers, ["identity"] * 2, X)[0]) ** 2, axis=1)))


def _first_two_losses(layers, X, lr):
    """The loss before and after Adam's first step, which moves each parameter by lr * g / (|g| + 1e-8)."""
    out, cache = numpy_mlp.forward(layers, ["identity"] * 2, X)
    grads, _ = numpy_mlp.backward(layers, ["identity"] * 2, cache, 2 * (out - X) / len(X))
    moved = [tuple(p - lr * g / (np.abs(g) + 1e-8) for p, g in zip(pair, gpair)) for pair, gpair in zip(layers, grads)]
    return _loss(layers, X), _loss(moved, X)


@suite.check("autoencoder.train_autoencoder", points=2, timeout=60)
def train_autoencoder_first_steps(ctx):
    """The losses before Adam's first two steps, for given arguments and for the defaults (500, 0.01)."""
    X, *_ = low_rank_data(ctx.rng)
    X32 = X.astype(np.float32)
    for label, args, lr, n_steps in (("train_autoencoder(model, X, 200, 0.05)", (200, 0.05), 0.05, 200),
                                     ("train_autoencoder(model, X) (defaults n_steps=500, lr=0.01)", (), 1e-2, 500)):
        with ctx.case(label):
            before, _, losses = _train_linear(ctx, X32, args, n_steps, label, ctx.rng)
            for i, want in enumerate(_first_two_losses(before, X32, lr)):
                compare.close_scalar(float(losses[i]), want, f"loss #{i + 1} returned by {label}", rtol=1e-4)


PCA_STEPS, PCA_LR, PCA_BAR, PCA_ANGLE = 1000, 0.02, 0.01, 3.0


# Measured on the reference: no failure in 150 gradings; in 100 runs of the same training the excess
# loss over the optimum was at most 4e-5 (bar 1e-2) and the largest angle 0.03 degrees (bar 3).
# (With the earlier 200 steps at lr 0.05 the worst run was 2.1e-2 and 1.5 degrees: 1000 steps at
# 0.02 converge past every saddle seen, and the loss then falls exponentially.)
@suite.check("autoencoder.train_autoencoder", points=3, timeout=60, false_failure=1e-6)
def linear_autoencoder_finds_pca(ctx):
    """Trained on grader data (1000 steps, lr 0.02), a linear autoencoder reaches the PCA optimum (the
    sum of the discarded eigenvalues, within 1%: the trained model and the last returned loss) and
    its decoder spans the top principal subspace (within 3 degrees).

    The data and initial weights are fixed (training.fixed_rng): drawn per submission, Adam at a
    quarter of the learning rate kept the 3 points under 8 of 10 ids (it now loses them under every
    id; train_autoencoder_first_steps charges it too)."""
    rng = training.fixed_rng()
    X, _, values, vectors = low_rank_data(rng)
    X32 = X.astype(np.float32)
    label = f"train_autoencoder(model, X, {PCA_STEPS}, {PCA_LR})"
    _, after, losses = _train_linear(ctx, X32, (PCA_STEPS, PCA_LR), PCA_STEPS, label, rng)
    optimum = float(values[2:].sum())
    compare.close_scalar(_loss(after, X32), optimum, f"the reconstruction loss of the model after {label} "
                         "(vs the sum of the discarded eigenvalues)", rtol=PCA_BAR)
    compare.close_scalar(float(losses[-1]), optimum, f"the last loss returned by {label}", rtol=PCA_BAR)
    angles = training_outcomes.principal_angles(after[1][0], vectors[:, :2])
    if angles.max() > PCA_ANGLE:
        ctx.fail(f"{label}: the decoder weights span a subspace at up to {angles.max():.1f} degrees "
                 f"from the top-2 principal subspace (allowed {PCA_ANGLE:g})")


# ---------------------------------------------------------------- pca
def _orthonormal_rows(rng, k, d):
    return np.linalg.qr(rng.standard_normal((d, k)))[0].T


@suite.check("pca.pca_transform", points=1)
def pca_transform_values(ctx):
    """Codes for k = 3 and for the full basis k = D."""
    X, mean = ctx.rng.standard_normal((9, 5)), ctx.rng.standard_normal(5)
    for k in (3, 5):
        with ctx.case(f"k={k}"):
            comps = _orthonormal_rows(ctx.rng, k, 5)
            compare.close(ctx.student.pca.pca_transform(X, mean, comps), (X - mean) @ comps.T,
                          f"pca_transform(X, mean, components) with {k} components", **STRICT)


@suite.check("pca.pca_reconstruct", points=1)
def pca_reconstruct_values(ctx):
    """Reconstructions for k = 3 and for the full basis k = D."""
    mean = ctx.rng.standard_normal(5)
    for k in (3, 5):
        with ctx.case(f"k={k}"):
            comps, codes = _orthonormal_rows(ctx.rng, k, 5), ctx.rng.standard_normal((9, k))
            compare.close(ctx.student.pca.pca_reconstruct(codes, mean, comps), codes @ comps + mean,
                          f"pca_reconstruct(codes, mean, components) with {k} components", **STRICT)


@suite.check("pca.reconstruction_error", points=1)
def reconstruction_error_values(ctx):
    X, Y = ctx.rng.standard_normal((8, 4)), ctx.rng.standard_normal((8, 4))
    compare.close_scalar(ctx.student.pca.reconstruction_error(X, Y), float(np.mean(np.sum((X - Y) ** 2, axis=1))),
                         "reconstruction_error(X, X_hat)", **STRICT)


# ---------------------------------------------------------------- vae
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


def vae_encode(layers, x):
    h, _ = numpy_mlp.forward(layers[:1], ["relu"], x)
    return numpy_mlp.forward(layers[1:2], ["identity"], h)[0], numpy_mlp.forward(layers[2:3], ["identity"], h)[0]


def vae_decode(layers, z):
    return numpy_mlp.forward(layers[3:], ["relu", "identity"], z)[0]


def reparameterized(mu, logvar, eps):
    return mu + np.exp(logvar / 2) * eps


def _vae(ctx, args, d, latent, hidden):
    modules.seed_torch(ctx)
    model = ctx.student.vae.VAE(*args)
    return model, modules.linear_stack(ctx, model, vae_shapes(d, latent, hidden), f"VAE{args}")


@suite.check("vae.VAE", points=2)
def vae_forward(ctx):
    """encode, decode and forward(x, eps) recomputed in numpy."""
    for label, args, d, latent, hidden in VAES:
        with ctx.case(label):
            model, layers = _vae(ctx, args, d, latent, hidden)
            x = ctx.rng.standard_normal((7, d)).astype(np.float32)
            eps = ctx.rng.standard_normal((7, latent)).astype(np.float32)
            mu, logvar = vae_encode(layers, x)
            got = compare.sequence(ctx.student.method(model, "encode")(T(x)), f"{label}.encode(x)", 2)
            for name, g, want in (("mu", got[0], mu), ("logvar", got[1], logvar)):
                compare.close(modules.tensor(g, f"{name} from VAE{args}.encode(x)", (7, latent), "float32"), want,
                              f"{name} from VAE{args}.encode(x)", **FLOAT32)
            z = ctx.rng.standard_normal((7, latent)).astype(np.float32)
            compare.close(method(ctx, model, "decode", z, (7, d), f"VAE{args}.decode(z)"), vae_decode(layers, z),
                          f"VAE{args}.decode(z)", **FLOAT32)
            out = compare.sequence(ctx.student.method(model, "forward")(T(x), T(eps)), f"VAE{args}.forward(x, eps)", 3)
            for name, g, want in zip(("x_hat", "mu", "logvar"), out,
                                     (vae_decode(layers, reparameterized(mu, logvar, eps)), mu, logvar)):
                compare.close(modules.tensor(g, f"{name} from VAE{args}.forward(x, eps)", want.shape, "float32"), want,
                              f"{name} from VAE{args}.forward(x, eps)", **FLOAT32)


ELBO_RATIO = 0.65


# Measured on the reference (150 gradings): the ratio of negative ELBO to baseline had mean 0.407,
# standard deviation 0.043 and maximum 0.534; the bar is 5.6 standard deviations above the mean.
@suite.check("vae.elbo_loss", points=4, timeout=60, name="vae_training_beats_baseline", false_failure=1e-6)
def vae_training_beats_baseline(ctx):
    """300 Adam steps of a VAE built by the grader on 512 grader points with your elbo_loss; the
    grader's held-out negative ELBO must be at most 65% of that of the best model ignoring the
    latent (0.5 E||x - mean||^2, constants dropped). The data, weights and draws are fixed
    (training.fixed_rng): the reference's ratio on them is 0.41."""
    rng = training.fixed_rng()
    mixing = rng.standard_normal((2, 8))
    train, test = manifold_data(rng, 512, mixing), manifold_data(rng, 512, mixing)
    model = keys_driver(ctx, "trusted_vae", 8, 2, 32, seed(rng))
    losses = modules.in_worker(lambda: ctx.student.driver("unit08_autoencoders", "train_vae")(
        model, train.astype(np.float32), 2, 300, 1e-2, seed(rng)), "elbo_loss", "training a VAE")
    losses = compare.array(np.asarray(losses, dtype=np.float64), "the losses elbo_loss returned in training", (300,))
    layers = modules.linear_stack(ctx, model, vae_shapes(8, 2, 32), "VAE(8, 2, 32)")
    x = test.astype(np.float32)
    mu, logvar = vae_encode(layers, x)
    x_hat = vae_decode(layers, reparameterized(mu, logvar, rng.standard_normal(mu.shape)))
    neg_elbo = float(np.mean(HALF_SQUARED(x, x_hat).sum(axis=1) + kl_rows(mu, logvar)))
    baseline = float(np.mean(0.5 * np.sum((x - train.mean(axis=0)) ** 2, axis=1)))
    vae_pictures(ctx, layers, x, mu)
    if not neg_elbo <= ELBO_RATIO * baseline:
        ctx.fail(f"After training with your elbo_loss, the held-out negative ELBO is {neg_elbo:.3f} per "
                 f"example; it must be at most {ELBO_RATIO:g} x {baseline:.3f} (a model that ignores the latent).")
    ctx.note(f"Held-out negative ELBO {neg_elbo:.3f} per example (latent-free baseline {baseline:.3f}).")


def vae_pictures(ctx, layers, x, mu, n=8):
    """Image grids of the trained VAE (each 8-D point as 2 x 4 pixels, as unit 7 shows its GAN's
    samples): decodes of 2n prior draws, and n held-out inputs above their reconstructions
    decode(mu). Computed by the grader from the trained weights; no expected value in them."""
    z = ctx.rng.standard_normal((2 * n, mu.shape[1]))
    ctx.figure("samples", title=f"{2 * n} samples: the decoder on prior draws z ~ N(0, I)", reveals=False,
               images=vae_decode(layers, z).reshape(2 * n, 2, -1))
    ctx.figure("samples", title=f"top: {n} held-out inputs; bottom: their reconstructions decode(mu)", reveals=False,
               images=np.concatenate([x[:n], vae_decode(layers, mu[:n])]).reshape(2 * n, 2, -1))


@suite.check("vae.sample", points=2)
def sample_decodes_prior_draws(ctx):
    """sample(model, n, seed) == decode(z) for the seeded prior draw its docstring defines."""
    model, layers = _vae(ctx, (6, 2, 12), 6, 2, 12)
    value = seed(ctx.rng)
    out = ctx.student.vae.sample(model, 9, value)
    got = modules.tensor(out, "sample(model, 9, seed)", (9, 6), "float32")
    if out.requires_grad:
        ctx.fail("sample returned a tensor that requires grad; decode under torch.no_grad()")
    z = ctx.student.driver("unit08_autoencoders", "prior_draw")(9, 2, value)
    compare.close(got, vae_decode(layers, compare.array(z, "z", (9, 2))), "sample(model, 9, seed)", **FLOAT32)


# ---------------------------------------------------------------- anomaly detection
@suite.check("anomaly.reconstruction_scores", points=2)
def reconstruction_scores_values(ctx):
    """Squared errors per row of an autoencoder built by the grader, recomputed in numpy."""
    model = keys_driver(ctx, "mlp_autoencoder", 6, 2, 12, seed(ctx.rng))
    layers = modules.linear_stack(ctx, model, ae_shapes(6, 2, 12), "the autoencoder")
    x = ctx.rng.standard_normal((9, 6)).astype(np.float32)
    out = ctx.student.anomaly.reconstruction_scores(model, T(x))
    got = modules.tensor(out, "reconstruction_scores(model, X)", (9,))
    if out.requires_grad:
        ctx.fail("reconstruction_scores returned a tensor that requires grad; compute it under torch.no_grad()")
    compare.close(got, np.sum((x - numpy_mlp.forward(layers, AE_ACTS, x)[0]) ** 2, axis=1),
                  "reconstruction_scores(model, X)", **FLOAT32)


@suite.check("anomaly.fit_threshold", points=1)
def fit_threshold_values(ctx):
    """np.quantile's linear interpolation, at the default 0.95, at 0.8 and at the ends 0 and 1."""
    scores = ctx.rng.exponential(size=40)
    for label, extra, q in (("default quantile 0.95", (), 0.95), ("quantile 0.8", (0.8,), 0.8),
                            ("quantile 0 (the smallest score)", (0.0,), 0.0),
                            ("quantile 1 (the largest score)", (1.0,), 1.0)):
        with ctx.case(label):
            compare.close_scalar(ctx.student.anomaly.fit_threshold(scores, *extra), float(np.quantile(scores, q)),
                                 f"fit_threshold(scores{''.join(f', {v}' for v in extra)})", **STRICT)


@suite.check("anomaly.flag_anomalies", points=1)
def flag_anomalies_values(ctx):
    """Strictly above the threshold; a score equal to the threshold is not flagged (in every grading)."""
    scores = ctx.rng.exponential(size=40)
    threshold = float(scores[3])
    compare.equal(compare.array(ctx.student.anomaly.flag_anomalies(scores, threshold),
                                "flag_anomalies(scores, threshold)", scores.shape, kinds="b"),
                  (scores > threshold).astype(np.float64), "flag_anomalies(scores, threshold)")


AUC_MIN, QUANTILE, MIN_RECALL, MAX_FALSE_ALARMS = 0.95, 0.95, 0.8, 0.15


# Measured on the reference (150 gradings): AUC at least 0.992 (mean 0.9998) against the bar 0.95;
# the 0.95-quantile threshold flags about 5% of 300 held-out normal examples (binomial: 15 +- 4,
# the bar 45 is 7 standard deviations away) and nearly every anomaly.
@suite.check("anomaly.reconstruction_scores", points=4, timeout=60, name="anomaly_detection_auc", false_failure=1e-6)
def anomaly_detection_auc(ctx):
    """An autoencoder (8, 2, 32) built and trained on normal data by the grader; the AUC of your
    scores >= 0.95, and a threshold at the 0.95 quantile of your training scores flags >= 80% of
    anomalies and <= 15% of held-out normal examples. The data and the training are fixed
    (training.fixed_rng), the same in every grading."""
    rng = training.fixed_rng()
    mixing = rng.standard_normal((2, 8))
    normal, held_out = manifold_data(rng, 512, mixing), manifold_data(rng, 300, mixing)
    anomalies = rng.standard_normal((100, 8)) * normal.std(axis=0) + normal.mean(axis=0)
    model = keys_driver(ctx, "mlp_autoencoder", 8, 2, 32, seed(rng))
    keys_driver(ctx, "train_reconstruction", model, normal.astype(np.float32), 200, 1e-2)
    score = ctx.student.anomaly.reconstruction_scores
    sets = (normal, held_out, anomalies)
    s_train, s_normal, s_anomal = (modules.tensor(o, "reconstruction_scores", (len(x),))
                                   for o, x in zip(score.map([(model, T(x.astype(np.float32))) for x in sets]), sets))
    value = auc(s_anomal, s_normal)
    with ctx.case(f"AUC >= {AUC_MIN}"):
        if value < AUC_MIN:
            ctx.fail(f"reconstruction_scores of a trained autoencoder: the AUC of anomalies against held-out normal "
                     f"examples is {value:.3f}; at least {AUC_MIN} is required")
    with ctx.case("a threshold at the 0.95 quantile of the training scores"):
        threshold = float(np.quantile(s_train, QUANTILE))
        recall, false_alarms = float(np.mean(s_anomal > threshold)), float(np.mean(s_normal > threshold))
        if recall < MIN_RECALL or false_alarms > MAX_FALSE_ALARMS:
            ctx.fail(f"reconstruction_scores: a threshold at the 0.95 quantile of your training scores flags "
                     f"{100 * recall:.0f}% of anomalies (at least {100 * MIN_RECALL:g}% required) and "
                     f"{100 * false_alarms:.0f}% of held-out normal examples (at most {100 * MAX_FALSE_ALARMS:g}% allowed)")
    ctx.note(f"AUC {value:.3f}.")
