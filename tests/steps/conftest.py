"""A tiny model that writes Ex-Ante traces for the pool's first prompts, and fast steps configs.

The random tiny model writes no trace, so nothing would have decision steps; a few seconds of SFT
on one trace per prompt of round 1 (a refusal for the harmful one, an answer for the benign one)
make it write them.
"""

import pytest

from exante.iterate.pool import PromptPool
from .steps_data import POOL, handmade_trace


@pytest.fixture(scope="session")
def round_one():
    return PromptPool.build(POOL["mix"], POOL["prompts_per_round"], POOL["seed"]).round(1)


@pytest.fixture(scope="session")
def trace_model(tmp_path_factory, round_one) -> str:
    """A tiny model fine-tuned until it writes ``handmade_trace`` for each prompt of round 1."""
    from exante.io import write_jsonl
    from exante.train.config import SFTConfig
    from exante.train.sft import run_sft

    folder = tmp_path_factory.mktemp("trace-model")
    records = [{"id": r["id"], "messages": [{"role": "user", "content": r["prompt"]},
                                            {"role": "assistant", "content": handmade_trace(r)}]} for r in round_one]
    write_jsonl(folder / "sft.jsonl", records)
    run_sft(SFTConfig(model="tiny", train_file=str(folder / "sft.jsonl"), output_dir=str(folder / "model"),
                      max_steps=40, learning_rate=5e-3, lr_scheduler="constant", batch_size=2, warmup=0.0,
                      logging_steps=100, save_steps=1000, eval_steps=0, group_by_length=False, precision="fp32"))
    return str(folder / "model")

