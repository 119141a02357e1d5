//! # transition-bench
//!
//! What the `guest` bench measures, as a library so the scenarios are tested
//! like any other code: the requests (taken from the bundled example cases),
//! the PodGroup contexts of 10 / 1,000 / 10,000 objects, memoized host-call
//! answers, and an interleaved timer that measures the policy and the
//! accept-all baseline in alternating batches, so their ratio comes from the
//! same moments of a machine that may be busy with other work.
//!
//! Expected flow: `scripts/bench.sh` builds both modules, runs
//! `cargo bench -p transition-bench --bench guest`, and writes BENCHMARKS.md
//! from its output.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use policy_runner::callback::{answer, Backend};
use policy_runner::{Case, Fixtures, Grants};
use serde_json::{json, Value};

/// One request the bench sends to both modules.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Short name, e.g. `Queue status transition, 1,000 PodGroups`.
    pub name: String,
    /// The rule family that decides it (for the report).
    pub family: &'static str,
    pub request: Value,
    pub settings: Value,
    pub fixtures: Fixtures,
    /// What transition-guard must answer; the bench refuses to time a
    /// scenario whose verdict is not this (a fast wrong answer is no result).
    pub expect_accepted: bool,
    /// PodGroups in the context (0 when none).
    pub podgroups: usize,
}

/// PodGroup counts of the Queue status transition scenarios.
pub const PODGROUP_COUNTS: &[usize] = &[10, 1_000, 10_000];

fn case(root: &Path, rel: &str) -> Result<Case, String> {
    Case::read(&root.join(rel))
}

fn scenario(name: &str, family: &'static str, c: Case, expect_accepted: bool) -> Scenario {
    Scenario {
        name: name.to_string(),
        family,
        podgroups: 0,
        request: c.request,
        settings: c.settings,
        fixtures: c.fixtures,
        expect_accepted,
    }
}

/// The scenarios, read from `examples/cases` under the workspace `root`.
///
/// Errors: a case file that is missing or unreadable, named.
pub fn scenarios(root: &Path) -> Result<Vec<Scenario>, String> {
    let dir = root.join("examples/cases");
    let mut out = vec![
        scenario(
            "Queue create",
            "V*/M* (queue spec)",
            case(&dir, "volcano-queue-lifecycle/01-create-queue.json")?,
            true,
        ),
        scenario(
            "Queue spec update",
            "V*/F1 (queue spec)",
            case(&dir, "volcano-queue-lifecycle/02-edit-quota-while-open.json")?,
            true,
        ),
    ];
    let closing = case(
        &dir,
        "volcano-queue-lifecycle/06-closed-after-podgroups-gone.json",
    )?;
    for &n in PODGROUP_COUNTS {
        let mut objects = closing.fixtures.objects().to_vec();
        objects.extend(podgroups(n));
        let mut s = scenario(
            &format!("Queue status Closing→Closed, {} PodGroups", thousands(n as u64)),
            "S1/T* (queue status)",
            closing.clone(),
            true,
        );
        s.fixtures = Fixtures::new(objects);
        s.podgroups = n;
        out.push(s);
    }
    out.push(scenario(
        "RayService spec update",
        "KR-META/KR-SPEC (rayservices)",
        case(&root.join("tests/data"), "kuberay/spec/valid-update.json")?,
        true,
    ));
    out.push(scenario(
        "RayService status promotion",
        "RS* (rayservices/status)",
        case(&dir, "rayservice-upgrade/04-w5-promotion.json")?,
        true,
    ));
    out.push(scenario(
        "Service switch",
        "SV* (services)",
        case(&dir, "rayservice-upgrade/02-w3-head-svc.json")?,
        true,
    ));
    Ok(out)
}

/// `n` PodGroups shaped like a busy cluster's: spread over 50 namespaces and
/// 7 queues, none of them in the queue `ml` the transition closes (so the
/// transition is accepted only after the policy has read every one).
pub fn podgroups(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({
                "apiVersion": "scheduling.volcano.sh/v1beta1",
                "kind": "PodGroup",
                "metadata": {
                    "name": format!("job-{i:05}-pg"),
                    "namespace": format!("team-{:02}", i % 50),
                    "uid": format!("3f6c2a10-0000-4000-8000-{i:012}"),
                    "resourceVersion": format!("{}", 100_000 + i),
                    "creationTimestamp": "2026-11-20T08:00:00Z",
                    "labels": {"app": "trainer", "volcano.sh/job-name": format!("job-{i:05}")},
                    "ownerReferences": [{
                        "apiVersion": "batch.volcano.sh/v1alpha1", "kind": "Job",
                        "name": format!("job-{i:05}"), "uid": format!("9a1b-{i}"), "controller": true
                    }]
                },
                "spec": {
                    "queue": format!("research-{}", i % 7),
                    "minMember": 4,
                    "minResources": {"cpu": "16", "memory": "64Gi", "nvidia.com/gpu": "4"},
                    "priorityClassName": "batch"
                },
                "status": {"phase": if i % 3 == 0 { "Pending" } else { "Running" }, "running": 4}
            })
        })
        .collect()
}

