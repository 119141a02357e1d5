//! Unit tests of the KubeRay admission entry points and invariants, through
//! [`crate::evaluate`] with an in-memory cluster.

use serde_json::{json, Value};

use crate::cluster::{Call, Cluster, LookupError, ObjectStore, ResourceKind};
use crate::{evaluate, AdmissionRequest, Settings, Verdict};

pub(crate) const NS: &str = "prod";
pub(crate) const A: &str = "rs-x7k2q";
pub(crate) const P: &str = "rs-b9m4w";
pub(crate) const Q: &str = "rs-zz5t8";

fn cond(t: &str, s: &str, r: &str) -> Value {
    json!({"type": t, "status": s, "reason": r})
}

/// A RayService named `rs` with status (active, pending); active apps RUNNING.
pub(crate) fn rayservice(active: &str, pending: &str) -> Value {
    let upgrade = match (active.is_empty(), pending.is_empty()) {
        (false, false) => vec![cond(
            "UpgradeInProgress",
            "True",
            "BothActivePendingClustersExist",
        )],
        (false, true) => vec![cond("UpgradeInProgress", "False", "NoPendingCluster")],
        _ => vec![],
    };
    let apps = |name: &str| {
        if name.is_empty() {
            json!({})
        } else {
            json!({"rayClusterName": name, "applicationStatuses": {"fruit": {"status": "RUNNING"}, "math": {"status": "RUNNING"}}})
        }
    };
    json!({
        "apiVersion": "ray.io/v1", "kind": "RayService",
        "metadata": {"name": "rs", "namespace": NS, "generation": 2, "uid": "u-rs"},
        "spec": {"rayClusterConfig": {
            "headGroupSpec": {"template": {"spec": {"containers": [{"name": "ray-head", "image": "rayproject/ray:2.52.0"}]}}},
            "workerGroupSpecs": [{"groupName": "small", "replicas": 1, "minReplicas": 1, "maxReplicas": 3,
                "template": {"spec": {"containers": [{"name": "ray-worker", "image": "rayproject/ray:2.52.0"}]}}}]
        }},
        "status": {
            "activeServiceStatus": apps(active),
            "pendingServiceStatus": apps(pending),
            "conditions": upgrade,
            "observedGeneration": 2
        }
    })
}

pub(crate) fn set_status(mut rs: Value, active: &str, pending: &str) -> Value {
    let fresh = rayservice(active, pending);
    rs["status"] = fresh["status"].clone();
    rs
}

fn owner_rs() -> Value {
    json!([{"apiVersion": "ray.io/v1", "kind": "RayService", "name": "rs", "uid": "u-rs", "controller": true, "blockOwnerDeletion": true}])
}

pub(crate) fn head_svc(cluster: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "rs-head-svc", "namespace": NS, "ownerReferences": owner_rs(),
            "labels": {"ray.io/originated-from-cr-name": "rs", "ray.io/originated-from-crd": "RayService",
                "ray.io/node-type": "head", "ray.io/identifier": "rs-head"}},
        "spec": {"clusterIP": "None", "selector": {
            "ray.io/cluster": cluster, "ray.io/node-type": "head", "ray.io/identifier": format!("{cluster}-head"),
            "app.kubernetes.io/name": "kuberay", "app.kubernetes.io/created-by": "kuberay-operator"}}
    })
}

pub(crate) fn serve_svc(cluster: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "rs-serve-svc", "namespace": NS, "ownerReferences": owner_rs(),
            "labels": {"ray.io/originated-from-cr-name": "rs", "ray.io/originated-from-crd": "RayService",
                "ray.io/serve": "rs-serve"}},
        "spec": {"clusterIP": "10.96.12.7", "selector": {"ray.io/cluster": cluster, "ray.io/serve": "true"}}
    })
}

pub(crate) fn raycluster(name: &str, ready: bool, deleting: bool) -> Value {
    let mut c = json!({
        "apiVersion": "ray.io/v1", "kind": "RayCluster",
        "metadata": {"name": name, "namespace": NS,
            "labels": {"ray.io/originated-from-cr-name": "rs", "ray.io/originated-from-crd": "RayService"},
            "ownerReferences": owner_rs()},
        "status": {"conditions": [{"type": "HeadPodReady", "status": if ready { "True" } else { "False" }, "reason": "HeadPodRunningAndReady"}]}
    });
    if deleting {
        c["metadata"]["deletionTimestamp"] = json!("2026-11-24T10:00:00Z");
    }
    c
}

/// A RayCluster as KubeRay writes it with its `RayClusterStatusConditions`
/// gate off: no conditions, only `status.state` (`""` for none).
pub(crate) fn raycluster_gate_off(name: &str, state: &str) -> Value {
    let mut c = raycluster(name, true, false);
    c["status"] = if state.is_empty() {
        json!({})
    } else {
        json!({"state": state})
    };
    c
}

fn request(
    resource: Value,
    kind: &str,
    sub: &str,
    op: &str,
    name: &str,
    object: Value,
    old: Value,
) -> AdmissionRequest {
    let mut r = json!({
        "uid": "uid-1",
        "kind": {"group": if kind == "Service" { "" } else { "ray.io" }, "version": "v1", "kind": kind},
        "resource": resource,
        "name": name, "namespace": NS, "operation": op,
        "userInfo": {"username": "system:serviceaccount:ray-system:kuberay-operator"},
        "object": object, "oldObject": old
    });
    if !sub.is_empty() {
        r["subResource"] = json!(sub);
    }
    AdmissionRequest::from_value(r, "request").unwrap()
}

