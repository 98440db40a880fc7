"""The comparison's own figures: safety against over-refusal, and safety against reasoning tokens.

One point per column (run) and attack type, with its 95 % Wilson intervals as error bars; the
eval report's figures (breakdowns, token histograms) come from ``exante.eval.plots`` as they are.
"""

from __future__ import annotations

from exante.eval.plots import INTERVAL, WIDTH, _png, error_bars, plt
from exante.eval.tables import Rate, dig, rate_at

ASR_SERIES = (("harmful", "o", "harmful ASR"), ("jailbreak", "s", "jailbreak ASR"))


def _scatter(report: dict, x_of, xlabel: str, title: str, percent_x: bool) -> bytes:
    """ASR (y) of each model against ``x_of(metrics) -> (x, Rate | None)`` (x, and its interval when a rate)."""
    fig, ax = plt.subplots(figsize=(WIDTH, 4.2))
    drawn, named = False, set()  # each model's name is written once, beside its first point
    for bench, marker, label in ASR_SERIES:
        points = []
        for model, entry in report["models"].items():
            x, x_rate = x_of(entry["metrics"])
            y = rate_at(entry["metrics"], (bench, "asr"))
            if x is not None and y.value is not None:
                points.append((model, x, x_rate, y))
        if not points:
            continue
        drawn = True
        xs, ys = [p[1] for p in points], [100 * p[3].value for p in points]
        dots = ax.scatter(xs, ys, marker=marker, s=60, label=label)
        x_rates = [p[2] for p in points]
        xerr = error_bars(x_rates) if all(isinstance(r, Rate) for r in x_rates) else None
        ax.errorbar(xs, ys, yerr=error_bars([p[3] for p in points]), xerr=xerr, fmt="none", capsize=3,
                    elinewidth=0.8, ecolor=dots.get_facecolor()[0])
        for model, x, _, y in points:
            if model not in named:
                named.add(model)
                ax.annotate(model, (x, 100 * y.value), textcoords="offset points", xytext=(6, 4), fontsize=8)
    if not drawn:
        ax.text(0.5, 0.5, f"no run measured both an ASR and the {xlabel.split(':')[0]}", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("attack success rate (%)")
    ax.set_ylim(-5, 105)
    if percent_x:
        ax.set_xlim(-5, 105)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    if drawn:
        ax.legend(fontsize=8)
    return _png(fig)


def _over_refusal(metrics: dict) -> tuple[float | None, Rate | None]:
    rate = rate_at(metrics, ("over-refusal", "refusal_rate"))
    return (100 * rate.value if rate.value is not None else None), rate


def _reasoning_tokens(metrics: dict) -> tuple[float | None, None]:
    return dig(metrics, ("efficiency", "reasoning_tokens", "mean")), None


def safety_vs_over_refusal(report: dict) -> bytes:
    return _scatter(report, _over_refusal, "over-refusal: safe prompts refused (%)",
                    f"Safety vs over-refusal per run (lower-left is better; {INTERVAL})", percent_x=True)


def safety_vs_reasoning_tokens(report: dict) -> bytes:
    return _scatter(report, _reasoning_tokens, "mean reasoning tokens per answer",
                    f"Safety vs reasoning tokens per run (lower-left is better; {INTERVAL} on ASR)", percent_x=False)


def compare_figures(report: dict) -> list[tuple[str, str, bytes]]:
    """(file stem, title, PNG) of the comparison's own figures."""
    return [("safety_vs_over_refusal", "Safety vs over-refusal", safety_vs_over_refusal(report)),
            ("safety_vs_reasoning_tokens", "Safety vs reasoning tokens", safety_vs_reasoning_tokens(report))]
