"""Suites and checks: a check is one small function with its points, visibility and timeout.

A unit's suite lives in ``autograder/units/<unit>.py`` and looks like::

    suite = Suite("unit01_foundations", modules=["activations", ...])

    @suite.check("activations.sigmoid", points=2, timeout=10)
    def sigmoid_values(ctx):
        ...

Adding an exercise touches the reference module, the suite and the unit's tests, never the engine.

What ships to students and what does not: checks registered from ``autograder/units/<unit>.py``
ship in the student release (properties, gradient checks against the student's own forward,
adjoint tests, contracts, sympy keys of formulas the docstring states, shapes and errors). Checks
whose code computes an exercise's expected output (an answer key written any way) are registered
from ``autograder/keys/<unit>.py`` into the same suite; that package never leaves the instructor's
machine. :func:`load_suite` imports both when both are present.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable, Iterable

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


@dataclass(frozen=True)
class Check:
    """One scored check: ``fn(ctx)`` raises :class:`CheckFailure` or records partial cases."""

    name: str
    fn: Callable
    exercise: str
    points: float
    visibility: str = "visible"
    timeout: float = 20.0
    needs_reference: bool = False
    tags: tuple[str, ...] = ()
    false_failure: float | None = None
    false_failure_why: str = ""
    uses: tuple[str, ...] = ()

    @property
    def ships(self) -> bool:
        """Whether the check's code may ship in the student release (it computes no answer key)."""
        return not self.fn.__module__.startswith("autograder.keys")

    @property
    def public(self) -> bool:
        """Runs in the student's self-check: ships, no reference needed, results not hidden."""
        return self.ships and not self.needs_reference and self.visibility != "hidden"


@dataclass(frozen=True)
class Forbidden:
    """APIs that hand-written ``exercises`` may not call (e.g. ``torch.autograd`` in a numpy backward).

    ``apis`` are dotted prefixes (``"torch.autograd"``, ``"torch.Tensor.backward"``, ``"scipy"``);
    ``exercises`` are ``"module"`` or ``"module.function"`` (``"*"``: every exercise of the unit).
    """

    apis: tuple[str, ...]
    exercises: tuple[str, ...]
    why: str

    def covers(self, exercise: str) -> bool:
        return any(p == "*" or exercise == p or exercise.split(".")[0] == p for p in self.exercises)


@dataclass
class Suite:
    """The scored checks of one unit, in the order they were registered."""

    unit: str
    modules: list[str]
    title: str = ""
    preload: str = ""  # what workers import first; "" takes it from autograder.units.preload
    drivers: dict[str, str] = field(default_factory=dict)  # name -> source run inside the worker
    checks: list[Check] = field(default_factory=list)
    builds_on: dict[str, tuple[str, ...]] = field(default_factory=dict)  # exercise -> exercises its docstring builds on
    forbidden: list[Forbidden] = field(default_factory=list)
    parts: tuple[str, ...] = ()  # modules of autograder/units that register more checks (imported by load_suite)
    warmups: list[Callable] = field(default_factory=list)  # fn(reference package): see warmup
    derived: dict[str, Callable] = field(default_factory=dict)  # name -> fn(reference package): see derive

    def __post_init__(self):
        from . import units

        self.preload = self.preload or units.preload(self.unit)

    def check(self, exercise: str, *, points: float, visibility: str = "visible", timeout: float = 20.0,
              needs_reference: bool = False, tags: tuple[str, ...] = (), name: str | None = None,
              false_failure: float | None = None, false_failure_why: str = "", uses: tuple[str, ...] = ()):
        """Register the decorated function as a check of ``exercise`` (``module.function``).

        ``false_failure``: for a check that is statistical by nature (initializer statistics, a
        training outcome), the probability that a correct solution fails it in one grading, as
        measured; at most 1e-6 unless ``false_failure_why`` says why not. ``uses``: other student
        functions the check calls beyond ``exercise`` and what ``builds_on`` declares for it.
        """
        if visibility not in VISIBILITIES:
            raise ValueError(f"visibility must be one of {VISIBILITIES}")
        if false_failure is not None and false_failure > 1e-6 and not false_failure_why:
            raise ValueError(f"{exercise}: a false-failure probability above 1e-6 needs false_failure_why")

        def register(fn):
            check = Check(name or fn.__name__, fn, exercise, float(points), visibility, float(timeout),
                          needs_reference, tuple(tags), false_failure, false_failure_why, tuple(uses))
            if any(c.name == check.name for c in self.checks):
                raise ValueError(f"{self.unit}: duplicate check {check.name}")
            self.checks.append(check)
            return fn

        return register

    def warmup(self, fn: Callable) -> Callable:
        """Register ``fn(reference)``: work a grader process does once, in a background thread
        started right after it imports the reference, so it overlaps the first worker's start and
        the first checks' waits on it (e.g. cache the reference's results for inputs that are the
        same in every grading). A check that needs such a result must get it through a cache that
        is safe across threads and computes it itself if the warm-up has not (or failed); a
        warm-up draws from no global random generator (the checks' inputs would depend on timing)."""
        self.warmups.append(fn)
        return fn

    def derive(self, fn: Callable) -> Callable:
        """Register ``fn(reference)``: a JSON-able result of the reference that is the same in every
        grading. ``autograder stubs`` keeps it in ``reference/<unit>/.derived.json``, from which
        checks read it with :func:`autograder.derived.value` while nothing it depends on has changed."""
        self.derived[fn.__name__] = fn
        return fn

    def forbid(self, *apis: str, exercises: tuple[str, ...] = ("*",), why: str):
        """Declare that ``exercises`` may not call ``apis`` (enforced statically and in the worker)."""
        self.forbidden.append(Forbidden(tuple(apis), tuple(exercises), why))

    def allowed_calls(self, check: Check) -> set[str]:
        """The student functions ``check`` may call: its exercise, what that builds on, its ``uses``."""
        return {check.exercise, *self.builds_on.get(check.exercise, ()), *check.uses}

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks)

    def select(self, only: list[str] | None = None) -> list[Check]:
        """Checks whose name or exercise (or the exercise's module) is in ``only``; all if None."""
        if not only:
            return list(self.checks)
        keys = set(only)
        return [c for c in self.checks if keys & {c.name, c.exercise, c.exercise.split(".")[0]}]


