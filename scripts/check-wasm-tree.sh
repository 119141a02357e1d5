#!/usr/bin/env bash
# The policy module must never pull a runtime, a client or TLS into wasm.
set -euo pipefail
cd "$(dirname "$0")/.."
tree=$(cargo tree -p transition-guard --target wasm32-wasip1 -e normal --prefix none)
bad=$(printf '%s\n' "$tree" | grep -E '^(tokio|kube|kube-[a-z-]+|hyper|wasmtime|ring|rustls|k8s-openapi) v' || true)
if [ -n "$bad" ]; then
  echo "forbidden crates in the policy's wasm dependency tree:"
  echo "$bad"
  exit 1
fi
echo "wasm dependency tree is clean ($(printf '%s\n' "$tree" | sort -u | wc -l) crates)"
