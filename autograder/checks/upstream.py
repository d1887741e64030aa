"""Which forward a backward's checks differentiate: one bug is charged to one function.

A gradient check needs a forward to take finite differences of (and a backward its cache). With the
student's own forward, a bug there (``X @ W + 2*b``) also fails the correct backward's checks. So:

- official grading (the reference is present): the finite differences are of the *reference's*
  forward (:func:`forward`), and a backward whose gradient misses with its own forward's cache is
  tried again with the reference forward's cache (:func:`retry_with`, :func:`judged`), never given
  the reference's cache first: a cache's layout (a dict, another order) is the student's own
  choice, so the backward that reads it is judged on it first; a forward bug costs points
  only in the checks of the forward's exercise and of exercises whose own output composes it;
- the student's self-check (no reference): the student's forward is all there is; a failure then
  says so and names the forward to fix first (:func:`blame`).

No answer is written here: the reference is read only where the grader has it.
"""
from __future__ import annotations

import contextlib
import copy

from ..context import CheckFailure
from ..sandbox.worker_process import StudentError


class Reference:
    """A reference function behind the student :class:`~autograder.sandbox.session.Function`
    interface (``target``, ``map``, calls), run in the grader on copies of its arguments."""

    def __init__(self, fn, target: str):
        self.fn, self.target = fn, target

    def map(self, arg_lists, **kwargs) -> list:
        return [self.fn(*copy.deepcopy(tuple(a)), **copy.deepcopy(kwargs)) for a in arg_lists]

    def __call__(self, *args, **kwargs):
        return self.map([args], **kwargs)[0]


def reference_of(ctx, fn):
    """The reference's function of the same name as the student's ``fn``, or None without one."""
    if ctx.reference is None:
        return None
    module, _, name = fn.target.rpartition(".")
    ref = getattr(getattr(ctx.reference, module, None), name, None)
    return None if ref is None else Reference(ref, fn.target)


def forward(ctx, fn):
    """What a gradient check differentiates: the reference's ``fn`` in official grading, else ``fn``."""
    return reference_of(ctx, fn) or fn


def is_students(fn) -> bool:
    return not isinstance(fn, Reference)


@contextlib.contextmanager
def blame(fn, what: str = "These finite differences are"):
    """Around a gradient check that differentiates ``fn``: where ``fn`` is the student's own (the
    self-check), a failure adds that ``what`` (the finite differences) are of it and to fix it first."""
    try:
        yield
    except CheckFailure as failure:
        if not is_students(fn):
            raise
        name = fn.target.split(".")[-1]
        raise failure.wrapped(after=f"\n({what} of YOUR {name}: a bug there fails this check "
                                    f"even for a correct backward. If a check of {name} fails, fix {name} first.)")


def attempt(check) -> Exception | None:
    """The failure of ``check()`` (a CheckFailure or the student's error), or None if it passed."""
    try:
        check()
    except (CheckFailure, StudentError) as exc:
        return exc
    return None


def retry_with(first: Exception | None, again) -> None:
    """``first`` (the failure with the student's own cache, or None) stands unless ``again()`` (the
    same check with the reference forward's cache) passes; a correct backward given its wrong
    forward's cache is not charged for the forward's bug. ``again`` is None in the self-check."""
    if first is None:
        return
    if callable(again):
        try:
            again()
            return
        except Exception:  # noqa: BLE001 -- a cache the student's backward cannot read: the first failure stands
            pass
    raise first


def judged(ctx, judge, grads_with, reference_cache) -> None:
    """``judge(grads_with(None))`` (the student's backward on its own forward's cache); in official
    grading, if that fails, ``judge(grads_with(reference_cache()))`` passing is enough (see
    :func:`retry_with`). ``judge`` raises on wrong gradients."""
    retry_with(attempt(lambda: judge(grads_with(None))),
               None if ctx.reference is None else lambda: judge(grads_with(reference_cache())))


def trained(ctx, own, with_reference, forward: str, forward_agrees) -> None:
    """:func:`retry_with` for a training outcome: ``own()`` (trained with the student's forward and
    backward) or, in official grading where it fails and ``forward_agrees()`` is False (the student's
    forward, ``forward`` by name, does not give the reference's outputs), ``with_reference()`` (the
    student's backward trained with the reference's forward) passing is enough. Where both fail, the
    second failure is raised, which judges the backward alone (it names the backward even when the
    forward is a stub), with the first after it. Where the forward agrees, ``own`` judged the
    backward already: its failure stands, at no second training's cost."""
    first = attempt(own)
    if first is None:
        return
    if ctx.reference is None or forward_agrees():
        raise first
    again = attempt(with_reference)
    if again is None:
        return
    if again is first:  # a time-out ended the check's calls: the backward was never judged
        raise first
    after = f"\n(Trained with your own {forward}: {first})"
    if isinstance(again, CheckFailure):
        raise again.wrapped(after=after)
    raise CheckFailure(str(again), after=after)


def once_per_cache(grads_with):
    """``grads_with`` answered once for the student's own cache (None) and once for the reference
    forward's (any other), a failure remembered and raised again: cases that each judge a part of
    one answer (one gradient each) share its round trips."""
    answers: dict[bool, tuple] = {}

    def remembered(cache):
        own = cache is None
        if own not in answers:
            try:
                answers[own] = (grads_with(cache), None)
            except (CheckFailure, StudentError) as exc:
                answers[own] = (None, exc)
        answer, failure = answers[own]
        if failure is not None:
            raise failure
        return answer
    return remembered


def readable(ctx, grads_with, reference_cache):
    """``grads_with(None)`` (the student's backward on its own forward's cache) or, in official
    grading when that call fails (the forward raises, the backward cannot read its cache),
    ``grads_with(reference_cache())``: :func:`judged` with a judge that takes any answer. For checks
    of what a correct backward does with any cache it reads (a contract), not of its values."""
    answers = []
    judged(ctx, answers.append, grads_with, reference_cache)
    return answers[-1]
