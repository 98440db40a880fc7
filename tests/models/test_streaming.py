"""HFBackend's per-row token callback: each request's own generated ids, in order, through length
sorting, batch chunking, shared prefill of repeated prompts and rows that finish early (padded);
the generations are the same with or without it."""

import dataclasses

import pytest

from exante.models import GenerationParams, HFBackend
from exante.models.generation import StreamingBackend, cut_at_stop

PROMPTS = [
    [{"role": "user", "content": "Name three rivers in Europe, please."}],
    [{"role": "user", "content": "Hi"}],
    "Once upon a time",
]
# mixed lengths, repeats side by side and apart, more requests than one batch holds
REQUESTS = [PROMPTS[0], PROMPTS[1], PROMPTS[0], PROMPTS[2], PROMPTS[1], PROMPTS[0], PROMPTS[2]]
SEEDED = GenerationParams(max_new_tokens=12, temperature=1.0, top_p=0.9, seed=11, batch_size=4)
GREEDY = GenerationParams(max_new_tokens=12, batch_size=4)


def streamed(backend, requests, params):
    ids: dict[int, list[int]] = {i: [] for i in range(len(requests))}
    generations = backend.generate(requests, params, on_tokens=lambda i, new: ids[i].extend(new))
    return generations, ids


def same(a, b) -> bool:
    """Equal generations, timings aside."""
    return [(g.text, g.prompt_tokens, g.completion_tokens, g.finish_reason) for g in a] == \
           [(g.text, g.prompt_tokens, g.completion_tokens, g.finish_reason) for g in b]


@pytest.fixture()
def backend(tiny_model):
    return HFBackend(tiny_model, progress=False)


def test_hf_backend_is_a_streaming_backend(backend):
    assert isinstance(backend, StreamingBackend)


@pytest.mark.parametrize("params", [GREEDY, SEEDED], ids=["greedy", "seeded"])
def test_generations_are_the_same_with_or_without_the_token_callback(backend, params):
    plain = backend.generate(REQUESTS, params)
    with_callback, _ = streamed(backend, REQUESTS, params)
    assert same(plain, with_callback)


def test_the_callback_sees_exactly_each_rows_generated_ids(backend):
    """Seeded, so repeats of a prompt differ: a row handed to the wrong request would show. One row
    ends at a stop string and one at an EOS (a token of its sample, declared an EOS); they are
    padded while the others go on (with a pad token that is no EOS, as some tokenizers have), and
    their callbacks stop at their ends."""
    sampled, full = streamed(backend, REQUESTS, SEEDED)
    assert len({g.text for g in sampled}) == len(REQUESTS)
    stop = backend.decode(full[3][2:4])  # request 3 stops by its 4th token
    assert stop.strip() and "\ufffd" not in stop
    backend.eos_ids = [*backend.eos_ids, full[4][5]]  # request 4 ends by its 6th token
    backend.pad_id = 0
    assert backend.pad_id not in backend.eos_ids
    params = dataclasses.replace(SEEDED, stop=(stop,))
    generations, ids = streamed(backend, REQUESTS, params)
    for i, generation in enumerate(generations):
        count = len(ids[i])
        assert ids[i] == full[i][:count], i  # its own sample's tokens, nothing after its end
        assert cut_at_stop(backend.decode(ids[i]), params.stop) == generation.text, i
        ended_at_eos = count < len(full[i]) and full[i][count] in backend.eos_ids
        assert generation.completion_tokens == count + ended_at_eos, i
    assert generations[3].finish_reason == "eos" and generations[3].completion_tokens <= 4
    assert generations[4].finish_reason == "eos" and len(ids[4]) <= 5
    assert max(g.completion_tokens for g in generations) == SEEDED.max_new_tokens  # the others went on


def test_the_callback_sees_the_same_ids_with_or_without_a_shared_prefill(tiny_model):
    _, shared = streamed(HFBackend(tiny_model, progress=False), REQUESTS, SEEDED)
    _, alone = streamed(HFBackend(tiny_model, progress=False, share_prompts=False), REQUESTS,
                        dataclasses.replace(SEEDED, batch_size=1))
    assert shared == alone
