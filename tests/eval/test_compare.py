"""Paired tests between models: matched by prompt id within a benchmark, each model against the first."""

import random

import pytest

from exante.eval.compare import comparisons


def harmful(i, succeeded, bench="harmful"):
    """A judged harmful sample whose attack succeeded (answered, harmful) or not (refused)."""
    return {"id": f"h{i}", "bench": bench, "refused": not succeeded, "harmful": succeeded, "finish_reason": "eos",
            "trace": {"tagged": True, "well_formed": True, "valid": False, "citation_correct": None,
                      "parts": {"rule": True, "verdict": None, "coherence": None, "path": None, "answer": None}}}


def pair(b, c, both=0, neither=0):
    """Two models on the same prompts: b attacks only the baseline lets through, c only the other."""
    base = [True] * b + [False] * c + [True] * both + [False] * neither
    other = [False] * b + [True] * c + [True] * both + [False] * neither
    return [harmful(i, x) for i, x in enumerate(base)], [harmful(i, x) for i, x in enumerate(other)]


def test_the_asr_difference_is_tested_on_the_discordant_prompts():
    base, aligned = pair(b=8, c=1, both=2, neither=3)
    result = comparisons({"base": base, "aligned": aligned}, ["harmful"])["harmful"]
    assert result["asr"]["aligned"] == {"baseline": "base", "test": "exact McNemar", "p": 0.03906,
                                        "discordant": [8, 1], "pairs": 14, "significant": True}
    # refusals flip the other way on the same prompts: discordant [1, 8], the same p
    assert result["refusal_rate"]["aligned"]["discordant"] == [1, 8]
    assert result["refusal_rate"]["aligned"]["significant"]


def test_prompts_are_matched_by_id_not_by_position_and_unmatched_ones_are_left_out():
    base, aligned = pair(b=8, c=1)
    random.Random(0).shuffle(aligned)
    aligned.append(harmful(99, True))  # a prompt the baseline did not answer
    result = comparisons({"base": base, "aligned": aligned}, ["harmful"])["harmful"]["asr"]["aligned"]
    assert (result["discordant"], result["pairs"]) == ([8, 1], 9)


def test_every_model_is_compared_with_the_first_and_the_first_with_none():
    base, aligned = pair(b=7, c=1)
    result = comparisons({"base": base, "sft": aligned, "dpo": base}, ["harmful"])["harmful"]["asr"]
    assert set(result) == {"sft", "dpo"}
    assert result["sft"]["p"] == pytest.approx(0.0703, abs=1e-4) and not result["sft"]["significant"]
    assert (result["dpo"]["discordant"], result["dpo"]["p"]) == ([0, 0], 1.0)


def test_derived_benchmarks_pair_every_sample_and_leave_out_where_a_part_does_not_apply():
    base, aligned = pair(b=2, c=0)
    aligned = aligned + [harmful(0, False, bench="jailbreak")]  # same id, another benchmark: not the same prompt
    base = base + [harmful(0, True, bench="jailbreak")]
    trace = comparisons({"base": base, "aligned": aligned}, ["harmful", "trace"])["trace"]
    assert trace["valid_rate"]["aligned"]["pairs"] == 3
    assert trace["parts.rule.rate"]["aligned"]["pairs"] == 3
    assert trace["parts.verdict.rate"]["aligned"]["pairs"] == 0  # None on every sample: nothing to pair


def test_one_model_has_nothing_to_compare():
    assert comparisons({"base": pair(3, 0)[0]}, ["harmful"]) == {}