pub(crate) fn status_req(old: Value, new: Value) -> AdmissionRequest {
    request(
        json!({"group": "ray.io", "version": "v1", "resource": "rayservices"}),
        "RayService",
        "status",
        "UPDATE",
        "rs",
        new,
        old,
    )
}

pub(crate) fn svc_req(op: &str, old: Value, new: Value) -> AdmissionRequest {
    let name = new["metadata"]["name"].as_str().unwrap_or("").to_string();
    request(
        json!({"group": "", "version": "v1", "resource": "services"}),
        "Service",
        "",
        op,
        &name,
        new,
        old,
    )
}

fn rs_req(op: &str, obj: Value) -> AdmissionRequest {
    request(
        json!({"group": "ray.io", "version": "v1", "resource": "rayservices"}),
        "RayService",
        "",
        op,
        "rs",
        obj,
        Value::Null,
    )
}

pub(crate) fn run(req: &AdmissionRequest, objects: Vec<Value>) -> (Verdict, Vec<Call>) {
    let mut store = ObjectStore::new(objects);
    let v = evaluate(req, &Settings::default(), &mut store);
    (v, store.calls)
}

fn rej(rule: &'static str, msg: &str) -> Verdict {
    Verdict::reject(rule, msg)
}

fn get(kind: &'static str, name: &str) -> Call {
    Call::Get {
        kind,
        namespace: Some(NS.into()),
        name: name.into(),
    }
}

/// Stored state of the steady RayService (A active) plus the given extras.
fn world(rs: Value, head: &str, serve: &str, clusters: Vec<Value>) -> Vec<Value> {
    let mut v = vec![rs, head_svc(head), serve_svc(serve)];
    v.extend(clusters);
    v
}

// ---- status writes: RS1–RS10 ----

#[test]
fn legal_promotion_is_accepted_with_exactly_the_lookups_it_needs() {
    let old = rayservice(A, P);
    let new = set_status(old.clone(), P, "");
    let (v, calls) = run(
        &status_req(old.clone(), new),
        world(
            old,
            P,
            P,
            vec![raycluster(A, true, false), raycluster(P, true, false)],
        ),
    );
    assert_eq!(v, Verdict::Accept);
    assert_eq!(
        calls,
        vec![
            get("Service", "rs-head-svc"),
            get("Service", "rs-serve-svc"),
            get("RayCluster", P)
        ]
    );
}

#[test]
fn first_promotion_is_accepted() {
    let old = rayservice("", P);
    let new = set_status(old.clone(), P, "");
    let (v, _) = run(
        &status_req(old.clone(), new),
        world(old, P, P, vec![raycluster(P, true, false)]),
    );
    assert_eq!(v, Verdict::Accept);
}

#[test]
fn rs1_equal_names() {
    let old = rayservice(A, "");
    let mut new = rayservice(A, "");
    new["status"]["pendingServiceStatus"]["rayClusterName"] = json!(A);
    let (v, calls) = run(&status_req(old, new), vec![]);
    assert_eq!(
        v,
        rej(
            "RS1",
            &format!("RS1: active and pending RayCluster must differ, both are {A}")
        )
    );
    assert!(calls.is_empty());
}

#[test]
fn rs2_active_moves_elsewhere() {
    let old = rayservice(A, P);
    let new = set_status(old.clone(), Q, "");
    assert_eq!(
        run(&status_req(old.clone(), new), vec![]).0,
        rej(
            "RS2",
            &format!("RS2: active RayCluster may only change to the previous pending one ({P}) or be reset: {A} => {Q}")
        )
    );
    // Clearing active without reset evidence.
    let new = set_status(old, "", "");
    assert_eq!(
        run(&status_req(rayservice(A, ""), new), vec![]).0,
        rej(
            "RS2",
            &format!("RS2: active RayCluster may only change to the previous pending one (\"\") or be reset: {A} => \"\"")
        )
    );
}

#[test]
fn rs2_reset_paths_are_accepted() {
    let old = rayservice(A, P);
    let mut suspend = set_status(old.clone(), "", "");
    suspend["status"]["conditions"] = json!([cond("Suspending", "True", "SuspendRequested")]);
    // RS5 exempt on reset: even though the Services select P.
    let (v, _) = run(
        &status_req(old.clone(), suspend),
        world(old.clone(), P, P, vec![]),
    );
    assert_eq!(v, Verdict::Accept);
    let old = rayservice("", P);
    let mut timeout = set_status(old.clone(), "", "");
    timeout["status"]["conditions"] = json!([cond("Ready", "False", "InitializingTimeout")]);
    assert_eq!(run(&status_req(old, timeout), vec![]).0, Verdict::Accept);
}

#[test]
fn rs3_promotion_keeps_pending() {
    let old = rayservice(A, P);
    let new = set_status(old.clone(), P, Q);
    assert_eq!(
        run(&status_req(old, new), vec![]).0,
        rej(
            "RS3",
            &format!("RS3: promotion of {P} must clear the pending RayCluster, got {Q}")
        )
    );
}

