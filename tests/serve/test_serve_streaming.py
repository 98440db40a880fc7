"""Streamed replies per token: text deltas that hold back incomplete characters and stop-string
starts, reasoning/answer splitting as a trace grows, and `exante serve` streaming on loopback
(the official openai client): more than two content chunks, the first before the generation is
done, batched with other requests, n choices, and deltas that add up to the non-streamed reply."""

import logging
import threading

import openai
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from serve.backends import TRACE, TRACE_ANSWER, TRACE_REASONING, GatedBackend, HeldMidwayBackend, TraceTokensBackend
from test_server import HELLO, serving, wait_until

from exante.models import GenerationParams
from exante.models.generation import cut_at_stop
from exante.reasoning import strip_reasoning
from exante.serve.schemas import split_reply
from exante.serve.streaming import SplitDeltas, TextDeltas, settled_split

TEXTS = {
    "trace": TRACE,
    "trace with text after it": TRACE + "\nThanks!\n",
    "answer cut off in its closing tag": TRACE[: TRACE.index("</answer>") + 5],
    "cut off in its reasoning": TRACE[: TRACE.index("path:") + 8],
    "inline tags": "<assessment>Benign.</assessment>\n<verification>\n</verification>\n<calibration>\npath: comply"
                   "\n</calibration>\n<answer>Sure: a < b and\nb <c> d.</answer>",
    "escaped tag lines and an answer tag inline": "<assessment>\n\\<answer>\nx\n</assessment>\nthen <answer>\n"
                                                  "\\</answer>\ny\n</answer>",
    "blank lines and CRLF": "\n \r\n<assessment>\r\nA.\r\n</assessment>\r\n<answer>\r\n  B, \\ C.  \r\n</answer>\r\n",
    "answer first": "<answer>\nOnly this.\n</answer>",
    "answer ended by another tag": "<assessment>\nA.\n</assessment>\n<answer>\nB </\n<calibration>\npath: x\n",
    "text before the trace": "Sure!\n" + TRACE,
    "plain text with tags further on": "I will think.\n<answer>\nNo.\n</answer>",
    "plain text": "Hello <b>there</b>,\nhow are you?  ",
}


def growing(text):
    return (text[:k] for k in range(len(text) + 1))


def assert_settled_parts_grow_into_the_final_split(text):
    reasoning, answer = strip_reasoning(text)
    before = ("", "")
    for prefix in growing(text):
        settled = settled_split(prefix)
        assert (reasoning or "").startswith(settled[0]) and answer.startswith(settled[1]), prefix
        assert settled[0].startswith(before[0]) and settled[1].startswith(before[1]), prefix
        before = settled


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_what_is_settled_at_each_character_is_a_start_of_the_final_split_and_only_grows(text):
    assert_settled_parts_grow_into_the_final_split(text)


# pieces of traces and of what models write instead: tags (inline, escaped, cut off), blanks, text
PIECES = ["<assessment>", "</assessment>", "<verification>", "</verification>", "<calibration>", "</calibration>",
          "<answer>", "</answer>", "  <answer>\t", "\\<answer>", "\\\\</answer>", "</ans", "<", "</", "\\", "\n",
          "\r\n", " ", "\x0c", "text", "a < b", "<b>", "path: comply", "- R1: violated — x"]


@settings(max_examples=400, deadline=None)
@given(st.booleans(), st.lists(st.sampled_from(PIECES), max_size=16))
def test_for_any_text_what_is_settled_is_a_start_of_the_final_split(opens_as_a_trace, pieces):
    text = ("<assessment>\n" if opens_as_a_trace else "") + "".join(pieces)
    assert_settled_parts_grow_into_the_final_split(text)


def test_a_trace_streams_its_reasoning_before_the_answer_tag_and_its_answer_before_it_ends():
    reasoning, _ = settled_split(TRACE[: TRACE.index("<answer>")])
    assert reasoning == TRACE_REASONING
    _, answer = settled_split(TRACE[: TRACE.index("<pid>") + 3])  # "<pi" could not start a tag
    assert answer == "Run `kill <pi"
    assert settled_split(TRACE[: TRACE.index("</answer>") + 4])[1] == TRACE_ANSWER


