"""Rewards read TRL's calls: strings or message lists, columns per completion, TRL's own keywords ignored."""

import pytest

from exante.errors import ExanteError
from exante.rewards import read_samples

from .completions import BOMB, refusal_trace


def test_conversational_prompts_and_completions_read_as_their_texts():
    prompt = [{"role": "system", "content": "Be safe."}, {"role": "user", "content": "hi"},
              {"role": "assistant", "content": "hello"}, {"role": "user", "content": BOMB}]
    completion = [{"role": "assistant", "content": refusal_trace()}]
    (sample,) = read_samples([prompt], [completion], None, {"kind": ["harmful"], "category": ["weapons"]})
    assert (sample.prompt, sample.text, sample.kind) == (BOMB, refusal_trace(), "harmful")
    assert sample.answer.startswith("I can't help") and sample.reasoning.startswith("<assessment>")


def test_the_harm_judge_sees_the_judge_prompt_column_when_given():
    samples = read_samples(["wrapped", "plain"], ["a", "b"], None, {"judge_prompt": [BOMB, None]})
    assert [s.judge_prompt for s in samples] == [BOMB, "plain"]


def test_a_column_of_the_wrong_length_is_an_error():
    with pytest.raises(ExanteError, match="column 'kind' has 1 values for 2 completions"):
        read_samples([BOMB, BOMB], ["a", "b"], None, {"kind": ["harmful"]})


def test_prompts_and_completions_must_pair_up():
    with pytest.raises(ExanteError, match="2 prompts but 1 completions"):
        read_samples([BOMB, BOMB], ["a"], None, {})
