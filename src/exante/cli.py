"""The ``exante`` command: one sub-command per pipeline stage.

Each stage module exposes ``register(subparsers)``, which adds its parser and sets
``func(args) -> int | None``. Stage modules keep heavy imports (torch, transformers) inside
their functions so that ``exante --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from exante import __version__
from exante.errors import ExanteError

# In pipeline order: rules → reasoning → data → synth → train → pairs → judge → eval → serve.
STAGE_MODULES = [
    "exante.rules.cli",
    "exante.data.cli",
    "exante.synth.cli",
    "exante.train.cli",
    "exante.pairs.cli",  # the preference data dpo trains on
    "exante.iterate.cli",  # stage 3: on-policy rounds of sampling, reward, pairs and DPO
    "exante.steps.cli",  # step-level PO: alternative next steps valued by roll-outs
    "exante.judge.cli",
    "exante.eval.cli",
    "exante.probe.cli",  # can the model tell? a probe on its hidden states
    "exante.serve.chat",
    "exante.serve.cli",  # the OpenAI-compatible server
    "exante.pipeline.cli",  # quickstart and run RECIPE: the stages above, chained
    "exante.compare.cli",  # one report across recipe runs
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="exante",
        description="Reasoning-based safety alignment for LLMs: rulebook, Ex-Ante traces, "
        "synthesis, SFT, preference optimization, evaluation, serving.",
    )
    parser.add_argument("--version", action="version", version=f"exante {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in STAGE_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def setup_logging(verbose: bool = False, quiet: bool = False) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%H:%M:%S")
    for noisy in ("httpx", "urllib3", "filelock", "huggingface_hub", "datasets"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose, args.quiet)
    try:
        status = args.func(args)
    except ExanteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return int(status or 0)


if __name__ == "__main__":
    sys.exit(main())
