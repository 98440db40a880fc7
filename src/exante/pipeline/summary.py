"""The tables a run's ``run.md`` and ``exante compare`` share: the eval report's headline rows, wall times.

The metrics are read from an eval stage's ``report.json`` and formatted by the eval report's own
table code; nothing is recomputed here.
"""

from __future__ import annotations

import json
from pathlib import Path

from exante.eval.report import markdown_notes, markdown_table
from exante.eval.tables import HEADLINE, headline

# (benchmark, path into its metrics) of the rows shown, as in eval.tables.HEADLINE
SUMMARY_METRICS = {
    ("harmful", ("asr",)), ("jailbreak", ("asr",)), ("over-refusal", ("refusal_rate",)),
    ("helpfulness", ("compliance_rate",)), ("trace", ("well_formed_rate",)), ("trace", ("valid_rate",)),
    ("efficiency", ("reasoning_tokens", "mean")), ("efficiency", ("answer_tokens", "mean")),
}


def metrics_table(report: dict, roles: dict[str, str]) -> str:
    """The headline rows of SUMMARY_METRICS, a column per model headed ``role (spec)`` (roles: spec → role)."""
    # headline() makes one row per HEADLINE entry whose benchmark ran, in HEADLINE's order
    entries = [entry for entry in HEADLINE if entry[1] in report["benches"]]
    _, rows = headline(report)
    kept = [row for (_, bench, path, _), row in zip(entries, rows) if (bench, path) in SUMMARY_METRICS]
    header = ["metric", *(f"{roles.get(e['spec'], label)} ({e['spec']})" for label, e in report["models"].items())]
    return markdown_table(header, kept)


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


def report_section(report_file: Path, roles: dict[str, str]) -> list[str]:
    """The eval report's headline table with its notes and where the full report is (Markdown lines)."""
    if not report_file.exists():
        return [f"No evaluation report yet (`{report_file}`): the eval stage has not run.", ""]
    report = json.loads(report_file.read_text(encoding="utf-8"))
    prompts = ", ".join(f"{bench} {n}" for bench, n in report["settings"]["prompts"].items())
    return [f"`exante eval` suite {report['suite']} on held-out test prompts ({prompts}), "
            f"report of {report['created']}.", "",
            metrics_table(report, roles), "",
            *markdown_notes(report),
            f"Every metric, breakdowns by category and attack, and a browser of every answer: "
            f"`{report_file.with_suffix('.md')}` and `{report_file.with_suffix('.html')}`.", ""]
