"""The safety rulebook that every Ex-Ante judgement cites."""

from exante.rules.keywords import keyword_scores
from exante.rules.render import render_rulebook
from exante.rules.schema import (
    ALLOWED_CONTEXTS,
    COMPLYING_PATHS,
    HAZARD_AREAS,
    PATHS,
    REFUSING_PATHS,
    Rule,
    Rulebook,
    load_rulebook,
    parse_rulebook,
)

__all__ = [
    "ALLOWED_CONTEXTS",
    "COMPLYING_PATHS",
    "HAZARD_AREAS",
    "PATHS",
    "REFUSING_PATHS",
    "Rule",
    "Rulebook",
    "keyword_scores",
    "load_rulebook",
    "parse_rulebook",
    "render_rulebook",
]
