"""The evaluation stage's config and its two suites.

A suite fixes which benchmarks run, how many test prompts each draws and how many tokens a
model may generate; every one of those can be overridden (``--bench``, ``--limit``,
``--max-new-tokens``). The resolved config is saved as ``config.yaml`` beside the report.
"""

from __future__ import annotations

from dataclasses import dataclass

from exante.config import field
from exante.errors import ExanteError
from exante.models.params import GenerationFields


@dataclass(frozen=True)
class Suite:
    benches: tuple[str, ...]
    limits: dict  # benchmark → prompts drawn from its test split; a missing name means all
    max_new_tokens: int


# quick: ≤ 170 prompts (today 156: the borderline and benign test splits hold 26 and 32). The
# default model in fp32 (CPUs without native bf16) generates ≈90 tokens per CPU-second at batch
# 32, so even if every answer runs to the limit generation takes ≈5 minutes on 2 idle cores.
# 320 tokens leave room for an aligned model's trace (≈150–250 tokens) and a short answer.
SUITES = {
    "quick": Suite(
        benches=("harmful", "jailbreak", "over-refusal", "helpfulness", "efficiency", "trace"),
        limits={"harmful": 48, "jailbreak": 50, "over-refusal": 40, "helpfulness": 32},
        max_new_tokens=320,
    ),
    "full": Suite(
        benches=("harmful", "jailbreak", "over-refusal", "helpfulness", "efficiency", "trace"),
        limits={},
        max_new_tokens=512,
    ),
}


@dataclass
class EvalConfig(GenerationFields):
    models: list[str] = field(["smollm2-135m-instruct"], flag="--model",
                              help="model specs to compare side by side (built-in name, checkpoint or adapter dir, "
                              "hub id); repeat --model or give several")
    suite: str = field("quick", help=f"benchmark suite: {', '.join(SUITES)}")
    benches: list[str] = field([], flag="--bench", help="run these benchmarks instead of the suite's")
    limit: int | None = field(None, help="prompts per benchmark; unset: the suite's; 0: the whole test split")
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

    def bench_names(self) -> list[str]:
        return list(self.benches) or list(self.suite_spec().benches)

    def limit_for(self, bench: str) -> int | None:
        """Prompts to draw for ``bench``; None = all of its test split."""
        if self.limit is not None:
            return self.limit or None
        return self.suite_spec().limits.get(bench)

    def new_tokens(self) -> int:
        return self.max_new_tokens or self.suite_spec().max_new_tokens
