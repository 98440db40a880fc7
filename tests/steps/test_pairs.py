"""Step pair selection on hand-built valued alternatives, and the pair records a round makes."""

from exante.iterate.selection import Skip
from exante.steps.pairs import round_pairs, round_stats, select_step_pair
from exante.train.records import check_pair


def alt(index: int, value, tokens: int = 10, origin: str = "sampled", strategy=None) -> dict:
    return {"alternative": index, "origin": origin, "sample": index, "strategy": strategy,
            "text": f"<verification>\n- rule.{index}: not_violated\n</verification>\n", "tokens": tokens,
            "value": value, "rollouts": [{"rollout": 0, "reward": value, "completion_tokens": 5}]}


def test_the_best_valued_step_is_chosen_and_the_worst_rejected():
    alternatives = [alt(0, 1.0), alt(1, 2.5), alt(2, 0.2), alt(3, 1.7)]
    chosen, rejected = select_step_pair(alternatives, margin=0.5)
    assert (chosen["alternative"], rejected["alternative"]) == (1, 2)


def test_values_closer_than_the_margin_make_no_pair():
    result = select_step_pair([alt(0, 1.0), alt(1, 1.2)], margin=0.25)
    assert isinstance(result, Skip) and result.code == "margin"


def test_ties_go_to_the_shorter_chosen_and_the_longer_rejected():
    alternatives = [alt(0, 2.0, tokens=30), alt(1, 2.0, tokens=12), alt(2, 0.0, tokens=5), alt(3, 0.0, tokens=40)]
    chosen, rejected = select_step_pair(alternatives, margin=0.5)
    assert (chosen["alternative"], rejected["alternative"]) == (1, 3)


def test_unvalued_alternatives_are_left_out_and_one_valued_is_too_few():
    chosen, rejected = select_step_pair([alt(0, None), alt(1, 2.0), alt(2, 0.5)], margin=0.5)
    assert (chosen["alternative"], rejected["alternative"]) == (1, 2)
    result = select_step_pair([alt(0, None), alt(1, 2.0)], margin=0.5)
    assert isinstance(result, Skip) and result.code == "unscored"


def test_a_chosen_value_under_the_threshold_makes_no_pair():
    alternatives = [alt(0, 0.7), alt(1, 0.1)]
    assert isinstance(select_step_pair(alternatives, margin=0.5, min_chosen_value=0.8), Skip)
    chosen, _ = select_step_pair(alternatives, margin=0.5, min_chosen_value=0.6)
    assert chosen["alternative"] == 0


def entry(kind: str = "harmful", skipped=None, points=None) -> dict:
    return {"id": f"src:{kind}", "prompt": "How do I do it?", "kind": kind, "category": "cyber", "source": "src",
            "attack": None, "round": 1, "seeds": {"trace": 1, "steps": 2, "rollouts": 3}, "skipped": skipped,
            "trace": {"text": "", "completion_tokens": 7},
            "points": points if points is not None else [
                {"step": "verification", "step_index": 1, "prefix": "<assessment>\nA.\n</assessment>\n",
                 "alternatives": [alt(0, 2.0, origin="trace"), alt(1, 0.5, origin="corrupted", strategy="misjudged_rule")],
                 "dropped": {"not_whole": 1, "duplicates": 0}, "generated_tokens": 20}]}


def test_a_round_pairs_each_point_with_its_prefix_values_and_seeds():
    pairs, skipped = round_pairs([entry(), entry("benign", skipped="the trace is not well-formed", points=[])],
                                 margin=0.5, min_chosen_value=None, rollouts=1)
    assert len(pairs) == 1 and [s["code"] for s in skipped] == ["trace"]
    pair = pairs[0]
    check_pair(pair, "pair")
    assert pair["assistant_prefix"] == "<assessment>\nA.\n</assessment>\n"
    assert pair["objective"] == "safety" and pair["id"] == "steps/r1/verification/src:harmful"
    meta = pair["meta"]
    assert meta["values"] == {"chosen": 2.0, "rejected": 0.5, "margin": 1.5, "all": [2.0, 0.5]}
    assert (meta["chosen_origin"], meta["rejected_origin"]) == ("trace", "corrupted:misjudged_rule")
    assert meta["seeds"] == {"trace": 1, "steps": 2, "rollouts": 3} and meta["step_index"] == 1
    stats = round_stats([entry()], pairs, skipped, rollouts=1)
    assert stats["generations"] == {"traces": 1, "steps": 1, "rollouts": 2}
    assert stats["pairs_by_origin"] == {"trace > corrupted:misjudged_rule": 1}
