"""Uncertainty of the report's rates: Wilson score intervals, Newcombe's interval of a difference
of two rates, and the exact McNemar test.

Both come from ``scipy.stats.binomtest`` (scipy ≥ 1.7, a dependency): its ``proportion_ci``
gives the Wilson score interval without continuity correction, and McNemar's exact test is the
binomial test of the discordant pairs at 1/2.
"""

from __future__ import annotations

CONFIDENCE = 0.95
ALPHA = 0.05  # a paired difference is marked significant when p < ALPHA
PAIRED_TEST = "exact McNemar"


def wilson(hits: int, n: int, confidence: float = CONFIDENCE) -> list[float] | None:
    """[lo, hi] of the Wilson score interval of ``hits`` in ``n``; None for n = 0.

    Six decimals, two more than the rates: a bound shown as a percentage with one decimal is then
    rounded once (0.094531 → 9.5 %), not twice (0.0945 → 9.4 %).

    Chosen over the normal (Wald) interval because the report's rates sit near 0 and 1 on a few
    dozen prompts, where Wald collapses to a point (0 of 20 gives [0, 0]) or reaches past 0 or 1.
    """
    if n == 0:
        return None
    from scipy.stats import binomtest  # imported here: it takes ~0.8 s, and the table code imports this module

    ci = binomtest(hits, n).proportion_ci(confidence_level=confidence, method="wilson")
    return [round(float(ci.low), 6), round(float(ci.high), 6)]


def newcombe(hits_a: int, n_a: int, hits_b: int, n_b: int, confidence: float = CONFIDENCE) -> list[float] | None:
    """[lo, hi] of rate a − rate b over independent samples: Newcombe's hybrid score interval
    (method 10 of Newcombe 1998), built from the two Wilson intervals; None when a side is empty.

    Used for the refusal and probe gaps (unsafe − safe), which are differences over disjoint
    prompt sets; scipy has no two-sample proportion interval, hence these few lines.
    """
    a, b = wilson(hits_a, n_a, confidence), wilson(hits_b, n_b, confidence)
    if a is None or b is None:
        return None
    p_a, p_b = hits_a / n_a, hits_b / n_b
    diff = p_a - p_b
    lo = diff - ((p_a - a[0]) ** 2 + (b[1] - p_b) ** 2) ** 0.5
    hi = diff + ((a[1] - p_a) ** 2 + (p_b - b[0]) ** 2) ** 0.5
    return [round(max(-1.0, lo), 6), round(min(1.0, hi), 6)]


def mcnemar(b: int, c: int) -> float:
    """Two-sided p of the exact McNemar test on ``b`` and ``c`` discordant pairs; 1.0 when there are none."""
    from scipy.stats import binomtest

    return float(binomtest(b, b + c, 0.5).pvalue) if b + c else 1.0
