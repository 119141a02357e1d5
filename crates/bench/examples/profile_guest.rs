//! Runs one bench scenario through a module in a loop, for `perf record`
//! with `POLICY_RUNNER_PERFMAP=1`:
//! `profile_guest MODULE.wasm "Queue spec update" SECONDS`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use policy_runner::{validate_payload, Grants, Policy};
use transition_bench::{memoized, scenarios};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (module, name) = (&args[1], &args[2]);
    let secs: f64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let grants = Grants::from_metadata_file(&root.join("policy-metadata/metadata.yml")).expect("metadata");
    let s = scenarios(&root)
        .expect("scenarios")
        .into_iter()
        .find(|s| s.name == *name)
        .expect("no scenario of that name");
    let policy = Policy::from_bytes(&std::fs::read(module).expect("module"))
        .expect("compile")
        .with_grants(grants.clone());
    let payload = validate_payload(&s.request, &s.settings);
    let instance = policy
        .instance_with(memoized(s.fixtures.clone(), grants))
        .expect("instance");
    let (start, mut n) = (Instant::now(), 0u64);
    while start.elapsed() < Duration::from_secs_f64(secs) {
        instance.call("validate", &payload).expect("validate");
        n += 1;
    }
    eprintln!(
        "{n} calls, {:.1} us each",
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
