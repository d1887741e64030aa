"""Unit 10, video captioning (captioning.py): the public checks.

frame_features' layout (shape, no gradient, the backbone untouched, each frame encoded on its
own); temporal_pool and caption_loss against the formulas their docstrings state; CaptionDecoder's
parameter count, start and step against its own layers, and teacher forcing (forward equals
stepping through the ground-truth tokens; logits at step t depend on the first t + 1 inputs only);
greedy_decode driving a scripted decoder whose every output is known. The frame features' values
and the training outcome (exact match and BLEU-1 on held-out clips) are instructor-only:
autograder/keys/unit10_captioning.py.
"""
from __future__ import annotations

import numpy as np

from .. import drivers
from ..checks import compare, modules
from ..checks.tolerances import FLOAT32, STRICT
from ..context import CheckFailure
from ..pretrained import clips
from ..sandbox.wire import Tensor
from .unit10_transfer import BACKBONE, WEIGHTS, bit_identical, drive, suite, tool

suite.drivers.update(drivers.load("captioning", modules.PROBE))
T = modules.as_tensor
GRID_FEATURES = 3 * 16 * 2 * 2  # frame_features: 3 colours x 16 feature maps x a 2 x 2 grid
VOCAB = len(clips.VOCAB)


def captioning_driver(ctx, fn, *args):
    return ctx.student.driver("captioning", fn)(*args)


def pretrained_backbone(ctx):
    """The pretrained ShapeNet built by trusted code, in eval mode (a handle)."""
    model = drive(ctx, "new_model")
    tool(ctx, "load_state", model, WEIGHTS)
    captioning_driver(ctx, "eval_mode", model)
    return model


def features_of(ctx, backbone, videos, call):
    got = ctx.student.captioning.frame_features(backbone, T(videos))
    if type(got) is not Tensor or got.requires_grad:
        ctx.fail(f"{call} should return a tensor that does not require grad, not {compare.describe(got)}"
                 + (" requiring grad" if type(got) is Tensor else ""))
    return modules.tensor(got, call, videos.shape[:2] + (GRID_FEATURES,), "float32")


@suite.check("captioning.frame_features", points=2, name="frame_features_layout")
def frame_features_layout(ctx):
    """(N, T, 192) float32 without grad; the backbone stays as it was; each frame encoded on its own."""
    backbone = pretrained_backbone(ctx)
    videos, _ = clips.make(3, ctx.rng)
    call = "frame_features(backbone, videos) for videos of shape (3, 5, 3, 8, 8)"
    base = features_of(ctx, backbone, videos, call)
    with ctx.case("the backbone keeps its weights, statistics and eval mode", trivial=True):
        bit_identical(ctx, tool(ctx, "state", backbone), BACKBONE, "frame_features")
        if any(drive(ctx, "training_flags", backbone).values()):
            ctx.fail("frame_features left the backbone (or a part of it) in training mode; keep it in eval mode")
    with ctx.case("changing one frame changes its own features only"):
        n, t = int(ctx.rng.integers(3)), int(ctx.rng.integers(clips.FRAMES))
        changed = videos.copy()
        changed[n, t] = clips.make(1, ctx.rng)[0][0, t]
        moved = np.any(features_of(ctx, backbone, changed, call) != base, axis=2)
        if not moved[n, t] or moved.sum() != 1:
            ctx.fail(f"after changing frame {t} of clip {n} only, frame_features changed the features of "
                     f"{int(moved.sum())} frames{'' if moved[n, t] else ', not that one'}: every frame is encoded "
                     "on its own")


@suite.check("captioning.temporal_pool", points=2, name="temporal_pool_formula")
def temporal_pool_formula(ctx):
    """concatenate(mean over frames, last frame - first frame), float64 kept; one frame and many."""
    for n, frames, dim in ((4, 5, 6), (2, 1, 3)):
        features = ctx.rng.standard_normal((n, frames, dim))
        with ctx.case(f"features of shape {features.shape} (float64)"):
            got = modules.tensor(ctx.student.captioning.temporal_pool(T(features)),
                                 f"temporal_pool(features of shape {features.shape})", (n, 2 * dim), "float64")
            expected = np.concatenate([features.mean(axis=1), features[:, -1] - features[:, 0]], axis=1)
            compare.close(got, expected, f"temporal_pool(features of shape {features.shape})", STRICT)


