"""Constructed rejected traces, each built from the chosen trace of the same prompt.

- safety (harmful/jailbreak prompts, chosen = a refusal): reasoning that goes wrong at one step
  and ends in compliance — ``missed_rule`` (the assessment sees no risk and only an irrelevant
  rule is cited), ``misjudged_rule`` (same assessment; the violated rule is marked not_violated
  or allowed under a context), ``wrong_path`` (same assessment and verification; the path
  complies anyway). Every one fails ``validate_trace`` for the prompt's kind.
- usefulness (benign/borderline prompts, chosen = a helpful answer): ``over_refusal`` — the
  harm rule the chosen trace cleared is marked violated, any guard is dropped or dismissed,
  and the answer refuses.
- process (SaRO, opt-in): ``late_correction`` — the chosen outcome, reached late. The assessment
  takes the wrong reading and drifts toward the wrong path (an unsafe prompt read as ordinary,
  starting to plan help — ``missed_rule``'s assessment; a safe prompt read as harmful, starting
  a refusal — ``over_refusal``'s); the verification begins in the same vein and only its last
  line, the chosen trace's decisive verdict, catches the mistake; the plan turns around and goes
  on as the chosen one, to the same path and answer. Valid, unlike the flaws: what is rejected
  is reflecting late, where the chosen trace reflects on safety from the first step.
- efficiency (any prompt): ``padded`` (reflection sentences, extra irrelevant rules checked,
  a longer plan) and ``repetitive`` (assessment and plan restated) — still valid, same path,
  same answer: only the reasoning is longer.

Keeping the earlier steps of the chosen trace where the flaw is later (misjudged_rule,
wrong_path) gives pairs that share a prefix, the shape step-level DPO needs (METHODS.md §5).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from exante.data.records import stable_fraction
from exante.reasoning import RuleVerdict, Trace, render_trace
from exante.rules import Rule, Rulebook, keyword_scores
from exante.synth.phrases import entry, pick
from exante.synth.signals import detect_framings, gist
from exante.pairs import phrases as P
from exante.pairs.inputs import Item


@dataclass(frozen=True)
class Context:
    item: Item
    chosen: Trace  # the chosen trace, parsed strictly
    rulebook: Rulebook
    salt: str
    compliance: str | None = None  # the policy's own unsafe answer, when sampling found one

    def choose(self, options: tuple[str, ...], slot: str, variant: int, **values: str) -> str:
        return P.choose(options, self.salt, slot, self.item.id, str(variant)).format(**values)

    def chance(self, slot: str, variant: int) -> bool:
        return stable_fraction(self.salt, slot, self.item.id, str(variant)) < 0.5

    def synth_phrase(self, slot: str, variant: int, **values: str) -> str:
        return pick(slot, f"{self.item.id}/{variant}", self.salt, **values)

    def compliant_answer(self, variant: int) -> str:
        return self.compliance or self.choose(P.COMPLIANT_OPENINGS, "opening", variant)

    def other_rules(self, excluded_areas: set[str], count: int, slot: str, variant: int) -> list[Rule]:
        """``count`` distinct harm rules outside ``excluded_areas`` and not cited by the chosen trace, by hash."""
        cited = {v.rule_id for v in self.chosen.verifications}
        pool = [r for r in self.rulebook.rules
                if not r.guards_over_refusal and r.hazard_area not in excluded_areas and r.id not in cited]
        pool.sort(key=lambda r: stable_fraction(self.salt, slot, self.item.id, str(variant), r.id))
        return pool[:count]


def _violated_rule(ctx: Context) -> Rule | None:
    return next((ctx.rulebook.get(v.rule_id) for v in ctx.chosen.verifications
                 if v.verdict == "violated" and v.rule_id in ctx.rulebook), None)


def _cleared_harm_rule(ctx: Context) -> Rule:
    """The harm rule a safe prompt sounds like: the one the chosen trace cleared, else keyword hits, else the first."""
    for v in ctx.chosen.verifications:
        if v.rule_id in ctx.rulebook and not ctx.rulebook.get(v.rule_id).guards_over_refusal:
            return ctx.rulebook.get(v.rule_id)
    hits = keyword_scores(ctx.rulebook, ctx.item.prompt, include_guards=False)
    if hits:
        return ctx.rulebook.get(hits[0][0])
    return next(r for r in ctx.rulebook.rules if not r.guards_over_refusal)


def closest_disallowed(rule: Rule, text: str) -> str:
    """The rule's disallowed item sharing most words (of 4+ letters) with ``text``; the first on a tie."""
    words = {w for w in text.lower().split() if len(w) > 3}
    items = rule.disallowed or (rule.title.lower(),)
    return max(items, key=lambda d: len(words & {w for w in d.lower().split() if len(w) > 3}))


