"""split_steps partitions a rendered trace into its four steps, in characters and in tokens."""

import pytest
from hypothesis import given, settings
from trace_strategies import traces

from exante.reasoning import SECTIONS, TraceFormatError, parse_trace, prefix_until, render_trace, split_steps

PROPERTY = settings(max_examples=200, deadline=None)


@PROPERTY
@given(traces())
def test_step_offsets_slice_back_to_the_steps_and_cover_the_trace(trace):
    text = render_trace(trace)
    steps = split_steps(text)
    assert [s.name for s in steps] == list(SECTIONS)
    assert "".join(s.text for s in steps) == text
    for step, following in zip(steps, steps[1:]):
        assert step.char_end == following.char_start
    for step in steps:
        assert text[step.char_start:step.char_end] == step.text
        assert step.text.startswith(f"<{step.name}>\n")
        assert step.text.rstrip("\n").endswith(f"</{step.name}>")


@PROPERTY
@given(traces())
def test_token_offsets_are_monotone_cover_the_tokens_and_decode_to_the_steps(bpe_tokenizer, trace):
    text = render_trace(trace)
    ids = bpe_tokenizer(text, add_special_tokens=False)["input_ids"]
    steps = split_steps(text, bpe_tokenizer)
    assert steps[0].token_start == 0 and steps[-1].token_end == len(ids)
    for step, following in zip(steps, steps[1:]):
        assert step.token_start < step.token_end == following.token_start
    for step in steps:  # tags start a line, where byte-level BPE never merges across
        assert bpe_tokenizer.decode(ids[step.token_start:step.token_end]) == step.text


@PROPERTY
@given(traces())
def test_byte_level_bpe_round_trips_rendered_traces(bpe_tokenizer, trace):
    text = render_trace(trace)
    assert bpe_tokenizer.decode(bpe_tokenizer(text, add_special_tokens=False)["input_ids"]) == text


@PROPERTY
@given(traces())
def test_prefix_until_ends_where_the_step_begins(trace):
    text = render_trace(trace)
    assert prefix_until(text, "assessment") == ""
    prefix = prefix_until(text, "answer")
    assert text.startswith(prefix) and text[len(prefix):].startswith("<answer>\n")
    completed = prefix + text[len(prefix):]
    assert parse_trace(completed) == trace


def test_split_steps_rejects_a_malformed_trace_naming_the_part():
    with pytest.raises(TraceFormatError) as err:
        split_steps("<assessment>\nx\n</assessment>\n<answer>\ny\n</answer>")
    assert err.value.part == "verification"


def test_prefix_until_rejects_an_unknown_step():
    with pytest.raises(ValueError, match="unknown step 'plan'"):
        prefix_until("", "plan")