#[test]
fn rs4_pending_changes() {
    let old = rayservice(A, P);
    // Dropping the pending without evidence.
    let new = set_status(old.clone(), A, "");
    assert_eq!(
        run(&status_req(old.clone(), new), world(old.clone(), A, A, vec![])).0,
        rej(
            "RS4",
            &format!(
                "RS4: pending RayCluster changed {P} => \"\" without a promotion, a rollback or a reset"
            )
        )
    );
    // A name that is not `<rs>-...`.
    let new = set_status(old.clone(), A, "other-abcde");
    assert_eq!(
        run(&status_req(old.clone(), new), vec![]).0,
        rej(
            "RS4",
            &format!("RS4: pending RayCluster changed {P} => other-abcde without a promotion, a rollback or a reset")
        )
    );
    // Replacing P with Q before P serves: allowed (RS5 looks at the Services).
    let new = set_status(old.clone(), A, Q);
    let (v, calls) = run(&status_req(old.clone(), new), world(old.clone(), A, A, vec![]));
    assert_eq!(v, Verdict::Accept);
    assert_eq!(
        calls,
        vec![get("Service", "rs-head-svc"), get("Service", "rs-serve-svc")]
    );
    // Rollback completion clears pending.
    let mut rolling = old.clone();
    rolling["status"]["conditions"] = json!([
        cond("UpgradeInProgress", "True", "BothActivePendingClustersExist"),
        cond("RollbackInProgress", "True", "DesiredClusterSpecChanged")
    ]);
    let new = set_status(old, A, "");
    assert_eq!(
        run(&status_req(rolling, new), world(rayservice(A, P), A, A, vec![])).0,
        Verdict::Accept
    );
}

#[test]
fn rs5_pending_that_serves_is_not_replaced() {
    let old = rayservice(A, P);
    let new = set_status(old.clone(), A, Q);
    let (v, calls) = run(
        &status_req(old.clone(), new.clone()),
        world(old.clone(), P, A, vec![]),
    );
    assert_eq!(
        v,
        rej(
            "RS5",
            &format!("RS5: pending RayCluster {P} already receives traffic through Service rs-head-svc; it cannot be replaced or dropped")
        )
    );
    assert_eq!(calls, vec![get("Service", "rs-head-svc")]);
    let (v, _) = run(&status_req(old.clone(), new), world(old, A, P, vec![]));
    assert_eq!(
        v,
        rej(
            "RS5",
            &format!("RS5: pending RayCluster {P} already receives traffic through Service rs-serve-svc; it cannot be replaced or dropped")
        )
    );
}

#[test]
fn rs6_promotion_before_services_switch() {
    let old = rayservice(A, P);
    let new = set_status(old.clone(), P, "");
    let (v, _) = run(
        &status_req(old.clone(), new.clone()),
        world(old.clone(), A, A, vec![raycluster(P, true, false)]),
    );
    assert_eq!(
        v,
        rej(
            "RS6",
            &format!("RS6: promotion of {P} before Service rs-head-svc selects it")
        )
    );
    let (v, _) = run(
        &status_req(old.clone(), new.clone()),
        world(old.clone(), P, A, vec![raycluster(P, true, false)]),
    );
    assert_eq!(
        v,
        rej(
            "RS6",
            &format!("RS6: promotion of {P} before Service rs-serve-svc selects it")
        )
    );
    // A missing Service is named the same way.
    let (v, _) = run(
        &status_req(old.clone(), new),
        vec![old, head_svc(P), raycluster(P, true, false)],
    );
    assert_eq!(
        v,
        rej(
            "RS6",
            &format!("RS6: promotion of {P} before Service rs-serve-svc selects it")
        )
    );
}

#[test]
fn rs6_uses_the_custom_serve_service_name() {
    let mut old = rayservice(A, P);
    old["spec"]["serveService"] = json!({"metadata": {"name": "fruit-svc"}});
    let new = set_status(old.clone(), P, "");
    let mut serve = serve_svc(P);
    serve["metadata"]["name"] = json!("fruit-svc");
    let (v, calls) = run(
        &status_req(old.clone(), new),
        vec![old, head_svc(P), serve, raycluster(P, true, false)],
    );
    assert_eq!(v, Verdict::Accept);
    assert_eq!(calls[1], get("Service", "fruit-svc"));
}

#[test]
fn rs7_apps_not_running() {
    let old = rayservice(A, P);
    let mut new = set_status(old.clone(), P, "");
    new["status"]["activeServiceStatus"]["applicationStatuses"]["math"]["status"] = json!("DEPLOYING");
    assert_eq!(
        run(&status_req(old.clone(), new.clone()), vec![]).0,
        rej(
            "RS7",
            &format!("RS7: promotion of {P} while application math is DEPLOYING, not RUNNING")
        )
    );
    new["status"]["activeServiceStatus"]["applicationStatuses"] = json!({});
    assert_eq!(
        run(&status_req(old, new), vec![]).0,
        rej(
            "RS7",
            &format!("RS7: promotion of {P} while it reports no applications")
        )
    );
}

#[test]
fn rs8_promoted_cluster_must_exist_and_be_alive() {
    let old = rayservice(A, P);
    let new = set_status(old.clone(), P, "");
    let w = |c: Option<Value>| {
        let mut v = world(old.clone(), P, P, vec![]);
        v.extend(c);
        v
    };
    assert_eq!(
        run(&status_req(old.clone(), new.clone()), w(None)).0,
        rej(
            "RS8",
            &format!("RS8: promotion of {P}: RayCluster {P} does not exist")
        )
    );
    assert_eq!(
        run(
            &status_req(old.clone(), new.clone()),
            w(Some(raycluster(P, true, true)))
        )
        .0,
        rej(
            "RS8",
            &format!("RS8: promotion of {P}: RayCluster {P} is being deleted")
        )
    );
    assert_eq!(
        run(
            &status_req(old.clone(), new.clone()),
            w(Some(raycluster(P, false, false)))
        )
        .0,
        rej(
            "RS8",
            &format!(
                "RS8: promotion of {P}: RayCluster {P} has no ready head Pod (HeadPodReady is not True)"
            )
        )
    );
    // KubeRay's RayClusterStatusConditions gate off: no condition; `status.state` decides.
    assert_eq!(
        run(
            &status_req(old.clone(), new.clone()),
            w(Some(raycluster_gate_off(P, "")))
        )
        .0,
        rej(
            "RS8",
            &format!(
                "RS8: promotion of {P}: RayCluster {P} has no ready head Pod (no HeadPodReady condition, and status.state is not ready)"
            )
        )
    );
    assert_eq!(
        run(
            &status_req(old.clone(), new),
            w(Some(raycluster_gate_off(P, "ready")))
        )
        .0,
        Verdict::Accept
    );
}

