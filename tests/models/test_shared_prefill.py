"""k samples per prompt share one prefill of the prompt and still equal the samples drawn one at a time."""

import dataclasses

import pytest

from exante.models import GenerationParams, HFBackend

PROMPTS = [
    [{"role": "user", "content": "Hi"}],
    [{"role": "user", "content": "Name three rivers in Europe, please."}],
    "Once upon a time",
]
K = 4


@pytest.fixture(scope="module")
def requests():
    return [p for p in PROMPTS for _ in range(K)]


def embedded_tokens(backend, requests, params) -> tuple[list[str], int]:
    """The texts and how many tokens went through the embedding (prefill and decoding)."""
    counts = []
    hook = backend.loaded.model.get_input_embeddings().register_forward_hook(
        lambda module, args, output: counts.append(args[0].numel()))
    try:
        texts = [g.text for g in backend.generate(requests, params)]
    finally:
        hook.remove()
    return texts, sum(counts)


def test_k_samples_from_a_shared_prefill_equal_the_samples_drawn_one_at_a_time(tiny_model, requests):
    params = GenerationParams(max_new_tokens=10, temperature=1.0, top_p=0.95, seed=3, batch_size=len(requests))
    shared = [g.text for g in HFBackend(tiny_model, progress=False).generate(requests, params)]
    alone = [g.text for g in HFBackend(tiny_model, progress=False, share_prompts=False).generate(
        requests, dataclasses.replace(params, batch_size=1))]
    assert shared == alone
    assert all(len(set(shared[i : i + K])) == K for i in range(0, len(shared), K))  # k different samples


def test_the_prompt_is_computed_once_for_its_k_samples(tiny_model, requests):
    params = GenerationParams(max_new_tokens=6, temperature=1.0, seed=0, batch_size=len(requests))
    shared_texts, shared = embedded_tokens(HFBackend(tiny_model, progress=False), requests, params)
    plain_texts, plain = embedded_tokens(HFBackend(tiny_model, progress=False, share_prompts=False), requests, params)
    width = max(len(HFBackend(tiny_model).encode(p)) for p in PROMPTS)  # the left-padded prompt width
    assert shared_texts == plain_texts
    assert plain - shared == (len(requests) - len(PROMPTS)) * (width - 1)


def test_greedy_decoding_of_repeated_prompts_gives_the_same_text_with_or_without_sharing(tiny_model):
    params = GenerationParams(max_new_tokens=12, batch_size=8)
    requests = [PROMPTS[1], PROMPTS[0], PROMPTS[1], PROMPTS[2], PROMPTS[0]]
    shared = [g.text for g in HFBackend(tiny_model, progress=False).generate(requests, params)]
    plain = [g.text for g in HFBackend(tiny_model, progress=False, share_prompts=False).generate(requests, params)]
    assert shared == plain and shared[0] == shared[2] and shared[1] == shared[4]