# ---------------------------------------------------------------- the decoder
def decoder_parameters(input_size, vocab, hidden, embed):
    """init Linear + Embedding + one GRU layer (two weight matrices, two biases) + out Linear."""
    gru = 3 * hidden * (embed + hidden) + 6 * hidden
    return hidden * input_size + hidden + vocab * embed + gru + vocab * hidden + vocab


def build_decoder(ctx, *args):
    modules.seed_torch(ctx)
    return modules.in_worker(lambda: ctx.student.captioning.CaptionDecoder(*args), "CaptionDecoder",
                             "building the module")


def tokens(ctx, shape):
    return ctx.rng.integers(0, VOCAB, shape).astype(np.int64)


def run_steps(ctx, decoder, pooled, inputs, hidden):
    """Logits (N, L, V) from start(pooled) and one step per column of ``inputs``, and the states
    (N, hidden) as float64 arrays; each state goes back to step() as it came."""
    step = ctx.student.method(decoder, "step")
    state = ctx.student.method(decoder, "start")(T(pooled))
    states = [modules.tensor(state, "CaptionDecoder.start(pooled)", (len(pooled), hidden), "float32")]
    logits = []
    for t in range(inputs.shape[1]):
        out, state = compare.sequence(step(T(inputs[:, t]), state), "CaptionDecoder.step(tokens, state)", 2)
        logits.append(modules.tensor(out, "the logits from CaptionDecoder.step", (len(pooled), VOCAB), "float32"))
        states.append(modules.tensor(state, "the state from CaptionDecoder.step", (len(pooled), hidden), "float32"))
    return np.stack(logits, axis=1), states


def forward(ctx, decoder, pooled, inputs):
    name = f"CaptionDecoder.forward(pooled, inputs of shape {inputs.shape})"
    return modules.tensor(ctx.student.method(decoder, "forward")(T(pooled), T(inputs)), name,
                          inputs.shape + (VOCAB,), "float32")


@suite.check("captioning.CaptionDecoder", points=2, name="caption_decoder_layers")
def caption_decoder_layers(ctx):
    """Parameter count; start = tanh(init(pooled)); step's logits = out(its new state); the defaults."""
    size, hidden, embed, n = 10, 12, 5, 4
    decoder = build_decoder(ctx, size, VOCAB, hidden, embed)
    with ctx.case(f"CaptionDecoder({size}, {VOCAB}, hidden_size={hidden}, embed_size={embed})"):
        compare.equal(tool(ctx, "count_parameters", decoder), decoder_parameters(size, VOCAB, hidden, embed),
                      "the number of parameters of CaptionDecoder (init, embed, a one-layer GRU, out)")
    pooled = ctx.rng.standard_normal((n, size)).astype(np.float32)
    with ctx.case("start(pooled) = tanh(self.init(pooled)); step's logits = self.out(new state)"):
        init, out = modules.linear_stack(ctx, decoder, [(hidden, size), (VOCAB, hidden)],
                                         "CaptionDecoder's nn.Linear layers (init, out)")
        logits, (h0, h1) = run_steps(ctx, decoder, pooled, tokens(ctx, (n, 1)), hidden)
        compare.close(h0, np.tanh(pooled @ init[0].T + init[1]), "CaptionDecoder.start(pooled)", FLOAT32)
        compare.close(logits[:, 0], h1 @ out[0].T + out[1], "the logits of CaptionDecoder.step (self.out of the "
                      "state it returns)", FLOAT32)
    with ctx.case("the defaults hidden_size=32, embed_size=16", trivial=True):
        compare.equal(tool(ctx, "count_parameters", build_decoder(ctx, size, VOCAB)),
                      decoder_parameters(size, VOCAB, 32, 16), f"the number of parameters of CaptionDecoder({size}, "
                      f"{VOCAB})")


