//! Guest time of transition-guard next to the accept-all baseline (same SDK),
//! in wasmtime through policy-runner, in one run.
//!
//! `cargo bench -p transition-bench --bench guest -- [--out DIR] [--quick]`
//! Modules: `TRANSITION_GUARD_WASM` and `ACCEPT_ALL_WASM`, or the release
//! builds under `$CARGO_TARGET_DIR` (default `target/`). `scripts/bench.sh`
//! builds them and writes BENCHMARKS.md from `DIR/results.md`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use policy_runner::{validate_payload, Grants, Instance, Policy, ValidationResponse};
use serde_json::{json, Value};
use transition_bench::{
    host_timed, human, interleaved, memoized, prime_payload, recording, scenarios, thousands, HostCall, Pair,
    Scenario, Stats,
};

fn module(var: &str, file: &str, root: &Path) -> PathBuf {
    if let Some(p) = std::env::var_os(var) {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    target.join("wasm32-wasip1/release").join(file)
}

/// Loads a module with the grants of `policy-metadata/metadata.yml` (the
/// raw module carries no metadata; policy-server would grant these).
fn load(path: &Path, grants: &Grants) -> (Vec<u8>, Policy) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; build it first (scripts/bench.sh does: cargo build -p transition-guard -p accept-all --target wasm32-wasip1 --release)",
            path.display()
        )
    });
    let policy = Policy::from_bytes(&bytes)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .with_grants(grants.clone());
    (bytes, policy)
}

fn call(instance: &Instance, payload: &[u8]) -> Vec<u8> {
    instance
        .call("validate", payload)
        .unwrap_or_else(|e| panic!("validate failed: {e}"))
}

fn check(who: &str, s: &Scenario, out: &[u8], expect: bool) {
    let r: ValidationResponse = serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("{who} on `{}`: undecodable answer: {e}", s.name));
    assert_eq!(
        r.accepted, expect,
        "{who} on `{}` answered {:?}; the bench times only the expected verdict",
        s.name, r
    );
}

