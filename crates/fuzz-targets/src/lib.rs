//! # fuzz-targets
//!
//! The bodies of the fuzz targets, in a stable crate: `fuzz/fuzz_targets/*.rs`
//! (cargo-fuzz, `fuzz/run.sh`) are one-line calls into [`run`], and
//! `tests/corpus.rs` replays every committed corpus file through the same
//! function under `cargo test`, so CI checks the corpora on stable.
//!
//! Each target runs the policy's own path natively: the `validate` payload
//! bytes are decoded by [`ValidationPayload::decode`] and evaluated by
//! [`evaluate`] against an in-memory cluster (the policy minus its wasm glue).
//!
//! Guarantees checked (a violation panics, which the fuzzer reports):
//! - no panic and no unbounded work anywhere in decode and rules;
//! - every rejection names a rule and carries a non-empty message;
//! - a request that is malformed in a way the policy must notice (not an
//!   object, a wrong-typed or missing `operation`/`resource`, a
//!   `request.kind` that is not the routed resource's kind, a non-object
//!   `object` on CREATE/UPDATE) is never accepted;
//! - evaluation is deterministic (the structured targets evaluate a quarter
//!   of their inputs twice);
//! - the payload decode's fast path answers as the `Value` decoder does
//!   (`ValidationPayload::decode` against `decode_value`);
//! - settings and quantities round-trip through their printed forms.

use std::sync::OnceLock;

use serde_json::{json, Value};
use transition_core::cluster::ObjectStore;
use transition_core::kuberay::release::KubeRayVersion;
use transition_core::quantity::Quantity;
use transition_core::settings::{Settings, KNOWN_KEYS};
use transition_core::volcano::weight;
use transition_core::{evaluate, ValidationPayload, Verdict};

/// The fuzz targets, by the name of their `fuzz/fuzz_targets/<name>.rs` and
/// corpus directory.
pub const TARGETS: &[&str] = &[
    "payload_bytes",
    "queue",
    "podgroup",
    "vcjob",
    "rayservice",
    "service",
    "settings",
    "quantity",
    "podgroup_list",
    "queue_answer",
    "kuberay_answer",
];

/// Runs target `name` on `data`.
///
/// Errors: an unknown target name (the corpus replay test uses it).
/// Panics when a guarantee of this crate is violated (the fuzzer's crash).
pub fn run(name: &str, data: &[u8]) -> Result<(), String> {
    match name {
        "payload_bytes" => payload_bytes(data),
        "queue" => structured(Kind::Queue, data),
        "podgroup" => structured(Kind::PodGroup, data),
        "vcjob" => structured(Kind::Job, data),
        "rayservice" => structured(Kind::RayService, data),
        "service" => structured(Kind::Service, data),
        "settings" => settings(data),
        "quantity" => quantity(data),
        "podgroup_list" => podgroup_list(data),
        "queue_answer" => queue_answer(data),
        "kuberay_answer" => kuberay_answer(data),
        other => {
            return Err(format!(
                "unknown fuzz target `{other}`; known: {}",
                TARGETS.join(", ")
            ))
        }
    }
    Ok(())
}

/// A seed: one valid case file's request, settings and cluster.
#[derive(Debug, Clone)]
pub struct Seed {
    pub request: Value,
    pub settings: Value,
    pub context: Vec<Value>,
}

/// Resource kinds with structured targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Queue,
    PodGroup,
    Job,
    RayService,
    Service,
}

impl Kind {
    /// Every kind, in declaration order (`kind as usize` indexes it).
    pub const ALL: [Kind; 5] = [
        Kind::Queue,
        Kind::PodGroup,
        Kind::Job,
        Kind::RayService,
        Kind::Service,
    ];
}

macro_rules! case {
    ($path:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../", $path))
    };
}

