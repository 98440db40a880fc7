"""Tiny stage YAMLs for the quickstart, with relative paths as in configs/, in a scratch directory.

The tiny random model stands in for the default one everywhere (distillation, SFT base, eval),
stages are cut to a few prompts and steps, and the judges are the fast phrase-based ones, so a
whole quickstart runs in well under a minute.
"""

from pathlib import Path

import yaml

TRAIN = dict(max_length=512, warmup=0.0, save_steps=1000, eval_steps=1000, logging_steps=1, group_by_length=False,
             learning_rate=1.0e-3)
TINY = {
    "synth": dict(out="runs/synth", limit=4, distill_model="tiny", distill_max_new_tokens=16, distill_attempts=1),
    "sft": dict(model="tiny", train_file="runs/synth/sft.jsonl", output_dir="runs/sft", max_steps=2, batch_size=4,
                **TRAIN),
    "pairs": dict(out="runs/pairs", sft="runs/synth/sft.jsonl", harm_judge="nonrefusal-harmful"),
    "dpo": dict(model="runs/sft", train_file="runs/pairs/pairs.jsonl", output_dir="runs/dpo", max_steps=1,
                batch_size=2, eval_batch_size=4, **TRAIN),
    "eval": dict(out="runs/eval", benches=["harmful", "helpfulness", "efficiency", "trace"], limit=2,
                 max_new_tokens=8, harm_judge="nonrefusal-harmful", xstest="", generation_cache="cache/generations"),
}


# A second DPO round whose pairs sample the first round's model briefly.
TWO_ROUNDS = {"rounds": 2, "round_overrides": {"pairs": {"samples_per_prompt": 1, "max_new_tokens": 8}}}


def write_configs(root: Path, quickstart: dict | None = None, **changes: dict) -> None:
    """``<stage>.yaml`` for every stage (``changes[stage]`` merged in) and ``quickstart.yaml`` naming them
    (``quickstart`` merged in)."""
    for stage, fields in TINY.items():
        (root / f"{stage}.yaml").write_text(yaml.safe_dump({**fields, **changes.get(stage, {})}))
    fields = {"out": "runs", **{f"{stage}_config": f"{stage}.yaml" for stage in TINY}, **(quickstart or {})}
    (root / "quickstart.yaml").write_text(yaml.safe_dump(fields))
