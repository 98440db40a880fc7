"""``quickstart.md``: base vs SFT vs DPO on the headline metrics, stage wall times, the commands.

The metrics are read from the eval stage's ``report.json`` and formatted by the eval report's
own table code; nothing is recomputed here.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
from pathlib import Path
from typing import Any

import yaml

from exante.eval.report import markdown_notes, markdown_table
from exante.eval.tables import HEADLINE, headline
from exante.pipeline.chain import evaluated_models, stage_overrides
from exante.pipeline.config import QuickstartConfig, stage_kind
from exante.pipeline.status import output_path, own_seconds

# (benchmark, path into its metrics) of the rows shown, as in eval.tables.HEADLINE
QUICKSTART_METRICS = {
    ("harmful", ("asr",)), ("jailbreak", ("asr",)), ("over-refusal", ("refusal_rate",)),
    ("helpfulness", ("compliance_rate",)), ("trace", ("well_formed_rate",)), ("trace", ("valid_rate",)),
    ("efficiency", ("reasoning_tokens", "mean")), ("efficiency", ("answer_tokens", "mean")),
}


def role(column: int) -> str:
    """The report's columns: base, SFT, then one per DPO round."""
    return ("base", "SFT", "DPO")[column] if column < 3 else f"DPO round {column - 1}"


def metrics_table(report: dict, roles: dict[str, str]) -> str:
    """The headline rows of QUICKSTART_METRICS, a column per model headed ``role (spec)`` (roles: spec → role)."""
    # headline() makes one row per HEADLINE entry whose benchmark ran, in HEADLINE's order
    entries = [entry for entry in HEADLINE if entry[1] in report["benches"]]
    _, rows = headline(report)
    kept = [row for (_, bench, path, _), row in zip(entries, rows) if (bench, path) in QUICKSTART_METRICS]
    header = ["metric", *(f"{roles.get(e['spec'], label)} ({e['spec']})" for label, e in report["models"].items())]
    return markdown_table(header, kept)


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


def stages_table(qc: QuickstartConfig, configs: dict[str, Any], state: dict) -> tuple[str, bool]:
    """(table, whether some time was taken from a stage's own record)."""
    rows, borrowed = [], False
    for stage in qc.stage_names():
        entry = state["stages"].get(stage, {})
        seconds = entry.get("seconds") if entry.get("finished") else None
        if seconds is None and (seconds := own_seconds(stage, configs[stage])) is not None:
            borrowed = True
            time_text = duration(seconds) + " †"
        else:
            time_text = duration(seconds) if seconds is not None else "–"
        this_run = entry.get("last_run", "–") if stage in qc.selected() else "not selected"
        rows.append([stage, this_run, time_text, f"`{output_path(stage, configs[stage])}`"])
    return markdown_table(["stage", "this run", "wall time", "output"], rows), borrowed


def flags(cls: type, values: dict[str, Any]) -> list[str]:
    """``--flag value`` words that set the fields ``values`` of ``cls`` on a command line (``exante.config``)."""
    names = {f.name: f.metadata.get("flag") or "--" + f.name.replace("_", "-") for f in dataclasses.fields(cls)}
    words = []
    for name, value in values.items():
        if value is None:  # a null override leaves the YAML's value
            continue
        words += [names[name], *(_word(v) for v in (value if isinstance(value, list) else [value]))]
    return words


def _word(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
    return str(value)


def commands(qc: QuickstartConfig, configs: dict[str, Any]) -> list[str]:
    defaults = QuickstartConfig()
    changed = {f.name: getattr(qc, f.name) for f in dataclasses.fields(qc)
               if getattr(qc, f.name) != getattr(defaults, f.name)}
    lines = [shlex.join(["exante", "quickstart", *flags(QuickstartConfig, changed)]), "", "# or stage by stage:"]
    for stage in qc.stage_names():
        lines.append(shlex.join(["exante", stage_kind(stage), "--config", qc.stage_yaml(stage),
                                 *flags(type(configs[stage]), stage_overrides(qc, stage, configs))]))
    return lines


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


def render_summary(qc: QuickstartConfig, configs: dict[str, Any], state: dict) -> str:
    report_file = Path(configs["eval"].out) / "report.json"
    parts = ["# exante quickstart: before and after alignment", "",
             *report_section(report_file, {m: role(i) for i, m in enumerate(evaluated_models(configs))})]
    table, borrowed = stages_table(qc, configs, state)
    parts += ["## Stages", "", table, ""]
    if borrowed:
        parts += ["† made outside this quickstart (or before its timings were kept): the stage's own record "
                  "of its last session.", ""]
    parts += ["## Reproduce", "", "```bash", *commands(qc, configs), "```", "",
              "Rerunning the quickstart skips every finished stage and resumes an interrupted one.", ""]
    return "\n".join(parts)
