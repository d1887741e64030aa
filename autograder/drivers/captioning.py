"""Driver: unit 10's captioning helpers -- a decoder whose every output is scripted, so a check
knows what greedy_decode must return, and a record of what it was fed."""
import torch
from torch import nn


def eval_mode(model):
    model.eval()
    return True


class ScriptedDecoder(nn.Module):
    """start/step as a CaptionDecoder's, but the logits of clip n at step t are ``logits[n, t]``
    (fixed in advance). Its state is (clip index, step) per row, so it survives row selection."""

    def __init__(self, logits):
        super().__init__()
        self.logits = torch.as_tensor(logits)
        self.fed = []  # per step call: {"rows", "steps", "tokens", "dtype", "grad"}

    def start(self, pooled):
        return torch.stack([torch.arange(len(pooled)), torch.zeros(len(pooled), dtype=torch.int64)], 1).float()

    def step(self, tokens, state):
        rows, steps = state[:, 0].long(), state[:, 1].long()
        self.fed.append({"rows": rows.tolist(), "steps": steps.tolist(), "tokens": torch.as_tensor(tokens).tolist(),
                         "dtype": str(torch.as_tensor(tokens).dtype), "grad": torch.is_grad_enabled()})
        logits = self.logits[rows, steps.clamp(max=self.logits.shape[1] - 1)]
        return logits, state + torch.tensor([0.0, 1.0])


def scripted_decoder(logits):
    return ScriptedDecoder(logits)


def scripted_log(decoder):
    """What the scripted decoder's step was fed, call by call."""
    return decoder.fed
