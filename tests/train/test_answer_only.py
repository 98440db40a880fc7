"""``response: answer`` (the papers' baselines without reasoning): SFT trains on each trace's final answer only."""

from pathlib import Path

import pytest

from exante.errors import ExanteError
from exante.pipeline.links import load_chain
from exante.pipeline.recipe import load_recipe
from exante.train.encode import Encoder, SFTCollator
from exante.train.records import answer_only
from exante.train.sft import run_sft, sft_datasets

from .conftest import sft_records, trace

REASONING = "the request is assessed against the rules"  # what conftest's traces reason with


def labelled_texts(cfg, tokenizer) -> list[str]:
    train, _, _ = sft_datasets(cfg, tokenizer)
    batch = SFTCollator(tokenizer.pad_token_id)(list(train))
    return [tokenizer.decode(row[row != -100]) for row in batch["labels"]]


def test_answer_only_keeps_the_final_answer_of_every_assistant_turn_and_other_turns_whole():
    messages = [{"role": "user", "content": "Hi"},
                {"role": "assistant", "content": trace("Hello there.", 2)},
                {"role": "user", "content": "And?"},
                {"role": "assistant", "content": "A plain reply, not a trace."}]
    reduced = answer_only(messages, "data.jsonl:1")
    assert [m["content"] for m in reduced] == ["Hi", "Hello there.", "And?", "A plain reply, not a trace."]
    assert messages[1]["content"].startswith("<assessment>")  # the input is left as it was


def test_a_trace_without_an_answer_names_the_record_and_the_message():
    cut = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": f"<assessment>\n{REASONING}\n</assessment>"}]
    with pytest.raises(ExanteError, match=r"data\.jsonl:4: field 'messages\[1\]': a trace without an answer"):
        answer_only(cut, "data.jsonl:4")


def test_an_unknown_response_names_the_field_and_what_is_expected():
    with pytest.raises(ExanteError, match="SFTConfig: field 'response' is 'reasoning'; expected one of trace, answer"):
        Encoder(None, 128, response="reasoning")


def test_an_sft_run_with_response_answer_trains_on_the_answer_tokens_only(sft_config, tiny_model):
    tokenizer = tiny_model.tokenizer
    with_traces = labelled_texts(sft_config(), tokenizer)
    assert all(REASONING in text for text in with_traces)  # the default trains on the whole trace
    cfg = sft_config(response="answer")
    answers = labelled_texts(cfg, tokenizer)
    assert answers == [f"Answer number {i}.<|im_end|>\n" for i in range(len(sft_records()))]
    summary = run_sft(cfg)
    assert summary["global_step"] == 2 and summary["train_examples"] == len(answers)


@pytest.mark.parametrize("name", ["safety-sft", "safety-sft-quick"])
def test_the_refusal_sft_baseline_trains_answer_only(monkeypatch, name):
    monkeypatch.chdir(Path(__file__).parents[2])
    assert load_chain(load_recipe(name)).configs["sft"].response == "answer"


def test_an_unknown_response_in_the_sft_config_fails_when_the_config_is_made(sft_config):
    with pytest.raises(ExanteError, match="SFTConfig: field 'response' is 'reasoning'"):
        sft_config(response="reasoning")
