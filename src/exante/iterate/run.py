"""``run_iterate(config)``: rounds of on-policy sampling, reward, max-min pairs and DPO (docs/iterate.md).

Round t samples k answers per fresh train prompt from π_t, scores each with the safety reward,
keeps best-versus-worst pairs and trains π_{t+1} with DPO; with ``dev_eval`` each round's model
(and the initial one, round 0) is evaluated on dev, the per-round table is written to
``rounds.json`` / ``rounds.md`` and logged, and the run stops early after ``patience`` rounds
without a better dev criterion. The returned round's model is copied into ``output_dir``;
``summary.json`` is written last. A rerun of an interrupted run continues where it stopped.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import time
from pathlib import Path

from exante.config import save_resolved
from exante.errors import ExanteError
from exante.io import atomic_write_json, atomic_write_text
from exante.iterate.config import RUN_ONLY, IterateConfig
from exante.iterate.pool import PromptPool
from exante.iterate.stages import Round, Stopped, evaluate
from exante.iterate.table import CRITERION, best_round, markdown, rounds_since_best

log = logging.getLogger(__name__)
# files of a round's DPO output that are records of the training, not part of the model
NOT_MODEL = {"summary.json", "config.yaml", "log.jsonl", "training_args.bin"}


def run_iterate(cfg: IterateConfig, *, progress: bool = True) -> dict:
    """Run (or resume) the rounds; returns summary.json's content, or ``{"stopped_after": ...}``."""
    start = time.perf_counter()
    out = Path(cfg.output_dir)
    claim_run(out, cfg, "an iterate", RUN_ONLY)
    done = finished_summary(cfg, out)
    if done is not None:
        return done
    save_resolved(cfg, out / "config.yaml")
    reward, tokens = build_reward(cfg)
    pool = PromptPool.build(cfg.mix, cfg.prompts_per_round, cfg.seed, cfg.sources, tuple(cfg.answered_areas))
    pool.check_rounds(cfg.rounds)
    try:
        rows, stopped_early = run_rounds(cfg, pool, reward, tokens, progress)
    except Stopped as stop:
        log.info("stopped after %s (stop_after); rerun without it to continue", stop)
        return {"stopped_after": str(stop)}
    best = best_round(rows, cfg.over_refusal_cap)
    best_row = next(r for r in rows if r["round"] == best)
    export_model(best_row["policy"], out)
    summary = {"stage": "iterate", "model": str(out), "best_round": best, "best_policy": best_row["policy"],
               "criterion": CRITERION.format(cap=cfg.over_refusal_cap), "rounds_run": rows[-1]["round"],
               "rounds": cfg.rounds, "patience": cfg.patience, "early_stopped": stopped_early,
               "fingerprint": cfg.fingerprint(),
               "table": rows, "seconds": round(time.perf_counter() - start, 1)}
    atomic_write_json(out / "summary.json", summary)
    log.info("iterate: returned round %d (%s) as %s", best, best_row["policy"], out)
    return summary


def finished_summary(cfg: IterateConfig, out: Path) -> dict | None:
    """The summary of a finished run of this config; an outdated one (rounds or patience raised) is removed."""
    path = out / "summary.json"
    if not path.exists():
        return None
    summary = json.loads(path.read_text(encoding="utf-8"))
    made_by = (summary.get("fingerprint"), summary.get("rounds"), summary.get("patience"))
    if made_by == (cfg.fingerprint(), cfg.rounds, cfg.patience):
        log.info("iterate: %s is finished (round %d returned)", out, summary["best_round"])
        return summary
    path.unlink()  # the run goes on: it is not finished until a new summary is written
    return None


