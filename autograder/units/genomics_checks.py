"""Unit 10, genomics (genomics.py): the public checks.

One-hot DNA (shape, dtype, one column per base, N as 0.25 each, the errors the docstrings name),
the batch layout for nn.Conv1d against the student's own one_hot, and the shapes of MotifCNN.
The answer key of one_hot and the training outcome (AUC and filter alignment on generated
sequences with a planted motif) are in autograder/keys/unit10_genomics.py.
"""
from __future__ import annotations

import numpy as np

from .. import drivers
from ..checks import compare
from .unit10_transfer import suite

BASES = "ACGT"
suite.drivers.update(drivers.load("genomics"))
suite.builds_on.update({"genomics.one_hot_batch": ("genomics.one_hot",)})


def random_sequence(rng, length, alphabet=BASES):
    """A random string over ``alphabet`` that contains every letter of it (length >= len(alphabet))."""
    letters = list(alphabet) + list(rng.choice(list(alphabet), length - len(alphabet)))
    rng.shuffle(letters)
    return "".join(letters)


def float32_array(value, name, shape):
    if type(value) is not np.ndarray or value.dtype != np.float32:
        from ..context import CheckFailure
        raise CheckFailure(f"{name} should be a float32 numpy array, but it is {compare.describe(value)}")
    return compare.array(value, name, shape)


def raises_value_error(ctx, fn, name, cases: dict):
    for label, arg in cases.items():
        with ctx.case(f"{label} raises ValueError", trivial=True):
            compare.raises(lambda: fn(arg), ("ValueError",), name, f"for {label}")


def one_hot_rows(ctx, arr, seq, call):
    """Every row one-hot; the same base always in the same column, different bases in different ones."""
    if not (np.all((arr == 0) | (arr == 1)) and np.all(arr.sum(axis=1) == 1)):
        ctx.fail(f"every row of {call} must hold a single 1 and three 0s for a sequence of A, C, G, T")
    columns = {}
    for base, row in zip(seq, arr):
        columns.setdefault(base, set()).add(int(np.argmax(row)))
    if any(len(c) != 1 for c in columns.values()) or len({min(c) for c in columns.values()}) != len(columns):
        ctx.fail(f"{call}: each base must have its own column, the same at every position")


@suite.check("genomics.one_hot", points=2, name="one_hot_layout")
def one_hot_layout(ctx):
    """Shape (L, 4), float32, one-hot rows with one column per base; N as 0.25 each; the errors."""
    oh = ctx.student.genomics.one_hot
    seq = random_sequence(ctx.rng, 20)
    with ctx.case("a sequence of A, C, G, T"):
        call = f"one_hot({seq!r})"
        one_hot_rows(ctx, float32_array(oh(seq), call, (len(seq), 4)), seq, call)
    with ctx.case("N encoded as [0.25, 0.25, 0.25, 0.25]"):
        got = float32_array(oh("ANNT"), "one_hot('ANNT')", (4, 4))
        if not np.array_equal(got[1:3], np.full((2, 4), 0.25)):
            ctx.fail("one_hot('ANNT'): the rows of N must be [0.25, 0.25, 0.25, 0.25]", expected="0.25 each")
        one_hot_rows(ctx, got[[0, 3]], "AT", "one_hot('ANNT')")
    with ctx.case("the empty string gives shape (0, 4)", trivial=True):
        float32_array(oh(""), "one_hot('')", (0, 4))
    raises_value_error(ctx, oh, "one_hot", {"'ACGX'": "ACGX", "lowercase 'acgt'": "acgt", "a gap 'AC-G'": "AC-G"})


@suite.check("genomics.one_hot_batch", points=2, name="one_hot_batch_layout")
def one_hot_batch_layout(ctx):
    """(N, 4, L) float32, out[n] = your one_hot(sequences[n]).T; the errors."""
    g = ctx.student.genomics
    seqs = [random_sequence(ctx.rng, 12) for _ in range(4)] + ["ACGTNNACGTAC"]
    with ctx.case("five sequences of length 12"):
        got = float32_array(g.one_hot_batch(seqs), "one_hot_batch(sequences)", (5, 4, 12))
        for n, seq in enumerate(seqs):
            own = compare.array(g.one_hot(seq), f"one_hot({seq!r})", (12, 4))
            if not np.array_equal(got[n], own.T):
                ctx.fail(f"one_hot_batch(sequences)[{n}] must be one_hot(sequences[{n}]) transposed to (4, L)")
        one_hot_rows(ctx, got[0].T, seqs[0], "one_hot_batch(sequences)[0] transposed")
    raises_value_error(ctx, g.one_hot_batch, "one_hot_batch",
                       {"an empty list": [], "lengths 3 and 4": ["ACG", "ACGT"], "a letter X": ["ACGX"]})


@suite.check("genomics.MotifCNN", points=2, name="motif_cnn_shapes")
def motif_cnn_shapes(ctx):
    """conv.weight of shape (num_filters, 4, width); forward maps (N, 4, L) to (N,) logits."""
    for filters, width, length, n in ((5, 7, 20, 3), (2, 3, 3, 1)):
        with ctx.case(f"MotifCNN({filters}, {width}) on a batch (N={n}, 4, L={length})"):
            x = ctx.rng.random((n, 4, length)).astype(np.float32)
            shape, out = compare.sequence(ctx.student.driver("genomics", "motif_cnn_shapes")(filters, width, x),
                                          "the model", 2)
            if tuple(shape) != (filters, 4, width):
                ctx.fail(f"MotifCNN({filters}, {width}).conv.weight has shape {tuple(shape)}; "
                         f"expected ({filters}, 4, {width}) from nn.Conv1d(4, {filters}, {width})")
            compare.array(out, f"MotifCNN({filters}, {width})(x) for x of shape {x.shape}", (n,))
