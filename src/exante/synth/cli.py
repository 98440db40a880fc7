"""``exante synth --config FILE``: build the SFT data set of Ex-Ante traces (docs/synth.md)."""

from __future__ import annotations

import argparse

from exante.cli_util import add_job_command
from exante.synth.config import SynthConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    add_job_command(
        subparsers, "synth", SynthConfig, "exante.synth.pipeline:run_synth",
        summary=("accepted", "rejected", "by_kind", "unsafe_share", "seconds"),
        outputs=("sft.jsonl", "rejected.jsonl", "stats.json", "config.yaml"),
        help="synthesize Ex-Ante reasoning traces (SFT data) from prompts and a teacher",
        description="Write <out>/sft.jsonl (chat records whose assistant turn is a validated Ex-Ante trace), "
        "rejected.jsonl (prompts filtered out, with the reason), stats.json and the resolved config.yaml. "
        "Teachers: compose (offline, deterministic), openai (any chat-completions endpoint), hf (local model). "
        "An interrupted run resumes where it stopped.",
    )
