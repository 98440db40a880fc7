"""``exante data list | show | export``: inspect the prompt sources and write prompt sets as JSONL."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from exante.config import add_config_args, config_from_args
from exante.data.config import DataConfig
from exante.data.records import KINDS, SPLITS


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "data", help="prompt sources, jailbreak augmentation and train/dev/test splits",
        description="Prompt sources (harmful, jailbreak, borderline, benign, and eval-only sets that are "
        "never in train), de-duplicated and split by group so that no test prompt or wrapped variant of it "
        "reaches training. See docs/data.md.",
    )
    actions = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="every source with counts by kind and split")
    listing.add_argument("--by", metavar="FIELD",
                         help="instead: counts per source and value of FIELD, by split; FIELD is a record field "
                         "(category, attack) or a meta key (contrast_type)")
    _common(listing, sources_help="your own sources to include (files or hf:ORG/NAME[:split])")
    listing.set_defaults(func=_list)

    show = actions.add_parser("show", help="print a few records of one source")
    show.add_argument("source", help="a built-in source name, a .jsonl/.csv/.parquet file or hf:ORG/NAME[:split]")
    show.add_argument("--n", type=int, default=5, help="how many records (default: 5)")
    show.add_argument("--split", choices=SPLITS, help="only this split")
    _common(show, sources=False)
    show.set_defaults(func=_show)

    export = actions.add_parser("export", help="write records as JSONL (atomically), with the resolved config beside")
    export.add_argument("--out", type=Path, required=True, help="output FILE.jsonl")
    export.add_argument("--split", choices=SPLITS, help="only this split (default: all, each record has 'split')")
    export.add_argument("--kinds", nargs="+", choices=KINDS, help="only these kinds")
    _common(export, sources_help="sources to export (default: every built-in source)")
    export.set_defaults(func=_export)


def _common(parser: argparse.ArgumentParser, sources: bool = True, sources_help: str = "") -> None:
    if sources:
        parser.add_argument("--sources", nargs="+", metavar="SOURCE", help=sources_help)
    parser.add_argument("--map", dest="mapping", metavar="FIELD=COLUMN,...",
                        help="for your own files: which columns hold prompt, category, kind, attack "
                        "(e.g. prompt=question,category=type)")
    parser.add_argument("--kind", choices=KINDS, help="kind of every record in your own files (unless --map maps kind)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    add_config_args(parser, DataConfig)


def _prompt_set(args: argparse.Namespace, specs: list[str] | None):
    from exante.data.registry import build_prompt_set, resolve_sources

    names, users = resolve_sources(specs, args.mapping, args.kind)
    return names, build_prompt_set(config_from_args(DataConfig, args), users)


def _list(args: argparse.Namespace) -> int:
    from exante.data.registry import SOURCES

    _, prompt_set = _prompt_set(args, args.sources)
    if args.by:
        return _list_by(prompt_set, args.by, args.json)
    rows = {name: {"kind": SOURCES[name].kind if name in SOURCES else "user", **counts}
            for name, counts in prompt_set.counts.items()}
    if args.json:
        print(json.dumps({"sources": rows, "templates": prompt_set.templates,
                          "seconds": round(prompt_set.seconds, 2)}, indent=2))
        return 0
    header = f"{'source':<24}{'kind':<11}{'raw':>6}{'kept':>6}{'dups':>6}" + "".join(f"{s:>7}" for s in SPLITS)
    print(header)
    for name, row in rows.items():
        print(f"{name:<24}{row['kind']:<11}{row['raw']:>6}{row['kept']:>6}{row['duplicates'] + row['dropped']:>6}"
              + "".join(f"{row['by_split'][s]:>7}" for s in SPLITS))
    totals = {s: sum(r["by_split"][s] for r in rows.values()) for s in SPLITS}
    print(f"{'total':<35}{sum(r['raw'] for r in rows.values()):>6}{sum(r['kept'] for r in rows.values()):>6}{'':>6}"
          + "".join(f"{totals[s]:>7}" for s in SPLITS))
    for family, stats in prompt_set.templates.items():
        print(f"templates {family}: {stats['found']} found, {stats['too_long']} over the length cap, "
              f"{stats['held_out']} held out for test")
    print(f"built in {prompt_set.seconds:.1f} s")
    return 0


def _list_by(prompt_set, field: str, as_json: bool) -> int:
    table: dict[str, dict[str, dict[str, int]]] = {}  # source → value → split → count
    for r in prompt_set.records:
        value = r[field] if field in r else r["meta"].get(field)
        if value is not None:
            row = table.setdefault(r["source"], {}).setdefault(str(value), dict.fromkeys(SPLITS, 0))
            row[r["split"]] += 1
    if as_json:
        print(json.dumps({"by": field, "sources": table}, indent=2))
        return 0
    if not table:
        print(f"no record has a field or meta key {field!r}")
        return 0
    width = max(len(field), *(len(v) for values in table.values() for v in values)) + 2
    print(f"{'source':<24}{field:<{width}}" + "".join(f"{s:>7}" for s in SPLITS))
    for source, values in table.items():
        for value, row in sorted(values.items()):
            print(f"{source:<24}{value:<{width}}" + "".join(f"{row[s]:>7}" for s in SPLITS))
    return 0


def _show(args: argparse.Namespace) -> int:
    names, prompt_set = _prompt_set(args, [args.source])
    records = prompt_set.select(names, args.split)[: max(args.n, 0)]
    if args.json:
        print(json.dumps(records, indent=2, ensure_ascii=False))
        return 0
    for r in records:
        attack = f" attack={r['attack']}" if r["attack"] else ""
        print(f"[{r['split']}] {r['id']} kind={r['kind']} category={r['category']}{attack}")
        text = r["prompt"] if len(r["prompt"]) <= 400 else r["prompt"][:400] + f"… ({len(r['prompt'])} chars)"
        print("  " + text.replace("\n", "\n  ") + "\n")
    return 0


def _export(args: argparse.Namespace) -> int:
    from exante.config import save_resolved
    from exante.data.builtin import package_versions
    from exante.io import write_jsonl

    names, prompt_set = _prompt_set(args, args.sources)
    records = prompt_set.select(names or None, args.split, args.kinds)
    write_jsonl(args.out, records)
    config_path = args.out.with_name(args.out.name + ".config.yaml")
    save_resolved(config_from_args(DataConfig, args), config_path)
    summary = {
        "out": str(args.out),
        "config": str(config_path),
        "records": len(records),
        "by_split": {s: sum(r["split"] == s for r in records) for s in SPLITS},
        "by_kind": {k: sum(r["kind"] == k for r in records) for k in KINDS},
        "packages": package_versions(),
    }
    print(json.dumps(summary, indent=2) if args.json else f"wrote {len(records)} records to {args.out}")
    return 0
