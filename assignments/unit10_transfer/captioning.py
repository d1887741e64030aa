"""Unit 10: video captioning in miniature -- a pretrained frame encoder, temporal pooling and a
GRU decoder trained with teacher forcing, then greedy decoding.

A clip is a float32 tensor (N, T, 3, 8, 8): T RGB frames of a coloured shape moving across the
picture; its caption is "a red square moves left" as token ids of a small vocabulary in which
PAD = 0 (<pad>), BOS = 1 (<bos>, "begin") and EOS = 2 (<eos>, "end") are special.

The pipeline (Venugopalan et al., "Sequence to Sequence -- Video to Text", ICCV 2015, in miniature):
  1. frame_features: every frame through the pretrained backbone's convolutions (backbone.py),
     keeping a coarse 2 x 2 grid of where things are;
  2. temporal_pool: one vector per clip. The mean over frames alone would lose the direction of
     motion (a shape moving left and one moving right pass through the same places), so the
     change from the first to the last frame is kept beside it;
  3. CaptionDecoder: a GRU whose first hidden state comes from the pooled vector. In training it
     reads the ground-truth caption shifted by one (<bos>, w1, w2, ...) and predicts the next word
     at every step: teacher forcing. caption_loss scores those predictions, ignoring <pad>;
  4. greedy_decode: at test time there is no ground truth: feed <bos>, take the most likely word,
     feed it back, until <eos> or a maximum length.

To try your code: `from autograder.pretrained import clips, shapes`; `clips.make(8, rng)` makes
(videos, captions) as numpy arrays and `clips.VOCAB` lists the words; `shapes.load_weights()` with
backbone.load_pretrained gives the backbone.
"""
import torch
import torch.nn.functional as F
from torch import nn

PAD, BOS, EOS = 0, 1, 2
GRID = 2  # frame_features keeps a GRID x GRID grid of positions


def frame_features(backbone, videos):
    """Encode every frame with the pretrained backbone, keeping a coarse map of positions.

    Each colour channel of each frame is a grayscale 8 x 8 image for the backbone (it was
    pretrained on grayscale): run it through backbone.features[:-2] (the convolutions, batch norms
    and ReLUs before the global average pooling) to get (16, 8, 8) feature maps, average-pool those
    to a GRID x GRID grid (F.adaptive_avg_pool2d(maps, GRID)) so that where the shape is survives,
    and concatenate: per frame, the (3, 16, GRID, GRID) values flattened in that order.

    Args:
        backbone: a pretrained ShapeNet (backbone.py), in eval mode; it is not trained here.
        videos: float32 tensor (N, T, 3, 8, 8).

    Returns:
        float32 tensor (N, T, 3 * 16 * GRID * GRID) = (N, T, 192) that does not require grad
        (computed under torch.no_grad()); the backbone stays in eval mode.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def temporal_pool(features):
    """One vector per clip: the mean over frames, then the last frame minus the first.

    out[n] = concatenate(mean over t of features[n, t], features[n, T-1] - features[n, 0]).
    The difference keeps the direction of motion, which the mean loses.

    Args:
        features: float tensor (N, T, D) with T >= 1.

    Returns:
        tensor (N, 2 * D) of the same dtype.
    """
    # YOUR CODE HERE
    raise NotImplementedError


class CaptionDecoder(nn.Module):
    """A GRU language model conditioned on a clip.

        self.init = nn.Linear(input_size, hidden_size)     state h0 = tanh(self.init(pooled))
        self.embed = nn.Embedding(vocab_size, embed_size)
        a GRU (nn.GRU with batch_first=True, or nn.GRUCell) from embed_size to hidden_size
        self.out = nn.Linear(hidden_size, vocab_size)      logits of the next token
    created in this order, with no other nn.Linear (the grader reads init's and out's weights).

    Args (constructor):
        input_size: int, the size D2 of a pooled clip vector.
        vocab_size: int, the number V of tokens.
        hidden_size: int, default 32.
        embed_size: int, default 16.

    start(pooled): pooled float32 (N, D2) -> state: the hidden state h0, float32 (N, hidden_size).
    step(tokens, state): tokens int64 (N,), state (N, hidden_size) ->
        (logits float32 (N, V) for the next token, the new state (N, hidden_size)): one GRU step
        reading the embedding of `tokens`, then self.out.
    forward(pooled, inputs): teacher forcing. inputs int64 (N, L): the ground-truth captions
        shifted right (<bos>, w1, ..., w_{L-1}). Returns float32 logits (N, L, V) where
        logits[:, t] is what step() gives at step t when it is fed inputs[:, t] (so it depends on
        inputs[:, :t+1] only, never on the model's own predictions).
    """

    def __init__(self, input_size, vocab_size, hidden_size=32, embed_size=16):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError

    def start(self, pooled):
        # YOUR CODE HERE
        raise NotImplementedError

    def step(self, tokens, state):
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, pooled, inputs):
        # YOUR CODE HERE
        raise NotImplementedError


def caption_loss(logits, targets):
    """Mean cross-entropy over the real tokens of a batch of captions; <pad> positions are ignored.

    loss = sum over (n, t) with targets[n, t] != PAD of -log softmax(logits[n, t])[targets[n, t]],
    divided by the number of such (n, t). Logits at <pad> positions do not affect the loss.

    Args:
        logits: float tensor (N, L, V).
        targets: int64 tensor (N, L) of token ids (the captions shifted left: w1, ..., <eos>, <pad>...).

    Returns:
        a scalar tensor of the logits' dtype (differentiable).

    Raises:
        ValueError: if every target is PAD (there is nothing to average).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def greedy_decode(decoder, pooled, max_len):
    """Caption clips greedily: feed <bos>, then each step's most likely token, until <eos>.

    state = decoder.start(pooled); the first tokens fed to decoder.step are BOS; each later step
    is fed the argmax of the previous step's logits. A caption ends at its first EOS (which is not
    part of it) or after max_len tokens. Stop calling decoder.step as soon as every caption has
    ended (and never call it more than max_len times). Run under torch.no_grad().

    Args:
        decoder: an object with start(pooled) -> state and step(tokens, state) -> (logits, state),
            such as a CaptionDecoder.
        pooled: float32 tensor (N, D2).
        max_len: int >= 1.

    Returns:
        a list of N lists of Python ints: the token ids of each caption, without BOS and EOS.
    """
    # YOUR CODE HERE
    raise NotImplementedError
