"""Unit 7 checks: GAN losses, the optimal discriminator, G and D modules, the adversarial step,
stability techniques, and a training run on a mixture of Gaussians.

Losses are checked in float64 against sympy keys (values and autograd gradients). Modules and
training steps run in the worker; the grader exports their Linear layers and recomputes outputs,
losses and parameter updates itself in numpy.
"""
from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from .. import drivers
from ..checks import compare, gradients, modules, numpy_mlp, training_outcomes
from ..checks.symbolic import Key, symbols
from ..suite import Suite

suite = Suite("unit07_gan", modules=["losses", "theory", "models", "training", "stability"],
              title="Generative adversarial networks", preload="numpy,torch",
              drivers=drivers.load("torch_tools", "torch_probe", "unit07_gan"))

s, t = symbols("s t")
SIGMOID = 1 / (1 + sp.exp(-s))
BCE = -(t * sp.log(SIGMOID) + (1 - t) * sp.log(1 - SIGMOID))
MINIMAX_G = Key(sp.log(1 - SIGMOID), [s], digits=1000)
NONSAT_G = Key(-sp.log(SIGMOID), [s], digits=1000)
LS_REAL, LS_FAKE = Key((s - 1) ** 2 / 2, [s]), Key(s**2 / 2, [s])

p_d, p_g, D_ = symbols("p_d p_g D", positive=True)
VALUE = p_d * sp.log(D_) + p_g * sp.log(1 - D_)
(D_STAR_EXPR,) = sp.solve(sp.diff(VALUE, D_), D_)  # the maximizer of the pointwise value
D_STAR = Key(D_STAR_EXPR, [p_d, p_g])
REAL_TERM = Key(p_d * sp.log(D_STAR_EXPR), [p_d, p_g])
FAKE_TERM = Key(p_g * sp.log(1 - D_STAR_EXPR), [p_d, p_g])
VALUE_AT_EQUILIBRIUM = float(sp.simplify(VALUE.subs(D_, D_STAR_EXPR).subs(p_g, p_d) / p_d))  # -log 4

STRICT = {"rtol": 1e-9, "atol": 1e-12}
FLOAT32 = {"rtol": 1e-5, "atol": 1e-6}
EXTREMES = np.array([-1000.0, -745.0, -40.0, 40.0, 745.0, 1000.0])
G_ACTS, D_ACTS = ["relu", "relu", "tanh"], ["leaky_relu", "leaky_relu", "identity"]


T = modules.as_tensor


def logits(ctx, n, scale=3.0):
    return scale * ctx.rng.standard_normal(n)


# ---------------------------------------------------------------- losses
def _loss_cases(ctx, fn_name, arity, keys, extra=()):
    """Values (moderate and extreme logits) and autograd gradients of a loss against its keys.

    ``keys[i]`` is the elementwise key of input i; the loss is the sum of their means.
    """
    fn = getattr(ctx.student.losses, fn_name)
    inputs = [logits(ctx, n) for n in (6, 5)[:arity]]
    for label, xs in (("moderate inputs", inputs), ("|inputs| up to 1000 (stability)",
                                                     [EXTREMES, EXTREMES[::-1][:5]][:arity])):
        with ctx.case(f"value, {label}"):
            expected = sum(float(np.mean(key(x))) for key, x in zip(keys, xs))
            got = modules.tensor(fn(*(T(x) for x in xs), *extra), f"{fn_name} on float64 inputs", (), "float64")
            batch = {"batch": len(xs[0])} if arity == 1 else {}  # names a sum where the mean is due
            compare.close(got, expected, f"{fn_name}({label})", **STRICT, **batch)
    with ctx.case("autograd gradient"):
        upstream = np.array(ctx.rng.uniform(0.5, 2.0))
        _, grads = modules.vjp(ctx, f"losses.{fn_name}", (*(T(x, True) for x in inputs), *extra), upstream)
        for i, (key, x, g) in enumerate(zip(keys, inputs, grads)):
            compare.close(g, upstream * slope(key)(x) / len(x), f"the gradient of {fn_name} for input #{i + 1}",
                          **STRICT)