#[test]
fn rs9_condition_matches_names() {
    let old = rayservice(A, "");
    let mut new = set_status(old.clone(), A, P);
    new["status"]["conditions"] = json!([cond("UpgradeInProgress", "False", "NoPendingCluster")]);
    assert_eq!(
        run(&status_req(old.clone(), new), vec![]).0,
        rej(
            "RS9",
            &format!("RS9: condition UpgradeInProgress must be True when active is {A} and pending is {P}")
        )
    );
    let mut new = old.clone();
    new["status"]["conditions"] = json!([cond(
        "UpgradeInProgress",
        "True",
        "BothActivePendingClustersExist"
    )]);
    assert_eq!(
        run(&status_req(old.clone(), new), vec![]).0,
        rej(
            "RS9",
            &format!("RS9: condition UpgradeInProgress must be False when active is {A} and pending is \"\"")
        )
    );
    // Exempt reason.
    let mut new = old.clone();
    new["status"]["conditions"] = json!([cond("UpgradeInProgress", "True", "SuspendRequested")]);
    assert_eq!(run(&status_req(old, new), vec![]).0, Verdict::Accept);
}

#[test]
fn rs10_observed_generation_ahead() {
    let old = rayservice(A, "");
    let mut new = old.clone();
    new["status"]["observedGeneration"] = json!(3);
    assert_eq!(
        run(&status_req(old, new), vec![]).0,
        rej(
            "RS10",
            "RS10: status.observedGeneration 3 is ahead of metadata.generation 2"
        )
    );
}

/// A cluster whose every lookup fails.
struct Broken;
impl Cluster for Broken {
    fn get(
        &mut self,
        k: &ResourceKind,
        ns: Option<&str>,
        n: &str,
        _: &[&str],
    ) -> Result<Option<Vec<u8>>, LookupError> {
        Err(LookupError::get(k, ns, n, "Host error: connection refused"))
    }
    fn list(&mut self, k: &ResourceKind, ns: Option<&str>, _: &[&str]) -> Result<Vec<u8>, LookupError> {
        Err(LookupError::list(k, ns, "Host error: connection refused"))
    }
}

#[test]
fn lookup_failures_fail_closed_naming_the_lookup() {
    let old = rayservice(A, P);
    let new = set_status(old.clone(), P, "");
    assert_eq!(
        evaluate(&status_req(old, new), &Settings::default(), &mut Broken),
        rej(
            "RS6",
            "RS6: lookup get v1 Service prod/rs-head-svc failed: Host error: connection refused"
        )
    );
    assert_eq!(
        evaluate(
            &svc_req("UPDATE", head_svc(A), head_svc(P)),
            &Settings::default(),
            &mut Broken
        ),
        rej(
            "SV1",
            "SV1: lookup get ray.io/v1 RayService prod/rs failed: Host error: connection refused"
        )
    );
}

#[test]
fn undecodable_lookup_answer_is_rejected() {
    let old = rayservice(A, P);
    let new = set_status(old.clone(), P, "");
    let mut bad = head_svc(P);
    bad["spec"]["selector"] = json!({"ray.io/cluster": 5});
    let (v, _) = run(&status_req(old.clone(), new), vec![old, bad]);
    assert_eq!(
        v,
        rej(
            "RS6",
            "RS6: lookup get v1 Service prod/rs-head-svc: Service prod/rs-head-svc.spec.selector.ray.io/cluster: expected string, got integer"
        )
    );
}

// ---- Service writes: SV1–SV3 ----

#[test]
fn sv_head_switch_to_ready_pending_is_accepted() {
    let (v, calls) = run(
        &svc_req("UPDATE", head_svc(A), head_svc(P)),
        world(rayservice(A, P), A, A, vec![raycluster(P, true, false)]),
    );
    assert_eq!(v, Verdict::Accept);
    assert_eq!(calls, vec![get("RayService", "rs"), get("RayCluster", P)]);
}

#[test]
fn sv1_unknown_cluster() {
    let (v, _) = run(
        &svc_req("UPDATE", serve_svc(A), serve_svc(Q)),
        world(rayservice(A, P), A, A, vec![]),
    );
    assert_eq!(
        v,
        rej(
            "SV1",
            &format!(
                "SV1: Service rs-serve-svc may select only RayCluster {A} or {P} of RayService rs, not {Q}"
            )
        )
    );
    let mut empty = serve_svc(A);
    empty["spec"]["selector"] = json!({"ray.io/serve": "true"});
    let (v, _) = run(
        &svc_req("UPDATE", serve_svc(A), empty),
        world(rayservice(A, ""), A, A, vec![]),
    );
    assert_eq!(
        v,
        rej(
            "SV1",
            &format!(
                "SV1: Service rs-serve-svc may select only RayCluster {A} or \"\" of RayService rs, not \"\""
            )
        )
    );
}

