#!/usr/bin/env bash
# Fuzzing with cargo-fuzz (libFuzzer) on the pinned stable toolchain: with
# `--sanitizer none` cargo-fuzz needs no nightly (Rust's own checks, debug
# assertions included, catch what a sanitizer would in this safe code).
#
#   fuzz/run.sh                         # every target, 10,000,000 runs each (or 2 h), one after another
#   fuzz/run.sh queue settings          # some targets
#   RUNS=100000 MAX_TIME=60 fuzz/run.sh # a shorter run
#   fuzz/run.sh --smoke                 # what CI runs: every target for a few seconds
#   fuzz/run.sh --minimize TARGET       # merge the work corpus back into a small committed corpus
#
# Installs cargo-fuzz 0.13.2 when missing. Builds into CARGO_TARGET_DIR (or the
# repository's target/; cargo-fuzz's own target triple keeps it apart from the
# workspace's builds). New inputs go to fuzz/work/<target> (not committed);
# fuzz/corpus/<target> (committed seeds) is only read. Logs:
# fuzz/logs/<target>.log, with the "Done N runs in S second(s)" line
# libFuzzer prints at the end.
set -euo pipefail
cd "$(dirname "$0")"
fuzz_dir=$(pwd)

if [ "$(cargo fuzz --version 2>/dev/null || true)" != "cargo-fuzz 0.13.2" ]; then
  cargo install --locked cargo-fuzz@0.13.2
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$fuzz_dir/../target}"

targets_all=(payload_bytes queue podgroup vcjob rayservice service settings quantity podgroup_list queue_answer kuberay_answer)
max_len() {
  case "$1" in
    payload_bytes) echo 32768 ;;
    settings) echo 4096 ;;
    quantity) echo 128 ;;
    podgroup_list | queue_answer | kuberay_answer) echo 4096 ;;
    *) echo 1024 ;;
  esac
}

if [ "${1:-}" = "--minimize" ]; then
  shift
  for t in "$@"; do
    tmp=$(mktemp -d)
    cargo fuzz run --sanitizer none "$t" "$tmp" "corpus/$t" "work/$t" -- -merge=1 -max_len="$(max_len "$t")"
    rm -rf "corpus/$t" && mv "$tmp" "corpus/$t"
    echo "corpus/$t: $(ls "corpus/$t" | wc -l) files"
  done
  exit 0
fi

runs=${RUNS:-10000000}
max_time=${MAX_TIME:-7200}
if [ "${1:-}" = "--smoke" ]; then
  # Long enough to mutate past the seeds (thousands of runs per target), short
  # enough for CI: at most 20 s per target.
  shift
  runs=${RUNS:-200000}
  max_time=${MAX_TIME:-20}
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${targets_all[@]}")
mkdir -p logs
for t in "${targets[@]}"; do
  mkdir -p "work/$t"
  echo "==> $t: -runs=$runs -max_total_time=$max_time"
  cargo fuzz run --sanitizer none "$t" "work/$t" "corpus/$t" -- \
    -runs="$runs" -max_total_time="$max_time" -timeout=5 -rss_limit_mb=2048 \
    -max_len="$(max_len "$t")" -print_final_stats=1 > "logs/$t.log" 2>&1 || {
      echo "$t: FAILED, see fuzz/logs/$t.log and fuzz/artifacts/$t/"; tail -n 30 "logs/$t.log"; exit 1; }
  grep -E '^Done [0-9]+ runs' "logs/$t.log" || tail -n 3 "logs/$t.log"
done
