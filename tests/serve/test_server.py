"""`exante serve` on loopback: the official openai client, reasoning split off, the tiny model's own
text, n and seeds, stop strings, 4xx validation, 503 when full, the API key, graceful shutdown."""

import json
import threading
import time

import httpx
import openai
import pytest
from serve.backends import TRACE_ANSWER, TRACE_REASONING, TraceBackend

from exante.models import GenerationParams
from exante.serve.background import serve_in_thread
from exante.serve.config import ServeConfig
from exante.serve.server import create_app

HELLO = [{"role": "user", "content": "Hello"}]


def serving(backend, **settings):
    app = create_app(ServeConfig(model="tiny", **settings), backend)
    return app, serve_in_thread(app)


def post(url, body, **kwargs):
    return httpx.post(f"{url}/chat/completions", json=body, timeout=60, **kwargs)


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_the_openai_client_gets_the_reasoning_in_reasoning_content_and_only_the_answer_in_content():
    _, server = serving(TraceBackend())
    with server as s:
        client = openai.OpenAI(base_url=s.url, api_key="unused")
        reply = client.chat.completions.create(model="tiny", messages=HELLO)
        message = reply.choices[0].message
        assert (message.reasoning_content, message.content) == (TRACE_REASONING, TRACE_ANSWER)
        assert reply.choices[0].finish_reason == "stop" and reply.usage.completion_tokens == 60

        chunks = list(client.chat.completions.create(model="tiny", messages=HELLO, stream=True,
                                                     stream_options={"include_usage": True}))
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    assert deltas[0].role == "assistant"
    reasoning = "".join(getattr(d, "reasoning_content", None) or "" for d in deltas)
    content = "".join(d.content or "" for d in deltas)
    assert (reasoning, content) == (TRACE_REASONING, TRACE_ANSWER)
    first_content = next(i for i, d in enumerate(deltas) if d.content)
    assert all(not getattr(d, "reasoning_content", None) for d in deltas[first_content:])  # reasoning, then answer
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage.total_tokens == 72


def test_a_streamed_reply_ends_with_done():
    _, server = serving(TraceBackend())
    with server as s:
        with httpx.stream("POST", f"{s.url}/chat/completions", json={"model": "tiny", "messages": HELLO, "stream": True}) as r:
            events = [line for line in r.iter_lines() if line]
    assert r.headers["content-type"].startswith("text/event-stream")
    assert events[-1] == "data: [DONE]" and all(e.startswith("data: ") for e in events)


def test_reasoning_format_drop_sends_the_answer_alone():
    _, server = serving(TraceBackend(), reasoning_format="drop")
    with server as s:
        message = post(s.url, {"model": "tiny", "messages": HELLO}).json()["choices"][0]["message"]
    assert message == {"role": "assistant", "content": TRACE_ANSWER}


def test_a_reply_is_the_tiny_models_greedy_text(tiny_backend):
    expected = tiny_backend.generate([HELLO], GenerationParams(max_new_tokens=8))[0]
    _, server = serving(tiny_backend, reasoning_format="none")
    with server as s:
        reply = openai.OpenAI(base_url=s.url, api_key="unused").chat.completions.create(
            model="tiny", messages=HELLO, max_tokens=8, temperature=0)
    assert reply.choices[0].message.content == expected.text
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (expected.prompt_tokens, 8)
    assert reply.choices[0].finish_reason == "length"


def test_n_seeded_choices_are_the_backends_n_seeded_samples(tiny_backend):
    params = GenerationParams(max_new_tokens=6, temperature=1.0, seed=7)
    expected = [g.text for g in tiny_backend.generate([HELLO] * 3, params)]
    _, server = serving(tiny_backend, reasoning_format="none")
    with server as s:
        body = {"model": "tiny", "messages": HELLO, "n": 3, "max_tokens": 6, "temperature": 1.0, "seed": 7}
        first, again = post(s.url, body).json(), post(s.url, body).json()
    assert [c["message"]["content"] for c in first["choices"]] == expected
    assert len(set(expected)) == 3 and again["choices"] == first["choices"]
    assert first["usage"]["completion_tokens"] == 18