def test_a_reply_that_does_not_open_with_a_tag_line_is_held_to_the_end():
    assert settled_split(TEXTS["plain text"]) == ("", "")
    assert settled_split(TEXTS["text before the trace"]) == ("", "")


@pytest.mark.parametrize("reasoning_format", ["split", "drop", "none"])
@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_the_deltas_add_up_to_the_non_streamed_parts(text, reasoning_format, caplog):
    split = SplitDeltas(reasoning_format)
    deltas = [d for prefix in growing(text) for d in split.update(prefix)]
    with caplog.at_level(logging.WARNING):
        deltas += split.finish(*split_reply(text, reasoning_format))
    reasoning, content = split_reply(text, reasoning_format)
    assert "".join(d.get("reasoning_content", "") for d in deltas) == (reasoning or "")
    assert "".join(d.get("content", "") for d in deltas) == content
    first_content = next((i for i, d in enumerate(deltas) if "content" in d), len(deltas))
    assert all("content" in d for d in deltas[first_content:])  # reasoning, then the answer
    assert not caplog.records


def test_text_deltas_hold_back_incomplete_characters_and_stop_string_starts(tiny_model):
    tokenizer = tiny_model.tokenizer
    text = "Grüße aus 東京 🙂, then a STOP and more"
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    deltas = TextDeltas(tokenizer.decode, ("STOP",))
    settled = [deltas.push([token]) for token in ids]
    final = cut_at_stop(tokenizer.decode(ids), ("STOP",))
    assert final == "Grüße aus 東京 🙂, then a "
    assert all(final.startswith(s) and "\ufffd" not in s for s in settled)
    assert settled[-1] == final and len(set(settled)) > len(ids) // 2  # it grew token by token
    assert "\ufffd" in "".join(tokenizer.decode([t]) for t in ids)  # some tokens split a character


def test_text_deltas_hold_a_tail_that_may_start_a_stop_string(tiny_model):
    tokenizer = tiny_model.tokenizer
    deltas = TextDeltas(tokenizer.decode, ("<end>",))
    pieces = [deltas.push(tokenizer(piece, add_special_tokens=False)["input_ids"])
              for piece in ("abc<en", "x", "<end>tail")]
    assert pieces == ["abc", "abc<enx", "abc<enx"]


def test_a_final_part_that_does_not_continue_what_was_streamed_sends_its_rest_after_their_common_start(caplog):
    split = SplitDeltas("none")
    assert split.update("Hello ,") == [{"content": "Hello ,"}]
    with caplog.at_level(logging.WARNING):
        assert split.finish(None, "Hello, world") == [{"content": ", world"}]
    assert "not a start of the final one" in caplog.text


def stream_parts(chunks, index=0):
    deltas = [c.choices[0].delta for c in chunks if c.choices and c.choices[0].index == index]
    content = [d.content for d in deltas if d.content]
    reasoning = [d.reasoning_content for d in deltas if getattr(d, "reasoning_content", None)]
    return reasoning, content


CASES = {
    "greedy": {"temperature": 0},
    "seeded": {"temperature": 1.0, "seed": 5},
    "greedy with a stop string": {"temperature": 0, "stop": "a word of its text"},
}


@pytest.mark.parametrize("settings", CASES.values(), ids=CASES.keys())
def test_a_streamed_reply_arrives_token_by_token_and_adds_up_to_the_plain_reply(tiny_backend, settings):
    if "stop" in settings:  # one that ends the greedy text well into it
        text = tiny_backend.generate([HELLO], GenerationParams(max_new_tokens=24))[0].text
        settings = {**settings, "stop": [text.split()[-3]]}
    _, server = serving(tiny_backend, reasoning_format="none")
    body = {"model": "tiny", "messages": HELLO, "max_tokens": 24, **settings}
    with server as s:
        client = openai.OpenAI(base_url=s.url, api_key="unused")
        plain = client.chat.completions.create(**body)
        chunks = list(client.chat.completions.create(**body, stream=True))
    _, content = stream_parts(chunks)
    assert len(content) > 2 and "".join(content) == plain.choices[0].message.content
    assert [c.choices[0].finish_reason for c in chunks][-1] == plain.choices[0].finish_reason