#[test]
fn sv2_pending_not_ready() {
    let cases = [
        (None, "it does not exist"),
        (Some(raycluster(P, true, true)), "it is being deleted"),
        (
            Some(raycluster(P, false, false)),
            "its head Pod is not ready (HeadPodReady is not True)",
        ),
        (
            Some(raycluster_gate_off(P, "")),
            "its head Pod is not ready (no HeadPodReady condition, and status.state is not ready)",
        ),
        (
            Some(raycluster_gate_off(P, "suspended")),
            "its head Pod is not ready (no HeadPodReady condition, and status.state is not ready)",
        ),
    ];
    for (c, why) in cases {
        let mut w = world(rayservice(A, P), A, A, vec![]);
        w.extend(c);
        let (v, _) = run(&svc_req("UPDATE", head_svc(A), head_svc(P)), w);
        assert_eq!(
            v,
            rej(
                "SV2",
                &format!("SV2: Service rs-head-svc may not select pending RayCluster {P}: {why}")
            )
        );
    }
    // With the gate off, a pending cluster whose Pods were all Running and Ready
    // (`status.state: ready`) may take the head Service, as KubeRay does.
    let mut w = world(rayservice(A, P), A, A, vec![]);
    w.push(raycluster_gate_off(P, "ready"));
    let (v, _) = run(&svc_req("UPDATE", head_svc(A), head_svc(P)), w);
    assert_eq!(v, Verdict::Accept);
}

#[test]
fn sv3_selector_shape() {
    let mut bad = head_svc(P);
    bad["spec"]["selector"]["ray.io/identifier"] = json!(format!("{A}-head"));
    let (v, calls) = run(
        &svc_req("UPDATE", head_svc(A), bad),
        world(rayservice(A, P), A, A, vec![raycluster(P, true, false)]),
    );
    assert_eq!(
        v,
        rej("SV3", &format!("SV3: head Service rs-head-svc must select ray.io/node-type=head and ray.io/identifier={P}-head"))
    );
    assert_eq!(calls, vec![get("RayService", "rs")]);
    let mut bad = serve_svc(P);
    bad["spec"]["selector"]
        .as_object_mut()
        .unwrap()
        .remove("ray.io/serve");
    let (v, _) = run(
        &svc_req("UPDATE", serve_svc(A), bad),
        world(rayservice(A, P), A, A, vec![raycluster(P, true, false)]),
    );
    assert_eq!(
        v,
        rej(
            "SV3",
            "SV3: serve Service rs-serve-svc must select ray.io/serve=true"
        )
    );
}

#[test]
fn unrelated_services_cost_no_lookup() {
    let plain = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": NS},
        "spec": {"selector": {"app": "web"}}});
    let mut per_cluster = serve_svc(P);
    per_cluster["metadata"]["name"] = json!(format!("{P}-serve-svc"));
    per_cluster["metadata"]["ownerReferences"] = json!([{"apiVersion": "ray.io/v1", "kind": "RayCluster", "name": P, "uid": "u-p", "controller": true}]);
    let mut non_controller = head_svc(Q);
    non_controller["metadata"]["ownerReferences"][0]["controller"] = json!(false);
    for (op, old, new) in [
        ("CREATE", Value::Null, plain.clone()),
        ("UPDATE", plain.clone(), plain),
        ("CREATE", Value::Null, per_cluster),
        ("CREATE", Value::Null, non_controller),
        // Metadata-only update of the head Service: the selector is unchanged.
        ("UPDATE", head_svc(Q), {
            let mut h = head_svc(Q);
            h["metadata"]["annotations"] = json!({"note": "x"});
            h
        }),
        ("DELETE", head_svc(A), Value::Null),
    ] {
        let (v, calls) = run(&svc_req(op, old, new), world(rayservice(A, ""), A, A, vec![]));
        assert_eq!(v, Verdict::Accept);
        assert_eq!(calls, vec![]);
    }
}

#[test]
fn other_rayservice_owned_service_costs_one_lookup() {
    let mut other = serve_svc(Q);
    other["metadata"]["name"] = json!("rs-dashboard");
    let (v, calls) = run(
        &svc_req("CREATE", Value::Null, other),
        world(rayservice(A, ""), A, A, vec![]),
    );
    assert_eq!(v, Verdict::Accept);
    assert_eq!(calls, vec![get("RayService", "rs")]);
    // With a custom serve name, `<rs>-serve-svc` is not the serve Service.
    let mut rs = rayservice(A, "");
    rs["spec"]["serveService"] = json!({"metadata": {"name": "fruit-svc"}});
    let (v, _) = run(&svc_req("UPDATE", serve_svc(A), serve_svc(Q)), vec![rs.clone()]);
    assert_eq!(v, Verdict::Accept);
    let mut custom = serve_svc(Q);
    custom["metadata"]["name"] = json!("fruit-svc");
    let (v, _) = run(&svc_req("CREATE", Value::Null, custom), vec![rs]);
    assert_eq!(
        v,
        rej(
            "SV1",
            &format!(
                "SV1: Service fruit-svc may select only RayCluster {A} or \"\" of RayService rs, not {Q}"
            )
        )
    );
}

// ---- routing and bad input ----