def test_a_stop_string_ends_the_content_before_it(tiny_backend):
    text = tiny_backend.generate([HELLO], GenerationParams(max_new_tokens=8))[0].text
    stop = text.split()[2]
    _, server = serving(tiny_backend, reasoning_format="none")
    with server as s:
        choice = post(s.url, {"model": "tiny", "messages": HELLO, "max_tokens": 8, "temperature": 0,
                              "stop": [stop]}).json()["choices"][0]
    assert choice["message"]["content"] == text[: text.index(stop)]
    assert choice["finish_reason"] == "stop"


BAD_REQUESTS = {
    "malformed JSON": (b'{"model": "tiny", "messages": [', 400, "malformed JSON body"),
    "unknown role": ({"model": "tiny", "messages": [{"role": "tool", "content": "x"}]}, 400,
                     "messages.0.role: Input should be 'system', 'user' or 'assistant'"),
    "no messages": ({"model": "tiny", "messages": []}, 400, "messages: List should have at least 1 item"),
    "too many messages": ({"model": "tiny", "messages": HELLO * 5}, 400,
                          "messages: 5 messages; this server takes at most 4"),
    "max_tokens over the cap": ({"model": "tiny", "messages": HELLO, "max_tokens": 65}, 400,
                                "max_tokens: 65 is over this server's cap of 64"),
    "n over the cap": ({"model": "tiny", "messages": HELLO, "n": 3}, 400, "n: 3 is over this server's cap of 2"),
    "too many stops": ({"model": "tiny", "messages": HELLO, "stop": list("abcde")}, 400,
                       "stop: Value error, at most 4 stop sequences, got 5"),
    "temperature out of range": ({"model": "tiny", "messages": HELLO, "temperature": 3}, 400,
                                 "temperature: Input should be less than or equal to 2"),
    "oversized body": ({"model": "tiny", "messages": [{"role": "user", "content": "x" * 3000}]}, 413,
                       "request body over this server's limit of 2000 bytes"),
    "unknown model": ({"model": "gpt-4o", "messages": HELLO}, 404, "model 'gpt-4o' is not served here"),
}


def test_each_bad_request_gets_its_status_and_message_and_the_server_keeps_serving(tiny_backend):
    _, server = serving(tiny_backend, max_messages=4, max_tokens_cap=64, default_max_tokens=4, max_n=2,
                        max_body_bytes=2000)
    with server as s:
        answers = {}
        for name, (body, _, _) in BAD_REQUESTS.items():
            content = body if isinstance(body, bytes) else json.dumps(body).encode()
            r = httpx.post(f"{s.url}/chat/completions", content=content, headers={"Content-Type": "application/json"})
            answers[name] = (r.status_code, r.json()["error"]["message"])
        still = post(s.url, {"model": "tiny", "messages": HELLO})
    for name, (_, status, message) in BAD_REQUESTS.items():
        assert answers[name][0] == status, name
        assert answers[name][1].startswith(message), (name, answers[name][1])
    assert still.status_code == 200 and still.json()["usage"]["completion_tokens"] == 4


def test_a_full_server_answers_503_with_retry_after_and_serves_what_it_admitted(gated):
    app, server = serving(gated, concurrency=1, queue_size=1, retry_after_s=7)
    body = {"model": "tiny", "messages": HELLO, "max_tokens": 4}
    answers = []
    with server as s:
        admitted = [threading.Thread(target=lambda: answers.append(post(s.url, body))) for _ in range(2)]
        for thread in admitted:  # one generating, one queued
            thread.start()
        wait_until(lambda: app.state.batcher.admitted == 2)
        refused = post(s.url, body)
        gated.gate.set()
        for thread in admitted:
            thread.join()
    assert refused.status_code == 503 and refused.headers["retry-after"] == "7"
    assert refused.json()["error"]["message"].startswith("server busy: 2 requests are already waiting or generating")
    assert [a.status_code for a in answers] == [200, 200]


