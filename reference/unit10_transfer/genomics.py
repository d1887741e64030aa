"""Unit 10: genomics -- one-hot DNA and a 1-D convolutional motif detector.

A DNA sequence is a string over the four bases A, C, G, T. A network reads it one-hot encoded:
one channel per base (in the order ALPHABET = "ACGT"), one position per letter. A 1-D convolution
over such input is a position weight matrix slid along the sequence (Alipanahi et al., "Predicting
the sequence specificities of DNA- and RNA-binding proteins by deep learning", Nature
Biotechnology 2015): a filter of width w scores every window of w bases, and a global max over
positions asks "does the motif occur anywhere?". After training, a filter that detects a motif
looks like the motif's one-hot pattern.

The grader plants a short random motif at a random position in half of a set of generated random
sequences, trains your MotifCNN on them (full-batch Adam on the binary cross-entropy of the
logits, with its own trusted code), and measures the AUC on held-out sequences and how closely
the best filter matches the motif.
"""
import numpy as np
import torch
from torch import nn

ALPHABET = "ACGT"


def one_hot(sequence):
    """One-hot encode a DNA sequence.

    Args:
        sequence: str of uppercase letters A, C, G, T and N (N: an unknown base). Length L >= 0.

    Returns:
        float32 numpy array of shape (L, 4): row i is the encoding of sequence[i]; column j stands
        for ALPHABET[j] ("ACGT"), so "A" -> [1, 0, 0, 0] and "T" -> [0, 0, 0, 1]. An "N" is
        encoded as [0.25, 0.25, 0.25, 0.25] (every base equally likely). The empty string gives
        shape (0, 4).

    Raises:
        ValueError: for any other character (lowercase letters, gaps "-", other letters).
    """
    ### BEGIN SOLUTION
    index = {base: i for i, base in enumerate(ALPHABET)}
    out = np.zeros((len(sequence), len(ALPHABET)), dtype=np.float32)
    for i, base in enumerate(sequence):
        if base == "N":
            out[i] = 0.25
        elif base in index:
            out[i, index[base]] = 1.0
        else:
            raise ValueError(f"position {i}: {base!r} is not one of A, C, G, T, N")
    return out
    ### END SOLUTION


def one_hot_batch(sequences):
    """Encode sequences of equal length as a batch for nn.Conv1d (channels first). Builds on one_hot.

    Args:
        sequences: a non-empty list of N strings, all of the same length L (letters as for one_hot).

    Returns:
        float32 numpy array of shape (N, 4, L): out[n] is one_hot(sequences[n]) transposed.

    Raises:
        ValueError: for an empty list, sequences of different lengths, or a letter one_hot rejects.
    """
    ### BEGIN SOLUTION
    if len(sequences) == 0:
        raise ValueError("no sequences")
    if len({len(s) for s in sequences}) != 1:
        raise ValueError("sequences of different lengths")
    return np.stack([one_hot(s).T for s in sequences]).astype(np.float32)
    ### END SOLUTION


class MotifCNN(nn.Module):
    """A motif detector: one convolution, ReLU, global max pooling, a linear layer to one logit.

        self.conv = nn.Conv1d(4, num_filters, width)      (no padding; this name is required:
                                                           the grader reads self.conv.weight)
        ReLU -> max over positions -> (N, num_filters)
        self.out = nn.Linear(num_filters, 1)              -> one logit per sequence

    Args (constructor):
        num_filters: int >= 1, the number of filters (motif detectors).
        width: int >= 1, the width of each filter in bases.

    forward(x):
        x: float32 tensor of shape (N, 4, L) with L >= width (as one_hot_batch makes).
        returns: float32 tensor of shape (N,), one logit per sequence (not (N, 1)); no sigmoid.
    """

    def __init__(self, num_filters=4, width=8):
        super().__init__()
        ### BEGIN SOLUTION
        self.conv = nn.Conv1d(4, num_filters, width)
        self.out = nn.Linear(num_filters, 1)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        h = torch.relu(self.conv(x)).amax(dim=2)
        return self.out(h).squeeze(-1)
        ### END SOLUTION
