"""Corpus-level BLEU-1 (Papineni et al., "BLEU: a Method for Automatic Evaluation of Machine
Translation", ACL 2002), computed by the grader on token ids.

BLEU-1 = BP * p1. p1 is the modified unigram precision over the whole corpus: each candidate token
counts as correct at most as often as it occurs in the one reference of its sentence (clipping),
summed over sentences and divided by the total number of candidate tokens. BP is the brevity
penalty over the corpus: 1 if c > r, else exp(1 - r / c), with c the total candidate length and
r the total reference length (one reference per sentence). An empty corpus of candidates scores 0.
"""
from __future__ import annotations

import math
from collections import Counter


def bleu1(candidates, references) -> float:
    """Corpus BLEU-1 of ``candidates`` (lists of tokens) against ``references`` (one list each)."""
    if len(candidates) != len(references):
        raise ValueError(f"{len(candidates)} candidates for {len(references)} references")
    clipped = sum(sum((Counter(c) & Counter(r)).values()) for c, r in zip(candidates, references))
    c = sum(len(x) for x in candidates)
    r = sum(len(x) for x in references)
    if c == 0:
        return 0.0
    brevity = 1.0 if c > r else math.exp(1 - r / c)
    return brevity * clipped / c


def exact_match(candidates, references) -> float:
    """The fraction of candidates equal to their reference, token for token."""
    if len(candidates) != len(references):
        raise ValueError(f"{len(candidates)} candidates for {len(references)} references")
    return sum(list(c) == list(r) for c, r in zip(candidates, references)) / max(len(candidates), 1)
