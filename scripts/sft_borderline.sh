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
# 5. Pairs of the 120-step model's own (runs/pairs-s45-bx-120): two samples per usefulness prompt,
#    its over-refusals as the rejected side (a constructed one where neither sample refuses); 80
#    constructed safety pairs whose rejections clear the violated rule or skip it (sampling them
#    would cost ≈ 15 s per prompt for few pairs: the model hardly ever complies with an unsafe
#    prompt). DPO from the model on them (runs/dpo-s45-bx-onpolicy).
# 6. Step 5's DPO model complies far more often, so its own unsafe answers can be sampled: 80
#    safety pairs (salt …-r2) whose rejected side is that model's answer judged harmful (a
#    constructed one where neither sample is), as in scripts/pairs_mix.sh; those on prompts step 5
#    did not use join step 5's pairs, and DPO runs from the 120-step model on them, usefulness
#    weighted 3 (the best weight of scripts/pairs_mix.sh): runs/dpo-s45-bx-mix-u3. The 120-step model and both DPO models are
#    evaluated side by side: runs/eval-s45-bx-onpolicy.
# Results: docs/train.md. On 2 CPU cores ≈ 35 + 60 min of SFT, 30 min per DPO with its reference
# log-probs, 20–25 min of sampling for each of steps 5 and 6 and 11–18 min per model evaluated.
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
onpolicy=runs/pairs-s45-bx-120 dpo2=runs/dpo-s45-bx-onpolicy
[ -f $onpolicy/pairs.jsonl ] || "$EXANTE" pairs --config configs/pairs.yaml --sft "$data/sft.jsonl" --out $onpolicy \
  --sample-from $long --samples-per-prompt 2 --safety-rejections missed_rule misjudged_rule wrong_path \
  --max-pairs "{safety: 80, usefulness: 100, efficiency: 20}"
trained $dpo2 || "$EXANTE" dpo --config configs/dpo.yaml --model $long --train-file $onpolicy/pairs.jsonl \
  --output-dir $dpo2 --resume "$(resume $dpo2)"
round2=runs/pairs-s45-bx-r2 mix=runs/pairs-s45-bx-mix dpo3=runs/dpo-s45-bx-mix-u3
[ -f $round2/pairs.jsonl ] || "$EXANTE" pairs --config configs/pairs.yaml --sft "$data/sft.jsonl" --out $round2 \
  --sample-from $dpo2 --samples-per-prompt 2 --objectives safety --max-pairs "{safety: 80}" --salt exante-pairs-v1-r2
.venv/bin/python - $onpolicy/pairs.jsonl $round2/pairs.jsonl $mix/pairs.jsonl <<'PY'
import sys

from exante.io import read_jsonl, write_jsonl

first, second, out = sys.argv[1:]


def prompt(pair):
    return pair["id"].split("/", 3)[3]  # ids are objective/strategy/n/prompt-id


pairs = list(read_jsonl(first))
seen = {prompt(p) for p in pairs}
write_jsonl(out, pairs + [p for p in read_jsonl(second) if prompt(p) not in seen])  # new prompts only
PY
for ref in $onpolicy/pairs.ref-*.jsonl; do  # step 5's reference log-probs: only the new pairs are scored
  [ -f "$mix/$(basename "$ref")" ] || cp "$ref" "$mix/"
done
trained $dpo3 || "$EXANTE" dpo --config configs/dpo.yaml --model $long --train-file $mix/pairs.jsonl \
  --output-dir $dpo3 --objective-weights "{safety: 1.0, usefulness: 3.0, efficiency: 1.0}" --resume "$(resume $dpo3)"
"$EXANTE" eval --config configs/eval_quick.yaml --out runs/eval-s45-bx-onpolicy --model $long $dpo2 $dpo3