const QUEUE_SEEDS: &[&str] = &[
    case!("examples/cases/volcano-queue-lifecycle/01-create-queue.json"),
    case!("examples/cases/volcano-queue-lifecycle/02-edit-quota-while-open.json"),
    case!("examples/cases/volcano-queue-lifecycle/03-status-open-to-closing.json"),
    case!("examples/cases/volcano-queue-lifecycle/06-closed-after-podgroups-gone.json"),
    case!("tests/data/volcano/hierarchical/07-delete-leaf.json"),
    case!("tests/data/volcano/mutate/03-hdrf-root-prefix.json"),
];
const PODGROUP_SEEDS: &[&str] = &[case!("tests/data/volcano/podgroup/01-open-queue.json")];
const JOB_SEEDS: &[&str] = &[case!("tests/data/volcano/vcjob/04-job-with-leaf-queue.json")];
const RAYSERVICE_SEEDS: &[&str] = &[
    case!("tests/data/kuberay/spec/valid-update.json"),
    // A spec with every field the cluster-spec rules read (autoscaler v2,
    // idle timeouts, group resources and labels).
    case!("tests/data/kuberay/spec/cluster-autoscaler-v2-valid.json"),
    // kubeRayVersion v1.4.2: the rules of an older release.
    case!("examples/cases/rayservice-kuberay-release/v1.4-labels-in-rayStartParams-allowed.json"),
    case!("examples/cases/rayservice-upgrade/01-w1-pending-name.json"),
    case!("examples/cases/rayservice-upgrade/04-w5-promotion.json"),
    // KubeRay's RayClusterStatusConditions gate off: no HeadPodReady, status.state only.
    case!("tests/data/kuberay/gate-off/promotion.json"),
    // The same with lookupHeadPod: the head Pod is looked up and judged.
    case!("examples/cases/rayservice-gate-off-head-pod/lookup-head-pod-promotion.json"),
];
const SERVICE_SEEDS: &[&str] = &[
    case!("examples/cases/rayservice-upgrade/02-w3-head-svc.json"),
    case!("examples/cases/rayservice-upgrade/03-w4-serve-svc.json"),
    case!("tests/data/kuberay/gate-off/head-svc-switch.json"),
    case!("examples/cases/rayservice-gate-off-head-pod/lookup-head-pod-head-svc-switch.json"),
];

fn parse_seed(text: &str) -> Seed {
    // Committed case files; `tests` below proves each parses.
    let doc: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let context = doc
        .pointer("/context/resources")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Seed {
        request: doc.get("request").cloned().unwrap_or(Value::Null),
        settings: doc.get("settings").cloned().unwrap_or(Value::Null),
        context,
    }
}

/// The seeds of `kind`, parsed once.
pub fn seeds(kind: Kind) -> &'static [Seed] {
    static CELLS: [OnceLock<Vec<Seed>>; 5] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    let (i, texts) = match kind {
        Kind::Queue => (0, QUEUE_SEEDS),
        Kind::PodGroup => (1, PODGROUP_SEEDS),
        Kind::Job => (2, JOB_SEEDS),
        Kind::RayService => (3, RAYSERVICE_SEEDS),
        Kind::Service => (4, SERVICE_SEEDS),
    };
    CELLS[i].get_or_init(|| texts.iter().map(|t| parse_seed(t)).collect())
}

/// Every seed's objects together: the cluster the raw-bytes target sees.
fn all_context() -> &'static [Value] {
    static ALL: OnceLock<Vec<Value>> = OnceLock::new();
    ALL.get_or_init(|| {
        Kind::ALL
            .iter()
            .flat_map(|k| seeds(*k).iter().flat_map(|s| s.context.iter().cloned()))
            .collect()
    })
}

/// The policy's `validate`, natively: decode the payload, evaluate it.
/// A payload that does not decode is rejected as the policy rejects it.
pub fn validate(payload: &[u8], context: &[Value]) -> Verdict {
    validate_in(payload, &mut ObjectStore::new(context.to_vec()))
}

