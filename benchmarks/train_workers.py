"""One training-benchmark variant in its own process: ``python train_workers.py SPEC_JSON RESULT_FILE``.

``bench_train.py`` starts one such process per variant and repeat. Every variant trains
``steps + 1`` steps over the same file in file order (sequential sampling: TRL and exante see
the same batches, so their per-step losses can be compared), with a linear schedule from the
same learning rate, no warm-up and the same precision policy. The first step pays one-off
costs and is left out of the timings.

- tokens: the logical tokens of the measured steps' examples, without padding: for SFT the
  sequence; for DPO prompt + chosen and prompt + rejected, i.e. what a two-row implementation
  runs (a shared-prefix row runs fewer, which is the point);
- processed: the Trainer's non-padding token count (tokens the model actually ran), the basis of MFU.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads OpenMP; see docs/models.md

# variant → (config overrides of exante's stage, the data order it trains on); trl is the baseline
SFT_VARIANTS = {
    "trl": ({}, "grouped"),
    "ours": ({}, "grouped"),
    "ours_random": ({}, "shuffled"),
    "ours_compile": ({"compile": True}, "grouped"),
    "ours_bf16": ({"precision": "bf16"}, "grouped"),
    "ours_fp32": ({"precision": "fp32"}, "grouped"),
}
DPO_VARIANTS = {
    **SFT_VARIANTS,
    "ours_two_rows": ({"share_prefix": False}, "grouped"),
    "ours_small_ref_batch": ({"reference_batch_size": "batch_size"}, "grouped"),
}
VARIANTS = {"sft": SFT_VARIANTS, "dpo": DPO_VARIANTS}


def overrides(spec: dict) -> dict:
    changes = dict(VARIANTS[spec["stage"]][spec["variant"]][0])
    if changes.get("reference_batch_size") == "batch_size":
        changes["reference_batch_size"] = spec["batch_size"]
    return changes


def common_fields(spec: dict) -> dict:
    """Config fields every exante variant shares, from the benchmark's settings."""
    workdir = Path(spec["workdir"])
    return dict(model=spec["model"], train_file=spec["data_file"], output_dir=str(workdir / spec["variant"]),
                batch_size=spec["batch_size"], max_steps=spec["steps"] + 1, max_length=spec["max_length"],
                learning_rate=spec["learning_rate"], lr_scheduler="linear", warmup=0.0, precision=spec["precision"],
                seed=spec["seed"], save_steps=10**6, logging_steps=1, eval_steps=0, report_to=["none"])


def trl_fields(spec: dict) -> dict:
    """TRL's config at its documented best for speed here: no gradient checkpointing (TRL's default trades
    time for memory, which a CPU with room to spare does not need), padding-free left off (FlashAttention only)."""
    import torch

    from exante.train.trainer import use_bf16_autocast

    return dict(output_dir=str(Path(spec["workdir"]) / spec["variant"]), per_device_train_batch_size=spec["batch_size"],
                max_steps=spec["steps"] + 1, learning_rate=spec["learning_rate"], lr_scheduler_type="linear",
                warmup_steps=0, max_length=spec["max_length"], bf16=use_bf16_autocast(spec["precision"]),
                use_cpu=not torch.cuda.is_available(), gradient_checkpointing=False, report_to="none",
                save_strategy="no", logging_steps=1, include_num_input_tokens_seen="non_padding", seed=spec["seed"],
                train_sampling_strategy="sequential", dataloader_num_workers=0)


def train_records(path: str) -> list[dict]:
    from exante.io import read_jsonl

    return [r for r in read_jsonl(path) if r.get("split", "train") == "train"]


def sft_ours(spec: dict):
    from exante.train.config import SFTConfig
    from exante.train.encode import SFTCollator
    from exante.train.sft import SFTTrainer, sft_datasets
    from exante.train.trainer import prepare_model, training_arguments

    cfg = SFTConfig(**{**common_fields(spec), **overrides(spec)})  # a variant may override precision
    model, tokenizer = prepare_model(cfg)
    train, _, _ = sft_datasets(cfg, tokenizer)
    args = training_arguments(cfg, has_dev=False)
    args.train_sampling_strategy = "sequential"  # the file is already in the order under test
    trainer = SFTTrainer(model=model, args=args, train_dataset=train, data_collator=SFTCollator(tokenizer.pad_token_id),
                         processing_class=tokenizer)
    return trainer, list(train["length"]), None


def sft_trl(spec: dict):
    import trl
    from datasets import Dataset

    from exante.models import load_model
    from exante.train.encode import Encoder

    loaded = load_model(spec["model"], dtype="fp32")
    data = Dataset.from_list([{"prompt": r["messages"][:-1], "completion": r["messages"][-1:]}
                              for r in train_records(spec["data_file"])])
    trainer = trl.SFTTrainer(model=loaded.model, args=trl.SFTConfig(**trl_fields(spec)), train_dataset=data,
                             processing_class=loaded.tokenizer)
    encoder = Encoder(loaded.tokenizer, spec["max_length"])
    examples = [encoder.sft_example(r) for r in train_records(spec["data_file"])]
    return trainer, [e["length"] for e in examples if e is not None], None  # TRL drops the same over-long ones


def pair_tokens(prompt: list, chosen: list, rejected: list) -> int:
    return 2 * len(prompt) + len(chosen) + len(rejected)


