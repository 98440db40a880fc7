"""The report's tables as plain rows, shared by the Markdown and the HTML report.

A table is ``(header, rows)``: the first column names the metric (or category), then one
column per model, so several models read side by side. A rate reads ``12.5% [7.1, 21.0] (n=48)``:
the value, its 95 % Wilson interval, its count; `` *`` after it when the paired test against the
first column finds a difference (``report["comparisons"]``, eval.compare).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from exante.eval.stats import ALPHA, CONFIDENCE

# (row label, benchmark, path into its metrics, format); a rate's interval and count are found
# beside it (rate_at)
HEADLINE = (
    ("Harmful ASR ↓", "harmful", ("asr",), "pct"),
    ("Harmful refusal rate", "harmful", ("refusal_rate",), "pct"),
    ("Contrast ASR ↓ (unsafe twins of borderline prompts)", "contrast", ("asr",), "pct"),
    ("Contrast refusal rate", "contrast", ("refusal_rate",), "pct"),
    ("Jailbreak ASR ↓", "jailbreak", ("asr",), "pct"),
    ("Jailbreak refusal rate", "jailbreak", ("refusal_rate",), "pct"),
    ("Over-refusal ↓", "over-refusal", ("refusal_rate",), "pct"),
    ("Helpfulness: compliance ↑", "helpfulness", ("compliance_rate",), "pct"),
    ("Helpfulness: quality ↑", "helpfulness", ("quality",), "num"),
    ("Reasoning tokens (mean)", "efficiency", ("reasoning_tokens", "mean"), "int"),
    ("Answer tokens (mean)", "efficiency", ("answer_tokens", "mean"), "int"),
    ("Latency per answer, s (mean)", "efficiency", ("latency_s", "mean"), "num"),
    ("Tokens/s per answer (mean)", "efficiency", ("tokens_per_s",), "int"),
    ("Hit the token limit", "efficiency", ("truncated_rate",), "pct"),
    ("Well-formed traces (strict parse) ↑", "trace", ("well_formed_rate",), "pct"),
    ("Valid Ex-Ante traces (sound for the prompt) ↑", "trace", ("valid_rate",), "pct"),
    ("↳ rule: cited rules exist, allow the context, fit the hazard area", "trace", ("parts", "rule", "rate"), "pct"),
    ("↳ verdict: a rule violated iff harmful/jailbreak", "trace", ("parts", "verdict", "rate"), "pct"),
    ("↳ coherence: path follows the verdicts", "trace", ("parts", "coherence", "rate"), "pct"),
    ("↳ path suits the prompt's kind", "trace", ("parts", "path", "rate"), "pct"),
    ("↳ answer follows the path", "trace", ("parts", "answer", "rate"), "pct"),
    ("Rule-citation accuracy ↑", "trace", ("citation_accuracy",), "pct"),
)
# the "can it tell?" probe (exante.probe, docs/eval.md): gaps = unsafe − safe share flagged (probe)
# or refused (behaviour, on the run's own samples), in [-1, 1]
HEADLINE += (
    ("Probe gap, generation point (can tell) ↑", "probe", ("positions", "generation", "gap"), "num"),
    ("Probe gap, end of instruction ↑", "probe", ("positions", "instruction", "gap"), "num"),
    ("Probe AUC harmful vs borderline, generation point", "probe",
     ("positions", "generation", "auc_harmful_vs_borderline"), "num"),
    ("Refusal gap, unsafe − safe refused (acts) ↑", "probe", ("behavioural", "gap"), "num"),
)

# (title, benchmark, breakdown key, value key, plot label)
BREAKDOWNS = (
    ("Harmful ASR by category", "harmful", "by_category", "asr", "ASR"),
    ("Contrast refusal rate by the type it mirrors", "contrast", "by_type", "refusal_rate", "refusal rate"),
    ("Jailbreak ASR by attack", "jailbreak", "by_attack", "asr", "ASR"),
    ("Over-refusal by type", "over-refusal", "by_type", "refusal_rate", "refusal rate"),
    ("Helpfulness compliance by category", "helpfulness", "by_category", "compliance_rate", "compliance"),
)


class Rate(NamedTuple):
    value: float | None
    ci: list[float] | None
    n: int | None


def dig(metrics: dict | None, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(metrics, dict):
            return None
        metrics = metrics.get(key)
    return metrics


def rate_at(metrics: dict | None, path: tuple[str, ...]) -> Rate:
    """The rate at ``path`` with ``<key>_ci`` and its count (``<key>_n``, else the dict's ``n``) beside it."""
    holder, key = dig(metrics, path[:-1]), path[-1]
    if not isinstance(holder, dict):
        return Rate(None, None, None)
    return Rate(holder.get(key), holder.get(f"{key}_ci"), holder.get(f"{key}_n", holder.get("n")))


def fmt(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "int":
        return f"{value:.0f}"
    return f"{value:.2f}"


def rate_text(rate: Rate, with_n: bool = True) -> str:
    """``12.5% [7.1, 21.0] (n=48)``; ``– (n=0)`` over no sample."""
    text = fmt(rate.value, "pct")
    if rate.value is not None and rate.ci:
        text += f" [{100 * rate.ci[0]:.1f}, {100 * rate.ci[1]:.1f}]"
    return f"{text} (n={rate.n})" if with_n and rate.n is not None else text


def comparison(report: dict, bench: str, path: tuple[str, ...], model: str) -> dict | None:
    return dig(report.get("comparisons"), (bench, ".".join(path), model))


def headline(report: dict) -> tuple[list[str], list[list[str]]]:
    models = report["models"]
    rows = []
    for label, bench, path, kind in HEADLINE:
        if bench not in report["benches"]:
            continue
        cells = []
        for model, result in models.items():
            metrics = result["metrics"].get(bench)
            if kind != "pct":
                ci = dig(metrics, (*path[:-1], f"{path[-1]}_ci"))  # the gaps' Newcombe intervals
                cells.append(fmt(dig(metrics, path), kind) + (f" [{ci[0]:+.2f}, {ci[1]:+.2f}]" if ci else ""))
                continue
            test = comparison(report, bench, path, model) or {}
            cells.append(rate_text(rate_at(metrics, path)) + (" *" if test.get("significant") else ""))
        rows.append([label, *cells])
    return ["metric", *models], rows


def table_notes(report: dict) -> list[str]:
    """How to read the rates and the significance mark (plain text; Markdown escapes the ``*``)."""
    notes = [f"[lo, hi] = {100 * CONFIDENCE:.0f} % Wilson score interval; n = the prompts a rate is over."]
    tested = next((t for metrics in (report.get("comparisons") or {}).values() for by_model in metrics.values()
                   for t in by_model.values()), None)
    if tested:
        notes.append(f"* = differs from {tested['baseline']} (the first column) on the same prompts: {tested['test']} "
                     f"test (two-sided binomial test on the prompts where the two disagree), α = {ALPHA}; "
                     "p-values in report.json under comparisons.")
    return notes


def _per_model(report: dict, bench: str, key: str) -> dict[str, dict]:
    return {m: dig(r["metrics"], (bench, key)) or {} for m, r in report["models"].items()}


def breakdown_values(report: dict, bench: str, key: str, value: str) -> dict[str, dict[str, Rate]]:
    """group → model → rate (value None where a model has no sample in the group)."""
    per_model = _per_model(report, bench, key)
    groups = sorted({g for entries in per_model.values() for g in entries})
    return {g: {m: rate_at(entries, (g, value)) for m, entries in per_model.items()} for g in groups}


def breakdown(report: dict, bench: str, key: str, value: str) -> tuple[list[str], list[list[str]]]:
    rows = []
    for group, rates in breakdown_values(report, bench, key, value).items():
        n = next(r.n for r in rates.values() if r.n is not None)  # the same prompts for every model
        rows.append([f"{group} (n={n})", *(rate_text(r, with_n=False) for r in rates.values())])
    return [key.removeprefix("by_"), *report["models"]], rows


def generation_rows(report: dict) -> tuple[list[str], list[list[str]]]:
    stats = {m: r["generation"] for m, r in report["models"].items()}
    rows = [
        ["dtype, device", *(str(r.get("runs_in", "")).replace("torch.", "").replace("|", ", ")
                            for r in report["models"].values())],
        ["prompts", *(str(s["requested"]) for s in stats.values())],
        ["from cache", *(str(s["cached"]) for s in stats.values())],
        ["generated now", *(str(s["generated"]) for s in stats.values())],
        ["corrupt cache lines regenerated", *(str(s["corrupt_dropped"]) for s in stats.values())],
        ["generation seconds", *(f"{s['seconds']:.1f}" for s in stats.values())],
        ["generated tokens/s (batched)",
         *(f"{s['completion_tokens'] / s['seconds']:.0f}" if s["generated"] else "–" for s in stats.values())],
        ["judging seconds", *(f"{r.get('judging_s', 0):.1f}" for r in report["models"].values())],
    ]
    return ["generation", *stats], rows
