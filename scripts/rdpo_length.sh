#!/usr/bin/env bash
# R-DPO against DPO on the same pairs: do answers get shorter with α > 0?
# Needs the quickstart's runs/sft, runs/pairs and runs/dpo (configs/dpo.yaml, loss sigmoid = R-DPO with α = 0).
# Trains the same run with loss rdpo (same pairs, order, steps and seed), then evaluates both
# models on the same held-out prompts; compare the efficiency table in runs/eval-rdpo/report.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ALPHA="${ALPHA:-0.02}"
EXANTE=.venv/bin/exante
"$EXANTE" dpo --config configs/dpo.yaml --loss rdpo --rdpo-alpha "$ALPHA" --output-dir "runs/dpo-rdpo-$ALPHA" --resume "$( [ -d "runs/dpo-rdpo-$ALPHA" ] && echo true || echo false )"
"$EXANTE" eval --config configs/eval_quick.yaml --model runs/dpo "runs/dpo-rdpo-$ALPHA" \
  --bench helpfulness over-refusal harmful efficiency trace --out "runs/eval-rdpo-$ALPHA"
