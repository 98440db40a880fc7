#!/usr/bin/env bash
# Screenshot an exante HTML report with headless Chromium, to look at it without a desktop.
#
#   bash scripts/screenshot_report.sh runs/eval/report.html report.png [WIDTH,HEIGHT]
#
# Installs Debian's chromium when it is missing (needs root and the Debian package mirror).
# The flags keep Chromium offline and quiet: no sandbox (we run as root in a container), no GPU,
# no background networking, updates or sync, and a throw-away profile.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 REPORT.html OUT.png [WIDTH,HEIGHT]" >&2
  exit 2
fi
report=$1
out=$2
size=${3:-1400,2400}
if [ ! -f "$report" ]; then
  echo "error: $report: report file not found" >&2
  exit 2
fi

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "chromium not found; installing Debian's chromium package" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  browser=$(command -v chromium)
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
url="file://$(realpath "$report")"
out_abs="$(realpath -m "$out")"
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars --virtual-time-budget=5000 \
  --screenshot="$out_abs" --window-size="$size" "$url" 2>/dev/null
if [ ! -s "$out_abs" ]; then
  echo "error: chromium wrote no screenshot to $out_abs" >&2
  exit 1
fi
echo "$out_abs"
