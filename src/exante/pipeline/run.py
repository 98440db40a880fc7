"""``run_quickstart(config)``: synth → sft → pairs → dpo (→ pairs-r2 → dpo-r2 …) → eval → quickstart.md, resumable.

Each stage is run through its own Python entry with its own typed config, exactly as its
command runs it. Before any work the stage configs are loaded and their chain checked, and the
plan is made from what each stage has already finished (``status.py``): finished stages are
skipped, interrupted ones resumed, so rerunning a finished quickstart only rewrites the summary.
Wall times go to ``<out>/quickstart.json``, written atomically after every stage.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from exante.errors import ExanteError
from exante.io import atomic_write_json, atomic_write_text
from exante.pipeline.chain import check_chain, given_overrides, load_stage_configs
from exante.pipeline.config import QuickstartConfig, round_stage, stage_kind, stage_round
from exante.pipeline.registry import STAGE_TYPES
from exante.pipeline.status import Status, output_path, stage_status
from exante.pipeline.summary import render_summary

log = logging.getLogger(__name__)

TRAINED = ("sft", "dpo")  # their finished outputs are never redone by the pipeline (hours of work)


def depends(stage: str, names: list[str]) -> tuple[str, ...]:
    """The stages whose output ``stage`` reads (``names``: every stage of the chain)."""
    kind, r = stage_kind(stage), stage_round(stage)
    before = "sft" if r == 1 else round_stage("dpo", r - 1)  # the model a round samples from and starts from
    return {"synth": (), "sft": ("synth",), "pairs": ("synth",) if r == 1 else ("synth", before),
            "dpo": (before, round_stage("pairs", r)),
            "eval": ("sft", *(s for s in names if stage_kind(s) == "dpo"))}[kind]


def where(qc: QuickstartConfig, stage: str) -> str:
    given = given_overrides(qc, stage)
    if stage_round(stage) > 1 and not qc.round_overrides.get(stage_kind(stage)):
        given.append("quickstart field 'rounds'")
    return qc.stage_yaml(stage) + "".join(f" or {g}" for g in given)


def plan(qc: QuickstartConfig, configs: dict[str, Any]) -> dict[str, str]:
    """stage → what will happen to it; raises ExanteError before any work when the run cannot go through."""
    pending: set[str] = set()  # stages that will write their output in this run
    steps, names, chosen = {}, qc.stage_names(), qc.selected()
    for stage in names:
        selected, readers = stage in chosen, [s for s in chosen if stage in depends(s, names)]
        if not selected and not readers:
            continue
        rebuilt = [d for d in depends(stage, names) if d in pending]
        if rebuilt:  # its input is not written yet: only a finished model can be known to be stale
            if not selected:
                raise ExanteError(f"{readers[0]} reads the output of {stage}, which reads what {rebuilt[0]} will "
                                  f"write in this run: add {stage_kind(stage)} to stages")
            if stage_kind(stage) in TRAINED and stage_status(stage, configs[stage], where(qc, stage)).done:
                raise ExanteError(f"{configs[stage].output_dir} holds a finished {stage} model, but {rebuilt[0]} "
                                  f"will rewrite its input first: delete {configs[stage].output_dir}, or set "
                                  f"output_dir ({where(qc, stage)}) to another directory")
            steps[stage] = f"after {' and '.join(rebuilt)}"
            pending.add(stage)
            continue
        status = stage_status(stage, configs[stage], where(qc, stage))
        if not selected:
            if not status.done:
                raise ExanteError(f"{readers[0]} needs the output of {stage} ({output_path(stage, configs[stage])}), "
                                  f"which is not finished: add {stage_kind(stage)} to stages")
            continue
        steps[stage] = "skip" if status.done else "resume" if status.resume else "run"
        if not status.done:
            pending.add(stage)
    return steps


def run_stage(stage: str, config: Any, resume: bool) -> None:
    """The stage's own entry point, as its command calls it; ``resume`` continues a trainer's checkpoint."""
    kind = stage_kind(stage)
    if kind in TRAINED:
        config = dataclasses.replace(config, resume=resume)
    STAGE_TYPES[kind].run_function(kind)(config)


def load_state(path: Path) -> dict:
    if not path.exists():
        return {"stages": {}}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ExanteError(f"{path}: not valid JSON ({exc.msg}); delete it to start the timings afresh") from None


def timed_stage(stage: str, config: Any, status: Status, state: dict, state_file: Path) -> None:
    """Run a stage and add its wall time to the state file, even when it is interrupted."""
    entry = state["stages"].setdefault(stage, {})
    if not status.resume:
        entry["seconds"] = 0.0  # a fresh start owes nothing to an earlier, abandoned try
    entry.update(last_run="resumed" if status.resume else "ran", finished=None)
    start = time.perf_counter()
    try:
        run_stage(stage, config, status.resume)
        entry["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    finally:
        entry["seconds"] = round(entry.get("seconds", 0.0) + time.perf_counter() - start, 1)
        atomic_write_json(state_file, state)


def run_quickstart(qc: QuickstartConfig) -> str:
    """Run (or resume) the main job; returns the text of ``<out>/quickstart.md``."""
    configs = load_stage_configs(qc)
    check_chain(qc, configs)
    steps = plan(qc, configs)
    log.info("quickstart plan: %s", ", ".join(f"{s} {what}" for s, what in steps.items()))
    out = Path(qc.out)
    state_file = out / "quickstart.json"
    state = load_state(state_file)
    for stage in qc.selected():
        status = stage_status(stage, configs[stage], where(qc, stage))
        if status.done:
            log.info("%s: skipped, %s", stage, status.why)
            state["stages"].setdefault(stage, {})["last_run"] = "skipped"
            continue
        log.info("%s: %s", stage, status.why)
        timed_stage(stage, configs[stage], status, state, state_file)
    atomic_write_json(state_file, state)
    text = render_summary(qc, configs, state)
    atomic_write_text(out / "quickstart.md", text)
    return text
