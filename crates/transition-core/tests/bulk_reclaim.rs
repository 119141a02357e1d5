//! [`Cluster::reclaims_in_bulk`]: when a cluster says the request's memory
//! is taken back all at once (the policy's arena), the core skips dropping
//! the lookup answers it decoded (and the views of an accepted Queue write);
//! otherwise it frees everything it allocates.
//!
//! Every case file runs twice through [`evaluate`], with a cluster that says
//! `false` and one that says `true`, under a global allocator that counts
//! allocations and frees. A plain `main` (`harness = false`), so no other
//! test thread allocates while it counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hasher};
mod common;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use serde_json::Value;
use transition_core::cluster::{Cluster, LookupError, ObjectStore, ResourceKind};
use transition_core::{evaluate, AdmissionRequest, Settings};

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static FREES: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting blocks handed out and given back
/// (a realloc moves a block: neither).
struct Counting;

// SAFETY: every call is forwarded to `System`; the counters only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        FREES.fetch_add(1, Relaxed);
        unsafe { System.dealloc(p, layout) }
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe { System.realloc(p, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// An [`ObjectStore`] that says whether memory is reclaimed in bulk.
struct Store {
    objects: ObjectStore,
    bulk: bool,
}

impl Cluster for Store {
    fn get(
        &mut self,
        kind: &ResourceKind,
        namespace: Option<&str>,
        name: &str,
        fields: &[&str],
    ) -> Result<Option<Vec<u8>>, LookupError> {
        self.objects.get(kind, namespace, name, fields)
    }
    fn list(
        &mut self,
        kind: &ResourceKind,
        namespace: Option<&str>,
        fields: &[&str],
    ) -> Result<Vec<u8>, LookupError> {
        self.objects.list(kind, namespace, fields)
    }
    fn reclaims_in_bulk(&self) -> bool {
        self.bulk
    }
}

/// Hashes what is written to it: a verdict's `Debug` text, compared
/// between the two runs without allocating a String for it.
struct HashWriter(DefaultHasher);

impl std::fmt::Write for HashWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.write(s.as_bytes());
        Ok(())
    }
}

/// What one evaluation did: its verdict (hashed), the blocks it allocated
/// and the blocks it freed, its verdict and the store's call log dropped.
#[derive(Debug, PartialEq)]
struct Run {
    verdict: u64,
    allocs: usize,
    frees: usize,
    lookups: usize,
}

fn run(request: &AdmissionRequest, settings: &Settings, objects: Vec<Value>, bulk: bool) -> Run {
    let mut store = Store {
        objects: ObjectStore::new(objects),
        bulk,
    };
    let (a0, f0) = (ALLOCS.load(Relaxed), FREES.load(Relaxed));
    let verdict = evaluate(request, settings, &mut store);
    let mut hash = HashWriter(DefaultHasher::new());
    write!(hash, "{verdict:?}").expect("hashing cannot fail");
    drop(verdict);
    let lookups = std::mem::take(&mut store.objects.calls).len();
    let counted = Run {
        verdict: hash.0.finish(),
        allocs: ALLOCS.load(Relaxed) - a0,
        frees: FREES.load(Relaxed) - f0,
        lookups,
    };
    drop(store); // the objects were allocated before counting began
    counted
}

/// The bench's lookup scenarios: each decodes at least one answer.
const DECODES_ANSWERS: &[&str] = &[
    "examples/cases/volcano-queue-lifecycle/01-create-queue.json",
    "examples/cases/volcano-queue-lifecycle/02-edit-quota-while-open.json",
    "examples/cases/rayservice-upgrade/02-w3-head-svc.json",
    "examples/cases/rayservice-upgrade/04-w5-promotion.json",
];

fn main() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    common::case_files(&repo.join("tests/data"), &mut files);
    common::case_files(&repo.join("examples/cases"), &mut files);
    let mut failures = Vec::new();
    let (mut checked, mut skipped_frees) = (0, 0);
    for path in &files {
        let rel = path.strip_prefix(&repo).unwrap_or(path).display().to_string();
        let case: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let (Some(request), Ok(settings)) = (
            case.get("request"),
            Settings::from_value(case.get("settings").unwrap_or(&Value::Null)),
        ) else {
            continue;
        };
        let Ok(request) = AdmissionRequest::from_value(request.clone(), "request") else {
            continue; // a decode-error case: no lookup runs
        };
        let objects = case
            .pointer("/context/resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let dropped = run(&request, &settings, objects.clone(), false);
        let bulk = run(&request, &settings, objects, true);
        checked += 1;
        if dropped.allocs != dropped.frees {
            failures.push(format!(
                "{rel}: without bulk reclaim {} blocks allocated, {} freed (a leak)",
                dropped.allocs, dropped.frees
            ));
        }
        if (bulk.verdict, bulk.allocs, bulk.lookups) != (dropped.verdict, dropped.allocs, dropped.lookups) {
            failures.push(format!(
                "{rel}: bulk reclaim changed the evaluation: {bulk:?} against {dropped:?}"
            ));
        }
        if bulk.frees > dropped.frees {
            failures.push(format!(
                "{rel}: bulk reclaim freed more: {bulk:?} against {dropped:?}"
            ));
        }
        if DECODES_ANSWERS.contains(&rel.as_str()) && bulk.frees >= dropped.frees {
            failures.push(format!(
                "{rel}: bulk reclaim still dropped every decoded answer: {bulk:?} against {dropped:?}"
            ));
        }
        skipped_frees += dropped.frees - bulk.frees.min(dropped.frees);
    }
    let named = DECODES_ANSWERS
        .iter()
        .filter(|rel| !files.iter().any(|p| p.ends_with(rel)))
        .collect::<Vec<_>>();
    if !named.is_empty() {
        failures.push(format!("case files not found: {named:?}"));
    }
    println!("bulk_reclaim: {checked} case files, {skipped_frees} frees skipped in all with bulk reclaim");
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("FAIL {f}");
        }
        std::process::exit(1);
    }
}
