"""Whether a stage's output is finished, read from the marks the stage itself leaves.

- synth, pairs: ``<out>/work/run.json`` holds the fingerprint of the config (and, for pairs, of
  the input file) that made the journal and is rewritten at every start; ``stats.json`` is
  written last. So a ``stats.json`` newer than ``run.json`` with today's fingerprint means a run
  that finished; an older one means a run that stopped and will resume from its journal.
- sft, dpo: ``config.yaml`` is written at the start, ``summary.json`` (with the final model) at
  the end; ``checkpoint-N`` folders are what an interrupted run resumes from.
- eval: ``report.json`` holds each model's fingerprint (its files' sizes and times); the same
  config and the same fingerprints mean the report is current.
No state of the pipeline's own decides this, so outputs made by hand with the same YAML count.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exante.errors import ExanteError
from exante.pipeline.chain import config_changes, stage_dir
from exante.pipeline.config import stage_kind
from exante.pipeline.registry import TRAIN_RUN_ONLY

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Status:
    done: bool
    why: str  # the log line's reason
    resume: bool = False  # continues an interrupted run (its time adds to the earlier session's)


def stage_status(stage: str, config: Any, where: str) -> Status:
    """``where`` names the YAML (and overrides) the config came from, for error messages."""
    kind = stage_kind(stage)
    if kind in ("synth", "pairs"):
        return journal_status(stage, config, where)
    if kind == "sft":
        return trainer_status(stage, config, where, [config.train_file, config.dev_file])
    if kind == "dpo":
        return trainer_status(stage, config, where, [config.train_file, config.dev_file, config.model])
    return eval_status(config)


def _mtime(path: Path) -> int:
    return path.stat().st_mtime_ns


def newest_mtime(path: str | None) -> int:
    """A file's modification time, a directory's newest file's, 0 for nothing."""
    p = Path(path) if path else None
    if p is None or not p.exists():
        return 0
    if p.is_dir():
        return max((_mtime(f) for f in p.iterdir() if f.is_file()), default=0)
    return _mtime(p)


def journal_status(stage: str, config: Any, where: str) -> Status:
    out = Path(config.out)
    run_file, stats = out / "work" / "run.json", out / "stats.json"
    if not run_file.exists():
        return Status(False, f"starting, output to {out}")
    earlier = json.loads(run_file.read_text(encoding="utf-8"))
    if earlier.get("fingerprint") != config.fingerprint():
        if not config.overwrite:
            made = earlier.get("config", {})
            changed = sorted(k for k, v in dataclasses.asdict(config).items() if made.get(k) != v)
            what = f"another config (changed: {', '.join(changed)})" if changed else "another input file"
            raise ExanteError(f"{out}: holds a {stage} run made with {what}; set overwrite: true ({where}) "
                              f"to start it over, or set out to another directory")
        return Status(False, f"starting over in {out} (overwrite: true)")
    if stats.exists() and _mtime(stats) >= _mtime(run_file):
        return Status(True, f"finished earlier ({stats})")
    return Status(False, f"resuming from its journal {run_file.parent / 'journal.jsonl'}", resume=True)


def trainer_status(stage: str, config: Any, where: str, inputs: list[str | None]) -> Status:
    out = Path(config.output_dir)
    saved, summary = out / "config.yaml", out / "summary.json"
    if not saved.exists():
        return Status(False, f"starting, output to {out}")
    from exante.train.trainer import last_complete_checkpoint

    last = last_complete_checkpoint(out)
    changed = config_changes(saved, config, TRAIN_RUN_ONLY)
    if changed and (summary.exists() or last):
        raise ExanteError(f"{out}: holds a {stage} run made with another config (changed: {', '.join(changed)}); "
                          f"delete it, or set output_dir ({where}) to another directory")
    if not changed and summary.exists() and _mtime(summary) >= _mtime(saved):
        stale = [p for p in inputs if newest_mtime(p) > _mtime(summary)]
        if stale:
            log.warning("%s: %s finished before %s was last written; kept as it is — delete %s to train again",
                        stage, out, " and ".join(map(str, stale)), out)
        return Status(True, f"finished earlier ({summary})")
    if last:
        return Status(False, f"resuming from {last}", resume=True)
    return Status(False, f"starting, output to {out} (no checkpoint of an earlier try to resume from)")


def eval_status(config: Any) -> Status:
    from exante.eval.generate import ModelUnderTest
    from exante.models import builtin_names

    out = Path(config.out)
    report, saved = out / "report.json", out / "config.yaml"
    if not report.exists():
        return Status(False, f"starting, report to {out}")
    changed = config_changes(saved, config) if saved.exists() else ["config.yaml missing"]
    if changed:
        return Status(False, f"rerunning: {report} was made with another config (changed: {', '.join(changed)}); "
                      "cached generations are reused")
    entries = json.loads(report.read_text(encoding="utf-8"))["models"].values()
    made = {entry["spec"]: entry.get("fingerprint") for entry in entries}
    for spec in config.models:
        if spec not in builtin_names() and not Path(spec).exists():
            return Status(False, f"{spec} does not exist yet")
        if made.get(spec) != ModelUnderTest(spec, config.dtype).fingerprint:
            return Status(False, f"rerunning: {spec} changed since {report}; cached generations are reused")
    return Status(True, f"finished earlier ({report})")


def output_path(stage: str, config: Any) -> Path:
    """The file or folder a stage hands on (for the summary's table)."""
    names = {"synth": "sft.jsonl", "pairs": "pairs.jsonl", "eval": "report.html"}
    kind = stage_kind(stage)
    return stage_dir(stage, config) / names[kind] if kind in names else stage_dir(stage, config)


# The file where each stage records its own wall time, and the keys to it.
OWN_TIMES = {"synth": ("stats.json", ("seconds", "total")), "pairs": ("stats.json", ("seconds",)),
             "sft": ("summary.json", ("train", "train_runtime")), "dpo": ("summary.json", ("train", "train_runtime")),
             "eval": ("report.json", ("seconds",))}


def own_seconds(stage: str, config: Any) -> float | None:
    """The wall time a stage recorded itself (its last session only), for outputs made outside quickstart."""
    name, keys = OWN_TIMES[stage_kind(stage)]
    file = stage_dir(stage, config) / name
    if not file.exists():
        return None
    value: Any = json.loads(file.read_text(encoding="utf-8"))
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return float(value) if isinstance(value, (int, float)) else None
