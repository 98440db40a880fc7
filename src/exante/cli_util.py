"""Sub-commands whose flags are the fields of a stage's typed config (``exante.config``)."""

from __future__ import annotations

import argparse
import functools
import importlib
import json
from typing import Any, Callable

from exante.config import add_config_args, config_from_args


def add_config_command(subparsers: argparse._SubParsersAction, name: str, cls: type,
                       func: Callable[[argparse.Namespace], int | None], **parser_kwargs: Any) -> argparse.ArgumentParser:
    """Sub-command ``name`` with ``--config FILE`` and one flag per field of ``cls``; ``func(args)`` runs it."""
    parser = subparsers.add_parser(name, **parser_kwargs)
    add_config_args(parser, cls)
    parser.set_defaults(func=func, config_class=cls)  # config_class: lets tests load every shipped YAML
    return parser


def add_job_command(subparsers: argparse._SubParsersAction, name: str, cls: type, runner: str, *,
                    summary: tuple[str, ...], outputs: tuple[str, ...], **parser_kwargs: Any) -> argparse.ArgumentParser:
    """A data-building job such as ``exante synth``: ``runner`` ("module:function", imported only when the
    command runs, so ``exante --help`` stays light) takes the config and ``progress=`` and returns its
    stats; the command prints the ``summary`` keys of the stats and the ``outputs`` written to ``config.out``."""
    return add_config_command(subparsers, name, cls, functools.partial(_run_job, cls, runner, summary, outputs),
                              **parser_kwargs)


def _run_job(cls: type, runner: str, summary: tuple[str, ...], outputs: tuple[str, ...],
             args: argparse.Namespace) -> int:
    module, function = runner.split(":")
    config = config_from_args(cls, args)
    stats = getattr(importlib.import_module(module), function)(config, progress=not getattr(args, "quiet", False))
    print(json.dumps({key: stats[key] for key in summary}, indent=1))
    print(f"wrote {config.out}/{', '.join(outputs)}")
    return 0
