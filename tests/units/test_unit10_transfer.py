"""Unit 10 graded both ways, and the committed pretrained backbone checked."""
import numpy as np
import torch

from autograder.pretrained import shapes
from reference.unit10_transfer.backbone import ShapeNet

from ..support import grade, make_submission, reference_def, scores_under_ids
from .unit_contract import *  # noqa: F401,F403
from .unit_contract import SUBMISSION_IDS

UNIT = "unit10_transfer"

MUTANTS = {
    "load_pretrained not strict": ("backbone.load_pretrained", """
        def load_pretrained(weights):
            model = ShapeNet()
            model.load_state_dict({k: torch.as_tensor(v) for k, v in weights.items()}, strict=False)
            return model.eval()
    """),
    "load_pretrained copies parameters only, not batch-norm buffers": ("backbone.load_pretrained", """
        def load_pretrained(weights):
            model = ShapeNet()
            with torch.no_grad():
                for name, p in model.named_parameters():
                    p.copy_(torch.as_tensor(weights[name]))
            return model.eval()
    """),
    "replace_head keeps the old head's rows": ("backbone.replace_head", """
        def replace_head(model, num_classes):
            old = model.head
            model.head = nn.Linear(FEATURE_DIM, num_classes)
            k = min(num_classes, old.out_features)
            with torch.no_grad():
                model.head.weight[:k] = old.weight[:k]
                model.head.bias[:k] = old.bias[:k]
            return model
    """),
    "replace_head returns a modified copy": ("backbone.replace_head", """
        def replace_head(model, num_classes):
            import copy
            model = copy.deepcopy(model)
            model.head = nn.Linear(FEATURE_DIM, num_classes)
            return model
    """),
    "freeze_backbone freezes the head too": ("backbone.freeze_backbone", """
        def freeze_backbone(model):
            for p in model.parameters():
                p.requires_grad_(False)
            return model
    """),
    "freeze_backbone freezes the convolutions only": ("backbone.freeze_backbone", """
        def freeze_backbone(model):
            for m in model.features:
                if isinstance(m, nn.Conv2d):
                    m.requires_grad_(False)
            model.head.requires_grad_(True)
            return model
    """),
    "count_trainable_parameters ignores requires_grad": ("backbone.count_trainable_parameters", """
        def count_trainable_parameters(model):
            return sum(p.numel() for p in model.parameters())
    """),
    "set_train_mode does not freeze batch norm": ("finetune.set_train_mode", """
        def set_train_mode(model, freeze_bn=True):
            return model.train()
    """),
    "set_train_mode with freeze_bn=False by default": ("finetune.set_train_mode", """
        def set_train_mode(model, freeze_bn=False):
            model.train()
            for m in model.modules():
                if freeze_bn and isinstance(m, nn.BatchNorm2d):
                    m.eval()
            return model
    """),
    "make_optimizer with the rates swapped": ("finetune.make_optimizer", """
        def make_optimizer(model, backbone_lr, head_lr):
            return torch.optim.SGD([{"params": list(model.features.parameters()), "lr": head_lr},
                                    {"params": list(model.head.parameters()), "lr": backbone_lr}])
    """),
    "make_optimizer with momentum": ("finetune.make_optimizer", """
        def make_optimizer(model, backbone_lr, head_lr):
            return torch.optim.SGD([{"params": list(model.features.parameters()), "lr": backbone_lr},
                                    {"params": list(model.head.parameters()), "lr": head_lr}], momentum=0.9)
    """),
    "train_step never clears gradients": ("finetune.train_step", """
        def train_step(model, optimizer, x, y, freeze_bn=True):
            set_train_mode(model, freeze_bn)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            return float(loss)
    """),
    "train_step sums the loss over the batch": ("finetune.train_step", """
        def train_step(model, optimizer, x, y, freeze_bn=True):
            set_train_mode(model, freeze_bn)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y, reduction="sum")
            loss.backward()
            optimizer.step()
            return float(loss)
    """),
    "train_step always freezes batch norm": ("finetune.train_step", """
        def train_step(model, optimizer, x, y, freeze_bn=True):
            set_train_mode(model, True)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            return float(loss)
    """),
    "extract_features in training mode": ("finetune.extract_features", """
        def extract_features(model, x):
            with torch.no_grad():
                return model.features(x)
    """),
    "predict in training mode": ("finetune.predict", """
        def predict(model, x):
            with torch.no_grad():
                return model(x).argmax(dim=1)
    """),
    "fine-tuning with one learning rate": ("recipes.setup_transfer", """
        def setup_transfer(weights, num_classes, mode, lr):
            if mode not in MODES:
                raise ValueError(mode)
            if mode == "scratch":
                model = ShapeNet(num_classes)
                return model, make_optimizer(model, lr, lr)
            model = replace_head(load_pretrained(weights), num_classes)
            if mode == "feature_extraction":
                return freeze_backbone(model), make_optimizer(model, 0.0, lr)
            return model, make_optimizer(model, lr, lr)
    """),
    "scratch starts from the pretrained weights": ("recipes.setup_transfer", """
        def setup_transfer(weights, num_classes, mode, lr):
            if mode not in MODES:
                raise ValueError(mode)
            model = replace_head(load_pretrained(weights), num_classes)
            if mode == "feature_extraction":
                return freeze_backbone(model), make_optimizer(model, 0.0, lr)
            return model, make_optimizer(model, lr if mode == "scratch" else lr / 10, lr)
    """),
}

