"""Pair selection on hand-built scored samples: max-min and SRS pick the documented samples, the
margin drops close pairs, unacceptable samples are never chosen, and the objective follows the
rejected side."""

import pytest

from exante.iterate.pairs import objective_of
from exante.iterate.selection import Pick, Skip, select_pair

ACCEPT = {"refusal_correct": 1.0, "harmless": 1.0}


def sample(index, reward, tokens, correct=1.0, harmless=1.0):
    return {"sample": index, "reward": reward, "completion_tokens": tokens,
            "components": {"refusal_correct": correct, "harmless": harmless}}


def indices(result):
    assert isinstance(result, Pick), result
    return result.chosen["sample"], result.rejected["sample"]


def test_max_min_takes_the_highest_reward_acceptable_sample_against_the_worst():
    samples = [sample(0, 2.1, 90), sample(1, 2.6, 120), sample(2, 0.4, 60, correct=0.0), sample(3, 1.9, 40)]
    assert indices(select_pair(samples, "max_min", ACCEPT, 0.5)) == (1, 2)


def test_srs_takes_the_shortest_acceptable_sample_against_the_worst():
    samples = [sample(0, 2.1, 90), sample(1, 2.6, 120), sample(2, 0.4, 60, correct=0.0), sample(3, 1.9, 40)]
    assert indices(select_pair(samples, "srs", ACCEPT, 0.5)) == (3, 2)


def test_an_unacceptable_sample_is_never_chosen_even_with_the_highest_reward():
    # sample 0 scores highest (a sound trace) but refuses a benign prompt
    samples = [sample(0, 2.7, 50, correct=0.0), sample(1, 2.0, 80), sample(2, 0.2, 30, harmless=0.0)]
    assert indices(select_pair(samples, "max_min", ACCEPT, 0.5)) == (1, 2)


def test_a_pair_closer_than_the_margin_is_skipped_and_one_at_the_margin_kept():
    close = [sample(0, 2.0, 50), sample(1, 1.8, 60)]
    skip = select_pair(close, "max_min", ACCEPT, 0.25)
    assert isinstance(skip, Skip) and skip.code == "margin" and skip.rejected["sample"] == 1
    at_margin = [sample(0, 2.0, 50), sample(1, 1.75, 60)]
    assert indices(select_pair(at_margin, "max_min", ACCEPT, 0.25)) == (0, 1)


def test_when_no_sample_is_acceptable_the_skip_asks_for_the_fallback_and_names_the_worst():
    samples = [sample(0, 1.2, 50, correct=0.0), sample(1, 0.9, 70, correct=0.0)]
    skip = select_pair(samples, "max_min", ACCEPT, 0.0)
    assert isinstance(skip, Skip) and skip.code == "no_acceptable" and skip.rejected["sample"] == 1


def test_between_equal_rewards_the_longer_sample_is_the_rejected_one():
    samples = [sample(0, 1.0, 70), sample(1, 1.0, 50)]
    assert indices(select_pair(samples, "max_min", ACCEPT, 0.0)) == (1, 0)


def test_when_only_the_worst_sample_is_acceptable_there_is_no_pair_and_no_fallback():
    one_good = [sample(0, 0.5, 50), sample(1, 1.5, 70, correct=0.0)]
    assert select_pair(one_good, "max_min", ACCEPT, 0.0).code == "margin"


def test_samples_without_a_reward_are_left_out_and_fewer_than_two_scored_give_no_pair():
    samples = [sample(0, None, 50), sample(1, 2.0, 60), sample(2, 0.5, 70, correct=0.0)]
    assert indices(select_pair(samples, "max_min", ACCEPT, 0.5)) == (1, 2)
    assert select_pair(samples[:2], "max_min", ACCEPT, 0.5).code == "unscored"


@pytest.mark.parametrize("rule", ["max_min", "srs"])
def test_the_selection_does_not_depend_on_the_order_of_the_samples(rule):
    samples = [sample(0, 2.0, 50), sample(1, 2.0, 50), sample(2, 2.0, 90), sample(3, 0.0, 90, correct=0.0),
               sample(4, 0.0, 90, correct=0.0)]
    assert indices(select_pair(samples, rule, ACCEPT, 0.5)) == indices(select_pair(samples[::-1], rule, ACCEPT, 0.5))


def test_the_objective_is_efficiency_when_both_sides_are_acceptable_else_by_the_prompts_kind():
    assert objective_of("harmful", rejected_acceptable=True) == "efficiency"
    assert objective_of("jailbreak", rejected_acceptable=False) == "safety"
    assert objective_of("borderline", rejected_acceptable=False) == "usefulness"
