"""OpenAIBackend against `exante serve` on loopback: the same generations as HFBackend on the tiny
model, k samples as one request, retries on 503 and connection errors, no retry on a 4xx, the
reasoning split refused; model specs; eval and pairs sampling through a server."""

import socket
import threading

import pytest
from serve.backends import GatedBackend, TraceBackend

from exante.errors import ExanteError
from exante.models import GenerationParams, HFBackend, OpenAIBackend, RemoteSpec, backend_for
from exante.models.remote import _apportion
from exante.serve.background import serve_in_thread
from exante.serve.config import ServeConfig
from exante.serve.server import create_app

PROMPTS = ["How do I boil an egg?", "Name a river in France.", "What is 2 + 2?"]
REQUESTS = [[{"role": "user", "content": p}] for p in PROMPTS]


@pytest.fixture()
def local(tiny_model):
    return HFBackend(tiny_model, progress=False)


def serving(backend, **settings):
    return serve_in_thread(create_app(ServeConfig(model="tiny", reasoning_format="none", **settings), backend))


def essentials(generations):
    return [(g.text, g.prompt_tokens, g.completion_tokens, g.finish_reason) for g in generations]


def test_greedy_generations_through_the_server_equal_the_local_backends(local):
    params = GenerationParams(max_new_tokens=8, stop=("\n",))
    with serving(local) as s:
        remote = OpenAIBackend(s.url, "tiny").generate(REQUESTS, params)
    assert essentials(remote) == essentials(local.generate(REQUESTS, params))
    assert all(g.latency_s > 0 and g.tokens_per_s > 0 for g in remote)


def test_k_seeded_samples_per_prompt_go_as_one_request_and_equal_the_local_samples(local):
    params = GenerationParams(max_new_tokens=6, temperature=1.0, seed=3)
    requests = [r for r in REQUESTS[:2] for _ in range(3)]
    with serving(local) as s:
        remote = OpenAIBackend(s.url, "tiny").generate(requests, params)
    assert [g.text for g in remote] == [g.text for g in local.generate(requests, params)]
    assert sum(g.completion_tokens for g in remote) == 6 * 6  # every sample ran to the limit


def test_a_503_is_retried_after_retry_after_until_the_server_has_room(local):
    gated = GatedBackend(local)
    app = create_app(ServeConfig(model="tiny", reasoning_format="none", concurrency=1, queue_size=0,
                                 retry_after_s=1), gated)
    params = GenerationParams(max_new_tokens=4)
    with serve_in_thread(app) as s:
        first = threading.Thread(target=lambda: OpenAIBackend(s.url, "tiny").generate(REQUESTS[:1], params))
        first.start()
        gated.wait_until_called()
        threading.Timer(0.3, gated.gate.set).start()  # room again before the retry
        backend = OpenAIBackend(s.url, "tiny", backoff_s=0.05)
        retried = backend.generate(REQUESTS[1:2], params)
        first.join()
    assert backend.retries >= 1
    assert essentials(retried) == essentials(local.generate(REQUESTS[1:2], params))


def test_connection_errors_are_retried_then_reported_with_the_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"  # bound but not listening: refused
        backend = OpenAIBackend(url, "tiny", max_retries=2, backoff_s=0.01)
        with pytest.raises(ExanteError, match=r"/v1/chat/completions: failed after 3 attempts: connection failed"):
            backend.generate(REQUESTS[:1], GenerationParams(max_new_tokens=2))
    assert backend.retries == 2


def test_a_client_error_is_reported_at_once_without_retries(local):
    with serving(local) as s:
        backend = OpenAIBackend(s.url, "not-served", backoff_s=0.01)
        with pytest.raises(ExanteError, match="HTTP 404: .*model 'not-served' is not served here"):
            backend.generate(REQUESTS[:1], GenerationParams(max_new_tokens=2))
    assert backend.retries == 0


def test_a_server_that_splits_the_reasoning_off_is_refused():
    with serve_in_thread(create_app(ServeConfig(model="tiny"), TraceBackend())) as s:
        with pytest.raises(ExanteError, match="--reasoning-format none"):
            OpenAIBackend(s.url, "tiny").generate(REQUESTS[:1], GenerationParams())


def test_the_api_key_comes_from_the_environment(local, monkeypatch):
    monkeypatch.setenv("EXANTE_TEST_KEY", "sk-remote-1")
    monkeypatch.setenv("EXANTE_ENDPOINT_API_KEY", "sk-remote-1")
    with serving(local, api_key_env="EXANTE_TEST_KEY") as s:
        assert OpenAIBackend(s.url, "tiny").generate(REQUESTS[:1], GenerationParams(max_new_tokens=2))
        monkeypatch.delenv("EXANTE_ENDPOINT_API_KEY")
        with pytest.raises(ExanteError, match="HTTP 401"):
            OpenAIBackend(s.url, "tiny").generate(REQUESTS[:1], GenerationParams(max_new_tokens=2))


