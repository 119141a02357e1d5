#!/usr/bin/env bash
# The policy module's wasm-opt step, in one place: scripts/build-module.sh runs
# it on the shipped module, scripts/bench.sh on every module it measures (the
# policy, the accept-all baseline and the floors), so the bench times what
# ships and both sides go through the same pipeline.
#
#   scripts/wasm-opt.sh IN.wasm OUT.wasm
#
# Debian's binaryen 108 refuses the features rustc enables by default unless named.
# `--flatten --rereloop` before two -Oz rounds: 2.3 KB smaller than -Oz alone
# (289,410 vs 291,726 bytes at 41f6689) at the same guest time, within the
# noise of scripts/bench.sh run on both modules; the CLI test runs every case
# file through the result. A first -Oz round before flattening and
# `--converge` after: another 558 bytes (291,061 vs 291,619 with the payload
# fast path), ~6 s of build.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 IN.wasm OUT.wasm" >&2
  exit 2
fi
if ! command -v wasm-opt >/dev/null; then
  echo "wasm-opt not found: install Debian's binaryen (apt-get install binaryen)" >&2
  exit 1
fi
wasm-opt -Oz --flatten --rereloop -Oz -Oz --converge --strip-debug --strip-producers \
  --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
  --enable-mutable-globals --enable-multivalue --enable-reference-types \
  "$1" -o "$2"
