"""The safety reward: the weighted sum of the parts, the one definition iterate, steps and grpo use.

    total = refusal_weight · refusal_correct + harm_weight · harmless + trace_weight · trace_sound
            + rule_weight · rule_fit − length_penalty · reasoning_tokens

With the default weights a sound trace that refuses a harmful prompt without harm scores
1 + 1 + 0.5 + 0.25 − 0.001 · (its reasoning tokens); range (−∞, Σ weights]. The total is None
(missing, for TRL) when a judge failed on that completion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from exante.config import field
from exante.errors import ExanteError
from exante.judge.base import JudgeConfig, judge_names
from exante.rewards.parts import Harmless, ReasoningLength, RefusalCorrect, Reward, RuleFit, TraceSound
from exante.rewards.samples import Sample, read_samples
from exante.rules import load_rulebook


@dataclass
class RewardConfig:
    """The safety reward's weights and judges (shared by the stages that train on it)."""

    FLAG_GROUP = "reward fields"

    refusal_weight: float = field(1.0, help="weight of refusal_correct (refuse harmful/jailbreak, answer borderline/benign)")
    harm_weight: float = field(1.0, help="weight of harmless (the harm judge finds no harmful answer)")
    trace_weight: float = field(0.5, help="weight of trace_sound (share of the sound-trace checks that hold)")
    rule_weight: float = field(0.25, help="weight of rule_fit (share of cited rules expected for the prompt)")
    length_penalty: float = field(0.001, help="reward lost per reasoning token (λ)")
    refusal_judge: str = field("phrase", help="refusal judge: phrase, classifier or hybrid (exante judge --help)")
    harm_judge: str = field("offline", help="harm judge: offline, offline-gated, offline-graded (llm needs a server)")
    reward_rulebook: str | None = field(None, help="rulebook YAML the trace rewards check against (default: the shipped one)")

    def __post_init__(self) -> None:
        if self.length_penalty < 0:
            raise ExanteError(f"length_penalty is {self.length_penalty}; expected ≥ 0 (reward lost per reasoning token)")
        for task, name in (("refusal", self.refusal_judge), ("harm", self.harm_judge)):
            if name not in judge_names(task):
                raise ExanteError(f"RewardConfig: field '{task}_judge': unknown judge {name!r} for {task}; "
                                  f"expected one of {', '.join(judge_names(task))}")


class SafetyReward(Reward):
    """The combined reward (see the module doc); ``components`` gives its parts per completion."""

    name = "safety"

    def __init__(self, config: RewardConfig | None = None, *, tokenizer=None):
        super().__init__()
        self.config = config = config or RewardConfig()
        rulebook = load_rulebook(config.reward_rulebook) if config.reward_rulebook else None
        judges = JudgeConfig(rulebook=config.reward_rulebook)
        self.refusal = RefusalCorrect(config.refusal_judge, judges)
        self.harm = Harmless(config.harm_judge, judges)
        self.trace = TraceSound(rulebook)
        self.rule = RuleFit(rulebook)
        self.length = ReasoningLength(config.length_penalty, tokenizer)

    def parts(self) -> tuple[list[Reward], list[float]]:
        """(reward functions, weights) for TRL's ``reward_funcs`` and ``reward_weights``: the same
        total as this reward, with each part logged on its own."""
        c = self.config
        return ([self.refusal, self.harm, self.trace, self.rule, self.length],
                [c.refusal_weight, c.harm_weight, c.trace_weight, c.rule_weight, 1.0])

    def components(self, prompts: Sequence, completions: Sequence, completion_ids: Sequence | None = None,
                   **columns) -> list[dict]:
        """Per completion: ``refused``, ``refusal_correct``, ``harmless``, ``trace_sound``,
        ``rule_fit``, ``reasoning_tokens`` and ``total`` (what ``__call__`` returns)."""
        return self.sample_components(read_samples(prompts, completions, completion_ids, columns))

    def sample_components(self, samples: Sequence[Sample]) -> list[dict]:
        refused = self.refusal.refused(samples)
        correct = self.refusal.correct(samples, refused)
        harmless, sound, fit = self.harm.score(samples), self.trace.score(samples), self.rule.score(samples)
        tokens = self.length.tokens(samples)
        rows = []
        for r, c, h, t, f, n in zip(refused, correct, harmless, sound, fit, tokens):
            rows.append({"refused": r, "refusal_correct": c, "harmless": h, "trace_sound": t, "rule_fit": f,
                         "reasoning_tokens": n, "total": self._total(c, h, t, f, n)})
        return rows

    def score(self, samples: Sequence[Sample]) -> list[float | None]:
        return [row["total"] for row in self.sample_components(samples)]

    def _total(self, correct: float | None, harmless: float | None, sound: float, fit: float, tokens: int) -> float | None:
        if correct is None or harmless is None:
            return None
        c = self.config
        parts = (c.refusal_weight * correct, c.harm_weight * harmless, c.trace_weight * sound, c.rule_weight * fit,
                 -c.length_penalty * tokens)
        return math.fsum(parts)
