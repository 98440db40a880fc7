"""The evaluation stage's config and its suites.

A suite fixes the split (``dev`` to choose by, ``test`` to report), which benchmarks run, how
many prompts each draws and how many tokens a model may generate; every one of those can be
overridden (``--split``, ``--bench``, ``--limit``, ``--max-new-tokens``). The resolved config is saved as ``config.yaml`` beside the report.
"""

from __future__ import annotations

from dataclasses import dataclass

from exante.config import field
from exante.errors import ExanteError
from exante.models.params import GenerationFields


@dataclass(frozen=True)
class Suite:
    benches: tuple[str, ...]
    limits: dict  # benchmark → prompts drawn from its split; a missing name means all
    max_new_tokens: int
    split: str = "test"
    description: str = ""


BENCHES = ("harmful", "contrast", "jailbreak", "over-refusal", "helpfulness", "efficiency", "trace")
# Sizes: one prompt of 150 moves a rate by 0.7 points; a 95 % interval around 10 % on 150 prompts
# is ±5 points, on 26 (the old quick suite's borderline share) ±12. Times are for the default
# model on 2 cores, where generation runs at ≈2–3 s per prompt at the 320-token limit in fp32.
SUITES = {
    "dev": Suite(
        benches=BENCHES, split="dev", max_new_tokens=320,
        limits={"harmful": 60, "contrast": 40, "jailbreak": 60, "over-refusal": 100, "helpfulness": 60},
        description="dev split: for choosing configurations, rounds and checkpoints",
    ),
    "quick": Suite(
        benches=BENCHES, max_new_tokens=320,
        limits={"harmful": 40, "contrast": 30, "jailbreak": 40, "over-refusal": 60, "helpfulness": 40},
        description="test split, a stratified subset: ≤ 10 min on 2 cores for the default model",
    ),
    "standard": Suite(
        benches=(*BENCHES, "probe"), max_new_tokens=320,
        limits={"jailbreak": 200},
        description="the whole test split (jailbreaks: 200, every held-out template family) and the probe: "
        "≤ 40 min on 2 cores",
    ),
    "full": Suite(
        benches=(*BENCHES, "probe"), limits={}, max_new_tokens=512,
        description="every test prompt, every jailbreak variant, 512 new tokens",
    ),
}


@dataclass
class EvalConfig(GenerationFields):
    models: list[str] = field(["smollm2-135m-instruct"], flag="--model",
                              help="model specs to compare side by side (built-in name, checkpoint or adapter dir, "
                              "hub id); repeat --model or give several")
    suite: str = field("quick", help="benchmark suite: " + "; ".join(f"{k} ({v.description})" for k, v in SUITES.items()))
    split: str | None = field(None, help="prompt split to draw from: dev or test; unset: the suite's")
    benches: list[str] = field([], flag="--bench", help="run these benchmarks instead of the suite's")
    limit: int | None = field(None, help="prompts per benchmark; unset: the suite's; 0: the whole split")
    out: str = field("runs/eval", help="output directory: report.json/.md/.html, samples, config.yaml")
    rules: str | None = field(None, help="rulebook YAML for trace validation and rule citations; unset: the shipped one")
    max_new_tokens: int | None = field(None, help="generation length limit; unset: the suite's")
    seed: int = field(0, help="sampling seed (also part of the generation cache key)")
    batch_size: int = field(32, help="prompts per generation batch (32 is ≈30 % faster than 16 on 2 CPU cores)")
    dtype: str = field("auto", help="model dtype: auto (bf16 where the CPU/GPU is fast at it), bf16, fp32")
    system_prompt: str | None = field(None, help="system message sent before every prompt (part of the cache key)")
    sample_salt: str = field("exante-eval-v1", help="salt of the deterministic stratified sample")
    generation_cache: str | None = field(None, help="generation cache directory; unset: <exante cache>/generations")
    refusal_judge: str = field("phrase", help="refusal judge: phrase (explicit refusals), classifier or hybrid (also weak or off-topic answers; docs/eval.md)")
    harm_judge: str | None = field(None, help="harm judge; unset: llm with --judge-endpoint, else offline")
    judge_endpoint: str | None = field(None, help="OpenAI-compatible base URL of an LLM judge (harm, helpfulness quality)")
    judge_model: str = field("gpt-4o-mini", help="model name sent to the LLM judge endpoint")
    judge_key_env: str = field("OPENAI_API_KEY", help="environment variable holding the judge API key (never logged)")
    xstest: str = field("hf:walledai/XSTest:test", help="XSTest for over-refusal (hf: spec or local file; '' to skip); skipped with a note when unreachable")

    def suite_spec(self) -> Suite:
        if self.suite not in SUITES:
            raise ExanteError(f"unknown suite {self.suite!r}; known suites: {', '.join(SUITES)}")
        return SUITES[self.suite]

    def split_name(self) -> str:
        split = self.split or self.suite_spec().split
        if split not in ("dev", "test"):
            raise ExanteError(f"split is {split!r}; expected dev (choosing) or test (reporting) — never train")
        return split

    def bench_names(self) -> list[str]:
        return list(self.benches) or list(self.suite_spec().benches)

    def limit_for(self, bench: str) -> int | None:
        """Prompts to draw for ``bench``; None = all of its test split."""
        if self.limit is not None:
            return self.limit or None
        return self.suite_spec().limits.get(bench)

    def new_tokens(self) -> int:
        return self.max_new_tokens or self.suite_spec().max_new_tokens
