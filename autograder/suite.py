"""Suites and checks: a check is one small function with its points, visibility and timeout.

A unit's suite lives in ``autograder/units/<unit>.py`` and looks like::

    suite = Suite("unit01_foundations", modules=["activations", ...])

    @suite.check("activations.sigmoid", points=2, timeout=10)
    def sigmoid_values(ctx):
        ...

Adding an exercise touches the reference module, the suite and the unit's tests, never the engine.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable

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

    @property
    def public(self) -> bool:
        """Runs in the student's self-check: no reference needed, results not hidden."""
        return not self.needs_reference and self.visibility != "hidden"


@dataclass
class Suite:
    """The scored checks of one unit, in the order they were registered."""

    unit: str
    modules: list[str]
    title: str = ""
    preload: str = "numpy"
    drivers: dict[str, str] = field(default_factory=dict)  # name -> source run inside the worker
    checks: list[Check] = field(default_factory=list)

    def check(self, exercise: str, *, points: float, visibility: str = "visible", timeout: float = 20.0,
              needs_reference: bool = False, tags: tuple[str, ...] = (), name: str | None = None):
        """Register the decorated function as a check of ``exercise`` (``module.function``)."""
        if visibility not in VISIBILITIES:
            raise ValueError(f"visibility must be one of {VISIBILITIES}")

        def register(fn):
            check = Check(name or fn.__name__, fn, exercise, float(points), visibility, float(timeout),
                          needs_reference, tuple(tags))
            if any(c.name == check.name for c in self.checks):
                raise ValueError(f"{self.unit}: duplicate check {check.name}")
            self.checks.append(check)
            return fn

        return register

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


def load_suite(unit: str) -> Suite:
    """The suite of ``unit``; ValueError for an unknown unit."""
    if unit not in unit_names():
        raise ValueError(f"unknown unit {unit!r}; known units: {', '.join(unit_names()) or 'none'}")
    return importlib.import_module(f"autograder.units.{unit}").suite