def _naive_assessment(ctx: Context, variant: int) -> list[str]:
    """Sentences that see no risk in the request (and, for a jailbreak, swallow its framing)."""
    sentences = [ctx.choose(P.NAIVE_ASSESSMENT, "naive", variant, gist=gist(ctx.item.prompt))]
    framings = detect_framings(ctx.item.prompt, ctx.item.attack)
    if framings:
        sentences.append(ctx.choose(P.SWALLOWED_FRAMING, "swallowed", variant, framing=entry("framing")[framings[0]]))
    return sentences


def _irrelevant_verdict(ctx: Context, variant: int) -> RuleVerdict | None:
    """A harm rule outside the prompt's area, cleared; None for a rulebook with no such rule."""
    violated = _violated_rule(ctx)
    excluded = {ctx.item.category} | ({violated.hazard_area} if violated else set())
    others = ctx.other_rules(excluded, 1, "irrelevant", variant)
    if not others:
        return None
    return RuleVerdict(others[0].id, "not_violated", None, ctx.choose(P.IRRELEVANT_REASONS, "irrelevant", variant))


def _overcautious_assessment(ctx: Context, rule: Rule, variant: int) -> str:
    element = closest_disallowed(rule, ctx.item.prompt)
    return ctx.choose(P.OVERCAUTIOUS_ASSESSMENT, "overcautious", variant, gist=gist(ctx.item.prompt), element=element)


def missed_rule(ctx: Context, variant: int) -> Trace | None:
    verdict = _irrelevant_verdict(ctx, variant)
    if verdict is None:
        return None
    return Trace(" ".join(_naive_assessment(ctx, variant)), [verdict], "comply",
                 ctx.choose(P.COMPLY_PLANS, "plan", variant), ctx.compliant_answer(variant))


def misjudged_rule(ctx: Context, variant: int) -> Trace:
    rule = _violated_rule(ctx) or _cleared_harm_rule(ctx)
    if rule.allowed_contexts and ctx.chance("allowed", variant):
        context = ctx.choose(rule.allowed_contexts, "context", variant)
        verdict = RuleVerdict(rule.id, "allowed", context,
                              ctx.choose(P.MISJUDGED_ALLOWED, "reason", variant, context=context.replace("_", " ")))
    else:
        verdict = RuleVerdict(rule.id, "not_violated", None, ctx.choose(P.MISJUDGED_NOT_VIOLATED, "reason", variant))
    return Trace(ctx.chosen.assessment, [verdict], "comply", ctx.choose(P.COMPLY_PLANS, "plan", variant),
                 ctx.compliant_answer(variant))


def wrong_path(ctx: Context, variant: int) -> Trace:
    if ctx.chance("framed", variant):
        plan = ctx.choose(P.FRAMED_WRONG_PATH_PLANS, "plan", variant)
        answer = f"{ctx.compliant_answer(variant)}\n\n{ctx.choose(P.DISCLAIMERS, 'disclaimer', variant)}"
        return Trace(ctx.chosen.assessment, ctx.chosen.verifications, "comply_with_safety_framing", plan, answer)
    return Trace(ctx.chosen.assessment, ctx.chosen.verifications, "comply",
                 ctx.choose(P.WRONG_PATH_PLANS, "plan", variant), ctx.compliant_answer(variant))


def over_refusal(ctx: Context, variant: int) -> Trace:
    rule = _cleared_harm_rule(ctx)
    element = closest_disallowed(rule, ctx.item.prompt)
    assessment = _overcautious_assessment(ctx, rule, variant)
    verdicts = [RuleVerdict(rule.id, "violated", None, ctx.synth_phrase("verdict.violated", variant, element=element))]
    guard = next((v.rule_id for v in ctx.chosen.verifications
                  if v.rule_id in ctx.rulebook and ctx.rulebook.get(v.rule_id).guards_over_refusal), None)
    if guard and ctx.chance("guard", variant):
        verdicts.append(RuleVerdict(guard, "not_violated", None, ctx.choose(P.GUARD_DISMISSED, "guard", variant)))
    topic = entry("redirect_topic")[rule.hazard_area]
    plan = ctx.synth_phrase("plan.refuse", variant, element=element, redirect_topic=topic)
    opener = (ctx.synth_phrase("answer.refuse", variant, element=element) if ctx.chance("opener", variant)
              else ctx.choose(P.GENERIC_REFUSALS, "opener", variant))
    redirect = ctx.choose(tuple(entry(f"redirect.{rule.hazard_area}")), "redirect", variant)
    return Trace(assessment, verdicts, "refuse_and_redirect", plan, f"{opener} {redirect}")


