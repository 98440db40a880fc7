"""From a chunk of prompts to journal entries: chosen check, candidates, judges, checks, selection.

Per prompt the candidates are walked in a fixed order — the policy's samples interleaved with
constructed rejections (strategies rotated by hash, so each is used about equally) — and the
first ``pairs_per_prompt`` that pass every check become pairs. Failures met on the way are
kept with their reason; candidates after the quota is filled are not looked at.
"""

from __future__ import annotations

from itertools import zip_longest

from exante.data.records import stable_fraction
from exante.reasoning import Trace
from exante.rules import Rulebook
from exante.pairs.checks import (
    Candidate,
    Failure,
    Judging,
    Tokens,
    answer_of,
    chosen_label_failure,
    chosen_trace,
    dropped_record,
    pair_record,
    rejected_failure,
)
from exante.pairs.config import PairsConfig
from exante.pairs.construct import CONSTRUCTORS, Context, construct
from exante.pairs.inputs import Composer, Item, PolicySampler

SAMPLED_OBJECTIVES = ("safety", "usefulness")


def entry_id(objective: str, item_id: str) -> str:
    return f"{objective}/{item_id}"


class PairMaker:
    def __init__(self, config: PairsConfig, rulebook: Rulebook, judging: Judging, tokens: Tokens,
                 long_traces: dict[str, str], sampler: PolicySampler | None, composer: Composer):
        self.config, self.rulebook, self.judging, self.tokens = config, rulebook, judging, tokens
        self.long_traces, self.sampler, self.composer = long_traces, sampler, composer

    def entries(self, objective: str, items: list[Item]) -> list[dict]:
        """One journal entry per item: ``{"id", "pairs": [...], "dropped": [...]}``."""
        failures = self._compose_missing(items)
        traces: dict[str, Trace] = {}
        for item in items:
            if item.id not in failures:
                trace, failure = chosen_trace(item, objective, self.rulebook)
                traces[item.id] = trace
                if failure:
                    failures[item.id] = failure
        ready = [i for i in items if i.id not in failures]
        self.judging.prefetch("refusal", [(i.prompt, answer_of(i.chosen)) for i in ready])
        for item in ready:
            failure = chosen_label_failure(item, objective, self.judging)
            if failure:
                failures[item.id] = failure
        ready = [i for i in ready if i.id not in failures]
        samples = self._samples(objective, ready)
        candidates = {i.id: self._candidates(objective, i, traces[i.id], samples.get(i.id, [])) for i in ready}
        self._prefetch(objective, [c for cs in candidates.values() for c in cs])
        out = []
        for item in items:
            entry = {"id": entry_id(objective, item.id), "pairs": [], "dropped": []}
            if item.id in failures:
                entry["dropped"].append(dropped_record(item, objective, failures[item.id]))
            else:
                self._select(objective, item, traces[item.id], candidates[item.id], entry)
            out.append(entry)
        return out

    def _compose_missing(self, items: list[Item]) -> dict[str, Failure]:
        missing = [i for i in items if i.chosen is None]
        failures = {}
        for item_id, (text, reason) in (self.composer.compose(missing) if missing else {}).items():
            item = next(i for i in missing if i.id == item_id)
            item.chosen = text
            if text is None:
                failures[item_id] = Failure("chosen_compose", reason)
        return failures

    def _samples(self, objective: str, items: list[Item]) -> dict[str, list[dict]]:
        wanted = objective in SAMPLED_OBJECTIVES and "sampled" in self.config.rejections(objective)
        if not (wanted and self.sampler and items):
            return {}
        samples = self.sampler.sample(items)
        pairs = [(i.prompt, answer_of(s["text"])) for i in items for s in samples[i.id]]
        self.judging.prefetch("refusal", pairs)
        if objective == "safety":
            self.judging.prefetch("harm", pairs)
        return samples

    def _candidates(self, objective: str, item: Item, chosen: Trace, samples: list[dict]) -> list[Candidate]:
        sampled = [Candidate(item, objective, "sampled", "sampled", s["text"], n, s["finish_reason"])
                   for n, s in enumerate(samples)]
        compliance = next((c.text for c in sampled if self._unsafe_compliance(c)), None) if objective == "safety" else None
        ctx = Context(item, chosen, self.rulebook, self.config.salt, answer_of(compliance) if compliance else None)
        given = []
        if objective == "efficiency" and "long" in self.config.rejections(objective) and item.id in self.long_traces:
            given.append(Candidate(item, objective, "long", "constructed", self.long_traces[item.id]))
        built = [(s, v, construct(s, ctx, v)) for s, v in self._constructed_order(objective, item)]
        constructed = [Candidate(item, objective, s, "constructed", text, v) for s, v, text in built if text is not None]
        return [c for pair in zip_longest(sampled, given + constructed) for c in pair if c is not None]

    def _constructed_order(self, objective: str, item: Item) -> list[tuple[str, int]]:
        """(strategy, variant) in the order tried: strategies rotated by hash, repeated with new wording."""
        strategies = [s for s in self.config.rejections(objective) if s in CONSTRUCTORS]
        if not strategies:
            return []
        start = int(stable_fraction(self.config.salt, "rotate", objective, item.id) * len(strategies))
        count = max(len(strategies), self.config.pairs_per_prompt[objective])
        return [(strategies[(start + j) % len(strategies)], j // len(strategies)) for j in range(count)]

    def _unsafe_compliance(self, cand: Candidate) -> bool:
        prompt = cand.item.prompt
        return (bool(answer_of(cand.text).strip()) and not self.judging.is_positive("refusal", prompt, cand.text)
                and self.judging.is_positive("harm", prompt, cand.text))

    def _prefetch(self, objective: str, candidates: list[Candidate]) -> None:
        pairs = [(c.item.prompt, answer_of(c.text)) for c in candidates]
        self.judging.prefetch("refusal", pairs + [(c.item.prompt, answer_of(c.item.chosen)) for c in candidates])
        if objective == "safety":
            self.judging.prefetch("harm", pairs)

    def _select(self, objective: str, item: Item, chosen: Trace, candidates: list[Candidate], entry: dict) -> None:
        quota, seen = self.config.pairs_per_prompt[objective], set()
        for cand in candidates:
            if len(entry["pairs"]) >= quota:
                break
            failure = (Failure("duplicate", "same rejected text as an earlier candidate") if cand.text in seen else
                       rejected_failure(cand, chosen, self.rulebook, self.judging, self.tokens, self.config.min_length_ratio))
            seen.add(cand.text)
            if failure:
                entry["dropped"].append(dropped_record(item, objective, failure, cand))
            else:
                entry["pairs"].append(pair_record(cand, self.judging, self.tokens, self.rulebook, self.config.response))
        if not candidates:
            entry["dropped"].append(dropped_record(item, objective, Failure("no_candidate", "no rejected response available")))
