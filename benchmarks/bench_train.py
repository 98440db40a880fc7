"""Training throughput: exante's ``sft`` / ``dpo`` against stock TRL ``SFTTrainer`` / ``DPOTrainer``, same run.

    python benchmarks/bench_train.py --stage {sft,dpo,both} [--model SPEC] [--data FILE] [--pairs FILE]
        [--batch-size 8] [--steps 4] [--variants trl ours ...] [--repeats 1] [--threads N] [--out DIR]

Every variant trains the same model on the same examples in the same batches (same batch size,
learning rate, schedule, precision policy; DPO: the sigmoid loss with the same β and precomputed
reference log-probs), each in a fresh process. Reported per variant: tokens/s and step time over
the steps after the first, reference-scoring time (DPO), peak RSS, MFU and the per-step losses,
which must agree with TRL's within ``TOLERANCE`` where the batches are the same; ratios are to
``trl``. Results go to ``<out>/train.json`` and ``<out>/train.md``. See docs/benchmarks.md.

Data: ``--data`` (SFT conversations) and ``--pairs`` (preference pairs, e.g. runs/pairs/pairs.jsonl),
else a deterministic generated set (Ex-Ante traces, lengths as in the offline synth output;
``--prefix-share`` makes each rejected response start with that fraction of the chosen one,
as step pairs do). The examples are put in length-grouped order (what ``group_by_length``
does, by character length) and every variant reads them in that order; ``ours_random``
reads them shuffled instead, to show what grouping is worth.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
from pathlib import Path

from common import machine, markdown_table, run_worker, write_report
from train_workers import VARIANTS

from exante.io import read_jsonl, write_jsonl
from exante.reasoning import RuleVerdict, Trace, render_trace

WORKER = Path(__file__).with_name("train_workers.py")
# |Δ loss| allowed between a variant and TRL at the same step: float rounding in fp32 (the two
# compute the same sums in another order), bf16 rounding of activations under autocast
TOLERANCE = {"float32": 1e-4, "bfloat16": 2e-2}
WORDS = ("the user asks for help with a task and the request is checked against the rules for "
         "intent context risk signals such as role play or fake authority before a path is chosen").split()
OBJECTIVES = ("safety", "usefulness", "efficiency")


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def trace(rng: random.Random) -> str:
    return render_trace(Trace(
        assessment=sentence(rng, rng.randint(20, 60)),
        verifications=[RuleVerdict("violent_crime.weapons", "not_violated", reason="nothing disallowed")],
        path="comply", plan=sentence(rng, rng.randint(3, 12)), answer=sentence(rng, int(rng.lognormvariate(4.3, 0.9)))))


def prompt(rng: random.Random) -> list[dict]:
    return [{"role": "user", "content": sentence(rng, int(rng.lognormvariate(4.1, 0.9)) + 5)}]


def synthetic_conversations(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    return [{"id": f"bench{i}", "messages": [*prompt(rng), {"role": "assistant", "content": trace(rng)}]} for i in range(n)]


def synthetic_pairs(n: int, prefix_share: float, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    pairs = []
    for i in range(n):
        chosen, other = trace(rng), trace(rng)
        cut = int(prefix_share * len(chosen))
        pairs.append({"id": f"pair{i}", "prompt": prompt(rng), "objective": OBJECTIVES[i % 3],
                      "chosen": [{"role": "assistant", "content": chosen}],
                      "rejected": [{"role": "assistant", "content": chosen[:cut] + other[cut:]}]})
    return pairs


def characters(record: dict) -> int:
    messages = record.get("messages") or [*record["prompt"], *record["chosen"], *record["rejected"]]
    return sum(len(m["content"]) for m in messages)


def ordered(records: list[dict], order: str, batch_size: int, seed: int = 0) -> list[dict]:
    """``shuffled``, or ``grouped``: shuffled, then longest first within mega-batches of 50 batches, as
    transformers' length-grouped sampler orders them."""
    records = list(records)
    random.Random(seed).shuffle(records)
    if order == "shuffled":
        return records
    mega = 50 * batch_size
    return [r for i in range(0, len(records), mega) for r in sorted(records[i : i + mega], key=characters, reverse=True)]


def compare_losses(results: list[dict]) -> dict[str, float | None]:
    """Per variant, the largest |Δ loss| to trl's at the same step (None: other batches, or no trl run)."""
    base = next((r for r in results if r["variant"] == "trl"), None)
    worst = {}
    for r in results:
        same_batches = base is not None and VARIANTS[r["stage"]][r["variant"]][1] == "grouped"
        worst[r["variant"]] = max(abs(a - b) for a, b in zip(r["losses"], base["losses"])) if same_batches else None
    return worst


