"""Lexical rule retrieval: which rules' keywords a prompt mentions.

This fixes what a rule's ``keywords`` mean, so rulebook authors know how to write them:
a keyword is a word or phrase, matched case-insensitively at word boundaries; each of its
words may carry a regular English ending (``hack`` matches hacks, hacked, hacking, hacker;
``pretend to be`` matches "pretending to be"; ``sabotage`` matches sabotaging; ``bully``
matches bullies). Irregular forms (stole, stolen) are listed separately. A rule's score is the
number of words in its matched keywords, so a specific phrase ("pipe bomb") outweighs a single
cue ("bomb"). This is the cheap first stage of retrieval; it finds rules by vocabulary, not intent.
"""

from __future__ import annotations

import re
from functools import lru_cache

from exante.rules.schema import Rule, Rulebook

_ENDINGS = r"(?:s|es|ed|d|ing|er|ers|'s)?"


def _word_pattern(word: str) -> str:
    """One word with optional regular endings; a silent 'e' or a consonant + 'y' may change first."""
    stem = re.escape(word)
    if len(word) > 3 and word.endswith("e"):
        stem = f"(?:{stem}|{stem[:-1]}(?=ing|ed))"
    elif len(word) > 3 and word.endswith("y") and word[-2] not in "aeiou":
        stem = f"(?:{stem}|{stem[:-1]}i(?=es|ed))"
    return stem + _ENDINGS


def _keyword_regex(keyword: str) -> str:
    return r"(?<!\w)" + r"\s+".join(_word_pattern(w) for w in keyword.lower().split()) + r"(?!\w)"


@lru_cache(maxsize=8192)
def keyword_pattern(keyword: str) -> re.Pattern:
    return re.compile(_keyword_regex(keyword))


def matched_keywords(rule: Rule, text: str) -> list[str]:
    lowered = text.lower()
    # Endings only change a word after its third letter, so a plain substring test of the first
    # three letters rejects most keywords before the (much slower) regex search.
    return [k for k in rule.keywords if k.lower()[:3] in lowered and keyword_pattern(k).search(lowered)]


def keyword_scores(rulebook: Rulebook, text: str, *, include_guards: bool = True) -> list[tuple[str, int]]:
    """``[(rule_id, score), ...]`` for rules whose keywords occur in ``text``, best first (ties keep rulebook order)."""
    scored = []
    for rule in rulebook.rules:
        if rule.guards_over_refusal and not include_guards:
            continue
        score = sum(len(k.split()) for k in matched_keywords(rule, text))
        if score:
            scored.append((rule.id, score))
    return sorted(scored, key=lambda item: -item[1])
