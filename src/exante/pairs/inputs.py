"""What pairs are made from: the SFT data set's prompts and traces, extra prompts whose refusal
synth's compose teacher writes, samples from the policy, and the tokenizer that counts tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from exante.errors import ExanteError
from exante.io import read_jsonl_numbered
from exante.reasoning import KINDS
from exante.rules import Rulebook
from exante.pairs.config import PairsConfig
from exante.train.records import check_sft_record


@dataclass
class Item:
    """One prompt with its chosen assistant turn (None until composed)."""

    id: str
    messages: list[dict]  # the conversation before the assistant turn (TRL's "prompt")
    chosen: str | None
    kind: str
    category: str | None
    source: str
    attack: str | None
    split: str
    record: dict | None = field(default=None, repr=False)  # the exante.data record of an extra prompt

    @property
    def prompt(self) -> str:
        """The last user turn: what the judges and the flaw wordings read."""
        return next(m["content"] for m in reversed(self.messages) if m["role"] == "user")


def read_sft(path: str | Path, splits: list[str] | None = None) -> list[Item]:
    """Items of an `exante synth` data set (optionally of some splits); bad records raise ExanteError at file:line."""
    path, items, seen = Path(path), [], {}
    for lineno, record in read_jsonl_numbered(path):
        where = f"{path}:{lineno}"
        check_sft_record(record, where)
        meta = record.get("meta")
        if not isinstance(meta, dict) or meta.get("kind") not in KINDS:
            got = meta.get("kind") if isinstance(meta, dict) else None
            raise ExanteError(f"{where}: field 'meta.kind' is {got!r}; expected one of {', '.join(KINDS)} "
                              "(pairs read data sets written by `exante synth`)")
        if record["id"] in seen:
            raise ExanteError(f"{where}: duplicate id {record['id']!r} (first at line {seen[record['id']]})")
        seen[record["id"]] = lineno
        split = record.get("split", "train")
        if splits is None or split in splits:
            items.append(Item(record["id"], record["messages"][:-1], record["messages"][-1]["content"], meta["kind"],
                              meta.get("category"), meta.get("source", ""), meta.get("attack"), split))
    return items


def synth_config(config: PairsConfig):
    """The synth settings that compose extra prompts (its defaults, our rulebook, sources and splits)."""
    from exante.synth.config import SynthConfig

    return SynthConfig(rules=config.rules, sources=config.sources or [], splits=config.splits)


def extra_items(config: PairsConfig, known: list[Item]) -> list[Item]:
    """Harmful/jailbreak prompts of ``config.sources`` that the SFT set lacks (same text counts as present)."""
    from exante.data import load_prompts
    from exante.data.records import normalize

    # synth leaves these areas out: their rules answer with care, so a refusal would teach over-refusal
    answered = set(synth_config(config).answered_areas)
    seen = {i.id for i in known} | {normalize(i.prompt) for i in known}
    items = []
    for split in config.splits:
        for r in load_prompts(config.sources or None, split=split, kinds=["harmful", "jailbreak"]):
            if r["category"] in answered or r["id"] in seen or normalize(r["prompt"]) in seen:
                continue
            seen |= {r["id"], normalize(r["prompt"])}
            items.append(Item(r["id"], [{"role": "user", "content": r["prompt"]}], None, r["kind"], r["category"],
                              r["source"], r.get("attack"), split, record=r))
    return items


class Composer:
    """Refusal traces for extra prompts: synth's compose teacher, then synth's own filters."""

    def __init__(self, config: PairsConfig, rulebook: Rulebook):
        self.config, self.rulebook = config, rulebook
        self._teacher = None

    def compose(self, items: list[Item]) -> dict[str, tuple[str | None, str | None]]:
        """id → (trace text, None) or (None, why there is none)."""
        from exante.synth.filters import check

        outputs = []
        self.teacher.run([i.record for i in items], outputs.append)
        result = {}
        for item, out in zip(items, outputs):
            if out.text is None:
                result[item.id] = (None, f"compose teacher: {out.error}")
                continue
            verdict = check(item.record, out.text, self.rulebook)
            result[item.id] = (verdict.text, None) if verdict.accepted else (None, f"composed trace rejected by synth's filter: {verdict.reason}")
        return result

    @property
    def teacher(self):
        if self._teacher is None:
            from exante.synth.compose import ComposeTeacher

            self._teacher = ComposeTeacher(synth_config(self.config), self.rulebook)
        return self._teacher


class PolicySampler:
    """k samples per prompt from the policy; seeded per request, so they do not depend on batching."""

    def __init__(self, config: PairsConfig, loaded=None):
        self.config, self._loaded, self._backend = config, loaded, None
        self.generated = 0

    def sample(self, items: list[Item]) -> dict[str, list[dict]]:
        """id → [{"text", "finish_reason", "completion_tokens"}] × k."""
        c = self.config
        params = c.generation_params()
        requests = [item.messages for item in items for _ in range(c.samples_per_prompt)]
        generations = self.backend.generate(requests, params) if requests else []
        self.generated += len(generations)
        out: dict[str, list[dict]] = {}
        for n, gen in enumerate(generations):
            out.setdefault(items[n // c.samples_per_prompt].id, []).append(
                {"text": gen.text, "finish_reason": gen.finish_reason, "completion_tokens": gen.completion_tokens})
        return out

    @property
    def backend(self):
        if self._backend is None:
            from exante.models.remote import backend_for  # openai:MODEL@URL samples through a server

            self._backend = backend_for(self.config.sample_from, loaded=self._loaded)
        return self._backend


def load_tokenizer(spec: str):
    """A tokenizer without the model's weights: built-in names read the cached one."""
    from exante.models.tokenizer import load_tokenizer as load

    return load(spec, "PairsConfig")
