"""``run_synth(config)``: mix → teacher → filters → journal → sft.jsonl, rejected.jsonl, stats.json.

Every finished prompt is appended to the journal at once; the final files are rebuilt from the
journal in mix order and written atomically, so an interrupted run resumes without duplicates
and a repeated run of the same config writes the same sft.jsonl and rejected.jsonl.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from tqdm.auto import tqdm

from exante.config import save_resolved
from exante.io import atomic_write_json, write_jsonl
from exante.rules import load_rulebook
from exante.synth.config import SynthConfig
from exante.synth.filters import check
from exante.synth.journal import Journal
from exante.synth.mix import Mix, build_mix
from exante.synth.stats import build_stats
from exante.synth.teachers import TeacherOutput, build_teacher

log = logging.getLogger(__name__)


def run_synth(config: SynthConfig, *, progress: bool = True) -> dict:
    """Run (or resume) a synthesis; returns the stats also written to ``<out>/stats.json``."""
    start = time.perf_counter()
    rulebook = load_rulebook(config.rules)
    teacher = build_teacher(config, rulebook)
    out = Path(config.out)
    journal = Journal(out, config)
    save_resolved(config, out / "config.yaml")
    mix = build_mix(config)
    by_id = {r["id"]: r for r in mix.records}
    pending = [r for r in mix.records if not journal.done(r["id"])]
    log.info("synth: %d prompts in the mix, %d to do (%s teacher)", len(mix.records), len(pending), teacher.name)
    teacher_start = time.perf_counter()
    with tqdm(total=len(mix.records), initial=len(mix.records) - len(pending), unit="prompt",
              desc=f"synth ({teacher.name})", disable=not progress) as bar:

        def emit(output: TeacherOutput) -> None:
            journal.append(_outcome(by_id[output.id], output, rulebook, config))
            bar.update(1)

        teacher.run(pending, emit)
    teacher_seconds = time.perf_counter() - teacher_start
    accepted, rejected = assemble(mix, journal, config)
    write_jsonl(out / "sft.jsonl", accepted)
    write_jsonl(out / "rejected.jsonl", rejected)
    stats = build_stats(mix, journal, accepted, rejected, config)
    stats["seconds"] = {"total": round(time.perf_counter() - start, 1), "teacher": round(teacher_seconds, 1),
                        "prompts_done_this_run": len(pending)}
    atomic_write_json(out / "stats.json", stats)
    return stats


def _outcome(record: dict, output: TeacherOutput, rulebook, config: SynthConfig) -> dict:
    """The journal entry for one prompt: the accepted trace, or why there is none."""
    entry = {"id": record["id"], "info": output.info}
    if output.text is None:
        return entry | {"accepted": False, "stage": "teacher", "code": output.code, "reason": output.error,
                        "retryable": output.retryable}
    verdict = check(record, output.text, rulebook, require_category_agreement=config.require_category_agreement)
    if not verdict.accepted:
        return entry | {"accepted": False, "stage": "filter", "code": verdict.code, "reason": verdict.reason,
                        "output": output.text}
    trace = verdict.trace
    return entry | {"accepted": True, "text": verdict.text, "path": trace.path,
                    "cited_rules": [v.rule_id for v in trace.verifications]}


def assemble(mix: Mix, journal: Journal, config: SynthConfig) -> tuple[list[dict], list[dict]]:
    """(SFT records, rejected records) in mix order; mix-stage rejections come first."""
    accepted, rejected = [], [_rejected(m["record"], "mix", "duplicate", m["reason"]) for m in mix.rejected]
    for record in mix.records:
        entry = journal.entries.get(record["id"])
        if entry is None:
            continue
        if entry["accepted"]:
            accepted.append(_sft_record(record, entry, config))
        else:
            rejected.append(_rejected(record, entry["stage"], entry["code"], entry["reason"], entry.get("output")))
    return accepted, rejected


def _sft_record(record: dict, entry: dict, config: SynthConfig) -> dict:
    meta = {
        "source": record["source"], "kind": record["kind"], "category": record.get("category"),
        "attack": record.get("attack") or record["meta"].get("framing"),
        "cited_rules": entry["cited_rules"], "path": entry["path"], "teacher": config.teacher, "style": config.style,
    }
    if "base_id" in record["meta"]:
        meta["base_id"] = record["meta"]["base_id"]
    return {"id": record["id"], "messages": [{"role": "user", "content": record["prompt"]},
                                             {"role": "assistant", "content": entry["text"]}],
            "split": record["split"], "meta": meta}


def _rejected(record: dict, stage: str, code: str, reason: str, output: str | None = None) -> dict:
    out = {"id": record["id"], "prompt": record["prompt"], "kind": record["kind"], "category": record.get("category"),
           "source": record["source"], "attack": record.get("attack"), "split": record.get("split"),
           "stage": stage, "code": code, "reason": reason}
    if output is not None:
        out["output"] = output
    return out