ALTERNATIVES = {
    "load_pretrained by copying into parameters and buffers": ("backbone.load_pretrained", """
        def load_pretrained(weights):
            model = ShapeNet()
            own = model.state_dict()
            if set(own) != set(weights):
                raise KeyError(sorted(set(own) ^ set(weights)))
            with torch.no_grad():
                for name, tensor in own.items():
                    tensor.copy_(torch.as_tensor(weights[name]))
            model.train(False)
            return model
    """),
    "set_train_mode listing batch-norm classes": ("finetune.set_train_mode", """
        def set_train_mode(model, freeze_bn=True):
            for m in model.modules():
                frozen = freeze_bn and isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d))
                m.training = not frozen
            return model
    """),
    "train_step with log-softmax and zeroed (not None) gradients": ("finetune.train_step", """
        def train_step(model, optimizer, x, y, freeze_bn=True):
            set_train_mode(model, freeze_bn)
            optimizer.zero_grad(set_to_none=False)
            logp = model(x).log_softmax(dim=1)
            loss = -logp[torch.arange(len(y)), y].mean()
            loss.backward()
            optimizer.step()
            return loss.item()
    """),
    "extract_features in inference mode, cloned": ("finetune.extract_features", """
        def extract_features(model, x):
            model.train(False)
            with torch.inference_mode():
                out = model.features(x)
            return out.clone()
    """),
}


def test_committed_backbone_is_small_and_pretrained():
    assert shapes.WEIGHTS.stat().st_size < 64_000
    model = ShapeNet()
    model.load_state_dict({k: torch.as_tensor(v) for k, v in shapes.load_weights().items()})
    x, y = shapes.images(shapes.SOURCE, 50, np.random.default_rng(7))
    with torch.no_grad():
        accuracy = (model.eval()(torch.as_tensor(x)).argmax(1).numpy() == y).mean()
    assert accuracy > 0.93


# one mutant per named mistake (autograder/checks/misconceptions.py) that applies to this unit
MISCONCEPTIONS = {
    "train_step sums the loss over the batch": ("finetune.train_step", """
        def train_step(model, optimizer, x, y, freeze_bn=True):
            set_train_mode(model, freeze_bn)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y, reduction="sum")
            loss.backward()
            optimizer.step()
            return float(loss.detach())
    """, "N (the batch size) times too large", ["train_step_frozen_backbone"]),
}


NARROWING = {
    "load_pretrained ignores unexpected keys": ("backbone.load_pretrained", """
        def load_pretrained(weights):
            model = ShapeNet(SOURCE_CLASSES)
            known = model.state_dict()
            model.load_state_dict({k: torch.as_tensor(v) for k, v in weights.items() if k in known})
            return model.eval()
    """),
    "replace_head caps the head at 4 classes": ("backbone.replace_head", """
        def replace_head(model, num_classes):
            model.head = nn.Linear(FEATURE_DIM, min(num_classes, SOURCE_CLASSES))
            return model
    """),
    "count_trainable_parameters always counts the whole head": ("backbone.count_trainable_parameters", """
        def count_trainable_parameters(model):
            head = sum(p.numel() for p in model.head.parameters())
            return int(head + sum(p.numel() for p in model.features.parameters() if p.requires_grad))
    """),
    "set_train_mode always freezes batch norm": ("finetune.set_train_mode", """
        def set_train_mode(model, freeze_bn=True):
            model.train()
            for module in model.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm):
                    module.eval()
            return model
    """),
    "make_optimizer leaves frozen parameters out": ("finetune.make_optimizer", """
        def make_optimizer(model, backbone_lr, head_lr):
            return torch.optim.SGD([{"params": [p for p in model.features.parameters() if p.requires_grad],
                                     "lr": backbone_lr},
                                    {"params": list(model.head.parameters()), "lr": head_lr}])
    """),
}