#[test]
fn rayservice_main_resource_is_validated_not_status_checked() {
    let mut obj = rayservice(A, "");
    obj["spec"]["rayClusterDeletionDelaySeconds"] = json!(-5);
    assert_eq!(
        run(&rs_req("UPDATE", obj), vec![]).0,
        rej(
            "KR-SPEC",
            "The RayService spec is invalid: Spec.RayClusterDeletionDelaySeconds should be a non-negative integer, got -5"
        )
    );
    assert_eq!(
        run(&rs_req("CREATE", rayservice("", "")), vec![]).0,
        Verdict::Accept
    );
    // Status writes skip §8: a bad spec does not matter there.
    let mut old = rayservice(A, "");
    old["spec"]["upgradeStrategy"] = json!({"type": "Bogus"});
    assert_eq!(run(&status_req(old.clone(), old), vec![]).0, Verdict::Accept);
}

#[test]
fn bad_input_is_rejected_specifically() {
    let mut r = rs_req("CREATE", json!({"metadata": {"name": 5}}));
    assert_eq!(
        run(&r, vec![]).0,
        rej(
            "decode",
            "request.object.metadata.name: expected string, got integer"
        )
    );
    r.object = Value::Null;
    assert_eq!(
        run(&r, vec![]).0,
        rej("decode", "request.object: required field is missing")
    );
    let r = rs_req("CONNECT", rayservice(A, ""));
    assert_eq!(
        run(&r, vec![]).0,
        rej(
            "op",
            "invalid operation `CONNECT` for ray.io/v1, Resource=rayservices, expect operation to be `CREATE`, `UPDATE` or `DELETE`"
        )
    );
    let mut r = status_req(rayservice(A, ""), rayservice(A, ""));
    r.kind.kind = "RayCluster".into();
    assert_eq!(
        run(&r, vec![]).0,
        rej(
            "decode",
            "request.kind.kind: expected RayService for resource ray.io/v1, Resource=rayservices, got \"RayCluster\""
        )
    );
    let mut r = status_req(rayservice(A, ""), rayservice(A, ""));
    r.operation = crate::Operation::Create;
    assert_eq!(
        run(&r, vec![]).0,
        rej(
            "op",
            "invalid operation `CREATE` for ray.io/v1, Resource=rayservices, expect operation to be `UPDATE`"
        )
    );
    let r = status_req(Value::Null, rayservice(A, ""));
    assert_eq!(
        run(&r, vec![]).0,
        rej("decode", "request.oldObject: required field is missing")
    );
    let r = svc_req(
        "UPDATE",
        head_svc(A),
        json!({"metadata": {"name": "x", "ownerReferences": "me"}}),
    );
    assert_eq!(
        run(&r, vec![]).0,
        rej(
            "decode",
            "request.object.metadata.ownerReferences: expected array, got string"
        )
    );
}

#[test]
fn rayclusters_are_not_routed() {
    let r = request(
        json!({"group": "ray.io", "version": "v1", "resource": "rayclusters"}),
        "RayCluster",
        "",
        "DELETE",
        A,
        Value::Null,
        raycluster(A, true, false),
    );
    let (v, calls) = run(&r, vec![]);
    assert_eq!(v.rejection().map(|r| r.rule), Some("resource"));
    assert!(calls.is_empty());
}

// ---- replay of the real sequence (doc §3, W1–W5) and the failure shapes ----

#[test]
fn replay_of_a_newcluster_upgrade_is_accepted_at_every_write() {
    let steady = rayservice(A, "");
    let mut store = vec![
        steady.clone(),
        head_svc(A),
        serve_svc(A),
        raycluster(A, true, false),
    ];
    let replace = |store: &mut Vec<Value>, kind: &str, name: &str, new: Value| {
        store.retain(|o| !(o["kind"] == kind && o["metadata"]["name"] == name));
        store.push(new);
    };
    // W1: pending name appears.
    let w1 = set_status(steady.clone(), A, P);
    assert_eq!(
        run(&status_req(steady.clone(), w1.clone()), store.clone()).0,
        Verdict::Accept
    );
    replace(&mut store, "RayService", "rs", w1.clone());
    // W2: RayCluster P is created (not guarded) and becomes ready.
    store.push(raycluster(P, true, false));
    // W3: head Service first.
    assert_eq!(
        run(&svc_req("UPDATE", head_svc(A), head_svc(P)), store.clone()).0,
        Verdict::Accept
    );
    replace(&mut store, "Service", "rs-head-svc", head_svc(P));
    // W4: serve Service, in the transient head=P, serve=A.
    assert_eq!(
        run(&svc_req("UPDATE", serve_svc(A), serve_svc(P)), store.clone()).0,
        Verdict::Accept
    );
    replace(&mut store, "Service", "rs-serve-svc", serve_svc(P));
    // W5: promotion.
    let w5 = set_status(w1.clone(), P, "");
    assert_eq!(run(&status_req(w1, w5), store).0, Verdict::Accept);
}

#[test]
fn failure_shapes_are_rejected() {
    // #2088: promotion persisted while both Services still select A.
    let old = rayservice(A, P);
    let promoted = set_status(old.clone(), P, "");
    let (v, _) = run(
        &status_req(old.clone(), promoted),
        world(
            old.clone(),
            A,
            A,
            vec![raycluster(A, true, false), raycluster(P, true, false)],
        ),
    );
    assert_eq!(v.rejection().map(|r| r.rule), Some("RS6"));
    // #1559: switching traffic to a pending whose head is not ready.
    let (v, _) = run(
        &svc_req("UPDATE", serve_svc(A), serve_svc(P)),
        world(old.clone(), A, A, vec![raycluster(P, false, false)]),
    );
    assert_eq!(v.rejection().map(|r| r.rule), Some("SV2"));
    // #2877: replacing a pending cluster that already serves.
    let (v, _) = run(
        &status_req(old.clone(), set_status(old.clone(), A, Q)),
        world(old, P, P, vec![]),
    );
    assert_eq!(v.rejection().map(|r| r.rule), Some("RS5"));
}

