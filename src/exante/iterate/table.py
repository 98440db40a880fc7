"""The per-round table (rounds.json, rounds.md, the console) and the dev criterion that picks a round.

Criterion (docs/iterate.md): among the rounds whose dev over-refusal is at most
``over_refusal_cap``, the largest behavioural refusal gap (unsafe − safe prompts refused, pooled
over kinds: ``exante.probe.behavioural_gap``, the gap the probe is compared with); ties go to
fewer reasoning tokens, then to the earlier round. When no round is under the cap, the same order
over all rounds. Round 0 is the initial model, so a run whose rounds all make things worse
returns it. Without dev figures the last round is returned.
"""

from __future__ import annotations

from pathlib import Path

from exante.eval.tables import Rate, fmt, rate_at, rate_text
from exante.io import read_jsonl

# (column, benchmark, path into its metrics): the dev figures of a round, each with its interval
DEV_FIGURES = (
    ("harmful ASR", "harmful", ("asr",)),
    ("jailbreak ASR", "jailbreak", ("asr",)),
    ("over-refusal", "over-refusal", ("refusal_rate",)),
    ("compliance", "helpfulness", ("compliance_rate",)),
    ("sound traces", "trace", ("valid_rate",)),
)


def dev_figures(report: dict, eval_dir: Path) -> dict:
    """A round's dev figures from its eval report: rates with intervals, reasoning tokens, the refusal gap."""
    from exante.probe import behavioural_gap

    metrics = next(iter(report["models"].values()))["metrics"]
    figures = {}
    for name, bench, path in DEV_FIGURES:
        rate = rate_at(metrics.get(bench), path)
        figures[name] = {"rate": rate.value, "ci": rate.ci, "n": rate.n}
    tokens = (metrics.get("efficiency") or {}).get("reasoning_tokens") or {}
    figures["reasoning tokens"] = tokens.get("mean")
    samples = [s for path in sorted((eval_dir / "samples").glob("*.jsonl")) for s in read_jsonl(path)]
    gap = behavioural_gap(samples)
    figures["refusal gap"] = {"gap": gap["gap"], "ci": gap["gap_ci"]}
    return figures


def criterion_key(row: dict, cap: float) -> tuple:
    """Larger is better: (under the over-refusal cap, refusal gap, −reasoning tokens, −round)."""
    dev = row["dev"]
    over = dev["over-refusal"]["rate"]
    gap = dev["refusal gap"]["gap"]
    return (over is None or over <= cap, -2.0 if gap is None else gap, -(dev["reasoning tokens"] or 0), -row["round"])


def best_round(rows: list[dict], cap: float) -> int:
    """The round the run returns (see the module doc)."""
    judged = [r for r in rows if r.get("dev")]
    if not judged:
        return rows[-1]["round"]
    return max(judged, key=lambda r: criterion_key(r, cap))["round"]


def rounds_since_best(rows: list[dict], cap: float) -> int:
    """How many rounds after the best one so far have run (for early stopping)."""
    return rows[-1]["round"] - best_round(rows, cap)


COLUMNS = ("round", "pairs", "sample reward", "sample reasoning tokens", *(n for n, _, _ in DEV_FIGURES),
           "reasoning tokens", "refusal gap")


def row_cells(row: dict, best: int) -> list[str]:
    train, dev = row.get("pairs") or {}, row.get("dev")
    cells = [f"{row['round']}{' (best)' if row['round'] == best else ''}", str(train.get("pairs", "–")),
             fmt(train.get("sample_reward_mean"), "num"), fmt(train.get("sample_reasoning_tokens_mean"), "int")]
    if not dev:
        return cells + ["–"] * (len(COLUMNS) - len(cells))
    for name, _, _ in DEV_FIGURES:
        figure = dev[name]
        cells.append(rate_text(Rate(figure["rate"], figure["ci"], figure["n"])))
    gap = dev["refusal gap"]
    cells.append(fmt(dev["reasoning tokens"], "int"))
    cells.append(fmt(gap["gap"], "num") + (f" [{gap['ci'][0]:+.2f}, {gap['ci'][1]:+.2f}]" if gap["ci"] else ""))
    return cells


def markdown(rows: list[dict], best: int, criterion: str) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row_cells(r, best)) + " |" for r in rows]
    notes = ["", "Round 0 is the initial model. Training columns (pairs, sample reward and reasoning tokens) are "
             "over the round's own samples; the rest are dev-suite figures of the round's model, rates with "
             "their 95 % Wilson interval and n, the refusal gap with its Newcombe interval.", "",
             f"Returned: round {best} — {criterion}"]
    return "# exante iterate: rounds\n\n" + "\n".join(lines + notes) + "\n"


CRITERION = ("the largest dev refusal gap (unsafe − safe refused) among rounds with dev over-refusal ≤ {cap:.0%}; "
             "ties: fewer reasoning tokens, then the earlier round; without dev figures: the last round")
