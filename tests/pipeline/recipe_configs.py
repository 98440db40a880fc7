"""A tiny recipe over the quickstart's tiny stage YAMLs (quickstart_configs.py), in a scratch directory.

``recipes/tiny.yaml`` chains synth → sft → pairs → dpo → eval on the tiny model, as the shipped
recipes do, with an eval that also measures jailbreaks and over-refusal (the comparison's plots);
``recipes/tiny-base.yaml`` only evaluates the base model.
"""

from pathlib import Path

import yaml

from quickstart_configs import write_configs

EVAL_BENCHES = ["harmful", "jailbreak", "over-refusal", "helpfulness", "efficiency", "trace"]


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
    write_configs(root)
    write_recipe(root)
    write_recipe(root, "tiny-base", [{**tiny_stages()[-1], "set": {"models": ["${model}"], "benches": EVAL_BENCHES}}])
