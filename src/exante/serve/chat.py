"""``exante chat``: talk to a model from the terminal, one prompt or an interactive session.

A reply that is an Ex-Ante trace is shown as its answer, with the reasoning before it only
under ``--show-reasoning``; any other reply is shown as it is. With ``--rules FILE`` a trace
is also checked against that rulebook and its problems are printed as a note (stderr).
In the interactive session the history keeps each reply's answer only: the reasoning of
earlier turns is not fed back to the model.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TextIO

log = logging.getLogger(__name__)
EXIT_COMMAND = "/exit"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "chat",
        help="chat with a model; shows an Ex-Ante trace's answer (and, if asked, its reasoning)",
        description="Talk to a model from the terminal: one prompt, or an interactive session. A reply that is an "
        "Ex-Ante trace shows its answer, and its reasoning with --show-reasoning.",
    )
    parser.add_argument("prompt", nargs="?", help="the message; without it, an interactive session reads "
                        f"one message per line from stdin until EOF or {EXIT_COMMAND}")
    parser.add_argument("--model", default="smollm2-135m-instruct", metavar="SPEC",
                        help="built-in name, local checkpoint or adapter directory, or hub id (default: %(default)s)")
    parser.add_argument("--rules", metavar="FILE", help="rulebook YAML to check trace replies against")
    parser.add_argument("--show-reasoning", action="store_true", help="print a trace's reasoning before its answer")
    parser.add_argument("--max-new-tokens", type=int, default=256, metavar="N", help="reply length limit in tokens (default: %(default)s)")
    parser.add_argument("--temperature", type=float, default=0.0, metavar="T", help="0 is greedy (default: %(default)s)")
    parser.add_argument("--repetition-penalty", type=float, default=1.1, metavar="R",
                        help="above 1 keeps small models out of loops; 1 is off (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="sampling seed (default: %(default)s)")
    parser.add_argument("--system", metavar="TEXT", help="system message (default: the chat template's own)")
    parser.add_argument("--dtype", default="auto", help="auto, bf16 or fp32 (default: %(default)s)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from exante.rules import load_rulebook

    rulebook = load_rulebook(args.rules) if args.rules else None  # a bad rulebook fails before the model loads
    session = ChatSession.from_args(args, rulebook)
    if args.prompt is not None:
        session.reply(args.prompt, sys.stdout)
    else:
        repl(session, sys.stdin, sys.stdout)
    return 0


def repl(session: "ChatSession", lines: TextIO, out: TextIO) -> None:
    """Reply to one message per line until EOF or the exit command; blank lines are skipped."""
    interactive = lines.isatty()
    while True:
        if interactive:
            print("> ", end="", file=sys.stderr, flush=True)
        line = lines.readline()
        if not line or line.strip() == EXIT_COMMAND:
            return
        if line.strip():
            session.reply(line.strip(), out)


class ChatSession:
    """A generation backend, the generation settings and the conversation so far."""

    def __init__(self, backend, params, *, show_reasoning: bool = False, rulebook=None, system: str | None = None):
        self.backend = backend
        self.params = params
        self.show_reasoning = show_reasoning
        self.rulebook = rulebook
        self.history: list[dict] = [{"role": "system", "content": system}] if system else []

    @classmethod
    def from_args(cls, args: argparse.Namespace, rulebook=None) -> "ChatSession":
        from transformers.utils import logging as hf_logging

        from exante.models import GenerationParams, HFBackend, load_model

        hf_logging.disable_progress_bar()  # weight-loading bars would interleave with the conversation
        backend = HFBackend(load_model(args.model, dtype=args.dtype), progress=False)
        params = GenerationParams(max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                                  repetition_penalty=args.repetition_penalty, seed=args.seed, batch_size=1)
        return cls(backend, params, show_reasoning=args.show_reasoning, rulebook=rulebook, system=args.system)

    def reply(self, message: str, out: TextIO) -> str:
        """Generate the reply to ``message``, print it to ``out``, and return its answer."""
        from exante.reasoning import strip_reasoning

        self.history.append({"role": "user", "content": message})
        generation = self.backend.generate([self.history], self.params)[0]
        log.debug("%d prompt + %d completion tokens in %.2f s (%.1f tokens/s, %s)", generation.prompt_tokens,
                  generation.completion_tokens, generation.latency_s, generation.tokens_per_s, generation.finish_reason)
        reasoning, answer = strip_reasoning(generation.text)
        if reasoning is not None and self.show_reasoning:
            print(f"[reasoning]\n{reasoning}\n[answer]", file=out)
        print(answer, file=out, flush=True)
        if reasoning is not None and not answer:
            print(f"note: the reply ended inside its reasoning ({generation.finish_reason}); "
                  "try a larger --max-new-tokens or --show-reasoning", file=sys.stderr)
        if reasoning is not None and self.rulebook is not None:
            for problem in self.trace_problems(generation.text):
                print(f"note: {problem}", file=sys.stderr)
        self.history.append({"role": "assistant", "content": answer})
        return answer

    def trace_problems(self, text: str) -> list[str]:
        """Format problems of a trace reply, or, when it is well-formed, its problems against the rulebook."""
        from exante.reasoning import parse_lenient, validate_trace

        parsed = parse_lenient(text)
        return list(parsed.problems) if parsed.problems else list(validate_trace(parsed.to_trace(), self.rulebook))
