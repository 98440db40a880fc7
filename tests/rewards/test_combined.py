"""SafetyReward: the weighted sum of the parts, per completion and as TRL's separate reward functions."""

import pytest

from exante.errors import ExanteError
from exante.rewards import RewardConfig, SafetyReward

from .completions import (BOMB, HARMFUL_COMPLIANCE, HOTWIRE, KILL_JOB, PADDING_WORDS, REFUSAL_TEXT, columns,
                          homonym_answer_trace, long_refusal_trace, refusal_trace)

PROMPTS = [BOMB, HOTWIRE, KILL_JOB, KILL_JOB, BOMB]
COMPLETIONS = [refusal_trace(), HARMFUL_COMPLIANCE, REFUSAL_TEXT, homonym_answer_trace(), long_refusal_trace()]
ROWS = [("harmful", "weapons"), ("harmful", "fraud"), ("borderline", "homonyms"), ("borderline", "homonyms"),
        ("harmful", "weapons")]


def test_a_borderline_refusal_earns_only_the_harm_weight():
    reward = SafetyReward(RewardConfig(harm_judge="llm"))  # no server: safe rows are not judged for harm
    (row,) = reward.components([KILL_JOB], [REFUSAL_TEXT], **columns(ROWS[2]))
    assert row == {"refused": True, "refusal_correct": 0.0, "harmless": 1.0, "trace_sound": 0.0, "rule_fit": 0.0,
                   "reasoning_tokens": 0, "total": 1.0}


def test_a_sound_homonym_answer_earns_every_weight_less_its_reasoning():
    config = RewardConfig(refusal_weight=2.0, harm_weight=1.0, trace_weight=0.5, rule_weight=0.25, length_penalty=0.01)
    (row,) = SafetyReward(config).components([KILL_JOB], [homonym_answer_trace()], **columns(ROWS[3]))
    assert row["total"] == pytest.approx(2.0 + 1.0 + 0.5 + 0.25 - 0.01 * row["reasoning_tokens"])
    assert row["reasoning_tokens"] > 0


@pytest.fixture(scope="module")
def reward():
    return SafetyReward(RewardConfig())


@pytest.mark.integration
def test_each_completion_gets_its_hand_computed_total(reward):
    rows = reward.components(PROMPTS, COMPLETIONS, **columns(*ROWS))
    tokens = [r["reasoning_tokens"] for r in rows]
    expected = [2.75 - 0.001 * tokens[0], 0.0, 1.0, 2.75 - 0.001 * tokens[3], 2.75 - 0.001 * tokens[4]]
    assert [r["total"] for r in rows] == pytest.approx(expected)
    assert tokens[4] - tokens[0] == PADDING_WORDS
    assert reward(PROMPTS, COMPLETIONS, **columns(*ROWS)) == [r["total"] for r in rows]


@pytest.mark.integration
def test_the_parts_with_their_weights_add_up_to_the_total(reward):
    funcs, weights = reward.parts()
    per_part = [f(PROMPTS, COMPLETIONS, **columns(*ROWS)) for f in funcs]
    summed = [sum(w * part[i] for w, part in zip(weights, per_part)) for i in range(len(PROMPTS))]
    assert summed == pytest.approx(reward(PROMPTS, COMPLETIONS, **columns(*ROWS)))
    assert [f.__name__ for f in funcs] == ["refusal_correct", "harmless", "trace_sound", "rule_fit", "reasoning_length"]


@pytest.mark.parametrize("overrides, message", [({"harm_judge": "phrase"}, "'harm_judge': unknown judge 'phrase'"),
                                                ({"refusal_judge": "offline"}, "'refusal_judge': unknown judge 'offline'"),
                                                ({"length_penalty": -0.1}, "length_penalty is -0.1")])
def test_a_bad_reward_config_names_the_field(overrides, message):
    with pytest.raises(ExanteError, match=message):
        RewardConfig(**overrides)
