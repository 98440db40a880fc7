#!/usr/bin/env bash
# More varied borderline prompts in the SFT mix. data/borderline_extra.jsonl holds 220 safe prompts
# that sound unsafe (20 per XSTest type plus safety information, written for exante, none a
# near-duplicate of a built-in prompt). Added as a user source, they never move a built-in prompt
# to another split, so the quick suite's test prompts stay the same; 176 of them land in train.
# 1. The 40 % mix of scripts/sft_share.sh plus these prompts (runs/synth-s40-bx; the teacher's
#    outputs for the built-in prompts come from runs/synth's journal).
# 2. SFT for one epoch (runs/sft-s40-bx-e1), evaluated beside the one-epoch model without them
#    (runs/sft-s40-e1): runs/eval-sft-borderline.
# Needs scripts/sft_share.sh's runs/sft-s40-e1. Results: docs/train.md. On 2 CPU cores ≈ 10 min of
# synthesis, ≈ 1 h of SFT, 7 min of evaluation.
set -euo pipefail
cd "$(dirname "$0")/.."
EXANTE=.venv/bin/exante
BUILTIN=(advbench harmbench donotanswer jailbreak-tense jailbreak-pyrit jailbreak-programmatic jailbreak-dan borderline benign)
trained() { [ -f "$1/summary.json" ]; }
resume() { [ -d "$1" ] && echo true || echo false; }
out=runs/synth-s40-bx
if [ ! -f "$out/sft.jsonl" ]; then
  mkdir -p "$out/work"
  [ -f "$out/work/journal.jsonl" ] || cp runs/synth/work/journal.jsonl "$out/work/"
  "$EXANTE" synth --config configs/synth.yaml --out "$out" --max-unsafe-share 0.4 \
    --sources "${BUILTIN[@]}" data/borderline_extra.jsonl --source-map kind=kind,category=category
fi
trained runs/sft-s40-bx-e1 || "$EXANTE" sft --config configs/sft.yaml --train-file "$out/sft.jsonl" \
  --output-dir runs/sft-s40-bx-e1 --max-steps -1 --epochs 1 --resume "$(resume runs/sft-s40-bx-e1)"
"$EXANTE" eval --config configs/eval_quick.yaml --out runs/eval-sft-borderline --model runs/sft-s40-e1 runs/sft-s40-bx-e1
