//! Property: RayService upgrades written in KubeRay's real order (W1 pending
//! name, W2 cluster created, W3 head Service, W4 serve Service, W5 promotion;
//! kuberay-switchover.md §3), with random cluster names, cycles, pending
//! replacements and status refreshes, are accepted at every write; one
//! corruption of such a sequence is rejected by the invariant that guards it.
//! Both hold with KubeRay's `RayClusterStatusConditions` gate on (RayClusters
//! carry `HeadPodReady`) and off (only `status.state`).

use proptest::prelude::*;
use serde_json::{json, Value};
use transition_core::cluster::ObjectStore;
use transition_core::{evaluate, AdmissionRequest, Settings, Verdict};

const NS: &str = "prod";
const OPERATOR: &str = "system:serviceaccount:ray-system:kuberay-operator";

fn owner() -> Value {
    json!([{"apiVersion": "ray.io/v1", "kind": "RayService", "name": "rs", "uid": "u-rs", "controller": true}])
}

fn apps(cluster: &str, app_status: &str) -> Value {
    if cluster.is_empty() {
        json!({})
    } else {
        json!({"rayClusterName": cluster,
               "applicationStatuses": {"fruit": {"status": app_status}, "math": {"status": "RUNNING"}}})
    }
}

/// The RayService with status (active, pending); `app_status` of the active's first app.
fn rayservice(active: &str, pending: &str, app_status: &str) -> Value {
    let upgrade = match (active.is_empty(), pending.is_empty()) {
        (false, false) => {
            json!([{"type": "UpgradeInProgress", "status": "True", "reason": "BothActivePendingClustersExist"}])
        }
        (false, true) => {
            json!([{"type": "UpgradeInProgress", "status": "False", "reason": "NoPendingCluster"}])
        }
        _ => json!([]),
    };
    json!({
        "apiVersion": "ray.io/v1", "kind": "RayService",
        "metadata": {"name": "rs", "namespace": NS, "generation": 2, "uid": "u-rs"},
        "spec": {"rayClusterConfig": {"headGroupSpec": {"template": {"spec": {"containers": [{"name": "ray-head", "image": "rayproject/ray:2.52.0"}]}}}}},
        "status": {"activeServiceStatus": apps(active, app_status), "pendingServiceStatus": apps(pending, "RUNNING"),
                   "conditions": upgrade, "observedGeneration": 2}
    })
}

fn head_svc(cluster: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "rs-head-svc", "namespace": NS, "ownerReferences": owner()},
        "spec": {"selector": {"ray.io/cluster": cluster, "ray.io/node-type": "head",
                              "ray.io/identifier": format!("{cluster}-head")}}})
}

fn serve_svc(cluster: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "rs-serve-svc", "namespace": NS, "ownerReferences": owner()},
        "spec": {"selector": {"ray.io/cluster": cluster, "ray.io/serve": "true"}}})
}

/// A RayCluster's status as KubeRay writes it with the gate on or off.
fn raycluster(name: &str, ready: bool, gate_on: bool) -> Value {
    let status = if gate_on {
        json!({"state": if ready { "ready" } else { "" },
               "conditions": [{"type": "HeadPodReady", "status": if ready { "True" } else { "False" }}]})
    } else if ready {
        json!({"state": "ready"})
    } else {
        json!({})
    };
    json!({"apiVersion": "ray.io/v1", "kind": "RayCluster",
        "metadata": {"name": name, "namespace": NS, "ownerReferences": owner()},
        "status": status})
}

/// The cluster the operator works on: stored RayService, Services, RayClusters.
#[derive(Clone)]
struct World {
    active: String,
    pending: String,
    head: String,
    serve: String,
    clusters: Vec<(String, bool)>,
    /// KubeRay's `RayClusterStatusConditions` gate.
    gate_on: bool,
}

impl World {
    fn objects(&self) -> Vec<Value> {
        let mut o = vec![
            rayservice(&self.active, &self.pending, "RUNNING"),
            head_svc(&self.head),
            serve_svc(&self.serve),
        ];
        o.extend(self.clusters.iter().map(|(n, r)| raycluster(n, *r, self.gate_on)));
        o
    }

    fn eval(&self, req: Value) -> Verdict {
        let req = AdmissionRequest::from_value(req, "request").expect("well-formed request");
        evaluate(&req, &Settings::default(), &mut ObjectStore::new(self.objects()))
    }

    /// A `rayservices/status` write to (active, pending).
    fn status(&self, active: &str, pending: &str, app_status: &str) -> Verdict {
        self.eval(json!({
            "uid": "u", "kind": {"group": "ray.io", "version": "v1", "kind": "RayService"},
            "resource": {"group": "ray.io", "version": "v1", "resource": "rayservices"},
            "subResource": "status", "name": "rs", "namespace": NS, "operation": "UPDATE",
            "userInfo": {"username": OPERATOR},
            "object": rayservice(active, pending, app_status),
            "oldObject": rayservice(&self.active, &self.pending, "RUNNING")
        }))
    }

    /// An UPDATE of the head (or serve) Service's selector to `cluster`.
    fn switch(&self, head: bool, cluster: &str) -> Verdict {
        let (old, new) = if head {
            (head_svc(&self.head), head_svc(cluster))
        } else {
            (serve_svc(&self.serve), serve_svc(cluster))
        };
        self.eval(json!({
            "uid": "u", "kind": {"group": "", "version": "v1", "kind": "Service"},
            "resource": {"group": "", "version": "v1", "resource": "services"},
            "name": new["metadata"]["name"], "namespace": NS, "operation": "UPDATE",
            "userInfo": {"username": OPERATOR}, "object": new, "oldObject": old
        }))
    }
}

