"""`exante rules show` and `exante rules validate`: read, list and check rulebooks."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from exante.errors import ExanteError
from exante.rules.render import render_rule, render_rulebook, render_table
from exante.rules.schema import COMPLYING_PATHS, HAZARD_AREAS, Rulebook, load_rulebook


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rules",
        help="show or validate a safety rulebook",
        description="The rulebook every Ex-Ante trace cites. Without a FILE the default rulebook "
        "shipped with exante is used.",
    )
    actions = parser.add_subparsers(dest="rules_action", metavar="ACTION", required=True)

    show = actions.add_parser(
        "show",
        help="list the rules, or show one rule in full",
        description="List the rules as a table (id, area, default path, title), or show one rule in full. "
        "Arguments ending in .yaml/.yml or naming an existing file are read as the rulebook; "
        "any other argument is a rule id.",
    )
    show.add_argument("targets", nargs="*", metavar="FILE|ID", help="a rulebook file and/or a rule id")
    show.add_argument("--rules", metavar="FILE", help="rulebook YAML (default: the shipped one)")
    show.add_argument("--rule", metavar="ID", help="show this rule in full")
    show.add_argument("--area", choices=HAZARD_AREAS, metavar="AREA",
                      help=f"only rules of this hazard area ({', '.join(HAZARD_AREAS)})")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.add_argument("--summary", action="store_true",
                      help="the compact one-line-per-rule summary used in prompts")
    show.set_defaults(func=_show)

    validate = actions.add_parser(
        "validate",
        help="check a rulebook file; exit 2 with a one-line error if it is invalid",
        description="Validate a rulebook (the default one when FILE is omitted) and print a one-line "
        "summary; warnings note rules that synthesis and retrieval cannot use well.",
    )
    validate.add_argument("file", nargs="?", metavar="FILE", help="rulebook YAML (default: the shipped one)")
    validate.add_argument("--rules", metavar="FILE", help="same as FILE")
    validate.set_defaults(func=_validate)


def _is_file_arg(text: str) -> bool:
    return text.endswith((".yaml", ".yml")) or Path(text).is_file()


def _rulebook_and_rule(args: argparse.Namespace) -> tuple[Rulebook, str | None]:
    files = [t for t in args.targets if _is_file_arg(t)] + ([args.rules] if args.rules else [])
    ids = [t for t in args.targets if not _is_file_arg(t)] + ([args.rule] if args.rule else [])
    if len(files) > 1 or len(ids) > 1:
        raise ExanteError(
            f"rules show: expected at most one rulebook file and one rule id, got files {files} and ids {ids}"
        )
    return load_rulebook(files[0] if files else None), (ids[0] if ids else None)


def _show(args: argparse.Namespace) -> int:
    rulebook, rule_id = _rulebook_and_rule(args)
    if rule_id is not None:
        rule = rulebook.get(rule_id)
        print(json.dumps(rule.to_dict(), indent=2, ensure_ascii=False) if args.json else render_rule(rule))
        return 0
    rules = rulebook.by_area(args.area) if args.area else list(rulebook.rules)
    if args.json:
        # A plain rulebook (no extra keys), so the output can be saved and edited as a new rulebook.
        data = rulebook.to_dict() | {"rules": [r.to_dict() for r in rules]}
        print(json.dumps(data, indent=2, ensure_ascii=False))
    elif args.summary:
        print(render_rulebook(rulebook, [r.id for r in rules]))
    else:
        print(f"{rulebook.name} {rulebook.version} ({rulebook.source}): {len(rules)} rules")
        print(render_table(rules))
    return 0


def _warnings(rulebook: Rulebook) -> list[str]:
    """Rules that validate but serve synthesis and retrieval poorly."""
    out = []
    for rule in rulebook.rules:
        answered = [e for e in rule.examples if e.path in COMPLYING_PATHS]
        if not answered:
            out.append(f"rule {rule.id!r}: no example that is answered (comply or comply_with_safety_framing)")
        if not rule.guards_over_refusal and len(answered) == len(rule.examples):
            out.append(f"rule {rule.id!r}: no violating example (refuse_and_redirect or partial_comply)")
        if not rule.keywords:
            out.append(f"rule {rule.id!r}: no keywords, so lexical retrieval will never find it")
    return out


def _validate(args: argparse.Namespace) -> int:
    if args.file and args.rules and args.file != args.rules:
        raise ExanteError(f"rules validate: got two files, {args.file} and {args.rules}; pass one")
    rulebook = load_rulebook(args.file or args.rules)
    for warning in _warnings(rulebook):
        print(f"warning: {rulebook.source}: {warning}", file=sys.stderr)
    guards = sum(r.guards_over_refusal for r in rulebook.rules)
    print(
        f"OK {rulebook.source}: {rulebook.name} version {rulebook.version}, {len(rulebook.rules)} rules, "
        f"{len(rulebook.hazard_areas())} hazard areas, {guards} over-refusal guards"
    )
    return 0
