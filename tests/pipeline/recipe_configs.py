"""Tiny stage YAMLs and a tiny recipe over them, with relative paths as in configs/, in a scratch directory.

The tiny random model stands in for the default one everywhere (distillation, SFT base, eval),
stages are cut to a few prompts and steps, and the judges are the fast phrase-based ones, so a
whole run takes about a minute. ``recipes/tiny.yaml`` chains synth → sft → pairs → dpo → eval on
the tiny model, as the shipped recipes do, with an eval that also measures jailbreaks and
over-refusal (the comparison's plots); ``recipes/tiny-base.yaml`` only evaluates the base model.
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
EVAL_BENCHES = ["harmful", "jailbreak", "over-refusal", "helpfulness", "efficiency", "trace"]


def write_stage_yamls(root: Path) -> None:
    """``<stage>.yaml`` for every stage of TINY."""
    for stage, fields in TINY.items():
        (root / f"{stage}.yaml").write_text(yaml.safe_dump(fields))


def tiny_stages() -> list[dict]:
    return [
        {"name": "synth", "type": "synth", "config": "synth.yaml", "set": {"distill_model": "${model}"}},
        {"name": "sft", "type": "sft", "config": "sft.yaml",
         "set": {"model": "${model}", "train_file": "${synth.out}/sft.jsonl"}},
        {"name": "pairs", "type": "pairs", "config": "pairs.yaml", "set": {"sft": "${synth.out}/sft.jsonl"}},
        {"name": "dpo", "type": "dpo", "config": "dpo.yaml",
         "set": {"model": "${sft.output_dir}", "train_file": "${pairs.out}/pairs.jsonl"}},
        {"name": "eval", "type": "eval", "config": "eval.yaml",
         "set": {"models": ["${model}", "${sft.output_dir}", "${dpo.output_dir}"], "benches": EVAL_BENCHES}},
    ]


def write_recipe(root: Path, name: str = "tiny", stages: list[dict] | None = None, **fields) -> Path:
    """``recipes/<name>.yaml`` with ``stages`` (default: the tiny chain) and top-level ``fields``."""
    path = root / "recipes" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    recipe = {"description": "the tiny chain", "model": "tiny", "out": f"runs/{name}",
              "stages": tiny_stages() if stages is None else stages, **fields}
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))
    return path


def write_recipes(root: Path) -> None:
    """The stage YAMLs, the tiny chain and the base-only recipe."""
    write_stage_yamls(root)
    write_recipe(root)
    write_recipe(root, "tiny-base", [{**tiny_stages()[-1], "set": {"models": ["${model}"], "benches": EVAL_BENCHES}}])
