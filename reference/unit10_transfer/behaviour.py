"""Unit 10: behaviour prediction -- the next event of a user's session with a GRU.

A session is a sequence of events (clicks, purchases, app actions) coded as integers 0..V-1.
Predicting the next event from the events so far is how session-based recommenders work
(Hidasi et al., "Session-based recommendations with recurrent neural networks", ICLR 2016): an
embedding of each event, a GRU that carries what the session has shown so far, and a linear layer
to one logit per possible next event at every step.

Sessions differ in length, so a batch is padded to the longest one and a mask marks the real
steps: padded steps must change neither the predictions at real steps nor the loss.

The grader generates sessions from a process in which the next event depends on the last two
events, trains your NextEventGRU on them (Adam on the masked cross-entropy, with its own trusted
code), and compares its held-out next-event accuracy with the best first-order Markov chain
(the next event predicted from the current one only) fitted to the same training sessions.
"""
import numpy as np
import torch
from torch import nn


def pad_batch(sequences, pad_value=0):
    """Inputs, targets and mask for next-event prediction on a batch of sessions of different lengths.

    At step t the model reads event t of a session and must predict event t + 1: a session of
    length L gives L - 1 real steps. With T = (the longest length) - 1:

        inputs[n, t] = sequences[n][t],  targets[n, t] = sequences[n][t + 1],  mask[n, t] = True
                                                                      for t < len(sequences[n]) - 1
        inputs[n, t] = targets[n, t] = pad_value,  mask[n, t] = False  for the other t < T

    Args:
        sequences: a non-empty list of N sessions, each a list (or 1-D array) of ints in 0..V-1 of
            length >= 2.
        pad_value: int, the value written at padded steps.

    Returns:
        (inputs, targets, mask): int64 numpy arrays of shape (N, T), and a bool numpy array (N, T).

    Raises:
        ValueError: for an empty list or a session shorter than 2 events.
    """
    ### BEGIN SOLUTION
    if len(sequences) == 0:
        raise ValueError("no sessions")
    if min(len(s) for s in sequences) < 2:
        raise ValueError("every session needs at least 2 events")
    steps = max(len(s) for s in sequences) - 1
    inputs = np.full((len(sequences), steps), pad_value, dtype=np.int64)
    targets = np.full((len(sequences), steps), pad_value, dtype=np.int64)
    mask = np.zeros((len(sequences), steps), dtype=bool)
    for n, session in enumerate(sequences):
        session = np.asarray(session, dtype=np.int64)
        inputs[n, :len(session) - 1] = session[:-1]
        targets[n, :len(session) - 1] = session[1:]
        mask[n, :len(session) - 1] = True
    return inputs, targets, mask
    ### END SOLUTION


def masked_cross_entropy(logits, targets, mask):
    """The mean cross-entropy of the next-event logits over the real (unmasked) steps of a batch.

        loss = -(1 / M) * sum over (n, t) with mask[n, t] of log softmax(logits[n, t])[targets[n, t]]

    where M = mask.sum() counts the real steps of the whole batch (not the mean of per-session
    means, and not a mean over padded steps too). Padded steps contribute nothing: their logits and
    targets (any ints in 0..V-1) must not change the loss or its gradient.

    Args:
        logits: float tensor (N, T, V). targets: int64 tensor (N, T). mask: bool tensor (N, T).

    Returns:
        a 0-dimensional float tensor that backpropagates to logits (not a Python float).

    Raises:
        ValueError: if the mask has no real step.
    """
    ### BEGIN SOLUTION
    if not bool(mask.any()):
        raise ValueError("the mask has no real step")
    logp = torch.log_softmax(logits, dim=-1)
    picked = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return -(picked * mask).sum() / mask.sum()
    ### END SOLUTION


class NextEventGRU(nn.Module):
    """Embedding -> GRU -> linear: next-event logits at every step of a batch of sessions.

        self.embed = nn.Embedding(num_events, embed_dim)              (these three names are required:
        self.gru = nn.GRU(embed_dim, hidden_dim, batch_first=True)     the grader reads their weights)
        self.out = nn.Linear(hidden_dim, num_events)

    One layer, one direction, the initial hidden state zero (the GRU's default): the logits at step
    t depend only on events 0..t of the same session, so padding at the end changes nothing before it.
    Parameters: V*E (embedding) + 3*(E*H + H*H + 2*H) (GRU) + H*V + V (linear).

    Args (constructor):
        num_events: int V >= 2. embed_dim: int E >= 1. hidden_dim: int H >= 1.

    forward(x):
        x: int64 tensor of shape (N, T), events in 0..V-1 (padded steps hold any such value).
        returns: float32 tensor of shape (N, T, V), the logits of the next event (no softmax).
    """

    def __init__(self, num_events, embed_dim=16, hidden_dim=32):
        super().__init__()
        ### BEGIN SOLUTION
        self.embed = nn.Embedding(num_events, embed_dim)
        self.gru = nn.GRU(embed_dim, hidden_dim, batch_first=True)
        self.out = nn.Linear(hidden_dim, num_events)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        hidden, _ = self.gru(self.embed(x))
        return self.out(hidden)
        ### END SOLUTION
