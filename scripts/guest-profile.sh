#!/usr/bin/env bash
# Where a request's guest time goes, by phase, for each bench scenario:
# builds an unstripped policy module, runs each scenario in a loop under
# `perf record` with policy-runner's perf map (POLICY_RUNNER_PERFMAP=1), and
# sorts every sample by the phase its call stack is in (scripts/guest-profile.py).
# Needs Linux perf. Not run by CI.
#
#   scripts/guest-profile.sh [SECONDS_PER_SCENARIO]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
secs=${1:-6}
target=${CARGO_TARGET_DIR:-target}
CARGO_TARGET_DIR="$target/names" CARGO_PROFILE_RELEASE_STRIP=false \
  cargo build -q -p transition-guard --target wasm32-wasip1 --release
cargo build -q --profile bench -p transition-bench --example profile_guest
module="$target/names/wasm32-wasip1/release/transition_guard.wasm"
out=$(mktemp -d)
for scenario in "Queue create" "Queue spec update" "Queue status Closing→Closed, 10 PodGroups" \
  "RayService spec update" "RayService status promotion" "Service switch"; do
  POLICY_RUNNER_PERFMAP=1 perf record -q -o "$out/perf.data" -F 2999 -g \
    "$target/release/examples/profile_guest" "$module" "$scenario" "$secs" 2>/dev/null
  perf script -i "$out/perf.data" 2>/dev/null > "$out/perf.txt"
  echo "== $scenario"
  python3 scripts/guest-profile.py "$out/perf.txt"
done
rm -rf "$out"
