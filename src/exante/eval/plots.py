"""The report's figures as PNG bytes (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from exante.eval.tables import BREAKDOWNS, breakdown_values  # noqa: E402

WIDTH = 7.5  # inches; the HTML shows figures two per row


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def grouped_bars(title: str, values: dict[str, dict[str, float | None]], ylabel: str) -> bytes:
    """One group of bars per category, one bar per model; missing values are left out."""
    groups = list(values)
    models = list(next(iter(values.values()), {}))
    fig, ax = plt.subplots(figsize=(WIDTH, 3.6))
    width = 0.8 / max(len(models), 1)
    for k, model in enumerate(models):
        xs = [i + (k - (len(models) - 1) / 2) * width for i in range(len(groups))]
        ys = [100 * (values[g][model] or 0) for g in groups]
        bars = ax.bar(xs, ys, width, label=model)
        for bar, g in zip(bars, groups):
            if values[g][model] is None:
                bar.set_alpha(0)
    ax.set_xticks(range(len(groups)), groups, rotation=30, ha="right")
    ax.set_ylabel(f"{ylabel} (%)")
    ax.set_ylim(0, 118)  # headroom above 100 % for the one-row legend
    ax.set_yticks(range(0, 101, 20))
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper right", ncol=len(models))
    return _png(fig)


def token_histograms(samples_by_model: dict[str, list[dict]]) -> bytes:
    """Reasoning and answer token counts per sample, one outline per model."""
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH, 3.4))
    for ax, field in zip(axes, ("reasoning_tokens", "answer_tokens")):
        top = max((s[field] for samples in samples_by_model.values() for s in samples), default=0)
        if top == 0:
            ax.text(0.5, 0.5, f"all {field.split('_')[0]} token counts are 0\n(no model wrote a trace)" if
                    field == "reasoning_tokens" else "no answer tokens", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        bins = range(0, int(top) + 16, max(8, int(top) // 30 or 1))
        for model, samples in samples_by_model.items():
            ax.hist([s[field] for s in samples], bins=bins, histtype="step", linewidth=1.6, label=model)
        ax.set_xlabel(field.replace("_", " "))
        ax.set_ylabel("samples")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_title("Reasoning tokens (0 = no trace)")
    axes[1].set_title("Answer tokens")
    return _png(fig)


def safety_vs_tokens(report: dict) -> bytes:
    """Per model: mean generated tokens against harmful and jailbreak ASR and over-refusal."""
    fig, ax = plt.subplots(figsize=(WIDTH, 3.6))
    series = (("harmful", "asr", "o", "harmful ASR"), ("jailbreak", "asr", "s", "jailbreak ASR"),
              ("over-refusal", "refusal_rate", "^", "over-refusal"))
    named = set()  # each model's name is written once, beside its first point
    for bench, key, marker, label in series:
        points = [((r["metrics"].get("efficiency") or {}).get("completion_tokens", {}).get("mean"),
                   (r["metrics"].get(bench) or {}).get(key), model) for model, r in report["models"].items()]
        points = [(x, 100 * y, m) for x, y, m in points if x is not None and y is not None]
        if points:
            ax.scatter([p[0] for p in points], [p[1] for p in points], marker=marker, s=60, label=label)
            for x, y, model in points:
                if model not in named:
                    named.add(model)
                    ax.annotate(model, (x, y), textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax.set_xlabel("mean generated tokens per answer (reasoning + answer)")
    ax.set_ylabel("rate (%)")
    ax.set_ylim(-5, 105)
    ax.set_title("Safety vs tokens across models (lower-left is better for ASR)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _png(fig)


def report_figures(report: dict, samples_by_model: dict[str, list[dict]]) -> list[tuple[str, bytes]]:
    """(title, PNG) for every figure that has data in this report."""
    figures = []
    for title, bench, key, value, label in BREAKDOWNS:
        values = breakdown_values(report, bench, key, value)
        if values:
            figures.append((title, grouped_bars(title, values, label)))
    if "efficiency" in report["benches"]:
        figures.append(("Token lengths", token_histograms(samples_by_model)))
        figures.append(("Safety vs tokens", safety_vs_tokens(report)))
    return figures
