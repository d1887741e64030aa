"""Property tests against student code: hypothesis strategies plus a seeded runner.

Strategies draw well-conditioned float64 inputs away from kinks and ties. :func:`run` executes a
property in the grader (the examples' worker calls batched), seeded from the check's seed so a
regrade replays the same examples, and turns a failure into feedback with the shrunk example.

Hypothesis is confined on import (:func:`confine_hypothesis`): no example database, nothing written
to the current directory, and draws that depend only on the seed (not on what else the process
imported).
"""
from __future__ import annotations

import copy
import os
import tempfile
import threading
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, Phase, find, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure, HypothesisException
from hypothesis.extra import numpy as hnp

from ..context import CheckFailure
from ..sandbox.session import Deferred
from ..sandbox.worker_process import StudentError

SETTINGS = dict(deadline=None, database=None, derandomize=False, suppress_health_check=list(HealthCheck),
                print_blob=False, report_multiple_bugs=False)


def confine_hypothesis() -> None:
    """Keep hypothesis out of the current directory and make its draws depend on the seed alone.

    Hypothesis keeps ``.hypothesis/`` in the current directory (an example database, and a cache
    of literals harvested from every imported non-library module, which it mixes into its draws).
    Grading uses no database (``database=None`` in every run), stores anything hypothesis still
    writes under the temporary directory, and turns the harvested literals off, so the examples a
    check draws do not depend on which other modules the grading process happened to import
    (a CLI grading, a batch worker and a notebook draw the same examples for one seed).
    """
    from hypothesis import configuration

    if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        configuration.set_hypothesis_home_dir(Path(tempfile.gettempdir()) / f"deepgrade-hypothesis-{os.getuid()}")
    try:  # a private hook; if a future hypothesis moves it, only the literal mixing is lost
        from hypothesis.internal.conjecture import providers
    except ImportError:
        return
    if hasattr(providers, "_get_local_constants") and hasattr(providers, "Constants"):
        empty = providers.Constants()
        providers._get_local_constants = lambda: empty
        if hasattr(providers, "CONSTANTS_CACHE"):
            providers.CONSTANTS_CACHE.cache.clear()


confine_hypothesis()

_PRIMED = threading.local()


def prime() -> None:
    """Run hypothesis once in this thread, so that a check's first property test does not pay for its
    set-up: 0.08 s, plus a full garbage collection in each thread's first test (0.09 s more once
    torch is loaded). The grader calls it before it imports the reference, while the worker starts.
    Seeded draws do not depend on it."""
    if not getattr(_PRIMED, "done", False):
        find(st.booleans(), lambda _: True, settings=settings(database=None, phases=[Phase.generate]))
        _PRIMED.done = True


def floats(lo: float = -10.0, hi: float = 10.0, avoid=(), gap: float = 1e-3) -> st.SearchStrategy:
    """Finite floats in [lo, hi], at least ``gap`` away from each point in ``avoid`` (kinks)."""
    base = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    return base.filter(lambda v: all(abs(v - a) > gap for a in avoid)) if avoid else base


def shapes(min_dims: int = 1, max_dims: int = 2, min_side: int = 1, max_side: int = 6):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def arrays(shape, lo: float = -10.0, hi: float = 10.0, avoid=(), gap: float = 1e-3,
           distinct: bool = False) -> st.SearchStrategy:
    """float64 arrays of ``shape`` (a tuple or a strategy of tuples); ``distinct`` avoids ties."""
    return hnp.arrays(np.float64, shape, elements=floats(lo, hi, avoid, gap), unique=distinct)


@st.composite
def well_conditioned(draw, n: int | None = None, max_n: int = 5, max_cond: float = 1e3):
    """A square matrix whose condition number is at most ``max_cond``."""
    n = n or draw(st.integers(1, max_n))
    a = draw(arrays((n, n), -1.0, 1.0))
    u, s, vt = np.linalg.svd(a)
    s = np.clip(s, 1.0, None)
    s = np.clip(s, s.max() / max_cond, None)
    return (u * s) @ vt