def test_the_first_delta_arrives_while_the_generation_is_still_running(tiny_backend):
    held = HeldMidwayBackend(tiny_backend, tokens=6)
    expected = tiny_backend.generate([HELLO], GenerationParams(max_new_tokens=16))[0].text
    _, server = serving(held, reasoning_format="none")
    with server as s:
        client = openai.OpenAI(base_url=s.url, api_key="unused")
        stream = iter(client.chat.completions.create(model="tiny", messages=HELLO, max_tokens=16, temperature=0,
                                                     stream=True))
        first = next(c for c in stream if c.choices[0].delta.content)
        assert not held.done.is_set()  # the generation waits midway until resumed
        held.resume.set()
        rest = list(stream)
    assert first.choices[0].delta.content + "".join(stream_parts(rest)[1]) == expected


def test_n_streamed_choices_each_add_up_to_their_plain_choice(tiny_backend):
    _, server = serving(tiny_backend, reasoning_format="none")
    body = {"model": "tiny", "messages": HELLO, "max_tokens": 12, "temperature": 1.0, "seed": 3, "n": 2}
    with server as s:
        client = openai.OpenAI(base_url=s.url, api_key="unused")
        plain = client.chat.completions.create(**body)
        chunks = list(client.chat.completions.create(**body, stream=True, stream_options={"include_usage": True}))
    for choice in plain.choices:
        _, content = stream_parts(chunks, choice.index)
        assert len(content) > 2 and "".join(content) == choice.message.content
    assert plain.choices[0].message.content != plain.choices[1].message.content
    assert chunks[-1].usage.completion_tokens == plain.usage.completion_tokens


def test_a_streamed_request_batched_with_a_plain_one_streams_its_own_tokens(gated, tiny_backend):
    prompts = [[{"role": "user", "content": p}] for p in ("Hello", "Name a river.")]
    expected = [g.text for g in tiny_backend.generate(prompts, GenerationParams(max_new_tokens=10))]
    app, server = serving(gated, concurrency=8, reasoning_format="none")
    answers = {}
    with server as s:
        client = openai.OpenAI(base_url=s.url, api_key="unused")
        ask = {"model": "tiny", "max_tokens": 10, "temperature": 0}
        first = threading.Thread(target=lambda: client.chat.completions.create(messages=prompts[1], **ask))
        first.start()  # held at the gate, so the next two share the next call
        wait_until(lambda: app.state.batcher.generating == 1)
        plain = threading.Thread(target=lambda: answers.update(
            plain=client.chat.completions.create(messages=prompts[1], **ask)))
        streamed = threading.Thread(target=lambda: answers.update(
            streamed=list(client.chat.completions.create(messages=prompts[0], stream=True, **ask))))
        for thread in (plain, streamed):
            thread.start()
        wait_until(lambda: app.state.batcher.admitted == 3)
        gated.gate.set()
        for thread in (first, plain, streamed):
            thread.join()
    assert gated.calls == [1, 2]
    _, content = stream_parts(answers["streamed"])
    assert len(content) > 2 and "".join(content) == expected[0]
    assert answers["plain"].choices[0].message.content == expected[1]


@pytest.mark.parametrize("reasoning_format", ["split", "drop"])
def test_a_trace_streams_reasoning_chunks_then_answer_chunks(tiny_model, reasoning_format):
    _, server = serving(TraceTokensBackend(tiny_model.tokenizer), reasoning_format=reasoning_format)
    with server as s:
        client = openai.OpenAI(base_url=s.url, api_key="unused")
        chunks = list(client.chat.completions.create(model="tiny", messages=HELLO, stream=True))
    reasoning, content = stream_parts(chunks)
    assert "".join(content) == TRACE_ANSWER and len(content) > 2
    if reasoning_format == "split":
        assert "".join(reasoning) == TRACE_REASONING and len(reasoning) > 10
        deltas = [c.choices[0].delta for c in chunks]
        first_content = next(i for i, d in enumerate(deltas) if d.content)
        assert all(not getattr(d, "reasoning_content", None) for d in deltas[first_content:])
    else:
        assert reasoning == []
