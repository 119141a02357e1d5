#!/usr/bin/env bats
# End-to-end with stock kwctl: every bundled case (examples/cases/) through the annotated
# module with `kwctl run`. Context-aware cases replay the lookups recorded in
# examples/e2e/<case>/session.yml, so no cluster is needed. Skips when kwctl, jq or the
# module is missing.
#
#   bash scripts/build-module.sh && bats examples/e2e.bats
#
# Inputs are regenerated (and checked by `cargo test -p policy-pack`) with
#   cargo run -p policy-pack -- e2e --policy build/transition-guard.annotated.wasm --out examples/e2e examples/cases

setup() {
  command -v kwctl >/dev/null || skip "kwctl is not installed"
  command -v jq >/dev/null || skip "jq is not installed"
  MODULE="${TRANSITION_GUARD_MODULE:-$BATS_TEST_DIRNAME/../build/transition-guard.annotated.wasm}"
  [ -f "$MODULE" ] || skip "$MODULE is missing: run scripts/build-module.sh"
  E2E="$BATS_TEST_DIRNAME/e2e"
}

# Runs one case directory; prints why it failed.
run_case() {
  local dir="$1" out err want_allowed want_rule got_allowed got_rule
  err="$BATS_TEST_TMPDIR/stderr"
  if ! out=$(kwctl run --allow-context-aware \
      --request-path "$dir/request.json" \
      --settings-path "$dir/settings.json" \
      --replay-host-capabilities-interactions "$dir/session.yml" \
      "$MODULE" 2>"$err"); then
    echo "$(basename "$dir"): kwctl run failed"; cat "$err"; return 1
  fi
  want_allowed=$(jq -r '.allowed' "$dir/expect.json")
  want_rule=$(jq -r '.rule // ""' "$dir/expect.json")
  got_allowed=$(jq -r '.allowed' <<<"$out")
  got_rule=$(jq -r '.auditAnnotations["transition-guard-rule"] // ""' <<<"$out")
  if [ "$got_allowed" != "$want_allowed" ] || [ "$got_rule" != "$want_rule" ]; then
    echo "$(basename "$dir"): expected allowed=$want_allowed rule=$want_rule, got allowed=$got_allowed rule=$got_rule"
    echo "$out"
    return 1
  fi
}

run_family() {
  local family="$1" n=0 failed=0 dir
  for dir in "$E2E/$family"--*/; do
    n=$((n + 1))
    run_case "${dir%/}" || failed=$((failed + 1))
  done
  [ "$n" -gt 0 ] || { echo "no cases for $family under $E2E"; return 1; }
  [ "$failed" -eq 0 ]
}

@test "Volcano queue lifecycle: create, edit, close with and without PodGroups, reopen" {
  run_family volcano-queue-lifecycle
}

@test "RayService upgrade: KubeRay's own write sequence is accepted" {
  run_family rayservice-upgrade
}

@test "RayService known failures (kuberay#1559, #2088, #2877) are refused" {
  run_family rayservice-known-failures
}

@test "settings with an unknown key are refused, naming the key" {
  dir="$E2E/volcano-queue-lifecycle--01-create-queue"
  run kwctl run --request-path "$dir/request.json" --settings-json '{"maxDepth": 3}' "$MODULE"
  [ "$status" -ne 0 ]
  [[ "$output" == *"unknown setting \`maxDepth\`"* ]]
}
