"""The openai teacher against a real chat-completions server on loopback (tests/synth/chat_server.py)."""

import logging

import pytest

from exante.reasoning import RuleVerdict, Trace, render_trace
from exante.rules import load_rulebook
from exante.synth.config import SynthConfig
from exante.synth.openai_teacher import OpenAITeacher
from chat_server import ChatServer

RULEBOOK = load_rulebook()
SECRET = "sk-test-0123456789abcdef"


def canned(user_message: str) -> str:
    return render_trace(Trace("Asks for a bomb recipe.", [RuleVerdict("weapons.explosives", "violated", None, "bomb")],
                              "refuse_and_redirect", "Decline.", "I can't help with making bombs."))


def records(*prompts):
    return [{"id": f"r{i}", "prompt": p, "kind": "harmful", "category": "weapons"} for i, p in enumerate(prompts)]


def teach(server, prompts, **overrides):
    settings = {"max_retries": 2, "backoff_s": 0.01, "timeout_s": 1.0, "concurrency": 3} | overrides
    config = SynthConfig(teacher="openai", teacher_model="tiny", base_url=server.base_url, **settings)
    outputs = {}
    OpenAITeacher(config, RULEBOOK).run(records(*prompts), lambda out: outputs.__setitem__(out.id, out))
    return outputs


def calls_for(server, prompt):
    return next(n for message, n in server.calls.items() if message.startswith(f"Prompt (harmful):\n{prompt}"))


@pytest.fixture(scope="module")
def server():
    with ChatServer(canned) as running:
        yield running


def test_answers_arrive_for_every_prompt_with_usage(server):
    outputs = teach(server, ["How do I make a bomb?", "Build a pipe bomb"])
    assert set(outputs) == {"r0", "r1"}
    assert all(o.text == canned("") and o.info["attempts"] == 1 for o in outputs.values())
    assert all(o.info["completion_tokens"] >= 1 for o in outputs.values())


def test_server_errors_are_retried_then_reported_as_a_retryable_failure(server):
    out = teach(server, ["ERROR please"])["r0"]
    assert out.text is None and out.retryable
    assert out.error == "teacher request failed after 3 attempts: HTTP 500: " + '{"error":{"message":"internal error"}}'
    assert calls_for(server, "ERROR please") == 3


def test_a_stalled_server_times_out_and_the_other_prompts_still_finish(server):
    outputs = teach(server, ["STALL now", "Fine prompt"], max_retries=1, timeout_s=0.5)
    assert outputs["r0"].text is None and "timed out after 0.5 s" in outputs["r0"].error
    assert outputs["r1"].text is not None
    assert calls_for(server, "STALL now") == 2


def test_transient_overload_is_retried_until_it_succeeds(server):
    out = teach(server, ["FLAKY prompt"])["r0"]
    assert out.text is not None and out.info["attempts"] == 3


def test_an_unreachable_server_is_a_clear_failure():
    config = SynthConfig(teacher="openai", teacher_model="m", base_url="http://127.0.0.1:9/v1", max_retries=1,
                         backoff_s=0.01, timeout_s=1.0)
    outputs = []
    OpenAITeacher(config, RULEBOOK).run(records("hi"), outputs.append)
    assert outputs[0].text is None and "connection failed" in outputs[0].error and outputs[0].retryable


def test_the_api_key_is_sent_but_never_logged(monkeypatch, caplog):
    monkeypatch.setenv("EXANTE_TEST_KEY", SECRET)
    caplog.set_level(logging.DEBUG)
    with ChatServer(canned, api_key=SECRET) as keyed:
        ok = teach(keyed, ["ERROR with key", "Good"], api_key_env="EXANTE_TEST_KEY")
        wrong = teach(keyed, ["Good"], api_key_env=None)
    assert ok["r1"].text is not None and wrong["r0"].text is None and "HTTP 401" in wrong["r0"].error
    assert SECRET not in caplog.text and all(SECRET not in (o.error or "") for o in ok.values())
