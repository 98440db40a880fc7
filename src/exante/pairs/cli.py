"""``exante pairs --config FILE``: preference pairs for multi-objective DPO (docs/pairs.md)."""

from __future__ import annotations

import argparse

from exante.cli_util import add_job_command
from exante.pairs.config import PairsConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    add_job_command(
        subparsers, "pairs", PairsConfig, "exante.pairs.run:run_pairs",
        summary=("pairs", "by_objective", "dropped", "dropped_by_code", "seconds"),
        outputs=("pairs.jsonl", "rejected.jsonl", "stats.json", "config.yaml"),
        help="build safety / usefulness / efficiency preference pairs from synth traces (and policy samples)",
        description="Write <out>/pairs.jsonl (TRL conversational preference records with objective, split and meta), "
        "rejected.jsonl (candidates dropped, with the reason), stats.json and the resolved config.yaml. "
        "Rejected responses are sampled from a policy (sample_from) or constructed offline from the chosen trace. "
        "An interrupted run resumes where it stopped.",
    )
