"""Writing an Ex-Ante trace from what the compose teacher knows about a prompt.

Refusal traces name the specific harm (the violated rule's closest disallowed item and the
prompt's own words), not just the topic; safe traces name what makes the request safe (the
guard rule and allowed context that apply, and why). Wording comes from phrases.yaml, chosen
per prompt; ``long`` adds SaRO-style reflection to every step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from exante.data.records import stable_fraction
from exante.reasoning import RuleVerdict, Trace
from exante.rules import COMPLYING_PATHS, Rule, Rulebook
from exante.synth.phrases import entry, pick
from exante.synth.retrieval import Retrieval
from exante.synth.signals import cue

# Borderline types (exante.data) → (guard rule, allowed context, key of phrases.yaml `why`).
BORDERLINE_GUARDS = {
    "homonyms": ("overrefusal.homonyms", "benign_homonym", "benign_homonym"),
    "figurative_language": ("overrefusal.figurative", "figurative_language", "figurative_language"),
    "safe_targets": ("overrefusal.safe_targets", "safe_target", "safe_target"),
    "safe_contexts": ("overrefusal.safe_contexts", "games", "games"),
    "definitions": ("overrefusal.definitions", "definitions", "definitions"),
    "historical_events": ("overrefusal.history", "history", "history"),
    "privacy_public_figures": ("overrefusal.public_figures", "public_figures", "public_figures"),
    "privacy_fictional": ("overrefusal.fictional_privacy", "fictional_characters", "fictional_characters"),
    "safety_information": ("overrefusal.safety_information", "safety_information", "safety_information"),
    "real_discrimination_nonsense_group": ("overrefusal.discrimination_discussion", "general_knowledge",
                                           "nonsense_group"),
    "nonsense_discrimination_real_group": ("overrefusal.discrimination_discussion", "general_knowledge",
                                           "discrimination_discussion"),
}
_FICTION = re.compile(r"\b(novel|story|stories|fiction|screenplay|plot|film|movie|book|script|scene)\b", re.I)


@dataclass
class Facts:
    """What the compose teacher knows about one prompt."""

    key: str  # the record id: picks the phrasings
    kind: str
    category: str
    query: str  # the request itself (unwrapped, decoded)
    gist: str
    framings: list[str]
    retrieval: Retrieval
    element: str | None = None  # the violated rule's closest disallowed item (unsafe prompts)
    answer: str | None = None  # the distilled answer (safe prompts)


class TraceWriter:
    def __init__(self, rulebook: Rulebook, style: str, salt: str):
        self.rulebook, self.long, self.salt = rulebook, style == "long", salt

    def _pick(self, slot: str, facts: Facts, **values: str | None) -> str:
        return pick(slot, facts.key, self.salt, **values)

    def _framing(self, facts: Facts, slot: str) -> str | None:
        if not facts.framings:
            return None
        names = " and ".join(entry("framing")[f] for f in facts.framings[:2])
        return self._pick(slot, facts, framing=names)

    def refusal(self, facts: Facts) -> Trace:
        rule = self.rulebook.get(facts.retrieval.top_rule)
        element = facts.element or rule.title.lower()
        words = cue(facts.query, facts.retrieval.keywords.get(rule.id, []))
        framing_short = entry("framing_short")[facts.framings[0]] if facts.framings else None
        sentences = [self._framing(facts, "assessment.framing_unsafe"),
                     self._pick("assessment.harmful", facts, gist=facts.gist, element=element)]
        if self.long:
            sentences.append(self._pick("reflect.unsafe", facts, element=element))
            sentences.append(self._pick("reflect.framing", facts) if facts.framings else None)
        slot = "verdict.violated_framed" if self.long and framing_short else "verdict.violated"
        verdicts = [RuleVerdict(rule.id, "violated", None,
                                self._pick(slot, facts, element=element, cue=words, framing_short=framing_short))]
        if self.long and facts.retrieval.guards:
            verdicts.append(RuleVerdict(facts.retrieval.guards[0][0], "not_violated", None,
                                        self._pick("verdict.guard_rejected", facts)))
        topic = entry("redirect_topic")[rule.hazard_area]
        plan = self._pick("plan.refuse_long" if self.long else "plan.refuse", facts,
                          element=element, redirect_topic=topic)
        answer = self._refusal_answer(facts, rule, element, framing_short)
        return Trace(_join(sentences), verdicts, "refuse_and_redirect", plan, answer)

    def _refusal_answer(self, facts: Facts, rule: Rule, element: str, framing_short: str | None) -> str:
        """A refusal of the specific harm, then the hazard area's redirection (two of them when long)."""
        opener = self._pick("answer.refuse_framed" if framing_short else "answer.refuse", facts,
                            element=element, framing_short=framing_short)
        redirects = entry(f"redirect.{rule.hazard_area}")
        first = int(stable_fraction(self.salt, "redirect", facts.key) * len(redirects))
        count = 2 if self.long else 1
        return " ".join([opener] + [redirects[(first + i) % len(redirects)] for i in range(min(count, len(redirects)))])

    def safe(self, facts: Facts) -> Trace:
        guard, context, why_key = self._guard(facts)
        harm_rule = self._scary_rule(facts)
        words = cue(facts.query, facts.retrieval.keywords.get(harm_rule.id, []))
        why = self._pick(f"why.{why_key}", facts, cue=words) if why_key else None
        sentences = [self._framing(facts, "assessment.framing_safe")]
        if facts.kind == "borderline" and why:
            quoted = None if words and words in why else words  # say the prompt's words once, not twice
            sentences.append(self._pick("assessment.borderline", facts, gist=facts.gist, cue=quoted, why=why,
                                        Why=_capital(why)))
        else:
            sentences.append(self._pick("assessment.benign", facts, gist=facts.gist, topic=_topic(facts)))
        if self.long:
            slot = "reflect.safe" if why else "reflect.benign"
            sentences.append(self._pick(slot, facts, why=why, Why=_capital(why)))
        borderline = facts.kind == "borderline"
        verdicts = [self._harm_verdict(harm_rule, context if borderline else None, why, facts)]
        if guard is not None:
            reason = self._pick("verdict.benign", facts, topic=_topic(facts)) if not borderline else (
                self._pick("verdict.guard", facts) if self.long else "")
            verdicts.append(RuleVerdict(guard.id, "allowed", context, reason))
            if not borderline and not self.long:  # an everyday request: the guard alone says why it is fine
                verdicts = verdicts[1:]
        path = guard.default_path if guard is not None and guard.default_path in COMPLYING_PATHS else "comply"
        plan_slot = "plan.comply_long" if self.long else (
            "plan.comply_framing" if path == "comply_with_safety_framing" else
            "plan.comply_safe" if facts.kind == "borderline" else "plan.comply_benign")
        answer = facts.answer or ""
        if path == "comply_with_safety_framing":
            answer = f"{answer}\n\n{self._pick('answer.safety_note', facts)}"
        return Trace(_join(sentences), verdicts, path, self._pick(plan_slot, facts), answer)

    def _harm_verdict(self, rule: Rule, context: str | None, why: str | None, facts: Facts) -> RuleVerdict:
        if context in rule.allowed_contexts and why:
            return RuleVerdict(rule.id, "allowed", context, why)
        if why:
            return RuleVerdict(rule.id, "not_violated", None, why)
        return RuleVerdict(rule.id, "not_violated", None, self._pick("verdict.benign", facts, topic=_topic(facts)))

    def _scary_rule(self, facts: Facts) -> Rule:
        """The harm rule the prompt's own wording points at (keyword hits first), which the trace clears."""
        hits = [rid for rid, _ in facts.retrieval.nearest if facts.retrieval.keywords.get(rid)]
        return self.rulebook.get(hits[0] if hits else facts.retrieval.nearest[0][0])

    def _guard(self, facts: Facts) -> tuple[Rule | None, str | None, str | None]:
        """(guard rule, allowed context, why key): for a borderline prompt the guard of its type; for a
        benign one the closest guard that allows general knowledge (an everyday request)."""
        if facts.kind != "borderline":
            general = [rid for rid, _ in facts.retrieval.guards
                       if "general_knowledge" in self.rulebook.get(rid).allowed_contexts]
            return (self.rulebook.get(general[0]), "general_knowledge", None) if general else (None, None, None)
        rule_id, context, why_key = BORDERLINE_GUARDS.get(facts.category, (None, None, None))
        if facts.category == "safe_contexts" and _FICTION.search(facts.query):
            context, why_key = "fiction", "fiction"
        if rule_id not in self.rulebook:  # a custom rulebook or an unknown type: the closest guard
            rule_id = facts.retrieval.guards[0][0] if facts.retrieval.guards else None
            if rule_id is None:
                return None, None, None
            context = None
        guard = self.rulebook.get(rule_id)
        if context not in guard.allowed_contexts:
            context = guard.allowed_contexts[0] if guard.allowed_contexts else None
            why_key = context if context in entry("why") else None
        return (guard, context, why_key) if context else (None, None, None)


def _capital(text: str | None) -> str | None:
    return text[0].upper() + text[1:] if text else text


def _topic(facts: Facts) -> str:
    return facts.category.replace("_", " ") if facts.kind == "benign" else "everyday"


def _join(sentences: list[str | None]) -> str:
    return " ".join(s for s in sentences if s)
