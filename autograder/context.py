"""What a check gets: the student's functions, the reference (if present), a seeded RNG.

A check fails by raising :class:`CheckFailure` (the toolkit in :mod:`autograder.checks` does this
with a precise message). Partial credit: run each case inside ``with ctx.case("label"):``; the
check's score is then the fraction of cases that passed, and the failed ones are listed. A case
whose expected answer is trivial (zeros, the input itself, an empty result) is marked
``trivial=True``: it counts only when a non-trivial case of the same check passes, so a function
that returns a constant earns nothing.

Hidden is a property of the check, not of each comparison: a :class:`CheckFailure` carries its
parts (the message, and the text that reveals the expected value), and the runner renders it for
the check's visibility. While a check runs, ``str()`` of a failure already renders it that way
(:func:`showing_expected`), so code that quotes one failure inside another reveals nothing either.
"""
from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, field

import numpy as np

from .checks import misconceptions
from .sandbox.session import Student
from .sandbox.worker_process import StudentError

_SHOW_EXPECTED = contextvars.ContextVar("deepgrade_show_expected", default=True)


@contextlib.contextmanager
def showing_expected(show: bool):
    """Within this block, failures render with (or without) their expected values."""
    token = _SHOW_EXPECTED.set(show)
    try:
        yield
    finally:
        _SHOW_EXPECTED.reset(token)


class CheckFailure(AssertionError):
    """The student's answer is wrong (or missing); the message is shown to the student.

    ``CheckFailure(message, expected=", expected 2.5", after="\\n(more)", instead=" which is wrong")``
    renders as ``message + expected + after`` where expected values may be shown, and as
    ``message + instead + after`` for a hidden check. ``hint`` (a named misconception, see
    :mod:`autograder.checks.misconceptions`) follows on its own line where expected values may be shown.
    """

    def __init__(self, message: str = "", *, expected: str = "", after: str = "", instead: str = "",
                 hint: str = ""):
        self.message, self.expected, self.after, self.instead = str(message), expected, after, instead
        self.hint = hint
        self.figures: list[dict] = []  # plot data for the HTML report (make_figure), e.g. the error per entry
        super().__init__(self.message)

    def render(self, show_expected: bool) -> str:
        text = self.message + (self.expected if show_expected else self.instead) + self.after
        return text + "\n" + self.hint if self.hint and show_expected else text

    def __str__(self) -> str:
        return self.render(_SHOW_EXPECTED.get())

    def wrapped(self, before: str = "", after: str = "") -> "CheckFailure":
        """The same failure with text around it; the expected part stays a part."""
        failure = CheckFailure(before + self.message, expected=self.expected, instead=self.instead,
                               after=self.after + after, hint=self.hint)
        failure.figures = list(self.figures)
        return failure


def render(error: BaseException, show_expected: bool) -> str:
    """The text of a failure (a CheckFailure's hidden parts dropped unless ``show_expected``); an error
    of the student's code that is a known mistake gets its hint where expected values may be shown."""
    if isinstance(error, CheckFailure):
        return error.render(show_expected)
    text = str(error)
    hint = misconceptions.error_hint(text) if show_expected and isinstance(error, StudentError) else None
    return f"{text}\n{hint}" if hint else text


FIGURE_VALUES = 4096  # numbers kept per array of a figure (larger arrays are subsampled)


def make_figure(kind: str, title: str = "", reveals: bool = True, **arrays) -> dict:
    """A figure's data, bounded: ``{"kind", "title", "reveals", "arrays": {name: list or float}}``."""
    kept = {}
    for name, value in arrays.items():
        a = np.asarray(value, dtype=np.float64) if not isinstance(value, (str, type(None))) else value
        if isinstance(a, np.ndarray):
            while a.size > FIGURE_VALUES and a.ndim:
                a = a[tuple(slice(None, None, 2) if n > 1 else slice(None) for n in a.shape)]
            a = a.tolist()
        kept[name] = a
    return {"kind": kind, "title": title, "reveals": bool(reveals), "arrays": kept}


class ReferenceMissing(Exception):
    """The check needs the reference solution, which this installation does not have."""


@dataclass
class Context:
    student: Student
    reference: object | None
    seed: int
    hidden: bool = False  # whether the check hides expected values (set by the runner)
    notes: list[str] = field(default_factory=list)
    cases: list[tuple[str, BaseException | None]] = field(default_factory=list)  # (label, failure or None)
    trivial: set[int] = field(default_factory=set)  # indices into cases
    figures: list[dict] = field(default_factory=list)  # plot data for the HTML report (see figure)

    def __post_init__(self):
        self.rng = np.random.default_rng(self.seed)

    @property
    def ref(self):
        """The reference unit package (``ctx.ref.activations.sigmoid``)."""
        if self.reference is None:
            raise ReferenceMissing
        return self.reference

    def fail(self, message: str, *, expected: str = ""):
        raise CheckFailure(message, expected=expected)

    def figure(self, kind: str, *, title: str = "", reveals: bool = True, **arrays):
        """Data for a plot in the HTML report (:mod:`autograder.report_html` draws ``kind``: "error",
        "curve", "training", "boundary", "samples"). ``reveals``: whether it shows expected values
        (then the runner drops it for a hidden check)."""
        self.figures.append(make_figure(kind, title, reveals, **arrays))

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
            self.cases.append((label, exc))
        else:
            self.cases.append((label, None))

    def case_errors(self) -> list[tuple[str, str | None]]:
        """``(label, error text or None)`` per case, rendered for this check's visibility."""
        return [(label, None if error is None else render(error, not self.hidden)) for label, error in self.cases]
