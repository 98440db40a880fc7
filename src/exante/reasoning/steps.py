"""Reasoning steps as spans of a rendered trace, for step-level preference optimization.

The four steps partition the text: a step runs from its opening tag line to the next step's
opening tag line (so it carries the newline that separates them), the first step also takes any
leading blank text and the last step any trailing blank text. Concatenating the step texts gives
the trace back, so ``prefix_until(text, name) + step.text`` is the prompt-side prefix plus the
next step, as Step-DPO pairs need.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from exante.reasoning.parse import section_starts
from exante.reasoning.trace import SECTIONS


@dataclass(frozen=True)
class Step:
    name: str  # one of SECTIONS
    char_start: int
    char_end: int
    token_start: int | None  # token offsets: None when no tokenizer was given
    token_end: int | None
    text: str


def _char_bounds(text: str) -> list[int]:
    starts = section_starts(text)
    return [0] + [starts[name] for name in SECTIONS[1:]] + [len(text)]


def _token_bounds(text: str, char_bounds: list[int], tokenizer) -> list[int]:
    if not getattr(tokenizer, "is_fast", False):
        raise TypeError("split_steps needs a fast tokenizer (offset mapping); got a slow one")
    offsets = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    # A token belongs to the step its first character is in; a token that straddles a step
    # boundary (rare: tags start at a line start, where BPE pre-tokenizers split) stays whole.
    token_starts = [start for start, _ in offsets]
    return [bisect_left(token_starts, c) for c in char_bounds[:-1]] + [len(offsets)]


def split_steps(text: str, tokenizer=None) -> list[Step]:
    """The four steps of a well-formed trace (raises ``TraceFormatError`` otherwise).

    Token offsets index ``tokenizer(text, add_special_tokens=False)``; to use them inside a
    chat-formatted sequence, add the token count of what precedes the assistant turn.
    """
    chars = _char_bounds(text)
    tokens = _token_bounds(text, chars, tokenizer) if tokenizer is not None else [None] * len(chars)
    return [
        Step(name, chars[i], chars[i + 1], tokens[i], tokens[i + 1], text[chars[i]:chars[i + 1]])
        for i, name in enumerate(SECTIONS)
    ]


def prefix_until(text: str, step_name: str) -> str:
    """The trace text before step ``step_name`` (empty for the first step)."""
    if step_name not in SECTIONS:
        raise ValueError(f"unknown step {step_name!r}; expected one of {', '.join(SECTIONS)}")
    return text[: _char_bounds(text)[SECTIONS.index(step_name)]]
