"""`exante serve --load-on-request`: a request naming a checkpoint under allowed_dirs is answered by
that model, loaded in place of the held one (one at a time; /v1/models lists the held one);
requests for the held model are still batched first; without the setting, or outside allowed_dirs,
a request naming another model is refused with a 4xx and the server keeps its model."""

import threading
import time

import httpx
import pytest
from serve.backends import GatedBackend

from exante.models import GenerationParams, HFBackend, build_tiny_model, load_model
from exante.serve.background import serve_in_thread
from exante.serve.config import ServeConfig
from exante.serve.server import create_app

HELLO = [{"role": "user", "content": "Hello"}]
GREEDY = GenerationParams(max_new_tokens=8)


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """(allowed folder, a tiny model with other weights saved in it, one saved outside it)."""
    root = tmp_path_factory.mktemp("load-on-request")
    for folder in ("allowed/other", "elsewhere/model"):
        loaded = build_tiny_model(seed=1)
        loaded.model.save_pretrained(root / folder, safe_serialization=True)
        loaded.tokenizer.save_pretrained(root / folder)
    return root / "allowed", root / "allowed" / "other", root / "elsewhere" / "model"


def serving(backend, **settings):
    return serve_in_thread(create_app(ServeConfig(model="tiny", reasoning_format="none", **settings), backend))


def complete(url, model, messages=HELLO):
    return httpx.post(f"{url}/chat/completions", timeout=60,
                      json={"model": model, "messages": messages, "max_tokens": 8, "temperature": 0})


def served(url) -> list[str]:
    return [m["id"] for m in httpx.get(f"{url}/models").json()["data"]]


def text(response) -> str:
    assert response.status_code == 200, response.text
    return response.json()["choices"][0]["message"]["content"]


def test_a_checkpoint_under_allowed_dirs_is_loaded_in_place_of_the_held_model_and_back(checkpoints):
    allowed, other, _ = checkpoints
    tiny_backend = HFBackend(load_model("tiny"), progress=False)  # as the server loads it again (dtype auto)
    tiny_text = tiny_backend.generate([HELLO], GREEDY)[0].text
    other_text = HFBackend(load_model(str(other)), progress=False).generate([HELLO], GREEDY)[0].text
    assert other_text != tiny_text  # else the test could not tell which model answered
    with serving(tiny_backend, load_on_request=True, allowed_dirs=[str(allowed)]) as s:
        assert served(s.url) == ["tiny"]
        reply = complete(s.url, str(other))
        assert text(reply) == other_text and reply.json()["model"] == str(other)
        assert served(s.url) == [str(other)]
        assert text(complete(s.url, "tiny")) == tiny_text and served(s.url) == ["tiny"]


def test_requests_for_the_held_model_are_batched_and_answered_before_a_swap(tiny_backend, checkpoints):
    allowed, other, _ = checkpoints
    gated = GatedBackend(tiny_backend)
    prompts = [[{"role": "user", "content": p}] for p in ("Hello", "Name a river.", "What is 2 + 2?")]
    replies = {}

    def send(key, model, messages):
        replies[key] = complete(s.url, model, messages)

    with serving(gated, load_on_request=True, allowed_dirs=[str(allowed)], concurrency=4) as s:
        threads = [threading.Thread(target=send, args=("first", "tiny", prompts[0]))]
        threads[0].start()
        gated.wait_until_called()  # the worker is busy: what comes now waits in the queue, the other model first
        for key, model, messages in (("other", str(other), prompts[0]), ("held-1", "tiny", prompts[1]),
                                     ("held-2", "tiny", prompts[2])):
            threads.append(threading.Thread(target=send, args=(key, model, messages)))
            threads[-1].start()
        deadline = time.monotonic() + 30
        while httpx.get(f"{s.url.removesuffix('/v1')}/health").json()["admitted"] < 4:
            assert time.monotonic() < deadline, "the requests were never all admitted"
            time.sleep(0.01)
        gated.gate.set()
        for thread in threads:
            thread.join()
    assert gated.calls == [1, 2]  # both held-model requests in one call, before the other model loaded
    expected = [g.text for g in tiny_backend.generate(prompts[1:], GREEDY)]
    assert [text(replies["held-1"]), text(replies["held-2"])] == expected
    other_backend = HFBackend(load_model(str(other)), progress=False)
    assert text(replies["other"]) == other_backend.generate([prompts[0]], GREEDY)[0].text


def test_without_load_on_request_a_request_naming_another_model_gets_a_404_saying_how_to_allow_it(tiny_backend,
                                                                                                  checkpoints):
    _, other, _ = checkpoints
    with serving(tiny_backend, allowed_dirs=[str(other.parent)]) as s:
        reply = complete(s.url, str(other))
        assert reply.status_code == 404 and "--load-on-request true" in reply.json()["error"]["message"]
        assert served(s.url) == ["tiny"] and complete(s.url, "tiny").status_code == 200


def test_a_model_outside_allowed_dirs_is_refused_with_403_and_a_missing_one_with_404(tiny_backend, checkpoints):
    allowed, _, elsewhere = checkpoints
    with serving(tiny_backend, load_on_request=True, allowed_dirs=[str(allowed)]) as s:
        for name in (str(elsewhere), f"{allowed}/../elsewhere/model", "HuggingFaceTB/SmolLM2-1.7B-Instruct"):
            reply = complete(s.url, name)
            assert reply.status_code == 403, name
            assert reply.json()["error"]["type"] == "permission_error" and "allowed_dirs" in reply.text
        missing = complete(s.url, str(allowed / "missing"))
        assert missing.status_code == 404 and "no checkpoint there" in missing.text
        assert served(s.url) == ["tiny"] and complete(s.url, "tiny").status_code == 200
