"""``exante compare RUN_DIR... --out DIR``: one report across recipe runs."""

from __future__ import annotations

import argparse

from exante.cli_util import add_config_command
from exante.compare.config import CompareConfig
from exante.config import config_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_config_command(
        subparsers, "compare", CompareConfig, _main,
        help="one report across runs of `exante run`: figures with intervals, safety vs over-refusal and vs "
        "reasoning tokens, wall time per recipe, the sample browser",
        description="Read each run's eval report and samples (the last eval stage of a run folder, or an eval "
        "folder), and write <out>/compare.md, compare.json, compare.html (the eval report's tables and figures "
        "with a column per run, paired tests against the first column, the sample browser across runs) and the "
        "figures as PNG files.",
        epilog="example:\n  exante compare runs/base-quick runs/safety-sft-quick runs/erpo-quick --out runs/compare",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("run_dirs", nargs="*", metavar="RUN_DIR", help="run folders (or eval folders)")


def _main(args: argparse.Namespace) -> int:
    from exante.compare.report import write_comparison

    args.runs = [*(args.runs or []), *args.run_dirs] or None
    paths = write_comparison(config_from_args(CompareConfig, args))
    print(paths["md"].read_text(encoding="utf-8"))
    print(f"wrote {paths['md']}, {paths['json']}, {paths['html']} and {len(paths) - 3} figures")
    return 0