def summarise(stage: str, results: list[dict]) -> tuple[list[dict], str]:
    """One row per variant (medians over repeats) and the Markdown table with ratios to trl."""
    rows = []
    for variant in dict.fromkeys(r["variant"] for r in results):
        runs = [r for r in results if r["variant"] == variant]
        median = {k: statistics.median(r[k] for r in runs) if runs[0][k] is not None else None
                  for k in ("tok_per_s", "step_s", "reference_s", "peak_rss_mb", "mfu")}
        rows.append({"variant": variant, "precision": runs[0]["precision"], **median, "losses": runs[0]["losses"]})
    worst = compare_losses([r for r in results if r["repeat"] == 0])
    base = next((r for r in rows if r["variant"] == "trl"), None)
    table = []
    for row in rows:
        row["max_loss_diff"] = worst[row["variant"]]
        ratio = f"×{row['tok_per_s'] / base['tok_per_s']:.2f}" if base else "–"
        ref_ratio = (f"×{base['reference_s'] / row['reference_s']:.2f}" if base and row["reference_s"] else "–")
        diff = "–" if row["max_loss_diff"] is None else (
            f"{row['max_loss_diff']:.1e} {'ok' if row['max_loss_diff'] <= TOLERANCE[row['precision']] else 'OVER'}")
        table.append([row["variant"], row["precision"], f"{row['tok_per_s']:.1f}", ratio, f"{row['step_s']:.2f}",
                      "–" if row["reference_s"] is None else f"{row['reference_s']:.1f}", ref_ratio,
                      f"{row['peak_rss_mb']:.0f}", f"{100 * row['mfu']:.2f}", diff,
                      " ".join(f"{loss:.4f}" for loss in row["losses"])])
    headers = ["variant", "precision", "tokens/s", "vs trl", "step s", "reference s", "ref vs trl", "peak RSS MiB",
               "MFU %", "max |Δloss| vs trl", "loss per step"]
    return rows, f"### {stage}\n\n" + markdown_table(headers, table)


def data_records(stage: str, args) -> list[dict]:
    if stage == "sft":
        return list(read_jsonl(args.data)) if args.data else synthetic_conversations(args.examples)
    return list(read_jsonl(args.pairs)) if args.pairs else synthetic_pairs(args.examples, args.prefix_share)


def run_stage(stage: str, args, workdir: Path) -> tuple[list[dict], list[dict], str]:
    records = [r for r in data_records(stage, args) if r.get("split", "train") == "train"]
    files = {}
    for order in ("grouped", "shuffled"):
        files[order] = str(workdir / f"{stage}-{order}.jsonl")
        write_jsonl(files[order], ordered(records, order, args.batch_size))
    results = []
    for repeat in range(args.repeats):
        for variant in args.variants:
            if variant not in VARIANTS[stage]:
                continue
            spec = {"stage": stage, "variant": variant, "repeat": repeat, "model": args.model,
                    "data_file": files[VARIANTS[stage][variant][1]], "batch_size": args.batch_size,
                    "steps": args.steps, "max_length": args.max_length, "precision": args.precision,
                    "learning_rate": args.learning_rate or (3e-5 if stage == "sft" else 5e-6), "beta": args.beta,
                    "reference_batch_size": args.reference_batch_size, "seed": args.seed, "workdir": str(workdir)}
            results.append(run_worker(WORKER, spec, workdir, args.threads))
            r = results[-1]
            print(f"[{stage} {repeat + 1}/{args.repeats}] {variant:20s} {r['tok_per_s']:8.1f} tok/s  "
                  f"{r['step_s']:6.2f} s/step  reference {r['reference_s'] or 0:6.1f} s  "
                  f"RSS {r['peak_rss_mb']:.0f} MiB  losses {[round(x, 4) for x in r['losses']]}", flush=True)
    rows, table = summarise(stage, results)
    return results, rows, table


def parse_args(argv=None):
    variants = sorted({v for stage in VARIANTS.values() for v in stage})
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stage", choices=["sft", "dpo", "both"], default="both")
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--data", help="SFT JSONL (default: generated conversations)")
    parser.add_argument("--pairs", help="preference pairs JSONL, e.g. runs/pairs/pairs.jsonl (default: generated pairs)")
    parser.add_argument("--examples", type=int, default=64, help="generated conversations / pairs")
    parser.add_argument("--prefix-share", type=float, default=0.0, help="generated pairs: share of the chosen response "
                        "that starts the rejected one (0.5: step pairs with half their response in common)")
    parser.add_argument("--batch-size", type=int, default=8, help="sequences (SFT) or pairs (DPO) per step")
    parser.add_argument("--steps", type=int, default=4, help="measured steps (after one warm-up step)")
    parser.add_argument("--max-length", type=int, default=1024)
    parser.add_argument("--learning-rate", type=float, help="default 3e-5 (SFT), 5e-6 (DPO)")
    parser.add_argument("--beta", type=float, default=0.1, help="DPO β (both trainers)")
    parser.add_argument("--reference-batch-size", type=int, default=16, help="pairs per reference-scoring batch (both)")
    parser.add_argument("--precision", default="auto", choices=["auto", "bf16", "fp32"], help="for trl and ours")
    parser.add_argument("--variants", nargs="+", default=["trl", "ours"], choices=variants,
                        help="variants of each stage (those a stage lacks are skipped)")
    parser.add_argument("--repeats", type=int, default=1, help="round-robin repeats (medians are reported)")
    parser.add_argument("--threads", type=int, help="OMP_NUM_THREADS of each variant's process (default: all cores)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", default="runs/bench", help="folder for train.json and train.md")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    stages = ["sft", "dpo"] if args.stage == "both" else [args.stage]
    host = machine()
    print(f"machine: {host}")
    payload, tables = {"machine": host, "settings": vars(args), "tolerance": TOLERANCE}, []
    with tempfile.TemporaryDirectory() as workdir:
        for stage in stages:
            results, rows, table = run_stage(stage, args, Path(workdir))
            payload[stage] = {"runs": results, "summary": rows}
            tables.append(table)
    header = (f"Model {args.model}, batch {args.batch_size}, {args.steps} measured steps, {host['cpu']} "
              f"({host['cores']} cores, native bf16: {host['native_bf16']}, GPU: {host['gpu'] or 'none'}), "
              f"load average {host['load_avg']} at the start.")
    write_report(args.out, "train", payload, header + "\n\n" + "\n\n".join(tables))


if __name__ == "__main__":
    main()
