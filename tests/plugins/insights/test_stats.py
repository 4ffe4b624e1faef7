"""The tests behind rising topics (Dunning G²) and hot spots (one-sided Poisson) on
constructed counts: a real rise / concentration is found, noise is not."""

from __future__ import annotations

import math

from gongzhi.plugins.insights.stats import G2_P001, g2, poisson_sf, rising


def test_g2_matches_the_textbook_value():
    # 2x2 table [[10, 90], [30, 70]]: G² = 2 Σ O ln(O/E), E from the margins
    obs = [10, 90, 30, 70]
    exp = [20, 80, 20, 80]
    want = 2 * sum(o * math.log(o / e) for o, e in zip(obs, exp, strict=True))
    assert abs(g2(30, 100, 10, 100) - want) < 1e-9
    assert g2(10, 100, 10, 100) == 0.0


def test_real_rise_detected():
    # 40 of 1,000 requests this month against 10 of 1,000 last month
    assert g2(40, 1000, 10, 1000) > G2_P001
    assert rising(40, 1000, 10, 1000)


def test_noise_not_detected():
    assert not rising(14, 1000, 10, 1000)  # a 40 % "rise" that chance explains
    assert not rising(4, 100, 0, 100)  # infinite ratio of small counts: under the minimum count
    assert not rising(3, 1000, 1, 1000, min_count=1)  # a tripling, still noise (G² ≈ 1.1)
    assert not rising(10, 1000, 40, 1000)  # a fall is not a rise


def test_threshold_is_documented_critical_value():
    # χ²(1) upper 0.1 % point: P(χ²₁ ≥ 10.83) = erfc(sqrt(10.83/2)) ≈ 0.001
    assert abs(math.erfc(math.sqrt(G2_P001 / 2)) - 0.001) < 2e-5


def test_poisson_tail():
    # P(X ≥ 10 | μ=3) by the complement of the pmf sum
    cdf = sum(math.exp(-3) * 3**i / math.factorial(i) for i in range(10))
    assert abs(poisson_sf(10, 3.0) - (1 - cdf)) < 1e-12
    assert poisson_sf(0, 2.0) == 1.0
    assert abs(poisson_sf(1, 2.0) - (1 - math.exp(-2))) < 1e-12
    assert poisson_sf(200, 50.0) < 1e-40