@functools.cache
def _bce(label: float) -> Key:
    """The elementwise BCE key of a logit against the target ``label``."""
    return Key(BCE.subs(t, sp.nsimplify(label)), [s], digits=1000)


@functools.cache
def slope(key: Key) -> Key:
    return key.diff(s)


@suite.check("losses.discriminator_loss", points=3)
def discriminator_loss_keys(ctx):
    """BCE of real logits against 1 plus BCE of fake logits against 0, each averaged."""
    _loss_cases(ctx, "discriminator_loss", 2, [_bce(1), _bce(0)])


@suite.check("losses.discriminator_loss", points=2)
def one_sided_label_smoothing(ctx):
    """real_label < 1 changes the real targets only; the fake targets stay 0."""
    label = float(ctx.rng.choice([0.8, 0.9]))
    _loss_cases(ctx, "discriminator_loss", 2, [_bce(label), _bce(0)], extra=(label,))


@suite.check("losses.generator_loss_minimax", points=2)
def generator_loss_minimax_keys(ctx):
    _loss_cases(ctx, "generator_loss_minimax", 1, [MINIMAX_G])


@suite.check("losses.generator_loss_nonsaturating", points=2)
def generator_loss_nonsaturating_keys(ctx):
    _loss_cases(ctx, "generator_loss_nonsaturating", 1, [NONSAT_G])


@suite.check("losses.generator_loss_minimax", points=2)
def saturation(ctx):
    """As D(G(z)) -> 0 the minimax gradient vanishes (limit 0), the non-saturating one tends to -1."""
    x = -ctx.rng.uniform(15.0, 40.0, 6)
    for fn_name, key in (("generator_loss_minimax", MINIMAX_G), ("generator_loss_nonsaturating", NONSAT_G)):
        limit = sp.limit(slope(key).expr, s, -sp.oo)
        with ctx.case(f"{fn_name}: the per-logit gradient tends to {limit} as D(G(z)) -> 0"):
            _, (g,) = modules.vjp(ctx, f"losses.{fn_name}", (T(x, True),), np.array(1.0))
            compare.close(g, slope(key)(x) / len(x), f"the gradient of {fn_name} at logits from -40 to -15 "
                          f"(per logit it tends to {limit} as D(G(z)) -> 0)", rtol=1e-9, atol=1e-300)


@suite.check("losses.lsgan_discriminator_loss", points=2)
def lsgan_discriminator_keys(ctx):
    _loss_cases(ctx, "lsgan_discriminator_loss", 2, [LS_REAL, LS_FAKE])


@suite.check("losses.lsgan_generator_loss", points=1)
def lsgan_generator_keys(ctx):
    _loss_cases(ctx, "lsgan_generator_loss", 1, [LS_REAL])


# ---------------------------------------------------------------- theory
def densities(ctx, k=241, disjoint=False):
    """Two densities on a grid of spacing dx, each summing to 1 / dx."""
    x = np.linspace(-6, 6, k)
    dx = float(x[1] - x[0])
    mu = ctx.rng.uniform(-1.5, 1.5, 2)
    p = [np.exp(-0.5 * ((x - m) / sd) ** 2) for m, sd in zip(mu, ctx.rng.uniform(0.6, 1.4, 2))]
    if disjoint:
        p = [p[0] * (x < 0), p[1] * (x > 0)]
    p = [q / (q.sum() * dx) for q in p]
    return p[0], p[1], dx


@suite.check("theory.optimal_discriminator", points=2)
def optimal_discriminator_key(ctx):
    """D* = argmax_D p_d log D + p_g log(1 - D), solved by sympy; 1/2 where both densities are 0."""
    pd_, pg_ = ctx.rng.uniform(0.01, 2.0, 8), ctx.rng.uniform(0.01, 2.0, 8)
    pd_[5], pg_[6], pd_[7], pg_[7] = 0.0, 0.0, 0.0, 0.0
    some = pd_ + pg_ > 0
    expected = np.full(8, 0.5)
    expected[some] = D_STAR(pd_[some], pg_[some])
    compare.close(ctx.student.theory.optimal_discriminator(pd_, pg_), expected,
                  "optimal_discriminator(p_data, p_model)", inputs={"p_data": pd_, "p_model": pg_}, **STRICT)