/// What one generated upgrade cycle does besides the five writes.
#[derive(Debug, Clone)]
struct Cycle {
    /// The new cluster's suffix (KubeRay: `<rs>-<5 random chars>`).
    suffix: String,
    /// A pending name written first and replaced before any Service selects it.
    replaced_first: Option<String>,
    /// Status refreshes (same names) after W1.
    refreshes: usize,
}

#[derive(Debug, Clone, Copy)]
enum Corruption {
    /// W5 before W3/W4: Services still on the old cluster.
    PromoteBeforeSwitch,
    /// W3 while the pending head Pod is not ready.
    SwitchToUnready,
    /// After W3, the pending cluster is replaced although it serves.
    ReplaceServingPending,
    /// W5 while an application of the pending cluster is DEPLOYING.
    PromoteDeploying,
    /// W1 names the active cluster as pending.
    PendingEqualsActive,
    /// W5 promotes a name that was never pending.
    PromoteStranger,
}

const CORRUPTIONS: [(Corruption, &str); 6] = [
    (Corruption::PromoteBeforeSwitch, "RS6"),
    (Corruption::SwitchToUnready, "SV2"),
    (Corruption::ReplaceServingPending, "RS5"),
    (Corruption::PromoteDeploying, "RS7"),
    (Corruption::PendingEqualsActive, "RS1"),
    (Corruption::PromoteStranger, "RS2"),
];

fn suffix() -> impl Strategy<Value = String> {
    "[a-z0-9]{5}"
}

fn cycle() -> impl Strategy<Value = Cycle> {
    (suffix(), prop::option::of(suffix()), 0usize..3).prop_map(|(suffix, replaced_first, refreshes)| Cycle {
        suffix,
        replaced_first,
        refreshes,
    })
}

fn accepted(what: &str, v: Verdict) -> Result<(), TestCaseError> {
    prop_assert_eq!(v, Verdict::Accept, "{} refused", what);
    Ok(())
}

/// Runs the cycles in operator order; at cycle `corrupt.0`, applies the
/// corruption instead and returns the rule that refused it.
fn play(
    cycles: &[Cycle],
    gate_on: bool,
    corrupt: Option<(usize, Corruption)>,
) -> Result<Option<String>, TestCaseError> {
    let first = "rs-first".to_string();
    let mut w = World {
        active: first.clone(),
        pending: String::new(),
        head: first.clone(),
        serve: first.clone(),
        clusters: vec![(first, true)],
        gate_on,
    };
    let rule = |v: Verdict| v.rejection().map(|r| r.rule.to_string());
    for (i, c) in cycles.iter().enumerate() {
        let new = format!("rs-{}", c.suffix);
        if new == w.active || w.clusters.iter().any(|(n, _)| *n == new) {
            continue; // KubeRay never reuses a name
        }
        let here = corrupt.filter(|(at, _)| *at == i).map(|(_, k)| k);
        let active = w.active.clone();
        if let Some(Corruption::PendingEqualsActive) = here {
            return Ok(rule(w.status(&active, &active, "RUNNING")));
        }
        if let Some(first) = &c.replaced_first {
            let p = format!("rs-{first}");
            if p != new && p != active {
                accepted("W1 (to be replaced)", w.status(&active, &p, "RUNNING"))?;
                w.pending = p;
            }
        }
        accepted("W1", w.status(&active, &new, "RUNNING"))?;
        w.pending = new.clone();
        for _ in 0..c.refreshes {
            accepted("refresh", w.status(&active, &new, "RUNNING"))?;
        }
        // W2: created by the operator (not guarded); ready unless corrupted.
        let ready = !matches!(here, Some(Corruption::SwitchToUnready));
        w.clusters.push((new.clone(), ready));
        match here {
            Some(Corruption::SwitchToUnready) => return Ok(rule(w.switch(true, &new))),
            Some(Corruption::PromoteBeforeSwitch) => return Ok(rule(w.status(&new, "", "RUNNING"))),
            _ => {}
        }
        accepted("W3 head Service", w.switch(true, &new))?;
        w.head = new.clone();
        if let Some(Corruption::ReplaceServingPending) = here {
            return Ok(rule(w.status(&active, &format!("{new}x"), "RUNNING")));
        }
        accepted("W4 serve Service", w.switch(false, &new))?;
        w.serve = new.clone();
        match here {
            Some(Corruption::PromoteDeploying) => return Ok(rule(w.status(&new, "", "DEPLOYING"))),
            Some(Corruption::PromoteStranger) => return Ok(rule(w.status("rs-zzzzz9", "", "RUNNING"))),
            _ => {}
        }
        accepted("W5 promotion", w.status(&new, "", "RUNNING"))?;
        w.active = new;
        w.pending.clear();
        // The old cluster is retired (deletion is not guarded).
        w.clusters.retain(|(n, _)| *n == w.active);
    }
    Ok(None)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn operator_order_is_accepted_at_every_write(
        cycles in prop::collection::vec(cycle(), 1..5),
        gate_on in any::<bool>(),
    ) {
        prop_assert_eq!(play(&cycles, gate_on, None)?, None);
    }

    #[test]
    fn a_corrupted_write_is_refused_by_its_invariant(
        cycles in prop::collection::vec(cycle(), 1..5),
        at in any::<prop::sample::Index>(),
        which in 0..CORRUPTIONS.len(),
        gate_on in any::<bool>(),
    ) {
        let (kind, want) = CORRUPTIONS[which];
        // Corrupt the last cycle that actually runs (names are distinct there).
        let at = at.index(cycles.len());
        let got = play(&cycles[..=at], gate_on, Some((at, kind)))?;
        // A cycle skipped for a reused name has nothing to corrupt.
        if got.is_some() {
            prop_assert_eq!(got.as_deref(), Some(want), "{:?}", kind);
        }
    }
}
