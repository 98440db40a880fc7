"""``run_steps(config)``: rounds of step-level preference optimisation (SAFER / STAIR / Step-DPO).

Round t takes fresh train prompts from the pool (``exante.iterate.pool``), explores them with the
round's policy (``explore``: trace, alternatives at each decision step, roll-outs, values), makes
step pairs (``pairs``) and trains step-level DPO on them from that policy, which is also the
reference; the result is round t + 1's policy. Layout of ``output_dir`` (docs/steps.md)::

    run.json, config.yaml          the config fingerprint and the resolved config
    round-<t>/journal.jsonl        one entry per prompt, appended as its chunk finishes
    round-<t>/step_pairs.jsonl     the round's pairs, rebuilt from the journal (same journal, same file)
    round-<t>/skipped.jsonl        decision points (and prompts) without a pair, with the reason
    round-<t>/stats.json           written when the round's DPO is done: the round is then skipped on resume
    round-<t>/model/               the round's DPO output (checkpoints while it trains)
    stats.json, the final model files, summary.json (last)

Before any sampling the start model, the loss and the judges are checked, so a bad config fails
at once; nothing already journaled is lost by a failure later on.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from pathlib import Path

from exante.config import save_resolved
from exante.errors import ExanteError
from exante.io import atomic_write_json, write_jsonl
from exante.iterate.pool import PromptPool
from exante.iterate.run import claim_run, export_model
from exante.iterate.sample import SampleJournal
from exante.steps.config import RUN_ONLY, StepsConfig
from exante.steps.explore import Explorer
from exante.steps.pairs import round_pairs, round_stats

log = logging.getLogger(__name__)


def run_steps(config: StepsConfig, *, progress: bool = True) -> dict:
    """Run (or resume) every round; the final policy and ``summary.json`` go to ``output_dir``."""
    start = time.perf_counter()
    out = Path(config.output_dir)
    check_inputs(config)
    claim_run(out, config, "a steps", RUN_ONLY)
    save_resolved(config, out / "config.yaml")
    pool = PromptPool.build(config.mix, config.prompts_per_round, config.seed, config.sources,
                            tuple(config.answered_areas))
    pool.check_rounds(config.rounds)
    policy, rounds = config.model, []
    for t in range(1, config.rounds + 1):
        rounds.append(run_round(config, t, policy, pool.round(t), progress))
        policy = str(out / f"round-{t}" / "model")
    export_model(policy, out)
    atomic_write_json(out / "stats.json", {"rounds": rounds})
    summary = {"stage": "steps", "model": str(out), "start_model": config.model, "rounds": config.rounds,
               "pairs": sum(r["pairs"] for r in rounds), "pairs_per_round": [r["pairs"] for r in rounds],
               "train_loss": [r["dpo"].get("train_loss") for r in rounds],
               "seconds": round(time.perf_counter() - start, 1)}
    atomic_write_json(out / "summary.json", summary)
    return summary


def check_inputs(config: StepsConfig) -> None:
    from exante.eval.run import check_models
    from exante.train.losses import get_loss

    check_models([config.model])
    get_loss(config.loss)


def run_round(config: StepsConfig, t: int, policy: str, records: list[dict], progress: bool) -> dict:
    """Round ``t`` from ``policy``: explore, pairs, DPO; its stats (read back when the round is done)."""
    from exante.train.dpo import run_dpo

    folder = Path(config.output_dir) / f"round-{t}"
    if (folder / "stats.json").exists():
        return json.loads((folder / "stats.json").read_text(encoding="utf-8"))
    stats = explore_round(config, t, policy, records, progress)
    dpo = run_dpo(config.dpo_config(policy, str(folder / "step_pairs.jsonl"), str(folder / "model")))
    stats["dpo"] = {"train_pairs": dpo.get("train_pairs"), "global_step": dpo.get("global_step"),
                    "train_loss": dpo.get("train", {}).get("train_loss")}
    atomic_write_json(folder / "stats.json", stats)
    log.info("steps round %d: %d pairs from %d prompts; DPO loss %s", t, stats["pairs"], stats["prompts"],
             stats["dpo"]["train_loss"])
    return stats


def explore_round(config: StepsConfig, t: int, policy: str, records: list[dict], progress: bool) -> dict:
    """Explore round ``t``'s prompts (resumable per prompt), write its step pairs and skips; its stats."""
    folder = Path(config.output_dir) / f"round-{t}"
    explorer = functools.cache(lambda: _explorer(config, policy, t))  # the policy loads only if work is left
    journal = SampleJournal(folder / "journal.jsonl")
    entries = journal.fill(records, lambda chunk: explorer().entries(chunk), progress, f"steps (round {t})")
    explorer.cache_clear()  # free the sampling copy of the policy before DPO loads its own
    pairs, skipped = round_pairs(entries, config.margin, config.min_chosen_value, config.rollouts)
    write_jsonl(folder / "step_pairs.jsonl", pairs)
    write_jsonl(folder / "skipped.jsonl", skipped)
    stats = {"round": t, "policy": policy, **round_stats(entries, pairs, skipped, config.rollouts)}
    if not pairs:
        raise ExanteError(f"{folder}: round {t} made no step pairs from {len(entries)} prompts (skipped: "
                          f"{stats['skipped_by_code']}; see skipped.jsonl): nothing to train on. Lower margin, raise "
                          "alternatives or rollouts, or start from a model that writes well-formed traces")
    return stats


def _explorer(config: StepsConfig, policy: str, t: int) -> Explorer:
    from exante.iterate.sample import policy_backend, policy_tokenizer
    from exante.models import load_model
    from exante.rewards import SafetyReward
    from exante.rules import load_rulebook

    if config.sampling_endpoint:  # a server samples: only the tokenizer is needed here
        tokenizer = policy_tokenizer(policy, "StepsConfig: field 'model'")
        backend = policy_backend(policy, config.sampling_endpoint)
    else:
        loaded = load_model(policy)
        tokenizer, backend = loaded.tokenizer, policy_backend(policy, None, loaded)
    reward = SafetyReward(config.reward_config(), tokenizer=tokenizer)
    return Explorer(config, backend, reward, load_rulebook(config.rules), t, tokenizer)

