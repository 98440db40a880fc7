"""``exante pairs --config FILE``: preference pairs for multi-objective DPO (docs/pairs.md)."""

from __future__ import annotations

import argparse
import json

from exante.config import add_config_args, config_from_args
from exante.train.pairs_config import PairsConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "pairs",
        help="build safety / usefulness / efficiency preference pairs from synth traces (and policy samples)",
        description="Write <out>/pairs.jsonl (TRL conversational preference records with objective, split and meta), "
        "rejected.jsonl (candidates dropped, with the reason), stats.json and the resolved config.yaml. "
        "Rejected responses are sampled from a policy (sample_from) or constructed offline from the chosen trace. "
        "An interrupted run resumes where it stopped.",
    )
    add_config_args(parser, PairsConfig)
    parser.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    from exante.train.pairs import run_pairs

    config = config_from_args(PairsConfig, args)
    stats = run_pairs(config, progress=not getattr(args, "quiet", False))
    summary = {k: stats[k] for k in ("pairs", "by_objective", "dropped", "dropped_by_code", "seconds")}
    print(json.dumps(summary, indent=1))
    print(f"wrote {config.out}/pairs.jsonl, rejected.jsonl, stats.json, config.yaml")
    return 0
