#!/usr/bin/env bash
# Fails when the annotated module grows past its budget. Prints the three sizes
# (raw cargo artifact, after wasm-opt, annotated) from scripts/build-module.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
budget="${MODULE_SIZE_BUDGET:-300000}"   # bytes (300 KB)
for f in build/transition-guard.wasm build/transition-guard.opt.wasm build/transition-guard.annotated.wasm; do
  [ -f "$f" ] || { echo "$f is missing: run scripts/build-module.sh" >&2; exit 1; }
  printf '%-40s %8d bytes\n' "$f" "$(stat -c %s "$f")"
done
size=$(stat -c %s build/transition-guard.annotated.wasm)
if [ "$size" -gt "$budget" ]; then
  echo "annotated module is $size bytes, over the budget of $budget bytes" >&2
  exit 1
fi
echo "annotated module: $size bytes, within the budget of $budget bytes ($((budget - size)) to spare)"