/// [`validate`] against a store the caller keeps: the targets build one
/// store per input and reuse it for the determinism check, instead of
/// deep-copying the cluster for every evaluation (that copy was most of an
/// execution).
pub fn validate_in(payload: &[u8], store: &mut ObjectStore) -> Verdict {
    match ValidationPayload::decode(payload) {
        Ok(p) => evaluate(&p.request, &p.settings, store),
        Err(e) => Verdict::reject("decode", format!("cannot decode the admission request: {e}")),
    }
}

/// Checks the guarantees every verdict keeps.
pub fn check_verdict(v: &Verdict) {
    match v {
        Verdict::Reject(r) => {
            assert!(!r.rule.is_empty(), "rejection without a rule: {r:?}");
            assert!(!r.message.trim().is_empty(), "rejection without a message: {r:?}");
        }
        Verdict::Mutate { object, rules } => {
            assert!(object.is_object(), "mutated object is not an object: {object}");
            assert!(!rules.is_empty(), "mutation without a rule");
        }
        Verdict::Accept => {}
    }
}

/// The kind `request.kind.kind` must carry for a routed resource.
fn expected_kind(group: &str, version: &str, resource: &str) -> Option<&'static str> {
    match (group, version, resource) {
        ("scheduling.volcano.sh", "v1beta1", "queues") => Some("Queue"),
        ("scheduling.volcano.sh", "v1beta1", "podgroups") => Some("PodGroup"),
        ("batch.volcano.sh", "v1alpha1", "jobs") => Some("Job"),
        ("ray.io", "v1", "rayservices") => Some("RayService"),
        ("", "v1", "services") => Some("Service"),
        _ => None,
    }
}

/// Why the admission request `req` (the value under `request`) must be
/// rejected whatever the rules say, or `None` when only the rules can tell.
pub fn must_reject(req: &Value) -> Option<String> {
    let Some(obj) = req.as_object() else {
        return Some("request is not an object".into());
    };
    // The core also takes a whole AdmissionReview and reads its `request`.
    if obj.get("kind").and_then(Value::as_str) == Some("AdmissionReview") {
        return must_reject(obj.get("request").unwrap_or(&Value::Null));
    }
    let operation = match obj.get("operation") {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Some("request.operation is not a string".into()),
    };
    let Some(resource) = obj.get("resource").and_then(Value::as_object) else {
        return Some("request.resource is missing or not an object".into());
    };
    let field =
        |o: &serde_json::Map<String, Value>, k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
    let (Some(group), Some(version), Some(res)) = (
        field(resource, "group").or(Some(String::new())),
        field(resource, "version"),
        field(resource, "resource"),
    ) else {
        return None;
    };
    let want = expected_kind(&group, &version, &res)?;
    let kind = obj
        .get("kind")
        .and_then(|k| k.get("kind"))
        .and_then(Value::as_str);
    if let Some(k) = kind {
        if k != want {
            return Some(format!("request.kind.kind {k:?} is not {want}"));
        }
    }
    if matches!(operation, "CREATE" | "UPDATE") {
        if let Some(o) = obj.get("object") {
            if !o.is_object() && !o.is_null() {
                return Some("request.object is not an object".into());
            }
        }
    }
    None
}

fn checked(payload: &[u8], request: Option<&Value>, store: &mut ObjectStore) -> Verdict {
    assert_eq!(
        ValidationPayload::decode(payload),
        ValidationPayload::decode_value(payload),
        "the payload's fast path and the Value decoder disagree"
    );
    let v = validate_in(payload, store);
    check_verdict(&v);
    if let Some(reason) = request.and_then(must_reject) {
        assert!(!v.is_allowed(), "accepted a malformed request ({reason}): {v:?}");
    }
    v
}

