"""Checks of ``style``: the Gram matrix's properties, and every gradient against finite differences
of the student's own loss or Gram matrix (the loss values are keyed in
``autograder/keys/unit05_cnn.py``)."""
from __future__ import annotations

import numpy as np

from ...checks import compare, gradients, layer_pairs, properties
from ...checks import upstream as upstream_of
from .common import suite


def loss_output(result, fname, shape):
    loss, grad = compare.sequence(result, f"{fname}(...)", 2)
    return compare.scalar(loss, f"loss from {fname}"), compare.array(grad, f"the gradient from {fname}", shape)


def loss_gradient_check(ctx, fname, args: dict, wrt: str):
    """The gradient a loss function returns, against central differences of its own loss."""
    fn = getattr(ctx.student.style, fname)
    order = list(args)
    _, grad = loss_output(fn(*args.values()), fname, args[wrt].shape)
    with ctx.case(f"the gradient against finite differences of the loss ({fname})", trivial=not np.any(grad)):
        forward = gradients.batched(fn, order, (), f"loss from {fname}",
                                    select=lambda r: np.asarray(loss_output(r, fname, args[wrt].shape)[0]))
        gradients.directional(forward, dict(args), {wrt: grad}, np.float64(1.0), rng=ctx.rng, name=fname)


@suite.check("style.gram_matrix", points=1)
def gram_symmetric_psd(ctx):
    fn = ctx.student.style.gram_matrix

    def prop(f):
        G = compare.array(fn(f), "gram_matrix(features)", (f.shape[0], f.shape[1], f.shape[1]))
        compare.close(G.transpose(0, 2, 1), G, "gram_matrix(features) transposed compared with itself", atol=1e-12)
        lowest = np.linalg.eigvalsh((G + G.transpose(0, 2, 1)) / 2).min()
        if lowest < -1e-9 * max(1.0, np.abs(G).max()):
            ctx.fail(f"gram_matrix(features) is not positive semi-definite: an eigenvalue is {lowest:.3g}")
        if not np.any(G) and np.max(np.abs(f)) > 1e-3:  # (tiny features may square to zero)
            ctx.fail("gram_matrix(features) is all zeros for features that are not small")

    properties.run(ctx, prop, max_examples=20, f=properties.arrays(properties.shapes(4, 4, 1, 4), -5, 5))


GRAM_CASES = {"features of shape (2, 3, 4, 3)": (2, 3, 4, 3), "one channel, shape (1, 1, 3, 5)": (1, 1, 3, 5)}


@suite.check("style.gram_backward", points=3)
def gram_backward_gradients(ctx):
    """Against finite differences of gram_matrix (official grading: the reference's; the self-check:
    yours; see checks/upstream.py) with an upstream gradient that is not symmetric, for each shape;
    then the backward contract."""
    back = ctx.student.style.gram_backward
    own = upstream_of.forward(ctx, ctx.student.style.gram_matrix)
    gram = layer_pairs.OnCopies(own) if upstream_of.is_students(own) else own
    for label, shape in GRAM_CASES.items():
        f, dG = ctx.rng.standard_normal(shape), ctx.rng.standard_normal((shape[0], shape[1], shape[1]))
        dfeatures, failure = layer_pairs._attempt(lambda: compare.array(
            layer_pairs.OnCopies(back)(dG, f), f"dfeatures from gram_backward ({label})", shape))
        with ctx.case(f"finite differences, {label}", trivial=failure is None and not np.any(dfeatures)), \
                upstream_of.blame(own):
            if failure:
                raise failure
            forward = gradients.batched(gram, ["features"], dG.shape, f"gram_matrix(features) ({label})")
            gradients.directional(forward, {"features": f}, {"features": dfeatures}, dG, rng=ctx.rng,
                                  name=f"gram_backward ({label})")
    f = ctx.rng.standard_normal((2, 3, 4, 3))
    with ctx.case("the backward contract (zero upstream, linearity, repeatability)", trivial=True):
        gradients.backward_contract(
            lambda gs: [(compare.array(d, "dfeatures from gram_backward", f.shape),)
                        for d in layer_pairs.OnCopies(back).map([(g, f) for g in gs])],
            (2, 3, 3), rng=ctx.rng, name="gram_backward")
    with ctx.case("inputs untouched", trivial=True):
        back(ctx.rng.standard_normal((2, 3, 3)), f)


@suite.check("style.gram_backward", points=1, needs_reference=True)
def gram_backward_matches_reference(ctx):
    f, dG = ctx.rng.standard_normal((2, 3, 4, 5)), ctx.rng.standard_normal((2, 3, 3))
    compare.close(ctx.student.style.gram_backward(dG, f), ctx.ref.style.gram_backward(dG, f),
                  "dfeatures from gram_backward", hidden=ctx.hidden)


@suite.check("style.content_loss", points=1)
def content_loss_gradient(ctx):
    f, t, w = ctx.rng.standard_normal((2, 3, 4, 4)), ctx.rng.standard_normal((2, 3, 4, 4)), float(ctx.rng.uniform(0.1, 3))
    loss_gradient_check(ctx, "content_loss", {"features": f, "target": t, "weight": w}, "features")


@suite.check("style.style_loss", points=2)
def style_loss_gradient(ctx):
    """Against finite differences of your loss, for a target that is not a Gram matrix of anything."""
    f, w = ctx.rng.standard_normal((2, 3, 4, 5)), float(ctx.rng.uniform(0.1, 3))
    target = ctx.rng.standard_normal((2, 3, 3))
    loss_gradient_check(ctx, "style_loss", {"features": f, "target_gram": (target + target.transpose(0, 2, 1)) / 2,
                                            "weight": w}, "features")


@suite.check("style.style_loss", points=1, needs_reference=True, name="style_gradients_match_reference")
def style_gradients_match_reference(ctx):
    f = ctx.rng.standard_normal((2, 3, 4, 5))
    target, w = ctx.rng.standard_normal((2, 3, 3)), 0.7
    _, grad = loss_output(ctx.student.style.style_loss(f, target, w), "style_loss", f.shape)
    compare.close(grad, ctx.ref.style.style_loss(f, target, w)[1], "dfeatures from style_loss", hidden=ctx.hidden)


@suite.check("style.tv_loss", points=2)
def tv_loss_gradient(ctx):
    """Against finite differences of your loss; 0 on a constant image, unchanged when a constant is added."""
    x, w = ctx.rng.standard_normal((2, 2, 4, 5)), float(ctx.rng.uniform(0.1, 3))
    loss_gradient_check(ctx, "tv_loss", {"images": x, "weight": w}, "images")
    fn = ctx.student.style.tv_loss
    with ctx.case("a constant image: loss and gradient 0", trivial=True):
        loss, grad = loss_output(fn(np.full((1, 2, 4, 3), 0.7), w), "tv_loss", (1, 2, 4, 3))
        compare.close_scalar(loss, 0.0, "loss from tv_loss on a constant image", atol=1e-12)
        compare.close(grad, np.zeros((1, 2, 4, 3)), "the gradient from tv_loss on a constant image", atol=1e-12)
    with ctx.case("adding a constant changes nothing", trivial=True):
        compare.close_scalar(loss_output(fn(x + 2.5, w), "tv_loss", x.shape)[0], loss_output(fn(x, w), "tv_loss", x.shape)[0],
                             "loss from tv_loss on images + 2.5 compared with images", rtol=1e-9)
