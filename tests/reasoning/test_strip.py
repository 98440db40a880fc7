"""strip_reasoning gives serving the answer alone, also from replies cut off by the token limit."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from trace_strategies import EXAMPLE, traces

from exante.reasoning import render_trace, strip_reasoning

PROPERTY = settings(max_examples=200, deadline=None)
TEXT = render_trace(EXAMPLE)


def test_a_trace_splits_into_reasoning_and_answer():
    reasoning, answer = strip_reasoning(TEXT)
    assert answer == EXAMPLE.answer
    assert reasoning == TEXT[: TEXT.index("<answer>")].strip()
    assert reasoning.endswith("</calibration>") and "<answer>" not in reasoning


def test_text_without_tags_is_all_answer():
    assert strip_reasoning("  Paris is the capital of France.\n") == (None, "Paris is the capital of France.")


def test_reply_cut_before_the_answer_has_no_answer():
    cut = TEXT[: TEXT.index("path:")]
    assert strip_reasoning(cut) == (cut.strip(), "")


def test_reply_cut_inside_the_closing_tag_drops_the_dangling_piece():
    assert strip_reasoning(TEXT[:-4])[1] == EXAMPLE.answer


def test_escaped_tag_lines_in_the_answer_are_restored():
    trace = replace(EXAMPLE, answer="Close the block with\n</answer>")
    assert "\n\\</answer>\n" in render_trace(trace)
    assert strip_reasoning(render_trace(trace))[1] == trace.answer


@PROPERTY
@given(traces(text=st.text(alphabet=st.characters(blacklist_characters="<\\"))), st.integers(0, 10_000))
def test_an_answer_cut_anywhere_is_a_prefix_of_the_full_answer(trace, cut_at):
    text = render_trace(trace)
    start = text.index("\n<answer>\n") + len("\n<answer>\n")
    cut = start + cut_at % (len(text) - start + 1)
    reasoning, answer = strip_reasoning(text[:cut])
    assert reasoning == text[: start - len("<answer>\n")].strip()
    assert trace.answer.strip().startswith(answer)