fn payload_bytes(data: &[u8]) {
    let request = serde_json::from_slice::<Value>(data)
        .ok()
        .and_then(|v| v.get("request").cloned());
    // The store only reads its objects (and logs calls): one per thread.
    thread_local! {
        static STORE: std::cell::RefCell<ObjectStore> =
            std::cell::RefCell::new(ObjectStore::new(all_context().to_vec()));
    }
    STORE.with_borrow_mut(|store| {
        store.calls.clear();
        checked(data, request.as_ref(), store);
    });
}

/// Reads the fuzzer's bytes as mutation choices.
struct Choices<'a> {
    data: &'a [u8],
    at: usize,
}

impl Choices<'_> {
    fn done(&self) -> bool {
        self.at >= self.data.len()
    }
    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }
    fn index(&mut self, len: usize) -> usize {
        let v = u16::from_le_bytes([self.byte(), self.byte()]) as usize;
        if len == 0 {
            0
        } else {
            v % len
        }
    }
    fn bytes(&mut self, n: usize) -> &[u8] {
        let start = self.at.min(self.data.len());
        let end = (start + n).min(self.data.len());
        self.at = end;
        &self.data[start..end]
    }
}

const STRINGS: &[&str] = &[
    "",
    "Open",
    "Closing",
    "Closed",
    "Unknown",
    "root",
    "ml",
    "default",
    "eng",
    "1",
    "-1",
    "0",
    "1Gi",
    "100m",
    "1e400",
    "9223372036854775807",
    "0.0000000001",
    "+.5",
    "Queue",
    "PodGroup",
    "Job",
    "RayService",
    "RayCluster",
    "Service",
    "status",
    "scale",
    "UPDATE",
    "CREATE",
    "DELETE",
    "CONNECT",
    "scheduling.volcano.sh",
    "batch.volcano.sh",
    "ray.io",
    "v1",
    "v1beta1",
    "v1alpha1",
    "queues",
    "podgroups",
    "jobs",
    "rayservices",
    "services",
    "system:serviceaccount:volcano-system:volcano-controllers",
    "RUNNING",
    "DEPLOYING",
    "UNHEALTHY",
    "Ready",
    "True",
    "False",
    "NewCluster",
    "None",
    "reclaim",
    "enqueue",
    "root/ml",
    "root/ml/a/b/c/d/e/f",
    "1/2/3",
    "fruit-b9m4w",
    "fruit-head-svc",
    "\u{0}\u{202e}ü",
];
const KEYS: &[&str] = &[
    "metadata",
    "spec",
    "status",
    "name",
    "namespace",
    "parent",
    "weight",
    "state",
    "capability",
    "deserved",
    "guarantee",
    "resource",
    "reclaimable",
    "queue",
    "activeServiceStatus",
    "pendingServiceStatus",
    "rayClusterName",
    "applicationStatuses",
    "serviceStatus",
    "conditions",
    "selector",
    "ownerReferences",
    "labels",
    "annotations",
    "observedGeneration",
    "upgradeStrategy",
    "rayClusterConfig",
    "object",
    "oldObject",
    "kind",
    "subResource",
    "userInfo",
    "operation",
    "statusWriters",
    "lookupHeadPod",
    "kubeRayVersion",
    "podName",
    "phase",
    "maxQueueDepth",
    "volcano.sh/hierarchy",
    "volcano.sh/hierarchy-weights",
    "deletionTimestamp",
    "controller",
    "uid",
    "allocated",
    "items",
    "cpu",
    "memory",
    "nvidia.com/gpu",
];

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// The path of the `k`-th node of `v` in pre-order (0 is `v` itself), or
/// `None` when `v` has fewer nodes. Walks without collecting every path, and
/// borrows the keys it passes (only the path found is copied, by [`pick`]).
fn nth_path<'v>(v: &'v Value, k: &mut usize, prefix: &mut Vec<SegRef<'v>>) -> bool {
    if *k == 0 {
        return true;
    }
    *k -= 1;
    match v {
        Value::Object(o) => {
            for (key, child) in o {
                prefix.push(SegRef::Key(key));
                if nth_path(child, k, prefix) {
                    return true;
                }
                prefix.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                prefix.push(SegRef::Index(i));
                if nth_path(child, k, prefix) {
                    return true;
                }
                prefix.pop();
            }
        }
        _ => {}
    }
    false
}

