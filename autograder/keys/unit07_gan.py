"""Unit 7 answer keys (instructor-only): the optimal discriminator and the value of the game
solved by sympy, forward passes, training steps and the gradient penalty recomputed in numpy
from the exported Linear layers, parameter counts, and power-iteration iterates in closed form."""
from __future__ import annotations

import numpy as np
import sympy as sp

from ..checks import compare, modules
from ..checks.symbolic import Key, symbols
from ..units.unit07_gan import (DISCRIMINATORS, GENERATORS, PARTIAL_SUPPORT, PENALTY_CASES, SMOOTHED_LABELS,
                                STRICT, T, _bce, critic, densities, gapped_matrix, shapes, slope, suite, NONSAT_G)
from . import numpy_mlp

p_d, p_g, D_ = symbols("p_d p_g D", positive=True)
VALUE = p_d * sp.log(D_) + p_g * sp.log(1 - D_)
(D_STAR_EXPR,) = sp.solve(sp.diff(VALUE, D_), D_)  # the maximizer of the pointwise value
D_STAR = Key(D_STAR_EXPR, [p_d, p_g])
REAL_TERM = Key(p_d * sp.log(D_STAR_EXPR), [p_d, p_g])
FAKE_TERM = Key(p_g * sp.log(1 - D_STAR_EXPR), [p_d, p_g])

FLOAT32 = {"rtol": 1e-5, "atol": 1e-6}
G_ACTS, D_ACTS = ["relu", "relu", "tanh"], ["leaky_relu", "leaky_relu", "identity"]
CRITIC_ACTS = ["tanh", "tanh", "identity"]


# ---------------------------------------------------------------- theory
@suite.check("theory.optimal_discriminator", points=2)
def optimal_discriminator_key(ctx):
    """D* = argmax_D p_d log D + p_g log(1 - D), solved by sympy; 1/2 where both densities are 0,
    and 1 or 0 where only one vanishes (fixed entries in every grading)."""
    pd_, pg_ = ctx.rng.uniform(0.01, 2.0, 8), ctx.rng.uniform(0.01, 2.0, 8)
    pd_[5], pg_[6], pd_[7], pg_[7] = 0.0, 0.0, 0.0, 0.0
    some = pd_ + pg_ > 0
    expected = np.full(8, 0.5)
    expected[some] = D_STAR(pd_[some], pg_[some])
    compare.close(ctx.student.theory.optimal_discriminator(pd_, pg_), expected,
                  "optimal_discriminator(p_data, p_model)", inputs={"p_data": pd_, "p_model": pg_}, **STRICT)


@suite.check("theory.optimal_value", points=2)
def optimal_value_key(ctx):
    """The integral of the keyed integrand (0 log 0 = 0) for overlapping densities, with and without zeros."""
    fn = ctx.student.theory.optimal_value
    for label, (a, b, step) in (("overlapping densities", densities(ctx)),
                                ("densities that vanish on part of the grid (0 log 0 = 0)",
                                 densities(ctx, support=PARTIAL_SUPPORT))):
        with ctx.case(label):
            total = sum(float(np.sum(key(a[p > 0], b[p > 0]))) for key, p in ((REAL_TERM, a), (FAKE_TERM, b)))
            compare.close_scalar(fn(a, b, step), total * step, f"optimal_value ({label})", **STRICT)


# ---------------------------------------------------------------- models
def _forward_cases(ctx, cls, configurations, acts):
    for label, args, sizes, out_shape, _ in configurations:
        with ctx.case(label):
            modules.seed_torch(ctx)
            module = getattr(ctx.student.models, cls)(*args)
            layers = modules.linear_stack(ctx, module, shapes(sizes), f"{cls}{args}")
            x = ctx.rng.standard_normal((7, sizes[0])).astype(np.float32)
            expected, _ = numpy_mlp.forward(layers, acts, x)
            got = modules.tensor(ctx.student.method(module, "forward")(T(x)), f"{cls}{args}.forward(x)",
                                 (7, *out_shape[1:]), "float32")
            compare.close(got, expected.reshape(got.shape), f"{cls}{args}.forward(x)", **FLOAT32)


@suite.check("models.Generator", points=2)
def generator_forward(ctx):
    """ReLU, ReLU, tanh between the Linear layers, recomputed in numpy."""
    _forward_cases(ctx, "Generator", GENERATORS, G_ACTS)


@suite.check("models.Discriminator", points=2)
def discriminator_forward(ctx):
    """LeakyReLU(0.2) twice, no final activation, recomputed in numpy."""
    _forward_cases(ctx, "Discriminator", DISCRIMINATORS, D_ACTS)


