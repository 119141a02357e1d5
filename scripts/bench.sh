#!/usr/bin/env bash
# The one command behind BENCHMARKS.md: builds the policy module and the
# accept-all baselines (same SDK, same release profile; one of them also makes
# the lookups transition-guard made), runs the guest bench
# (wasmtime through policy-runner, `bench` profile) and writes BENCHMARKS.md
# with the machine and the date.
#
#   scripts/bench.sh            # full run, rewrites BENCHMARKS.md (~5 min after the first build)
#   scripts/bench.sh --quick    # few rounds, prints only; BENCHMARKS.md untouched
#
# The first run builds wasmtime optimized (~5 min on 2 cores). Not for CI.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
root=$(pwd)
target=${CARGO_TARGET_DIR:-$root/target}

# The two modules get their own target dir: a shared target dir may hold
# another checkout's transition_guard.wasm, and a wasm-only build is cheap.
wasm_target="$target/bench-wasm"
CARGO_TARGET_DIR="$wasm_target" cargo build -p transition-guard -p accept-all \
  --target wasm32-wasip1 --release
# On its own: it turns on the SDK's `cluster-context` feature, which must not
# reach the other two modules through feature unification.
# As a cdylib alone, like the other two: the crate is also an rlib (the bench
# reads its prime names), and cargo runs no LTO on a crate built as both.
CARGO_TARGET_DIR="$wasm_target" cargo rustc -p accept-all-lookups --lib --crate-type cdylib \
  --target wasm32-wasip1 --release
out="$target/bench-results"
mkdir -p "$out"
# Both through the shipped wasm-opt step (scripts/wasm-opt.sh): the bench
# times what ships, and the baseline gets the same pipeline.
bash scripts/wasm-opt.sh "$wasm_target/wasm32-wasip1/release/transition_guard.wasm" "$out/transition_guard.wasm"
bash scripts/wasm-opt.sh "$wasm_target/wasm32-wasip1/release/accept_all.wasm" "$out/accept_all.wasm"
bash scripts/wasm-opt.sh "$wasm_target/wasm32-wasip1/release/accept_all_lookups.wasm" "$out/accept_all_lookups.wasm"

export TRANSITION_GUARD_WASM="$out/transition_guard.wasm"
export ACCEPT_ALL_WASM="$out/accept_all.wasm"
export ACCEPT_ALL_LOOKUPS_WASM="$out/accept_all_lookups.wasm"

if [ "${1:-}" = "--quick" ]; then
  cargo bench -p transition-bench --bench guest -- --quick
  exit 0
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
cargo bench -p transition-bench --bench guest -- --out "$out"

# Floors: the policy module with `validate` cut short after decoding (cargo
# features of the policy crate, built only here), against the same baseline.
# They show how much of the ratio is decoding the payload alone.
for floor in scan value decode; do
  CARGO_TARGET_DIR="$wasm_target" cargo build -p transition-guard --features "bench-floor-$floor" \
    --target wasm32-wasip1 --release
  bash scripts/wasm-opt.sh "$wasm_target/wasm32-wasip1/release/transition_guard.wasm" "$out/floor-$floor.wasm"
  # The per-scenario lines ("NAME: guest A vs B (Rx); runner ...") go to stderr.
  TRANSITION_GUARD_WASM="$out/floor-$floor.wasm" ACCEPT_ALL_LOOKUPS_WASM= cargo bench -p transition-bench --bench guest \
    2>&1 >/dev/null | sed -n 's/^\(.*\): guest \(.*\) vs .* (\([0-9.]*\)x); runner.*/\1\t\2 (\3×)/p' \
    > "$out/floor-$floor.tsv"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo
  echo "### Floors: decoding alone, against the same baseline"
  echo
  echo "The policy module with \`validate\` cut short after reading the payload, then accepting (cargo features"
  echo "\`bench-floor-scan\`, \`bench-floor-value\` and \`bench-floor-decode\` of the policy crate, built only by this"
  echo "script), measured like the table above (instance reused, median ratio over interleaved rounds). No lookup,"
  echo "no rule runs. The scan reads every byte and builds nothing (serde's \`IgnoredAny\`): a decoder that reads"
  echo "the whole payload with serde_json can hardly cost less, so it bounds what decoding fewer fields could win."
  echo
  echo "| Request | scan, nothing built | \`serde_json::Value\` parse of the payload | the policy's decode (\`ValidationPayload::decode\`) |"
  echo "|---|---:|---:|---:|"
  paste "$out/floor-scan.tsv" "$out/floor-value.tsv" "$out/floor-decode.tsv" \
    | awk -F'\t' '{printf "| %s | %s | %s | %s |\n", $1, $2, $4, $6}'
} > "$out/floors.md"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
wasmtime=$(grep -A1 '^name = "wasmtime"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p' | head -n1)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
# BENCHMARKS.md itself is left out: a second run would otherwise flag the first run's output.
dirty=$(git status --porcelain -- . ':!BENCHMARKS.md' 2>/dev/null | grep -q . && echo " (with uncommitted changes)" || true)

{
  echo "# Benchmarks"
  echo
  echo "Written by \`scripts/bench.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'); do not edit by hand."
  echo
  echo "- Machine: $cpu, $(nproc) cores, $mem, $(uname -sr)"
  echo "- Load average (1/5/15 min) before: $load_before; after: $load_after"
  echo "- Toolchain: $(rustc --version); wasmtime $wasmtime (wasmtime-provider, Cranelift), bench profile (opt-level 3, no LTO)"
  echo "- Source: commit $commit$dirty"
  echo "- Modules: release builds passed through \`scripts/wasm-opt.sh\`, as shipped (the annotated module adds only metadata)"
  echo "- Baseline: \`crates/accept-all\`, a policy built with the same SDK (kubewarden-policy-sdk 0.17.3), release profile and wasm-opt step (\`scripts/wasm-opt.sh\`) that decodes the request and accepts it; for the lookup tables, \`crates/accept-all-lookups\`, the same plus the host calls transition-guard made for the request, each lookup variant timed against that module primed with no call"
  echo
  cat "$out/results.md"
  cat "$out/floors.md"
} > BENCHMARKS.md
echo "wrote BENCHMARKS.md (raw figures: $out/results.json)"
