"""Unit 7, conditional GANs (reference/unit07_gan/conditional.py): checks that ship.

Module shapes, parameter counts and the use of the label (changing only the label changes the
output); the matching-aware discriminator loss and the SRGAN generator loss against sympy keys of
the formulas their docstrings state (values at moderate and extreme logits, autograd gradients);
the SRGAN content term against unit 5's nearest-neighbour super-resolution baseline (PSNR); a
short training that judges the generator (where the student's discriminator or loss differs from
the reference's, official grading trains with the reference's: the loop in the grader, G in the
worker). The forward passes recomputed in numpy are instructor-only: ``autograder/keys/gan_conditional.py``.

Registered into unit 7's suite by the import at the end of ``autograder/units/unit07_gan.py``.
"""
from __future__ import annotations

import functools
from typing import Callable, NamedTuple

import numpy as np
import sympy as sp

from .. import drivers
from ..checks import compare, modules, super_resolution, tolerances, training
from ..checks import upstream as upstream_of
from ..checks.symbolic import Key, symbols
from .unit07_gan import grader_side, suite

suite.drivers.update(drivers.load("gan_conditional"))
T = modules.as_tensor
STRICT = {"rtol": 1e-9, "atol": 1e-12}
EXTREMES = np.array([-1000.0, -745.0, -40.0, 40.0, 745.0, 1000.0])

s, a, b = symbols("s a b")
SIGMOID = 1 / (1 + sp.exp(-s))
BCE_1 = Key(-sp.log(SIGMOID), [s], digits=1000)
BCE_0 = Key(-sp.log(1 - SIGMOID), [s], digits=1000)
SQUARED_ERROR = Key((a - b) ** 2, [a, b])

LATENT, CLASSES, SIZE, HIDDEN = 3, 4, 5, 12


def g_shapes(latent, classes, size, hidden):
    return [(hidden, latent + classes), (hidden, hidden), (size * size, hidden)]


def d_shapes(classes, size, hidden):
    return [(hidden, size * size + classes), (hidden, hidden), (1, hidden)]


@functools.cache
def slope(key: Key) -> Key:
    return key.diff(s)


def labels(ctx, n, classes=CLASSES):
    """Labels covering every class, in random order."""
    return ctx.rng.permutation(np.arange(n) % classes).astype(np.int64)


def build(ctx, cls, args, seed=None):
    modules.seed_torch(ctx, seed)
    return modules.in_worker(lambda: getattr(ctx.student.conditional, cls)(*args), cls, "building the module")


def generate(ctx, G, z, y, size):
    return modules.tensor(ctx.student.method(G, "forward")(T(z), T(y)), "ConditionalGenerator.forward(z, labels)",
                          (len(z), 1, size, size), "float32")


def judge(ctx, D, x, y):
    return modules.tensor(ctx.student.method(D, "forward")(T(x), T(y)), "ConditionalDiscriminator.forward(x, labels)",
                          (len(x),), "float32")


def _label_changes_output(ctx, run, inputs, name):
    """Only the labels differ: every row's output must change."""
    y = labels(ctx, len(inputs))
    other = (y + 1 + ctx.rng.integers(0, CLASSES - 1, len(y))) % CLASSES
    first, second = run(inputs, y), run(inputs, other)
    same = np.all(np.isclose(first, second, rtol=0, atol=1e-7).reshape(len(y), -1), axis=1)
    if same.any():
        ctx.fail(f"{name} gave the same output for the same input under a different label (row "
                 f"{int(np.argmax(same))}, label {y[same][0]} then {other[same][0]}): the label must enter the "
                 "network (a one-hot vector concatenated to the input)")


