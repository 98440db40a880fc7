"""The stages of one round, each done once: a stage whose output is on disk is skipped.

``round-<t>/``: prompts.jsonl → samples.jsonl (journal, one line per prompt) → pairs.jsonl,
skipped.jsonl, pairs_stats.json (written last) → model/ (``exante dpo``: its summary.json last)
→ eval/ (``exante eval`` on dev: report.json last) → round.json (the round's row, last of all).
The policy of round t is loaded from disk (the initial model, or round t − 1's model/) whether
or not the run was interrupted, so an interrupted run makes the same samples as an unbroken one.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path

from exante.io import atomic_write_json, write_jsonl
from exante.iterate.config import IterateConfig
from exante.iterate.pairs import Fallback, pair_stats, round_pairs
from exante.iterate.sample import SampleJournal, policy_backend, sample_and_score
from exante.iterate.table import dev_figures

log = logging.getLogger(__name__)


class Stopped(Exception):
    """``stop_after`` reached: the run ends here and a rerun continues."""


class Round:
    def __init__(self, cfg: IterateConfig, t: int, policy: str, reward, tokens, progress: bool):
        self.cfg, self.t, self.policy, self.reward, self.tokens, self.progress = cfg, t, policy, reward, tokens, progress
        self.dir = Path(cfg.output_dir) / f"round-{t}"
        self.seed = cfg.seed + t

    def run(self, records: list[dict]) -> dict:
        """The round's row (round.json); every stage not yet on disk is run."""
        done = self.dir / "round.json"
        if done.exists():
            return json.loads(done.read_text(encoding="utf-8"))
        start = time.perf_counter()
        if not (self.dir / "prompts.jsonl").exists():
            write_jsonl(self.dir / "prompts.jsonl", records)
        entries = self.samples(records)
        self.stop_if("samples")
        stats = self.pairs(entries)
        self.stop_if("pairs")
        policy, dpo = self.dpo(stats["pairs"])
        self.stop_if("dpo")
        row = {"round": self.t, "seed": self.seed, "started_from": self.policy, "policy": policy,
               "pairs": stats, "dpo": dpo, "dev": evaluate(self.cfg, policy, self.dir / "eval")}
        self.stop_if("eval")
        row["seconds"] = round(time.perf_counter() - start, 1)  # this session's share, when resumed
        atomic_write_json(done, row)
        return row

    def stop_if(self, stage: str) -> None:
        if self.cfg.stop_point() == (self.t, stage):
            raise Stopped(f"{self.t}/{stage}")

    def samples(self, records: list[dict]) -> list[dict]:
        cfg, backend = self.cfg, None
        params = cfg.generation_params(seed=self.seed)

        def draw(chunk: list[dict]) -> list[dict]:
            nonlocal backend
            if backend is None:
                log.info("round %d: sampling %d × %d from %s%s", self.t, len(records), cfg.samples_per_prompt,
                         self.policy, f" through {cfg.sampling_endpoint}" if cfg.sampling_endpoint else "")
                backend = policy_backend(self.policy, cfg.sampling_endpoint)
            return sample_and_score(backend, self.reward, chunk, cfg.samples_per_prompt, params)

        entries = SampleJournal(self.dir / "samples.jsonl").fill(records, draw, self.progress, f"round {self.t} samples")
        del backend  # the sampling copy of the policy goes before DPO loads its own
        return entries

    def pairs(self, entries: list[dict]) -> dict:
        stats_file = self.dir / "pairs_stats.json"
        if stats_file.exists():
            return json.loads(stats_file.read_text(encoding="utf-8"))
        cfg = self.cfg
        fallback = Fallback(cfg.rules, cfg.sources, cfg.fallback_distill_model, cfg.answered_areas) if cfg.fallback else None
        pairs, skipped = round_pairs(entries, self.t, cfg.selection, cfg.acceptable, cfg.margin, self.tokens,
                                     self.reward, fallback)
        write_jsonl(self.dir / "pairs.jsonl", pairs)
        write_jsonl(self.dir / "skipped.jsonl", skipped)
        stats = pair_stats(entries, pairs, skipped, cfg.acceptable)
        atomic_write_json(stats_file, stats)
        log.info("round %d: %d pairs from %d prompts %s; skipped %s", self.t, len(pairs), len(entries),
                 stats["by_objective"], stats["skipped_by_code"])
        return stats

    def dpo(self, pairs: int) -> tuple[str, dict]:
        """(the round's policy, what its DPO did): no pairs, no training — the policy carries over."""
        if not pairs:
            log.warning("round %d: no pairs, so no DPO; the policy carries over", self.t)
            return self.policy, {"skipped": "no pairs"}
        from exante.train.dpo import run_dpo

        out = self.dir / "model"
        reference = self.cfg.model if self.cfg.reference == "initial" and self.policy != self.cfg.model else None
        if (out / "summary.json").exists():
            summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        else:
            summary = run_dpo(self.cfg.dpo_config(self.policy, str(self.dir / "pairs.jsonl"), str(out), reference))
        for checkpoint in out.glob("checkpoint-*"):  # only a killed DPO needs them, and they hold 3× the model
            shutil.rmtree(checkpoint)
        train = summary.get("train", {})
        return str(out), {"loss": self.cfg.loss, "reference": reference or self.policy, "pairs": summary.get("train_pairs"),
                          "global_step": summary.get("global_step"), "train_loss": train.get("train_loss"),
                          "train_runtime": train.get("train_runtime")}


def evaluate(cfg: IterateConfig, policy: str, out: Path) -> dict | None:
    """The dev figures of ``policy`` (``exante eval`` into ``out``, once), or None when dev_eval is off."""
    if not cfg.dev_eval:
        return None
    report_file = out / "report.json"
    if not report_file.exists():
        from exante.eval.run import run_eval

        log.info("dev evaluation of %s (%s suite)", policy, cfg.eval_suite)
        run_eval(cfg.eval_config(policy, str(out)))
    return dev_figures(json.loads(report_file.read_text(encoding="utf-8")), out)
