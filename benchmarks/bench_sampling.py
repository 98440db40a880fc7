"""Sampling throughput: exante's batched ``HFBackend`` (what ``eval`` and ``iterate`` use) against
one-at-a-time ``model.generate``, greedy and k samples per prompt.

    python benchmarks/bench_sampling.py [--model SPEC] [--batch-sizes 1 4 16 64] [--k 8]
        [--prompts 64] [--sample-prompts 8] [--baseline-prompts 8] [--max-new-tokens 64] [--out DIR]

- greedy: ``--prompts`` chat prompts, exante at each batch size, against plain
  ``model.generate`` on one prompt at a time (timed on the first ``--baseline-prompts``; its
  rate does not depend on how many);
- sampled: ``--sample-prompts`` prompts × k samples (temperature ``--temperature``), exante at
  each batch size with the prompt's KV computed once for its k samples (``share``) and without
  (``no share``, the same batches), against one ``model.generate`` call per sample and against
  transformers' ``num_return_sequences=k`` (one call per prompt, k rows, the prompt run k times).

tokens/s counts generated tokens (up to and including EOS), over wall-clock time, after a
warm-up call. MFU = 2·N·generated tokens / s / matmul peak (exante.train.mfu; prefill not
counted). Results go to ``<out>/sampling.json`` and ``<out>/sampling.md``.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads OpenMP; see docs/models.md

import torch  # noqa: E402
from common import machine, markdown_table, write_report  # noqa: E402

from exante.models import GenerationParams, HFBackend, load_model  # noqa: E402
from exante.train.mfu import INFERENCE_FLOPS_PER_PARAM, mfu, non_embedding_parameters  # noqa: E402

TOPICS = ["rain", "the sea", "a city at night", "autumn", "a lost key", "friendship", "mountains", "a train journey",
          "coffee", "a library", "snow", "the moon", "a garden", "a bicycle", "an old photograph", "the desert"]
TASKS = ["Write a short poem about {}.", "Describe {} in three sentences.", "Give me two facts about {}.",
         "Tell a very short story about {}."]


def prompts(n: int) -> list[list[dict]]:
    return [[{"role": "user", "content": TASKS[i % len(TASKS)].format(TOPICS[(i // len(TASKS)) % len(TOPICS)])}]
            for i in range(n)]


def one_at_a_time(loaded, requests, params: GenerationParams, k: int = 1, per_call: int = 1) -> tuple[int, float]:
    """(generated tokens, seconds) of plain ``model.generate``: ``per_call`` rows per call
    (``num_return_sequences``), ``k`` samples per request in all."""
    from transformers import GenerationConfig

    backend = HFBackend(loaded, progress=False)  # only for its prompt encoding and EOS ids
    sampled = params.temperature > 0
    config = GenerationConfig(max_new_tokens=params.max_new_tokens, do_sample=sampled, pad_token_id=backend.pad_id,
                              eos_token_id=backend.eos_ids, num_return_sequences=per_call,
                              **({"temperature": params.temperature, "top_p": params.top_p, "top_k": 0} if sampled else {}))
    tokens, start = 0, time.perf_counter()
    with torch.inference_mode():
        for request in requests:
            ids = torch.tensor([backend.encode(request)], device=loaded.device)
            for _ in range(k // per_call):
                output = loaded.model.generate(ids, attention_mask=torch.ones_like(ids), generation_config=config)
                tokens += sum(generated_tokens(row[ids.shape[1]:].tolist(), backend.eos_ids) for row in output)
    return tokens, time.perf_counter() - start


def generated_tokens(row: list[int], eos_ids: list[int]) -> int:
    """Tokens up to and including the first EOS (padding after it does not count)."""
    return next((i + 1 for i, token in enumerate(row) if token in eos_ids), len(row))


def batched(loaded, requests, params: GenerationParams, share: bool) -> tuple[int, float]:
    backend = HFBackend(loaded, progress=False, share_prompts=share)
    start = time.perf_counter()
    generations = backend.generate(requests, params)
    return sum(g.completion_tokens for g in generations), time.perf_counter() - start


def row(mode: str, implementation: str, batch: int | str, tokens: int, seconds: float, base: float | None, flops) -> dict:
    rate = tokens / seconds
    return {"mode": mode, "implementation": implementation, "batch": batch, "tokens": tokens, "seconds": seconds,
            "tok_per_s": rate, "vs_one_at_a_time": rate / base if base else 1.0, "mfu": flops(tokens, seconds)}


def measure(loaded, args) -> list[dict]:
    dtype, device = next(loaded.model.parameters()).dtype, loaded.device.type
    params_n = non_embedding_parameters(loaded.model)

    def flops(tokens, seconds):
        return mfu(INFERENCE_FLOPS_PER_PARAM, params_n, tokens, seconds, dtype, device)

    greedy = GenerationParams(max_new_tokens=args.max_new_tokens)
    sampled = GenerationParams(max_new_tokens=args.max_new_tokens, temperature=args.temperature, top_p=args.top_p,
                               seed=args.seed)
    HFBackend(loaded, progress=False).generate(prompts(2), GenerationParams(max_new_tokens=4))  # warm-up
    rows = []
    tokens, seconds = one_at_a_time(loaded, prompts(args.baseline_prompts), greedy)
    rows.append(row("greedy", "model.generate, one prompt at a time", 1, tokens, seconds, None, flops))
    base = rows[-1]["tok_per_s"]
    for size in args.batch_sizes:
        tokens, seconds = batched(loaded, prompts(args.prompts), GenerationParams(**{**vars(greedy), "batch_size": size}), True)
        rows.append(row("greedy", "exante HFBackend", size, tokens, seconds, base, flops))
        print(rows[-1], flush=True)
    mode, sample_prompts = f"sampled k={args.k}", prompts(args.sample_prompts)
    tokens, seconds = one_at_a_time(loaded, sample_prompts[: max(1, args.baseline_prompts // args.k)], sampled, k=args.k)
    rows.append(row(mode, "model.generate, one sample at a time", 1, tokens, seconds, None, flops))
    base = rows[-1]["tok_per_s"]
    tokens, seconds = one_at_a_time(loaded, sample_prompts, sampled, k=args.k, per_call=args.k)
    rows.append(row(mode, "model.generate, num_return_sequences=k", args.k, tokens, seconds, base, flops))
    repeated = [p for p in sample_prompts for _ in range(args.k)]
    for size in args.batch_sizes:
        for share in (False, True) if size > 1 else (True,):  # a batch of one has nothing to share
            tokens, seconds = batched(loaded, repeated, GenerationParams(**{**vars(sampled), "batch_size": size}), share)
            rows.append(row(mode, f"exante HFBackend, {'shared' if share else 'no shared'} prefill", size, tokens,
                            seconds, base, flops))
            print(rows[-1], flush=True)
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--dtype", default="auto", help="auto (what eval uses), bf16 or fp32")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--prompts", type=int, default=64, help="greedy prompts for the batched runs")
    parser.add_argument("--k", type=int, default=8, help="samples per prompt")
    parser.add_argument("--sample-prompts", type=int, default=8, help="prompts sampled k times each")
    parser.add_argument("--baseline-prompts", type=int, default=8, help="generations timed one at a time")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--top-p", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/bench", help="folder for sampling.json and sampling.md")
    args = parser.parse_args(argv)
    loaded = load_model(args.model, dtype=args.dtype)
    host = machine()
    print(f"machine: {host}")
    rows = measure(loaded, args)
    table = markdown_table(
        ["mode", "implementation", "batch", "tokens", "seconds", "tokens/s", "vs one at a time", "MFU %"],
        [[r["mode"], r["implementation"], r["batch"], r["tokens"], f"{r['seconds']:.1f}", f"{r['tok_per_s']:.1f}",
          f"×{r['vs_one_at_a_time']:.2f}", f"{100 * r['mfu']:.2f}"] for r in rows])
    header = (f"Model {args.model} ({str(loaded.dtype).split('.')[1]}), {args.max_new_tokens} new tokens, "
              f"{host['cpu']} ({host['cores']} cores, native bf16: {host['native_bf16']}, GPU: {host['gpu'] or 'none'}), "
              f"load average {host['load_avg']} at the start.")
    write_report(args.out, "sampling", {"machine": host, "settings": vars(args), "rows": rows}, header + "\n\n" + table)


if __name__ == "__main__":
    main()
