"""HFBackend on the tiny random model: batching, seeding, token accounting, stopping."""

import copy
import dataclasses

import pytest

from exante.errors import ExanteError
from exante.models import GenerationBackend, GenerationParams, HFBackend

CONVERSATIONS = [
    [{"role": "user", "content": "Hi"}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name three rivers in Europe, please."}],
    [{"role": "user", "content": "What is the boiling point of water at sea level, in Celsius and Fahrenheit?"}],
    [{"role": "user", "content": "Tell me a joke."}],
    "Once upon a time",
]


@pytest.fixture(scope="module")
def backend(tiny_model):
    return HFBackend(tiny_model, progress=False)


def test_hf_backend_implements_the_generation_backend_interface(backend):
    assert isinstance(backend, GenerationBackend)


def test_left_padded_batch_gives_the_same_greedy_text_as_one_by_one(backend):
    params = GenerationParams(max_new_tokens=12, batch_size=5)
    batched = [g.text for g in backend.generate(CONVERSATIONS, params)]
    single = [backend.generate([c], dataclasses.replace(params, batch_size=1))[0].text for c in CONVERSATIONS]
    assert batched == single
    assert len(set(batched)) == len(batched)  # results are not all the same text


def test_results_come_back_in_input_order_across_several_batches(backend):
    params = GenerationParams(max_new_tokens=6, batch_size=2)
    forward = [g.text for g in backend.generate(CONVERSATIONS, params)]
    backward = [g.text for g in backend.generate(CONVERSATIONS[::-1], params)]
    assert forward == backward[::-1]


def test_seeded_sampling_is_reproducible_whatever_the_batch(backend):
    params = GenerationParams(max_new_tokens=10, temperature=1.0, top_p=0.95, seed=7, batch_size=5)
    batched = [g.text for g in backend.generate(CONVERSATIONS, params)]
    alone = backend.generate([CONVERSATIONS[2]], dataclasses.replace(params, batch_size=1))[0].text
    assert batched[2] == alone
    assert [g.text for g in backend.generate(CONVERSATIONS, params)] == batched


def test_different_seeds_and_repeated_prompts_give_different_samples(backend):
    params = GenerationParams(max_new_tokens=10, temperature=1.0, seed=1)
    first, repeat = backend.generate([CONVERSATIONS[0]] * 2, params)
    other_seed = backend.generate([CONVERSATIONS[0]], dataclasses.replace(params, seed=2))[0]
    greedy = backend.generate([CONVERSATIONS[0]], GenerationParams(max_new_tokens=10))[0]
    assert len({first.text, repeat.text, other_seed.text, greedy.text}) == 4


def test_token_counts_match_the_tokenizer(backend, tiny_model):
    tokenizer = tiny_model.tokenizer
    chat, raw = backend.generate([CONVERSATIONS[1], CONVERSATIONS[4]], GenerationParams(max_new_tokens=7))
    chat_ids = tokenizer.apply_chat_template(CONVERSATIONS[1], add_generation_prompt=True, return_dict=True)["input_ids"]
    assert chat.prompt_tokens == len(chat_ids)
    assert raw.prompt_tokens == len(tokenizer("Once upon a time")["input_ids"])
    assert chat.completion_tokens == raw.completion_tokens == 7
    assert chat.finish_reason == "length"
    assert chat.latency_s > 0 and chat.tokens_per_s == pytest.approx(7 / chat.latency_s)


def test_eos_from_the_generation_config_stops_a_sample(tiny_model):
    greedy_ids = _greedy_ids(tiny_model, CONVERSATIONS[0], 8)
    assert greedy_ids[3] not in greedy_ids[:3]
    model = copy.deepcopy(tiny_model.model)
    model.generation_config.eos_token_id = [tiny_model.tokenizer.eos_token_id, greedy_ids[3]]
    backend = HFBackend(dataclasses.replace(tiny_model, model=model), progress=False)
    stopped, other = backend.generate([CONVERSATIONS[0], CONVERSATIONS[2]], GenerationParams(max_new_tokens=8))
    assert stopped.finish_reason == "eos"
    assert stopped.completion_tokens == 4  # three tokens and the EOS
    assert stopped.text == tiny_model.tokenizer.decode(greedy_ids[:3])
    assert other.finish_reason == "length" and other.completion_tokens == 8


def test_a_stop_string_ends_the_text_before_it(backend):
    params = GenerationParams(max_new_tokens=12)
    full = backend.generate([CONVERSATIONS[3]], params)[0]
    stop = full.text[len(full.text) // 2 :][:3]
    cut = backend.generate([CONVERSATIONS[3]], dataclasses.replace(params, stop=(stop,)))[0]
    assert cut.text == full.text[: full.text.index(stop)]
    assert cut.finish_reason == "eos" and cut.completion_tokens < 12


@pytest.mark.integration
def test_a_repetition_penalty_lets_the_default_model_end_a_reply_greedy_decoding_loops_on():
    from exante.models import load_model

    # fp32 pinned: the looping text is a golden greedy output; bf16 rounding changes it
    backend = HFBackend(load_model("smollm2-135m-instruct", dtype="fp32"), progress=False)
    haiku = [{"role": "user", "content": "Write a haiku about rain."}]
    looping = backend.generate([haiku], GenerationParams(max_new_tokens=40))[0]
    ending = backend.generate([haiku], GenerationParams(max_new_tokens=40, repetition_penalty=1.1))[0]
    assert looping.finish_reason == "length" and looping.text.count("gentle rain") >= 3
    assert ending.finish_reason == "eos" and "rain" in ending.text


@pytest.mark.parametrize("bad", [{"max_new_tokens": 0}, {"temperature": -1.0}, {"top_p": 0.0}, {"batch_size": 0},
                                 {"repetition_penalty": 0.0}])
def test_invalid_generation_params_are_rejected(backend, bad):
    with pytest.raises(ExanteError, match="generation"):
        backend.generate(["x"], GenerationParams(**bad))


def _greedy_ids(loaded, conversation, n):
    import torch

    ids = loaded.tokenizer.apply_chat_template(conversation, add_generation_prompt=True, return_tensors="pt",
                                               return_dict=True)
    with torch.inference_mode():
        out = loaded.model.generate(**ids, max_new_tokens=n, do_sample=False, eos_token_id=None, pad_token_id=2)
    return out[0, ids["input_ids"].shape[1]:].tolist()
