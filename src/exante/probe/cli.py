"""``exante probe``: can the model tell unsafe from safe prompts? A linear probe on its hidden states."""

from __future__ import annotations

import argparse

from exante.cli_util import add_config_command
from exante.config import config_from_args
from exante.probe.config import ProbeConfig

EPILOG = """examples:
  exante probe --model smollm2-135m-instruct --dtype fp32
  exante probe --model smollm2-135m-instruct --model runs/dpo --eval runs/eval-quick --out runs/probe
  exante probe --config probe.yaml --layer 15 --split dev
fitted on a stratified sample of train-split prompts, scored on every prompt of --split; features
are cached per model fingerprint, so a rerun is instant (docs/eval.md, "Can the model tell?")"""


def register(subparsers) -> None:
    add_config_command(
        subparsers, "probe", ProbeConfig, main,
        help="can the model tell? a linear probe on hidden states vs the refusal gap",
        description="Fit a logistic-regression probe on each model's hidden states (end of the user's "
        "instruction and generation point) to tell unsafe (harmful, jailbreak) from safe (borderline, benign) "
        "prompts, and write probe.json, probe.md and probe.png to --out; with --eval, beside the model's "
        "behavioural refusal gap.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def main(args: argparse.Namespace) -> int:
    from exante.probe.run import run_probe

    config = config_from_args(ProbeConfig, args)
    report = run_probe(config)
    for label, entry in report["models"].items():
        gaps = ", ".join(f"{p} {entry['positions'][p]['gap']:+.2f}" if entry["positions"][p]["gap"] is not None
                         else f"{p} –" for p in entry["positions"])
        behaviour = (entry.get("behavioural") or {}).get("gap")
        print(f"{label}: probe gap {gaps}" + (f"; refusal gap {behaviour:+.2f}" if behaviour is not None else ""))
    print(f"wrote {config.out}/probe.json, probe.md, probe.png ({report['seconds']:.0f} s)")
    return 0