// ---- lookupHeadPod: RS8/SV2 without the HeadPodReady condition ----

/// The head Pod of RayCluster `cluster`, named as KubeRay names it.
pub(crate) fn head_pod(cluster: &str, phase: &str, ready: bool) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("{cluster}-head-7xk2p"), "namespace": NS,
            "labels": {"ray.io/cluster": cluster, "ray.io/node-type": "head", "ray.io/identifier": format!("{cluster}-head")}},
        "status": {"phase": phase, "conditions": [
            cond("PodScheduled", "True", ""),
            cond("Ready", if ready { "True" } else { "False" }, if ready { "" } else { "ContainersNotReady" })
        ]}
    })
}

/// A gate-off RayCluster (`status.state: ready`, sticky) whose
/// `status.head.podName` is `pod` (`""`: none).
pub(crate) fn raycluster_gate_off_naming(name: &str, pod: &str) -> Value {
    let mut c = raycluster_gate_off(name, "ready");
    if !pod.is_empty() {
        c["status"]["head"] = json!({"podName": pod, "podIP": "10.0.3.7"});
    }
    c
}

fn lookup_head_pod() -> Settings {
    Settings {
        lookup_head_pod: true,
        ..Settings::default()
    }
}

fn run_with(req: &AdmissionRequest, objects: Vec<Value>, settings: &Settings) -> (Verdict, Vec<Call>) {
    let mut store = ObjectStore::new(objects);
    let v = evaluate(req, settings, &mut store);
    (v, store.calls)
}

/// What RS8 says of promoting `P` when its RayCluster and Pods are `extra`.
fn promote_p(extra: Vec<Value>, settings: &Settings) -> (Verdict, Vec<Call>) {
    let old = rayservice(A, P);
    let new = set_status(old.clone(), P, "");
    run_with(&status_req(old.clone(), new), world(old, P, P, extra), settings)
}

#[test]
fn lookup_head_pod_judges_the_pod_when_the_condition_is_absent() {
    let pod = format!("{P}-head-7xk2p");
    let rs8 = |why: String| {
        rej(
            "RS8",
            &format!("RS8: promotion of {P}: RayCluster {P} has no ready head Pod (no HeadPodReady condition, and {why})"),
        )
    };
    let mut other_cluster = head_pod(P, "Running", true);
    other_cluster["metadata"]["labels"]["ray.io/cluster"] = json!(A);
    let mut worker = head_pod(P, "Running", true);
    worker["metadata"]["labels"]["ray.io/node-type"] = json!("worker");
    let mut no_phase = head_pod(P, "Running", true);
    no_phase["status"] = json!({});
    let cases = [
        (head_pod(P, "Running", true), Verdict::Accept),
        // status.state stays `ready` after the head failed: the Pod tells.
        (head_pod(P, "Running", false), rs8(format!("head Pod {pod} is Running but not Ready"))),
        (head_pod(P, "Failed", false), rs8(format!("head Pod {pod} is in phase Failed, not Running"))),
        (head_pod(P, "Pending", true), rs8(format!("head Pod {pod} is in phase Pending, not Running"))),
        (no_phase, rs8(format!("head Pod {pod} is in phase \"\", not Running"))),
        (
            other_cluster,
            rs8(format!(
                "Pod {pod} is not the head Pod of RayCluster {P} (labels ray.io/cluster={P}, ray.io/node-type=head)"
            )),
        ),
        (
            worker,
            rs8(format!(
                "Pod {pod} is not the head Pod of RayCluster {P} (labels ray.io/cluster={P}, ray.io/node-type=head)"
            )),
        ),
    ];
    for (pod_json, expected) in cases {
        let (v, calls) = promote_p(
            vec![raycluster_gate_off_naming(P, &pod), pod_json.clone()],
            &lookup_head_pod(),
        );
        assert_eq!(v, expected, "{pod_json}");
        assert_eq!(
            calls,
            vec![
                get("Service", "rs-head-svc"),
                get("Service", "rs-serve-svc"),
                get("RayCluster", P),
                get("Pod", &pod)
            ]
        );
    }
    // The named Pod is gone (KubeRay recreates the head under a new name).
    let (v, _) = promote_p(vec![raycluster_gate_off_naming(P, &pod)], &lookup_head_pod());
    assert_eq!(v, rs8(format!("head Pod {pod} does not exist")));
    // No head Pod named: nothing to look up.
    let (v, calls) = promote_p(vec![raycluster_gate_off_naming(P, "")], &lookup_head_pod());
    assert_eq!(v, rs8("status.head.podName names no head Pod".into()));
    assert_eq!(calls.last(), Some(&get("RayCluster", P)));
}

#[test]
fn lookup_head_pod_looks_nothing_up_when_the_condition_decides_or_the_setting_is_off() {
    let pod = format!("{P}-head-7xk2p");
    // Condition present: it decides, with or without the setting, and no Pod is read.
    for settings in [Settings::default(), lookup_head_pod()] {
        for (ready, expected) in [
            (true, Verdict::Accept),
            (
                false,
                rej(
                    "RS8",
                    &format!("RS8: promotion of {P}: RayCluster {P} has no ready head Pod (HeadPodReady is not True)"),
                ),
            ),
        ] {
            let mut c = raycluster(P, ready, false);
            c["status"]["head"] = json!({"podName": pod});
            let (v, calls) = promote_p(vec![c, head_pod(P, "Running", !ready)], &settings);
            assert_eq!(v, expected);
            assert_eq!(calls.last(), Some(&get("RayCluster", P)));
        }
    }
    // Setting off: the sticky `status.state: ready` stands in, as before.
    let (v, calls) = promote_p(
        vec![raycluster_gate_off_naming(P, &pod), head_pod(P, "Failed", false)],
        &Settings::default(),
    );
    assert_eq!(v, Verdict::Accept);
    assert_eq!(calls.last(), Some(&get("RayCluster", P)));
}

