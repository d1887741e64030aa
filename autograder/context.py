"""What a check gets: the student's functions, the reference (if present), a seeded RNG.

A check fails by raising :class:`CheckFailure` (the toolkit in :mod:`autograder.checks` does this
with a precise message). Partial credit: run each case inside ``with ctx.case("label"):``; the
check's score is then the fraction of cases that passed, and the failed ones are listed. A case
whose expected answer is trivial (zeros, the input itself, an empty result) is marked
``trivial=True``: it counts only when a non-trivial case of the same check passes, so a function
that returns a constant earns nothing.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np

from .sandbox.session import Student
from .sandbox.worker_process import StudentError


class CheckFailure(AssertionError):
    """The student's answer is wrong (or missing); the message is shown to the student."""


class ReferenceMissing(Exception):
    """The check needs the reference solution, which this installation does not have."""


@dataclass
class Context:
    student: Student
    reference: object | None
    seed: int
    hidden: bool = False
    notes: list[str] = field(default_factory=list)
    cases: list[tuple[str, str | None]] = field(default_factory=list)
    trivial: set[int] = field(default_factory=set)  # indices into cases

    def __post_init__(self):
        self.rng = np.random.default_rng(self.seed)

    @property
    def ref(self):
        """The reference unit package (``ctx.ref.activations.sigmoid``)."""
        if self.reference is None:
            raise ReferenceMissing
        return self.reference

    def fail(self, message: str):
        raise CheckFailure(message)

    def note(self, message: str):
        """A line of feedback shown whatever the outcome."""
        self.notes.append(message)

    @contextlib.contextmanager
    def case(self, label: str, trivial: bool = False):
        """One case of a partially credited check; failures are recorded, not raised."""
        if trivial:
            self.trivial.add(len(self.cases))
        try:
            yield
        except (CheckFailure, StudentError) as exc:
            self.cases.append((label, str(exc)))
        else:
            self.cases.append((label, None))