@suite.check("conditional.ConditionalGenerator", points=2)
def conditional_generator_shapes(ctx):
    """Three Linear layers of the documented shapes, images (N, 1, S, S) in [-1, 1], the label used."""
    G = build(ctx, "ConditionalGenerator", (LATENT, CLASSES, SIZE, HIDDEN))
    with ctx.case(f"ConditionalGenerator({LATENT}, {CLASSES}, {SIZE}, {HIDDEN})"):
        modules.architecture(ctx, G, g_shapes(LATENT, CLASSES, SIZE, HIDDEN), "ConditionalGenerator")
        z = 100 * ctx.rng.standard_normal((8, LATENT)).astype(np.float32)
        if np.any(np.abs(generate(ctx, G, z, labels(ctx, 8), SIZE)) > 1):
            ctx.fail("ConditionalGenerator.forward left the range [-1, 1] for large |z|")
    with ctx.case("the label changes the image"):
        z = ctx.rng.standard_normal((8, LATENT)).astype(np.float32)
        _label_changes_output(ctx, lambda z_, y_: generate(ctx, G, z_, y_, SIZE), z, "ConditionalGenerator")
    with ctx.case("ConditionalGenerator(6, 4) with the defaults image_size=8, hidden_dim=64"):
        G = build(ctx, "ConditionalGenerator", (6, 4))
        modules.architecture(ctx, G, g_shapes(6, 4, 8, 64), "ConditionalGenerator(6, 4)")
        generate(ctx, G, ctx.rng.standard_normal((3, 6)).astype(np.float32), labels(ctx, 3), 8)


@suite.check("conditional.ConditionalDiscriminator", points=2)
def conditional_discriminator_shapes(ctx):
    """Three Linear layers of the documented shapes, one logit per image (N,), the label used."""
    D = build(ctx, "ConditionalDiscriminator", (CLASSES, SIZE, HIDDEN))
    with ctx.case(f"ConditionalDiscriminator({CLASSES}, {SIZE}, {HIDDEN})"):
        modules.architecture(ctx, D, d_shapes(CLASSES, SIZE, HIDDEN), "ConditionalDiscriminator")
    with ctx.case("the label changes the logit"):
        x = ctx.rng.uniform(-1, 1, (8, 1, SIZE, SIZE)).astype(np.float32)
        _label_changes_output(ctx, lambda x_, y_: judge(ctx, D, x_, y_), x, "ConditionalDiscriminator")
    with ctx.case("ConditionalDiscriminator(3) with the defaults image_size=8, hidden_dim=64"):
        D = build(ctx, "ConditionalDiscriminator", (3,))
        modules.architecture(ctx, D, d_shapes(3, 8, 64), "ConditionalDiscriminator(3)")
        judge(ctx, D, ctx.rng.uniform(-1, 1, (3, 1, 8, 8)).astype(np.float32), labels(ctx, 3, 3))


# ---------------------------------------------------------------- losses
def logits(ctx, n, scale=3.0):
    return scale * ctx.rng.standard_normal(n)


@suite.check("conditional.matching_aware_discriminator_loss", points=3)
def matching_aware_loss_keys(ctx):
    """BCE(real, 1) + (BCE(mismatched, 0) + BCE(fake, 0)) / 2, each averaged; stable; its gradients."""
    fn, name = ctx.student.conditional.matching_aware_discriminator_loss, "matching_aware_discriminator_loss"
    keys, weights = (BCE_1, BCE_0, BCE_0), (1.0, 0.5, 0.5)
    inputs = [logits(ctx, n) for n in (6, 5, 4)]
    for label, xs in (("moderate logits", inputs),
                      ("|logits| up to 1000 (stability)", [EXTREMES, EXTREMES[::-1][:5], EXTREMES[1:5]])):
        with ctx.case(f"value, {label}"):
            expected = sum(w * float(np.mean(k(x))) for w, k, x in zip(weights, keys, xs))
            got = modules.tensor(fn(*(T(x) for x in xs)), f"{name} on float64 logits", (), "float64")
            compare.close(got, expected, f"{name}({label})", **STRICT)
    with ctx.case("autograd gradient"):
        upstream = np.array(ctx.rng.uniform(0.5, 2.0))
        _, grads = modules.vjp(ctx, f"conditional.{name}", tuple(T(x, True) for x in inputs), upstream)
        for what, w, k, x, g in zip(("real", "mismatched", "fake"), weights, keys, inputs, grads):
            compare.close(g, upstream * w * slope(k)(x) / len(x), f"the gradient of {name} in the {what} logits",
                          **STRICT)


