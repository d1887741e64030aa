"""Many generated cases answered in one round trip (``fn.map``), judged in the grader.

Cheaper than a hypothesis run when each example is a call to the worker: the grader draws the
cases, the worker answers them all at once, and the smallest failing case is reported.
"""
from __future__ import annotations

from typing import Callable

from ..context import CheckFailure


def judge_all(cases: list, answers: list, judge: Callable, size: Callable = lambda case: len(str(case))) -> None:
    """``judge(case, answer)`` for each pair; re-raise the failure of the smallest failing case."""
    failures = []
    for case, answer in zip(cases, answers):
        try:
            judge(case, answer)
        except CheckFailure as exc:
            failures.append((size(case), str(exc)))
    if failures:
        smallest = min(failures, key=lambda f: f[0])[1]
        raise CheckFailure(f"{smallest}\n({len(failures)} of {len(cases)} generated cases failed; this is the smallest)")