def dpo_ours(spec: dict):
    from datasets import Dataset

    from exante.train.config import DPOConfig
    from exante.train.dpo import PreferenceTrainer, pair_datasets, precompute_reference
    from exante.train.encode import PairCollator
    from exante.train.losses import LossParams
    from exante.train.trainer import prepare_model, training_arguments

    reference_file = str(Path(spec["workdir"]) / f"ref-{spec['variant']}-{spec['repeat']}.jsonl")
    cfg = DPOConfig(**{**common_fields(spec), "loss": "sigmoid", "beta": spec["beta"], "reference_file": reference_file,
                       "reference_batch_size": spec["reference_batch_size"], **overrides(spec)})
    model, tokenizer = prepare_model(cfg)
    train, _, _ = pair_datasets(cfg, tokenizer)
    collator = PairCollator(tokenizer.pad_token_id, cfg.objective_weights, cfg.share_prefix)
    start = time.perf_counter()
    precompute_reference(cfg, model, collator, train)
    reference_s = time.perf_counter() - start
    args = training_arguments(cfg, has_dev=False)
    args.train_sampling_strategy = "sequential"
    trainer = PreferenceTrainer(model=model, args=args, train_dataset=Dataset.from_list(train), data_collator=collator,
                                processing_class=tokenizer, loss="sigmoid", params=LossParams(beta=cfg.beta),
                                nll_weight=0.0, reference="precomputed")
    return trainer, [pair_tokens(e["prompt_ids"], e["chosen_ids"], e["rejected_ids"]) for e in train], reference_s


def dpo_trl(spec: dict):
    import trl
    from datasets import Dataset

    from exante.models import load_model

    from exante.train.encode import Encoder

    class TimedDPOTrainer(trl.DPOTrainer):
        """Stock DPOTrainer; only times its reference precomputation."""

        reference_s = 0.0

        def _precompute_ref_logps(self, *args, **kwargs):
            start = time.perf_counter()
            try:
                return super()._precompute_ref_logps(*args, **kwargs)
            finally:
                self.reference_s += time.perf_counter() - start

    loaded = load_model(spec["model"], dtype="fp32")
    data = Dataset.from_list([{k: r[k] for k in ("prompt", "chosen", "rejected")} for r in train_records(spec["data_file"])])
    config = trl.DPOConfig(**trl_fields(spec), beta=spec["beta"], loss_type=["sigmoid"], precompute_ref_log_probs=True,
                           precompute_ref_batch_size=spec["reference_batch_size"])
    trainer = TimedDPOTrainer(model=loaded.model, args=config, train_dataset=data, processing_class=loaded.tokenizer)
    encoder = Encoder(loaded.tokenizer, spec["max_length"])  # the tokens as exante counts them, after truncation
    examples = [encoder.pair_example(r) for r in train_records(spec["data_file"])]
    lengths = [pair_tokens(e["prompt_ids"], e["chosen_ids"], e["rejected_ids"]) for e in examples if e is not None]
    return trainer, lengths, trainer.reference_s


BUILDERS = {("sft", "trl"): sft_trl, ("sft", "ours"): sft_ours, ("dpo", "trl"): dpo_trl, ("dpo", "ours"): dpo_ours}


def tokens_per_step(lengths: list[int], batch_size: int, steps: int) -> list[int]:
    """Tokens of each step's batch under sequential sampling (the last batch of an epoch may be short)."""
    batches = [sum(lengths[i : i + batch_size]) for i in range(0, len(lengths), batch_size)]
    return [batches[step % len(batches)] for step in range(steps)]


def measure(spec: dict) -> dict:
    import torch
    from transformers import TrainerCallback

    from common import peak_rss_mb
    from exante.train.mfu import TRAINING_FLOPS_PER_PARAM, mfu, non_embedding_parameters

    class StepClock(TrainerCallback):
        def __init__(self):
            self.marks: list[tuple[float, int]] = []

        def on_step_end(self, args, state, control, **kwargs):
            self.marks.append((time.perf_counter(), state.num_input_tokens_seen))

    build = BUILDERS[(spec["stage"], "trl" if spec["variant"] == "trl" else "ours")]
    trainer, lengths, reference_s = build(spec)
    clock = StepClock()
    trainer.add_callback(clock)
    trainer.train()
    (w0, p0), (w1, p1) = clock.marks[0], clock.marks[-1]
    tokens, wall = sum(tokens_per_step(lengths, spec["batch_size"], spec["steps"] + 1)[1:]), w1 - w0
    dtype = torch.bfloat16 if trainer.args.bf16 else torch.float32
    return {
        "stage": spec["stage"], "variant": spec["variant"], "repeat": spec["repeat"], "precision": str(dtype).split(".")[1],
        "threads": torch.get_num_threads(), "tokens": tokens, "processed_tokens": p1 - p0, "wall_s": wall,
        "tok_per_s": tokens / wall, "step_s": wall / (len(clock.marks) - 1), "reference_s": reference_s,
        "mfu": mfu(TRAINING_FLOPS_PER_PARAM, non_embedding_parameters(trainer.model), p1 - p0, wall, dtype,
                   trainer.model.device.type),
        "losses": [h["loss"] for h in trainer.state.log_history if "loss" in h], "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    from exante.io import atomic_write_json

    spec = json.loads(sys.argv[1])
    atomic_write_json(sys.argv[2], measure(spec))


if __name__ == "__main__":
    main()