/// A host-call answerer that asks `fixtures` once per distinct call and then
/// replays the answer bytes. With it a timed `validate` still makes its host
/// calls and copies every answer into guest memory, but the host's filtering
/// and JSON serialization of the fixture list is paid once, before timing.
pub fn memoized(
    fixtures: Fixtures,
    grants: Grants,
) -> impl Fn(&str, &str, &str, &[u8]) -> Result<Vec<u8>, String> + Send + Sync {
    let backend = Backend::Fixtures(fixtures);
    type Key = (String, String, String, Vec<u8>);
    let cache: Mutex<HashMap<Key, Result<Vec<u8>, String>>> = Mutex::new(HashMap::new());
    move |binding, namespace, operation, payload| {
        let key = (
            binding.to_string(),
            namespace.to_string(),
            operation.to_string(),
            payload.to_vec(),
        );
        let mut cache = cache.lock().map_err(|_| "bench cache poisoned".to_string())?;
        cache
            .entry(key)
            .or_insert_with(|| answer(&backend, &grants, binding, namespace, operation, payload).answer)
            .clone()
    }
}

/// One host call a module made while answering a request.
#[derive(Debug, Clone, PartialEq)]
pub struct HostCall {
    pub binding: String,
    pub namespace: String,
    pub operation: String,
    /// The request bytes the module sent.
    pub request: Vec<u8>,
    /// Bytes of the answer it got back (0 for an error).
    pub answer_bytes: usize,
}

/// Wraps `answer` so that every call through it is appended to `log`.
pub fn recording<F>(
    answer: F,
    log: Arc<Mutex<Vec<HostCall>>>,
) -> impl Fn(&str, &str, &str, &[u8]) -> Result<Vec<u8>, String> + Send + Sync
where
    F: Fn(&str, &str, &str, &[u8]) -> Result<Vec<u8>, String> + Send + Sync,
{
    move |binding, namespace, operation, request| {
        let a = answer(binding, namespace, operation, request);
        if let Ok(mut log) = log.lock() {
            log.push(HostCall {
                binding: binding.to_string(),
                namespace: namespace.to_string(),
                operation: operation.to_string(),
                request: request.to_vec(),
                answer_bytes: a.as_ref().map_or(0, Vec::len),
            });
        }
        a
    }
}

/// Wraps `answer` so that the host time of every call through it (the
/// answerer itself, from entry to return) is added to `spent`, in ns. The
/// bench runs it untimed, to say how much of a request's measured time the
/// host's side of its lookups took.
pub fn host_timed<F>(
    answer: F,
    spent: Arc<AtomicU64>,
) -> impl Fn(&str, &str, &str, &[u8]) -> Result<Vec<u8>, String> + Send + Sync
where
    F: Fn(&str, &str, &str, &[u8]) -> Result<Vec<u8>, String> + Send + Sync,
{
    move |binding, namespace, operation, request| {
        let t = Instant::now();
        let a = answer(binding, namespace, operation, request);
        spent.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        a
    }
}

/// The payload that primes the lookup baseline (`crates/accept-all-lookups`,
/// waPC operation `bench_set_lookups`) to make `calls`: a JSON array of
/// `{binding, namespace, operation, request}`, each request as the JSON it was.
///
/// Errors: a request that is not JSON, named by its position and operation.
pub fn prime_payload(calls: &[HostCall]) -> Result<Vec<u8>, String> {
    let lookups = calls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let request: Value = serde_json::from_slice(&c.request)
                .map_err(|e| format!("host call {i} ({}): request is not JSON: {e}", c.operation))?;
            Ok(json!({
                "binding": c.binding,
                "namespace": c.namespace,
                "operation": c.operation,
                "request": request,
            }))
        })
        .collect::<Result<Vec<_>, String>>()?;
    serde_json::to_vec(&lookups).map_err(|e| e.to_string())
}