def _sr_images(ctx, n=3, size=8, r=2):
    """High-resolution blob images and their nearest-neighbour upsampled low-resolution versions."""
    hr = super_resolution.blob_images(ctx.rng, n, size)
    return super_resolution.upsample_nearest(super_resolution.downsample(hr, r), r), hr


@suite.check("conditional.srgan_generator_loss", points=3)
def srgan_loss_keys(ctx):
    """mean((sr - hr)^2) + w * mean(-log sigmoid(fake_logits)); stable; its gradients; shape errors."""
    fn, name = ctx.student.conditional.srgan_generator_loss, "srgan_generator_loss"
    sr, hr = _sr_images(ctx)
    sr = sr + 0.05 * ctx.rng.standard_normal(sr.shape)
    weight = float(ctx.rng.choice([1e-3, 0.01, 0.5]))
    for label, fake in (("moderate logits", logits(ctx, 3)), ("logits -1000, 40, 1000 (stability)",
                                                              np.array([-1000.0, 40.0, 1000.0]))):
        with ctx.case(f"value, {label}, adversarial_weight={weight:g}"):
            expected = float(np.mean(SQUARED_ERROR(sr, hr))) + weight * float(np.mean(BCE_1(fake)))
            got = modules.tensor(fn(T(sr), T(hr), T(fake), weight), f"{name} on float64 inputs", (), "float64")
            compare.close(got, expected, f"{name}({label}, adversarial_weight={weight:g})", **STRICT)
    with ctx.case("the default adversarial_weight is 1e-3 (SRGAN)"):
        fake = logits(ctx, 3)
        expected = float(np.mean(SQUARED_ERROR(sr, hr))) + 1e-3 * float(np.mean(BCE_1(fake)))
        got = modules.tensor(fn(T(sr), T(hr), T(fake)), f"{name} with the default weight", (), "float64")
        compare.close(got, expected, f"{name} with the default adversarial_weight", **STRICT)
    with ctx.case("autograd gradient in sr and fake_logits"):
        fake, upstream = logits(ctx, 3), np.array(ctx.rng.uniform(0.5, 2.0))
        _, (g_sr, g_fake) = modules.vjp(ctx, f"conditional.{name}", (T(sr, True), T(hr), T(fake, True), weight),
                                        upstream)
        compare.close(g_sr, upstream * SQUARED_ERROR.diff(a)(sr, hr) / sr.size, f"the gradient of {name} in sr",
                      **STRICT)
        compare.close(g_fake, upstream * weight * slope(BCE_1)(fake) / len(fake),
                      f"the gradient of {name} in fake_logits", **STRICT)
    with ctx.case("sr and hr of different shapes", trivial=True):
        compare.raises(lambda: fn(T(sr), T(hr[:, :, :-1]), T(logits(ctx, 3))), ("ValueError",), name,
                       "when sr and hr have different shapes")


@suite.check("conditional.srgan_generator_loss", points=1)
def srgan_content_term_is_unit5_mse(ctx):
    """With adversarial_weight=0 the loss is the MSE behind unit 5's PSNR of the nearest-neighbour baseline."""
    fn, name = ctx.student.conditional.srgan_generator_loss, "srgan_generator_loss"
    sr, hr = _sr_images(ctx, n=4, size=12, r=3)
    loss = modules.tensor(fn(T(sr), T(hr), T(logits(ctx, 4)), 0.0), f"{name} with adversarial_weight=0", (),
                          "float64")
    baseline = super_resolution.psnr(sr, hr)
    if not float(loss) > 0:
        ctx.fail(f"{name}(nearest-neighbour upsampling, targets, logits, 0.0) returned {float(loss):.6g}; "
                 f"the MSE of that baseline is positive (PSNR {baseline:.2f} dB)")
    compare.close_scalar(float(10 * np.log10(1 / float(loss))), baseline,
                  f"10 * log10(1 / {name}(...)) with adversarial_weight=0 (unit 5's PSNR of nearest-neighbour "
                  "upsampling: the content term is the MSE over every pixel)", **STRICT)


