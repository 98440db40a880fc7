"""The report's tables as plain rows, shared by the Markdown and the HTML report.

A table is ``(header, rows)``: the first column names the metric (or category), then one
column per model, so several models read side by side.
"""

from __future__ import annotations

from typing import Any

# (row label, benchmark, path into its metrics, format); rates show the count they are over
N_KEY = {"citation_accuracy": "citation_n"}
HEADLINE = (
    ("Harmful ASR ↓", "harmful", ("asr",), "pct"),
    ("Harmful refusal rate", "harmful", ("refusal_rate",), "pct"),
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
    ("Rule-citation accuracy ↑", "trace", ("citation_accuracy",), "pct"),
)

# (title, benchmark, breakdown key, value key, plot label)
BREAKDOWNS = (
    ("Harmful ASR by category", "harmful", "by_category", "asr", "ASR"),
    ("Jailbreak ASR by attack", "jailbreak", "by_attack", "asr", "ASR"),
    ("Over-refusal by type", "over-refusal", "by_type", "refusal_rate", "refusal rate"),
    ("Helpfulness compliance by category", "helpfulness", "by_category", "compliance_rate", "compliance"),
)


def dig(metrics: dict | None, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(metrics, dict):
            return None
        metrics = metrics.get(key)
    return metrics


def fmt(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "int":
        return f"{value:.0f}"
    return f"{value:.2f}"


def headline(report: dict) -> tuple[list[str], list[list[str]]]:
    models = report["models"]
    rows = []
    for label, bench, path, kind in HEADLINE:
        if bench not in report["benches"]:
            continue
        cells = []
        for result in models.values():
            metrics = result["metrics"].get(bench)
            n = dig(metrics, (N_KEY.get(path[-1], "n"),))
            value = fmt(dig(metrics, path), kind)
            cells.append(f"{value} (n={n})" if kind == "pct" and n is not None else value)
        rows.append([label, *cells])
    return ["metric", *models], rows


def _per_model(report: dict, bench: str, key: str) -> dict[str, dict]:
    return {m: dig(r["metrics"], (bench, key)) or {} for m, r in report["models"].items()}


def breakdown_values(report: dict, bench: str, key: str, value: str) -> dict[str, dict[str, Any]]:
    """group → model → value (None where a model has no sample in the group)."""
    per_model = _per_model(report, bench, key)
    groups = sorted({g for entries in per_model.values() for g in entries})
    return {g: {m: (entries.get(g) or {}).get(value) for m, entries in per_model.items()} for g in groups}


def breakdown(report: dict, bench: str, key: str, value: str) -> tuple[list[str], list[list[str]]]:
    per_model = _per_model(report, bench, key)
    rows = []
    for group, values in breakdown_values(report, bench, key, value).items():
        n = next(e[group]["n"] for e in per_model.values() if group in e)
        rows.append([f"{group} (n={n})", *(fmt(v, "pct") for v in values.values())])
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