# ---------------------------------------------------------------- issue 16: recommendations (recommend.py)
# Kept to about 60 s (each grading starts a worker): one mutant per function, the loop alternative of
# mf_gradients, one narrowing variant.
MUTANTS.update({
    "predict without the item bias": ("recommend.predict", """
        def predict(params, users, items):
            users, items = np.asarray(users), np.asarray(items)
            if users.shape != items.shape:
                raise ValueError("shapes differ")
            return params["mu"] + params["bu"][users] + np.sum(params["P"][users] * params["Q"][items], axis=1)
    """),
    "mf_loss averages instead of summing": ("recommend.mf_loss", """
        def mf_loss(params, users, items, ratings, lam):
            if not (len(users) == len(items) == len(ratings)) or lam < 0:
                raise ValueError("bad arguments")
            error = np.asarray(ratings) - predict(params, users, items)
            return float(np.mean(error ** 2) + lam * sum(np.sum(params[k] ** 2) for k in TRAINED))
    """),
    "mf_gradients with fancy-index += (a repeated user counts once)": ("recommend.mf_gradients", """
        def mf_gradients(params, users, items, ratings, lam):
            if not (len(users) == len(items) == len(ratings)) or lam < 0:
                raise ValueError("bad arguments")
            users, items = np.asarray(users), np.asarray(items)
            e = np.asarray(ratings) - predict(params, users, items)
            g = {k: 2 * lam * np.asarray(params[k], float) for k in TRAINED}
            g["P"][users] += -2 * e[:, None] * params["Q"][items]
            g["Q"][items] += -2 * e[:, None] * params["P"][users]
            g["bu"][users] += -2 * e
            g["bi"][items] += -2 * e
            return g
    """),
    "sgd_step climbs the gradient": ("recommend.sgd_step", """
        def sgd_step(params, grads, lr):
            return {"mu": params["mu"], **{k: params[k] + lr * grads[k] for k in TRAINED}}
    """),
    "train_mf fits the biases only": ("recommend.train_mf", """
        def train_mf(users, items, ratings, n_users, n_items, rank, lam, lr, steps, seed):
            rng = np.random.default_rng(seed)
            params = {"mu": float(np.mean(ratings)), "P": rng.normal(0, 0.1, (n_users, rank)),
                      "Q": rng.normal(0, 0.1, (n_items, rank)), "bu": np.zeros(n_users), "bi": np.zeros(n_items)}
            for _ in range(steps):
                g = mf_gradients(params, users, items, ratings, lam)
                g["P"], g["Q"] = 0 * g["P"], 0 * g["Q"]
                params = sgd_step(params, g, lr)
            return params
    """),
    "recommend ignores what was seen": ("recommend.recommend", """
        def recommend(params, seen, k):
            seen = np.asarray(seen, bool)
            if np.any((~seen).sum(axis=1) < k):
                raise ValueError("too few unseen items")
            scores = params["mu"] + params["bu"][:, None] + params["bi"][None, :] + params["P"] @ params["Q"].T
            return np.argsort(-scores, axis=1)[:, :k]
    """),
})

ALTERNATIVES.update({
    "mf_gradients with a loop over ratings": ("recommend.mf_gradients", """
        def mf_gradients(params, users, items, ratings, lam):
            if not (len(users) == len(items) == len(ratings)):
                raise ValueError("lengths differ")
            if lam < 0:
                raise ValueError("negative lam")
            g = {k: 2.0 * lam * np.array(params[k], dtype=float) for k in TRAINED}
            for u, i, r in zip(users, items, ratings):
                e = r - (params["mu"] + params["bu"][u] + params["bi"][i] + params["P"][u] @ params["Q"][i])
                g["P"][u] -= 2 * e * params["Q"][i]
                g["Q"][i] -= 2 * e * params["P"][u]
                g["bu"][u] -= 2 * e
                g["bi"][i] -= 2 * e
            return g
    """),
})

NARROWING.update({
    "recommend returns what there is when k is too large": ("recommend.recommend", """
        def recommend(params, seen, k):
            seen = np.asarray(seen, bool)
            k = min(k, int((~seen).sum(axis=1).min()))
            scores = params["mu"] + params["bu"][:, None] + params["bi"][None, :] + params["P"] @ params["Q"].T
            return np.argsort(-np.where(seen, -np.inf, scores), axis=1, kind="stable")[:, :k]
    """),
})


