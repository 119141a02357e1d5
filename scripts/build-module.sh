#!/usr/bin/env bash
# Builds the policy module the way it ships:
#   cargo build (release profile: opt-level z, fat LTO, one codegen unit, abort, strip)
#   -> wasm-opt -Oz --flatten --rereloop -Oz -Oz --converge (Debian binaryen 108; feature flags from the toolchain notes)
#   -> policy-pack annotate (policy-metadata/metadata.yml; usage = the README block between
#      <!-- usage:start --> and <!-- usage:end -->, the user-facing sections)
# and writes:
#   build/transition-guard.wasm            the cargo artifact
#   build/transition-guard.opt.wasm        after wasm-opt
#   build/transition-guard.annotated.wasm  what policy-server and kwctl load, and what is pushed
# then checks the size budget (scripts/check-module-size.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
mkdir -p build

cargo build -p transition-guard --target wasm32-wasip1 --release
cp "$target/wasm32-wasip1/release/transition_guard.wasm" build/transition-guard.wasm

if ! command -v wasm-opt >/dev/null; then
  echo "wasm-opt not found: install Debian's binaryen (apt-get install binaryen)" >&2
  exit 1
fi
# Debian's binaryen 108 refuses the features rustc enables by default unless named.
# `--flatten --rereloop` before two -Oz rounds: 2.3 KB smaller than -Oz alone
# (289,410 vs 291,726 bytes at 41f6689) at the same guest time, within the
# noise of scripts/bench.sh run on both modules; the CLI test runs every case
# file through the result. A first -Oz round before flattening and
# `--converge` after: another 558 bytes (291,061 vs 291,619 with the payload
# fast path), ~6 s of build.
wasm-opt -Oz --flatten --rereloop -Oz -Oz --converge --strip-debug --strip-producers \
  --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
  --enable-mutable-globals --enable-multivalue --enable-reference-types \
  build/transition-guard.wasm -o build/transition-guard.opt.wasm

sed -n '/^<!-- usage:start/,/^<!-- usage:end -->/p' README.md | sed '1d;$d' > build/usage.md
if [ ! -s build/usage.md ]; then
  echo "README.md has no <!-- usage:start --> ... <!-- usage:end --> block" >&2
  exit 1
fi
cargo run -q -p policy-pack -- annotate --strict \
  -m policy-metadata/metadata.yml -u build/usage.md \
  -o build/transition-guard.annotated.wasm build/transition-guard.opt.wasm

bash scripts/check-module-size.sh
