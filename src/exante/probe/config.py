"""``ProbeConfig``: the fields of ``exante probe`` (flags and YAML keys; flags override the YAML)."""

from __future__ import annotations

from dataclasses import dataclass

from exante.config import field
from exante.errors import ExanteError

SPLITS = ("test", "dev")


@dataclass
class ProbeConfig:
    models: list[str] = field(["smollm2-135m-instruct"], flag="--model",
                              help="model specs to probe side by side (built-in name, checkpoint or adapter dir, hub id); "
                              "repeat --model or give several")
    split: str = field("test", help="split whose prompts are scored: test or dev (the probe is fitted on train)")
    out: str = field("runs/probe", help="output directory: probe.json, probe.md, probe.png, config.yaml")
    eval_dir: str | None = field(None, flag="--eval", help="an `exante eval` output directory: its samples/<model>.jsonl "
                                 "(kind, refused) give each model's behavioural refusal gap beside the probe's")
    train_size: int = field(1200, help="train-split prompts the probe is fitted on (stratified, equal-ish per kind)")
    layer: int = field(-1, help="hidden state to probe: -1 = final (after the last norm), 0 = embeddings, k = after block k")
    max_prompt_tokens: int = field(128, help="longer prompts keep their first quarter and last three quarters of this "
                                   "many tokens (jailbreaks; 0: whole prompts, ~3x slower on CPU)")
    dtype: str = field("auto", help="model dtype: auto (bf16 where the CPU/GPU is fast at it), bf16, fp32")
    c: float = field(0.05, help="inverse regularisation strength of the logistic regression (sklearn's C)")
    seed: int = field(0, help="seed of the train sample (and of the solver)")
    batch_tokens: int = field(4096, help="padded tokens per forward pass")
    feature_cache: str | None = field(None, help="feature cache directory; unset: <exante cache>/probe-features")

    def check(self) -> None:
        if self.split not in SPLITS:
            raise ExanteError(f"split {self.split!r} cannot be probed; expected one of {', '.join(SPLITS)} "
                              "(the probe is fitted on train)")
        for name in ("train_size", "batch_tokens"):
            if getattr(self, name) < 2:
                raise ExanteError(f"{name} must be at least 2, got {getattr(self, name)}")
        if self.max_prompt_tokens < 0 or self.c <= 0:
            raise ExanteError("max_prompt_tokens must be >= 0 and c > 0")