# ---------------------------------------------------------------- issue 16: genomics (genomics.py)
MUTANTS.update({
    "one_hot with the columns in the order A, C, T, G": ("genomics.one_hot", """
        def one_hot(sequence):
            out = np.zeros((len(sequence), 4), dtype=np.float32)
            for i, base in enumerate(sequence):
                if base == "N":
                    out[i] = 0.25
                elif base in "ACTG":
                    out[i, "ACTG".index(base)] = 1.0
                else:
                    raise ValueError(base)
            return out
    """),
    "one_hot encodes N as zeros": ("genomics.one_hot", """
        def one_hot(sequence):
            out = np.zeros((len(sequence), 4), dtype=np.float32)
            for i, base in enumerate(sequence):
                if base in ALPHABET:
                    out[i, ALPHABET.index(base)] = 1.0
                elif base != "N":
                    raise ValueError(base)
            return out
    """),
    "one_hot returns float64": ("genomics.one_hot", """
        def one_hot(sequence):
            if set(sequence) - set("ACGTN"):
                raise ValueError("bad letter")
            table = {"A": [1, 0, 0, 0], "C": [0, 1, 0, 0], "G": [0, 0, 1, 0], "T": [0, 0, 0, 1], "N": [0.25] * 4}
            return np.array([table[b] for b in sequence], dtype=float).reshape(len(sequence), 4)
    """),
    "one_hot_batch not transposed (N, L, 4)": ("genomics.one_hot_batch", """
        def one_hot_batch(sequences):
            if len(sequences) == 0 or len({len(s) for s in sequences}) != 1:
                raise ValueError("bad batch")
            return np.stack([one_hot(s) for s in sequences])
    """),
    "MotifCNN forward returns (N, 1)": ("genomics.MotifCNN", """
        class MotifCNN(nn.Module):
            def __init__(self, num_filters=4, width=8):
                super().__init__()
                self.conv = nn.Conv1d(4, num_filters, width)
                self.out = nn.Linear(num_filters, 1)

            def forward(self, x):
                return self.out(torch.relu(self.conv(x)).amax(dim=2))
    """),
    "MotifCNN with the Conv1d arguments swapped (width filters of size num_filters)": ("genomics.MotifCNN", """
        class MotifCNN(nn.Module):
            def __init__(self, num_filters=4, width=8):
                super().__init__()
                self.conv = nn.Conv1d(4, width, num_filters)
                self.out = nn.Linear(width, 1)

            def forward(self, x):
                return self.out(torch.relu(self.conv(x)).amax(dim=2)).squeeze(-1)
    """),
})
ALTERNATIVES.update({
    "one_hot by indexing an identity matrix": ("genomics.one_hot", """
        def one_hot(sequence):
            table = np.vstack([np.eye(4, dtype=np.float32), np.full((1, 4), 0.25, np.float32)])
            try:
                rows = [("ACGTN").index(b) if len(b) == 1 and b in "ACGTN" else int("x") for b in sequence]
            except ValueError:
                raise ValueError("letters must be A, C, G, T or N") from None
            return table[np.array(rows, dtype=int)].reshape(len(sequence), 4)
    """),
    "one_hot_batch with a comprehension and moveaxis": ("genomics.one_hot_batch", """
        def one_hot_batch(sequences):
            if not sequences:
                raise ValueError("empty")
            if any(len(s) != len(sequences[0]) for s in sequences):
                raise ValueError("lengths differ")
            return np.moveaxis(np.array([one_hot(s) for s in sequences], dtype=np.float32), 2, 1)
    """),
    "MotifCNN with max_pool1d and flatten": ("genomics.MotifCNN", """
        class MotifCNN(nn.Module):
            def __init__(self, num_filters=4, width=8):
                super().__init__()
                self.conv = nn.Conv1d(4, num_filters, width)
                self.out = nn.Linear(num_filters, 1)

            def forward(self, x):
                h = nn.functional.max_pool1d(nn.functional.relu(self.conv(x)), x.shape[-1] - self.conv.kernel_size[0] + 1)
                return self.out(h.flatten(1))[:, 0]
    """),
})
NARROWING.update({
    "one_hot rejects N": ("genomics.one_hot", """
        def one_hot(sequence):
            out = np.zeros((len(sequence), 4), dtype=np.float32)
            for i, base in enumerate(sequence):
                if base not in ALPHABET:
                    raise ValueError(base)
                out[i, ALPHABET.index(base)] = 1.0
            return out
    """),
    "one_hot accepts lowercase": ("genomics.one_hot", """
        def one_hot(sequence):
            out = np.zeros((len(sequence), 4), dtype=np.float32)
            for i, base in enumerate(sequence.upper()):
                if base == "N":
                    out[i] = 0.25
                elif base in ALPHABET:
                    out[i, ALPHABET.index(base)] = 1.0
                else:
                    raise ValueError(base)
            return out
    """),
    "one_hot_batch accepts an empty list": ("genomics.one_hot_batch", """
        def one_hot_batch(sequences):
            if len({len(s) for s in sequences}) > 1:
                raise ValueError("lengths differ")
            if not sequences:
                return np.zeros((0, 4, 0), dtype=np.float32)
            return np.stack([one_hot(s).T for s in sequences]).astype(np.float32)
    """),
    "MotifCNN ignores width (always 8)": ("genomics.MotifCNN", """
        class MotifCNN(nn.Module):
            def __init__(self, num_filters=4, width=8):
                super().__init__()
                self.conv = nn.Conv1d(4, num_filters, 8)
                self.out = nn.Linear(num_filters, 1)

            def forward(self, x):
                return self.out(torch.relu(self.conv(x)).amax(dim=2)).squeeze(-1)
    """),
})


