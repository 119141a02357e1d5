#!/usr/bin/env bash
# The policy module and its accept-all baseline must be `cdylib` crates alone.
# With another crate type beside it (an `rlib`, say), cargo builds the crate
# without `-C lto` whatever the release profile says: the module silently
# loses LTO (25 KB and 15-20% of guest time for the policy), and the bench's
# baseline would no longer be built like the policy. Crates that must also be
# libraries (accept-all-lookups, playground) are built with
# `cargo rustc --crate-type cdylib` by the scripts that need their module.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo metadata --no-deps --format-version 1 | python3 -c '
import json, sys
wanted = {"transition-guard", "accept-all"}
found, bad = set(), []
for pkg in json.load(sys.stdin)["packages"]:
    if pkg["name"] not in wanted:
        continue
    found.add(pkg["name"])
    for target in pkg["targets"]:
        if "lib" in target["kind"] or "cdylib" in target["kind"]:
            if target["crate_types"] != ["cdylib"]:
                bad.append("%s: crate-type %s" % (pkg["name"], target["crate_types"]))
missing = sorted(wanted - found)
if missing:
    sys.exit("packages not found in the workspace: %s" % ", ".join(missing))
if bad:
    sys.exit("these crates must be crate-type = [\"cdylib\"] alone, or cargo builds them without LTO:\n  "
             + "\n  ".join(bad))
print("policy and baseline are cdylib crates alone (built with LTO)")
'
