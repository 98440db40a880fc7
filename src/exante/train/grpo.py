"""``exante grpo``: on-policy training with TRL's ``GRPOTrainer`` and exante's safety reward.

The prompts are the train split (``exante.data.load_prompts``), up to ``prompts_per_kind`` of
each kind, as a conversational ``prompt`` column with ``kind``, ``category``, ``judge_prompt``
(a jailbreak's plain request) and ``expected_rules`` (``rewards.RuleFit.expected``). The reward
is ``exante.rewards.SafetyReward``: with ``reward_mode: parts`` (the default) its parts go to TRL
as separate reward functions with the config's weights — the same total, each part logged as
``rewards/<name>/mean`` — and with ``combined`` as one function. The trainer, its checkpoints and
resume are TRL's; exante adds the model preparation of ``trainer.prepare_model`` (LoRA or all
weights), ``log.jsonl``, the count of sampled completion tokens (logged as
``sampled_completion_tokens``, kept in every checkpoint, so runs can be held to one token budget)
and, with ``eval_dev``, the dev suite on the trained model.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import fields
from pathlib import Path

from transformers import TrainerCallback

from exante.config import save_resolved
from exante.errors import ExanteError
from exante.io import atomic_write_json
from exante.rewards import RewardConfig, RuleFit, SafetyReward
from exante.train.grpo_config import GRPOStageConfig, check_config

__all__ = ["GRPOStageConfig", "run_grpo", "prompt_records", "SampledTokens"]
log = logging.getLogger(__name__)
TOKENS_FILE = "sampled_tokens.json"  # in each checkpoint: the completion tokens sampled up to it


def prompt_records(cfg: GRPOStageConfig) -> list[dict]:
    """The train-split prompts as GRPO dataset rows (see the module doc), a seeded choice per kind."""
    from exante.data import load_prompts
    from exante.data.records import stable_fraction
    from exante.rules import load_rulebook

    records = load_prompts(cfg.sources or None, split="train")
    if not records:
        raise ExanteError(f"sources {cfg.sources or 'built-in'}: no prompts in the train split")
    chosen = []
    for kind in sorted({r["kind"] for r in records}):
        of_kind = sorted((r for r in records if r["kind"] == kind), key=lambda r: stable_fraction(str(cfg.seed), r["id"]))
        chosen += of_kind[: cfg.prompts_per_kind or None]
    rules = RuleFit(load_rulebook(cfg.reward_rulebook) if cfg.reward_rulebook else None)
    system = [{"role": "system", "content": cfg.system_prompt}] if cfg.system_prompt else []
    return [{"id": r["id"], "prompt": [*system, {"role": "user", "content": r["prompt"]}], "kind": r["kind"],
             "category": r["category"], "judge_prompt": r["meta"].get("base_prompt") or r["prompt"],
             "expected_rules": sorted(rules.expected(r["prompt"], r["kind"], r["category"]))} for r in chosen]


def run_grpo(cfg: GRPOStageConfig) -> dict:
    from datasets import Dataset

    from exante.train.trainer import JsonlLog, prepare_model, resume_point

    check_config(cfg)
    out = Path(cfg.output_dir)
    checkpoint = resume_point(cfg)
    save_resolved(cfg, out / "config.yaml")
    records = prompt_records(cfg)
    model, tokenizer = prepare_model(cfg)
    reward = SafetyReward(RewardConfig(**{f.name: getattr(cfg, f.name) for f in fields(RewardConfig)}), tokenizer=tokenizer)
    funcs, weights = reward.parts() if cfg.reward_mode == "parts" else ([reward], [1.0])
    tokens = SampledTokens(cfg.max_sampled_tokens)
    tokens.resume(checkpoint)
    trainer = _trainer(cfg, model, tokenizer, Dataset.from_list(records), [tokens.counting(funcs[0]), *funcs[1:]], weights)
    trainer.add_callback(tokens)  # before JsonlLog, which then writes the count it adds
    trainer.add_callback(JsonlLog(out / "log.jsonl"))
    result = trainer.train(resume_from_checkpoint=checkpoint)
    trainer.save_model(str(out))
    summary = {"stage": "grpo", "prompts": len(records), "by_kind": dict(Counter(r["kind"] for r in records)), "reward_mode": cfg.reward_mode,
               "reward_weights": dict(zip([f.__name__ for f in funcs], weights)), "train": result.metrics,
               "global_step": trainer.state.global_step, "resumed_from": checkpoint,
               "sampled_completion_tokens": tokens.total}
    if cfg.eval_dev:
        summary["eval_dev"] = _eval_dev(out)
    if trainer.is_world_process_zero():
        atomic_write_json(out / "summary.json", summary)
    log.info("trained %s: %d steps, %d completion tokens sampled", out, trainer.state.global_step, tokens.total)
    return summary


def _trainer(cfg: GRPOStageConfig, model, tokenizer, dataset, funcs: list, weights: list[float]):
    import torch
    from trl import GRPOConfig, GRPOTrainer

    from exante.train.trainer import loggers, use_bf16_autocast

    args = GRPOConfig(
        output_dir=cfg.output_dir, per_device_train_batch_size=cfg.batch_size, gradient_accumulation_steps=cfg.grad_accum,
        learning_rate=cfg.learning_rate, num_train_epochs=cfg.epochs, max_steps=cfg.max_steps,
        lr_scheduler_type=cfg.lr_scheduler, warmup_steps=cfg.warmup, weight_decay=cfg.weight_decay,
        max_grad_norm=cfg.max_grad_norm, seed=cfg.seed, bf16=use_bf16_autocast(cfg.precision),
        use_cpu=not torch.cuda.is_available(), logging_steps=cfg.logging_steps, save_steps=cfg.save_steps,
        save_total_limit=cfg.save_total_limit, report_to=loggers(cfg.report_to), dataloader_num_workers=0,
        num_generations=cfg.num_generations, max_completion_length=cfg.max_completion_length,
        temperature=cfg.temperature, beta=cfg.beta, loss_type=cfg.loss_type, scale_rewards=cfg.scale_rewards,
        reward_weights=weights, remove_unused_columns=False,
    )
    model.config.use_cache = True  # prepare_model turns it off for teacher forcing; GRPO mostly generates
    return GRPOTrainer(model=model, reward_funcs=funcs, args=args, train_dataset=dataset, processing_class=tokenizer)


def _eval_dev(out: Path) -> str:
    from exante.eval.config import EvalConfig
    from exante.eval.run import run_eval

    run_eval(EvalConfig(models=[str(out)], suite="dev", out=str(out / "eval-dev")))
    return str(out / "eval-dev" / "report.json")


class SampledTokens(TrainerCallback):
    """Counts the completion tokens the trainer samples (this process's), for matching token budgets:
    adds the running total to every log line and writes it into each checkpoint, from which
    ``resume`` reads it back. With a ``budget`` (> 0) training stops after the optimizer step at
    which the total reaches it."""

    def __init__(self, budget: int = 0):
        self.total, self.budget = 0, budget

    def counting(self, reward):
        """``reward``, counting the tokens of the completion ids it is given (TRL gives every batch)."""
        def counted(prompts, completions, completion_ids=None, **columns):
            self.total += sum(len(ids) for ids in completion_ids or ())
            return reward(prompts, completions, completion_ids, **columns)

        counted.__name__ = reward.__name__
        return counted

    def resume(self, checkpoint: str | None) -> None:
        path = Path(checkpoint or "") / TOKENS_FILE
        if checkpoint and path.exists():
            self.total = json.loads(path.read_text(encoding="utf-8"))["sampled_completion_tokens"]
        elif checkpoint:
            log.warning("%s: no %s (its save was cut short); the token count restarts at 0", checkpoint, TOKENS_FILE)

    def on_step_end(self, args, state, control, **kwargs):
        if self.budget and self.total >= self.budget:
            log.info("%d completion tokens sampled (budget %d): training stops at step %d",
                     self.total, self.budget, state.global_step)
            control.should_training_stop = control.should_save = True

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs is not None:
            logs["sampled_completion_tokens"] = self.total

    def on_save(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            path = Path(args.output_dir) / f"checkpoint-{state.global_step}" / TOKENS_FILE
            atomic_write_json(path, {"sampled_completion_tokens": self.total})
