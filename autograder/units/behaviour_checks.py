"""Unit 10, behaviour prediction (behaviour.py): the generated sessions and the public checks.

Sessions are generated in the grader by a second-order process over EVENTS event types: after the
events (a, b) comes the favoured event table[a, b] with probability FAVOURED, else a uniformly
random one. The table is a shuffled Latin square, so for every current event b each of the EVENTS
favoured successors occurs for some a: the current event alone says little about the next one,
the last two say a lot. Public here: pad_batch's layout and errors, masked_cross_entropy's
treatment of padding (padded steps change nothing; the loss is the mean over the batch's real
steps, so batches combine by their counts), NextEventGRU's parameter shapes and count, and that
its logits at a step depend on that session's events up to that step only. The answer keys and
the training outcome against the first-order Markov baseline are in
autograder/keys/unit10_behaviour.py.
"""
from __future__ import annotations

import numpy as np

from .. import drivers
from ..checks import compare
from ..checks.tolerances import FLOAT32
from .unit10_transfer import suite

EVENTS, FAVOURED, MIN_LENGTH, MAX_LENGTH = 6, 0.75, 8, 24
suite.drivers.update(drivers.load("behaviour"))


def second_order_table(rng, events=EVENTS):
    """(events, events) ints: the favoured next event after (a, b); a row- and column-shuffled Latin square."""
    square = (np.arange(events)[:, None] + rng.permutation(events)[None, :]) % events
    return rng.permutation(events)[square]


def sessions(rng, table, n, lengths=(MIN_LENGTH, MAX_LENGTH)):
    """n sessions (lists of ints) of lengths uniform in ``lengths``, from the second-order process."""
    events = len(table)
    out = []
    for _ in range(n):
        session = [int(e) for e in rng.integers(0, events, 2)]
        for _ in range(int(rng.integers(lengths[0], lengths[1] + 1)) - 2):
            favoured = rng.random() < FAVOURED
            session.append(int(table[session[-2], session[-1]]) if favoured else int(rng.integers(0, events)))
        out.append(session)
    return out


def masked_batch(rng, n, steps, events, lengths):
    """Random float64 logits (n, steps, events), targets, and a mask whose row r has lengths[r] real steps first."""
    mask = np.arange(steps)[None, :] < np.asarray(lengths)[:, None]
    return rng.normal(0, 2, (n, steps, events)), rng.integers(0, events, (n, steps)), mask


def gru_parameter_count(v, e, h):
    return v * e + 3 * (e * h + h * h + 2 * h) + h * v + v


def unchanged(after, before):
    """Equal up to float32 rounding (a GRU's batched products may round differently on other inputs)."""
    return bool(np.all(FLOAT32.allows(np.abs(after - before), before)))


def drive(ctx, fn, *args):
    return ctx.student.driver("behaviour", fn)(*args)


def raises_value_error(ctx, fn, name, cases: dict):
    for label, args in cases.items():
        with ctx.case(f"{label} raises ValueError", trivial=True):
            compare.raises(lambda: fn(*args), ("ValueError",), name, f"for {label}")


@suite.check("behaviour.pad_batch", points=2, name="pad_batch_layout")
def pad_batch_layout(ctx):
    """int64 inputs and targets and a bool mask of shape (N, longest - 1); mask[n] holds len - 1 Trues
    first, then Falses; the errors."""
    pad = ctx.student.behaviour.pad_batch
    batch = sessions(ctx.rng, second_order_table(ctx.rng), 4, (2, 9))
    batch[int(ctx.rng.integers(4))] = [int(e) for e in ctx.rng.integers(0, EVENTS, 10)]  # the longest: 10
    with ctx.case(f"sessions of lengths {[len(s) for s in batch]}"):
        inputs, targets, mask = compare.sequence(pad(batch), "pad_batch(sessions)", 3)
        for value, label, dtype in ((inputs, "inputs", np.int64), (targets, "targets", np.int64), (mask, "mask", bool)):
            if type(value) is not np.ndarray or value.dtype != dtype:
                ctx.fail(f"pad_batch(sessions): {label} should be a {np.dtype(dtype)} numpy array, but it is "
                         f"{compare.describe(value)}")
            compare.array(value, f"pad_batch(sessions): {label}", (4, 9), kinds="iub")
        for n, session in enumerate(batch):
            real = len(session) - 1
            if not (mask[n, :real].all() and not mask[n, real:].any()):
                ctx.fail(f"pad_batch(sessions): mask[{n}] for a session of {len(session)} events must be {real} "
                         f"Trues followed by {9 - real} Falses; it is {mask[n].astype(int).tolist()}")
    raises_value_error(ctx, pad, "pad_batch", {"an empty list": ([],), "a session of one event": ([[1, 2, 3], [4]],)})