@suite.check("theory.optimal_value", points=3)
def optimal_value_key(ctx):
    """-log 4 at p_g = p_d (sympy); otherwise the integral of the keyed integrand (0 log 0 = 0)."""
    fn = ctx.student.theory.optimal_value
    pd_, pg_, dx = densities(ctx)
    with ctx.case("p_model == p_data gives -log 4"):
        compare.close_scalar(fn(pd_, pd_.copy(), dx), VALUE_AT_EQUILIBRIUM, "optimal_value(p, p, dx)", **STRICT)
    for label, (a, b, step) in (("overlapping densities", (pd_, pg_, dx)),
                                ("densities with disjoint supports (zeros)", densities(ctx, disjoint=True))):
        with ctx.case(label):
            total = sum(float(np.sum(key(a[p > 0], b[p > 0]))) for key, p in ((REAL_TERM, a), (FAKE_TERM, b)))
            compare.close_scalar(fn(a, b, step), total * step, f"optimal_value ({label})", **STRICT)


# ---------------------------------------------------------------- models
seed_torch = modules.seed_torch


def shapes(sizes):
    """Weight shapes (out, in) of a chain of Linear layers of these widths."""
    return [(b, a) for a, b in zip(sizes[:-1], sizes[1:])]


def _architecture(ctx, cls, args, sizes, acts, in_dim, out_shape, label):
    """Layer shapes, parameter count and the forward pass recomputed in numpy."""
    seed_torch(ctx)
    module = getattr(ctx.student.models, cls)(*args)
    layers = modules.architecture(ctx, module, shapes(sizes), label)
    x = ctx.rng.standard_normal((7, in_dim)).astype(np.float32)
    expected, _ = numpy_mlp.forward(layers, acts, x)
    got = modules.tensor(ctx.student.method(module, "forward")(T(x)), f"{label}.forward(x)", out_shape(7), "float32")
    compare.close(got, expected.reshape(got.shape), f"{label}.forward(x)", **FLOAT32)
    return module


@suite.check("models.Generator", points=3)
def generator_architecture(ctx):
    """Three Linear layers, ReLU, ReLU, tanh; outputs of shape (N, data_dim) in [-1, 1]."""
    with ctx.case("Generator(3, 2, 16)"):
        G = _architecture(ctx, "Generator", (3, 2, 16), [3, 16, 16, 2], G_ACTS, 3, lambda n: (n, 2),
                          "Generator(3, 2, 16)")
        z = 100 * ctx.rng.standard_normal((50, 3)).astype(np.float32)
        out = modules.tensor(ctx.student.method(G, "forward")(T(z)), "Generator.forward(z)", (50, 2), "float32")
        if np.any(np.abs(out) > 1):
            ctx.fail("Generator.forward(z) left the range [-1, 1] for large |z|")
    with ctx.case("Generator(4, 5) with the default hidden_dim 64"):
        _architecture(ctx, "Generator", (4, 5), [4, 64, 64, 5], G_ACTS, 4, lambda n: (n, 5), "Generator(4, 5)")


@suite.check("models.Discriminator", points=3)
def discriminator_architecture(ctx):
    """Three Linear layers, LeakyReLU(0.2) twice; one logit per row, shape (N,)."""
    with ctx.case("Discriminator(3, 16)"):
        _architecture(ctx, "Discriminator", (3, 16), [3, 16, 16, 1], D_ACTS, 3, lambda n: (n,), "Discriminator(3, 16)")
    with ctx.case("Discriminator(5) with the default hidden_dim 64"):
        _architecture(ctx, "Discriminator", (5,), [5, 64, 64, 1], D_ACTS, 5, lambda n: (n,), "Discriminator(5)")