/// Summary of per-call times, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Stats {
    /// Stats of `samples`; all zero for none.
    pub fn of(samples: &[f64]) -> Stats {
        if samples.is_empty() {
            return Stats {
                median: 0.0,
                min: 0.0,
                max: 0.0,
            };
        }
        let mut v = samples.to_vec();
        v.sort_by(f64::total_cmp);
        let mid = v.len() / 2;
        let median = if !v.len().is_multiple_of(2) {
            v[mid]
        } else {
            (v[mid - 1] + v[mid]) / 2.0
        };
        Stats {
            median,
            min: v[0],
            max: v[v.len() - 1],
        }
    }
}

/// Per-call times of two operations measured in alternating batches.
#[derive(Debug, Clone)]
pub struct Pair {
    /// Mean time per call of each batch of `a`, ns.
    pub a: Vec<f64>,
    /// Mean time per call of each batch of `b`, ns.
    pub b: Vec<f64>,
}

impl Pair {
    /// The median over rounds of (a's batch mean / b's batch mean): both
    /// batches of a round ran back to back, so load that shifts between
    /// rounds cancels out.
    pub fn ratio(&self) -> f64 {
        let r: Vec<f64> = self.a.iter().zip(&self.b).map(|(a, b)| a / b).collect();
        Stats::of(&r).median
    }

    /// The median over rounds of (a's batch mean − b's batch mean), ns: what
    /// `a` costs on top of `b`, for two runs of one module.
    pub fn difference(&self) -> f64 {
        let d: Vec<f64> = self.a.iter().zip(&self.b).map(|(a, b)| a - b).collect();
        Stats::of(&d).median
    }
}

/// How many calls of `f` fill about `target_ns`, from one timed call (at least 1).
fn batch_size(f: &mut dyn FnMut(), target_ns: f64) -> usize {
    let t = Instant::now();
    f();
    let one = t.elapsed().as_nanos().max(1) as f64;
    ((target_ns / one) as usize).clamp(1, 1_000_000)
}