# ---------------------------------------------------------------- a short training run
WORDS = ("horizontal", "vertical", "diagonal", "cross")
IMAGE, POSITIONS, NOISE = 8, (3, 4), 0.1
RUN_LATENT, RUN_HIDDEN, CHUNK, FIRST_LOOK, MAX_ITERATIONS, PER_CLASS, BAR = 2, 64, 50, 150, 400, 50, 0.9
ATTEMPTS = 4


def stroke_templates():
    """Every clean 8 x 8 stroke (background -1, stroke +1) and its class index into WORDS."""
    def blank():
        return -np.ones((IMAGE, IMAGE))
    out = []
    for p in POSITIONS:
        h, v = blank(), blank()
        h[p, :], v[:, p] = 1, 1
        out += [(h, 0), (v, 1)]
    diagonal = blank()
    np.fill_diagonal(diagonal, 1)
    out += [(diagonal, 2), (diagonal[:, ::-1].copy(), 2)]
    for r in POSITIONS:
        for c in POSITIONS:
            cross = blank()
            cross[r, :], cross[:, c] = 1, 1
            out.append((cross, 3))
    return np.array([a for a, _ in out]), np.array([k for _, k in out])


TEMPLATES, TEMPLATE_CLASS = stroke_templates()


def stroke_images(rng, n):
    """``n`` noisy strokes (n, 1, 8, 8) in [-1, 1] with their labels: a random class, then a random stroke of it."""
    y = rng.integers(len(WORDS), size=n)
    pick = np.array([rng.choice(np.flatnonzero(TEMPLATE_CLASS == k)) for k in y])
    x = np.clip(TEMPLATES[pick] + NOISE * rng.standard_normal((n, IMAGE, IMAGE)), -1, 1)
    return x[:, None].astype(np.float32), y.astype(np.int64)


def recognise(images):
    """The grader's classifier: the class of the nearest clean stroke (Euclidean distance)."""
    flat = images.reshape(len(images), 1, -1)
    return TEMPLATE_CLASS[((flat - TEMPLATES.reshape(1, len(TEMPLATES), -1)) ** 2).sum(-1).argmin(axis=1)]


GENERATOR_ARGS, DISCRIMINATOR_ARGS = (RUN_LATENT, len(WORDS), IMAGE, RUN_HIDDEN), (len(WORDS), IMAGE, RUN_HIDDEN)
HELPERS = "ConditionalDiscriminator and matching_aware_discriminator_loss"


class Training(NamedTuple):
    """One training: ``train()`` runs CHUNK iterations, ``sample(labels)`` draws an image of each
    label; ``trained_with`` says whose code trains, ``fix_first`` what else a failure may come from."""
    train: Callable[[], object]
    sample: Callable[[np.ndarray], object]
    trained_with: str
    fix_first: str = ""


def own_training(ctx, images, y, seeds) -> Training:
    """Your ConditionalGenerator, ConditionalDiscriminator and matching_aware_discriminator_loss,
    trained in the worker (the driver's ConditionalGanRun)."""
    G = build(ctx, "ConditionalGenerator", GENERATOR_ARGS, seeds[0])
    D = build(ctx, "ConditionalDiscriminator", DISCRIMINATOR_ARGS, seeds[1])
    run = ctx.student.driver("gan_conditional", "conditional_gan_run")(G, D, images, y, len(WORDS), RUN_LATENT,
                                                                        seeds[2])
    return Training(lambda: modules.in_worker(lambda: ctx.student.method(run, "run")(CHUNK),
                                              "ConditionalGenerator/ConditionalDiscriminator/"
                                              "matching_aware_discriminator_loss", "training"),
                    lambda labels: ctx.student.method(run, "sample")(T(labels)),
                    "your ConditionalGenerator, ConditionalDiscriminator and matching_aware_discriminator_loss",
                    "" if ctx.reference is not None else "; if a check of ConditionalDiscriminator or "
                                                         "matching_aware_discriminator_loss fails, fix that first")