@suite.check("models.count_parameters", points=1)
def count_parameters_formula(ctx):
    for _ in range(3):
        latent, data, hidden = (int(v) for v in ctx.rng.integers(1, 40, 3))
        expected = tuple(modules.parameter_count(shapes(sizes)) for sizes in ([latent, hidden, hidden, data],
                                                                              [data, hidden, hidden, 1]))
        got = compare.sequence(ctx.student.models.count_parameters(latent, data, hidden),
                               f"count_parameters({latent}, {data}, {hidden})", 2)
        for label, value, want in zip(("generator", "discriminator"), got, expected):
            compare.equal(value, want, f"the {label} count from count_parameters({latent}, {data}, {hidden})")


# ---------------------------------------------------------------- training steps
LATENT, DATA, HIDDEN, LR = 3, 2, 16, 0.5


def _step_setup(ctx):
    """Seeded G and D, their exported layers, and inputs away from activation kinks."""
    seed_torch(ctx)
    G, D = ctx.student.models.Generator(LATENT, DATA, HIDDEN), ctx.student.models.Discriminator(DATA, HIDDEN)
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
    """Loss, one SGD step of D on its loss (stale gradients zeroed), G and G's grads untouched."""
    for label in (None, float(ctx.rng.choice([0.8, 0.9]))):
        with ctx.case("default real_label" if label is None else f"real_label={label}"):
            _d_step_case(ctx, label)


@suite.check("training.generator_step", points=4)
def generator_step_update(ctx):
    """Loss, one SGD step of G on the non-saturating loss (stale gradients zeroed), D untouched."""
    G, D, g_layers, d_layers, _, z = _step_setup(ctx)
    opt = _probe(ctx, "sgd", G, LR)
    d_state = _state(ctx, D)
    loss = ctx.student.training.generator_step(G, D, opt, T(z))
    fake, g_cache = numpy_mlp.forward(g_layers, G_ACTS, z)
    sf, cf = numpy_mlp.forward(d_layers, D_ACTS, fake)
    with ctx.case("returned loss"):
        compare.close_scalar(loss, float(np.mean(NONSAT_G(sf))), "the loss returned by generator_step", **FLOAT32)
    with ctx.case("G takes one optimizer step"):
        _, dfake = numpy_mlp.backward(d_layers, D_ACTS, cf, slope(NONSAT_G)(sf) / len(sf))
        grads, _ = numpy_mlp.backward(g_layers, G_ACTS, g_cache, dfake)
        after = modules.linear_stack(ctx, G, [w.shape for w, _ in g_layers], "Generator")
        modules.sgd_update(g_layers, after, grads, LR, "generator_step",
                           "G's parameters (one optimizer step on the non-saturating loss, gradients zeroed first)")
    with ctx.case("D unchanged"):
        modules.unchanged(d_state, _state(ctx, D), "generator_step", "the discriminator's parameters")


MODES, RADIUS, SPREAD = 8, 0.8, 0.05
CHUNK, FIRST_LOOK, MAX_ITERATIONS, MIN_SHARE = 100, 200, 600, 0.01


@suite.check("training.generator_step", points=4, timeout=120, name="gan_covers_all_modes")
def gan_covers_all_modes(ctx):
    """Adam, two D steps per G step, batch 128: all 8 modes covered within 600 iterations."""
    angles = 2 * np.pi * np.arange(MODES) / MODES
    centers = RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    data = centers[ctx.rng.integers(MODES, size=4096)] + SPREAD * ctx.rng.standard_normal((4096, 2))
    seed_torch(ctx)
    G, D = ctx.student.models.Generator(2, 2, 64), ctx.student.models.Discriminator(2, 64)
    run = ctx.student.driver("unit07_gan", "GanRun")(G, D, data.astype(np.float32), 2, int(ctx.rng.integers(2**31)))
    covered = share = 0
    for done in range(CHUNK, MAX_ITERATIONS + 1, CHUNK):
        modules.in_worker(lambda: ctx.student.method(run, "run")(CHUNK), "discriminator_step/generator_step",
                          "training")
        if done < FIRST_LOOK:
            continue
        samples = compare.array(ctx.student.method(run, "sample")(1000), "generator samples", (1000, 2))
        covered, share = training_outcomes.mode_coverage(samples, centers, 3 * SPREAD, MIN_SHARE)
        if covered == MODES:
            ctx.note(f"All {MODES} modes covered after {done} iterations ({100 * share:.0f}% of samples "
                     f"within 3 standard deviations of a mode).")
            return
    if covered or share:  # the last samples against the modes, for the HTML report
        ctx.figure("samples", title="your generator's samples (dots) and the 8 modes (crosses)", points=samples,
                   centers=centers)
    ctx.fail(f"After {MAX_ITERATIONS} iterations of training with your discriminator_step and generator_step "
             f"the generator covered {covered} of {MODES} modes (a mode is covered when at least "
             f"{100 * MIN_SHARE:g}% of samples lie within 3 standard deviations of it); "
             f"{100 * share:.0f}% of samples were near any mode.")


