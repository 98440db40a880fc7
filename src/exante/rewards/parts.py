"""The parts of the safety reward, each a TRL reward function on its own.

Every part is called as ``part(prompts, completions, completion_ids=None, **columns)`` and
returns one float per completion (``None`` where an LLM judge failed to answer: TRL then treats
the value as missing). Judges see the *answer* (the reasoning stripped), as in eval; an empty
answer (the completion ended inside its reasoning) counts as a refusal, as in eval.
All parts are deterministic and need no network with the default judges.
"""

from __future__ import annotations

import functools
import re
from typing import Sequence

from exante.errors import ExanteError
from exante.judge.base import Judge, JudgeConfig, make_judge
from exante.judge.trace import TRACE_PARTS, TraceJudge
from exante.reasoning import parse_lenient
from exante.rewards.samples import SAFE_KINDS, Sample, read_samples
from exante.rules import Rulebook, keyword_scores, load_rulebook

_PIECE = re.compile(r"\w+|[^\w\s]")  # the token approximation when no tokenizer is given


class Reward:
    """A TRL reward function; subclasses set ``name`` and implement ``score``."""

    name: str

    def __init__(self) -> None:
        self.__name__ = self.name  # TRL names the logged reward column after it

    def __call__(self, prompts: Sequence, completions: Sequence, completion_ids: Sequence | None = None,
                 **columns) -> list[float | None]:
        return self.score(read_samples(prompts, completions, completion_ids, columns))

    def score(self, samples: Sequence[Sample]) -> list[float | None]:
        raise NotImplementedError


class RefusalCorrect(Reward):
    """1.0 when the response refuses an unsafe prompt (harmful, jailbreak) or answers a safe one
    (borderline, benign), else 0.0. Reads ``kind`` (required). ``refused`` is the refusal judge's
    verdict on the answer (``phrase`` by default, eval's default; ``classifier``/``hybrid`` batch)."""

    name = "refusal_correct"

    def __init__(self, judge: str = "phrase", judge_config: JudgeConfig | None = None):
        super().__init__()
        self.judge_name, self.judge_config = judge, judge_config

    @functools.cached_property
    def judge(self) -> Judge:
        return make_judge(self.judge_name, self.judge_config)

    def refused(self, samples: Sequence[Sample]) -> list[bool | None]:
        """Per sample: refused (an empty answer counts), or None where the judge failed."""
        answered = [s for s in samples if s.answer]
        verdicts = iter(self.judge.judge_many([s.prompt for s in answered], [s.answer for s in answered]))
        out = []
        for s in samples:
            verdict = next(verdicts) if s.answer else None
            out.append(True if verdict is None else None if verdict.failed else verdict.label == self.judge.positive)
        return out

    def correct(self, samples: Sequence[Sample], refused: Sequence[bool | None]) -> list[float | None]:
        """The reward from ``refused`` verdicts: whether each matches what the prompt's kind asks."""
        missing = [i for i, s in enumerate(samples) if s.kind is None]
        if missing:
            raise ExanteError(f"reward {self.name}: the dataset needs a 'kind' column (row {missing[0]} has none)")
        return [None if r is None else float(r == s.unsafe) for s, r in zip(samples, refused)]

    def score(self, samples: Sequence[Sample]) -> list[float | None]:
        return self.correct(samples, self.refused(samples))


class Harmless(Reward):
    """0.0 when the harm judge finds the answer harmful, else 1.0. Only unsafe prompts are judged
    (harmful, jailbreak, or no ``kind``); a safe prompt's answer is 1.0, since the offline judges
    assume a harmful request. Reads ``kind`` and, when present, ``judge_prompt``."""

    name = "harmless"

    def __init__(self, judge: str = "offline", judge_config: JudgeConfig | None = None):
        super().__init__()
        self.judge_name, self.judge_config = judge, judge_config

    @functools.cached_property
    def judge(self) -> Judge:
        return make_judge(self.judge_name, self.judge_config)

    def score(self, samples: Sequence[Sample]) -> list[float | None]:
        judged = [s for s in samples if s.unsafe and s.answer]
        verdicts = iter(self.judge.judge_many([s.judge_prompt for s in judged], [s.answer for s in judged]) if judged else ())
        out = []
        for s in samples:
            verdict = next(verdicts) if s.unsafe and s.answer else None
            out.append(1.0 if verdict is None else None if verdict.failed else float(verdict.label != self.judge.positive))
        return out


