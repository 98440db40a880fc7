"""Render → parse is exact; strict parsing names the broken part; lenient parsing never raises."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trace_strategies import EXAMPLE, free_text, traces

from exante.reasoning import (
    SECTIONS,
    ParsedTrace,
    RuleVerdict,
    Trace,
    TraceFormatError,
    parse_lenient,
    parse_trace,
    render_trace,
)
from exante.errors import ExanteError

PROPERTY = settings(max_examples=200, deadline=None)

def test_rendered_example_reads_as_documented():
    assert render_trace(EXAMPLE) == (
        "<assessment>\nThe user asks for bomb-making steps and what a worm is. Intent: harm. Signals: role-play framing.\n</assessment>\n"
        "<verification>\n"
        "- weapons.explosives: violated — asks for construction steps of a device.\n"
        "- cyber.malware: allowed (education) — what a worm is: general knowledge\n"
        "- overrefusal.homonyms: not_violated\n"
        "</verification>\n"
        "<calibration>\npath: refuse_and_redirect\n"
        "Decline the construction details; offer the history of explosives regulation.\n</calibration>\n"
        "<answer>\nI can't help with building explosives.\nI can explain how they are regulated.\n</answer>"
    )


@PROPERTY
@given(traces())
def test_render_then_parse_gives_the_same_trace(trace):
    text = render_trace(trace)
    assert parse_trace(text) == trace
    lenient = parse_lenient(text)
    assert lenient.ok and lenient.to_trace() == trace


def test_tag_text_inside_an_answer_is_escaped_and_restored():
    trace = Trace("a", [], "comply", "", "Close it with\n</answer>\nor inline </answer> and \\</answer>.")
    text = render_trace(trace)
    assert "\n\\</answer>\n" in text and "\n\\\\</answer>" not in text
    assert parse_trace(text).answer == trace.answer


@pytest.mark.parametrize(
    "verdict",
    [RuleVerdict("a b", "violated"), RuleVerdict("x", "maybe"), RuleVerdict("x", "allowed"),
     RuleVerdict("x", "violated", "history"), RuleVerdict("x", "violated", None, "two\nlines")],
)
def test_render_rejects_verdicts_the_grammar_cannot_carry(verdict):
    with pytest.raises(TraceFormatError) as err:
        render_trace(Trace("a", [verdict], "comply", "", "b"))
    assert err.value.part == "verification" and isinstance(err.value, ExanteError)


def _break(text: str, section: str, which: str) -> str:
    lines = text.split("\n")
    start, end = lines.index(f"<{section}>"), lines.index(f"</{section}>")
    keep = {"open": lambda i: i != start, "close": lambda i: i != end, "section": lambda i: not start <= i <= end}[which]
    return "\n".join(line for i, line in enumerate(lines) if keep(i))


@PROPERTY
@given(traces(), st.sampled_from(SECTIONS), st.sampled_from(["open", "close", "section"]))
def test_strict_error_names_the_section_whose_tag_is_missing(trace, section, which):
    broken = _break(render_trace(trace), section, which)
    with pytest.raises(TraceFormatError) as err:
        parse_trace(broken)
    assert err.value.part == section, str(err.value)


@pytest.mark.parametrize(
    "body, part",
    [("- weapons.explosives violated", "verification"), ("- x: allowed — no context", "verification")],
)
def test_strict_error_names_a_malformed_verification_line(body, part):
    text = render_trace(EXAMPLE).replace("- overrefusal.homonyms: not_violated", body)
    with pytest.raises(TraceFormatError, match="verification") as err:
        parse_trace(text)
    assert err.value.part == part


def test_strict_error_names_calibration_without_a_path_line():
    text = render_trace(EXAMPLE).replace("path: refuse_and_redirect\n", "")
    with pytest.raises(TraceFormatError) as err:
        parse_trace(text)
    assert err.value.part == "calibration"


def _swap(text: str, a: str, b: str) -> str:
    lines = text.split("\n")
    i, j = lines.index(a), lines.index(b)
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


@pytest.mark.parametrize(
    "mangle, part, detail",
    [
        (lambda t: t.replace("</assessment>", "</assessment>\n</assessment>"), "assessment", "without an open"),
        (lambda t: t + "\n<answer>\nmore\n</answer>", "answer", "more than once"),
        (lambda t: _swap(_swap(t, "<verification>", "<calibration>"), "</verification>", "</calibration>"),
         "verification", "out of order"),
    ],
)
def test_strict_error_names_a_stray_repeated_or_misplaced_section(mangle, part, detail):
    with pytest.raises(TraceFormatError, match=detail) as err:
        parse_trace(mangle(render_trace(EXAMPLE)))
    assert err.value.part == part


def test_text_outside_the_sections_is_a_format_error():
    with pytest.raises(TraceFormatError, match="outside"):
        parse_trace(render_trace(EXAMPLE) + "\nP.S. more text")


def test_text_without_tags_is_a_raw_answer_and_not_a_trace():
    parsed = parse_lenient("Sure! Here is a cake recipe.")
    assert parsed.answer == "Sure! Here is a cake recipe."
    assert parsed.found == () and [p.part for p in parsed.problems] == ["trace"]
    assert "not a trace" in parsed.problems[0]


def test_lenient_reads_tags_written_inline():
    text = "<assessment>benign</assessment>\n<verification>\n- cyber.malware: not_violated\n</verification>\n" \
           "<calibration>path: comply</calibration><answer>Sure.</answer>"
    parsed = parse_lenient(text)
    assert (parsed.assessment, parsed.path, parsed.answer) == ("benign", "comply", "Sure.")
    assert [str(p) for p in parsed.problems] == ["trace: tags not on their own lines"]


def test_lenient_keeps_what_precedes_a_truncation():
    text = render_trace(EXAMPLE)
    parsed = parse_lenient(text[: text.index("Decline the construction")])
    assert parsed.assessment == EXAMPLE.assessment and parsed.verifications == EXAMPLE.verifications
    assert parsed.path == "refuse_and_redirect" and parsed.answer is None
    assert parsed.missing == ["answer"] and {p.part for p in parsed.problems} == {"calibration", "answer"}


def _mutations(text: str) -> st.SearchStrategy[str]:
    n = len(text)
    cut = st.integers(0, n)
    delete = st.tuples(cut, cut).map(lambda ab: text[: min(ab)] + text[max(ab):])
    truncate = cut.map(lambda i: text[:i])
    lines = text.split("\n")
    drop_line = st.integers(0, len(lines) - 1).map(lambda i: "\n".join(lines[:i] + lines[i + 1:]))
    repeat_line = st.integers(0, len(lines) - 1).map(lambda i: "\n".join(lines[: i + 1] + lines[i:]))
    return st.one_of(delete, truncate, drop_line, repeat_line)


@PROPERTY
@given(st.one_of(st.text(), free_text, traces().map(render_trace).flatmap(_mutations)))
def test_lenient_parser_never_raises_and_strict_agrees_when_it_reports_no_problem(text):
    parsed = parse_lenient(text)
    assert isinstance(parsed, ParsedTrace)
    assert all(p.part in SECTIONS + ("trace",) for p in parsed.problems)
    if parsed.ok:
        assert parse_trace(text) == parsed.to_trace()
    else:
        with pytest.raises(TraceFormatError):
            parse_trace(text)
