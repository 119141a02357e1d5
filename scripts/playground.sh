#!/usr/bin/env bash
# The playground: builds crates/playground for wasm32-unknown-unknown, writes
# its JS glue with wasm-bindgen into playground/pkg/ (with the example case
# files the scenarios load), then serves playground/ on localhost.
#
#   bash scripts/playground.sh           build, then serve on http://127.0.0.1:8000/
#   bash scripts/playground.sh --build   build only (CI, the browser test)
#   PORT=9000 bash scripts/playground.sh
#
# Needs rustup (scripts/toolchain.sh adds the target) and python3; installs
# wasm-bindgen-cli 0.2.130 with cargo the first time (a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130   # must equal the `wasm-bindgen` pin in Cargo.toml
PORT="${PORT:-8000}"
mode=serve
case "${1:-}" in
  "") ;;
  --build) mode=build ;;
  *) echo "usage: $0 [--build]" >&2; exit 2 ;;
esac

source scripts/toolchain.sh
locked="$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)"
if [ "$locked" != "$WASM_BINDGEN_VERSION" ]; then
  echo "Cargo.lock has wasm-bindgen $locked, this script's CLI is $WASM_BINDGEN_VERSION: they must match" >&2
  exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  echo "==> cargo install wasm-bindgen-cli --version $WASM_BINDGEN_VERSION (once)" >&2
  # Without --locked: its locked dependency set does not build on this toolchain.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# --profile playground: the release profile without `strip` (see Cargo.toml).
# `cargo rustc --crate-type cdylib`: the crate is also an rlib (its native
# tests use it), and cargo runs no LTO on a crate built as both.
echo "==> cargo rustc -p playground --lib --crate-type cdylib --target wasm32-unknown-unknown --profile playground" >&2
cargo rustc -p playground --lib --crate-type cdylib --target wasm32-unknown-unknown --profile playground
target_dir="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
wasm="$target_dir/wasm32-unknown-unknown/playground/playground.wasm"

rm -rf playground/pkg
# No wasm-opt: Debian's binaryen 108 renumbers the exported externref table and the
# module then fails to start in the browser (checked with Chromium 156).
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
  --out-dir playground/pkg "$wasm"
mkdir -p playground/pkg/cases
cp -R examples/cases/. playground/pkg/cases/
echo "==> playground/pkg: $(du -k playground/pkg/playground_bg.wasm | cut -f1) KiB of wasm" >&2

if [ "$mode" = serve ]; then
  echo "==> serving playground/ on http://127.0.0.1:$PORT/ (Ctrl-C stops)" >&2
  exec python3 scripts/playground-serve.py "$PORT"   # http.server, answers marked no-store
fi
