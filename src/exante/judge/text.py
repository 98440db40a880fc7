"""Small text helpers shared by the judges: a response's opening, its sentences, its list lines."""

from __future__ import annotations

import re

from exante.reasoning.refusal import OPENING_CHARS

MAX_SENTENCES = 40  # per response; bounds the cost of very long answers
_SPLIT = re.compile(r"(?<=[.!?:])\s+|\n+")
_BULLET = re.compile(r"^\s*(?:[-*•#>]+|\d+[.)])\s*")
_LIST_LINE = re.compile(r"^\s*(?:[-*•]|\d+[.)]|step \d+)", re.IGNORECASE | re.MULTILINE)


def opening(response: str) -> str:
    """The part of a response where refusals show: the same span the refusal-phrase list reads."""
    return response.strip()[:OPENING_CHARS]


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of ``text`` with at least three words, markdown bullets removed."""
    pieces = (_BULLET.sub("", p).strip(" *_") for p in _SPLIT.split(text))
    return [p for p in pieces if len(p.split()) >= 3][:MAX_SENTENCES]


def list_lines(text: str) -> int:
    """Lines that start a bullet, a numbered item or a "Step n"."""
    return len(_LIST_LINE.findall(text))
