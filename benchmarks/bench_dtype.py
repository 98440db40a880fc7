"""Generation throughput of a model in fp32, bf16, and fp32 weights under bf16 autocast.

    python benchmarks/bench_dtype.py [--model SPEC] [--batch-size 16] [--max-new-tokens 128]
                                     [--modes fp32 bf16 autocast] [--prompts N]

Greedy decoding of N chat prompts (default: one batch). Prints generated tokens/s per mode, the
ratio to the fp32 run of the same invocation, and how many greedy texts equal fp32's (a quick
check that reduced precision does not change what the model says). On a CPU without native
bf16 (no AMX-BF16 / AVX512-BF16) PyTorch emulates bf16 and the bf16 modes are far slower:
run them there with a small --max-new-tokens.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads OpenMP; see docs/models.md

import torch  # noqa: E402

from exante.models import GenerationParams, HFBackend, load_model  # noqa: E402
from exante.models.dtype import cpu_bf16_flags  # noqa: E402

PROMPTS = [
    "Write a haiku about rain.",
    "What is the capital of France?",
    "Explain photosynthesis to a ten-year-old.",
    "Give me three tips for a job interview.",
    "How do I kill a Python process that hangs?",
    "Summarise the plot of Romeo and Juliet in two sentences.",
    "What are the health benefits of green tea?",
    "Write a short thank-you note to a teacher.",
    "How does a bicycle stay upright?",
    "List five fruits that are high in vitamin C.",
    "What is the difference between weather and climate?",
    "Suggest a name for a friendly robot.",
    "How do I make a cup of tea?",
    "Why is the sky blue?",
    "What should I pack for a weekend hiking trip?",
    "Translate 'good morning' into Spanish and French.",
]


def run_mode(spec: str, mode: str, requests: list, params: GenerationParams) -> tuple[int, float, list[str]]:
    """(generated tokens, seconds, texts) for one precision mode."""
    loaded = load_model(spec, dtype="fp32" if mode in ("fp32", "autocast") else mode)
    backend = HFBackend(loaded, progress=False)
    precision = torch.autocast(loaded.device.type, dtype=torch.bfloat16) if mode == "autocast" else contextlib.nullcontext()
    with precision:
        backend.generate(requests[:1], GenerationParams(max_new_tokens=4))  # warm-up: kernel selection, caches
        start = time.perf_counter()
        generations = backend.generate(requests, params)
        seconds = time.perf_counter() - start
    return sum(g.completion_tokens for g in generations), seconds, [g.text for g in generations]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--prompts", type=int, default=None, help="number of prompts (default: one batch)")
    parser.add_argument("--modes", nargs="+", default=["fp32", "bf16", "autocast"], choices=["fp32", "bf16", "autocast"])
    args = parser.parse_args()
    count = args.prompts or args.batch_size
    requests = [[{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}] for i in range(count)]
    params = GenerationParams(max_new_tokens=args.max_new_tokens, batch_size=args.batch_size)
    modes = ["fp32", *[m for m in args.modes if m != "fp32"]]  # fp32 first: the baseline
    print(f"model {args.model}, {count} prompts, batch {args.batch_size}, {args.max_new_tokens} new tokens, "
          f"greedy, {torch.get_num_threads()} threads, CPU bf16 flags: {cpu_bf16_flags() or 'none'}")
    baseline_rate, baseline_texts = None, None
    for mode in modes:
        tokens, seconds, texts = run_mode(args.model, mode, requests, params)
        rate = tokens / seconds
        baseline_rate, baseline_texts = baseline_rate or rate, baseline_texts or texts
        same = sum(a == b for a, b in zip(texts, baseline_texts))
        print(f"{mode:>9}: {tokens} tokens in {seconds:.1f} s = {rate:.1f} tokens/s, "
              f"{rate / baseline_rate:.2f}x fp32, greedy text equal to fp32 for {same}/{count}; "
              f"first: {texts[0][:70]!r}")


if __name__ == "__main__":
    main()
