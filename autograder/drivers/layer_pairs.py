"""Driver: call a submission's function on copies of its arguments (see ``checks/layer_pairs.py``).

The worker reports a function that modifies an argument in place as a failed call. Calling it
through these helpers hands it copies instead, so such a slip costs only the check's own
"inputs untouched" case (which calls the function directly), not every case of the exercise.
"""
import copy


def call(target, *args):
    """``student(target)(*copies of args)``."""
    return student(target)(*copy.deepcopy(args))  # noqa: F821


def call_without_cache(target, count, *args):
    """:func:`call` with the last item of the result (the cache) replaced by None, so that many
    perturbed forwards travel back without their caches; other results are returned as they are."""
    result = student(target)(*copy.deepcopy(args))  # noqa: F821
    if isinstance(result, (tuple, list)) and len(result) == count + 1:
        return (*result[:count], None)
    return result