/// Runs `payload` once on a fresh instance of `p` (primed with `prime`
/// first, when given) and returns the host calls it made.
fn record_calls(
    p: &Policy,
    s: &Scenario,
    payload: &[u8],
    grants: &Grants,
    prime: Option<(&'static str, &[u8])>,
) -> Vec<HostCall> {
    let log = Arc::new(Mutex::new(Vec::new()));
    let i = p
        .instance_with(recording(
            memoized(s.fixtures.clone(), grants.clone()),
            log.clone(),
        ))
        .expect("instantiate");
    if let Some((op, prime)) = prime {
        i.call(op, prime).expect("prime the lookup baseline");
    }
    call(&i, payload);
    let calls = log.lock().map(|c| c.clone()).unwrap_or_default();
    calls
}

/// What two modules' host calls must share: where each went and how big its
/// answer was (the request bytes may differ in key order).
fn calls_summary(calls: &[HostCall]) -> Vec<(&str, &str, &str, usize)> {
    calls
        .iter()
        .map(|c| {
            (
                c.binding.as_str(),
                c.namespace.as_str(),
                c.operation.as_str(),
                c.answer_bytes,
            )
        })
        .collect()
}

/// The operation that primes `crates/accept-all-lookups` (its `PRIME`).
const PRIME: &str = "bench_set_lookups";
/// The operation that primes it to only scan the answers (its `PRIME_SCAN`).
const PRIME_SCAN: &str = "bench_set_lookups_scan";
/// The operation that primes it to make the host calls alone (its `PRIME_RAW`).
const PRIME_RAW: &str = "bench_set_lookups_raw";

/// What a request's lookups cost, measured inside `crates/accept-all-lookups`
/// (each variant against the same module primed with no call, so that what
/// the module costs apart from its calls cancels out).
struct Lookups {
    /// accept-all-lookups primed with no call, against accept-all: what that
    /// module costs apart from its calls.
    module: Pair,
    /// The calls through the SDK, answers parsed into `Value`s.
    value: Pair,
    /// The calls through the SDK, answers only scanned (`IgnoredAny`).
    scan: Pair,
    /// The host calls alone: requests serialized once, answers never read.
    raw: Pair,
    /// Host time of transition-guard's calls per request (the bench's
    /// replay of the answers, measured apart from the timed rounds), ns.
    host_ns: f64,
}

struct Row {
    scenario: Scenario,
    /// Host calls transition-guard makes for the request, and the answer bytes it copies in.
    host_calls: usize,
    answer_bytes: usize,
    guest: Pair,
    /// For requests that look something up.
    lookups: Option<Lookups>,
    runner: Pair,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let out_dir = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let (rounds, batch_ns) = if quick { (5, 5e6) } else { (31, 20e6) };

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let tg_path = module("TRANSITION_GUARD_WASM", "transition_guard.wasm", &root);
    let aa_path = module("ACCEPT_ALL_WASM", "accept_all.wasm", &root);
    let metadata = root.join("policy-metadata/metadata.yml");
    let grants =
        Grants::from_metadata_file(&metadata).unwrap_or_else(|e| panic!("{}: {e}", metadata.display()));
    let (tg_bytes, tg) = load(&tg_path, &grants);
    let (aa_bytes, aa) = load(&aa_path, &grants);
    // The lookup baseline; `ACCEPT_ALL_LOOKUPS_WASM=` (empty) skips it (the floors do).
    let aal = match std::env::var_os("ACCEPT_ALL_LOOKUPS_WASM") {
        Some(p) if p.is_empty() => None,
        _ => Some(load(
            &module("ACCEPT_ALL_LOOKUPS_WASM", "accept_all_lookups.wasm", &root),
            &grants,
        )),
    };

    // Module compile (Cranelift), each module several times, alternating.
    let compile_reps = if quick { 2 } else { 5 };
    let (mut c_tg, mut c_aa) = (Vec::new(), Vec::new());
    for _ in 0..compile_reps {
        let t = Instant::now();
        Policy::from_bytes(&tg_bytes).expect("compile");
        c_tg.push(t.elapsed().as_nanos() as f64);
        let t = Instant::now();
        Policy::from_bytes(&aa_bytes).expect("compile");
        c_aa.push(t.elapsed().as_nanos() as f64);
    }
    eprintln!(
        "compile: {} vs {}",
        human(Stats::of(&c_tg).median),
        human(Stats::of(&c_aa).median)
    );

    // Instantiation (waPC host + wasmtime instance + wapc_init).
    let inst = interleaved(
        rounds,
        batch_ns,
        &mut || {
            tg.instance_with(|_, _, _, _| Err("none".into()))
                .expect("instantiate");
        },
        &mut || {
            aa.instance_with(|_, _, _, _| Err("none".into()))
                .expect("instantiate");
        },
    );
    eprintln!(
        "instantiate: {} vs {}",
        human(Stats::of(&inst.a).median),
        human(Stats::of(&inst.b).median)
    );

    let mut rows = Vec::new();
    for s in scenarios(&root).unwrap_or_else(|e| panic!("{e}")) {
        let payload = validate_payload(&s.request, &s.settings);
        let tg_i = tg
            .instance_with(memoized(s.fixtures.clone(), grants.clone()))
            .expect("instantiate");
        let aa_i = aa
            .instance_with(memoized(s.fixtures.clone(), grants.clone()))
            .expect("instantiate");
        let calls = record_calls(&tg, &s, &payload, &grants, None);
        let (host_calls, answer_bytes) = (calls.len(), calls.iter().map(|c| c.answer_bytes).sum());
        check("transition-guard", &s, &call(&tg_i, &payload), s.expect_accepted);
        check("accept-all", &s, &call(&aa_i, &payload), true);
        let guest = interleaved(
            rounds,
            batch_ns,
            &mut || {
                call(&tg_i, &payload);
            },
            &mut || {
                call(&aa_i, &payload);
            },
        );
        // The lookup baseline makes the calls transition-guard made; the
        // bench checks that it did, with the same answers, before timing it.
        let lookups = match &aal {
            Some((_, aal)) if host_calls > 0 => {
                let prime = prime_payload(&calls).unwrap_or_else(|e| panic!("{}: {e}", s.name));
                let primed = |op: &'static str, prime: &[u8]| {
                    let i = aal
                        .instance_with(memoized(s.fixtures.clone(), grants.clone()))
                        .expect("instantiate");
                    i.call(op, prime).expect("prime the lookup baseline");
                    check(op, &s, &call(&i, &payload), true);
                    i
                };
                for op in [PRIME, PRIME_SCAN, PRIME_RAW] {
                    let made = record_calls(aal, &s, &payload, &grants, Some((op, &prime)));
                    assert_eq!(
                        calls_summary(&made),
                        calls_summary(&calls),
                        "{}: the lookup baseline primed by {op} must make transition-guard's host calls and get the same answers",
                        s.name
                    );
                }
                let none = primed(PRIME, b"[]");
                let made_none = record_calls(aal, &s, &payload, &grants, Some((PRIME, b"[]")));
                assert!(
                    made_none.is_empty(),
                    "{}: primed with no call, it made {made_none:?}",
                    s.name
                );
                let over_none = |i: &Instance| {
                    interleaved(
                        rounds,
                        batch_ns,
                        &mut || {
                            call(i, &payload);
                        },
                        &mut || {
                            call(&none, &payload);
                        },
                    )
                };
                let value = over_none(&primed(PRIME, &prime));
                let scan = over_none(&primed(PRIME_SCAN, &prime));
                let raw = over_none(&primed(PRIME_RAW, &prime));
                let module = interleaved(
                    rounds,
                    batch_ns,
                    &mut || {
                        call(&none, &payload);
                    },
                    &mut || {
                        call(&aa_i, &payload);
                    },
                );
                // Untimed: the same replay, each call's host time summed.
                let spent = Arc::new(AtomicU64::new(0));
                let timed_i = tg
                    .instance_with(host_timed(
                        memoized(s.fixtures.clone(), grants.clone()),
                        spent.clone(),
                    ))
                    .expect("instantiate");
                call(&timed_i, &payload);
                spent.store(0, Ordering::Relaxed);
                let reps = if s.podgroups >= 1_000 { 20 } else { 500 };
                for _ in 0..reps {
                    call(&timed_i, &payload);
                }
                let host_ns = spent.load(Ordering::Relaxed) as f64 / reps as f64;
                Some(Lookups {
                    module,
                    value,
                    scan,
                    raw,
                    host_ns,
                })
            }
            _ => None,
        };
        // What policy-runner does per request: fresh instance, fixtures
        // answered (filtered, masked, serialized) per host call, answer decoded.
        let run = |p: &Policy| {
            let (r, _) = p
                .validate(&s.request, &s.settings, s.fixtures.clone())
                .unwrap_or_else(|e| panic!("{e}"));
            r
        };
        let runner_rounds = if s.podgroups >= 1_000 {
            rounds.min(7)
        } else {
            rounds
        };
        let runner = interleaved(
            runner_rounds,
            batch_ns,
            &mut || {
                run(&tg);
            },
            &mut || {
                run(&aa);
            },
        );
        eprintln!(
            "{}: guest {} vs {} ({:.2}x); runner {} vs {}",
            s.name,
            human(Stats::of(&guest.a).median),
            human(Stats::of(&guest.b).median),
            guest.ratio(),
            human(Stats::of(&runner.a).median),
            human(Stats::of(&runner.b).median)
        );
        if let Some(l) = &lookups {
            let aa_ns = Stats::of(&guest.b).median;
            eprintln!(
                "{}: lookups cost {} (SDK, Value), {} (SDK, scanned), {} (host calls alone), host side {}; \
                 accept-all + SDK lookups {:.2}x accept-all, transition-guard {:.2}x that; module apart from calls {:.2}x accept-all",
                s.name,
                human(l.value.difference()),
                human(l.scan.difference()),
                human(l.raw.difference()),
                human(l.host_ns),
                (aa_ns + l.value.difference()) / aa_ns,
                Stats::of(&guest.a).median / (aa_ns + l.value.difference()),
                l.module.ratio()
            );
        }
        rows.push(Row {
            scenario: s,
            host_calls,
            answer_bytes,
            guest,
            lookups,
            runner,
        });
    }

    let md = report(&rows, &c_tg, &c_aa, &inst, rounds, batch_ns, &tg_bytes, &aa_bytes);
    println!("{md}");
    if let Some(dir) = out_dir {
        std::fs::create_dir_all(&dir).expect("create --out dir");
        std::fs::write(dir.join("results.md"), &md).expect("write results.md");
        let json = json_report(&rows, &c_tg, &c_aa, &inst);
        std::fs::write(
            dir.join("results.json"),
            serde_json::to_vec_pretty(&json).unwrap_or_default(),
        )
        .expect("write results.json");
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    rows: &[Row],
    c_tg: &[f64],
    c_aa: &[f64],
    inst: &Pair,
    rounds: usize,
    batch_ns: f64,
    tg_bytes: &[u8],
    aa_bytes: &[u8],
) -> String {
    let mut md = String::new();
    md.push_str(&format!(
        "Modules measured: transition-guard {} bytes, accept-all {} bytes.\n\
         Each figure is the median over {rounds} rounds; in every round the policy and the baseline run \
         a batch of about {} back to back, and the ratio is the median of the per-round ratios.\n\n",
        thousands(tg_bytes.len() as u64),
        thousands(aa_bytes.len() as u64),
        human(batch_ns)
    ));
    md.push_str("### Guest time per request (instance reused; `validate` call only)\n\n");
    md.push_str("| Request | Rule family | host calls (answer bytes) | transition-guard | accept-all | ratio | goal |\n");
    md.push_str("|---|---|---:|---:|---:|---:|---|\n");
    for r in rows {
        let (a, b) = (Stats::of(&r.guest.a), Stats::of(&r.guest.b));
        let ratio = r.guest.ratio();
        let goal = if r.scenario.podgroups >= 10_000 {
            verdict(a.median <= 2e6, "≤ 2 ms")
        } else if r.scenario.podgroups > 10 {
            "linear (below)".to_string()
        } else {
            verdict(ratio <= 1.3, "≤ 1.3×")
        };
        md.push_str(&format!(
            "| {} | {} | {} ({}) | {} | {} | {:.2}× | {} |\n",
            r.scenario.name,
            r.scenario.family,
            r.host_calls,
            thousands(r.answer_bytes as u64),
            human(a.median),
            human(b.median),
            ratio,
            goal
        ));
    }
    let pg: Vec<(usize, f64)> = rows
        .iter()
        .filter(|r| r.scenario.podgroups > 0)
        .map(|r| (r.scenario.podgroups, Stats::of(&r.guest.a).median))
        .collect();
    if pg.len() >= 3 {
        let slope1 = (pg[1].1 - pg[0].1) / (pg[1].0 - pg[0].0) as f64;
        let slope2 = (pg[2].1 - pg[1].1) / (pg[2].0 - pg[1].0) as f64;
        md.push_str(&format!(
            "\nGrowth with PodGroups in context: {} per PodGroup from {} to {}, {} per PodGroup from {} to {} \
             (equal slopes = linear).\n",
            human(slope1),
            thousands(pg[0].0 as u64),
            thousands(pg[1].0 as u64),
            human(slope2),
            thousands(pg[1].0 as u64),
            thousands(pg[2].0 as u64),
        ));
    }
    md.push_str(
        "\nIncluded in guest time: the waPC call, the guest copying the payload in, decoding, the rules, \
         every host call the policy makes (dispatch plus copying the answer bytes into guest memory) and \
         the response. Excluded: the host's filtering and JSON serialization of the fixture list, done \
         once per scenario and replayed (a real cluster's list latency is not the policy's).\n",
    );
    if rows.iter().any(|r| r.lookups.is_some()) {
        md.push_str(
            "\n### What the same lookups cost (instance reused; `validate` call only)\n\n\
             `crates/accept-all-lookups` is accept-all (same SDK, same decode) that, after decoding the request, \
             makes host calls it was primed with before timing: here the calls transition-guard made for the \
             request, checked to be the same calls with answers of the same size. Three ways: *SDK, `Value`* \
             (`bench_set_lookups`): through the SDK's `host_capabilities::kubernetes` code (a get is \
             `get_resource::<serde_json::Value>`; a list serializes the SDK's `ListAllResourcesRequest`, calls the \
             host and parses the answer into a `Value`); *SDK, scanned* (`bench_set_lookups_scan`): the same, \
             each answer only scanned (serde's `IgnoredAny`: every byte read as JSON, nothing built), the least \
             a policy that reads its answers with serde_json can pay; *host calls alone* \
             (`bench_set_lookups_raw`): each request serialized once when primed, each answer copied in and never \
             read, which any policy that looks these objects up pays. Each is timed against the same module primed \
             with no call, in interleaved rounds, and its cost is the median per-round difference: so what is \
             timed is the calls alone, whatever else tells the two modules apart (the last column, which should \
             be about 1: until its build ran LTO, as accept-all's does, it was 1.2-1.4). \
             *Host side* is the bench's replay of transition-guard's calls (key lookup and answer copy), measured \
             apart from the timed rounds; it is inside every guest time here.\n\n",
        );
        md.push_str(
            "| Request | host calls | SDK, `Value` | SDK, scanned | host calls alone | host side | accept-all-lookups with no call ÷ accept-all |\n",
        );
        md.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
        for r in rows {
            if let Some(l) = &r.lookups {
                md.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} | {:.2}× |\n",
                    r.scenario.name,
                    r.host_calls,
                    human(l.value.difference()),
                    human(l.scan.difference()),
                    human(l.raw.difference()),
                    human(l.host_ns),
                    l.module.ratio()
                ));
            }
        }
        md.push_str(
            "\n### Against accept-all plus the same lookups\n\n\
             accept-all's time (first table) plus each lookup cost above, as a ratio to accept-all: what a policy \
             that makes the same lookups and decides nothing would measure in the first table. The last column is \
             transition-guard's time (first table) over accept-all plus the SDK lookups: what its decoding, views \
             and rules cost over an SDK policy that fetches the same objects. transition-guard does not go through \
             the SDK for its lookups (it writes the requests directly and reads a PodGroup list with its own scan), \
             so it can be under the SDK columns. The goal is against accept-all alone.\n\n",
        );
        md.push_str(
            "| Request | transition-guard ÷ accept-all | accept-all + SDK, `Value` | + SDK, scanned | + host calls alone | transition-guard ÷ (accept-all + SDK, `Value`) |\n",
        );
        md.push_str("|---|---:|---:|---:|---:|---:|\n");
        for r in rows {
            if let Some(l) = &r.lookups {
                let aa = Stats::of(&r.guest.b).median;
                let plus = |p: &Pair| (aa + p.difference()) / aa;
                md.push_str(&format!(
                    "| {} | {:.2}× | {:.2}× | {:.2}× | {:.2}× | {:.2}× |\n",
                    r.scenario.name,
                    r.guest.ratio(),
                    plus(&l.value),
                    plus(&l.scan),
                    plus(&l.raw),
                    Stats::of(&r.guest.a).median / (aa + l.value.difference())
                ));
            }
        }
    }
    md.push_str("\n### policy-runner per request (fresh instance per request, as `Policy::validate`)\n\n");
    md.push_str("| Request | transition-guard | accept-all | ratio |\n|---|---:|---:|---:|\n");
    for r in rows {
        md.push_str(&format!(
            "| {} | {} | {} | {:.2}× |\n",
            r.scenario.name,
            human(Stats::of(&r.runner.a).median),
            human(Stats::of(&r.runner.b).median),
            r.runner.ratio()
        ));
    }
    md.push_str(
        "\nIncludes instantiation, cloning the scenario's fixture set (`Policy::validate` takes it by value; \
         this dominates the accept-all column at 1,000+ PodGroups), the host answering lookups from \
         fixtures (filter, mask, serialize) and decoding the answer; accept-all looks nothing up.\n",
    );
    md.push_str("\n### Module compile and instantiation\n\n");
    md.push_str("| Step | transition-guard | accept-all | ratio |\n|---|---:|---:|---:|\n");
    let (ct, ca) = (Stats::of(c_tg), Stats::of(c_aa));
    md.push_str(&format!(
        "| Compile (Cranelift, `Policy::from_bytes`) | {} | {} | {:.2}× |\n",
        human(ct.median),
        human(ca.median),
        ct.median / ca.median
    ));
    md.push_str(&format!(
        "| Instantiate (`Policy::instance_with`) | {} | {} | {:.2}× |\n",
        human(Stats::of(&inst.a).median),
        human(Stats::of(&inst.b).median),
        inst.ratio()
    ));
    md
}