# ---------------------------------------------------------------- stability
CRITIC, CRITIC_ACTS = [3, 8, 8, 1], ["tanh", "tanh", "identity"]


def _critic(ctx):
    """A smooth float64 critic built by the grader in the worker, its layers, and inputs."""
    critic = ctx.student.driver("torch_probe", "tanh_mlp")(CRITIC, int(ctx.rng.integers(2**31)))
    layers = ctx.student.driver("torch_probe", "linear_layers")(critic)
    n = 6
    real, fake = ctx.rng.standard_normal((n, 3)), ctx.rng.standard_normal((n, 3))
    alpha = ctx.rng.uniform(0.05, 0.95, (n, 1))
    return critic, layers, real, fake, alpha


def penalty_key(layers, real, fake, alpha, weight):
    x_hat = alpha * real + (1 - alpha) * fake
    out, cache = numpy_mlp.forward(layers, CRITIC_ACTS, x_hat)
    _, dx = numpy_mlp.backward(layers, CRITIC_ACTS, cache, np.ones_like(out))
    return weight * float(np.mean((np.linalg.norm(dx, axis=1) - 1) ** 2))


@suite.check("stability.gradient_penalty", points=3)
def gradient_penalty_values(ctx):
    """Against the grader's own input gradients of the critic (numpy backward)."""
    critic, layers, real, fake, alpha = _critic(ctx)
    for label, extra, weight in (("default weight 10", (), 10.0), ("weight 2.5", (2.5,), 2.5)):
        with ctx.case(label):
            got = ctx.student.stability.gradient_penalty(critic, T(real), T(fake), T(alpha), *extra)
            compare.close(modules.tensor(got, "gradient_penalty(D, real, fake, alpha)", (), "float64"),
                          penalty_key(layers, real, fake, alpha, weight), f"gradient_penalty ({label})", **STRICT)


@suite.check("stability.gradient_penalty", points=3)
def gradient_penalty_trains_critic(ctx):
    """penalty.backward() reaches D's parameters, matching finite differences of the penalty."""
    critic, layers, real, fake, alpha = _critic(ctx)
    args = (critic, T(real), T(fake), T(alpha), 2.5)
    target = "stability.gradient_penalty"
    grads = modules.in_worker(lambda: ctx.student.driver("torch_probe", "param_grads")(target, args, critic),
                              "gradient_penalty", "backpropagating the penalty to D's parameters")
    keys = [f"{kind}{i}" for i in range(len(layers)) for kind in ("W", "b")]
    # the output bias does not affect input gradients: its .grad may be None
    grads = [tuple(np.zeros_like(p) if g is None else g for g, p in zip(pair, ref)) for pair, ref in zip(grads, layers)]
    flat = lambda pairs: dict(zip(keys, (a for pair in pairs for a in pair)))  # noqa: E731
    with_layers = ctx.student.driver("torch_probe", "with_layers")

    def forward(points):
        pairs = [[(p[f"W{i}"], p[f"b{i}"]) for i in range(len(layers))] for p in points]
        outs = with_layers.map([(critic, pl, target, args) for pl in pairs])
        return [modules.tensor(o, "gradient_penalty", ()) for o in outs]

    gradients.directional(forward, flat(layers), flat(grads), np.array(1.0), rng=ctx.rng, name="gradient_penalty")


