#!/usr/bin/env bash
# How the SFT mix and length set the refusal threshold, and DPO from the better SFT model.
# Needs the quickstart's runs/synth, runs/sft, runs/pairs (configs/synth.yaml: max_unsafe_share
# 0.5; configs/sft.yaml: 60 steps) and scripts/pairs_mix.sh's runs/pairs-mix.
# 1. The mix with harmful + jailbreak prompts capped at 30 % and 40 % of each split
#    (runs/synth-s30, -s40). The teacher's outputs come from runs/synth's journal, so every kept
#    trace is the same text as in runs/synth and only the mix differs.
# 2. SFT for 60 steps on the 30 % mix (runs/sft-s30) and for one epoch on the 40 % mix
#    (runs/sft-s40-e1); evaluated beside the base and 60-step SFT models: runs/eval-sft-share.
# 3. DPO from runs/sft-s40-e1 on the constructed pairs (runs/dpo-s40-e1) and on the on-policy mix
#    with usefulness × 3, the best weight from runs/sft (runs/dpo-mix-u3-s40-e1): runs/eval-s40-dpo.
# Results: docs/train.md. On 2 CPU cores ≈ 13 min (60 steps) and 35–40 min (one epoch) of SFT,
# 12–15 min per DPO, 5–7 min per model evaluated.
set -euo pipefail
cd "$(dirname "$0")/.."
EXANTE=.venv/bin/exante
trained() { [ -f "$1/summary.json" ]; }
resume() { [ -d "$1" ] && echo true || echo false; }
for share in 30 40; do
  out=runs/synth-s$share
  if [ ! -f "$out/sft.jsonl" ]; then
    mkdir -p "$out/work"
    cp runs/synth/work/journal.jsonl "$out/work/"  # the synth resume record: its finished prompts are reused
    "$EXANTE" synth --config configs/synth.yaml --out "$out" --max-unsafe-share "0.$share"
  fi
done
trained runs/sft-s30 || "$EXANTE" sft --config configs/sft.yaml --train-file runs/synth-s30/sft.jsonl \
  --output-dir runs/sft-s30 --resume "$(resume runs/sft-s30)"
trained runs/sft-s40-e1 || "$EXANTE" sft --config configs/sft.yaml --train-file runs/synth-s40/sft.jsonl \
  --output-dir runs/sft-s40-e1 --max-steps -1 --epochs 1 --resume "$(resume runs/sft-s40-e1)"
"$EXANTE" eval --config configs/eval_quick.yaml --out runs/eval-sft-share \
  --model smollm2-135m-instruct runs/sft runs/sft-s30 runs/sft-s40-e1
trained runs/dpo-s40-e1 || "$EXANTE" dpo --config configs/dpo.yaml --model runs/sft-s40-e1 \
  --output-dir runs/dpo-s40-e1 --resume "$(resume runs/dpo-s40-e1)"
out=runs/dpo-mix-u3-s40-e1
trained $out || "$EXANTE" dpo --config configs/dpo.yaml --model runs/sft-s40-e1 --train-file runs/pairs-mix/pairs.jsonl \
  --output-dir $out --objective-weights "{safety: 1.0, usefulness: 3.0, efficiency: 1.0}" --resume "$(resume $out)"
"$EXANTE" eval --config configs/eval_quick.yaml --out runs/eval-s40-dpo --model runs/sft-s40-e1 runs/dpo-s40-e1 $out
