"""``exante iterate --config FILE``: on-policy rounds of sampling, reward, max-min pairs and DPO (docs/iterate.md)."""

from __future__ import annotations

import argparse
import json

from exante.cli_util import add_config_command
from exante.config import config_from_args
from exante.iterate.config import IterateConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    add_config_command(
        subparsers, "iterate", IterateConfig, _iterate,
        help="stage 3: length-controlled iterative preference optimisation on the policy's own samples",
        description="Rounds t = 1..T: k samples per fresh train prompt from the round's policy, each scored with the "
        "safety reward (exante.rewards), best-vs-worst pairs (max-min, or shortest acceptable: srs) and DPO; "
        "optionally a dev evaluation per round, the per-round table in <output_dir>/rounds.md and rounds.json, and "
        "the best round by the dev criterion copied into output_dir. An interrupted run resumes where it stopped.",
    )


def _iterate(args: argparse.Namespace) -> int:
    from exante.iterate.run import run_iterate

    config = config_from_args(IterateConfig, args)
    summary = run_iterate(config, progress=not getattr(args, "quiet", False))
    if "stopped_after" in summary:
        print(f"stopped after {summary['stopped_after']}; rerun without --stop-after to continue")
        return 0
    print(json.dumps({k: summary[k] for k in ("best_round", "best_policy", "rounds_run", "early_stopped", "seconds")},
                     indent=1))
    print(f"wrote {config.output_dir}/ (the returned model), rounds.md, rounds.json, summary.json")
    return 0
