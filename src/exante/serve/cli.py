"""``exante serve``: serve a model over an OpenAI-compatible API (docs/serve.md)."""

from __future__ import annotations

import argparse

from exante.cli_util import add_config_command
from exante.config import config_from_args
from exante.serve.config import ServeConfig

EPILOG = """examples:
  exante serve --model runs/dpo --port 8000
  exante serve --config configs/serve.yaml --api-key-env EXANTE_SERVE_API_KEY
  exante serve --model runs/sft --reasoning-format none    # whole replies: for eval/pairs sampling through it
  curl http://127.0.0.1:8000/v1/chat/completions -H 'Content-Type: application/json' \\
    -d '{"model": "runs/dpo", "messages": [{"role": "user", "content": "Hi"}]}'"""


def register(subparsers) -> None:
    add_config_command(
        subparsers, "serve", ServeConfig, main,
        help="serve a model over an OpenAI-compatible API (reasoning in reasoning_content)",
        description="Serve a model at /v1/chat/completions (plain and streaming), /v1/models and /health. An Ex-Ante "
        "trace's reasoning goes to reasoning_content, its answer to content.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def main(args: argparse.Namespace) -> int:
    from exante.serve.server import serve

    serve(config_from_args(ServeConfig, args))
    return 0