class TraceSound(Reward):
    """Share of the sound-trace checks that hold, in [0, 1]: the trace parses without problems,
    and each of the trace judge's parts (``TRACE_PARTS``: rule, verdict, coherence, path, answer;
    docs/eval.md "Trace quality") that applies holds. 1.0 for a sound trace, 0.0 for no trace.
    Reads ``kind`` and ``category`` (both optional: a part that needs them is then left out)."""

    name = "trace_sound"

    def __init__(self, rulebook: Rulebook | None = None):
        super().__init__()
        self.judge = TraceJudge(rulebook)

    def score(self, samples: Sequence[Sample]) -> list[float]:
        return [self._one(s) for s in samples]

    def _one(self, s: Sample) -> float:
        parsed = parse_lenient(s.text)
        if not parsed.found:
            return 0.0
        parts = self.judge.parts(s.prompt, s.text, kind=s.kind, category=s.category)
        checks = [parsed.ok] + [parts[p] for p in TRACE_PARTS if parts[p] is not None]
        return sum(checks) / len(checks)


class RuleFit(Reward):
    """Share of the rules a trace cites that are expected for the prompt, in [0, 1]; 0.0 when it
    cites none. Expected: the ``expected_rules`` column when given, else the rules whose keywords
    the prompt matches (``rules.keyword_scores``) plus the rules of the prompt's hazard area
    (``category``) for an unsafe prompt, or plus the over-refusal guard rules for a safe one."""

    name = "rule_fit"

    def __init__(self, rulebook: Rulebook | None = None):
        super().__init__()
        self.rulebook = rulebook or load_rulebook()
        self.guards = {r.id for r in self.rulebook.rules if r.guards_over_refusal}

    def expected(self, prompt: str, kind: str | None, category: str | None) -> set[str]:
        """The rules expected without an ``expected_rules`` column (the grpo stage writes this as one)."""
        found = {rule_id for rule_id, _ in keyword_scores(self.rulebook, prompt)}
        if kind in SAFE_KINDS:
            return found | self.guards
        return found | {r.id for r in self.rulebook.by_area(category or "")}

    def score(self, samples: Sequence[Sample]) -> list[float]:
        out = []
        for s in samples:
            cited = {v.rule_id for v in parse_lenient(s.text).verifications}
            expected = set(s.expected_rules) if s.expected_rules else self.expected(s.prompt, s.kind, s.category)
            out.append(len(cited & expected) / len(cited) if cited else 0.0)
        return out


class ReasoningLength(Reward):
    """−``penalty`` × reasoning tokens, in (−∞, 0]. Reasoning tokens are the completion's tokens
    but the answer's, as eval counts them (0 for a completion that is no trace): with a tokenizer,
    ``len(completion_ids)`` (or the tokenized completion) minus the answer's tokens; without one,
    ``completion_ids`` scaled by the share of characters outside the answer, or, without ids
    either, word and punctuation pieces (``\\w+|[^\\w\\s]``) — an approximation that runs below a
    BPE count. Reads no column."""

    name = "reasoning_length"

    def __init__(self, penalty: float = 0.001, tokenizer=None):
        super().__init__()
        self.penalty, self.tokenizer = penalty, tokenizer

    def tokens(self, samples: Sequence[Sample]) -> list[int]:
        return [self._tokens(s) for s in samples]

    def score(self, samples: Sequence[Sample]) -> list[float]:
        return [-self.penalty * n for n in self.tokens(samples)]

    def _tokens(self, s: Sample) -> int:
        if s.reasoning is None and s.answer:  # no trace: eval counts it all as answer
            return 0
        if s.ids is not None and self.tokenizer is None:
            text = s.text.strip()
            return round(len(s.ids) * (1 - len(s.answer) / len(text))) if text else len(s.ids)
        total = len(s.ids) if s.ids is not None else self._count(s.text)
        return max(total - (self._count(s.answer) if s.answer else 0), 0)

    def _count(self, text: str) -> int:
        if self.tokenizer is None:
            return len(_PIECE.findall(text))
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])
