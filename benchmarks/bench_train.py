"""SFT training throughput: our ``exante sft`` setup against stock TRL ``SFTTrainer``, same run.

    python benchmarks/bench_train.py [--model SPEC] [--data FILE] [--batch-size 8] [--steps 4]
                                     [--variants trl ours] [--repeats 1] [--max-length 1024]

Both train the same model on the same conversations (loss on the assistant turn only; TRL
gets them in its prompt/completion format), same batch size, learning rate and precision
policy. Throughput counts non-padding tokens (the Trainer's ``num_input_tokens_seen``) over
the steps after the first (which pays one-off costs), in wall-clock seconds and in CPU
seconds of this process (steadier when other jobs share the cores). Variants:

- ``trl``: stock ``trl.SFTTrainer`` (the named baseline);
- ``ours``: ``exante sft``'s defaults (length-grouped batches, LM head on assistant tokens only);
- ``ours_random``: ours without length grouping (shows what grouping is worth);
- ``ours_compile``: ours with ``compile: true``; ``ours_bf16``: ours under bf16 autocast.

Variants run in the given order, ``--repeats`` times round-robin, so a change in machine load
hits all of them. Without ``--data`` a deterministic set of Ex-Ante traces is generated whose
lengths follow the offline synth output (mean ≈ 340 tokens, ≈ 40 % of them prompt).
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads OpenMP; see docs/models.md

import torch  # noqa: E402
from transformers import TrainerCallback  # noqa: E402

from exante.io import write_jsonl  # noqa: E402
from exante.reasoning import RuleVerdict, Trace, render_trace  # noqa: E402
from exante.train.config import SFTConfig  # noqa: E402

WORDS = ("the user asks for help with a task and the request is checked against the rules for "
         "intent context risk signals such as role play or fake authority before a path is chosen").split()


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def synthetic_records(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    records = []
    for i in range(n):
        trace = Trace(assessment=sentence(rng, rng.randint(20, 60)),
                      verifications=[RuleVerdict("violent_crime.weapons", "not_violated", reason="nothing disallowed")],
                      path="comply", plan=sentence(rng, rng.randint(3, 12)),
                      answer=sentence(rng, int(rng.lognormvariate(4.3, 0.9))))
        prompt = sentence(rng, int(rng.lognormvariate(4.1, 0.9)) + 5)
        records.append({"id": f"bench{i}", "messages": [{"role": "user", "content": prompt},
                                                          {"role": "assistant", "content": render_trace(trace)}]})
    return records


class StepClock(TrainerCallback):
    """Wall and CPU time and tokens seen at the end of every step."""

    def __init__(self):
        self.marks: list[tuple[float, float, int]] = []

    def on_step_end(self, args, state, control, **kwargs):
        self.marks.append((time.perf_counter(), time.process_time(), state.num_input_tokens_seen))


def ours_trainer(cfg: SFTConfig):
    from exante.train.encode import SFTCollator
    from exante.train.sft import SFTTrainer, sft_datasets
    from exante.train.trainer import prepare_model, training_arguments

    model, tokenizer = prepare_model(cfg)
    train, _, _ = sft_datasets(cfg, tokenizer)
    return SFTTrainer(model=model, args=training_arguments(cfg, has_dev=False), train_dataset=train,
                      data_collator=SFTCollator(tokenizer.pad_token_id), processing_class=tokenizer)


def trl_trainer(cfg: SFTConfig, records: list[dict]):
    import trl
    from datasets import Dataset

    from exante.models import load_model
    from exante.train.trainer import use_bf16_autocast

    loaded = load_model(cfg.model, dtype="fp32")
    data = Dataset.from_list([{"prompt": r["messages"][:-1], "completion": r["messages"][-1:]} for r in records])
    args = trl.SFTConfig(output_dir=cfg.output_dir, per_device_train_batch_size=cfg.batch_size, max_steps=cfg.max_steps,
                         learning_rate=cfg.learning_rate, max_length=cfg.max_length, bf16=use_bf16_autocast(cfg.precision),
                         use_cpu=not torch.cuda.is_available(), report_to="none", save_strategy="no",
                         logging_steps=1000, include_num_input_tokens_seen="non_padding", seed=cfg.seed)
    return trl.SFTTrainer(model=loaded.model, args=args, train_dataset=data, processing_class=loaded.tokenizer)


VARIANTS = {
    "ours": {},
    "ours_random": {"group_by_length": False},
    "ours_compile": {"compile": True},
    "ours_bf16": {"precision": "bf16"},
}


def measure(variant: str, args, data_file: str, records: list[dict], workdir: str) -> dict:
    cfg = SFTConfig(model=args.model, train_file=data_file, output_dir=os.path.join(workdir, variant),
                    batch_size=args.batch_size, max_steps=args.steps + 1, max_length=args.max_length,
                    learning_rate=3e-5, save_steps=10**6, logging_steps=10**6, **VARIANTS.get(variant, {}))
    trainer = trl_trainer(cfg, records) if variant == "trl" else ours_trainer(cfg)
    clock = StepClock()
    trainer.add_callback(clock)
    trainer.train()
    (w0, c0, t0), (w1, c1, t1) = clock.marks[0], clock.marks[-1]
    return {"variant": variant, "tokens": t1 - t0, "wall_s": w1 - w0, "cpu_s": c1 - c0,
            "tok_per_s": (t1 - t0) / (w1 - w0), "tok_per_cpu_s": (t1 - t0) / (c1 - c0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--data", help="SFT JSONL to train on (default: generated traces)")
    parser.add_argument("--examples", type=int, default=64, help="generated conversations (without --data)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--steps", type=int, default=4, help="measured steps (after one warm-up step)")
    parser.add_argument("--max-length", type=int, default=1024)
    parser.add_argument("--variants", nargs="+", default=["trl", "ours"], choices=["trl", *VARIANTS])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()

    from exante.io import read_jsonl
    from exante.models.dtype import cpu_bf16_flags
    from exante.train.trainer import use_bf16_autocast

    with tempfile.TemporaryDirectory() as workdir:
        data_file = args.data or os.path.join(workdir, "bench.jsonl")
        if not args.data:
            write_jsonl(data_file, synthetic_records(args.examples))
        records = [r for r in read_jsonl(data_file) if r.get("split", "train") == "train"]  # what ours trains on
        print(f"model {args.model}, {len(records)} conversations, batch {args.batch_size}, {args.steps} measured steps, "
              f"threads {torch.get_num_threads()}, native bf16: {cpu_bf16_flags() or 'none'}, "
              f"auto precision: {'bf16 autocast' if use_bf16_autocast('auto') else 'fp32'}, load avg {os.getloadavg()[0]:.1f}")
        results = []
        for repeat in range(args.repeats):
            for variant in args.variants:
                results.append(measure(variant, args, data_file, records, workdir))
                r = results[-1]
                print(f"[{repeat + 1}/{args.repeats}] {variant:13s} {r['tokens']:6d} tokens  {r['wall_s']:7.1f} s wall "
                      f"{r['tok_per_s']:7.1f} tok/s   {r['cpu_s']:7.1f} s CPU {r['tok_per_cpu_s']:7.1f} tok/CPU-s", flush=True)
    print(f"load avg at the end {os.getloadavg()[0]:.1f}")
    totals = {}
    for r in results:
        t = totals.setdefault(r["variant"], [0, 0.0, 0.0])
        t[0], t[1], t[2] = t[0] + r["tokens"], t[1] + r["wall_s"], t[2] + r["cpu_s"]
    base = totals.get("trl")
    for variant, (tokens, wall, cpu) in totals.items():
        ratio = "" if base is None or variant == "trl" else (
            f"   × {tokens / wall / (base[0] / base[1]):.2f} wall, × {tokens / cpu / (base[0] / base[2]):.2f} CPU vs trl")
        print(f"{variant:13s} {tokens / wall:7.1f} tok/s  {tokens / cpu:7.1f} tok/CPU-s{ratio}")


if __name__ == "__main__":
    main()
