#!/usr/bin/env bash
# The main job on the bundled examples: build the policy module, then
# evaluate every case under examples/cases/ with the local runner and print
# each verdict. Needs only rustup (scripts/toolchain.sh adds the wasm target).
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/toolchain.sh
cargo build -p transition-guard --target wasm32-wasip1 --release
cargo build -p policy-runner
T="${CARGO_TARGET_DIR:-target}"
"$T/debug/policy-runner" test \
  --policy "$T/wasm32-wasip1/release/transition_guard.wasm" --metadata policy-metadata/metadata.yml \
  "${@:-examples/cases}"
