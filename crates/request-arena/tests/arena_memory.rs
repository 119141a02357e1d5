//! How much memory a request takes with the module's per-request arena
//! (`crates/request-arena`) against the system allocator it replaces, natively (a
//! 64-bit build: pointers are twice wasm32's, so both figures are larger than
//! in the module, the ratio about the same). Not a unit test: the arena is
//! the global allocator here, which needs one thread, so this is a plain
//! `main` (`harness = false`). It prints both figures and fails when the arena
//! takes more than 3x.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use request_arena::RequestArena;
use serde_json::{json, Value};
use transition_core::cluster::ObjectStore;
use transition_core::{evaluate, ValidationPayload, Verdict};

/// The arena, counting the bytes the system allocator holds for the program.
struct Counting {
    arena: RequestArena,
    live: AtomicUsize,
    peak: AtomicUsize,
}

impl Counting {
    fn add(&self, n: usize) {
        let live = self.live.fetch_add(n, Relaxed) + n;
        self.peak.fetch_max(live, Relaxed);
    }
}

// SAFETY: every call is forwarded to the arena; the counters only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = self.arena.alloc(layout);
        if !p.is_null() && !self.arena.owns(p) {
            self.add(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if !self.arena.owns(p) {
            self.live.fetch_sub(layout.size(), Relaxed);
        }
        self.arena.dealloc(p, layout)
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let was_system = !self.arena.owns(p);
        let q = self.arena.realloc(p, layout, new_size);
        if !q.is_null() {
            if was_system {
                self.live.fetch_sub(layout.size(), Relaxed);
            }
            if !self.arena.owns(q) {
                self.add(new_size);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting {
    arena: RequestArena::new(),
    live: AtomicUsize::new(0),
    peak: AtomicUsize::new(0),
};

fn queue(name: &str, parent: Option<&str>) -> Value {
    let mut q = json!({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "Queue",
        "metadata": {"name": name}, "spec": {"weight": 1}, "status": {"state": "Open"}});
    if let Some(p) = parent {
        q["spec"]["parent"] = json!(p);
    }
    q
}

fn validate(payload: &[u8], store: &mut ObjectStore) -> Verdict {
    match ValidationPayload::decode(payload) {
        Ok(p) => evaluate(&p.request, &p.settings, store),
        Err(e) => Verdict::reject("decode", e.to_string()),
    }
}

/// Peak system bytes of one request without the arena, and the arena's
/// chunks after the same request in a scope.
fn measure(what: &str, payload: &[u8], context: Vec<Value>, want: &Verdict) -> (usize, usize) {
    let mut store = ObjectStore::new(context);
    let before = ALLOC.live.load(Relaxed);
    ALLOC.peak.store(before, Relaxed);
    let verdict = validate(payload, &mut store);
    assert_eq!(&verdict, want, "{what}, system allocator");
    drop(verdict);
    let system = ALLOC.peak.load(Relaxed) - before;
    let verdict = ALLOC.arena.scope(|| {
        let v = validate(payload, &mut store);
        let ok = &v == want;
        std::mem::forget(v);
        ok
    });
    assert!(verdict, "{what}, arena");
    (system, ALLOC.arena.held_bytes())
}

/// The `validate` payload of a Queue CREATE of `object`.
fn create(object: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"request": {
        "uid": "u", "kind": {"group": "scheduling.volcano.sh", "version": "v1beta1", "kind": "Queue"},
        "resource": {"group": "scheduling.volcano.sh", "version": "v1beta1", "resource": "queues"},
        "name": object["metadata"]["name"], "operation": "CREATE", "userInfo": {"username": "alice"},
        "object": object
    }, "settings": {}}))
    .unwrap()
}

fn main() {
    let mut big = queue("big", Some("root"));
    big["metadata"]["annotations"] = json!({"blob": "x".repeat(10 << 20)});
    let create_big = create(big);
    let mut wide = queue("wide", Some("root"));
    wide["metadata"]["labels"] = Value::Object(
        (0..20_000)
            .map(|i| (format!("label-{i}"), json!(format!("value-{i}"))))
            .collect(),
    );
    let create_wide = create(wide);
    let mut worst = 0f64;
    for (what, payload) in [
        ("a Queue create with a 10 MB annotation", &create_big),
        ("a Queue create with 20,000 labels", &create_wide),
    ] {
        let (system, arena) = measure(what, payload, vec![queue("root", None)], &Verdict::Accept);
        let ratio = arena as f64 / system as f64;
        worst = worst.max(ratio);
        println!(
            "{what} ({} bytes): system allocator peak {} bytes, arena {} bytes ({ratio:.2}x)",
            payload.len(),
            system,
            arena
        );
    }
    assert!(
        worst <= 3.0,
        "the arena took {worst:.2}x the system allocator's peak"
    );
}
