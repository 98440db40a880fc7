#!/usr/bin/env bash
# DPO from the SFT model on round 1's on-policy pairs plus round 2's safety pairs (whose sampled
# rejections are the round-1 model's own unsafe answers): one round, both kinds of pairs at once.
# Needs what `make quickstart` (runs/pairs) and `exante quickstart --config
# configs/quickstart_onpolicy.yaml` made: runs/sft,
# runs/pairs-onpolicy, runs/pairs-onpolicy-r2, runs/dpo-onpolicy(-r2). Trains the mix with the
# usefulness objective weighted 1, 2, 3 and 4 (runs/dpo-mix, -u2, -u3, -u4), then evaluates every model
# side by side in runs/eval-mix/report.md; then DPO on the constructed pairs of configs/pairs.yaml
# (runs/pairs) plus every sampled pair of both rounds (runs/dpo-both, runs/eval-both/report.md).
# Results: docs/train.md; ≈ 15–20 min per DPO, 7 min per model evaluated.
set -euo pipefail
cd "$(dirname "$0")/.."
EXANTE=.venv/bin/exante
mkdir -p runs/pairs-mix runs/pairs-both
.venv/bin/python - <<'PY'
from exante.io import read_jsonl, write_jsonl

round1 = list(read_jsonl("runs/pairs-onpolicy/pairs.jsonl"))
round2 = list(read_jsonl("runs/pairs-onpolicy-r2/pairs.jsonl"))
write_jsonl("runs/pairs-mix/pairs.jsonl", round1 + [p for p in round2 if p["objective"] == "safety"])
# constructed pairs (configs/pairs.yaml) plus every sampled pair of both rounds
sampled = [p for p in round1 + round2 if p["meta"]["rejected_origin"] == "sampled"]
write_jsonl("runs/pairs-both/pairs.jsonl", list(read_jsonl("runs/pairs/pairs.jsonl")) + sampled)
PY
resume() { [ -d "$1" ] && echo true || echo false; }
models=()
for weight in 1 2 3 4; do  # usefulness weight; safety and efficiency stay 1
  out=runs/dpo-mix$([ "$weight" = 1 ] || echo "-u$weight")
  "$EXANTE" dpo --config configs/dpo.yaml --train-file runs/pairs-mix/pairs.jsonl --output-dir "$out" \
    --objective-weights "{safety: 1.0, usefulness: $weight.0, efficiency: 1.0}" --resume "$(resume "$out")"
  models+=("$out")
done
"$EXANTE" eval --config configs/eval_quick.yaml --out runs/eval-mix --model smollm2-135m-instruct runs/sft \
  runs/dpo-onpolicy runs/dpo-onpolicy-r2 "${models[@]}"
# constructed and sampled pairs together, against DPO on the constructed pairs alone (runs/dpo)
"$EXANTE" dpo --config configs/dpo.yaml --train-file runs/pairs-both/pairs.jsonl --output-dir runs/dpo-both \
  --resume "$(resume runs/dpo-both)"
"$EXANTE" eval --config configs/eval_quick.yaml --out runs/eval-both --model runs/dpo runs/dpo-both
