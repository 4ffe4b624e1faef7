"""The statistics of the insights reports, pure functions (no database).

- ``g2``: Dunning's log-likelihood ratio G² for a 2×2 table (a term's count in
  corpus A of size n_a against corpus B of size n_b). Under "same rate" G² is
  χ²(1)-distributed: G² ≥ 3.84 ⇔ p < 0.05, ≥ 6.63 ⇔ p < 0.01, ≥ 10.83 ⇔ p < 0.001.
- ``poisson_sf``: one-sided Poisson tail P(X ≥ k | μ), for hot spots.
"""

from __future__ import annotations

import math

G2_P001 = 10.83  # χ²(1) critical value at p = 0.001: the default threshold for rising topics
MIN_COUNT = 5  # a term needs at least this many requests (or messages) in the current period


def _xlnx(o: float, e: float) -> float:
    return o * math.log(o / e) if o > 0 else 0.0


def g2(a: int, n_a: int, b: int, n_b: int) -> float:
    """Dunning's G² for ``a`` of ``n_a`` against ``b`` of ``n_b`` (counts of documents)."""
    if n_a <= 0 or n_b <= 0:
        return 0.0
    total = n_a + n_b
    k = a + b
    if k == 0 or k == total:
        return 0.0
    e_a, e_b = n_a * k / total, n_b * k / total
    e_na, e_nb = n_a - e_a, n_b - e_b
    return 2.0 * (_xlnx(a, e_a) + _xlnx(b, e_b) + _xlnx(n_a - a, e_na) + _xlnx(n_b - b, e_nb))


def rising(a: int, n_a: int, b: int, n_b: int, *, threshold: float = G2_P001, min_count: int = MIN_COUNT) -> bool:
    """Whether a term at ``a``/``n_a`` now is significantly higher than ``b``/``n_b`` before."""
    if a < min_count or n_a <= 0:
        return False
    if n_b > 0 and a / n_a <= b / n_b:
        return False
    return g2(a, n_a, b, n_b) >= threshold


def poisson_sf(k: int, mu: float) -> float:
    """P(X ≥ k) for X ~ Poisson(μ) (k ≥ 0), summed in log space."""
    if k <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    # P(X >= k) = 1 - sum_{i<k} pmf(i); for k above the mean sum the upper tail directly
    if k > mu:
        log_p = -mu + k * math.log(mu) - math.lgamma(k + 1)
        total, term, i = 0.0, 1.0, k
        while True:
            total += term
            i += 1
            term *= mu / i
            if term < 1e-17 * total:
                break
        return min(1.0, math.exp(log_p) * total)
    cdf, term = 0.0, math.exp(-mu)
    for i in range(k):
        cdf += term
        term *= mu / (i + 1)
    return max(0.0, 1.0 - cdf)
