"""Rule retrieval for the compose teacher: which rules a prompt touches, best first.

A harm rule's score adds three cues:
- **embedding**: the highest MiniLM cosine between the prompt and the rule's texts (its title with
  its disallowed items, each disallowed item, its violating examples);
- **keywords**: ``rules.keyword_scores`` (capped), precise when the prompt uses the rule's words;
- **neighbours**: the hazard areas of the prompt's nearest labelled harmful prompts (train split,
  other groups), weighted by similarity — it carries the data sets' own labels to prompts whose
  wording neither the keywords nor the rule texts anticipate.
Keywords alone put the right area first for ~40 % of prompts written after them (docs/rules.md);
the weights below were chosen on the train split only (docs/synth.md has the measurements).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from exante.rules import COMPLYING_PATHS, Rule, Rulebook, keyword_scores
from exante.rules.keywords import matched_keywords
from exante.synth.embeddings import embed_cached
from exante.synth.signals import paragraphs

EMBED_WEIGHT, KEYWORD_WEIGHT, NEIGHBOUR_WEIGHT = 1.0, 0.2, 0.4
KEYWORD_CAP = 3  # a long keyword list should not outvote the meaning of the request
NEIGHBOURS = 10


@dataclass
class Retrieval:
    harm: list[tuple[str, float]]  # harm rules, best first
    guards: list[tuple[str, float]]  # over-refusal guard rules, best first
    nearest: list[tuple[str, float]]  # harm rules by the prompt's own text only (no neighbours): for safe prompts
    keywords: dict[str, list[str]] = field(default_factory=dict)  # rule id → matched keywords
    areas: dict[str, str] = field(default_factory=dict, repr=False)  # rule id → hazard area

    @property
    def top_rule(self) -> str:
        return self.harm[0][0]

    @property
    def area(self) -> str:
        return self.areas[self.top_rule]

    def top_areas(self, k: int = 3) -> list[str]:
        return list(dict.fromkeys(self.areas[rid] for rid, _ in self.harm))[:k]


def _rule_texts(rule: Rule) -> list[str]:
    if rule.guards_over_refusal:
        return [rule.title] + [e.prompt for e in rule.examples if e.path in COMPLYING_PATHS]
    summary = f"{rule.title}: " + "; ".join(rule.disallowed)
    return [summary, *rule.disallowed] + [e.prompt for e in rule.examples if e.path not in COMPLYING_PATHS]


class RuleRetriever:
    """Scores every rule of ``rulebook`` for a batch of prompts (see module doc)."""

    def __init__(self, rulebook: Rulebook, labelled: Sequence[dict] = ()):
        self.rulebook = rulebook
        self.harm_rules = [r for r in rulebook.rules if not r.guards_over_refusal]
        self.guard_rules = [r for r in rulebook.rules if r.guards_over_refusal]
        self.areas = {r.id: r.hazard_area for r in rulebook.rules}
        texts, owners = [], []
        for i, rule in enumerate(rulebook.rules):
            texts += _rule_texts(rule)
            owners += [i] * len(_rule_texts(rule))
        self._docs, self._owners = embed_cached(texts), np.array(owners)
        self._disallowed = {r.id: (list(r.disallowed), embed_cached(list(r.disallowed)))
                            for r in self.harm_rules if r.disallowed}
        self._pool = [r for r in labelled if r["category"] in set(self.areas.values())]
        self._pool_vecs = embed_cached([r["prompt"] for r in self._pool])

    def retrieve(self, queries: Sequence[str], groups: Sequence[str | None] | None = None) -> list[Retrieval]:
        """One Retrieval per query; neighbours from ``groups[i]`` (the query's own group) are skipped."""
        if not queries:
            return []
        vecs = embed_cached(list(queries))
        per_rule = self._embedding_scores(vecs)
        votes = self._neighbour_votes(vecs, groups or [None] * len(queries))
        return [self._one(q, per_rule[n], votes[n]) for n, q in enumerate(queries)]

    def focus(self, text: str, group: str | None = None) -> str:
        """The line of a long wrapped prompt that matches a harm rule best: the request inside a template.

        Templates (DAN and others) surround the request with pages about having no rules; retrieval
        on the whole text finds the template's topic, retrieval on its best line finds the request.
        """
        parts = paragraphs(text)
        if len(parts) == 1:
            return text
        found = self.retrieve(parts, [group] * len(parts))
        return max(zip(parts, found), key=lambda pair: pair[1].harm[0][1])[0]

    def closest_disallowed(self, rule_id: str, query: str) -> str | None:
        """The disallowed item of ``rule_id`` closest in meaning to ``query``: the specific harm named."""
        if rule_id not in self._disallowed:
            return None
        items, vecs = self._disallowed[rule_id]
        return items[int(np.argmax(vecs @ embed_cached([query])[0]))]

    def _embedding_scores(self, vecs: np.ndarray) -> np.ndarray:
        sims = vecs @ self._docs.T
        out = np.full((len(vecs), len(self.rulebook.rules)), -1.0, dtype=np.float32)
        for i in range(len(self.rulebook.rules)):
            out[:, i] = sims[:, self._owners == i].max(axis=1)
        return out

    def _neighbour_votes(self, vecs: np.ndarray, groups: Sequence[str | None]) -> list[dict[str, float]]:
        if not self._pool:
            return [{} for _ in range(len(vecs))]
        sims = vecs @ self._pool_vecs.T
        pool_groups = np.array([r.get("group") or r["id"] for r in self._pool])
        out = []
        for n, group in enumerate(groups):
            row = np.where(pool_groups == group, -np.inf, sims[n]) if group else sims[n]
            top = np.argsort(-row, kind="stable")[:NEIGHBOURS]
            votes: dict[str, float] = {}
            for j in top:
                votes[self._pool[j]["category"]] = votes.get(self._pool[j]["category"], 0.0) + max(float(row[j]), 0.0)
            total = sum(votes.values()) or 1.0
            out.append({area: v / total for area, v in votes.items()})
        return out

    def _one(self, query: str, embedding: np.ndarray, votes: dict[str, float]) -> Retrieval:
        keywords = {rid: score for rid, score in keyword_scores(self.rulebook, query)}
        own, scores = {}, {}
        for i, rule in enumerate(self.rulebook.rules):
            lexical = min(keywords.get(rule.id, 0), KEYWORD_CAP)
            own[rule.id] = EMBED_WEIGHT * float(embedding[i]) + KEYWORD_WEIGHT * lexical
            scores[rule.id] = own[rule.id] + NEIGHBOUR_WEIGHT * votes.get(rule.hazard_area, 0.0)
        hits = {r.id: matched_keywords(r, query) for r in self.rulebook.rules if r.id in keywords}
        return Retrieval(_rank(self.harm_rules, scores), _rank(self.guard_rules, own), _rank(self.harm_rules, own),
                         hits, self.areas)


def _rank(rules: list[Rule], scores: dict[str, float]) -> list[tuple[str, float]]:
    # rounded so that ties break by rulebook order, not by float noise
    return sorted(((r.id, round(scores[r.id], 6)) for r in rules), key=lambda t: -t[1])
