"""The safety rulebook that every Ex-Ante judgement cites."""

from exante.rules.schema import PATHS, Rule, Rulebook, load_rulebook

__all__ = ["PATHS", "Rule", "Rulebook", "load_rulebook"]