fn verdict(met: bool, goal: &str) -> String {
    if met {
        format!("{goal}: met")
    } else {
        format!("{goal}: **not met**")
    }
}

fn json_report(rows: &[Row], c_tg: &[f64], c_aa: &[f64], inst: &Pair) -> Value {
    let stats = |s: Stats| json!({"median_ns": s.median, "min_ns": s.min, "max_ns": s.max});
    json!({
        "compile": {"transition_guard": stats(Stats::of(c_tg)), "accept_all": stats(Stats::of(c_aa))},
        "instantiate": {"transition_guard": stats(Stats::of(&inst.a)), "accept_all": stats(Stats::of(&inst.b)),
                        "ratio": inst.ratio()},
        "requests": rows.iter().map(|r| json!({
            "name": r.scenario.name,
            "family": r.scenario.family,
            "podgroups": r.scenario.podgroups,
            "host_calls": r.host_calls,
            "answer_bytes": r.answer_bytes,
            "guest": {"transition_guard": stats(Stats::of(&r.guest.a)), "accept_all": stats(Stats::of(&r.guest.b)),
                      "ratio": r.guest.ratio()},
            "runner": {"transition_guard": stats(Stats::of(&r.runner.a)), "accept_all": stats(Stats::of(&r.runner.b)),
                       "ratio": r.runner.ratio()},
            "lookups": r.lookups.as_ref().map(|l| {
                let aa = Stats::of(&r.guest.b).median;
                let cost = |p: &Pair| json!({"cost_ns": p.difference(),
                    "with": stats(Stats::of(&p.a)), "primed_with_no_call": stats(Stats::of(&p.b)),
                    "accept_all_plus_ratio": (aa + p.difference()) / aa});
                json!({
                    "sdk_value": cost(&l.value), "sdk_scanned": cost(&l.scan), "host_calls_alone": cost(&l.raw),
                    "host_side_ns": l.host_ns,
                    "module_with_no_call_vs_accept_all": l.module.ratio(),
                    "transition_guard_vs_accept_all_plus_sdk_value": Stats::of(&r.guest.a).median / (aa + l.value.difference()),
                })
            }),
        })).collect::<Vec<_>>(),
    })
}
