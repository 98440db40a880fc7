"""``exante sft``: supervised fine-tuning on the last assistant turn (the Ex-Ante trace, or with
``response: answer`` its final answer) only.

The step is the Trainer's; the loss is the mean negative log-prob of the assistant tokens,
computed by ``sequence_logprobs`` (LM head on the assistant tokens only). Under gradient
accumulation the Trainer passes the token count of the whole accumulated batch, so 1×8 and
8×1 micro-batches give the same gradient.
"""

from __future__ import annotations

import logging

from datasets import Dataset

from exante.train.config import SFTConfig
from exante.train.encode import Encoder, SFTCollator
from exante.train.logprobs import sequence_logprobs
from exante.train.records import check_sft_record, load_records
from exante.train.trainer import ExanteTrainer, prepare_model, run

log = logging.getLogger(__name__)


class SFTTrainer(ExanteTrainer):
    # compute_loss divides by the tokens of the whole accumulated batch itself
    loss_is_scaled_for_ga = True

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        logps = sequence_logprobs(model, inputs)
        if num_items_in_batch is None:
            return -logps.summed.sum() / logps.lengths.sum().clamp(min=1)
        loss = -logps.summed.sum() / num_items_in_batch
        if self.args.average_tokens_across_devices:
            # the count spans every process while DDP averages gradients over processes
            loss = loss * self.accelerator.num_processes
        return loss


def sft_datasets(cfg: SFTConfig, tokenizer) -> tuple[Dataset, Dataset | None, dict]:
    """Tokenized train and dev sets, and counts for the run summary."""
    train_records, dev_records = load_records(cfg.train_file, cfg.dev_file, check_sft_record)
    encoder = Encoder(tokenizer, cfg.max_length, cfg.overlong, cfg.response)
    train = encoder.encode_all(train_records, encoder.sft_example, f"{cfg.train_file} (train)", required=True)
    dev = encoder.encode_all(dev_records, encoder.sft_example, "dev")
    counts = {"train_examples": len(train), "dev_examples": len(dev), **{k: v for k, v in encoder.counts.items() if v}}
    return Dataset.from_list(train), Dataset.from_list(dev) if dev else None, counts


def run_sft(cfg: SFTConfig) -> dict:
    model, tokenizer = prepare_model(cfg)
    train, dev, counts = sft_datasets(cfg, tokenizer)

    def build(args):
        return SFTTrainer(model=model, args=args, train_dataset=train, eval_dataset=dev,
                          data_collator=SFTCollator(tokenizer.pad_token_id), processing_class=tokenizer)

    return run(cfg, build, {"stage": "sft", **counts})
