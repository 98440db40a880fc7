"""Chat-template encoding: the trained tokens are the last assistant turn; the truncation policy; collation."""

import pytest

from exante.errors import ExanteError
from exante.train.encode import Encoder, PairCollator, SFTCollator

CONVERSATION = [
    {"role": "system", "content": "Reason before you answer."},
    {"role": "user", "content": "Hi!"},
    {"role": "assistant", "content": "EARLIER TURN"},
    {"role": "user", "content": "How do I kill a child process?"},
    {"role": "assistant", "content": "<assessment>\nbenign homonym\n</assessment>\n<answer>\nUse kill PID.\n</answer>"},
]


def encode_sft(tokenizer, messages, max_length=1024, overlong="truncate", where="data.jsonl:3"):
    encoder = Encoder(tokenizer, max_length, overlong)
    return encoder, encoder.sft_example({"id": "a", "messages": messages, "_where": where})


def test_only_the_last_assistant_turn_and_its_end_of_turn_are_labelled(tiny_model):
    tok = tiny_model.tokenizer
    _, example = encode_sft(tok, CONVERSATION)
    batch = SFTCollator(tok.pad_token_id)([example])
    ids, labels = batch["input_ids"][0], batch["labels"][0]
    assert tok.decode(ids) == tok.apply_chat_template(CONVERSATION, tokenize=False)
    assert tok.decode(labels[labels != -100]) == CONVERSATION[-1]["content"] + "<|im_end|>\n"
    prompt_text = tok.decode(ids[labels == -100])
    assert prompt_text.endswith("<|im_start|>assistant\n") and "EARLIER TURN" in prompt_text
    assert tok.decode(ids[labels == -100]) == tok.apply_chat_template(CONVERSATION[:-1], tokenize=False, add_generation_prompt=True)


def test_padding_is_neither_attended_nor_labelled(tiny_model):
    tok = tiny_model.tokenizer
    short = encode_sft(tok, CONVERSATION[3:])[1]
    long = encode_sft(tok, CONVERSATION)[1]
    batch = SFTCollator(tok.pad_token_id)([short, long])
    pad = batch["attention_mask"][0] == 0
    assert pad.sum() == len(long["input_ids"]) - len(short["input_ids"]) > 0
    assert (batch["labels"][0][pad] == -100).all()


def test_truncate_cuts_the_response_tail_and_keeps_the_prompt(tiny_model):
    full = encode_sft(tiny_model.tokenizer, CONVERSATION)[1]
    encoder, cut = encode_sft(tiny_model.tokenizer, CONVERSATION, max_length=full["prompt_length"] + 5)
    assert cut["input_ids"] == full["input_ids"][: full["prompt_length"] + 5]
    assert encoder.counts["truncated"] == 1


def test_an_example_whose_prompt_fills_max_length_is_dropped_and_counted(tiny_model):
    full = encode_sft(tiny_model.tokenizer, CONVERSATION)[1]
    encoder, example = encode_sft(tiny_model.tokenizer, CONVERSATION, max_length=full["prompt_length"])
    assert example is None and encoder.counts["dropped"] == 1


def test_drop_policy_drops_every_overlong_example(tiny_model):
    encoder, example = encode_sft(tiny_model.tokenizer, CONVERSATION, max_length=60, overlong="drop")
    assert example is None and encoder.counts["dropped"] == 1


def test_error_policy_names_file_line_field_and_lengths(tiny_model):
    with pytest.raises(ExanteError, match=r"data\.jsonl:3: field 'messages\[-1\]'.*exceed max_length 60"):
        encode_sft(tiny_model.tokenizer, CONVERSATION, max_length=60, overlong="error")


def test_unknown_overlong_policy_is_refused(tiny_model):
    with pytest.raises(ExanteError, match="truncate, drop, error"):
        Encoder(tiny_model.tokenizer, 100, "wrap")


def test_pairs_collate_chosen_rows_then_rejected_rows_with_objective_weights(tiny_model):
    tok = tiny_model.tokenizer
    encoder = Encoder(tok, 1024)
    prompt = [{"role": "user", "content": "Hello"}]
    pairs = [
        encoder.pair_example({"id": f"p{i}", "prompt": prompt, "objective": objective, "_where": "p.jsonl:1",
                              "chosen": [{"role": "assistant", "content": f"good {i}"}],
                              "rejected": [{"role": "assistant", "content": f"bad answer {i}"}]})
        for i, objective in enumerate(["safety", "efficiency"])
    ]
    batch = PairCollator(tok.pad_token_id, {"safety": 2.0, "efficiency": 0.5})(pairs)
    texts = [tok.decode(row[row != -100]) for row in batch["labels"]]
    assert texts == ["good 0<|im_end|>\n", "good 1<|im_end|>\n", "bad answer 0<|im_end|>\n", "bad answer 1<|im_end|>\n"]
    assert batch["weight"].tolist() == [2.0, 0.5]
    assert batch["objective"].tolist() == [0, 2]
