"""The report's figures as PNG bytes (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from exante.eval.tables import BREAKDOWNS, Rate, breakdown_values, rate_at  # noqa: E402

WIDTH = 7.5  # inches; the HTML shows figures two per row
INTERVAL = "95 % Wilson intervals"


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def error_bars(rates: list[Rate], scale: float = 100) -> list[list[float]]:
    """matplotlib's ``yerr`` (distances below and above, × ``scale``: in % by default) of each rate's
    interval; 0 without one."""
    return [[scale * (r.value - r.ci[0]) if r.value is not None and r.ci else 0 for r in rates],
            [scale * (r.ci[1] - r.value) if r.value is not None and r.ci else 0 for r in rates]]


def grouped_bars(title: str, values: dict[str, dict[str, Rate]], ylabel: str) -> bytes:
    """One group of bars per category, one bar per model, its 95 % interval as an error bar;
    missing values are left out."""
    groups = list(values)
    models = list(next(iter(values.values()), {}))
    fig, ax = plt.subplots(figsize=(WIDTH, 3.6))
    width = 0.8 / max(len(models), 1)
    for k, model in enumerate(models):
        xs = [i + (k - (len(models) - 1) / 2) * width for i in range(len(groups))]
        rates = [values[g][model] for g in groups]
        bars = ax.bar(xs, [100 * (r.value or 0) for r in rates], width, label=model,
                      yerr=error_bars(rates), error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "0.3"})
        for bar, rate in zip(bars, rates):
            if rate.value is None:
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
    """Per model: mean generated tokens against harmful and jailbreak ASR and over-refusal (95 % intervals)."""
    fig, ax = plt.subplots(figsize=(WIDTH, 3.6))
    series = (("harmful", "asr", "o", "harmful ASR"), ("jailbreak", "asr", "s", "jailbreak ASR"),
              ("over-refusal", "refusal_rate", "^", "over-refusal"))
    named = set()  # each model's name is written once, beside its first point
    for bench, key, marker, label in series:
        points = [((r["metrics"].get("efficiency") or {}).get("completion_tokens", {}).get("mean"),
                   rate_at(r["metrics"], (bench, key)), model) for model, r in report["models"].items()]
        points = [(x, rate, m) for x, rate, m in points if x is not None and rate.value is not None]
        if points:
            xs, ys = [p[0] for p in points], [100 * p[1].value for p in points]
            dots = ax.scatter(xs, ys, marker=marker, s=60, label=label)
            ax.errorbar(xs, ys, yerr=error_bars([p[1] for p in points]), fmt="none", capsize=3, elinewidth=0.8,
                        ecolor=dots.get_facecolor()[0])
            for x, y, (_, _, model) in zip(xs, ys, points):
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


# --- the "can it tell?" probe (exante.probe; docs/eval.md) ---------------------------------
def probe_gaps(entries: dict[str, dict]) -> bytes:
    """Per model: the probe gap at both positions beside the behavioural refusal gap; and the share
    of each kind the probe flags unsafe. ``entries``: model → probe metrics (report.json "probe")."""
    from exante.probe.features import POSITIONS
    from exante.probe.fit import KINDS

    fig, (left, right) = plt.subplots(1, 2, figsize=(WIDTH, 3.6), gridspec_kw={"width_ratios": [1, 1.3]})
    models = list(entries)
    series = [(f"probe, {'end of instruction' if p == 'instruction' else 'generation point'}",
               [rate_at(e.get("positions", {}).get(p), ("gap",)) for e in entries.values()]) for p in POSITIONS]
    behaviour = [rate_at(e.get("behavioural"), ("gap",)) for e in entries.values()]
    if any(v.value is not None for v in behaviour):
        series.append(("behaviour (refusal gap)", behaviour))
    width = 0.8 / len(series)
    for k, (label, gaps) in enumerate(series):
        xs = [i + (k - (len(series) - 1) / 2) * width for i in range(len(models))]
        values = [g.value for g in gaps]
        bars = left.bar(xs, [v or 0 for v in values], width, label=label, hatch="//" if label.startswith("behaviour") else None,
                        yerr=error_bars(gaps, scale=1), error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "0.3"})
        for bar, value in zip(bars, values):
            if value is None:
                bar.set_alpha(0)
            else:
                left.annotate(f"{value:+.2f}", (bar.get_x() + bar.get_width() / 2, max(value, 0)), ha="center",
                              va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
    left.axhline(0, color="0.3", linewidth=0.8)
    left.set_xticks(range(len(models)), models, rotation=20, ha="right")
    left.set_ylim(-0.25, 1.35)
    left.set_ylabel("unsafe − safe (share)")
    left.set_title("Can tell (probe) vs acts (refuses)", fontsize=10)
    left.grid(axis="y", alpha=0.3)
    left.legend(fontsize=7, loc="upper right")
    bars_per_kind = [(m, p) for m in models for p in POSITIONS]
    width = 0.8 / max(len(bars_per_kind), 1)
    for k, (model, position) in enumerate(bars_per_kind):
        by_kind = (entries[model].get("positions", {}).get(position) or {}).get("by_kind", {})
        xs = [i + (k - (len(bars_per_kind) - 1) / 2) * width for i in range(len(KINDS))]
        rates = [rate_at(by_kind, (kind, "flagged")) for kind in KINDS]
        label = f"{model}, {'instruction' if position == 'instruction' else 'generation'}" if len(models) > 1 else \
            ("end of instruction" if position == "instruction" else "generation point")
        right.bar(xs, [100 * (r.value or 0) for r in rates], width, label=label, hatch="//" if position == "instruction" else None,
                  yerr=error_bars(rates), error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "0.3"})
    right.set_xticks(range(len(KINDS)), KINDS)
    right.set_ylim(0, 118)
    right.set_yticks(range(0, 101, 20))
    right.set_ylabel("flagged unsafe (%)")
    right.set_title("Probe: flagged rate per kind", fontsize=10)
    right.grid(axis="y", alpha=0.3)
    right.legend(fontsize=7, loc="upper right", ncol=2)
    fig.tight_layout()
    return _png(fig)
# --- end of the probe block ------------------------------------------------------------------


def report_figures(report: dict, samples_by_model: dict[str, list[dict]]) -> list[tuple[str, bytes]]:
    """(title, PNG) for every figure that has data in this report."""
    figures = []
    for title, bench, key, value, label in BREAKDOWNS:
        values = breakdown_values(report, bench, key, value)
        if values:
            figures.append((f"{title} (error bars: {INTERVAL})", grouped_bars(title, values, label)))
    if "efficiency" in report["benches"]:
        figures.append(("Token lengths", token_histograms(samples_by_model)))
        figures.append((f"Safety vs tokens (error bars: {INTERVAL})", safety_vs_tokens(report)))
    if "probe" in report["benches"]:  # the probe's figure (exante.probe)
        figures.append(("Can the model tell? Probe gap vs refusal gap",
                        probe_gaps({m: r["metrics"].get("probe") or {} for m, r in report["models"].items()})))
    return figures
