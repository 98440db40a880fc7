"""The runs of a comparison, read from their folders, and their merged report.

A run folder of ``exante run`` names its stages in ``run.json``; its last eval stage's
``report.json`` and ``samples/`` are the run's results and each stage's ``manifest.json`` its
wall time. An eval output folder (``report.json`` alone) is accepted too.

The merged report has one column per run — the run's final model (the last one its eval
compared) — after a ``base`` column (the first model of the first run that compared several,
normally the recipe's base model); a run whose final model *is* that model (the ``base`` recipe)
takes its place. Paired tests run against that first column on the prompts both answered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from exante import __version__
from exante.errors import ExanteError
from exante.eval.compare import comparisons
from exante.io import read_jsonl

# Settings whose difference between runs makes their figures incomparable (not batch size, say)
COMPARED_SETTINGS = ("max_new_tokens", "temperature", "top_p", "repetition_penalty", "seed", "system_prompt",
                     "sample_salt", "prompts", "judges", "rulebook")


@dataclass
class Run:
    folder: Path
    name: str
    recipe: str | None
    eval_dir: Path
    report: dict
    stage_seconds: dict[str, float | None] = field(default_factory=dict)

    def samples(self, label: str) -> list[dict]:
        return list(read_jsonl(self.eval_dir / "samples" / f"{label.replace('/', '__')}.jsonl"))

    def total_seconds(self) -> float:
        return sum(s or 0 for s in self.stage_seconds.values())


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ExanteError(f"{path}: not valid JSON ({exc.msg})") from None


def read_run(folder: str | Path) -> Run:
    folder = Path(folder)
    if (folder / "run.json").is_file():
        info = _json(folder / "run.json")
        evals = [row["name"] for row in info["stages"] if row["type"] == "eval"]
        if not evals:
            raise ExanteError(f"{folder}: recipe {info['recipe']} has no eval stage: nothing to compare")
        eval_dir = folder / evals[-1]
        seconds = {row["name"]: (_json(m).get("seconds") if (m := folder / row["name"] / "manifest.json").is_file()
                                 else None) for row in info["stages"]}
        name, recipe = info["name"], info["recipe"]
    elif (folder / "report.json").is_file():
        eval_dir, name, recipe = folder, folder.name, None
        seconds = {"eval": _json(folder / "report.json").get("seconds")}
    else:
        raise ExanteError(f"{folder}: neither a run folder of `exante run` (run.json) nor an eval folder (report.json)")
    if not (eval_dir / "report.json").is_file():
        raise ExanteError(f"{eval_dir}: no report.json: the run's eval stage has not finished")
    return Run(folder, name, recipe, eval_dir, _json(eval_dir / "report.json"), seconds)


def unique_names(runs: list[Run]) -> None:
    """Two runs of one recipe (on two models, say) are told apart by their folders."""
    names = [r.name for r in runs]
    for run in runs:
        if names.count(run.name) > 1:
            run.name = str(run.folder)
    names = [r.name for r in runs]
    for i, run in enumerate(runs):
        if names.count(run.name) > 1:
            run.name = f"{run.name}#{i + 1}"


@dataclass(frozen=True)
class Column:
    label: str
    run: Run
    model: str  # the model's label in its run's report


def columns(runs: list[Run]) -> list[Column]:
    finals = [Column(run.name, run, list(run.report["models"])[-1]) for run in runs]
    source = next((r for r in runs if len(r.report["models"]) > 1), None)
    if source is None:
        return finals
    base = Column("base", source, list(source.report["models"])[0])
    fingerprint = source.report["models"][base.model].get("fingerprint")
    same = [c for c in finals if c.run.report["models"][c.model].get("fingerprint") == fingerprint]
    if same:  # a run of the base model itself is the baseline
        return [same[0], *(c for c in finals if c is not same[0])]
    return [base, *finals]


def setting_notes(runs: list[Run]) -> list[str]:
    first = runs[0].report["settings"]
    notes = []
    for run in runs[1:]:
        differ = [k for k in COMPARED_SETTINGS if run.report["settings"].get(k) != first.get(k)]
        if differ:
            notes.append(f"{run.name} was evaluated with other settings than {runs[0].name} ({', '.join(differ)}): "
                         "its figures are not directly comparable; paired tests use the prompts both answered")
    return notes


def merged_report(runs: list[Run]) -> tuple[dict, dict[str, list[dict]], list[Column]]:
    """(a report shaped like eval's report.json with a column per run, samples per column, the columns)."""
    unique_names(runs)
    chosen = columns(runs)
    first = runs[0].report
    benches = [b for b in first["benches"] if all(b in r.report["benches"] for r in runs)]
    models = {c.label: c.run.report["models"][c.model] for c in chosen}
    samples = {c.label: c.run.samples(c.model) for c in chosen}
    notes = [f"{c.label}: {models[c.label]['spec']} from {c.run.eval_dir} (report of {c.run.report['created']})"
             for c in chosen] + setting_notes(runs)
    report = {"exante_version": __version__, "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "suite": first["suite"], "split": first.get("split", "test"), "benches": benches,
              "descriptions": first.get("descriptions", {}), "settings": first["settings"], "notes": notes,
              "models": models, "seconds": sum(r.report.get("seconds", 0) for r in runs)}
    report["comparisons"] = comparisons(samples, benches)
    return report, samples, chosen
