"""Statistical checks of random draws, each an acceptance region at a stated confidence level.

A correct implementation fails one of these checks with probability at most ``1 - confidence``
(default :data:`CONFIDENCE`, so one run in a million; a check that runs k of them passes
``confidence=`` :func:`per_test` ``(k)`` to keep the whole check at one in a million), and the failure message says so; a wrong
one fails as soon as its error is a few standard errors wide, which the sample sizes of the checks
make certain for the mistakes that matter (a wrong fan, a wrong scale, a wrong distribution).

- :func:`proportion`: a count of successes against the exact binomial interval.
- :func:`mean`: a sample mean against the normal approximation (the CLT) with known variances.
- :func:`variance`: the mean square about a known centre, with the known kurtosis of the law.
- :func:`goodness_of_fit`: Pearson's chi-square test of binned counts.

scipy is imported only by the two tests that need its special functions, so a suite that imports
this module does not pay for ``scipy.stats`` (seconds) when it loads.
"""
from __future__ import annotations

from statistics import NormalDist

import numpy as np

from ..context import CheckFailure

CONFIDENCE = 1 - 1e-6


def _chance(confidence: float) -> str:
    return f"(a correct implementation lands outside this range with probability {1 - confidence:.0e})"


def per_test(tests: int, total: float = 1 - CONFIDENCE) -> float:
    """The confidence of each of ``tests`` tests so that together they fail with probability at
    most ``total`` (union bound)."""
    return 1 - total / tests


def z_value(confidence: float = CONFIDENCE) -> float:
    """The two-sided standard normal quantile: P(|Z| > z) = 1 - confidence."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def binomial_interval(n: int, p: float, confidence: float = CONFIDENCE) -> tuple[int, int]:
    """The central interval [lo, hi] of Binomial(n, p) holding at least ``confidence`` of its mass
    (as ``scipy.stats.binom.interval``: the alpha/2 and 1 - alpha/2 quantiles)."""
    from scipy.special import bdtr  # noqa: PLC0415 (P(X <= k); scipy.special loads fast)

    def quantile(q: float) -> int:  # the smallest k with P(X <= k) >= q
        lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) // 2
            if bdtr(mid, n, p) >= q:
                hi = mid
            else:
                lo = mid + 1
        return lo

    alpha = 1 - confidence
    return quantile(alpha / 2), quantile(1 - alpha / 2)


def proportion(count: int, n: int, p: float, name: str, *, confidence: float = CONFIDENCE) -> None:
    """``count`` successes in ``n`` independent trials of probability ``p``."""
    lo, hi = binomial_interval(n, p, confidence)
    if not lo <= count <= hi:
        raise CheckFailure(f"{name}: {count} of {n} ({count / n:.4f}); with probability {p:g} each the "
                           f"count should be between {int(lo)} and {int(hi)} {_chance(confidence)}")


def mean(values: np.ndarray, expected: float, name: str, *, variance, confidence: float = CONFIDENCE) -> None:
    """The mean of independent ``values`` with known per-entry ``variance`` (a scalar or an array)."""
    values = np.asarray(values, dtype=np.float64).ravel()
    n = values.size
    variance = np.asarray(variance, dtype=np.float64)
    stderr = float(np.sqrt(variance.sum() if variance.ndim else variance * n)) / n
    bound = z_value(confidence) * stderr
    got = float(values.mean())
    if abs(got - expected) > bound:
        raise CheckFailure(f"{name}: the mean of {n} values is {got:.5g}; it should be within "
                           f"{bound:.3g} of {expected:.5g} {_chance(confidence)}")


def variance(values: np.ndarray, expected: float, name: str, *, center: float = 0.0, kurtosis: float = 3.0,
             confidence: float = CONFIDENCE) -> None:
    """The variance of i.i.d. ``values`` with known mean ``center`` and law of ``kurtosis``
    (E[(x - center)^4] / variance^2: 3 for a normal law, 9/5 for a uniform one)."""
    values = np.asarray(values, dtype=np.float64).ravel()
    squares = (values - center) ** 2
    bound = z_value(confidence) * expected * np.sqrt((kurtosis - 1) / squares.size)
    got = float(squares.mean())
    if abs(got - expected) > bound:
        raise CheckFailure(f"{name}: the variance of {squares.size} values is {got:.5g}; it should be within "
                           f"{bound:.3g} of {expected:.5g} {_chance(confidence)}")


def goodness_of_fit(counts: np.ndarray, probs: np.ndarray, name: str, *, what: str = "bins",
                    confidence: float = CONFIDENCE) -> None:
    """Pearson's chi-square test that ``counts`` were drawn with probabilities ``probs``.

    The grader chooses the bins so that every expected count is at least 5.
    """
    counts = np.asarray(counts, dtype=np.float64)
    expected = counts.sum() * np.asarray(probs, dtype=np.float64)
    statistic = float(np.sum((counts - expected) ** 2 / expected))
    from scipy.special import chdtri  # noqa: PLC0415 (the inverse chi-square survival function)

    limit = float(chdtri(len(counts) - 1, 1 - confidence))
    if statistic > limit:
        worst = int(np.argmax(np.abs(counts - expected) / np.sqrt(expected)))
        raise CheckFailure(f"{name}: the counts over {len(counts)} {what} do not follow the required distribution "
                           f"(chi-square {statistic:.1f}, at most {limit:.1f} allowed {_chance(confidence)}); "
                           f"the worst is {what} #{worst}: {int(counts[worst])} values where about "
                           f"{expected[worst]:.0f} were expected")


def uncorrelated(a: np.ndarray, b: np.ndarray, name: str, *, confidence: float = CONFIDENCE) -> None:
    """Paired draws that should be independent: their sample correlation is within z / sqrt(n) of 0."""
    a, b = np.ravel(a), np.ravel(b)
    corr = float(np.corrcoef(a, b)[0, 1])
    bound = z_value(confidence) / np.sqrt(a.size)
    if not abs(corr) <= bound:
        raise CheckFailure(f"{name}: the correlation is {corr:.4f}; independent draws give at most {bound:.4f} "
                           f"in magnitude {_chance(confidence)}")