#[derive(Clone, Copy)]
enum SegRef<'v> {
    Key(&'v str),
    Index(usize),
}

fn pick(doc: &Value, total: usize, c: &mut Choices) -> Vec<Seg> {
    // Node 0 is the document itself: never replace it, keep its three parts.
    let mut k = 1 + c.index(total.saturating_sub(1).max(1));
    let mut path = Vec::new();
    nth_path(doc, &mut k, &mut path);
    path.iter()
        .map(|s| match s {
            SegRef::Key(k) => Seg::Key((*k).to_string()),
            SegRef::Index(i) => Seg::Index(*i),
        })
        .collect()
}

fn at_mut<'v>(v: &'v mut Value, path: &[Seg]) -> Option<&'v mut Value> {
    path.iter().try_fold(v, |cur, seg| match seg {
        Seg::Key(k) => cur.get_mut(k.as_str()),
        Seg::Index(i) => cur.get_mut(*i),
    })
}

fn nodes(v: &Value) -> usize {
    1 + match v {
        Value::Object(o) => o.values().map(nodes).sum(),
        Value::Array(a) => a.iter().map(nodes).sum(),
        _ => 0,
    }
}

/// One mutation of `doc` (`{"request", "settings", "context"}`), chosen by `c`.
/// `total` is the node count of `doc` when the mutations began: counting
/// again after every mutation cost as much as the evaluation. A stale count
/// only shifts which node is picked (one past the end picks nothing).
fn mutate(doc: &mut Value, total: usize, c: &mut Choices) {
    let path = pick(doc, total, c);
    if path.is_empty() {
        return;
    }
    let op = c.byte() % 12;
    let value = match op {
        0 => {
            // delete
            let (last, parent) = path
                .split_last()
                .map(|(l, p)| (l.clone(), p.to_vec()))
                .unwrap_or((Seg::Index(0), vec![]));
            if let Some(p) = at_mut(doc, &parent) {
                match (p, last) {
                    (Value::Object(o), Seg::Key(k)) => {
                        o.remove(&k);
                    }
                    (Value::Array(a), Seg::Index(i)) if i < a.len() => {
                        a.remove(i);
                    }
                    _ => {}
                }
            }
            return;
        }
        1 => Value::Null,
        2 => Value::Bool(c.byte() & 1 == 1),
        3 => {
            let specials = [0i64, -1, 1, i64::MAX, i64::MIN, 1 << 53, 65_536, 10_000_000];
            json!(specials[c.index(specials.len())])
        }
        4 => {
            let raw = c.bytes(8);
            let mut b = [0u8; 8];
            b[..raw.len()].copy_from_slice(raw);
            match c.byte() % 3 {
                0 => json!(u64::from_le_bytes(b)),
                1 => json!(i64::from_le_bytes(b)),
                _ => serde_json::Number::from_f64(f64::from_le_bytes(b))
                    .map(Value::Number)
                    .unwrap_or(json!(1.5)),
            }
        }
        5 => {
            let n = c.byte() as usize % 48;
            Value::String(String::from_utf8_lossy(c.bytes(n)).into_owned())
        }
        6 => Value::String(STRINGS[c.index(STRINGS.len())].to_string()),
        7 => Value::String("a".repeat(1 + c.index(400))),
        8 => json!([]),
        9 => json!({}),
        10 => {
            // copy another (small) value here
            let src = pick(doc, total, c);
            let copy = at_mut(doc, &src).map(|v| v.clone()).unwrap_or(Value::Null);
            if nodes(&copy) > 200 {
                return;
            }
            copy
        }
        _ => {
            // add a key with a dictionary value under an object
            let key = KEYS[c.index(KEYS.len())].to_string();
            let val = Value::String(STRINGS[c.index(STRINGS.len())].to_string());
            if let Some(Value::Object(o)) = at_mut(doc, &path) {
                o.insert(key, val);
            }
            return;
        }
    };
    if let Some(slot) = at_mut(doc, &path) {
        *slot = value;
    }
}