# ---------------------------------------------------------------- issue 16: video captioning (captioning.py)
# One mutant per function and the two alternatives that change how the work is done (each grading of the
# captioning checks trains a decoder for a few seconds).
MUTANTS.update({
    "frame_features flattens the grid before the colour channels": ("captioning.frame_features", """
        def frame_features(backbone, videos):
            n, t, c, h, w = videos.shape
            with torch.no_grad():
                maps = backbone.features[:-2](videos.reshape(n * t * c, 1, h, w))
                grid = F.adaptive_avg_pool2d(maps, GRID).reshape(n, t, c, -1, GRID * GRID)
                return grid.transpose(2, 4).reshape(n, t, -1)
    """),
    "temporal_pool takes the first frame minus the last": ("captioning.temporal_pool", """
        def temporal_pool(features):
            return torch.cat([features.mean(dim=1), features[:, 0] - features[:, -1]], dim=1)
    """),
    "CaptionDecoder.forward feeds back its own predictions (no teacher forcing)": (
        "captioning.CaptionDecoder", reference_def(UNIT, "captioning", "CaptionDecoder", {
            "        output, _ = self.gru(self.embed(inputs), self.start(pooled)[None])\n"
            "        return self.out(output)\n":
            "        state, token, logits = self.start(pooled), inputs[:, 0], []\n"
            "        for _ in range(inputs.shape[1]):\n"
            "            out, state = self.step(token, state)\n"
            "            logits.append(out)\n"
            "            token = out.argmax(dim=1)\n"
            "        return torch.stack(logits, dim=1)\n"})),
    "caption_loss averages over <pad> targets too": ("captioning.caption_loss", """
        def caption_loss(logits, targets):
            if not bool((targets != PAD).any()):
                raise ValueError("every target is <pad>")
            return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
    """),
    "greedy_decode keeps stepping to max_len after every caption ended": ("captioning.greedy_decode", """
        def greedy_decode(decoder, pooled, max_len):
            rows = []
            with torch.no_grad():
                state = decoder.start(pooled)
                tokens = torch.full((len(pooled),), BOS, dtype=torch.int64)
                for _ in range(max_len):
                    logits, state = decoder.step(tokens, state)
                    tokens = logits.argmax(dim=1)
                    rows.append(tokens.tolist())
            out = []
            for caption in zip(*rows):
                caption = list(caption)
                out.append(caption[:caption.index(EOS)] if EOS in caption else caption)
            return out
    """),
})
ALTERNATIVES.update({
    "CaptionDecoder with an nn.GRUCell and a loop over time": ("captioning.CaptionDecoder", """
        class CaptionDecoder(nn.Module):
            def __init__(self, input_size, vocab_size, hidden_size=32, embed_size=16):
                super().__init__()
                self.init = nn.Linear(input_size, hidden_size)
                self.embed = nn.Embedding(vocab_size, embed_size)
                self.cell = nn.GRUCell(embed_size, hidden_size)
                self.out = nn.Linear(hidden_size, vocab_size)

            def start(self, pooled):
                return self.init(pooled).tanh()

            def step(self, tokens, state):
                state = self.cell(self.embed(tokens), state)
                return self.out(state), state

            def forward(self, pooled, inputs):
                state, logits = self.start(pooled), []
                for t in range(inputs.shape[1]):
                    out, state = self.step(inputs[:, t], state)
                    logits.append(out)
                return torch.stack(logits, dim=1)
    """),
    "greedy_decode stepping only the captions still running": ("captioning.greedy_decode", """
        def greedy_decode(decoder, pooled, max_len):
            captions = [[] for _ in range(len(pooled))]
            with torch.inference_mode():
                state = decoder.start(pooled)
                running = torch.arange(len(pooled))
                tokens = torch.full((len(pooled),), BOS)
                for _ in range(max_len):
                    logits, state = decoder.step(tokens, state)
                    tokens = logits.argmax(dim=-1)
                    keep = tokens != EOS
                    for i, token in zip(running[keep].tolist(), tokens[keep].tolist()):
                        captions[i].append(token)
                    running, tokens, state = running[keep], tokens[keep], state[keep]
                    if len(running) == 0:
                        break
            return captions
    """),
})
NARROWING.update({
    "caption_loss returns nan when every target is <pad>": ("captioning.caption_loss", """
        def caption_loss(logits, targets):
            return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=PAD)
    """),
})


def test_generated_clips_show_what_their_captions_say():
    """The colour is the channel that holds the shape, the motion its centre of mass from first to last
    frame, the shape its pattern; the same seed gives the same clips."""
    from autograder.pretrained import clips

    videos, captions = clips.make(40, np.random.default_rng(3), noise=0.0)
    again, _ = clips.make(40, np.random.default_rng(3), noise=0.0)
    assert np.array_equal(videos, again) and videos.shape == (40, clips.FRAMES, 3, clips.SIDE, clips.SIDE)
    grid = np.arange(clips.SIDE)
    for clip, caption in zip(videos, captions):
        article, colour, shape, verb, motion = clips.words(caption).split()
        assert (article, verb, caption[-1]) == ("a", "moves", clips.EOS)
        channel = clip.sum(axis=(0, 2, 3)).argmax()
        assert clips.COLOURS[channel] == colour
        first, last = clip[0, channel], clip[-1, channel]
        centre = [np.array([(f.sum(axis=1) * grid).sum(), (f.sum(axis=0) * grid).sum()]) / f.sum() for f in (first, last)]
        assert tuple(np.sign(centre[1] - centre[0]).astype(int)) == clips.MOTIONS[motion]
        r, c = np.argwhere(first > 0).min(axis=0)
        assert np.array_equal(first[r:r + 3, c:c + 3] > 0, clips.GLYPHS[shape] > 0)


