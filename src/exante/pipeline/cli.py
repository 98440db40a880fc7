"""``exante run RECIPE`` (docs/recipes.md), and ``exante quickstart``, the same as ``exante run erpo-quick``."""

from __future__ import annotations

import argparse

from exante.cli_util import add_config_command
from exante.config import config_from_args
from exante.pipeline.recipe import RunConfig

QUICKSTART_RECIPE = "erpo-quick"  # what `exante quickstart` and `make quickstart` run

RUN_EPILOG = """examples:
  exante run erpo-quick                                   # recipes/erpo-quick.yaml on its model
  exante run erpo --model HuggingFaceTB/SmolLM2-360M-Instruct --out runs/erpo-360m
  exante run saro-quick --until sft                       # stop after SFT; rerun without it to go on
  exante run erpo-quick --from dpo --set dpo.beta=0.2     # redo DPO (and what reads it) with another beta"""

QUICKSTART_EPILOG = """examples:
  exante quickstart                                       # = exante run erpo-quick
  exante quickstart --model HuggingFaceTB/SmolLM2-360M-Instruct --out runs/quick-360m
  exante quickstart --until sft                           # stop after SFT; rerun without it to go on"""


def register(subparsers: argparse._SubParsersAction) -> None:
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

    quickstart = add_config_command(
        subparsers, "quickstart", RunConfig, _quickstart,
        help=f"exante run {QUICKSTART_RECIPE}: the main job, a small ERPO of the default model, before/after table",
        description=f"exante quickstart is exante run {QUICKSTART_RECIPE}, with the same options: the stages "
        f"of recipes/{QUICKSTART_RECIPE}.yaml (ERPO sized for 2 CPU cores; the default model unless --model), "
        "checked before any work, each skipped when finished and unchanged and resumed when interrupted; then "
        f"<out>/run.md (default runs/{QUICKSTART_RECIPE}/run.md) is written and printed. Other recipes: exante run "
        "RECIPE.",
        epilog=QUICKSTART_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _hide_option(quickstart, "recipe")  # the alias always runs its one recipe


def _hide_option(parser: argparse.ArgumentParser, dest: str) -> None:
    for action in parser._actions:
        if action.dest == dest:
            action.help = argparse.SUPPRESS


def _run(args: argparse.Namespace) -> int:
    if args.recipe_name:
        args.recipe = args.recipe_name
    return _print_run(args)


def _quickstart(args: argparse.Namespace) -> int:
    args.recipe = QUICKSTART_RECIPE
    return _print_run(args)


def _print_run(args: argparse.Namespace) -> int:
    from exante.pipeline.runner import run_recipe

    print(run_recipe(config_from_args(RunConfig, args)))
    return 0