/// The node count of `{"request", "settings", "context"}` built from `seed`.
fn seed_nodes(kind: Kind, seed: &Seed) -> usize {
    static COUNTS: OnceLock<Vec<Vec<usize>>> = OnceLock::new();
    let counts = COUNTS.get_or_init(|| {
        Kind::ALL
            .iter()
            .map(|k| {
                seeds(*k)
                    .iter()
                    .map(|s| {
                        nodes(&json!({"request": s.request, "settings": s.settings, "context": s.context}))
                    })
                    .collect()
            })
            .collect()
    });
    let k = kind as usize;
    let i = seeds(kind)
        .iter()
        .position(|s| std::ptr::eq(s, seed))
        .unwrap_or(0);
    counts[k][i]
}

/// Builds the mutated request of `kind` that the bytes `data` describe:
/// the first byte picks the seed, the rest are mutations.
pub fn mutated(kind: Kind, data: &[u8]) -> (Value, Vec<Value>) {
    let mut c = Choices { data, at: 0 };
    let all = seeds(kind);
    let seed = &all[c.byte() as usize % all.len()];
    let mut doc = json!({"request": seed.request, "settings": seed.settings, "context": seed.context});
    let rounds = 1 + (c.byte() % 8) as usize;
    let total = seed_nodes(kind, seed);
    for _ in 0..rounds {
        if c.done() {
            break;
        }
        mutate(&mut doc, total, &mut c);
    }
    let context = match doc["context"].take() {
        Value::Array(items) => items,
        _ => Vec::new(),
    };
    (
        json!({"request": doc["request"].take(), "settings": doc["settings"].take()}),
        context,
    )
}

fn structured(kind: Kind, data: &[u8]) {
    let (payload, context) = mutated(kind, data);
    let bytes = serde_json::to_vec(&payload).unwrap_or_default();
    let mut store = ObjectStore::new(context);
    let first = checked(&bytes, payload.get("request"), &mut store);
    // Determinism is checked on a quarter of the inputs (chosen by their
    // bytes, so a replay checks the same ones): a second evaluation doubles
    // the cost of an execution, and a nondeterministic rule would show on
    // many inputs, not on one.
    if data.iter().fold(0u8, |h, b| h.wrapping_mul(31).wrapping_add(*b)) % 4 == 0 {
        let again = validate_in(&bytes, &mut store);
        assert_eq!(first, again, "evaluation is not deterministic");
    }
}

/// T3's `PodGroupList` scan against the `Value` decoder it stands in for:
/// the first byte picks the queue name, the rest is the host's answer.
/// Wherever the scan answers, the decoder must read the same count.
fn podgroup_list(data: &[u8]) {
    use transition_core::volcano::{podgroup_scan, view};
    let Some((&pick, answer)) = data.split_first() else {
        return;
    };
    let queue = ["q", "", "ml", "ü"][usize::from(pick % 4)];
    if let Some(n) = podgroup_scan::count(answer, queue) {
        assert_eq!(
            view::count_podgroups_in_value(answer, queue),
            Ok(n),
            "the scan and the Value decoder disagree on {:?}",
            String::from_utf8_lossy(answer)
        );
    }
    // and the path T3 takes never panics, whatever it answers
    let _ = view::count_podgroups_in_queue(answer, queue);
}