def run(ctx, test, *, max_examples: int = 40, **strategies) -> None:
    """Check ``test(**drawn)`` on examples; raise CheckFailure with the shrunk counterexample.

    The examples hypothesis draws for this seed are first run with their worker calls batched
    (:func:`batched`); only when one fails does hypothesis run the property again, a call per
    example, to find and shrink the failure exactly as without batching. A call that times out,
    crashes, or is refused (its function was given up on) fails the check with its error alone: the
    remaining examples fail at once instead of restarting workers while hypothesis shrinks, so no
    "smallest failing input" is shown (shrinking would only find the smallest example drawn).
    """
    fatal: list[StudentError] = []
    outcome = batched(ctx, test, _given(max_examples, strategies))
    if outcome is True:
        return
    if isinstance(outcome, StudentError):
        raise CheckFailure(str(outcome)) from None

    def guarded(**kwargs):
        if fatal:
            raise fatal[0]
        try:
            test(**kwargs)
        except StudentError as exc:
            if exc.kind in FATAL:
                fatal.append(exc)
            raise

    try:
        seed(ctx.seed)(_given(max_examples, strategies)(guarded))()
    except (CheckFailure, StudentError) as exc:
        if isinstance(exc, StudentError) and exc.kind in FATAL:  # not the input's doing: none shown
            raise CheckFailure(str(exc)) from None
        example = _counterexample(exc)
        after = f"\n{example}" if example else ""
        if isinstance(exc, CheckFailure):  # keep the expected value a part the runner may hide
            raise exc.wrapped(after=after) from None
        raise CheckFailure(f"{exc}{after}") from None
    except FlakyFailure as exc:
        inner = fatal[0] if fatal else exc.exceptions[0]
        raise CheckFailure(f"{inner}\n(the failure did not repeat on the same input)") from None
    except HypothesisException as exc:
        raise RuntimeError(f"property setup: {exc}") from None


def _given(max_examples: int, strategies: dict):
    """The decorator that makes a test a hypothesis property (the same for drawing and for running)."""
    config = settings(max_examples=max_examples, phases=(Phase.explicit, Phase.generate, Phase.shrink), **SETTINGS)
    return lambda test: config(given(**strategies)(test))


FATAL = ("timeout", "crash", "flood", "protocol", "refused")  # StudentError kinds that end a property at once
MAX_ROUNDS = 4  # times the examples run to find their calls (a call that depends on an earlier answer: one more)


def batched(ctx, test, given_) -> bool | StudentError | None:
    """Run ``test`` on the examples hypothesis draws for ``ctx.seed`` (all of them, as when every
    example passes), the worker calls of all examples sent in a few batches (:class:`Replay`).

    When the calls take several requests (slow calls, a short time limit), the examples run between
    them, and the first that fails ends the fetching.

    True: every example passed. Otherwise the check's state is as before, and the caller runs
    hypothesis itself: None (an example failed, or ``test`` cannot be replayed: it calls a driver or a
    method, or draws from ``ctx.rng``), or the StudentError that stopped a batch (a time-out, a crash, a
    call refused: the caller fails the check with it).
    """
    if ctx.student is None:  # no submission (the toolkit's own tests): nothing to batch
        return None
    drawn: list[dict] = []
    try:
        seed(ctx.seed)(given_(lambda **kwargs: drawn.append(kwargs)))()
    except Exception:  # the live run reports what went wrong
        return None
    marks = (len(ctx.notes), len(ctx.cases), len(ctx.figures), set(ctx.trivial), ctx.rng.bit_generator.state)

    def restore():
        del ctx.notes[marks[0]:], ctx.cases[marks[1]:], ctx.figures[marks[2]:]
        ctx.trivial.clear()
        ctx.trivial.update(marks[3])
        ctx.rng.bit_generator.state = marks[4]

    def failed() -> bool:
        """Whether an example whose calls are all answered already fails (the others stop at a call)."""
        for kwargs in drawn:
            try:
                test(**copy.deepcopy(kwargs))
            except Deferred:
                pass
            except (CheckFailure, StudentError):
                return True
            finally:
                restore()
        return False

    with ctx.student.replaying() as replay:
        try:
            for _ in range(MAX_ROUNDS):
                for kwargs in drawn:  # find the calls: each example stops at its first one not answered yet
                    try:
                        test(**copy.deepcopy(kwargs))
                    except Deferred:
                        pass
                    if ctx.rng.bit_generator.state != marks[4] or not replay.replayable:
                        raise Deferred
                    restore()
                if not replay.missing:
                    break
                if replay.fetch(stop=failed):  # a failing example needs no more answers: hypothesis takes over
                    raise Deferred
            else:
                raise Deferred
            for kwargs in drawn:  # every answer is here: the run that counts
                test(**copy.deepcopy(kwargs))
        except StudentError as exc:
            restore()
            return exc if exc.kind in FATAL else None
        except (CheckFailure, Deferred):
            restore()
            return None
    return True


def _counterexample(exc: BaseException) -> str:
    for note in getattr(exc, "__notes__", []):
        if note.startswith(("Falsifying example", "Failing test case")):
            body = note.split("(", 1)[-1].rsplit(")", 1)[0].strip().rstrip(",")
            lines = [line.strip() for line in body.splitlines() if line.strip()]
            return "Smallest failing input found: " + " ".join(lines)[:800]
    return ""