class GeneratorInWorker:
    """Your ConditionalGenerator as the grader's loop sees G and its optimizer: a call draws images
    in the worker, here a leaf tensor that requires grad while training; ``step()`` keeps the
    gradient the loop's generator loss left in them, which travels with the next call (the driver's
    SyncedGenerator takes G's Adam step there first): one round trip per iteration."""

    def __init__(self, ctx, synced):
        self.forward, self.images, self.grad = ctx.student.method(synced, "forward"), None, None

    def __call__(self, z, labels):
        torch, _, _ = grader_side()
        keep = torch.is_grad_enabled()
        images = modules.tensor(self.forward(self.grad, T(z.numpy()), T(labels.numpy()), keep),
                                "ConditionalGenerator.forward(z, labels)", (len(z), 1, IMAGE, IMAGE), "float32")
        self.grad, self.images = None, torch.tensor(images, dtype=torch.float32, requires_grad=keep)
        return self.images

    def zero_grad(self):
        """Nothing here: the worker clears G's gradients before each step."""

    def step(self):
        self.grad = T(self.images.grad.numpy())


def training_with_reference_discriminator(ctx, images, y, seeds) -> Training:
    """The same training (data, initial weights, batches, labels and codes) with the reference's
    ConditionalDiscriminator and matching_aware_discriminator_loss: the loop and D run in the grader,
    your ConditionalGenerator in the worker, called once per iteration (:class:`GeneratorInWorker`)."""
    torch, _, _ = grader_side()
    from ..drivers import gan_conditional as loop

    G = build(ctx, "ConditionalGenerator", GENERATOR_ARGS, seeds[0])
    with torch.random.fork_rng(devices=[]):  # D's initial weights as in your training; the grader's generator kept
        torch.manual_seed(seeds[1])
        D = ctx.ref.conditional.ConditionalDiscriminator(*DISCRIMINATOR_ARGS)
    G_here = GeneratorInWorker(ctx, ctx.student.driver("gan_conditional", "synced_generator")(G, seeds[2]))
    run = loop.ConditionalGanRun(G_here, D, images, y, len(WORDS), RUN_LATENT, seeds[2],
                                 d_loss=ctx.ref.conditional.matching_aware_discriminator_loss, opt_G=G_here)
    return Training(lambda: modules.in_worker(lambda: run.run(CHUNK), "ConditionalGenerator", "training"), run.sample,
                    f"a correct {HELPERS} (the grader's) and your ConditionalGenerator")


@suite.check("conditional.ConditionalGenerator", points=4, timeout=120, name="conditional_gan_draws_the_word",
             uses=("conditional.ConditionalDiscriminator", "conditional.matching_aware_discriminator_loss"),
             false_failure=3e-7,
             false_failure_why="extrapolated: 8 of 679 measured single runs of the reference missed the bar "
                               "(95% upper bound 2.3% a run); the 4 runs are drawn " + training.fixed_draws(4, "runs")
                               + ", 0.023^4 = 2.8e-7. A run with the grader's discriminator and loss is the same "
                               "run: for the reference, bit-identical samples on the 4 fixed runs and on 100 fresh "
                               "draws (1 of those 100 missed the bar in both)")
def conditional_gan_draws_the_word(ctx):
    """Adam (lr 2e-3), batch 64, one D step (matching-aware loss) per G step (non-saturating), latent size 2:
    in one of 4 runs of at most 400 iterations the grader's nearest-stroke classifier recognises the
    requested word in at least 90% of the samples of every class. In official grading where that
    fails and your ConditionalDiscriminator or matching_aware_discriminator_loss does not do what the
    reference's does, the same runs with the reference's two and your ConditionalGenerator passing is
    enough (:func:`upstream.trained`): their bugs cost only their own checks.

    The runs' data, initial weights, batches, labels and codes are fixed (training.fixed_rng). With
    the grader's discriminator and loss the loop runs in the grader and G in the worker (the
    gradient of G's loss in its images crosses once per iteration): for the reference it draws the
    same samples bit for bit as its own run, so the declared false-failure rate holds for either."""
    upstream_of.trained(ctx, lambda: draws_the_word(ctx, own_training),
                        lambda: draws_the_word(ctx, training_with_reference_discriminator), HELPERS,
                        lambda: discriminator_and_loss_agree(ctx))


