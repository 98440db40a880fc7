"""The prompt pool: train prompts only, the configured mix, fresh prompts each round, seeded."""

import pytest

from exante.data import load_prompts
from exante.data.records import normalize
from exante.errors import ExanteError
from exante.iterate.pool import PromptPool, kind_counts

MIX = {"harmful": 0.25, "jailbreak": 0.25, "borderline": 0.25, "benign": 0.25}


@pytest.fixture(scope="module")
def pool():
    return PromptPool.build(MIX, 12, seed=0)


def test_rounds_take_disjoint_prompts_in_the_configured_mix(pool):
    rounds = [pool.round(t) for t in (1, 2, 3)]
    ids = [{r["id"] for r in prompts} for prompts in rounds]
    assert all(len(s) == 12 for s in ids)
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2]) and not (ids[1] & ids[2])
    for prompts in rounds:
        assert sorted(r["kind"] for r in prompts) == sorted(["harmful", "jailbreak", "borderline", "benign"] * 3)


def test_the_pool_never_holds_a_dev_or_test_prompt(pool):
    held_out = [r for split in ("dev", "test") for r in load_prompts(split=split)]
    held_ids, held_texts = {r["id"] for r in held_out}, {normalize(r["prompt"]) for r in held_out}
    drawn = [r for t in (1, 2, 3) for r in pool.round(t)]
    assert all(r["split"] == "train" for kind in pool.ordered.values() for r in kind)
    assert not {r["id"] for r in drawn} & held_ids
    assert not {normalize(r["prompt"]) for r in drawn} & held_texts


def test_the_same_seed_gives_the_same_rounds_and_another_seed_other_prompts(pool):
    again = PromptPool.build(MIX, 12, seed=0)
    other = PromptPool.build(MIX, 12, seed=1)
    assert [r["id"] for r in again.round(2)] == [r["id"] for r in pool.round(2)]
    assert {r["id"] for r in other.round(1)} != {r["id"] for r in pool.round(1)}


def test_kind_counts_add_up_to_the_round_size_in_the_mix_proportions():
    assert kind_counts({"harmful": 1, "benign": 3}, 8) == {"harmful": 2, "benign": 6}
    counts = kind_counts({"harmful": 1, "jailbreak": 1, "borderline": 1}, 10)
    assert sum(counts.values()) == 10 and max(counts.values()) - min(counts.values()) == 1


@pytest.mark.parametrize("mix, message", [
    ({}, "positive sum"), ({"harmful": 0}, "positive sum"), ({"toxic": 1.0}, "unknown kind 'toxic'"),
    ({"harmful": -1, "benign": 2}, "shares ≥ 0"),
])
def test_a_bad_mix_is_a_clear_error(mix, message):
    with pytest.raises(ExanteError, match=message):
        kind_counts(mix, 8)


def test_more_rounds_than_a_kind_has_prompts_for_is_an_error_before_any_work():
    pool = PromptPool.build({"borderline": 1.0}, 100, seed=0)
    pool.check_rounds(1)
    with pytest.raises(ExanteError, match=r"3 rounds × 100 borderline prompts need 300, but the train split has \d+"):
        pool.check_rounds(3)


def test_a_source_without_prompts_of_a_mixed_kind_gives_an_empty_pool_error():
    pool = PromptPool.build({"harmful": 0.5, "benign": 0.5}, 4, seed=0, sources=["benign"])
    with pytest.raises(ExanteError, match="harmful prompts need 2, but the train split has 0"):
        pool.check_rounds(1)
