//! Plan computation time: what the reconciler spends in the core per
//! RayService before it writes anything. Input: the objects of the
//! reconciler's `plan --objects` test (a RayService mid-upgrade, its head and
//! serve Services, both RayClusters), as `kubectl get -o json` prints them.
//!
//!   cargo bench -p transition-core --bench plan

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::Value;
use transition_core::kuberay::plan::{diagnose, plan_repair, plan_switch, Observed};

const OBJECTS: &str = include_str!("../../reconciler/tests/data/cluster.json");
const NOW: i64 = 1_800_000_000;

/// (RayService, head Service, serve Service, RayClusters) from the list.
fn objects() -> (Value, Value, Value, Vec<Value>) {
    let list: Value = serde_json::from_str(OBJECTS).expect("cluster.json is JSON");
    let items = list["items"].as_array().expect("a List").clone();
    let of = |kind: &str| -> Vec<Value> { items.iter().filter(|o| o["kind"] == kind).cloned().collect() };
    let rs = of("RayService").remove(0);
    let services = of("Service");
    let head = services
        .iter()
        .find(|s| s["metadata"]["name"] == "rs-head-svc")
        .cloned();
    let serve = services
        .iter()
        .find(|s| s["metadata"]["name"] == "rs-serve-svc")
        .cloned();
    (
        rs,
        head.expect("head Service"),
        serve.expect("serve Service"),
        of("RayCluster"),
    )
}

fn bench(c: &mut Criterion) {
    let (rs, head, serve, clusters) = objects();
    let observe = || Observed::from_values(&rs, Some(&head), Some(&serve), &clusters).expect("decodes");
    let obs = observe();
    // The fixture is mid-upgrade: a switch must be planned, or the figure means nothing.
    let plan = plan_switch(&obs, NOW).expect("the fixture is a RayService mid-upgrade");
    assert!(
        plan.commit_index.is_some(),
        "the plan promotes the pending cluster"
    );

    let mut g = c.benchmark_group("switchover plan");
    g.bench_function("decode the observed objects", |b| b.iter(|| black_box(observe())));
    g.bench_function("plan_switch", |b| {
        b.iter(|| black_box(plan_switch(black_box(&obs), NOW)))
    });
    g.bench_function("diagnose + plan_repair", |b| {
        b.iter(|| {
            black_box(diagnose(black_box(&obs)));
            black_box(plan_repair(black_box(&obs), NOW))
        })
    });
    g.bench_function("decode + plan_switch (what a reconcile pass computes)", |b| {
        b.iter(|| black_box(plan_switch(&observe(), NOW)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