@suite.check("models.count_parameters", points=1)
def count_parameters_formula(ctx):
    """Three sizes, one of them with a width of 1 in every grading."""
    sizes = [(1, 1, 1), tuple(int(v) for v in ctx.rng.integers(2, 40, 3)), tuple(int(v) for v in ctx.rng.integers(2, 40, 3))]
    for latent, data, hidden in sizes:
        expected = tuple(modules.parameter_count(shapes(widths)) for widths in ([latent, hidden, hidden, data],
                                                                                [data, hidden, hidden, 1]))
        got = compare.sequence(ctx.student.models.count_parameters(latent, data, hidden),
                               f"count_parameters({latent}, {data}, {hidden})", 2)
        for label, value, want in zip(("generator", "discriminator"), got, expected):
            compare.equal(value, want, f"the {label} count from count_parameters({latent}, {data}, {hidden})")


# ---------------------------------------------------------------- training steps
LATENT, DATA, HIDDEN, LR = 3, 2, 16, 0.5


def _step_setup(ctx):
    """G and D built by the grader (not the student's modules), their layers, and inputs away from
    activation kinks; stale gradients in both."""
    G, D = ctx.student.driver("unit07_gan", "trusted_pair")(LATENT, DATA, HIDDEN, int(ctx.rng.integers(2**31)))
    g_layers = modules.linear_stack(ctx, G, [(HIDDEN, LATENT), (HIDDEN, HIDDEN), (DATA, HIDDEN)], "Generator")
    d_layers = modules.linear_stack(ctx, D, [(HIDDEN, DATA), (HIDDEN, HIDDEN), (1, HIDDEN)], "Discriminator")
    for _ in range(50):
        real = (0.7 * ctx.rng.standard_normal((8, DATA))).astype(np.float32)
        z = ctx.rng.standard_normal((6, LATENT)).astype(np.float32)
        fake, g_cache = numpy_mlp.forward(g_layers, G_ACTS, z)
        caches = [g_cache] + [numpy_mlp.forward(d_layers, D_ACTS, x)[1] for x in (real, fake)]
        if min(numpy_mlp.min_preactivation(c) for c in caches) > 1e-4:
            break
    probe = ctx.student.driver("torch_probe", "fill_grads")
    probe.map([(G, int(ctx.rng.integers(2**31))), (D, int(ctx.rng.integers(2**31)))])
    return G, D, g_layers, d_layers, real, z


def _probe(ctx, fn, *args):
    return ctx.student.driver("torch_probe", fn)(*args)


def _state(ctx, module):
    return ctx.student.driver("torch_tools", "state")(module)


def _d_step_case(ctx, real_label):
    G, D, g_layers, d_layers, real, z = _step_setup(ctx)
    opt = _probe(ctx, "sgd", D, LR)
    g_state, g_grads = _state(ctx, G), _probe(ctx, "linear_grads", G)
    args = (G, D, opt, T(real), T(z)) + (() if real_label is None else (real_label,))
    loss = ctx.student.training.discriminator_step(*args)
    label = 1.0 if real_label is None else real_label
    fake, _ = numpy_mlp.forward(g_layers, G_ACTS, z)
    (sr, cr), (sf, cf) = (numpy_mlp.forward(d_layers, D_ACTS, x) for x in (real, fake))
    bce_real, bce_fake = _bce(label), _bce(0)
    expected = float(np.mean(bce_real(sr)) + np.mean(bce_fake(sf)))
    compare.close_scalar(loss, expected, "the loss returned by discriminator_step", **FLOAT32)
    gr, _ = numpy_mlp.backward(d_layers, D_ACTS, cr, slope(bce_real)(sr) / len(sr))
    gf, _ = numpy_mlp.backward(d_layers, D_ACTS, cf, slope(bce_fake)(sf) / len(sf))
    grads = [(a + c, b + d) for (a, b), (c, d) in zip(gr, gf)]
    after = modules.linear_stack(ctx, D, [w.shape for w, _ in d_layers], "Discriminator")
    modules.sgd_update(d_layers, after, grads, LR, "discriminator_step",
                       "D's parameters (one optimizer step on the discriminator loss, gradients zeroed first)")
    modules.unchanged(g_state, _state(ctx, G), "discriminator_step", "the generator's parameters")
    modules.unchanged(g_grads, _probe(ctx, "linear_grads", G), "discriminator_step",
                      "the generator's .grad (detach the fakes: no backpropagation into G)")


@suite.check("training.discriminator_step", points=4)
def discriminator_step_update(ctx):
    """Loss, one SGD step of D on its loss (stale gradients zeroed), G and G's grads untouched;
    the default real_label and smoothed labels 0.9 and 0.7."""
    for label in (None, *SMOOTHED_LABELS):
        with ctx.case("default real_label" if label is None else f"real_label={label}"):
            _d_step_case(ctx, label)


