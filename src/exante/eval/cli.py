"""``exante eval``: benchmarks on held-out dev or test prompts, for one or several models, with reports."""

from __future__ import annotations

import argparse

from exante.cli_util import add_config_command
from exante.config import config_from_args
from exante.eval.config import SUITES, EvalConfig

EPILOG = """examples:
  exante eval --model smollm2-135m-instruct --suite quick
  exante eval --model runs/dpo --suite dev --out runs/eval-dev      # choose configurations on dev
  exante eval --model smollm2-135m-instruct --model runs/sft --bench harmful jailbreak --out runs/eval-sft
  exante eval --config configs/eval_quick.yaml --judge-endpoint http://127.0.0.1:8000/v1 --judge-model m
benchmarks: harmful, contrast, jailbreak, over-refusal, helpfulness, efficiency, trace; probe (in the standard and full suites; docs/eval.md)"""


def register(subparsers) -> None:
    add_config_command(
        subparsers, "eval", EvalConfig, main,
        help="evaluate models: ASR, jailbreak ASR, over-refusal, helpfulness, tokens; HTML report",
        description=f"Run an evaluation suite ({', '.join(SUITES)}) on held-out dev or test prompts and write "
        "report.json, report.md and report.html (figures and a sample browser) to --out.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def main(args: argparse.Namespace) -> int:
    from exante.eval.run import run_eval

    config = config_from_args(EvalConfig, args)
    report = run_eval(config)
    print(f"report: {config.out}/report.html ({len(report['models'])} model(s), {report['seconds']:.0f} s)")
    return 0