#[test]
fn lookup_head_pod_guards_the_service_switch_too() {
    let pod = format!("{P}-head-7xk2p");
    let switch = |p: Value| {
        let mut w = world(rayservice(A, P), A, A, vec![]);
        w.extend([raycluster_gate_off_naming(P, &pod), p]);
        run_with(
            &svc_req("UPDATE", head_svc(A), head_svc(P)),
            w,
            &lookup_head_pod(),
        )
    };
    let (v, calls) = switch(head_pod(P, "Running", false));
    assert_eq!(
        v,
        rej(
            "SV2",
            &format!(
                "SV2: Service rs-head-svc may not select pending RayCluster {P}: its head Pod is not ready (no HeadPodReady condition, and head Pod {pod} is Running but not Ready)"
            )
        )
    );
    assert_eq!(
        calls,
        vec![get("RayService", "rs"), get("RayCluster", P), get("Pod", &pod)]
    );
    assert_eq!(switch(head_pod(P, "Running", true)).0, Verdict::Accept);
}

/// An [`ObjectStore`] behind a host that records the field masks of each
/// get and, with `refuse_pods`, refuses Pod lookups (the policy not granted
/// `v1/Pod`).
struct Host {
    store: ObjectStore,
    refuse_pods: bool,
    masks: Vec<(&'static str, Vec<String>)>,
}

impl Host {
    fn new(objects: Vec<Value>, refuse_pods: bool) -> Self {
        Host {
            store: ObjectStore::new(objects),
            refuse_pods,
            masks: Vec::new(),
        }
    }
}

impl Cluster for Host {
    fn get(
        &mut self,
        k: &ResourceKind,
        ns: Option<&str>,
        n: &str,
        f: &[&str],
    ) -> Result<Option<Vec<u8>>, LookupError> {
        self.masks
            .push((k.kind, f.iter().map(|s| s.to_string()).collect()));
        if self.refuse_pods && k.kind == "Pod" {
            return Err(LookupError::get(
                k,
                ns,
                n,
                "Host error: Policy has not been granted access to Kubernetes v1/Pod resources.",
            ));
        }
        self.store.get(k, ns, n, f)
    }
    fn list(&mut self, k: &ResourceKind, ns: Option<&str>, f: &[&str]) -> Result<Vec<u8>, LookupError> {
        self.store.list(k, ns, f)
    }
}

#[test]
fn lookup_head_pod_fails_closed_when_pods_are_not_granted() {
    let pod = format!("{P}-head-7xk2p");
    let old = rayservice(A, P);
    let new = set_status(old.clone(), P, "");
    let mut cluster = Host::new(
        world(
            old.clone(),
            P,
            P,
            vec![raycluster_gate_off_naming(P, &pod), head_pod(P, "Running", true)],
        ),
        true,
    );
    assert_eq!(
        evaluate(&status_req(old, new), &lookup_head_pod(), &mut cluster),
        rej(
            "RS8",
            &format!("RS8: lookup get v1 Pod {NS}/{pod} failed: Host error: Policy has not been granted access to Kubernetes v1/Pod resources.")
        )
    );
}

#[test]
fn a_head_pod_answer_of_the_wrong_shape_is_named() {
    let pod = format!("{P}-head-7xk2p");
    let mut bad = head_pod(P, "Running", true);
    bad["status"]["phase"] = json!(3);
    let (v, _) = promote_p(vec![raycluster_gate_off_naming(P, &pod), bad], &lookup_head_pod());
    assert_eq!(
        v,
        rej(
            "RS8",
            &format!("RS8: lookup get v1 Pod {NS}/{pod}: Pod {NS}/{pod}.status.phase: expected string, got integer")
        )
    );
}

#[test]
fn the_head_pod_name_is_asked_for_only_with_lookup_head_pod() {
    let pod = format!("{P}-head-7xk2p");
    let old = rayservice(A, P);
    let new = set_status(old.clone(), P, "");
    let masks = |settings: &Settings| {
        let mut cluster = Host::new(
            world(
                old.clone(),
                P,
                P,
                vec![raycluster_gate_off_naming(P, &pod), head_pod(P, "Running", true)],
            ),
            false,
        );
        let v = evaluate(&status_req(old.clone(), new.clone()), settings, &mut cluster);
        assert_eq!(v, Verdict::Accept);
        cluster
            .masks
            .into_iter()
            .filter(|(k, _)| *k != "Service")
            .collect::<Vec<_>>()
    };
    let strings = |f: &[&str]| f.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        masks(&Settings::default()),
        vec![("RayCluster", strings(super::lookup::RAYCLUSTER_FIELDS))]
    );
    assert_eq!(
        masks(&lookup_head_pod()),
        vec![
            ("RayCluster", {
                let mut f = strings(super::lookup::RAYCLUSTER_FIELDS);
                f.push("status.head.podName".into());
                f
            }),
            ("Pod", strings(super::lookup::POD_FIELDS))
        ]
    );
    assert!(!super::lookup::RAYCLUSTER_FIELDS.contains(&"status.head.podName"));
}
