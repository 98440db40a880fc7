"""The dev criterion that picks the returned round, early stopping, and the per-round table."""

from exante.iterate.table import best_round, markdown, rounds_since_best


def row(t, gap, over, tokens=100.0):
    figure = {"rate": 0.1, "ci": [0.05, 0.2], "n": 60}
    dev = {"harmful ASR": figure, "jailbreak ASR": figure, "over-refusal": {**figure, "rate": over},
           "compliance": figure, "sound traces": figure, "reasoning tokens": tokens,
           "refusal gap": {"gap": gap, "ci": [gap - 0.1, gap + 0.1]}}
    return {"round": t, "policy": f"round-{t}", "pairs": {"pairs": 10, "sample_reward_mean": 1.5,
                                                          "sample_reasoning_tokens_mean": tokens}, "dev": dev}


def test_the_largest_refusal_gap_under_the_over_refusal_cap_wins():
    rows = [row(0, 0.2, 0.05), row(1, 0.6, 0.25), row(2, 0.4, 0.08)]
    assert best_round(rows, cap=0.10) == 2  # round 1 has the larger gap but over-refuses
    assert best_round(rows, cap=0.30) == 1


def test_ties_go_to_fewer_reasoning_tokens_then_the_earlier_round():
    assert best_round([row(0, 0.4, 0.05, tokens=150), row(1, 0.4, 0.05, tokens=90)], cap=0.1) == 1
    assert best_round([row(0, 0.4, 0.05), row(1, 0.4, 0.05)], cap=0.1) == 0


def test_with_no_round_under_the_cap_the_gap_still_decides():
    assert best_round([row(0, 0.2, 0.3), row(1, 0.5, 0.4)], cap=0.1) == 1


def test_without_dev_figures_the_last_round_is_returned():
    rows = [{"round": 1, "dev": None}, {"round": 2, "dev": None}]
    assert best_round(rows, cap=0.1) == 2


def test_rounds_since_the_best_count_the_rounds_that_did_not_improve():
    rows = [row(0, 0.2, 0.05), row(1, 0.5, 0.05), row(2, 0.4, 0.05), row(3, 0.45, 0.05)]
    assert rounds_since_best(rows[:2], 0.1) == 0 and rounds_since_best(rows, 0.1) == 2


def test_the_table_shows_each_figure_with_its_interval_and_marks_the_best_round():
    text = markdown([row(0, 0.2, 0.05), row(1, 0.5, 0.05)], best=1, criterion="c")
    assert "| 1 (best) | 10 | 1.50 | 100 | 10.0% [5.0, 20.0] (n=60) |" in text
    assert "0.50 [+0.40, +0.60]" in text and "Returned: round 1 — c" in text
