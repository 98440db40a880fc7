"""What ``exante sft`` and ``exante dpo`` share: model setup, TrainingArguments, logging, run/resume.

Both stages are ``transformers.Trainer`` subclasses that only override ``compute_loss``; the
Trainer brings checkpoints (safetensors, optimizer/scheduler/RNG state), resume, evaluation,
progress bars, ``report_to`` loggers and ``accelerate launch``.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

import torch
from transformers import Trainer, TrainerCallback, TrainingArguments
from transformers.trainer import TRAINER_STATE_NAME
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

from exante.config import save_resolved
from exante.errors import ExanteError
from exante.io import append_jsonl, atomic_write_json, read_jsonl, write_jsonl
from exante.train.config import TrainConfig
from exante.train.mfu import MFULog

log = logging.getLogger(__name__)

PRECISIONS = ("auto", "bf16", "fp32")


def use_bf16_autocast(precision: str) -> bool:
    """bf16 autocast over fp32 master weights where the runtime's dtype policy says bf16 is fast."""
    from exante.models import resolve_dtype

    if precision not in PRECISIONS:
        raise ExanteError(f"precision is {precision!r}; expected one of {', '.join(PRECISIONS)}")
    bf16 = precision == "bf16" or (precision == "auto" and resolve_dtype("auto") == torch.bfloat16)
    # accelerate launch passes its config's mixed_precision on, and the Trainer would autocast with
    # it while our own forward passes (reference log-probs) follow `precision`
    launched = os.environ.get("ACCELERATE_MIXED_PRECISION", "no")
    if launched not in ("no", "bf16" if bf16 else "no"):
        raise ExanteError(f"the accelerate config sets mixed_precision {launched!r}, but precision {precision!r} means "
                          f"{'bf16' if bf16 else 'fp32'} here; set mixed_precision: 'no' in it and choose with --precision")
    return bf16


def process_state():
    """This process's place among those ``accelerate launch`` started (a single process without it).

    Set up before the model loads, as the Trainer sets it up later: each GPU rank then loads onto
    its own GPU (not all onto GPU 0), and work before training (reference log-probs) can be
    shared out. Like the Trainer's own, the other processes' loggers show warnings only.
    """
    from accelerate import PartialState
    from accelerate.utils import parse_flag_from_env

    state = PartialState(cpu=not torch.cuda.is_available() or parse_flag_from_env("ACCELERATE_USE_CPU"))
    if not state.is_main_process:
        logging.getLogger("exante").setLevel(logging.WARNING)
    return state


def prepare_model(cfg: TrainConfig):
    """(model ready to train, tokenizer): fp32 weights, optional LoRA, optional compiled layers."""
    from exante.models import load_model

    process_state()
    loaded = load_model(cfg.model, dtype="fp32")
    model = loaded.model
    if hasattr(model, "merge_and_unload") and cfg.lora:  # an adapter directory (e.g. a LoRA SFT output)
        continue_adapter(model, cfg)
    elif hasattr(model, "merge_and_unload"):  # full fine-tuning from an adapter: train the merged model
        model = model.merge_and_unload()
    elif cfg.lora:
        from peft import LoraConfig, get_peft_model

        # PEFT records model.name_or_path as the adapter's base; the runtime names built-ins in the config
        model.name_or_path = model.config.name_or_path
        lora = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                          target_modules=cfg.lora_target_modules, task_type="CAUSAL_LM")
        model = get_peft_model(model, lora)
    if cfg.compile:
        # one compiled graph serves every layer; dynamic shapes avoid a recompile per batch length
        for layer in decoder_layers(model):
            layer.compile(dynamic=True)
    model.config.use_cache = False
    model.train()
    return model, loaded.tokenizer


def continue_adapter(model, cfg: TrainConfig) -> None:
    """Train the loaded adapter further. A fresh adapter on the merged model would be saved naming
    the original base, so loading it would silently drop this adapter's delta."""
    own = model.peft_config[model.active_adapter]
    if (own.r, own.lora_alpha) != (cfg.lora_r, cfg.lora_alpha):
        log.warning("%s is a LoRA adapter (r=%d, alpha=%s): training it further with its own r and alpha, "
                    "not lora_r=%d, lora_alpha=%s", cfg.model, own.r, own.lora_alpha, cfg.lora_r, cfg.lora_alpha)
    own.inference_mode = False
    for name, parameter in model.named_parameters():
        parameter.requires_grad_("lora_" in name)


def decoder_layers(model) -> list[torch.nn.Module]:
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return list(base.get_decoder().layers)


def loggers(report_to: list[str]) -> list[str] | str:
    """The ``report_to`` value for transformers, failing early when a logger's package is missing."""
    wanted = [r for r in report_to if r != "none"]
    for name in wanted:
        packages = ("tensorboard", "tensorboardX") if name == "tensorboard" else (name,)
        if not any(importlib.util.find_spec(p) for p in packages):
            raise ExanteError(f"report_to {name!r} needs the {packages[0]!r} package, which is not installed")
    return wanted or "none"


