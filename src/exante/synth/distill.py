"""Self-distilled answers: the base model's own replies to benign and borderline prompts.

Training on the model's own helpful answers keeps its usefulness (and its style) while the trace
around them is new. Replies that read as refusals, are cut off mid-thought, empty, or
repetitive are dropped with the reason; a dropped prompt gets another, sampled attempt.
Generations are cached on disk per (model, budget, attempt, prompt), so a resumed or repeated
run never generates the same answer twice. The default model's answers for the built-in prompts
ship with exante (``data/distill/``, written by ``exante synth --config configs/synth.yaml``), so its
synthesis takes a minute instead of the hour their generation costs on 2 cores.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from exante.io import append_jsonl, drop_torn_tail, read_jsonl
from exante.paths import cache_dir
from exante.reasoning.refusal import refusal_phrase

SAMPLING_TEMPERATURE = 0.7
MIN_WORDS = 3
MAX_REPEATED_NGRAMS = 0.35  # share of word 4-grams that repeat an earlier one
MIN_FUNCTION_WORDS = 0.04  # English prose is ~40 % function words; word salad has almost none
_FUNCTION_WORDS = frozenset("the a an to of and or in on for with is are was be it this that you your can "
                            "i we they he she as at by from if not but so do does".split())
_LIST_MARKER = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")  # "3. Keep a pot" repeats "2. Keep a pot"
_SPECIAL = re.compile(r"<\|[^|>]*\|>")
# Openings that brush the request off without a phrase the refusal detector knows ("Nope, no fun …").
_DISMISSIVE_OPENING = re.compile(r"^(no\b|nope\b|not\b|unfortunately\b|i'm afraid\b|i do(n't| not) think i\b)", re.I)
SHIPPED = Path(__file__).parent / "data" / "distill"
_SENTENCE_END = re.compile(r"(?<![\d\n])[.!?](?=\s|$)|```(?=\s|$)")  # not "4." opening a list item


@dataclass(frozen=True)
class Distilled:
    text: str | None  # the kept answer, None when every attempt was dropped
    problem: tuple[str, str] | None  # (code, reason) why the last attempt was dropped
    attempts: int


def answer_problem(text: str, finish_reason: str) -> tuple[str, tuple[str, str] | None]:
    """(cleaned answer, None or (code, reason) when it is unusable)."""
    text = _SPECIAL.sub("", text).strip()
    if finish_reason == "length":
        kept = _last_complete_sentence(text)
        if len(kept) < 0.4 * len(text):
            return text, ("cut_off", "cut off by the token budget with no complete sentence to keep")
        text = kept
    words = text.split()
    if len(words) < MIN_WORDS:
        return text, ("too_short", f"empty or too short ({len(words)} words)")
    phrase = refusal_phrase(text) or (m.group(0) if (m := _DISMISSIVE_OPENING.match(text)) else None)
    if phrase:
        return text, ("refusal", f"reads as a refusal ({phrase!r})")
    grams = [tuple(w.lower() for w in words[i:i + 4]) for i in range(len(words) - 3)]
    if len(grams) >= 12:
        repeated = 1 - len(set(grams)) / len(grams)
        if repeated > MAX_REPEATED_NGRAMS:
            return text, ("repetitive", f"repetitive ({repeated:.0%} of its word 4-grams repeat)")
    lines = Counter(_LIST_MARKER.sub("", line).strip() for line in text.splitlines() if line.strip())
    if any(n >= (2 if len(line) >= 30 else 3) for line, n in lines.items()):
        return text, ("repetitive", "repeats the same line")
    function_words = sum(w.lower().strip(".,;:!?") in _FUNCTION_WORDS for w in words)
    if len(words) >= 12 and function_words < MIN_FUNCTION_WORDS * len(words):
        return text, ("not_fluent", "not fluent text (almost no English function words)")
    return text, None


def _last_complete_sentence(text: str) -> str:
    """``text`` up to its last sentence end outside an unfinished code block (empty if there is none)."""
    for m in reversed(list(_SENTENCE_END.finditer(text))):
        kept = text[: m.end()].strip()
        if kept.count("```") % 2 == 0:
            return kept
    return ""


class Distiller:
    def __init__(self, spec: str, max_new_tokens: int, attempts: int, batch_size: int, cache: Path | None = None,
                 shipped: bool = True):
        self.spec, self.max_new_tokens, self.attempts, self.batch_size = spec, max_new_tokens, attempts, batch_size
        self._backend = None
        folder = cache or cache_dir() / "synth" / "distill"
        self.cache_path = folder / f"{_slug(spec)}-{max_new_tokens}.jsonl"
        self._cache = {}
        if self.cache_path.exists():
            self._cache = {r["key"]: r for r in read_jsonl(self.cache_path, tolerate_torn_tail=True)}
            drop_torn_tail(self.cache_path)
        shipped_path = SHIPPED / self.cache_path.name
        if shipped and shipped_path.exists():  # shipped answers win: the same records on every machine
            self._cache |= {r["key"]: r for r in read_jsonl(shipped_path)}
        self.generated = 0  # answers generated (not from the cache) in this process

    def answers(self, prompts: Sequence[str]) -> dict[str, Distilled]:
        """prompt → Distilled, for the distinct prompts given (attempt after attempt until one is usable)."""
        out: dict[str, Distilled] = {}
        todo = list(dict.fromkeys(prompts))
        for attempt in range(self.attempts):
            raw = self._generations(todo, attempt)
            for prompt in todo:
                text, problem = answer_problem(raw[prompt]["text"], raw[prompt]["finish_reason"])
                out[prompt] = Distilled(None if problem else text, problem, attempt + 1)
            todo = [p for p in todo if out[p].text is None]
            if not todo:
                break
        return out

    def _generations(self, prompts: list[str], attempt: int) -> dict[str, dict]:
        keys = {p: self._key(p, attempt) for p in prompts}
        missing = [p for p in prompts if keys[p] not in self._cache]
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start:start + self.batch_size]
            for prompt, gen in zip(batch, self._generate(batch, attempt)):
                record = {"key": keys[prompt], "text": gen.text, "finish_reason": gen.finish_reason,
                          "completion_tokens": gen.completion_tokens}
                append_jsonl(self.cache_path, record)
                self._cache[record["key"]] = record
                self.generated += 1
        return {p: self._cache[keys[p]] for p in prompts}

    def _generate(self, prompts: list[str], attempt: int):
        from exante.models import GenerationParams, HFBackend, load_model

        if self._backend is None:
            self._backend = HFBackend(load_model(self.spec), progress=False)
        params = GenerationParams(max_new_tokens=self.max_new_tokens, batch_size=self.batch_size, seed=attempt,
                                  temperature=0.0 if attempt == 0 else SAMPLING_TEMPERATURE)
        return self._backend.generate([[{"role": "user", "content": p}] for p in prompts], params)

    def _key(self, prompt: str, attempt: int) -> str:
        return hashlib.sha256(f"{attempt}\x00{prompt}".encode("utf-8")).hexdigest()[:32]


def _slug(spec: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(spec).name or spec)
    return f"{name}-{hashlib.sha256(spec.encode()).hexdigest()[:8]}"