/// The Queue answer scan against the `Value` decoder it stands in for: the
/// first byte picks a get or a list answer, the rest is the host's answer.
/// Wherever the scan answers, the decoder must read the same views.
fn queue_answer(data: &[u8]) {
    use transition_core::volcano::{queue_scan, view};
    let Some((&pick, answer)) = data.split_first() else {
        return;
    };
    let shown = || String::from_utf8_lossy(answer).into_owned();
    if pick % 2 == 0 {
        if let Some(q) = queue_scan::queue(answer) {
            let reference = view::QueueView::from_slice_value(answer);
            assert_eq!(
                reference,
                Ok(q),
                "the scan and the Value decoder disagree on {:?}",
                shown()
            );
        }
        let _ = view::QueueView::from_slice(answer);
    } else {
        if let Some(list) = queue_scan::queue_list(answer) {
            let reference = view::decode_queue_list_value(answer);
            assert_eq!(
                reference,
                Ok(list),
                "the scan and the Value decoder disagree on {:?}",
                shown()
            );
        }
        let _ = view::decode_queue_list(answer);
    }
}

/// The Service and RayCluster answer scans against the `Value` decoders
/// they stand in for: the first byte picks the kind, the rest is the host's
/// answer. Wherever a scan answers, the decoder must read the same view.
fn kuberay_answer(data: &[u8]) {
    use transition_core::decode::from_slice;
    use transition_core::kuberay::answer_scan;
    use transition_core::kuberay::view::{RayCluster, Service};
    let Some((&pick, answer)) = data.split_first() else {
        return;
    };
    let shown = || String::from_utf8_lossy(answer).into_owned();
    let value = from_slice(answer).ok();
    if pick % 2 == 0 {
        if let Some(svc) = answer_scan::service(answer) {
            let reference = value.as_ref().map(|v| Service::from_value(v, ""));
            assert_eq!(
                reference,
                Some(Ok(svc)),
                "the scan and the Value decoder disagree on {:?}",
                shown()
            );
        }
    } else if let Some(rc) = answer_scan::ray_cluster(answer) {
        let reference = value.as_ref().map(|v| RayCluster::from_value(v, ""));
        assert_eq!(
            reference,
            Some(Ok(rc)),
            "the scan and the Value decoder disagree on {:?}",
            shown()
        );
    }
}

fn settings(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return; // the policy answers "settings are not valid JSON: ..."
    };
    match Settings::from_value(&value) {
        Ok(s) => {
            assert!(s.max_queue_depth >= 1, "maxQueueDepth 0 accepted");
            assert!(
                s.kube_ray_version >= KubeRayVersion::OLDEST,
                "kubeRayVersion before v1.3.0 accepted"
            );
            assert!(
                s.status_writers.iter().all(|w| !w.is_empty()),
                "empty status writer accepted"
            );
            let printed = serde_json::to_value(&s).unwrap_or(Value::Null);
            assert_eq!(
                Settings::from_value(&printed),
                Ok(s),
                "settings do not round-trip"
            );
        }
        Err(e) => {
            let msg = e.to_string();
            let named = KNOWN_KEYS.iter().any(|k| msg.contains(k))
                || msg.starts_with("unknown setting `")
                || msg.starts_with("settings must be an object");
            assert!(named, "settings error names no key: {msg}");
        }
    }
}