@suite.check("captioning.CaptionDecoder", points=3, name="caption_decoder_teacher_forcing")
def caption_decoder_teacher_forcing(ctx):
    """forward(pooled, inputs)[:, t] = step's logits fed inputs[:, t]; it depends on inputs[:, :t+1] only."""
    size, hidden, n, length = 8, 32, 5, clips.LENGTH
    decoder = build_decoder(ctx, size, VOCAB)
    pooled = ctx.rng.standard_normal((n, size)).astype(np.float32)
    inputs = tokens(ctx, (n, length))
    inputs[:, 0] = clips.BOS
    logits = forward(ctx, decoder, pooled, inputs)
    with ctx.case("forward equals start and one step per ground-truth token"):
        stepped, _ = run_steps(ctx, decoder, pooled, inputs, hidden)
        compare.close(logits, stepped, "CaptionDecoder.forward(pooled, inputs) against step() fed inputs[:, t] at "
                      "step t", FLOAT32)
    with ctx.case("logits at step t depend on inputs[:, :t+1] only"):
        k = int(ctx.rng.integers(1, length - 1))
        changed = inputs.copy()
        changed[:, k] = (inputs[:, k] + ctx.rng.integers(1, VOCAB, n)) % VOCAB
        again = forward(ctx, decoder, pooled, changed)
        if not np.array_equal(again[:, :k], logits[:, :k]):
            ctx.fail(f"changing inputs[:, {k}] changed the logits at steps before {k}: the prediction at step t may "
                     "only see the tokens up to t")
        if np.any(np.all(again[:, k] == logits[:, k], axis=1)):
            ctx.fail(f"changing inputs[:, {k}] left the logits at step {k} unchanged: with teacher forcing, step t "
                     "reads the ground-truth token inputs[:, t], not the model's own prediction")


# ---------------------------------------------------------------- the loss
def key_caption_loss(logits, targets):
    shifted = logits - logits.max(axis=2, keepdims=True)
    nll = np.log(np.exp(shifted).sum(axis=2)) - np.take_along_axis(shifted, targets[..., None], 2)[..., 0]
    mask = targets != clips.PAD
    return float(nll[mask].sum() / mask.sum()), mask


def padded_targets(ctx, n, length):
    """Random non-pad tokens, row n padded after a random length (one row full, one of length 1)."""
    targets = ctx.rng.integers(clips.PAD + 1, VOCAB, (n, length)).astype(np.int64)
    lengths = np.concatenate([[length, 1], ctx.rng.integers(1, length, n - 2)])
    targets[np.arange(length)[None, :] >= ctx.rng.permutation(lengths)[:, None]] = clips.PAD
    return targets


@suite.check("captioning.caption_loss", points=3, name="caption_loss_ignores_pad")
def caption_loss_ignores_pad(ctx):
    """Mean cross-entropy over non-pad targets; pad logits do not matter; the gradient; all pad raises."""
    fn, n, length = ctx.student.captioning.caption_loss, 5, 6
    logits, targets = 3 * ctx.rng.standard_normal((n, length, VOCAB)), padded_targets(ctx, n, length)
    expected, mask = key_caption_loss(logits, targets)
    name = "caption_loss(logits, targets) (float64, some targets <pad>)"
    with ctx.case("the mean over the non-pad targets"):
        compare.close_scalar(modules.tensor(fn(T(logits), T(targets)), name, (), "float64"), expected, name, STRICT)
    with ctx.case("logits at <pad> positions change nothing"):
        noisy = logits + np.where(mask[..., None], 0.0, 50 * ctx.rng.standard_normal(logits.shape))
        compare.close_scalar(modules.tensor(fn(T(noisy), T(targets)), name, (), "float64"), expected,
                             "caption_loss after changing only the logits at <pad> positions", STRICT)
    with ctx.case("autograd gradient: zero at <pad> positions"):
        _, (grad,) = modules.vjp(ctx, "captioning.caption_loss", (T(logits, True), T(targets)), np.array(1.0))
        softmax = np.exp(logits - logits.max(axis=2, keepdims=True))
        softmax /= softmax.sum(axis=2, keepdims=True)
        compare.close(grad, (softmax - np.eye(VOCAB)[targets]) * mask[..., None] / mask.sum(),
                      "the gradient of caption_loss in the logits", STRICT)
    with ctx.case("every target <pad> raises ValueError", trivial=True):
        compare.raises(lambda: fn(T(logits), T(np.zeros_like(targets))), ("ValueError",), "caption_loss",
                       "when every target is <pad>")


# ---------------------------------------------------------------- greedy decoding
def scripted_logits(ctx, script):
    """Logits (N, S, V) whose argmax at (n, t) is script[n, t], by a margin of at least 1."""
    logits = ctx.rng.uniform(-2, 2, script.shape + (VOCAB,))
    np.put_along_axis(logits, script[..., None], 4.0, axis=2)
    return logits.astype(np.float32)