def test_requests_that_arrive_together_are_generated_in_one_call_with_the_same_text(gated, tiny_backend):
    prompts = [[{"role": "user", "content": p}] for p in ("Hello", "Name a river.", "What is 2 + 2?")]
    expected = [tiny_backend.generate([p], GenerationParams(max_new_tokens=6))[0].text for p in prompts]
    app, server = serving(gated, concurrency=8, reasoning_format="none")
    texts = {}

    def ask(i, messages):
        texts[i] = post(s.url, {"model": "tiny", "messages": messages, "max_tokens": 6, "temperature": 0}).json()

    with server as s:
        threads = [threading.Thread(target=ask, args=(i, p)) for i, p in enumerate([prompts[0], *prompts])]
        threads[0].start()  # held at the gate, so the other three queue up behind it
        wait_until(lambda: app.state.batcher.generating == 1)
        for thread in threads[1:]:
            thread.start()
        wait_until(lambda: app.state.batcher.admitted == 4)
        gated.gate.set()
        for thread in threads:
            thread.join()
    assert gated.calls == [1, 3]
    assert [texts[i]["choices"][0]["message"]["content"] for i in range(4)] == [expected[0], *expected]


def test_without_the_api_key_a_request_gets_401_and_the_key_is_never_logged(tiny_backend, monkeypatch, caplog):
    monkeypatch.setenv("EXANTE_TEST_SERVE_KEY", "sk-test-4242")
    _, server = serving(tiny_backend, api_key_env="EXANTE_TEST_SERVE_KEY", default_max_tokens=2)
    with caplog.at_level("DEBUG"), server as s:
        missing = post(s.url, {"model": "tiny", "messages": HELLO})
        wrong = post(s.url, {"model": "tiny", "messages": HELLO}, headers={"Authorization": "Bearer sk-other"})
        models = httpx.get(f"{s.url}/models")
        health = httpx.get(s.url.removesuffix("/v1") + "/health")
        client = openai.OpenAI(base_url=s.url, api_key="sk-test-4242")
        reply = client.chat.completions.create(model="tiny", messages=HELLO)
        listed = client.models.list()
    assert [missing.status_code, wrong.status_code, models.status_code, health.status_code] == [401, 401, 401, 200]
    assert missing.json()["error"]["message"].startswith("missing or wrong API key")
    assert reply.usage.completion_tokens == 2 and [m.id for m in listed.data] == ["tiny"]
    assert "sk-test-4242" not in caplog.text


def test_an_api_key_variable_that_is_not_set_is_an_error(tiny_backend, monkeypatch):
    from exante.errors import ExanteError

    monkeypatch.delenv("EXANTE_TEST_UNSET_KEY", raising=False)
    with pytest.raises(ExanteError, match="'EXANTE_TEST_UNSET_KEY', which is not set"):
        create_app(ServeConfig(model="tiny", api_key_env="EXANTE_TEST_UNSET_KEY"), tiny_backend)


def test_shutdown_finishes_the_request_in_flight(gated):
    app, server = serving(gated, reasoning_format="none")
    answers = []
    with server as s:
        thread = threading.Thread(target=lambda: answers.append(post(s.url, {"model": "tiny", "messages": HELLO,
                                                                              "max_tokens": 4})))
        thread.start()
        wait_until(lambda: app.state.batcher.generating == 1)
        stopping = threading.Thread(target=s.stop)
        stopping.start()  # as SIGTERM: stop accepting, wait for the request
        time.sleep(0.3)
        assert stopping.is_alive()
        gated.gate.set()
        stopping.join(timeout=30)
        thread.join()
    assert not stopping.is_alive() and answers[0].status_code == 200
    assert answers[0].json()["usage"]["completion_tokens"] == 4


def test_unseeded_samples_of_one_prompt_differ_between_requests(tiny_backend):
    _, server = serving(tiny_backend, reasoning_format="none")
    body = {"model": "tiny", "messages": HELLO, "max_tokens": 8, "temperature": 1.0}
    with server as s:
        texts = {post(s.url, body).json()["choices"][0]["message"]["content"] for _ in range(3)}
    assert len(texts) == 3


def test_requests_with_the_same_messages_never_share_a_backend_call():
    from concurrent.futures import Future

    from exante.serve.batching import Job, _calls

    greedy, seeded = GenerationParams(temperature=0.0, seed=None), GenerationParams(temperature=1.0, seed=1)
    jobs = [Job(HELLO, 1, greedy, Future(), "tiny"), Job(HELLO, 1, greedy, Future(), "tiny"),
            Job([{"role": "user", "content": "x"}], 1, greedy, Future(), "tiny"), Job(HELLO, 2, seeded, Future(), "tiny")]
    assert [[jobs.index(j) for j in call] for call in _calls(jobs)] == [[0, 2], [1], [3]]