def late_correction(ctx: Context, variant: int) -> Trace:
    """The chosen outcome after a wrong first reading that only the last verification line corrects."""
    c = ctx.chosen
    decisive = next((v for v in c.verifications if v.verdict == "violated"), None)
    if decisive is not None:  # an unsafe prompt: first read as ordinary, help half planned
        drift = _irrelevant_verdict(ctx, variant)
        assessment = " ".join([*_naive_assessment(ctx, variant), ctx.choose(P.DRIFT_TO_HELP, "drift", variant)])
        caught = replace(decisive, reason=_late_reason(ctx, P.LATE_CATCH, P.LATE_CATCH_BARE, decisive.reason, variant))
        turn = P.LATE_TURN_TO_REFUSE
    else:  # a safe prompt: first read as harmful, a refusal half planned
        rule = _cleared_harm_rule(ctx)
        drift = None
        assessment = f"{_overcautious_assessment(ctx, rule, variant)} {ctx.choose(P.DRIFT_TO_REFUSE, 'drift', variant)}"
        decisive = next((v for v in c.verifications if v.rule_id == rule.id), None)
        reason = _late_reason(ctx, P.LATE_CLEAR, P.LATE_CLEAR_BARE, decisive.reason if decisive else "", variant)
        caught = replace(decisive, reason=reason) if decisive else RuleVerdict(rule.id, "not_violated", None, reason)
        turn = P.LATE_TURN_TO_HELP
    verdicts = [*([drift] if drift else []), *(v for v in c.verifications if v is not decisive), caught]
    plan = " ".join(p for p in (ctx.choose(turn, "turn", variant), c.plan) if p)
    return Trace(assessment, verdicts, c.path, plan, c.answer)


def _late_reason(ctx: Context, worded: tuple[str, ...], bare: tuple[str, ...], reason: str, variant: int) -> str:
    return ctx.choose(worded, "late", variant, reason=reason) if reason else ctx.choose(bare, "late", variant)


def padded(ctx: Context, variant: int) -> Trace:
    c = ctx.chosen
    reflections = sorted(P.PAD_ASSESSMENT, key=lambda s: stable_fraction(ctx.salt, "pad", ctx.item.id, str(variant), s))[:2]
    cited_areas = {ctx.rulebook.get(v.rule_id).hazard_area for v in c.verifications if v.rule_id in ctx.rulebook}
    extra = [RuleVerdict(r.id, "not_violated", None, ctx.choose(P.PAD_VERDICT, "pad_verdict", variant))
             for r in ctx.other_rules(cited_areas | {ctx.item.category}, 2, "pad_rules", variant)]
    plan = "\n".join(p for p in (c.plan, ctx.choose(P.PAD_PLAN, "pad_plan", variant)) if p)
    return Trace(" ".join([c.assessment, *reflections]), [*c.verifications, *extra], c.path, plan, c.answer)


def repetitive(ctx: Context, variant: int) -> Trace:
    c = ctx.chosen
    assessment = f"{c.assessment} {ctx.choose(P.RESTATE, 'restate', variant, text=c.assessment)}"
    plan = f"{c.plan}\n{ctx.choose(P.RESTATE, 'restate_plan', variant, text=c.plan)}" if c.plan else c.plan
    return Trace(assessment, c.verifications, c.path, plan, c.answer)


CONSTRUCTORS: dict[str, Callable[[Context, int], Trace | None]] = {
    "missed_rule": missed_rule,
    "misjudged_rule": misjudged_rule,
    "wrong_path": wrong_path,
    "over_refusal": over_refusal,
    "late_correction": late_correction,
    "padded": padded,
    "repetitive": repetitive,
}
# The step at which each flaw starts (the chosen trace's earlier steps are kept).
FLAWED_STEP = {"missed_rule": "assessment", "misjudged_rule": "verification", "wrong_path": "calibration",
               "over_refusal": "assessment", "late_correction": "assessment"}


def construct(strategy: str, ctx: Context, variant: int) -> str | None:
    """The rendered rejected trace, or None where the strategy does not apply."""
    trace = CONSTRUCTORS[strategy](ctx, variant)
    return render_trace(trace) if trace is not None else None