# ---------------------------------------------------------------- issue 16: behaviour prediction (behaviour.py)
MUTANTS.update({
    "pad_batch without the shift (targets are the inputs)": ("behaviour.pad_batch", """
        def pad_batch(sequences, pad_value=0):
            if not sequences or min(len(s) for s in sequences) < 2:
                raise ValueError("bad batch")
            steps = max(len(s) for s in sequences) - 1
            inputs = np.full((len(sequences), steps), pad_value, dtype=np.int64)
            mask = np.zeros((len(sequences), steps), dtype=bool)
            for n, s in enumerate(sequences):
                inputs[n, :len(s) - 1] = s[:-1]
                mask[n, :len(s) - 1] = True
            return inputs, inputs.copy(), mask
    """),
    "masked_cross_entropy averages over padded steps too": ("behaviour.masked_cross_entropy", """
        def masked_cross_entropy(logits, targets, mask):
            if not bool(mask.any()):
                raise ValueError("no real step")
            picked = torch.log_softmax(logits, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
            return -(picked * mask).mean()
    """),
    "masked_cross_entropy as the mean of per-session means": ("behaviour.masked_cross_entropy", """
        def masked_cross_entropy(logits, targets, mask):
            if not bool(mask.any()):
                raise ValueError("no real step")
            picked = torch.log_softmax(logits, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1) * mask
            rows = mask.sum(dim=1) > 0
            return -(picked.sum(dim=1)[rows] / mask.sum(dim=1)[rows]).mean()
    """),
    "NextEventGRU without batch_first (reads the batch as time)": ("behaviour.NextEventGRU", """
        class NextEventGRU(nn.Module):
            def __init__(self, num_events, embed_dim=16, hidden_dim=32):
                super().__init__()
                self.embed = nn.Embedding(num_events, embed_dim)
                self.gru = nn.GRU(embed_dim, hidden_dim)
                self.out = nn.Linear(hidden_dim, num_events)

            def forward(self, x):
                return self.out(self.gru(self.embed(x))[0])
    """),
    "NextEventGRU runs the GRU on each step alone (no memory)": (
        "behaviour.NextEventGRU", reference_def(UNIT, "behaviour", "NextEventGRU", {
            "        hidden, _ = self.gru(self.embed(x))\n        return self.out(hidden)\n":
            "        e = self.embed(x)\n"
            "        hidden, _ = self.gru(e.reshape(-1, 1, e.shape[-1]))\n"
            "        return self.out(hidden.reshape(x.shape[0], x.shape[1], -1))\n"})),
})
ALTERNATIVES.update({
    "pad_batch with np.pad": ("behaviour.pad_batch", """
        def pad_batch(sequences, pad_value=0):
            if len(sequences) == 0 or any(len(s) < 2 for s in sequences):
                raise ValueError("need a non-empty list of sessions of 2 or more events")
            width = max(len(s) for s in sequences) - 1
            rows = [np.asarray(s, dtype=np.int64) for s in sequences]
            inputs = np.stack([np.pad(r[:-1], (0, width - len(r) + 1), constant_values=pad_value) for r in rows])
            targets = np.stack([np.pad(r[1:], (0, width - len(r) + 1), constant_values=pad_value) for r in rows])
            mask = np.arange(width)[None, :] < np.array([len(r) - 1 for r in rows])[:, None]
            return inputs, targets, mask
    """),
    "masked_cross_entropy by F.cross_entropy on the selected steps": ("behaviour.masked_cross_entropy", """
        def masked_cross_entropy(logits, targets, mask):
            if mask.sum() == 0:
                raise ValueError("empty mask")
            return nn.functional.cross_entropy(logits[mask], targets[mask])
    """),
    "NextEventGRU with an explicit zero initial state": ("behaviour.NextEventGRU", """
        class NextEventGRU(nn.Module):
            def __init__(self, num_events, embed_dim=16, hidden_dim=32):
                super().__init__()
                self.embed = nn.Embedding(num_events, embed_dim)
                self.gru = nn.GRU(input_size=embed_dim, hidden_size=hidden_dim, num_layers=1, batch_first=True)
                self.out = nn.Linear(hidden_dim, num_events)

            def forward(self, x):
                h0 = torch.zeros(1, x.shape[0], self.gru.hidden_size)
                return self.out(self.gru(self.embed(x), h0)[0])
    """),
})
NARROWING.update({
    "pad_batch ignores pad_value (always 0)": ("behaviour.pad_batch", """
        def pad_batch(sequences, pad_value=0):
            if len(sequences) == 0 or min(len(s) for s in sequences) < 2:
                raise ValueError("bad batch")
            steps = max(len(s) for s in sequences) - 1
            inputs, targets = np.zeros((2, len(sequences), steps), dtype=np.int64)
            mask = np.zeros((len(sequences), steps), dtype=bool)
            for n, s in enumerate(sequences):
                inputs[n, :len(s) - 1], targets[n, :len(s) - 1], mask[n, :len(s) - 1] = s[:-1], s[1:], True
            return inputs, targets, mask
    """),
    "masked_cross_entropy returns nan for a mask without a real step": ("behaviour.masked_cross_entropy", """
        def masked_cross_entropy(logits, targets, mask):
            picked = torch.log_softmax(logits, dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
            return -(picked * mask).sum() / mask.sum()
    """),
})