@suite.check("training.generator_step", points=4)
def generator_step_update(ctx):
    """Two steps, each: the loss, one SGD step of G on the non-saturating loss (stale gradients
    zeroed), D's parameters untouched."""
    G, D, g_layers, d_layers, _, z = _step_setup(ctx)
    opt = _probe(ctx, "sgd", G, LR)
    for number in (1, 2):
        with ctx.case(f"step {number}"):
            g_layers = modules.linear_stack(ctx, G, [w.shape for w, _ in g_layers], "Generator")
            d_state = _state(ctx, D)
            loss = ctx.student.training.generator_step(G, D, opt, T(z))
            fake, g_cache = numpy_mlp.forward(g_layers, G_ACTS, z)
            sf, cf = numpy_mlp.forward(d_layers, D_ACTS, fake)
            compare.close_scalar(loss, float(np.mean(NONSAT_G(sf))), f"the loss returned by generator_step (step {number})",
                                 **FLOAT32)
            _, dfake = numpy_mlp.backward(d_layers, D_ACTS, cf, slope(NONSAT_G)(sf) / len(sf))
            grads, _ = numpy_mlp.backward(g_layers, G_ACTS, g_cache, dfake)
            after = modules.linear_stack(ctx, G, [w.shape for w, _ in g_layers], "Generator")
            modules.sgd_update(g_layers, after, grads, LR, "generator_step",
                               "G's parameters (one optimizer step on the non-saturating loss, gradients zeroed first)")
            modules.unchanged(d_state, _state(ctx, D), "generator_step", "the discriminator's parameters")


# ---------------------------------------------------------------- stability
def penalty_key(layers, real, fake, alpha, weight):
    x_hat = alpha * real + (1 - alpha) * fake
    out, cache = numpy_mlp.forward(layers, CRITIC_ACTS, x_hat)
    _, dx = numpy_mlp.backward(layers, CRITIC_ACTS, cache, np.ones_like(out))
    return weight * float(np.mean((np.linalg.norm(dx, axis=1) - 1) ** 2))


@suite.check("stability.gradient_penalty", points=3)
def gradient_penalty_values(ctx):
    """Against the grader's own input gradients of the critic (numpy backward)."""
    net, layers, real, fake, alpha = critic(ctx)
    column = ctx.student.driver("unit07_gan", "column")(net)
    for extra, label, as_column in PENALTY_CASES:
        with ctx.case(label):
            got = ctx.student.stability.gradient_penalty(column if as_column else net, T(real), T(fake), T(alpha),
                                                         *extra)
            compare.close(modules.tensor(got, "gradient_penalty(D, real, fake, alpha)", (), "float64"),
                          penalty_key(layers, real, fake, alpha, (extra or (10.0,))[0]), f"gradient_penalty ({label})",
                          **STRICT)


def power_key(W, u0, n_iters):
    """(sigma, u, v) after k = n_iters power-iteration steps, in closed form: u is the direction of
    (W W^T)^k u0, v that of (W^T W)^(k-1) W^T u0, and sigma = u^T W v."""
    def unit(x):
        return x / np.linalg.norm(x)

    u = unit(np.linalg.matrix_power(W @ W.T, n_iters) @ u0)
    v = unit(np.linalg.matrix_power(W.T @ W, n_iters - 1) @ (W.T @ u0))
    return np.einsum("i,ij,j->", u, W, v), u, v


@suite.check("stability.power_iteration", points=2)
def power_iteration_values(ctx):
    """Exact iterates for 1 (the default) and 3 iterations."""
    fn = ctx.student.stability.power_iteration
    W, u0, *_ = gapped_matrix(ctx)
    for label, extra in (("default n_iters", ()), ("n_iters=1", (1,)), ("n_iters=3", (3,))):
        with ctx.case(label):
            out = compare.sequence(fn(T(W), T(u0), *extra), f"power_iteration ({label})", 3)
            for name, got, want, shape in zip(("sigma", "u", "v"), out, power_key(W, u0, (extra or (1,))[0]),
                                              ((), (5,), (4,))):
                compare.close(modules.tensor(got, f"{name} from power_iteration", shape, "float64"), want,
                              f"{name} from power_iteration ({label})", **STRICT)


@suite.check("stability.spectral_normalize", points=1)
def spectral_normalize_values(ctx):
    """W / sigma with the updated u after 1 (the default) and 3 iterations."""
    fn = ctx.student.stability.spectral_normalize
    W, u0, *_ = gapped_matrix(ctx)
    for label, extra in (("default n_iters", ()), ("n_iters=3", (3,))):
        with ctx.case(label):
            sigma, u, _ = power_key(W, u0, (extra or (1,))[0])
            W_sn, u_new = compare.sequence(fn(T(W), T(u0), *extra), f"spectral_normalize ({label})", 2)
            W_sn = modules.tensor(W_sn, "W_sn from spectral_normalize", W.shape, "float64")
            compare.close(W_sn, W / sigma, f"W_sn from spectral_normalize ({label})", **STRICT)
            compare.close(modules.tensor(u_new, "u from spectral_normalize", (5,)), u,
                          f"u from spectral_normalize ({label})", **STRICT)

from . import gan_conditional  # noqa: F401,E402 (registers the conditional GAN keys)