def script_ending(ctx, ends, max_len):
    """Token scripts (N, S): row n first emits <eos> at step ends[n] (None: never); random non-special
    tokens elsewhere, and more <eos> after the first. S leaves room for steps a wrong decoder takes."""
    length = max([max_len] + [e for e in ends if e is not None]) + 2
    script = ctx.rng.integers(clips.EOS + 1, VOCAB, (len(ends), length)).astype(np.int64)
    for row, end in zip(script, ends):
        if end is not None:
            row[end] = clips.EOS
            row[end + 1::2] = clips.EOS
    return script


def expected_captions(script, max_len):
    out = []
    for row in script[:, :max_len].tolist():
        out.append(row[:row.index(clips.EOS)] if clips.EOS in row else row)
    return out


def token_lists(value, n, name):
    if type(value) is not list or len(value) != n or any(type(c) is not list for c in value):
        raise CheckFailure(f"{name} should return a list of {n} lists, not {compare.describe(value)}")
    if any(type(t) is not int for c in value for t in c):
        raise CheckFailure(f"{name} should return token ids as Python ints (e.g. tensor.tolist()), not "
                           f"{compare.describe(next(t for c in value for t in c if type(t) is not int))}")
    return value


def fed_as_greedy(ctx, log, script, max_len, call):
    """Each step call fed BOS first, then (to a caption not yet ended) the previous step's argmax, under
    no_grad, at most max_len times."""
    for number, entry in enumerate(log, 1):
        if entry["grad"]:
            ctx.fail(f"{call}: decoder.step ran with gradients enabled; decode under torch.no_grad()")
        if entry["dtype"] != "torch.int64":
            ctx.fail(f"{call}: decoder.step was fed tokens of dtype {entry['dtype']}; token ids are torch.int64")
        for row, t, token in zip(entry["rows"], entry["steps"], entry["tokens"]):
            if t >= max_len:
                ctx.fail(f"{call}: decoder.step was called {t + 1} times for clip {row}; max_len is {max_len}")
            want = clips.BOS if t == 0 else int(script[row, t - 1])
            if token != want and clips.EOS not in script[row, :t]:
                what = "BOS" if t == 0 else "the argmax of the previous step's logits"
                ctx.fail(f"{call}: call {number} of decoder.step fed clip {row} the token {token}; it must be fed "
                         f"{what}")


@suite.check("captioning.greedy_decode", points=4, name="greedy_decode_scripted")
def greedy_decode_scripted(ctx):
    """A scripted decoder: the captions stop at the first EOS or max_len; the argmax fed back; no extra steps."""
    cases = (("clips ending at steps 0, 2 and 4, one never, one at the last step", 6, (0, 2, 4, None, 5)),
             ("every clip ending by step 3 (max_len 9: stop early)", 9, (3, 1, 2)),
             ("max_len 2, no clip ending in time", 2, (None, 4, 2)))
    for label, max_len, ends in cases:
        with ctx.case(label):
            script = script_ending(ctx, ends, max_len)
            decoder = captioning_driver(ctx, "scripted_decoder", scripted_logits(ctx, script))
            pooled = ctx.rng.standard_normal((len(ends), 4)).astype(np.float32)
            call = f"greedy_decode(decoder, pooled, max_len={max_len})"
            got = token_lists(ctx.student.captioning.greedy_decode(decoder, T(pooled), max_len), len(ends), call)
            log = captioning_driver(ctx, "scripted_log", decoder)
            fed_as_greedy(ctx, log, script, max_len, call)
            want = expected_captions(script, max_len)
            for n, (caption, expected) in enumerate(zip(got, want)):
                if caption != expected:
                    ctx.fail(f"{call}: caption {n} has {len(caption)} tokens{' ' + str(caption) if caption else ''}; "
                             "it should be the argmax tokens up to (without) the first EOS, at most max_len",
                             expected=f"; expected {expected}")
            steps = min(max_len, max(max_len if e is None else e + 1 for e in ends))
            if len(log) != steps:
                ctx.fail(f"{call} called decoder.step {len(log)} times; every caption had ended after {steps}: "
                         "stop as soon as all have")
