#!/usr/bin/env bash
# Kill a recipe run outright at chosen points, rerun it each time, and compare the result with an
# uninterrupted run of the same recipe (docs/recipes.md, "An interrupted run").
#
#   bash scripts/resume_check.sh RECIPE REFERENCE_RUN OUT [FILE:SECONDS ...]
#   bash scripts/resume_check.sh erpo-quick runs/erpo-quick runs/erpo-quick-resume \
#     sft/checkpoint-16/trainer_state.json:25 dpo/checkpoint-5/trainer_state.json:10 eval/manifest.json:60
#
# Each FILE:SECONDS kills the run's process group with SIGKILL SECONDS after OUT/FILE appears, then
# the next rerun starts. The last rerun goes to the end; the script then compares run.md's eval
# table and every stage's model weights with REFERENCE_RUN's (exit status 1 if any differs).
set -euo pipefail
[ $# -ge 3 ] || { sed -n 2,11p "$0" >&2; exit 2; }
recipe=$1 reference=$2 out=$3
shift 3
exante=${EXANTE:-.venv/bin/exante}
log="$out.log"
mkdir -p "$(dirname "$out")"

for point in "$@"; do
  file=${point%:*} delay=${point##*:}
  setsid "$exante" run "$recipe" --out "$out" >>"$log" 2>&1 &
  pid=$!
  while [ ! -e "$out/$file" ]; do
    kill -0 "$pid" 2>/dev/null || { echo "error: the run ended before $out/$file appeared" >&2; exit 1; }
    sleep 2
  done
  sleep "$delay"
  echo "$(date +%T) kill -9 at $file + ${delay} s"
  kill -9 -- "-$pid"
  wait "$pid" 2>/dev/null || true
done
"$exante" run "$recipe" --out "$out" >>"$log" 2>&1
echo "$(date +%T) finished; log: $log"

table() { sed -n '/^| metric/,/^$/p' "$1/run.md" | sed "s#$1#RUN#g"; }
status=0
if diff <(table "$reference") <(table "$out") >/dev/null; then echo "same eval table as $reference"
else echo "eval table differs from $reference:"; diff <(table "$reference") <(table "$out") || true; status=1; fi
for weights in "$reference"/*/model.safetensors; do
  stage=$(basename "$(dirname "$weights")")
  if cmp -s "$weights" "$out/$stage/model.safetensors"; then echo "$stage: same weights"
  else echo "$stage: weights differ"; status=1; fi
done
exit $status
