//! The switchover executor against the in-process fake API server: the happy
//! path with its call counts, a fault at every step (500, 409, timeout), a
//! crash between every two steps, repairs and the persisted deadline.

mod common;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use serde_json::Value;
use transition_core::kuberay::plan::{SwitchState, RETIRE_AFTER_ANNOTATION};
use transition_reconciler::api::Kube;
use transition_reconciler::metrics::Metrics;
use transition_reconciler::switchover::{Outcome, Switcher};

const NOW: i64 = 1_800_000_000;

struct Env {
    fake: Fake,
    clock: Arc<AtomicI64>,
    sw: Switcher,
}

fn switcher(fake: &Fake, clock: &Arc<AtomicI64>) -> Switcher {
    let kube = Kube::new(fake.client(), Duration::from_secs(2));
    Switcher::new(
        kube,
        Arc::new(FakeClock(clock.clone())),
        Metrics::default(),
        Duration::from_secs(30),
        true,
    )
}

fn env(objects: Vec<Value>) -> Env {
    let fake = Fake::new(objects);
    let clock = Arc::new(AtomicI64::new(NOW));
    let sw = switcher(&fake, &clock);
    Env { fake, clock, sw }
}

/// A ⇒ P ready to switch: status (A, P), both Services on A, both clusters ready.
fn upgrading(opted: bool) -> Vec<Value> {
    vec![
        rayservice(A, P, opted),
        head_svc(A),
        serve_svc(A),
        raycluster(A, true),
        raycluster(P, true),
    ]
}

fn old() -> (String, String, String, String) {
    (A.into(), A.into(), A.into(), P.into())
}
fn new() -> (String, String, String, String) {
    (P.into(), P.into(), P.into(), String::new())
}

async fn run(e: &Env) -> Outcome {
    e.sw.reconcile(NS, "rs").await.unwrap()
}

fn undo_lines(o: &Outcome) -> Vec<String> {
    o.journal
        .iter()
        .filter(|l| l.starts_with("undo step"))
        .map(|l| l.split(" (").next().unwrap().to_string())
        .collect()
}

const UNDO_SERVE: &str =
    "undo step 3/5 Service prod/rs-serve-svc spec.selector[ray.io/cluster]: rs-b9m4w => rs-x7k2q";
const UNDO_HEAD: &str =
    "undo step 2/5 Service prod/rs-head-svc spec.selector[ray.io/cluster]: rs-b9m4w => rs-x7k2q";

#[tokio::test(start_paused = true)]
async fn switch_happy_path_three_writes_then_retirement() {
    let e = env(upgrading(true));
    let out = run(&e).await;
    assert_eq!(out.decision, "switch");
    assert_eq!(out.state, Some(SwitchState::Done));
    assert_eq!(shape(&e.fake), new());
    let steps: Vec<String> = out
        .journal
        .iter()
        .filter(|l| l.starts_with("step "))
        .map(|l| l.rsplit_once(" (").unwrap().0.to_string())
        .collect();
    assert_eq!(
        steps,
        vec![
            format!("step 1/5 RayService prod/rs status.pendingServiceStatus.rayClusterName: {P} => {P}"),
            format!("step 2/5 Service prod/rs-head-svc spec.selector[ray.io/cluster]: {A} => {P}"),
            format!("step 3/5 Service prod/rs-serve-svc spec.selector[ray.io/cluster]: {A} => {P}"),
            format!("step 4/5 RayService prod/rs status.activeServiceStatus.rayClusterName: {A} => {P}"),
            format!(
                "step 5/5 RayCluster prod/{A} metadata.annotations[{RETIRE_AFTER_ANNOTATION}]: \"\" => {}",
                NOW + 60
            ),
        ]
    );
    assert!(out
        .journal
        .iter()
        .all(|l| !l.starts_with("step ") || l.ends_with(" ms)")));
    assert_eq!(
        e.fake.writes(),
        vec![
            "PUT services prod/rs-head-svc",
            "PUT services prod/rs-serve-svc",
            "PUT rayservices/status prod/rs",
            &format!("PATCH rayclusters prod/{A}"),
        ]
    );
    // Reads: observe 4 (RayService, 2 Services, RayCluster list); then each
    // step re-reads what its preconditions name except what it writes:
    // head 1 (P), serve 1 (P), commit 3 (2 Services, P), retire 3 (RayService, 2 Services).
    assert_eq!((e.sw.kube.stats.reads(), e.sw.kube.stats.writes()), (12, 4));
    assert_eq!(out.requeue_after, Some(Duration::from_secs(60)));
    let a = e.fake.get("rayclusters", NS, A).unwrap();
    assert_eq!(
        a["metadata"]["annotations"][RETIRE_AFTER_ANNOTATION],
        (NOW + 60).to_string()
    );
    // Before the deadline nothing is deleted; after it, one DELETE.
    e.clock.store(NOW + 59, Ordering::SeqCst);
    assert_eq!(run(&e).await.decision, "nothing");
    assert!(e.fake.get("rayclusters", NS, A).is_some());
    e.clock.store(NOW + 60, Ordering::SeqCst);
    let out = run(&e).await;
    assert_eq!(out.decision, "retire");
    assert!(e.fake.get("rayclusters", NS, A).is_none());
    assert_eq!(
        e.fake.writes().last().unwrap(),
        &format!("DELETE rayclusters prod/{A}")
    );
    assert_eq!(
        (e.sw.kube.stats.reads(), e.sw.kube.stats.writes()),
        (12 + 4 + 4, 5)
    );
    // Events were published on the RayService (started, done).
    assert_eq!(e.fake.state.lock().unwrap().events, 2);
}