@suite.check("behaviour.masked_cross_entropy", points=2, name="masked_cross_entropy_ignores_padding")
def masked_cross_entropy_ignores_padding(ctx):
    """A 0-dim tensor that backpropagates; padded logits and targets change neither the loss nor the
    gradient (zero there); two batches combine as the mean over all their real steps; no real step raises."""
    lengths = [int(k) for k in ctx.rng.integers(1, 7, 4)] + [7]
    logits, targets, mask = masked_batch(ctx.rng, 5, 7, EVENTS, lengths)
    other_logits, other_targets = masked_batch(ctx.rng, 5, 7, EVENTS, lengths)[:2]
    call = "masked_cross_entropy(logits, targets, mask)"

    def loss(logits, targets, mask, label=call):
        kind, value, grad = compare.sequence(drive(ctx, "masked_loss", logits, targets, mask), label, 3)
        if kind != "ok":
            ctx.fail(f"{label} must return a 0-dimensional tensor that backpropagates to logits; it returned {kind}")
        return compare.scalar(value, label), compare.array(grad, f"the gradient of {label}", logits.shape)

    with ctx.case(f"padded steps change nothing (real steps per session: {lengths})"):
        value, grad = loss(logits, targets, mask)
        if np.any(grad[~mask]):
            ctx.fail(f"the gradient of {call} with respect to the logits of padded steps must be zero")
        padded_changed = (np.where(mask[..., None], logits, other_logits), np.where(mask, targets, other_targets))
        changed, changed_grad = loss(*padded_changed, mask, "the loss with other padded logits and targets")
        after = f"{call} after changing the logits and targets of padded steps"
        compare.close_scalar(changed, value, after, "ROUNDING")
        compare.close(changed_grad, grad, f"the gradient of {after}", "ROUNDING")
    with ctx.case("the mean over the real steps of the whole batch"):
        first, second = (loss(logits[rows], targets[rows], mask[rows], f"the loss of sessions {rows}")[0]
                         for rows in ([0, 1], [2, 3, 4]))
        counts = mask[[0, 1]].sum(), mask[[2, 3, 4]].sum()
        compare.close_scalar(value, (counts[0] * first + counts[1] * second) / sum(counts),
                             f"{call} for 5 sessions against the losses of sessions 0-1 ({counts[0]} real steps) "
                             f"and 2-4 ({counts[1]}) weighted by their numbers of real steps", "STRICT")
    with ctx.case("a mask without a real step raises ValueError", trivial=True):
        compare.raises(lambda: drive(ctx, "masked_loss", logits, targets, np.zeros_like(mask)), ("ValueError",),
                       "masked_cross_entropy", "for a mask with no True")


@suite.check("behaviour.NextEventGRU", points=2, name="next_event_gru_shapes")
def next_event_gru_shapes(ctx):
    """embed, gru and out of the documented shapes, the documented parameter count, float32 logits (N, T, V)."""
    for v, e, h, n, t in ((6, 5, 7, 3, 4), (2, 1, 3, 1, 1)):
        with ctx.case(f"NextEventGRU({v}, {e}, {h}) on a batch of shape ({n}, {t})"):
            x = ctx.rng.integers(0, v, (n, t))
            shapes, dtype, logits = compare.sequence(drive(ctx, "gru_facts", v, e, h, x), "the model", 3)
            expected = {"embed.weight": [v, e], "gru.weight_ih_l0": [3 * h, e], "gru.weight_hh_l0": [3 * h, h],
                        "gru.bias_ih_l0": [3 * h], "gru.bias_hh_l0": [3 * h], "out.weight": [v, h], "out.bias": [v]}
            for name, shape in expected.items():
                if shapes.get(name) != shape:
                    ctx.fail(f"NextEventGRU({v}, {e}, {h}) has {name} of shape {shapes.get(name)}; expected {shape}")
            count = sum(int(np.prod(s)) for s in shapes.values())
            if count != gru_parameter_count(v, e, h):
                extra = sorted(set(shapes) - set(expected))
                ctx.fail(f"NextEventGRU({v}, {e}, {h}) has {count} parameters; the docstring's count is "
                         f"{gru_parameter_count(v, e, h)}" + (f" (unexpected: {', '.join(extra)})" if extra else ""))
            if dtype != "float32":
                ctx.fail(f"NextEventGRU({v}, {e}, {h})(x) returned {dtype} logits; expected float32")
            compare.array(logits, f"NextEventGRU({v}, {e}, {h})(x) for x of shape {x.shape}", (n, t, v))


@suite.check("behaviour.NextEventGRU", points=2, name="next_event_gru_causal")
def next_event_gru_causal(ctx):
    """The logits of session n at step t depend on its events 0..t only: changing later steps or other
    sessions changes nothing there (one direction, batch_first=True, zero initial state)."""
    v, n, t = EVENTS, 4, 9
    x = ctx.rng.integers(0, v, (n, t))
    cut = int(ctx.rng.integers(2, t - 2))
    later, other = x.copy(), x.copy()
    later[:, cut + 1:] = (x[:, cut + 1:] + 1 + ctx.rng.integers(0, v - 1, (n, t - cut - 1))) % v
    other[1:] = (x[1:] + 1) % v
    outs, _ = compare.sequence(drive(ctx, "gru_logits", v, 8, 12, [x, later, other], int(ctx.rng.integers(2**31))),
                               "the model", 2)
    base, after_later, after_other = (compare.array(o, f"NextEventGRU({v}, 8, 12)(x)", (n, t, v)) for o in outs)
    with ctx.case(f"the events after step {cut} changed"):
        if not unchanged(after_later[:, :cut + 1], base[:, :cut + 1]):
            ctx.fail(f"changing the events after step {cut} changed the logits at steps 0..{cut}; the GRU must read "
                     "each session forwards only (one direction, batch_first=True for x of shape (N, T))")
        if unchanged(after_later[:, cut + 1:], base[:, cut + 1:]):
            ctx.fail(f"changing the events after step {cut} left the logits there unchanged; they must depend on x")
    with ctx.case("the other sessions of the batch changed"):
        if not unchanged(after_other[0], base[0]):
            ctx.fail("changing sessions 1..3 of the batch changed the logits of session 0; each session must be read "
                     "on its own (batch_first=True for x of shape (N, T))")