def run_rounds(cfg: IterateConfig, pool: PromptPool, reward, tokens, progress: bool) -> tuple[list[dict], bool]:
    """(rows of round 0 (with dev figures) and the rounds run, whether dev stopped the run early)."""
    out = Path(cfg.output_dir)
    rows = [{"round": 0, "policy": cfg.model, "dev": evaluate(cfg, cfg.model, out / "round-0" / "eval")}] \
        if cfg.dev_eval else []
    policy = cfg.model
    for t in range(1, cfg.rounds + 1):
        row = Round(cfg, t, policy, reward, tokens, progress).run(pool.round(t))
        rows.append(row)
        write_table(rows, cfg)
        stop = cfg.stop_point()
        if stop and stop[0] == t:  # the round was done before: stop after it, never go past the stop point
            raise Stopped(cfg.stop_after)
        policy = row["policy"]
        if cfg.dev_eval and cfg.patience and rounds_since_best(rows, cfg.over_refusal_cap) >= cfg.patience:
            log.info("round %d: no better dev criterion for %d round(s); stopping early", t, cfg.patience)
            return rows, t < cfg.rounds
    return rows, False


def write_table(rows: list[dict], cfg: IterateConfig) -> None:
    out = Path(cfg.output_dir)
    best = best_round(rows, cfg.over_refusal_cap)
    criterion = CRITERION.format(cap=cfg.over_refusal_cap)
    atomic_write_json(out / "rounds.json", {"best_round": best, "criterion": criterion, "rounds": rows})
    text = markdown(rows, best, criterion)
    atomic_write_text(out / "rounds.md", text)
    log.info("rounds so far (%s):\n%s", out / "rounds.md", text)


def build_reward(cfg: IterateConfig):
    """(the safety reward, the token counter of the pair records): both count with the policy's tokenizer.

    Built before any sampling, so a model that is not there, an unknown loss or judge, or an
    ``acceptable`` part the reward does not give fails at once."""
    from exante.eval.run import check_models
    from exante.iterate.sample import check_parts, policy_tokenizer
    from exante.pairs.checks import Tokens
    from exante.rewards import SafetyReward
    from exante.train.losses import get_loss

    check_models([cfg.model])
    get_loss(cfg.loss)
    tokenizer = policy_tokenizer(cfg.model, "IterateConfig: field 'model'")
    reward = SafetyReward(cfg.reward_config(), tokenizer=tokenizer)
    check_parts(reward, list(cfg.acceptable), "acceptable")
    return reward, Tokens(tokenizer)


def claim_run(out: Path, cfg, stage: str, run_only: set[str]) -> None:
    """Refuse to continue a ``stage`` run in ``out`` made with a config that makes other rounds
    (unless ``cfg.overwrite``: then start over). ``run.json`` holds the config's fingerprint;
    ``run_only`` fields (output folder, batch size, rounds, ...) may change between sessions."""
    run_file = out / "run.json"
    current = {"fingerprint": cfg.fingerprint(), "config": json.loads(json.dumps(dataclasses.asdict(cfg)))}
    if run_file.exists():
        earlier = json.loads(run_file.read_text(encoding="utf-8"))
        if earlier.get("fingerprint") != current["fingerprint"]:
            if not cfg.overwrite:
                changed = sorted(k for k, v in current["config"].items()
                                 if k not in run_only and earlier.get("config", {}).get(k) != v)
                raise ExanteError(f"{out}: holds {stage} run made with a different config (changed: "
                                  f"{', '.join(changed) or 'unknown'}); pass --overwrite true to start over, "
                                  "or choose another --output-dir")
            shutil.rmtree(out)  # run.json marks the folder as this stage's run: nothing else is removed
    atomic_write_json(run_file, current)


def export_model(policy: str, out: Path) -> None:
    """The returned round's model into ``out`` (HF format, safetensors)."""
    source = Path(policy)
    if source.parent.parent == out and source.name == "model":  # a round's DPO output: copy its model files
        for path in source.iterdir():
            if path.is_file() and path.name not in NOT_MODEL and not path.name.startswith("pairs.ref-"):
                shutil.copy2(path, out / path.name)
        return
    from exante.models import load_model  # the initial model won: save it in the same form

    loaded = load_model(policy, dtype="fp32")  # fp32: saving must not round the weights
    loaded.model.save_pretrained(out, safe_serialization=True)
    loaded.tokenizer.save_pretrained(out)
