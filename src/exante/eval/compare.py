"""Paired significance: each model against the first (the baseline) on the same prompts.

Two models answer the same held-out prompts, so a difference in a rate is tested on the pairs
(exact McNemar: only the prompts where the two disagree carry information), not as two
independent samples, whose intervals overlap long after the paired test has decided.
Layout (docs/eval.md, "Uncertainty and comparisons"): ``comparisons[bench][metric][model]``.
"""

from __future__ import annotations

from exante.eval.benchmarks import BENCHMARKS
from exante.eval.metrics import PAIRED_OUTCOMES, Outcome
from exante.eval.stats import ALPHA, PAIRED_TEST, mcnemar


def outcomes(samples: list[dict], bench: str, outcome: Outcome) -> dict[tuple[str, str], bool]:
    """(benchmark, prompt id) → outcome, over the samples the benchmark scores where it applies."""
    derived = bench in BENCHMARKS and not BENCHMARKS[bench].generates  # efficiency, trace: every sample
    chosen = samples if derived else [s for s in samples if s["bench"] == bench]
    return {(s["bench"], s["id"]): bool(o) for s in chosen if (o := outcome(s)) is not None}


def paired(baseline: dict, other: dict) -> dict:
    """The exact McNemar test on the prompts both have: discordant = [baseline only, other only]."""
    keys = baseline.keys() & other.keys()
    b = sum(baseline[k] and not other[k] for k in keys)
    c = sum(other[k] and not baseline[k] for k in keys)
    p = mcnemar(b, c)
    return {"test": PAIRED_TEST, "p": float(f"{p:.4g}"), "discordant": [b, c], "pairs": len(keys),
            "significant": p < ALPHA}


def comparisons(samples_by_model: dict[str, list[dict]], benches: list[str]) -> dict:
    """bench → metric → model → the paired test against the first model; {} with one model."""
    if len(samples_by_model) < 2:
        return {}
    baseline, *others = samples_by_model
    result: dict[str, dict] = {}
    for bench in benches:
        for metric, outcome in PAIRED_OUTCOMES.get(bench, {}).items():
            base = outcomes(samples_by_model[baseline], bench, outcome)
            result.setdefault(bench, {})[metric] = {
                model: {"baseline": baseline, **paired(base, outcomes(samples_by_model[model], bench, outcome))}
                for model in others}
    return result