# ---------------------------------------------------------------- issue 16: leaf disease, imbalanced (leaf_disease.py)
MUTANTS.update({
    "balanced_weights as class frequencies n_k / N": ("leaf_disease.balanced_weights", """
        def balanced_weights(y, num_classes):
            counts = torch.bincount(y, minlength=num_classes)
            if int(y.max()) >= num_classes or bool((counts == 0).any()):
                raise ValueError("bad labels")
            return (counts / len(y)).float()
    """),
    "weighted_cross_entropy divides by N, not by the sum of the weights": ("leaf_disease.weighted_cross_entropy", """
        def weighted_cross_entropy(logits, y, weights):
            nll = -F.log_softmax(logits, dim=1).gather(1, y[:, None])[:, 0]
            return (weights[y] * nll).mean()
    """),
    "build_classifier leaves the backbone trainable": ("leaf_disease.build_classifier", """
        def build_classifier(weights):
            return replace_head(load_pretrained(weights), 2)
    """),
    "train_classifier with the plain (unweighted) cross-entropy": ("leaf_disease.train_classifier", """
        def train_classifier(model, x, y, steps, lr):
            optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=lr)
            losses = []
            for _ in range(steps):
                set_train_mode(model, True)
                optimizer.zero_grad()
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                optimizer.step()
                losses.append(float(loss))
            return losses
    """),
    "train_classifier lets batch norm update its statistics": ("leaf_disease.train_classifier", """
        def train_classifier(model, x, y, steps, lr):
            weights = balanced_weights(y, 2)
            optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=lr)
            losses = []
            for _ in range(steps):
                model.train()
                optimizer.zero_grad()
                loss = weighted_cross_entropy(model(x), y, weights)
                loss.backward()
                optimizer.step()
                losses.append(float(loss))
            return losses
    """),
    "best_threshold maximizes accuracy": ("leaf_disease.best_threshold", """
        def best_threshold(y_true, scores):
            if y_true.shape != scores.shape or set(np.unique(y_true).tolist()) != {0, 1}:
                raise ValueError("bad input")
            thresholds = np.unique(scores)[::-1]
            accuracy = [np.mean((scores >= t) == (y_true == 1)) for t in thresholds]
            k = int(np.argmax(accuracy))
            p = scores >= thresholds[k]
            return float(thresholds[k]), float((np.mean(p[y_true == 1]) + np.mean(~p[y_true == 0])) / 2)
    """),
})
ALTERNATIVES.update({
    "weighted_cross_entropy with F.cross_entropy(weight=)": ("leaf_disease.weighted_cross_entropy", """
        def weighted_cross_entropy(logits, y, weights):
            return F.cross_entropy(logits, y, weight=weights)
    """),
    "train_classifier extracting the frozen features once": ("leaf_disease.train_classifier", """
        def train_classifier(model, x, y, steps, lr):
            weights = balanced_weights(y, 2)
            model.eval()
            with torch.no_grad():
                features = model.features(x)
            optimizer = torch.optim.SGD(model.head.parameters(), lr=lr)
            losses = []
            for _ in range(steps):
                optimizer.zero_grad()
                loss = weighted_cross_entropy(model.head(features), y, weights)
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            return losses
    """),
    "best_threshold by sorting and cumulative counts": ("leaf_disease.best_threshold", """
        def best_threshold(y_true, scores):
            y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=float)
            if y_true.shape != scores.shape or not (np.isin(y_true, [0, 1]).all() and 0 < y_true.sum() < len(y_true)):
                raise ValueError("y_true must hold both classes, and match scores")
            order = np.argsort(-scores, kind="stable")
            s, yy = scores[order], y_true[order]
            last = np.r_[s[1:] != s[:-1], True]  # the last of each run of equal scores
            tpr = np.cumsum(yy)[last] / yy.sum()
            tnr = 1 - np.cumsum(1 - yy)[last] / (1 - yy).sum()
            balanced = (tpr + tnr) / 2
            k = int(np.flatnonzero(balanced == balanced.max())[0])
            return float(s[last][k]), float(balanced[k])
    """),
})
NARROWING.update({
    "best_threshold accepts labels of one class": ("leaf_disease.best_threshold", """
        def best_threshold(y_true, scores):
            if y_true.shape != scores.shape or not np.isin(y_true, [0, 1]).all():
                raise ValueError("bad input")
            best = None
            for t in np.unique(scores)[::-1]:
                p = scores >= t
                recalls = [np.mean(p[y_true == 1]) if (y_true == 1).any() else 1.0,
                           np.mean(~p[y_true == 0]) if (y_true == 0).any() else 1.0]
                value = (recalls[0] + recalls[1]) / 2
                if best is None or value > best[0]:
                    best = (value, float(t))
            return best[1], float(best[0])
    """),
})

MAJORITY = """
    def train_classifier(model, x, y, steps, lr):
        with torch.no_grad():  # the head always answers "healthy" (class 0), whatever the patch
            model.head.weight.zero_()
            model.head.bias.copy_(torch.tensor([1.0, 0.0]))
        return [1.0 / (step + 1) for step in range(steps)]
"""


