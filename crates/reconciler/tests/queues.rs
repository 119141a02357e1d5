//! The Volcano queue lifecycle against the fake API server: Commands
//! consumed, Closing then Closed, hierarchy cascades, writes only on change.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use transition_reconciler::api::Kube;
use transition_reconciler::queues::{self, ApiQueues};

fn queue(name: &str, parent: &str, state: &str) -> Value {
    let mut q = json!({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "Queue",
        "metadata": {"name": name}, "spec": {"weight": 1, "reclaimable": true}, "status": {"state": state}});
    if !parent.is_empty() {
        q["spec"]["parent"] = json!(parent);
    }
    q
}

fn podgroup(ns: &str, name: &str, queue: &str) -> Value {
    json!({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
        "metadata": {"name": name, "namespace": ns}, "spec": {"queue": queue, "minMember": 1},
        "status": {"phase": "Running"}})
}

fn command(name: &str, queue: &str, action: &str) -> Value {
    json!({"apiVersion": "bus.volcano.sh/v1alpha1", "kind": "Command",
        "metadata": {"name": name, "namespace": "default", "creationTimestamp": "2026-11-25T00:00:00Z"},
        "action": action,
        "targetObject": {"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "Queue", "name": queue, "uid": "u"}})
}

fn state(f: &Fake, q: &str) -> String {
    f.get("queues", "", q).unwrap()["status"]["state"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn handle(f: &Fake, q: &str) -> queues::QueueOutcome {
    let kube = Kube::new(f.client(), Duration::from_secs(2));
    queues::handle(&mut ApiQueues { kube: &kube }, q, None)
        .await
        .unwrap()
}

fn admitting(objects: Vec<Value>) -> Fake {
    let f = Fake::new(objects);
    f.state.lock().unwrap().admission = true;
    f
}

#[tokio::test]
async fn close_with_podgroups_goes_closing_then_closed_when_they_are_gone() {
    let f = admitting(vec![
        queue("root", "", "Open"),
        queue("q1", "root", "Open"),
        podgroup("ns1", "pg1", "q1"),
        podgroup("ns2", "pg2", "q1"),
        command("close-q1", "q1", "CloseQueue"),
    ]);
    let out = handle(&f, "q1").await;
    assert_eq!(state(&f, "q1"), "Closing");
    assert_eq!(
        out.steps.iter().map(|s| s.log_line(0, 1)).collect::<Vec<_>>(),
        vec![
            "step 1/1 Command default/close-q1 action: CloseQueue => \"\"",
            "step 1/1 Queue /q1 status.state: Open => Closing",
        ]
    );
    assert!(
        f.get("commands", "default", "close-q1").is_none(),
        "the Command is consumed"
    );
    assert_eq!(
        f.writes(),
        vec!["DELETE commands default/close-q1", "PATCH queues/status /q1"]
    );
    assert_eq!(
        f.state.lock().unwrap().field_managers,
        vec!["transition-reconciler"]
    );
    // Nothing changed: no write.
    handle(&f, "q1").await;
    assert_eq!(f.writes().len(), 2);
    // One PodGroup left: still Closing; none left: Closed.
    f.remove("podgroups", "ns1", "pg1");
    handle(&f, "q1").await;
    assert_eq!(state(&f, "q1"), "Closing");
    assert_eq!(f.writes().len(), 2);
    f.remove("podgroups", "ns2", "pg2");
    handle(&f, "q1").await;
    assert_eq!(state(&f, "q1"), "Closed");
    assert_eq!(f.writes().len(), 3);
    assert_eq!(f.state.lock().unwrap().rejected, vec![]);
}

#[tokio::test]
async fn closing_a_parent_cascades_to_its_children_and_reopening_brings_them_back() {
    let f = admitting(vec![
        queue("root", "", "Open"),
        queue("eng", "root", "Open"),
        queue("a", "eng", "Open"),
        queue("b", "eng", "Open"),
        queue("c", "eng", "Closed"),
        podgroup("ns", "pg-b", "b"),
        command("close-eng", "eng", "CloseQueue"),
    ]);
    let out = handle(&f, "eng").await;
    assert_eq!(
        [state(&f, "eng"), state(&f, "a"), state(&f, "b"), state(&f, "c")],
        ["Closed", "Closed", "Closing", "Closed"]
    );
    let cbp = |q: &str| {
        f.get("queues", "", q).unwrap()["metadata"]["annotations"]["volcano.sh/closed-by-parent"].clone()
    };
    assert_eq!(
        (cbp("a"), cbp("b"), cbp("c")),
        (json!("true"), json!("true"), Value::Null)
    );
    assert_eq!(out.steps.len(), 1 + 2 + 1 + 2, "{:#?}", out.steps);
    // Opening a child under a closed parent is refused (and retried).
    f.put(command("open-a", "a", "OpenQueue"));
    let out = handle(&f, "a").await;
    assert_eq!(
        out.refusals,
        vec!["Failed to open queue a because its parent queue eng is closing or closed. Open the parent queue first."]
    );
    assert!(out.retry);
    assert_eq!(state(&f, "a"), "Closed");
    // Reopen the parent: the children it closed reopen, the one closed by hand stays closed.
    f.put(command("open-eng", "eng", "OpenQueue"));
    handle(&f, "eng").await;
    assert_eq!(
        [state(&f, "eng"), state(&f, "a"), state(&f, "b"), state(&f, "c")],
        ["Open", "Open", "Open", "Closed"]
    );
    assert_eq!((cbp("a"), cbp("b")), (json!("false"), json!("false")));
    assert_eq!(f.state.lock().unwrap().rejected, vec![]);
}

#[tokio::test]
async fn root_never_closes_and_new_queues_get_parent_root_and_open() {
    let f = admitting(vec![
        queue("root", "", "Open"),
        queue("fresh", "", ""),
        command("close-root", "root", "CloseQueue"),
    ]);
    let out = handle(&f, "root").await;
    assert_eq!(out.refusals, vec!["Root queue cannot be closed"]);
    assert_eq!(state(&f, "root"), "Open");
    handle(&f, "fresh").await;
    let q = f.get("queues", "", "fresh").unwrap();
    assert_eq!(
        (q["spec"]["parent"].clone(), q["status"]["state"].clone()),
        (json!("root"), json!("Open"))
    );
    assert_eq!(f.state.lock().unwrap().rejected, vec![]);
}

#[tokio::test]
async fn an_invalid_state_is_a_named_error() {
    let f = Fake::new(vec![queue("root", "", "Open"), queue("q", "root", "Paused")]);
    let kube = Kube::new(f.client(), Duration::from_secs(2));
    let err = queues::handle(&mut ApiQueues { kube: &kube }, "q", None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "queue q has status.state \"Paused\", which is not a Volcano queue state"
    );
}