#[tokio::test(start_paused = true)]
async fn not_opted_in_rayservice_is_left_to_kuberay() {
    let e = env(upgrading(false));
    assert_eq!(run(&e).await.decision, "nothing");
    assert_eq!(shape(&e.fake), old());
    assert!(e.fake.writes().is_empty());
}

/// (path of the step's write, method, undo lines expected after a permanent failure)
fn write_steps() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    vec![
        ("/services/rs-head-svc", "PUT", vec![]),
        ("/services/rs-serve-svc", "PUT", vec![UNDO_HEAD]),
        ("/rayservices/rs/status", "PUT", vec![UNDO_SERVE, UNDO_HEAD]),
    ]
}

#[tokio::test(start_paused = true)]
async fn failure_500_at_every_pre_commit_step_rolls_back_in_reverse_order() {
    for (path, method, undos) in write_steps() {
        let e = env(upgrading(true));
        e.fake.fault(method, path, 0, common::FaultKind::Status(500));
        let out = run(&e).await;
        assert_eq!(
            out.state,
            Some(SwitchState::RolledBack),
            "{path}: {:#?}",
            out.journal
        );
        assert_eq!(shape(&e.fake), old(), "{path}");
        assert_eq!(undo_lines(&out), undos, "{path}");
        assert!(
            out.journal
                .iter()
                .any(|l| l.contains("failed: PUT") || l.contains("HTTP 500")),
            "{path}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_409_at_every_step_is_retried_and_the_switch_completes() {
    for (path, method, _) in
        write_steps()
            .into_iter()
            .chain([(&*format!("/rayclusters/{A}").leak(), "PATCH", vec![])])
    {
        let e = env(upgrading(true));
        e.fake.fault(method, path, 0, common::FaultKind::Status(409));
        let out = run(&e).await;
        assert_eq!(out.state, Some(SwitchState::Done), "{path}: {:#?}", out.journal);
        assert_eq!(shape(&e.fake), new(), "{path}");
        assert!(undo_lines(&out).is_empty());
    }
}

#[tokio::test(start_paused = true)]
async fn persistent_commit_conflicts_roll_back_after_the_bound() {
    let e = env(upgrading(true));
    for _ in 0..10 {
        e.fake
            .fault("PUT", "/rayservices/rs/status", 0, common::FaultKind::Status(409));
    }
    let out = run(&e).await;
    assert_eq!(out.state, Some(SwitchState::RolledBack), "{:#?}", out.journal);
    assert_eq!(shape(&e.fake), old());
    assert_eq!(undo_lines(&out), vec![UNDO_SERVE, UNDO_HEAD]);
    // 1 try + MAX_COMMIT_CONFLICTS retries
    let tries = out
        .journal
        .iter()
        .filter(|l| l.contains("conflict (409)"))
        .count();
    assert_eq!(tries, 4);
}

#[tokio::test(start_paused = true)]
async fn timeouts_at_every_step_end_fully_old_or_fully_new() {
    for (path, method, undos) in write_steps() {
        // The write never reached the server: rolled back.
        let e = env(upgrading(true));
        e.fake.fault(method, path, 0, common::FaultKind::TimeoutBefore);
        let out = run(&e).await;
        assert_eq!(
            out.state,
            Some(SwitchState::RolledBack),
            "{path}: {:#?}",
            out.journal
        );
        assert_eq!(shape(&e.fake), old(), "{path}");
        assert_eq!(undo_lines(&out), undos, "{path}");
        assert!(out.journal.iter().any(|l| l.contains("no answer within 2000 ms")));
        // The write landed but the answer was lost: the re-read sees it, forward.
        let e = env(upgrading(true));
        e.fake.fault(method, path, 0, common::FaultKind::TimeoutAfter);
        let out = run(&e).await;
        assert_eq!(out.state, Some(SwitchState::Done), "{path}: {:#?}", out.journal);
        assert_eq!(shape(&e.fake), new(), "{path}");
    }
}

#[tokio::test(start_paused = true)]
async fn post_commit_failure_only_goes_forward() {
    let e = env(upgrading(true));
    e.fake.fault(
        "PATCH",
        &format!("/rayclusters/{A}"),
        0,
        common::FaultKind::Status(500),
    );
    let out = run(&e).await;
    assert_eq!(out.state, Some(SwitchState::Done), "{:#?}", out.journal);
    assert_eq!(shape(&e.fake), new());
    assert!(undo_lines(&out).is_empty());
    assert!(out
        .journal
        .iter()
        .any(|l| l.starts_with("step 5/5") && l.contains("HTTP 500")));
}

/// Runs one reconcile until the fake signals a crash, dropping it there.
async fn crash_at(e: &Env) {
    tokio::select! {
        r = e.sw.reconcile(NS, "rs") => panic!("expected a crash, reconcile returned {r:?}"),
        _ = e.fake.crash.notified() => {}
    }
}

#[tokio::test(start_paused = true)]
async fn crash_between_every_two_steps_then_restart_finishes_the_switch() {
    let cases = [
        ("PUT", "/services/rs-head-svc".to_string(), (P, A, A, P)),
        ("PUT", "/services/rs-serve-svc".to_string(), (P, P, A, P)),
        ("PUT", "/rayservices/rs/status".to_string(), (P, P, P, "")),
        ("PATCH", format!("/rayclusters/{A}"), (P, P, P, "")),
    ];
    for (method, path, mid) in cases {
        let mut e = env(upgrading(true));
        e.fake.fault(method, &path, 0, common::FaultKind::CrashAfter);
        crash_at(&e).await;
        let s = shape(&e.fake);
        assert_eq!(
            (s.0.as_str(), s.1.as_str(), s.2.as_str(), s.3.as_str()),
            mid,
            "{path}"
        );
        // Restart: a new process with no memory of the switch.
        e.sw = switcher(&e.fake, &e.clock);
        let first = run(&e).await;
        let repaired = mid.0 != mid.1 || mid.3 == P;
        if repaired {
            assert_eq!(first.decision, "grace", "{path}: {:#?}", first.journal);
            e.clock.fetch_add(31, Ordering::SeqCst);
            let second = run(&e).await;
            assert_eq!(second.decision, "repair_forward", "{path}: {:#?}", second.journal);
            assert_eq!(second.state, Some(SwitchState::Done));
        } else if method == "PUT" {
            // promoted, not annotated yet: the sweep annotates the old cluster
            assert_eq!(first.decision, "retire", "{path}: {:#?}", first.journal);
        } else {
            // annotated: the sweep waits for the persisted deadline
            assert_eq!(first.decision, "nothing", "{path}: {:#?}", first.journal);
            assert_eq!(first.requeue_after, Some(Duration::from_secs(60)));
        }
        assert_eq!(shape(&e.fake), new(), "{path}");
        let a = e.fake.get("rayclusters", NS, A).unwrap();
        assert_eq!(
            a["metadata"]["annotations"][RETIRE_AFTER_ANNOTATION],
            (NOW + 60 + if repaired { 31 } else { 0 }).to_string(),
            "{path}: deadline set once, at the first annotation"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn split_on_any_rayservice_is_repaired_after_the_grace_period_only() {
    // KubeRay finishes its own switch within the grace period: nothing done.
    let mut objs = upgrading(false);
    objs[1] = head_svc(P);
    let e = env(objs.clone());
    assert_eq!(run(&e).await.decision, "grace");
    e.fake.put(serve_svc(P));
    e.fake.put(rayservice(P, "", false));
    e.clock.fetch_add(31, Ordering::SeqCst);
    assert_eq!(run(&e).await.decision, "nothing");
    assert!(e.fake.writes().iter().all(|w| !w.starts_with("PUT services")));
    // The split persists: repaired forward (P healthy).
    let e = env(objs.clone());
    assert_eq!(run(&e).await.decision, "grace");
    e.clock.fetch_add(29, Ordering::SeqCst);
    assert_eq!(run(&e).await.decision, "grace");
    e.clock.fetch_add(1, Ordering::SeqCst);
    let out = run(&e).await;
    assert_eq!(out.decision, "repair_forward", "{:#?}", out.journal);
    assert_eq!(shape(&e.fake), new());
    // P unhealthy: the Services go back to A, status untouched.
    objs[4] = raycluster(P, false);
    let e = env(objs);
    run(&e).await;
    e.clock.fetch_add(30, Ordering::SeqCst);
    let out = run(&e).await;
    assert_eq!(out.decision, "repair_rollback", "{:#?}", out.journal);
    assert_eq!(shape(&e.fake), old());
}

#[tokio::test(start_paused = true)]
async fn a_restart_does_not_reset_the_retirement_deadline() {
    let mut e = env(upgrading(true));
    run(&e).await;
    e.sw = switcher(&e.fake, &e.clock);
    e.clock.store(NOW + 30, Ordering::SeqCst);
    let out = run(&e).await;
    assert_eq!(out.requeue_after, Some(Duration::from_secs(30)));
    assert!(e.fake.get("rayclusters", NS, A).is_some());
    e.sw = switcher(&e.fake, &e.clock);
    e.clock.store(NOW + 61, Ordering::SeqCst);
    run(&e).await;
    assert!(e.fake.get("rayclusters", NS, A).is_none());
}

#[tokio::test(start_paused = true)]
async fn guard_failure_writes_nothing() {
    let mut objs = upgrading(true);
    objs[4] = raycluster(P, false);
    let e = env(objs);
    let out = run(&e).await;
    assert_eq!(out.decision, "wait");
    assert_eq!(
        out.journal,
        vec![format!(
            "wait: RayCluster {P} has no ready head Pod (HeadPodReady is not True)"
        )]
    );
    assert!(e.fake.writes().is_empty());
}

// ---- --lookup-head-pod: KubeRay's RayClusterStatusConditions gate off ----

/// `name` as KubeRay writes it with the gate off: no conditions, the sticky
/// `status.state: ready`, and the head Pod's name.
fn raycluster_gate_off(name: &str) -> Value {
    let mut c = raycluster(name, true);
    c["status"] = serde_json::json!({"state": "ready", "head": {"podName": format!("{name}-head-q8v4z")}});
    c
}

fn head_pod(cluster: &str, ready: bool) -> Value {
    serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("{cluster}-head-q8v4z"), "namespace": NS,
            "labels": {"ray.io/cluster": cluster, "ray.io/node-type": "head"}},
        "status": {"phase": "Running", "conditions": [
            {"type": "Ready", "status": if ready { "True" } else { "False" }}
        ]}
    })
}

/// A ⇒ P ready to switch, gate off, with both head Pods (P's `p_ready`).
fn upgrading_gate_off(p_ready: bool) -> Vec<Value> {
    vec![
        rayservice(A, P, true),
        head_svc(A),
        serve_svc(A),
        raycluster_gate_off(A),
        raycluster_gate_off(P),
        head_pod(A, true),
        head_pod(P, p_ready),
    ]
}

fn env_looking_up_head_pods(objects: Vec<Value>) -> Env {
    let mut e = env(objects);
    e.sw.lookup_head_pod = true;
    e
}

#[tokio::test(start_paused = true)]
async fn lookup_head_pod_waits_for_a_head_pod_that_is_not_ready() {
    let e = env_looking_up_head_pods(upgrading_gate_off(false));
    let out = run(&e).await;
    assert_eq!(out.decision, "wait");
    assert_eq!(
        out.journal,
        vec![format!(
            "wait: RayCluster {P} has no ready head Pod (no HeadPodReady condition, and head Pod {P}-head-q8v4z is Running but not Ready)"
        )]
    );
    assert!(e.fake.writes().is_empty());
    // Observe 4, and the two head Pods.
    assert_eq!(e.sw.kube.stats.reads(), 6);
    // Without the flag the sticky status.state stands in and the switch runs.
    let e = env(upgrading_gate_off(false));
    let out = run(&e).await;
    assert_eq!((out.decision, out.state), ("switch", Some(SwitchState::Done)));
    assert_eq!(e.sw.kube.stats.reads(), 12);
}

#[tokio::test(start_paused = true)]
async fn lookup_head_pod_switches_when_the_head_pod_is_ready() {
    let e = env_looking_up_head_pods(upgrading_gate_off(true));
    let out = run(&e).await;
    assert_eq!((out.decision, out.state), ("switch", Some(SwitchState::Done)));
    assert_eq!(shape(&e.fake), new());
    // The 12 reads of the usual switch, plus a head Pod with every read of a
    // cluster that lacks HeadPodReady: A and P when observing, P again before
    // each of the head, serve and commit steps.
    assert_eq!((e.sw.kube.stats.reads(), e.sw.kube.stats.writes()), (17, 4));
}

#[tokio::test(start_paused = true)]
async fn a_failed_head_pod_read_mid_switch_rolls_the_switch_back() {
    let e = env_looking_up_head_pods(upgrading_gate_off(true));
    // P's head Pod is read when observing and before the head step; the
    // third read, before the serve step, fails.
    e.fake.fault(
        "GET",
        &format!("/pods/{P}-head-q8v4z"),
        2,
        common::FaultKind::Status(500),
    );
    let out = run(&e).await;
    assert_eq!(out.decision, "switch");
    assert_eq!(out.state, Some(SwitchState::RolledBack));
    assert_eq!(shape(&e.fake), old());
    assert_eq!(undo_lines(&out), vec![UNDO_HEAD.to_string()]);
}
