"""Wilson score intervals, Newcombe's difference interval and the exact McNemar test against values
computed by hand and published ones."""

import pytest

from exante.eval.stats import mcnemar, newcombe, wilson


@pytest.mark.parametrize("hits, n, expected", [
    (0, 10, [0.0, 0.2775]),
    (5, 10, [0.2366, 0.7634]),
    (10, 10, [0.7225, 1.0]),
    # Newcombe (1998), Stat. Med. 17:857, Table I, method 3 (score interval without continuity correction)
    (0, 20, [0.0, 0.1611]),
    (1, 29, [0.0061, 0.1718]),
    (15, 148, [0.0624, 0.1605]),
    (81, 263, [0.2553, 0.3662]),
])
def test_the_wilson_interval_matches_hand_computed_and_published_values(hits, n, expected):
    """Wilson: (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n), z = 1.95996, z² = 3.84146.

    0/10: p̂ = 0 → [0, z²/(n + z²)] = [0, 3.84146/13.84146] = [0, 0.2775].
    5/10: centre 0.5, half-width 1.95996·√(0.025 + 0.009604)/1.384146 = 0.26341 → [0.2366, 0.7634].
    10/10: the mirror of 0/10 → [1 − 0.2775, 1] = [0.7225, 1].
    """
    assert wilson(hits, n) == pytest.approx(expected, abs=1e-4)


def test_a_rate_over_no_sample_has_no_interval():
    assert wilson(0, 0) is None


@pytest.mark.parametrize("a, b, expected", [
    # Newcombe (1998), Stat. Med. 17:1467, Table II, method 10 (hybrid score, no continuity correction)
    ((56, 70), (48, 80), [0.0524, 0.3339]),
    ((9, 10), (3, 10), [0.1705, 0.8090]),
    ((6, 7), (2, 7), [0.0582, 0.8062]),
    ((5, 56), (0, 29), [-0.0381, 0.1926]),
    ((0, 10), (0, 20), [-0.1611, 0.2775]),
])
def test_the_difference_interval_matches_newcombes_published_values(a, b, expected):
    assert newcombe(*a, *b) == pytest.approx(expected, abs=1e-4)


def test_a_difference_with_an_empty_side_has_no_interval():
    assert newcombe(3, 10, 0, 0) is None


def test_the_exact_mcnemar_p_is_the_two_sided_binomial_tail_of_the_discordant_pairs():
    # b = 8, c = 1: p = 2·P(X ≤ 1 | n = 9, 1/2) = 2·(1 + 9)/512 = 0.0390625
    assert mcnemar(8, 1) == pytest.approx(0.0390625, abs=1e-12)
    assert mcnemar(1, 8) == mcnemar(8, 1)  # two-sided: the direction does not matter
    # b = 7, c = 1: p = 2·(1 + 8)/256 = 0.0703125, not below 0.05
    assert mcnemar(7, 1) == pytest.approx(0.0703125, abs=1e-12)
    # all five discordant pairs one way is still p = 2/32 = 0.0625: five prompts cannot show a difference
    assert mcnemar(5, 0) == pytest.approx(0.0625, abs=1e-12)
    assert mcnemar(0, 0) == 1.0  # no discordant pair: no evidence of a difference
