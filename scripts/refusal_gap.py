"""How well does each model tell unsafe requests from safe ones? Refusal rate on harmful and
jailbreak prompts, on borderline and benign prompts, and the gap between them, per model of an
`exante eval` report (read from its samples; nothing is regenerated).

    .venv/bin/python scripts/refusal_gap.py runs/eval-mix [runs/eval-quick ...]

A gap near 1 means the decision follows the request; training that only moves the gap's two ends
together shifts a threshold instead of teaching the distinction (docs/train.md). The last column
counts the traces that mark any rule `violated`, and how many of those refuse: whether the
reasoning carries the decision.
"""

import sys
from pathlib import Path

from exante.errors import ExanteError
from exante.io import read_jsonl

UNSAFE, SAFE = ("harmful", "jailbreak"), ("borderline", "benign")


def refusal_rate(rows: list[dict], kinds: tuple[str, ...]) -> tuple[float, int]:
    chosen = [r for r in rows if r["kind"] in kinds]
    return (sum(bool(r["refused"]) for r in chosen) / len(chosen) if chosen else float("nan")), len(chosen)


def main(report_dirs: list[str]) -> None:
    print("| report | model | refused, unsafe prompts | refused, safe prompts | gap "
          "| traces marking a rule violated (refused) |")
    print("|---|---|---:|---:|---:|---:|")
    for report in report_dirs:
        samples = sorted((Path(report) / "samples").glob("*.jsonl"))
        if not samples:
            raise ExanteError(f"{report}: no samples/*.jsonl (expected the output folder of `exante eval`)")
        for path in samples:
            rows = list(read_jsonl(path))
            (unsafe, n_unsafe), (safe, n_safe) = refusal_rate(rows, UNSAFE), refusal_rate(rows, SAFE)
            violated = [r for r in rows if (r.get("trace") or {}).get("violated")]
            print(f"| {report} | {path.stem} | {unsafe:.2f} (n={n_unsafe}) | {safe:.2f} (n={n_safe}) | "
                  f"{unsafe - safe:+.2f} | {len(violated)} of {len(rows)} "
                  f"({sum(bool(r['refused']) for r in violated)}) |")


if __name__ == "__main__":
    try:
        main(sys.argv[1:] or ["runs/eval-quick"])
    except ExanteError as exc:
        sys.exit(f"error: {exc}")
