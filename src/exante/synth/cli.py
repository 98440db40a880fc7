"""``exante synth --config FILE``: build the SFT data set of Ex-Ante traces (docs/synth.md)."""

from __future__ import annotations

import argparse
import json

from exante.config import add_config_args, config_from_args
from exante.synth.config import SynthConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "synth",
        help="synthesize Ex-Ante reasoning traces (SFT data) from prompts and a teacher",
        description="Write <out>/sft.jsonl (chat records whose assistant turn is a validated Ex-Ante trace), "
        "rejected.jsonl (prompts filtered out, with the reason), stats.json and the resolved config.yaml. "
        "Teachers: compose (offline, deterministic), openai (any chat-completions endpoint), hf (local model). "
        "An interrupted run resumes where it stopped.",
    )
    add_config_args(parser, SynthConfig)
    parser.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    from exante.synth.pipeline import run_synth

    config = config_from_args(SynthConfig, args)
    stats = run_synth(config, progress=not getattr(args, "quiet", False))
    summary = {k: stats[k] for k in ("accepted", "rejected", "by_kind", "unsafe_share", "seconds")}
    print(json.dumps(summary, indent=1))
    print(f"wrote {config.out}/sft.jsonl, rejected.jsonl, stats.json, config.yaml")
    return 0