def test_majority_predictor_fails_the_outcome_bar(tmp_path):
    """Always "healthy": 95% accurate, balanced accuracy 0.5, AUC 0.5 -- below both bars."""
    report = grade(make_submission(tmp_path, UNIT, {"leaf_disease.train_classifier": MAJORITY}), UNIT,
                   only=["classifier_finds_the_rare_disease"])
    assert report.score == 0
    output = report.results[0].output
    assert "ROC AUC 0.500" in output and "balanced accuracy 0.500" in output and "accuracy, 95.0%" in output, output


def test_transfer_outcome_same_score_under_6_ids(tmp_path):
    """Scratch started from the pretrained weights beats training from scratch by less on some
    images: drawn per submission it got 5, 5, 3.75, 5, 3.75 and 3.75 points under these 6 ids; on
    the fixed images and seeds (training.fixed_rng) one score under every id."""
    path = make_submission(tmp_path, UNIT, dict([MUTANTS["scratch starts from the pretrained weights"]]))
    scores = scores_under_ids(path, UNIT, ["transfer_beats_scratch"], SUBMISSION_IDS[:6])
    assert len(set(scores.values())) == 1, f"the score depends on the submission id: {scores}"

FORWARD_ONLY = {  # a loss's bug costs points only in its own checks and those of what composes it
    "mf_loss averages": ("recommend.mf_loss", reference_def(UNIT, "recommend", "mf_loss", {
        "np.sum(error ** 2)": "np.mean(error ** 2)"}), ("recommend.train_mf",)),
}


def test_rare_disease_outcome_same_score_under_10_ids(tmp_path):
    """Unit class weights (the plain cross-entropy) still find the rare disease on some patches: drawn
    per submission this kept the 4 points of classifier_finds_the_rare_disease under 8 of 10 ids; on
    the fixed patches and seeds (training.fixed_rng) one score under every id (train_classifier's
    exact check charges it)."""
    unweighted = reference_def(UNIT, "leaf_disease", "train_classifier",
                               {"weights = balanced_weights(y, 2)": "weights = torch.ones(2)"})
    path = make_submission(tmp_path, UNIT, {"leaf_disease.train_classifier": unweighted})
    scores = scores_under_ids(path, UNIT, ["classifier_finds_the_rare_disease"], SUBMISSION_IDS[:10])
    assert len(set(scores.values())) == 1, f"the score depends on the submission id: {scores}"


def test_a_torch_warning_shown_once_per_process_costs_every_grading_that_meets_it(tmp_path):
    """float(loss) of a tensor that requires grad: torch warns once per process (TORCH_WARN_ONCE), and
    a warning fails the call, so in one worker the first grading got 0 points and the next ones 4;
    the worker now sets torch.set_warn_always(True): the same score under every id."""
    path = make_submission(tmp_path, UNIT, dict([MUTANTS["train_classifier with the plain (unweighted) cross-entropy"]]))
    scores = scores_under_ids(path, UNIT, ["classifier_finds_the_rare_disease"], SUBMISSION_IDS[:3])
    assert len(set(scores.values())) == 1, f"the score depends on which grading met the warning first: {scores}"


def test_a_submission_turning_warn_always_off_still_meets_the_warning_in_every_grading(tmp_path):
    """The same float(loss) in a module that calls torch.set_warn_always(False) at import: the worker
    turns it back on before each call, else only the first grading in a worker lost the points."""
    path = make_submission(tmp_path, UNIT, dict([MUTANTS["train_classifier with the plain (unweighted) cross-entropy"]]))
    module = path / "leaf_disease.py"
    module.write_text(module.read_text().replace("import torch\n", "import torch\ntorch.set_warn_always(False)\n", 1))
    scores = scores_under_ids(path, UNIT, ["classifier_finds_the_rare_disease"], SUBMISSION_IDS[:3])
    assert set(scores.values()) == {0}, f"the score depends on which grading met the warning first: {scores}"


def test_a_function_turning_warn_always_off_fails_every_call_the_same(tmp_path):
    """float(loss) after torch.set_warn_always(False) inside the graded function: the worker cannot turn
    it back on before the warning, so the call that leaves it off fails, in every grading and whichever
    check runs it first, and the feedback says why."""
    target, source = MUTANTS["train_classifier with the plain (unweighted) cross-entropy"]
    indent = source.split("losses = []")[0].rsplit("\n", 1)[1]
    quiet = source.replace(f"{indent}losses = []", f"{indent}torch.set_warn_always(False)\n{indent}losses = []", 1)
    assert quiet != source
    path = make_submission(tmp_path, UNIT, {target: quiet})
    scores = scores_under_ids(path, UNIT, ["classifier_finds_the_rare_disease"], SUBMISSION_IDS[:3])
    assert set(scores.values()) == {0}, f"the score depends on which grading met the warning first: {scores}"
    report = grade(path, UNIT, only=["classifier_finds_the_rare_disease"])
    assert "torch.set_warn_always(False)" in report.results[0].output, report.results[0].output
