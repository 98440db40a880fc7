"""`exante judge list | validate | run`: the judges, their agreement with human labels, and judging files."""

from __future__ import annotations

import argparse
import json
import sys

from exante.config import add_config_args, config_from_args
from exante.errors import ExanteError
from exante.io import atomic_write_json, read_jsonl, write_jsonl


def register(subparsers: argparse._SubParsersAction) -> None:
    from exante.judge.base import JudgeConfig

    parser = subparsers.add_parser(
        "judge", help="refusal, harm and trace judges: list, validate against human labels, run on JSONL",
        description="Judges answer one question about a (prompt, response) pair as a verdict "
        "{label, score, rationale}. See docs/judge.md.")
    actions = parser.add_subparsers(dest="judge_action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="list the judges by name and task")
    listing.set_defaults(func=_list)

    validate = actions.add_parser(
        "validate", help="measure judges against PyRIT's human-labelled refusal and harm sets",
        description="Per file and pooled: n, accuracy, precision, recall, F1 and confusion matrix, with "
        "naive baselines (* in the table) beside each judge. Without --judge, every judge that needs no "
        "server is measured.")
    validate.add_argument("--judge", action="extend", nargs="+", metavar="NAME", help="judge(s) to measure")
    validate.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    validate.add_argument("--out", metavar="FILE", help="also write the rows as JSON to FILE")
    add_config_args(validate, JudgeConfig)
    validate.set_defaults(func=_validate)

    train = actions.add_parser(
        "train", help="refit the classifier heads from the project's own data files",
        description="Refit every learned head (refusal style/relevance, sentence stance, harm request/"
        "substance, harm sentence/graded) from src/exante/judge/data/*.yaml, choosing C and thresholds on its dev split, and "
        "cache them. --ship also writes data/heads.jsonl, the heads shipped with the package.")
    train.add_argument("--ship", action="store_true", help="write the package's data/heads.jsonl (maintainers)")
    train.set_defaults(func=_train)

    run = actions.add_parser(
        "run", help="judge JSONL records {prompt, response} and write them back with a verdict",
        description="Each output record is the input record plus 'judge' and 'verdict' "
        "({label, score, rationale}). The trace judge also reads 'kind' and 'category' when present.")
    run.add_argument("--judge", required=True, metavar="NAME", help="judge name (see `exante judge list`)")
    run.add_argument("--in", dest="input", required=True, metavar="FILE", help="JSONL with prompt and response fields")
    run.add_argument("--out", metavar="FILE", help="output JSONL (default: standard output)")
    add_config_args(run, JudgeConfig)
    run.set_defaults(func=_run)


def _list(args: argparse.Namespace) -> int:
    from exante.judge.base import judge_names, judge_summary

    for name in sorted(judge_names(), key=lambda n: judge_summary(n)[0]):
        task, summary = judge_summary(name)
        print(f"{name:20s} {task:8s} {summary}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from exante.judge.base import JudgeConfig
    from exante.judge.validate import format_table, validate

    rows = validate(args.judge, config_from_args(JudgeConfig, args))
    records = [r.to_dict() for r in rows]
    if args.out:
        atomic_write_json(args.out, records)
    print(json.dumps(records, indent=2) if args.json else format_table(rows))
    return 0


def _train(args: argparse.Namespace) -> int:
    from exante.judge.store import fit_all

    for record in fit_all(ship=args.ship):
        head = record["head"]
        print(f"{record['name']:18s} key {record['key']}  threshold {head['threshold']}  {head['info']}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from exante.judge.base import JudgeConfig, make_judge

    records = list(read_jsonl(args.input))
    for lineno, record in enumerate(records, start=1):
        missing = [f for f in ("prompt", "response") if not isinstance(record.get(f), str)]
        if missing:
            raise ExanteError(f"{args.input}: record {lineno}: field(s) {', '.join(missing)} missing or not a string")
    judge = make_judge(args.judge, config_from_args(JudgeConfig, args))
    verdicts = judge.judge_records(records)
    judged = [{**r, "judge": args.judge, "verdict": v.to_dict()} for r, v in zip(records, verdicts)]
    if args.out:
        write_jsonl(args.out, judged)
    else:
        sys.stdout.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in judged)
    return 0
