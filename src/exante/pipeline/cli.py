"""``exante quickstart`` (the main job, docs/pipeline.md) and ``exante run RECIPE`` (docs/recipes.md)."""

from __future__ import annotations

import argparse

from exante.cli_util import add_config_command
from exante.config import config_from_args
from exante.pipeline.config import QuickstartConfig
from exante.pipeline.recipe import RunConfig

RUN_EPILOG = """examples:
  exante run erpo-quick                                   # recipes/erpo-quick.yaml on its model
  exante run erpo --model HuggingFaceTB/SmolLM2-360M-Instruct --out runs/erpo-360m
  exante run saro-quick --until sft                       # stop after SFT; rerun without it to go on
  exante run erpo-quick --from dpo --set dpo.beta=0.2     # redo DPO (and what reads it) with another beta"""


def register(subparsers: argparse._SubParsersAction) -> None:
    add_config_command(
        subparsers, "quickstart", QuickstartConfig, _main,
        help="the main job: synth → sft → pairs → dpo → eval of the default model, and a before/after summary",
        description="Run synth, sft, pairs, dpo (and, with --rounds N, N-1 further on-policy pairs + dpo rounds) "
        "and eval with the stage YAMLs named below (configs/*.yaml), after checking that each stage reads what "
        "the one before it writes; then write <out>/quickstart.md (base vs SFT vs each DPO round on the headline "
        "metrics, stage wall times, the commands) and print it. Finished "
        "stages are skipped and interrupted ones resumed, so the same command continues an interrupted run.",
    )


    parser = add_config_command(
        subparsers, "run", RunConfig, _run,
        help="run a recipe (recipes/*.yaml): its stages in order, each skipped when its config and inputs are unchanged",
        description="Run the stages of a recipe (synth, sft, pairs, dpo, iterate, steps, grpo, eval: each through "
        "its own entry point with its config YAML and the recipe's fields), after checking every link between them. "
        "Stage S writes <out>/S with a manifest.json (config and input hashes, package versions, wall time); a "
        "rerun skips the stages whose config and inputs are unchanged, resumes an interrupted one and redoes the "
        "rest. Then writes <out>/run.md (the eval table, stage wall times, the command) and prints it.",
        epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("recipe_name", nargs="?", metavar="RECIPE", help="recipe name (recipes/<name>.yaml) or file")


def _run(args: argparse.Namespace) -> int:
    from exante.pipeline.runner import run_recipe

    if args.recipe_name:
        args.recipe = args.recipe_name
    print(run_recipe(config_from_args(RunConfig, args)))
    return 0


def _main(args: argparse.Namespace) -> int:
    from exante.pipeline.run import run_quickstart

    print(run_quickstart(config_from_args(QuickstartConfig, args)))
    return 0