def draws_the_word(ctx, trainer) -> None:
    """Pass once, in one of ATTEMPTS runs of ``trainer(ctx, images, labels, seeds)`` (looks every
    CHUNK iterations from FIRST_LOOK on), every word is recognised in at least BAR of its samples."""
    requested = np.repeat(np.arange(len(WORDS)), PER_CLASS).astype(np.int64)
    runs, rng = [], training.fixed_rng()  # the same runs with either discriminator

    def run_and_check():
        runs.append(len(runs) + 1)
        images, y = stroke_images(rng, 2048)
        seeds = [int(rng.integers(2**31)) for _ in range(3)]  # G's and D's initial weights, the run's draws
        run = trainer(ctx, images, y, seeds)
        for done in range(CHUNK, MAX_ITERATIONS + 1, CHUNK):
            run.train()
            if done < FIRST_LOOK:
                continue
            samples = compare.array(run.sample(requested), "generated images", (len(requested), 1, IMAGE, IMAGE))
            hits = recognise(samples) == requested
            shares = hits.reshape(len(WORDS), PER_CLASS).mean(axis=1)
            if shares.min() >= BAR:
                return done, hits.mean(), shares.min()
        ctx.fail(f"In {len(runs)} training runs of {MAX_ITERATIONS} iterations each with {run.trained_with} the "
                 "grader's classifier (the nearest clean stroke) recognised the requested word in "
                 + ", ".join(f"{100 * sh:.0f}% of '{w}'" for w, sh in zip(WORDS, shares))
                 + f" samples at the end of the last run; it must be at least {100 * BAR:g}% for every word. "
                 f"Check that ConditionalGenerator uses the label (its one-hot after z){run.fix_first}.")

    done, hit, worst = training.in_one_of(ATTEMPTS, run_and_check)
    ctx.note(f"After {done} iterations (training run {runs[-1]}) the grader's classifier recognised the "
             f"requested word in {100 * hit:.0f}% of the samples (worst word {100 * worst:.0f}%).")


def discriminator_and_loss_agree(ctx) -> bool:
    """Whether your ConditionalDiscriminator, given the same weights, gives the reference's logits
    (FLOAT32) on images of every class, and your matching_aware_discriminator_loss the reference's
    value and gradients on float32 logits, moderate and up to |s| = 1000: then your training judged
    your ConditionalGenerator already."""
    torch, torch_probe, _ = grader_side()
    ref, name = ctx.ref.conditional, "matching_aware_discriminator_loss"

    def compared():
        D = build(ctx, "ConditionalDiscriminator", DISCRIMINATOR_ARGS)
        with torch.random.fork_rng(devices=[]):
            D_ref = ref.ConditionalDiscriminator(*DISCRIMINATOR_ARGS)
        torch_probe.set_linear_layers(D_ref, modules.linear_stack(ctx, D, d_shapes(*DISCRIMINATOR_ARGS),
                                                                  "ConditionalDiscriminator"))
        x, y = ctx.rng.uniform(-1, 1, (16, 1, IMAGE, IMAGE)).astype(np.float32), labels(ctx, 16, len(WORDS))
        with torch.no_grad():
            want = D_ref(torch.as_tensor(x), torch.as_tensor(y)).numpy()
        compare.close(judge(ctx, D, x, y), want, "ConditionalDiscriminator.forward(x, labels)", tolerances.FLOAT32)
        xs = [np.concatenate([logits(ctx, n), EXTREMES]).astype(np.float32) for n in (6, 5, 4)]
        got, grads = modules.vjp(ctx, f"conditional.{name}", tuple(T(x, True) for x in xs), np.array(1.0),
                                 dtype="float32")
        xs_ref = [torch.tensor(x, requires_grad=True) for x in xs]
        want = ref.matching_aware_discriminator_loss(*xs_ref)
        want.backward()
        compare.close(got, want.detach().numpy(), name, tolerances.FLOAT32)
        for g, x in zip(grads, xs_ref):
            compare.close(g, x.grad.numpy(), f"the gradient of {name}", tolerances.FLOAT32)

    return upstream_of.attempt(compared) is None
