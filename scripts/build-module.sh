#!/usr/bin/env bash
# Builds the policy module the way it ships:
#   cargo build (release profile: opt-level z, fat LTO, one codegen unit, abort, strip)
#   -> scripts/wasm-opt.sh: wasm-opt -Oz --flatten --rereloop -Oz -Oz --converge (Debian binaryen 108;
#      feature flags from the toolchain notes)
#   -> policy-pack annotate (policy-metadata/metadata.yml; usage = the README block between
#      <!-- usage:start --> and <!-- usage:end -->, the user-facing sections)
# and writes:
#   build/transition-guard.wasm            the cargo artifact
#   build/transition-guard.opt.wasm        after wasm-opt
#   build/transition-guard.annotated.wasm  what policy-server and kwctl load, and what is pushed
# then checks the size budget (scripts/check-module-size.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
target="${CARGO_TARGET_DIR:-target}"
mkdir -p build

cargo build -p transition-guard --target wasm32-wasip1 --release
cp "$target/wasm32-wasip1/release/transition_guard.wasm" build/transition-guard.wasm

bash scripts/wasm-opt.sh build/transition-guard.wasm build/transition-guard.opt.wasm

sed -n '/^<!-- usage:start/,/^<!-- usage:end -->/p' README.md | sed '1d;$d' > build/usage.md
if [ ! -s build/usage.md ]; then
  echo "README.md has no <!-- usage:start --> ... <!-- usage:end --> block" >&2
  exit 1
fi
# POLICY_PACK_BIN: a policy-pack binary already built (.ci/run passes the one
# `cargo test --workspace --no-run` built). `cargo run -p policy-pack` resolves
# features for policy-pack alone, so in a run that also builds the workspace's
# tests it would build wasmtime and the rest of policy-pack's graph a second time.
if [ -n "${POLICY_PACK_BIN:-}" ]; then
  pack=("$POLICY_PACK_BIN")
else
  pack=(cargo run -q -p policy-pack --)
fi
"${pack[@]}" annotate --strict \
  -m policy-metadata/metadata.yml -u build/usage.md \
  -o build/transition-guard.annotated.wasm build/transition-guard.opt.wasm

bash scripts/check-module-size.sh