def training_arguments(cfg: TrainConfig, has_dev: bool) -> TrainingArguments:
    return TrainingArguments(
        output_dir=cfg.output_dir,
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.eval_batch_size,
        gradient_accumulation_steps=cfg.grad_accum,
        learning_rate=cfg.learning_rate,
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps,
        lr_scheduler_type=cfg.lr_scheduler,
        warmup_steps=cfg.warmup,
        weight_decay=cfg.weight_decay,
        max_grad_norm=cfg.max_grad_norm,
        seed=cfg.seed,
        bf16=use_bf16_autocast(cfg.precision),
        use_cpu=not torch.cuda.is_available(),
        train_sampling_strategy="group_by_length" if cfg.group_by_length else "random",
        logging_steps=cfg.logging_steps,
        save_steps=cfg.save_steps,
        save_total_limit=cfg.save_total_limit,
        eval_strategy="steps" if has_dev and cfg.eval_steps > 0 else "no",
        eval_steps=cfg.eval_steps or None,
        report_to=loggers(cfg.report_to),
        include_num_input_tokens_seen="non_padding",
        remove_unused_columns=False,  # our collators read fields the model's forward does not take
        dataloader_num_workers=0,
    )


class ExanteTrainer(Trainer):
    """A Trainer whose ``compute_loss`` adds metrics that ``log`` averages over the logging window."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._metrics: dict[str, dict[str, list[float]]] = {"train": defaultdict(list), "eval": defaultdict(list)}

    def record(self, name: str, values: torch.Tensor) -> None:
        """Keep per-item ``values`` (gathered over processes) for the next log line; NaN marks no value.

        Every process must call this with the same shape (the gather needs it), so a subset of a
        batch is recorded as the whole batch with NaN outside the subset.
        """
        mode = "train" if self.model.training else "eval"
        gathered = self.accelerator.gather_for_metrics(values.detach().float())
        self._metrics[mode][name].extend(gathered[~gathered.isnan()].tolist())

    def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
        mode = "eval" if any(k.startswith("eval_") for k in logs) else "train"
        prefix = "eval_" if mode == "eval" else ""
        logs.update({prefix + k: sum(v) / len(v) for k, v in self._metrics[mode].items() if v})
        self._metrics[mode].clear()
        super().log(logs, start_time)

    def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
        inputs = self._prepare_inputs(inputs)
        with torch.no_grad(), self.compute_loss_context_manager():
            loss = self.compute_loss(model, inputs)
        return loss.detach(), None, None


class JsonlLog(TrainerCallback):
    """Every log line also goes to ``log.jsonl``; a resumed run first drops lines past its checkpoint."""

    def __init__(self, path: Path):
        self.path = path

    def on_train_begin(self, args, state, control, **kwargs):
        if state.is_world_process_zero and self.path.exists():
            kept = [r for r in read_jsonl(self.path, tolerate_torn_tail=True) if r.get("step", 0) <= state.global_step]
            write_jsonl(self.path, kept)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if state.is_world_process_zero and logs:
            append_jsonl(self.path, {"step": state.global_step, "time": round(time.time(), 3), **logs})


def last_complete_checkpoint(out: str | Path) -> str | None:
    """The newest ``checkpoint-N`` in ``out`` that was written to the end, or None.

    Hand-written because transformers' ``get_last_checkpoint`` also returns a checkpoint whose save
    was cut short (process killed, disk full), and resuming from that fails. The Trainer writes
    its state file (``trainer_state.json``) last, so a checkpoint holding it is complete.
    """
    steps = []
    for path in Path(out).glob(f"{PREFIX_CHECKPOINT_DIR}-*"):  # nothing when out does not exist
        step = path.name.rsplit("-", 1)[1]
        if not (step.isdigit() and path.is_dir()):
            continue
        if (path / TRAINER_STATE_NAME).is_file():
            steps.append((int(step), path))
        else:
            log.warning("%s: incomplete checkpoint (its save was cut short), not resumed from", path)
    return str(max(steps)[1]) if steps else None


def resume_point(cfg: TrainConfig) -> str | None:
    """The checkpoint to resume from, or None for a fresh run; refuses to silently overwrite one."""
    out = Path(cfg.output_dir)
    last = last_complete_checkpoint(out)
    if cfg.resume:
        if last is None:
            log.info("resume: no checkpoint in %s yet, starting from the beginning", out)
        return last
    if last is not None:
        raise ExanteError(f"{out}: holds checkpoints of an earlier run ({Path(last).name}); "
                          "pass --resume true to continue it or choose another output_dir")
    return None


def run(cfg: TrainConfig, build: Callable[[TrainingArguments], ExanteTrainer], summary: dict[str, Any]) -> dict:
    """Train with the trainer ``build`` makes, save the final model and write ``summary.json``."""
    out = Path(cfg.output_dir)
    checkpoint = resume_point(cfg)
    if process_state().is_main_process:
        save_resolved(cfg, out / "config.yaml")
    trainer = build(training_arguments(cfg, has_dev=summary.get("dev_examples", 0) > 0))
    mfu = MFULog(trainer.model)  # before JsonlLog, which then writes the mfu it adds
    trainer.add_callback(mfu)
    trainer.add_callback(JsonlLog(out / "log.jsonl"))
    result = trainer.train(resume_from_checkpoint=checkpoint)
    summary["mfu"] = round(mfu.overall(trainer.state), 5)  # of this session's training, before the save
    evals = [h for h in trainer.state.log_history if "eval_loss" in h]  # the Trainer also evaluates the last step
    if evals:
        summary["eval"] = evals[-1]
    trainer.save_model(str(out))
    summary.update(train=result.metrics, global_step=trainer.state.global_step, resumed_from=checkpoint)
    if checkpoint is None:  # after a resume the token count also covers the earlier session
        summary["tokens_per_second"] = round(trainer.state.num_input_tokens_seen / result.metrics["train_runtime"], 1)
    if trainer.is_world_process_zero():
        atomic_write_json(out / "summary.json", summary)
    log.info("trained %s: %s, MFU %.2f %%", out, {k: v for k, v in result.metrics.items() if "loss" in k or "per_second" in k},
             100 * summary["mfu"])
    return summary