/// Times `a` and `b` in `rounds` rounds; each round runs a batch of `a`, then
/// a batch of `b`, each batch lasting about `batch_ns`.
pub fn interleaved(rounds: usize, batch_ns: f64, a: &mut dyn FnMut(), b: &mut dyn FnMut()) -> Pair {
    for _ in 0..3 {
        a();
        b();
    }
    let ka = batch_size(a, batch_ns);
    let kb = batch_size(b, batch_ns);
    let mut pair = Pair {
        a: Vec::with_capacity(rounds),
        b: Vec::with_capacity(rounds),
    };
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..ka {
            a();
        }
        pair.a.push(t.elapsed().as_nanos() as f64 / ka as f64);
        let t = Instant::now();
        for _ in 0..kb {
            b();
        }
        pair.b.push(t.elapsed().as_nanos() as f64 / kb as f64);
    }
    pair
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration in ns, printed with a unit that keeps 3 significant digits.
pub fn human(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    #[test]
    fn scenarios_read_and_carry_their_podgroups() {
        let all = scenarios(&root()).unwrap();
        let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Queue create",
                "Queue spec update",
                "Queue status Closing→Closed, 10 PodGroups",
                "Queue status Closing→Closed, 1,000 PodGroups",
                "Queue status Closing→Closed, 10,000 PodGroups",
                "RayService spec update",
                "RayService status promotion",
                "Service switch",
            ]
        );
        let pgs: Vec<usize> = all
            .iter()
            .map(|s| {
                s.fixtures
                    .objects()
                    .iter()
                    .filter(|o| o["kind"] == "PodGroup")
                    .count()
            })
            .collect();
        assert_eq!(pgs, [0, 0, 10, 1_000, 10_000, 0, 0, 0]);
    }

    #[test]
    fn generated_podgroups_never_reference_the_closed_queue() {
        let pgs = podgroups(100);
        assert_eq!(pgs.len(), 100);
        assert!(pgs.iter().all(|p| p["spec"]["queue"] != "ml"));
        assert_eq!(pgs[42]["metadata"]["namespace"], "team-42");
    }

    #[test]
    fn memoized_answers_repeat_the_first_answer_and_errors() {
        let f = Fixtures::new(podgroups(3));
        let memo = memoized(f.clone(), Grants::all());
        let req = br#"{"api_version":"scheduling.volcano.sh/v1beta1","kind":"PodGroup","field_masks":["spec.queue"]}"#;
        let first = memo("kubewarden", "kubernetes", "list_resources_all", req);
        let direct = answer(
            &Backend::Fixtures(f),
            &Grants::all(),
            "kubewarden",
            "kubernetes",
            "list_resources_all",
            req,
        );
        assert_eq!(first, direct.answer);
        assert!(first.is_ok());
        assert_eq!(memo("kubewarden", "kubernetes", "list_resources_all", req), first);
        assert_eq!(
            memo("other", "kubernetes", "get_resource", b"{}"),
            Err("unknown binding: other".into())
        );
        // Without grants the lookup is denied, as the engine denies it.
        let denied = memoized(Fixtures::new(podgroups(1)), Grants::default());
        assert!(denied("kubewarden", "kubernetes", "list_resources_all", req).is_err());
    }

    #[test]
    fn stats_and_formatting() {
        assert_eq!(
            Stats::of(&[3.0, 1.0, 2.0, 10.0]),
            Stats {
                median: 2.5,
                min: 1.0,
                max: 10.0
            }
        );
        let p = Pair {
            a: vec![2.0, 4.0, 30.0],
            b: vec![1.0, 2.0, 10.0],
        };
        assert_eq!(p.ratio(), 2.0);
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(human(1_530.0), "1.5 µs");
        assert_eq!(human(2_500_000.0), "2.50 ms");
    }

    #[test]
    fn recording_logs_each_call_and_passes_its_answer_through() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let answer = recording(
            |_: &str, _: &str, op: &str, _: &[u8]| {
                if op == "get_resource" {
                    Ok(b"{}".to_vec())
                } else {
                    Err("no".to_string())
                }
            },
            log.clone(),
        );
        assert_eq!(
            answer("kubewarden", "kubernetes", "get_resource", b"{\"a\":1}"),
            Ok(b"{}".to_vec())
        );
        assert_eq!(
            answer("kubewarden", "kubernetes", "can_i", b"[]"),
            Err("no".to_string())
        );
        let call = |op: &str, request: &[u8], answer_bytes| HostCall {
            binding: "kubewarden".into(),
            namespace: "kubernetes".into(),
            operation: op.into(),
            request: request.to_vec(),
            answer_bytes,
        };
        assert_eq!(
            *log.lock().unwrap(),
            vec![call("get_resource", b"{\"a\":1}", 2), call("can_i", b"[]", 0)]
        );
    }

    #[test]
    fn the_prime_payload_carries_each_call_with_its_request_as_json() {
        let calls = vec![HostCall {
            binding: "kubewarden".into(),
            namespace: "kubernetes".into(),
            operation: "get_resource".into(),
            request: br#"{"kind":"Queue","name":"root"}"#.to_vec(),
            answer_bytes: 10,
        }];
        let out: Value = serde_json::from_slice(&prime_payload(&calls).unwrap()).unwrap();
        assert_eq!(
            out,
            json!([{"binding": "kubewarden", "namespace": "kubernetes", "operation": "get_resource",
                    "request": {"kind": "Queue", "name": "root"}}])
        );
        let mut bad = calls.clone();
        bad[0].request = b"not json".to_vec();
        assert_eq!(
            prime_payload(&bad),
            Err("host call 0 (get_resource): request is not JSON: expected ident at line 1 column 2".into())
        );
    }

    #[test]
    fn a_pair_gives_the_median_ratio_and_the_median_difference_of_its_rounds() {
        let p = Pair {
            a: vec![12.0, 30.0, 11.0],
            b: vec![10.0, 10.0, 10.0],
        };
        assert_eq!(p.ratio(), 1.2);
        assert_eq!(p.difference(), 2.0);
    }

    #[test]
    fn host_timed_adds_the_time_spent_in_the_answerer_and_passes_its_answer_through() {
        let spent = Arc::new(AtomicU64::new(0));
        let answer = host_timed(
            |_: &str, _: &str, op: &str, _: &[u8]| {
                std::thread::sleep(std::time::Duration::from_millis(2));
                if op == "get_resource" {
                    Ok(b"{}".to_vec())
                } else {
                    Err("no".to_string())
                }
            },
            spent.clone(),
        );
        assert_eq!(
            answer("kubewarden", "kubernetes", "get_resource", b"{}"),
            Ok(b"{}".to_vec())
        );
        assert_eq!(
            answer("kubewarden", "kubernetes", "can_i", b"[]"),
            Err("no".to_string())
        );
        let ns = spent.load(Ordering::Relaxed);
        assert!(ns >= 4_000_000, "two 2 ms answers, counted {ns} ns");
    }
}
