#!/usr/bin/env bash
# More varied borderline prompts in the SFT mix. data/borderline_extra.jsonl holds 220 safe prompts
# that sound unsafe (20 per XSTest type plus safety information, written for exante, none a
# near-duplicate of a built-in prompt). Added as a user source, they never move a built-in prompt
# to another split, so the quick suite's test prompts stay the same; 176 of them land in train.
# 1. The mix with harmful + jailbreak prompts capped at 45 % of each split, plus these prompts
#    (runs/synth-s45-bx). Where runs/synth exists its journal is reused, so the built-in prompts'
#    traces are the same text as there; otherwise the teacher runs on every prompt (≈ 1 h here).
# 2. SFT for 60 steps × 8 traces (runs/sft-s45-bx), configs/sft.yaml as it is: the length of the
#    quickstart's SFT on the 50 % mix (runs/sft) and of scripts/sft_share.sh's 30 % mix
#    (runs/sft-s30), so the three differ in data only; evaluated on the quick suite:
#    runs/eval-sft-borderline.
# 3. The same data for 120 steps (runs/sft-s45-bx-120, 0.48 epoch): the decision followed the
#    verdicts only after longer SFT (scripts/sft_share.sh's one-epoch model); evaluated beside 2.
# 4. DPO from that model (runs/dpo-s45-bx-120, configs/dpo.yaml as it is) on constructed pairs
#    of the same mix (runs/pairs-s45-bx, configs/pairs.yaml: 40 safety, 100 usefulness, 20
#    efficiency), whose usefulness rejections mark the harm rule violated, the error left in its
#    refusals of safe prompts; the evaluation of all three: runs/eval-sft-borderline.
# Results: docs/train.md. On 2 CPU cores ≈ 35 + 60 min of SFT, 30 min of DPO with its reference
# log-probs and 11–18 min per model evaluated.
set -euo pipefail
cd "$(dirname "$0")/.."
EXANTE=.venv/bin/exante
BUILTIN=(advbench harmbench donotanswer jailbreak-tense jailbreak-pyrit jailbreak-programmatic jailbreak-dan borderline benign)
trained() { [ -f "$1/summary.json" ]; }
resume() { [ -d "$1" ] && echo true || echo false; }
data=runs/synth-s45-bx model=runs/sft-s45-bx
if [ ! -f "$data/sft.jsonl" ]; then
  mkdir -p "$data/work"
  if [ -f runs/synth/work/journal.jsonl ] && [ ! -f "$data/work/journal.jsonl" ]; then
    cp runs/synth/work/journal.jsonl "$data/work/"  # the synth resume record: its finished prompts are reused
  fi
  "$EXANTE" synth --config configs/synth.yaml --out "$data" --max-unsafe-share 0.45 \
    --sources "${BUILTIN[@]}" data/borderline_extra.jsonl
fi
trained $model || "$EXANTE" sft --config configs/sft.yaml --train-file "$data/sft.jsonl" \
  --output-dir $model --resume "$(resume $model)"
long=runs/sft-s45-bx-120 pairs=runs/pairs-s45-bx dpo=runs/dpo-s45-bx-120
trained $long || "$EXANTE" sft --config configs/sft.yaml --train-file "$data/sft.jsonl" \
  --output-dir $long --max-steps 120 --resume "$(resume $long)"
[ -f $pairs/pairs.jsonl ] || "$EXANTE" pairs --config configs/pairs.yaml --sft "$data/sft.jsonl" --out $pairs
trained $dpo || "$EXANTE" dpo --config configs/dpo.yaml --model $long --train-file $pairs/pairs.jsonl \
  --output-dir $dpo --resume "$(resume $dpo)"
"$EXANTE" eval --config configs/eval_quick.yaml --out runs/eval-sft-borderline --model $model $long $dpo