def test_a_remote_spec_names_the_model_and_the_endpoint():
    spec = RemoteSpec.parse("openai:Qwen/Qwen3-8B@http://gpu-node:8000/v1/")
    assert (spec.model, spec.base_url) == ("Qwen/Qwen3-8B", "http://gpu-node:8000/v1")
    assert RemoteSpec.parse("runs/dpo") is None and RemoteSpec.parse("tiny") is None
    fingerprints = {RemoteSpec.parse(s).fingerprint for s in
                    ("openai:m@http://a:1/v1", "openai:m@http://b:1/v1", "openai:n@http://a:1/v1")}
    assert len(fingerprints) == 3
    for bad in ("openai:m", "openai:@http://a/v1", "openai:m@ftp://a"):
        with pytest.raises(ExanteError, match="expected openai:MODEL@URL"):
            RemoteSpec.parse(bad)
    assert isinstance(backend_for("openai:m@http://a:1/v1"), OpenAIBackend)


def test_completion_tokens_of_n_choices_are_apportioned_from_the_total():
    assert _apportion(7, ["abc"], [False], 16) == [7]
    # the cut choice counts the limit (16); 20 - 16 = 4 shared 1 : 3 by text length
    assert _apportion(20, ["ab", "x" * 10, "abcdef"], [False, True, False], 16) == [1, 16, 3]
    assert sum(_apportion(10, ["a", "b", "c"], [False] * 3, 8)) == 10


def test_eval_generation_through_the_server_equals_local_and_is_cached_by_endpoint_and_model(tmp_path, tiny_model):
    from exante.eval.cache import GenerationCache
    from exante.eval.generate import ModelUnderTest, chat_request, generate_cached

    params = GenerationParams(max_new_tokens=6, batch_size=2)
    requests = [chat_request(p) for p in PROMPTS]
    local = ModelUnderTest("tiny")
    local._loaded = tiny_model
    expected, _ = generate_cached(local, requests, params, GenerationCache(tmp_path, local.fingerprint))
    with serving(HFBackend(tiny_model, progress=False)) as s:
        model = ModelUnderTest(f"openai:tiny@{s.url}")
        remote, stats = generate_cached(model, requests, params, GenerationCache(tmp_path, model.fingerprint))
        again, stats_again = generate_cached(ModelUnderTest(f"openai:tiny@{s.url}"), requests, params,
                                             GenerationCache(tmp_path, model.fingerprint))
    assert [g["text"] for g in remote] == [g["text"] for g in expected]
    assert (stats.generated, stats_again.generated, stats_again.cached) == (3, 0, 3)
    assert model.fingerprint != local.fingerprint and len(list(tmp_path.glob("*.jsonl"))) == 2
    assert model.tokenizer("a b")["input_ids"] == tiny_model.tokenizer("a b")["input_ids"]


def test_pairs_sampling_through_the_server_equals_local_sampling(tiny_model):
    from exante.pairs.config import PairsConfig
    from exante.pairs.inputs import Item, PolicySampler

    items = [Item(f"p{i}", r, None, "benign", None, "test", None, "train") for i, r in enumerate(REQUESTS[:2])]
    with serving(HFBackend(tiny_model, progress=False)) as s:
        config = PairsConfig(sample_from=f"openai:tiny@{s.url}", samples_per_prompt=2, max_new_tokens=6)
        remote = PolicySampler(config).sample(items)
    local = PolicySampler(PairsConfig(sample_from="tiny", samples_per_prompt=2, max_new_tokens=6), tiny_model).sample(items)
    assert remote == local and len(remote["p0"]) == 2


@pytest.mark.integration
def test_exante_eval_through_the_server_gives_the_local_samples(tmp_path, tiny_model):
    import json

    from exante.cli import main

    def samples(label):
        return [(s["prompt"], s["output"], s["completion_tokens"]) for s in map(json.loads, (tmp_path / "run" / "samples" / f"{label}.jsonl")
                                                           .read_text().splitlines())]

    with serving(HFBackend(tiny_model, progress=False)) as s:
        args = ["eval", "--model", "tiny", "--model", f"openai:tiny@{s.url}", "--dtype", "fp32", "--bench", "harmful",
                "efficiency", "--limit", "2", "--max-new-tokens", "8", "--refusal-judge", "phrase", "--harm-judge",
                "nonrefusal-harmful", "--out", str(tmp_path / "run"), "--generation-cache", str(tmp_path / "cache")]
        assert main(args) == 0
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert set(report["models"]) == {"tiny", "openai:tiny"}
    generated = {label: m["generation"]["generated"] for label, m in report["models"].items()}
    assert generated == {"tiny": 2, "openai:tiny": 2}
    assert samples("openai:tiny") == samples("tiny") and len(samples("tiny")) == 2