def unit_names() -> list[str]:
    from . import units

    return sorted(m.name for m in pkgutil.iter_modules(units.__path__) if m.name.startswith("unit"))


def require_unit(unit: str, also: Iterable[str] = ()) -> str:
    """``unit`` if the course has it (or ``also`` does: the units a gradebook holds); else a
    ValueError that names the known units."""
    known = sorted(set(unit_names()) | set(also))
    if unit not in known:
        raise ValueError(f"unknown unit {unit!r}; known units: {', '.join(known) or 'none'}")
    return unit


def load_suite(unit: str) -> Suite:
    """The suite of ``unit``; ValueError for an unknown unit.

    Where ``autograder/keys`` is absent (the student release), the instructor-only checks are
    listed from ``autograder/units/<unit>.instructor.json`` (written with the release) as
    placeholders that never run, so the self-check can name them.
    """
    require_unit(unit)
    suite = importlib.import_module(f"autograder.units.{unit}").suite
    for part in suite.parts:  # later exercises in modules of their own, which import the suite
        importlib.import_module(f"autograder.units.{part}")
    try:  # the instructor-only answer-key checks register themselves into the same suite
        importlib.import_module(f"autograder.keys.{unit}")
    except ModuleNotFoundError as exc:
        if exc.name not in ("autograder.keys", f"autograder.keys.{unit}"):
            raise
        _list_instructor_only(suite)
    return suite


def instructor_only_manifest(unit: str):
    """Where the release lists a unit's instructor-only checks."""
    from pathlib import Path

    from . import units

    return Path(units.__file__).parent / f"{unit}.instructor.json"


def _list_instructor_only(suite: Suite):
    import json

    path = instructor_only_manifest(suite.unit)
    if not path.is_file():
        return
    known = {c.name for c in suite.checks}
    for entry in json.loads(path.read_text(encoding="utf-8"))["checks"]:
        if entry["name"] not in known:
            suite.checks.append(Check(entry["name"], _placeholder(suite.unit), entry["exercise"], float(entry["points"]),
                                      entry["visibility"], needs_reference=True, tags=("instructor-only",)))


def _placeholder(unit: str) -> Callable:
    def instructor_only(ctx):
        from .context import ReferenceMissing

        raise ReferenceMissing("this check compares with an answer key that only the instructor has")

    instructor_only.__module__ = f"autograder.keys.{unit}"  # not shipped code: Check.ships is False
    return instructor_only
