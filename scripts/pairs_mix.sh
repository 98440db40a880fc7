#!/usr/bin/env bash
# DPO from the SFT model on round 1's on-policy pairs plus round 2's safety pairs (whose sampled
# rejections are the round-1 model's own unsafe answers): one round, both kinds of pairs at once.
# Needs what `exante quickstart --config configs/quickstart_onpolicy.yaml` made: runs/sft,
# runs/pairs-onpolicy, runs/pairs-onpolicy-r2, runs/dpo-onpolicy(-r2). Trains the mix with the
# usefulness objective weighted 1, 2 and 3 (runs/dpo-mix, -u2, -u3), then evaluates every model
# side by side in runs/eval-mix/report.md (results: docs/train.md; ≈ 20 min per DPO, 7 per eval).
set -euo pipefail
cd "$(dirname "$0")/.."
EXANTE=.venv/bin/exante
mkdir -p runs/pairs-mix
.venv/bin/python - <<'PY'
from exante.io import read_jsonl, write_jsonl

round1 = list(read_jsonl("runs/pairs-onpolicy/pairs.jsonl"))
round2_safety = [p for p in read_jsonl("runs/pairs-onpolicy-r2/pairs.jsonl") if p["objective"] == "safety"]
write_jsonl("runs/pairs-mix/pairs.jsonl", round1 + round2_safety)
PY
resume() { [ -d "$1" ] && echo true || echo false; }
models=()
for weight in 1 2 3; do  # usefulness weight; safety and efficiency stay 1
  out=runs/dpo-mix$([ "$weight" = 1 ] || echo "-u$weight")
  "$EXANTE" dpo --config configs/dpo.yaml --train-file runs/pairs-mix/pairs.jsonl --output-dir "$out" \
    --objective-weights "{safety: 1.0, usefulness: $weight.0, efficiency: 1.0}" --resume "$(resume "$out")"
  models+=("$out")
done
"$EXANTE" eval --config configs/eval_quick.yaml --out runs/eval-mix --model smollm2-135m-instruct runs/sft \
  runs/dpo-onpolicy runs/dpo-onpolicy-r2 "${models[@]}"
