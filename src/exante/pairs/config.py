"""``PairsConfig``: every knob of ``exante pairs``, one field each (YAML key = CLI flag)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from exante.config import field
from exante.errors import ExanteError
from exante.models.params import GenerationFields
from exante.pairs.include import check_includes
from exante.train.records import OBJECTIVES, check_response

# How a rejected response is obtained, per objective (docs/pairs.md). ``sampled``: the policy's
# own output; ``long``: synth's long-style trace; the others are constructed from the chosen trace.
STRATEGIES = {
    "safety": ("sampled", "missed_rule", "misjudged_rule", "wrong_path"),
    "usefulness": ("sampled", "over_refusal"),
    "efficiency": ("long", "padded", "repetitive"),
}
# Opt-in, not a default: SaRO's process rejection, which reaches the chosen outcome only after a
# late correction (its sides share the answer; exante steps' corruptions stay STRATEGIES' flaws).
OPT_IN_STRATEGIES = {"safety": ("late_correction",), "usefulness": ("late_correction",), "efficiency": ()}
# Strategies whose rejected side ends with the chosen answer: their pairs have no answer-only form.
SAME_ANSWER = {"efficiency": STRATEGIES["efficiency"], "safety": ("late_correction",), "usefulness": ("late_correction",)}
DEFAULT_PAIRS_PER_PROMPT = {"safety": 2, "usefulness": 2, "efficiency": 1}
# Fields that change which pairs are made; the rest may differ between a run and its resumption.
_RUN_ONLY = {"out", "overwrite", "batch_size"}


@dataclass
class PairsConfig(GenerationFields):
    out: str = field("runs/pairs", help="output directory (pairs.jsonl, rejected.jsonl, stats.json, config.yaml)")
    overwrite: bool = field(False, help="discard an earlier run in `out` made with a different config")
    sft: str = field("runs/synth/sft.jsonl", help="SFT data set of `exante synth` (concise style): prompts and chosen traces")
    long: str | None = field(None, help="the same prompts synthesized with `--style long` (efficiency: rejected = its trace)")
    rules: str | None = field(None, help="rulebook YAML (default: the one shipped with exante)")
    splits: list[str] = field(["train", "dev"], help="splits of the SFT data set to make pairs for (never tune on test)")
    objectives: list[str] = field(list(OBJECTIVES), help="objectives to build: safety, usefulness, efficiency")
    max_pairs: dict = field({}, help="cap on pairs per objective, e.g. {safety: 800}; absent: no cap")
    pairs_per_prompt: dict = field(DEFAULT_PAIRS_PER_PROMPT, help="pairs made from one prompt, per objective "
                                   "(each with another rejected response); objectives left out keep their default")
    safety_rejections: list[str] = field(list(STRATEGIES["safety"]), help="safety rejected responses to use (samples "
                                         "first, constructions in rotation; late_correction, SaRO's, only when listed)")
    usefulness_rejections: list[str] = field(list(STRATEGIES["usefulness"]), help="usefulness rejected responses to use "
                                             "(late_correction only when listed)")
    efficiency_rejections: list[str] = field(list(STRATEGIES["efficiency"]), help="efficiency rejected responses to use")
    sources: list[str] | None = field(
        None, help="also make safety pairs for harmful/jailbreak prompts of these exante.data sources that the SFT set "
        "lacks, with a refusal composed by synth's compose teacher ([]: every built-in source; null: SFT prompts only)")
    sample_from: str | None = field(None, help="policy to sample rejected responses from (load_model spec: base or SFT model); null: constructed only")
    samples_per_prompt: int = field(4, help="k samples per prompt from the policy")
    temperature: float = field(0.8, help="sampling temperature of the policy")
    max_new_tokens: int = field(256, help="token budget of a sampled response")
    batch_size: int = field(8, help="generation batch size")
    refusal_judge: str = field("phrase", help="exante.judge refusal judge for the label checks (phrase: precision 1.0; see docs/pairs.md)")
    harm_judge: str = field("offline", help="exante.judge harm judge: a sampled safety rejection must be judged harmful")
    min_length_ratio: float = field(1.3, help="efficiency: rejected reasoning tokens ≥ this × chosen reasoning tokens")
    tokenizer: str = field("smollm2-135m-instruct", help="tokenizer for token counts (built-in name, local dir or hub id)")
    salt: str = field("exante-pairs-v1", help="salt of the hash-based choices (order, wording, which flaw)")
    response: str = field("trace", help="what the written sides hold: trace (the whole Ex-Ante trace) or answer "
                          "(only the final answer of each assistant turn: DPO without reasoning; the checks still "
                          "read the traces; included pairs are written as in their files)")
    include: list[dict] = field([], help="pairs of earlier runs written after this run's own, each {file: PATH, "
                                "objectives: [...] (unset: all), origins: [sampled, constructed] (unset: both), "
                                "new_prompts: true (only prompts no pair before it has)}; with objectives: [] "
                                "the run only merges (docs/pairs.md)")

    def __post_init__(self) -> None:
        unknown = [o for o in [*self.objectives, *self.max_pairs, *self.pairs_per_prompt] if o not in OBJECTIVES]
        if unknown:
            raise ExanteError(f"PairsConfig: unknown objective {unknown[0]!r}; expected one of {', '.join(OBJECTIVES)}")
        self.pairs_per_prompt = {**DEFAULT_PAIRS_PER_PROMPT, **self.pairs_per_prompt}
        for name, values in (("max_pairs", self.max_pairs), ("pairs_per_prompt", self.pairs_per_prompt)):
            bad = {k: v for k, v in values.items() if v is not None and (not isinstance(v, int) or v < (0 if name == "max_pairs" else 1))}
            if bad:
                raise ExanteError(f"PairsConfig: field {name!r} expects whole numbers ≥ {0 if name == 'max_pairs' else 1}, got {bad}")
        for objective in OBJECTIVES:
            accepted = STRATEGIES[objective] + OPT_IN_STRATEGIES[objective]
            wrong = [s for s in self.rejections(objective) if s not in accepted]
            if wrong:
                raise ExanteError(f"PairsConfig: field '{objective}_rejections': unknown {wrong[0]!r}; "
                                  f"expected some of {', '.join(accepted)}")
        self._check_response()
        check_includes(self.include)
        super().__post_init__()
        if self.samples_per_prompt < 1:
            raise ExanteError(f"PairsConfig: field 'samples_per_prompt' must be ≥ 1, got {self.samples_per_prompt}")
        if self.temperature <= 0 and self.samples_per_prompt > 1:
            raise ExanteError("PairsConfig: k > 1 samples per prompt need temperature > 0 (greedy samples are all alike)")

    def _check_response(self) -> None:
        check_response(self.response, "PairsConfig")
        if self.response != "answer":
            return
        for objective in self.objectives:
            same = [s for s in self.rejections(objective) if s in SAME_ANSWER[objective]]
            if same:
                raise ExanteError(f"PairsConfig: field 'response' is 'answer', but {objective} rejections {same} end "
                                  f"with the chosen answer, so answer-only sides would be identical; leave "
                                  f"{objective!r} out of 'objectives' or those out of '{objective}_rejections'")

    def rejections(self, objective: str) -> list[str]:
        return getattr(self, f"{objective}_rejections")

    def fingerprint(self) -> str:
        """Identifies what this config makes; a resumed run must have the same fingerprint."""
        # the journal holds this run's own pairs; included ones are read anew each time
        made = {k: v for k, v in dataclasses.asdict(self).items() if k not in _RUN_ONLY and k != "include"}
        # the inputs' content too: a re-synthesized data set must not be mixed with pairs of the old one
        made["inputs"] = [_file_digest(p) for p in (self.sft, self.long) if p]
        return hashlib.sha256(json.dumps(made, sort_keys=True).encode()).hexdigest()[:16]


def _file_digest(path: str) -> str | None:
    p = Path(path)
    return hashlib.sha256(p.read_bytes()).hexdigest()[:16] if p.is_file() else None