def _matrix(ctx, m=5, n=4):
    """A matrix with a clear gap between its two largest singular values, and a start vector."""
    u, _ = np.linalg.qr(ctx.rng.standard_normal((m, m)))
    v, _ = np.linalg.qr(ctx.rng.standard_normal((n, n)))
    sv = np.array([3.0, 1.5, 1.0, 0.5])[:min(m, n)] * ctx.rng.uniform(0.5, 2.0)
    return (u[:, :len(sv)] * sv) @ v[:, :len(sv)].T, ctx.rng.standard_normal(m)


def power_key(W, u0, n_iters):
    """(sigma, u, v) after k = n_iters power-iteration steps, in closed form: u is the direction of
    (W W^T)^k u0, v that of (W^T W)^(k-1) W^T u0, and sigma = u^T W v."""
    def unit(x):
        return x / np.linalg.norm(x)

    u = unit(np.linalg.matrix_power(W @ W.T, n_iters) @ u0)
    v = unit(np.linalg.matrix_power(W.T @ W, n_iters - 1) @ (W.T @ u0))
    return np.einsum("i,ij,j->", u, W, v), u, v


@suite.check("stability.power_iteration", points=3)
def power_iteration_values(ctx):
    """Exact iterates for 1 (the default) and 3 iterations; the top singular triple after 60."""
    fn = ctx.student.stability.power_iteration
    W, u0 = _matrix(ctx)
    for label, extra in (("default n_iters", ()), ("n_iters=1", (1,)), ("n_iters=3", (3,))):
        with ctx.case(label):
            out = compare.sequence(fn(T(W), T(u0), *extra), f"power_iteration ({label})", 3)
            for name, got, want, shape in zip(("sigma", "u", "v"), out, power_key(W, u0, (extra or (1,))[0]),
                                              ((), (5,), (4,))):
                compare.close(modules.tensor(got, f"{name} from power_iteration", shape, "float64"), want,
                              f"{name} from power_iteration ({label})", **STRICT)
    with ctx.case("60 iterations reach the largest singular value"):
        sigma, u, v = compare.sequence(fn(T(W), T(u0), 60), "power_iteration(W, u, 60)", 3)
        U, S, Vt = np.linalg.svd(W)
        compare.close(modules.tensor(sigma, "sigma", ()), S[0], "sigma after 60 iterations (vs numpy's SVD)", **STRICT)
        sign = np.sign(U[:, 0] @ modules.tensor(u, "u", (5,)))
        compare.close(modules.tensor(u, "u", (5,)), sign * U[:, 0], "u after 60 iterations", rtol=0, atol=1e-8)
        compare.close(modules.tensor(v, "v", (4,)), sign * Vt[0], "v after 60 iterations", rtol=0, atol=1e-8)


@suite.check("stability.spectral_normalize", points=2)
def spectral_normalize_values(ctx):
    """W / sigma with the updated u; after 60 iterations the largest singular value is 1."""
    fn = ctx.student.stability.spectral_normalize
    W, u0 = _matrix(ctx)
    for label, extra in (("default n_iters", ()), ("n_iters=3", (3,)), ("n_iters=60", (60,))):
        with ctx.case(label):
            sigma, u, _ = power_key(W, u0, (extra or (1,))[0])
            W_sn, u_new = compare.sequence(fn(T(W), T(u0), *extra), f"spectral_normalize ({label})", 2)
            W_sn = modules.tensor(W_sn, "W_sn from spectral_normalize", W.shape, "float64")
            compare.close(W_sn, W / sigma, f"W_sn from spectral_normalize ({label})", **STRICT)
            compare.close(modules.tensor(u_new, "u from spectral_normalize", (5,)), u,
                          f"u from spectral_normalize ({label})", **STRICT)
            if extra == (60,):
                compare.close_scalar(float(np.linalg.svd(W_sn, compute_uv=False)[0]), 1.0,
                                     "the largest singular value of W_sn after 60 iterations", rtol=1e-9)