/// Also V3's hierarchy weights: `weight::classify` decides from the text what
/// its reference decides (Rust's float parser, then `<= 0`, with Go's
/// hex floats, `_` separators and unsigned `nan`).
fn quantity(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    assert_eq!(
        weight::classify(&text),
        weight::classify_by_parsing(&text),
        "weight {text:?}"
    );
    match Quantity::parse(&text) {
        Ok(q) => {
            let canonical = q.canonical();
            let again = Quantity::parse(&canonical)
                .unwrap_or_else(|e| panic!("canonical form {canonical:?} of {text:?} does not parse: {e}"));
            assert_eq!(again, q, "{text:?} -> {canonical:?} changed value");
            // Not `again.canonical() == canonical`: like Go, `62.5Ki` prints as `64000` (binary
            // format, not a power of 1024), which reads back as decimal and prints `64k`. From
            // the second print on, the form is fixed.
            let second = again.canonical();
            assert_eq!(
                Quantity::parse(&second).map(|q| q.canonical()),
                Ok(second.clone()),
                "canonical form of {text:?} does not settle"
            );
            let shown = q.to_string();
            assert_eq!(
                Quantity::parse(&shown).ok(),
                Some(q),
                "{text:?} prints as {shown:?}"
            );
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use transition_core::Rejection;

    #[test]
    fn every_seed_parses_and_is_allowed_unmutated() {
        for kind in [
            Kind::Queue,
            Kind::PodGroup,
            Kind::Job,
            Kind::RayService,
            Kind::Service,
        ] {
            for s in seeds(kind) {
                assert!(s.request.is_object(), "{kind:?} seed without request");
                let payload = json!({"request": s.request, "settings": s.settings});
                let v = validate(&serde_json::to_vec(&payload).unwrap(), &s.context);
                assert!(v.is_allowed(), "{kind:?} seed refused: {v:?}");
            }
        }
    }

    #[test]
    fn must_reject_finds_each_malformation() {
        let req = seeds(Kind::Queue)[0].request.clone();
        assert_eq!(must_reject(&req), None);
        let mut wrong_kind = req.clone();
        wrong_kind["kind"]["kind"] = json!("Pod");
        assert_eq!(
            must_reject(&wrong_kind),
            Some("request.kind.kind \"Pod\" is not Queue".into())
        );
        let mut scalar_object = req.clone();
        scalar_object["object"] = json!(5);
        assert_eq!(
            must_reject(&scalar_object),
            Some("request.object is not an object".into())
        );
        let mut op = req.clone();
        op["operation"] = json!(1);
        assert_eq!(must_reject(&op), Some("request.operation is not a string".into()));
        assert_eq!(must_reject(&json!([])), Some("request is not an object".into()));
        // And the policy does reject each of them.
        for bad in [wrong_kind, scalar_object, op] {
            let payload = serde_json::to_vec(&json!({"request": bad})).unwrap();
            assert!(!validate(&payload, &[]).is_allowed());
        }
    }

    #[test]
    fn fuzz_findings_stay_fixed() {
        // vcjob UPDATE with `object: "Closing"` was accepted unread.
        let mut req = seeds(Kind::Job)[0].request.clone();
        req["operation"] = json!("UPDATE");
        req["object"] = json!("Closing");
        let payload = serde_json::to_vec(&json!({"request": req})).unwrap();
        assert_eq!(
            validate(&payload, &[]),
            Verdict::reject("decode", "request.object: expected object, got string")
        );
        // `62.5Ki` prints as Go prints it, `64000`, and settles at `64k`.
        let q = Quantity::parse("62.5Ki").unwrap();
        assert_eq!(q.canonical(), "64000");
        assert_eq!(Quantity::parse("64000").unwrap().canonical(), "64k");
        quantity(b"62.5Ki");
    }

    #[test]
    fn undecodable_bytes_are_rejected_with_the_policy_message() {
        assert_eq!(
            validate(b"{\"request\": 5}", &[]),
            Verdict::Reject(Rejection {
                rule: "decode",
                message: "cannot decode the admission request: request: expected object, got integer".into()
            })
        );
    }

    #[test]
    fn mutation_is_a_pure_function_of_the_bytes() {
        let data = [1u8, 3, 7, 0, 6, 2, 9, 9, 1, 0, 4, 4, 4];
        assert_eq!(mutated(Kind::Queue, &data), mutated(Kind::Queue, &data));
        assert_ne!(mutated(Kind::Queue, &data).0, mutated(Kind::Queue, &[1]).0);
        for t in TARGETS {
            run(t, &data).unwrap();
            run(t, &[]).unwrap();
        }
        assert_eq!(
            run("nope", &[]),
            Err(format!(
                "unknown fuzz target `nope`; known: {}",
                TARGETS.join(", ")
            ))
        );
    }
}
