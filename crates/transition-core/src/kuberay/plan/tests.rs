use serde_json::{json, Value};

use super::*;
use crate::kuberay::tests::{
    head_pod, head_svc, raycluster, raycluster_gate_off, raycluster_gate_off_naming, rayservice, serve_svc,
    A, NS, P, Q,
};
use crate::kuberay::view::HeadReadiness;

const NOW: i64 = 1_800_000_000;

fn obs(rs: Value, head: Option<&str>, serve: Option<&str>, clusters: Vec<Value>) -> Observed {
    let h = head.map(head_svc);
    let s = serve.map(serve_svc);
    Observed::from_values(&rs, h.as_ref(), s.as_ref(), &clusters).unwrap()
}

/// A (active) with P pending, P's apps RUNNING, both clusters healthy.
fn upgrading(head: &str, serve: &str) -> Observed {
    obs(
        rayservice(A, P),
        Some(head),
        Some(serve),
        vec![raycluster(A, true, false), raycluster(P, true, false)],
    )
}

/// (index, action, object name, from, to) of each step.
fn summary(plan: &SwitchoverPlan) -> Vec<(usize, Action, String, String, String)> {
    plan.steps
        .iter()
        .map(|s| {
            (
                s.index,
                s.action,
                s.object.name.clone(),
                s.from.clone(),
                s.to.clone(),
            )
        })
        .collect()
}

fn row(i: usize, a: Action, name: &str, from: &str, to: &str) -> (usize, Action, String, String, String) {
    (i, a, name.into(), from.into(), to.into())
}

#[test]
fn switch_plan_steps_in_order() {
    let plan = plan_switch(&upgrading(A, A), NOW).unwrap();
    let deadline = (NOW + 60).to_string();
    assert_eq!(
        summary(&plan),
        vec![
            row(0, Action::Guard, "rs", P, P),
            row(1, Action::SetSelector, "rs-head-svc", A, P),
            row(2, Action::SetSelector, "rs-serve-svc", A, P),
            row(3, Action::PromoteStatus, "rs", A, P),
            row(4, Action::RetireCluster, A, "", &deadline),
        ]
    );
    assert_eq!(plan.commit_index, Some(3));
    assert_eq!(plan.direction, Direction::Forward);
    assert_eq!(plan.steps[4].deadline_unix_secs, Some(NOW + 60));
    assert_eq!(plan.steps[1].field, "spec.selector[ray.io/cluster]");
    assert_eq!(plan.steps[3].field, "status.activeServiceStatus.rayClusterName");
    assert_eq!(
        plan.steps[4].field,
        "metadata.annotations[transition-guard.io/retire-after]"
    );
    assert_eq!(
        plan.steps[1].log_line(plan.steps.len()),
        format!("step 2/5 Service {NS}/rs-head-svc spec.selector[ray.io/cluster]: {A} => {P}")
    );
    // Undo: only the selector steps, each back to A, guarded by A being alive.
    let undos: Vec<Option<(String, String, String)>> = plan
        .steps
        .iter()
        .map(|s| {
            s.undo
                .as_ref()
                .map(|u| (u.object.name.clone(), u.from.clone(), u.to.clone()))
        })
        .collect();
    assert_eq!(
        undos,
        vec![
            None,
            Some(("rs-head-svc".into(), P.into(), A.into())),
            Some(("rs-serve-svc".into(), P.into(), A.into())),
            None,
            None
        ]
    );
    assert_eq!(
        plan.steps[2].undo.as_ref().unwrap().preconditions,
        vec![
            Precondition::SelectorIs {
                service: "rs-serve-svc".into(),
                cluster: P.into()
            },
            Precondition::ClusterAlive { cluster: A.into() }
        ]
    );
}

#[test]
fn plan_serializes_action_object_field_from_to() {
    let plan = plan_switch(&upgrading(A, A), NOW).unwrap();
    let v = serde_json::to_value(&plan.steps[1]).unwrap();
    assert_eq!(v["action"], "set_selector");
    assert_eq!(
        v["object"],
        json!({"kind": "Service", "namespace": NS, "name": "rs-head-svc"})
    );
    assert_eq!(v["field"], "spec.selector[ray.io/cluster]");
    assert_eq!(v["from"], A);
    assert_eq!(v["to"], P);
    assert_eq!(v["undo"]["to"], A);
    assert_eq!(
        v["preconditions"][0],
        json!({"check": "selector_is", "service": "rs-head-svc", "cluster": A})
    );
}

#[test]
fn first_creation_plan_creates_services_and_retires_nothing() {
    let o = obs(rayservice("", P), None, None, vec![raycluster(P, true, false)]);
    let plan = plan_switch(&o, NOW).unwrap();
    assert_eq!(
        summary(&plan),
        vec![
            row(0, Action::Guard, "rs", P, P),
            row(1, Action::SetSelector, "rs-head-svc", "", P),
            row(2, Action::SetSelector, "rs-serve-svc", "", P),
            row(3, Action::PromoteStatus, "rs", "", P),
        ]
    );
    assert!(plan.steps.iter().all(|s| s.undo.is_none()));
}

#[test]
fn guard_failures() {
    let mut o = upgrading(A, A);
    o.clusters[1].head = HeadReadiness::NotReady;
    assert_eq!(
        plan_switch(&o, NOW),
        Err(GuardFailure::HeadNotReady {
            cluster: P.into(),
            reason: "HeadPodReady is not True".into()
        })
    );
    // KubeRay with its RayClusterStatusConditions gate off: no condition, and
    // `status.state` not (yet) `ready`.
    let mut o = upgrading(A, A);
    o.clusters[1].head = HeadReadiness::Unreported;
    let err = plan_switch(&o, NOW).unwrap_err();
    assert_eq!(
        err,
        GuardFailure::HeadNotReady {
            cluster: P.into(),
            reason: "no HeadPodReady condition, and status.state is not ready".into()
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "RayCluster {P} has no ready head Pod (no HeadPodReady condition, and status.state is not ready)"
        )
    );
    // With the gate off and every Pod once Running and Ready, the switch is the usual one.
    let gate_off = obs(
        rayservice(A, P),
        Some(A),
        Some(A),
        vec![raycluster_gate_off(A, "ready"), raycluster_gate_off(P, "ready")],
    );
    assert_eq!(gate_off.clusters[1].head, HeadReadiness::StateReady);
    assert_eq!(plan_switch(&gate_off, NOW), plan_switch(&upgrading(A, A), NOW));
    let mut o = upgrading(A, A);
    o.rayservice
        .status
        .pending
        .applications
        .insert("math".into(), "DEPLOYING".into());
    assert_eq!(
        plan_switch(&o, NOW),
        Err(GuardFailure::AppNotRunning {
            cluster: P.into(),
            app: "math".into(),
            status: "DEPLOYING".into()
        })
    );
    let o = obs(
        rayservice(A, ""),
        Some(A),
        Some(A),
        vec![raycluster(A, true, false)],
    );
    assert_eq!(plan_switch(&o, NOW), Err(GuardFailure::NoPending("rs".into())));
    let mut o = upgrading(A, A);
    o.clusters.pop();
    assert_eq!(plan_switch(&o, NOW), Err(GuardFailure::ClusterMissing(P.into())));
    let mut o = upgrading(A, A);
    o.rayservice.spec.suspend = true;
    assert_eq!(plan_switch(&o, NOW), Err(GuardFailure::NotSteady("rs".into())));
}

#[test]
fn persisted_deadline_survives_a_restart() {
    let mut rs = rayservice(A, P);
    rs["spec"]["rayClusterDeletionDelaySeconds"] = json!(300);
    let mut old = raycluster(A, true, false);
    old["metadata"]["annotations"] = json!({RETIRE_AFTER_ANNOTATION: "1799999999"});
    let o = obs(
        rs.clone(),
        Some(A),
        Some(A),
        vec![old, raycluster(P, true, false)],
    );
    let plan = plan_switch(&o, NOW).unwrap();
    assert_eq!(plan.steps[4].deadline_unix_secs, Some(1_799_999_999));
    let o = obs(
        rs,
        Some(A),
        Some(A),
        vec![raycluster(A, true, false), raycluster(P, true, false)],
    );
    assert_eq!(
        plan_switch(&o, NOW).unwrap().steps[4].deadline_unix_secs,
        Some(NOW + 300)
    );
}

#[test]
fn driver_happy_path_and_transitions() {
    let mut sw = Switchover::new(plan_switch(&upgrading(A, A), NOW).unwrap());
    let mut seen = Vec::new();
    while let Some(Effect::Apply(step)) = sw.next_effect() {
        let index = step.index;
        seen.push(index);
        let t = sw.on_step_applied();
        if index == 0 {
            assert_eq!(t.to_string(), "applying step 1 => applying step 2");
        }
    }
    assert_eq!(seen, vec![0, 1, 2, 3, 4]);
    assert_eq!(sw.state(), SwitchState::Done);
    assert_eq!(sw.next_effect(), None);
}

#[test]
fn driver_undoes_pre_commit_steps_in_reverse_order() {
    let mut sw = Switchover::new(plan_switch(&upgrading(A, A), NOW).unwrap());
    for _ in 0..3 {
        sw.on_step_applied();
    }
    assert_eq!(sw.state(), SwitchState::Applying { next: 3 });
    // Conflicts are retried, up to the bound.
    for _ in 0..MAX_COMMIT_CONFLICTS {
        assert_eq!(sw.on_commit_conflict().to, SwitchState::Applying { next: 3 });
    }
    let t = sw.on_commit_conflict();
    assert_eq!(t.to_string(), "applying step 4 => undoing step 3");
    let mut undone = Vec::new();
    while let Some(Effect::Undo { step, undo }) = sw.next_effect() {
        let entry = (step, undo.object.name.clone(), undo.to.clone());
        undone.push(entry);
        sw.on_undo_applied();
    }
    assert_eq!(
        undone,
        vec![
            (2, "rs-serve-svc".into(), A.into()),
            (1, "rs-head-svc".into(), A.into())
        ]
    );
    assert_eq!(sw.state(), SwitchState::RolledBack);
}

#[test]
fn driver_guard_failure_aborts_and_post_commit_failures_retry() {
    let plan = plan_switch(&upgrading(A, A), NOW).unwrap();
    let mut sw = Switchover::new(plan.clone());
    assert_eq!(sw.on_step_failed().to, SwitchState::Aborted);
    let mut sw = Switchover::new(plan.clone());
    sw.on_step_applied();
    sw.on_step_applied();
    // Serve step fails: undo head only.
    assert_eq!(sw.on_step_failed().to, SwitchState::Compensating { step: 1 });
    assert_eq!(sw.on_undo_applied().to, SwitchState::RolledBack);
    let mut sw = Switchover::new(plan);
    for _ in 0..4 {
        sw.on_step_applied();
    }
    // Retirement failure after the commit: retried, never undone.
    assert_eq!(sw.on_step_failed().to, SwitchState::Applying { next: 4 });
}

#[test]
fn repair_head_only_switched() {
    let o = upgrading(P, A);
    let r = plan_repair(&o, NOW);
    assert_eq!(
        r.diagnosis,
        Diagnosis::Split {
            active: A.into(),
            pending: P.into(),
            head: P.into(),
            serve: A.into()
        }
    );
    let RepairDecision::Forward { plan } = r.decision else {
        panic!("{:?}", r.decision)
    };
    assert_eq!(
        summary(&plan),
        vec![
            row(0, Action::SetSelector, "rs-serve-svc", A, P),
            row(1, Action::PromoteStatus, "rs", A, P),
            row(2, Action::RetireCluster, A, "", &(NOW + 60).to_string()),
        ]
    );
    // P unhealthy: roll the head Service back to A.
    let mut o = upgrading(P, A);
    o.clusters[1].head = HeadReadiness::NotReady;
    let RepairDecision::Rollback { plan } = plan_repair(&o, NOW).decision else {
        panic!()
    };
    assert_eq!(
        summary(&plan),
        vec![row(0, Action::SetSelector, "rs-head-svc", P, A)]
    );
    assert_eq!(plan.direction, Direction::Rollback);
}

#[test]
fn repair_switched_but_not_promoted() {
    let r = plan_repair(&upgrading(P, P), NOW);
    assert_eq!(
        r.diagnosis,
        Diagnosis::SwitchedNotPromoted {
            active: A.into(),
            pending: P.into()
        }
    );
    let RepairDecision::Forward { plan } = r.decision else {
        panic!()
    };
    assert_eq!(
        summary(&plan),
        vec![
            row(0, Action::PromoteStatus, "rs", A, P),
            row(1, Action::RetireCluster, A, "", &(NOW + 60).to_string()),
        ]
    );
    let mut o = upgrading(P, P);
    o.clusters[1].deleting = true;
    let RepairDecision::Rollback { plan } = plan_repair(&o, NOW).decision else {
        panic!()
    };
    // Reverse of the forward order: serve first, then head.
    assert_eq!(
        summary(&plan),
        vec![
            row(0, Action::SetSelector, "rs-serve-svc", P, A),
            row(1, Action::SetSelector, "rs-head-svc", P, A),
        ]
    );
    assert_eq!(
        plan.steps[0].preconditions,
        vec![
            Precondition::RayServiceSteady,
            Precondition::SelectorIs {
                service: "rs-serve-svc".into(),
                cluster: P.into()
            },
            Precondition::ClusterAlive { cluster: A.into() }
        ]
    );
    // Neither healthy nor alive: wait.
    let mut o = upgrading(P, P);
    o.clusters.clear();
    assert_eq!(
        plan_repair(&o, NOW).decision,
        RepairDecision::Wait {
            reason: format!("neither pending RayCluster {P} is healthy nor active RayCluster {A} alive")
        }
    );
}

#[test]
fn repair_services_on_unknown_cluster() {
    let o = obs(
        rayservice(A, P),
        Some(Q),
        Some(Q),
        vec![
            raycluster(A, true, false),
            raycluster(P, true, false),
            raycluster(Q, true, false),
        ],
    );
    let r = plan_repair(&o, NOW);
    assert_eq!(
        r.diagnosis,
        Diagnosis::UnknownCluster {
            active: A.into(),
            pending: P.into(),
            head: Q.into(),
            serve: Q.into()
        }
    );
    let RepairDecision::Forward { plan } = r.decision else {
        panic!()
    };
    assert_eq!(
        summary(&plan),
        vec![
            row(0, Action::SetSelector, "rs-head-svc", Q, A),
            row(1, Action::SetSelector, "rs-serve-svc", Q, A),
            row(2, Action::RetireCluster, Q, "", &(NOW + 60).to_string()),
        ]
    );
}

#[test]
fn repair_2088_shape() {
    // Status promoted P, Services still on A, A already deleted.
    let o = obs(
        rayservice(P, ""),
        Some(A),
        Some(A),
        vec![raycluster(P, true, false)],
    );
    let r = plan_repair(&o, NOW);
    assert_eq!(
        r.diagnosis,
        Diagnosis::PromotedBeforeServices {
            active: P.into(),
            head: A.into(),
            serve: A.into()
        }
    );
    let RepairDecision::Forward { plan } = r.decision else {
        panic!()
    };
    assert_eq!(plan.from_cluster, A);
    assert_eq!(
        summary(&plan),
        vec![
            row(0, Action::SetSelector, "rs-head-svc", A, P),
            row(1, Action::SetSelector, "rs-serve-svc", A, P),
        ]
    );
    // P not ready: wait, do not touch the Services.
    let o = obs(
        rayservice(P, ""),
        Some(A),
        Some(A),
        vec![raycluster(A, true, false), raycluster(P, false, false)],
    );
    assert_eq!(
        plan_repair(&o, NOW).decision,
        RepairDecision::Wait {
            reason: format!("active RayCluster {P} is not healthy; Services keep selecting {A} and {A}")
        }
    );
}

#[test]
fn repair_steady_and_upgrading() {
    let o = obs(
        rayservice(A, ""),
        Some(A),
        Some(A),
        vec![raycluster(A, true, false)],
    );
    assert_eq!(plan_repair(&o, NOW).decision, RepairDecision::Nothing);
    let RepairDecision::Forward { plan } = plan_repair(&upgrading(A, A), NOW).decision else {
        panic!()
    };
    assert_eq!(plan, plan_switch(&upgrading(A, A), NOW).unwrap());
    let mut o = upgrading(A, A);
    o.clusters[1].head = HeadReadiness::NotReady;
    assert_eq!(
        plan_repair(&o, NOW).decision,
        RepairDecision::Wait {
            reason: format!("RayCluster {P} has no ready head Pod (HeadPodReady is not True)")
        }
    );
}

#[test]
fn retirement_decisions() {
    let mut old = raycluster(A, true, false);
    let o = obs(
        rayservice(P, ""),
        Some(P),
        Some(P),
        vec![old.clone(), raycluster(P, true, false)],
    );
    assert_eq!(
        retirement(&o, A, NOW),
        Retirement::Annotate {
            deadline_unix_secs: NOW + 60
        }
    );
    old["metadata"]["annotations"] = json!({RETIRE_AFTER_ANNOTATION: (NOW + 10).to_string()});
    let o = obs(
        rayservice(P, ""),
        Some(P),
        Some(P),
        vec![old.clone(), raycluster(P, true, false)],
    );
    assert_eq!(
        retirement(&o, A, NOW),
        Retirement::Wait {
            deadline_unix_secs: NOW + 10
        }
    );
    assert_eq!(retirement(&o, A, NOW + 10), Retirement::Delete);
    assert_eq!(
        retirement(&o, P, NOW),
        Retirement::Keep {
            reason: format!("RayCluster {P} is active or pending")
        }
    );
    let o = obs(
        rayservice(P, ""),
        Some(P),
        Some(A),
        vec![old, raycluster(P, true, false)],
    );
    assert_eq!(
        retirement(&o, A, NOW + 100),
        Retirement::Keep {
            reason: format!("a Service of RayService rs still selects RayCluster {A}")
        }
    );
}

#[test]
fn promoted_status_is_admitted_and_moves_the_whole_pending_struct() {
    use crate::cluster::ObjectStore;
    use crate::kuberay::tests::status_req;
    let old = rayservice(A, P);
    let mut new = old.clone();
    new["status"] = promoted_status(&old, "2026-11-25T00:00:00Z");
    assert_eq!(
        new["status"]["activeServiceStatus"],
        old["status"]["pendingServiceStatus"]
    );
    assert_eq!(new["status"]["pendingServiceStatus"], json!({}));
    assert_eq!(
        new["status"]["conditions"],
        json!([{"type": "UpgradeInProgress", "status": "False", "reason": "NoPendingCluster",
            "lastTransitionTime": "2026-11-25T00:00:00Z"}])
    );
    assert_eq!(new["status"]["observedGeneration"], json!(2));
    let mut store = ObjectStore::new(vec![
        old.clone(),
        head_svc(P),
        serve_svc(P),
        raycluster(A, true, false),
        raycluster(P, true, false),
    ]);
    let verdict = crate::evaluate(&status_req(old, new), &crate::Settings::default(), &mut store);
    assert_eq!(verdict, crate::Verdict::Accept);
}

#[test]
fn promoted_status_adds_the_condition_when_absent() {
    let mut rs = rayservice(A, P);
    rs["status"]["conditions"] =
        json!([{"type": "Ready", "status": "True", "reason": "NonZeroServeEndpoints"}]);
    let st = promoted_status(&rs, "T");
    assert_eq!(
        st["conditions"],
        json!([{"type": "Ready", "status": "True", "reason": "NonZeroServeEndpoints"},
            {"type": "UpgradeInProgress", "status": "False", "reason": "NoPendingCluster", "message": "",
             "lastTransitionTime": "T"}])
    );
}

#[test]
fn switched_service_replaces_the_whole_selector_and_keeps_the_rest() {
    let h = switched_service(&head_svc(A), true, P);
    let mut want = head_svc(P);
    assert_eq!(h, want);
    let s = switched_service(&serve_svc(A), false, P);
    want = serve_svc(P);
    assert_eq!(s, want);
    assert_eq!(s["spec"]["clusterIP"], "10.96.12.7");
}

#[test]
fn preconditions_check_on_fresh_observations() {
    let o = upgrading(A, A);
    let plan = plan_switch(&o, NOW).unwrap();
    // Every precondition of the guard and the head step holds on the observation it was planned from.
    for p in plan.steps[0]
        .preconditions
        .iter()
        .chain(&plan.steps[1].preconditions)
    {
        assert_eq!(p.check(&o, NOW), Ok(()), "{p:?}");
    }
    // The commit's selector preconditions do not hold before the Services moved.
    assert_eq!(
        plan.steps[3].preconditions[1].check(&o, NOW),
        Err(format!("Service rs-head-svc selects {A}, expected {P}"))
    );
    let unhealthy = obs(
        rayservice(A, P),
        Some(A),
        Some(A),
        vec![raycluster(A, true, false), raycluster(P, false, false)],
    );
    assert_eq!(
        Precondition::ClusterHealthy { cluster: P.into() }.check(&unhealthy, NOW),
        Err(format!(
            "RayCluster {P} has no ready head Pod (HeadPodReady is not True)"
        ))
    );
    assert_eq!(
        Precondition::StatusIs {
            active: P.into(),
            pending: "".into()
        }
        .check(&o, NOW),
        Err(format!(
            "status of RayService rs names ({A}, {P}), expected ({P}, \"\")"
        ))
    );
    assert_eq!(
        Precondition::NotReferenced { cluster: A.into() }.check(&o, NOW),
        Err(format!("RayCluster {A} is active or pending"))
    );
    assert_eq!(
        Precondition::DeadlinePassed {
            deadline_unix_secs: NOW + 1
        }
        .check(&o, NOW),
        Err(format!("retirement deadline {} not reached (now {NOW})", NOW + 1))
    );
    assert_eq!(
        Precondition::DeadlinePassed {
            deadline_unix_secs: NOW
        }
        .check(&o, NOW),
        Ok(())
    );
}

#[test]
fn head_pods_decide_the_guard_when_read_and_the_condition_is_absent() {
    let pod = |c: &str| format!("{c}-head-7xk2p");
    let gate_off = || {
        obs(
            rayservice(A, P),
            Some(A),
            Some(A),
            vec![
                raycluster_gate_off_naming(A, &pod(A)),
                raycluster_gate_off_naming(P, &pod(P)),
            ],
        )
    };
    // Not read: the sticky `status.state: ready` stands in.
    assert_eq!(plan_switch(&gate_off(), NOW), plan_switch(&upgrading(A, A), NOW));
    // Read: P's head has failed since, so the switch may not start.
    let failed = gate_off()
        .with_head_pods(&[head_pod(A, "Running", true), head_pod(P, "Running", false)])
        .unwrap();
    let why = format!(
        "no HeadPodReady condition, and head Pod {} is Running but not Ready",
        pod(P)
    );
    assert_eq!(
        plan_switch(&failed, NOW),
        Err(GuardFailure::HeadNotReady {
            cluster: P.into(),
            reason: why.clone()
        })
    );
    assert!(!failed.healthy(P) && failed.healthy(A));
    // The precondition a later step re-checks says the same.
    assert_eq!(
        Precondition::ClusterHealthy { cluster: P.into() }.check(&failed, NOW),
        Err(format!("RayCluster {P} has no ready head Pod ({why})"))
    );
    // Read and missing: not ready either.
    let missing = gate_off()
        .with_head_pods(&[head_pod(A, "Running", true)])
        .unwrap();
    assert_eq!(
        plan_switch(&missing, NOW),
        Err(GuardFailure::HeadNotReady {
            cluster: P.into(),
            reason: format!(
                "no HeadPodReady condition, and head Pod {} does not exist",
                pod(P)
            )
        })
    );
    // Read and ready: the usual switch.
    let ready = gate_off()
        .with_head_pods(&[head_pod(A, "Running", true), head_pod(P, "Running", true)])
        .unwrap();
    assert_eq!(plan_switch(&ready, NOW), plan_switch(&upgrading(A, A), NOW));
    // With the condition present the Pods are not consulted.
    let with_condition = upgrading(A, A)
        .with_head_pods(&[head_pod(P, "Failed", false)])
        .unwrap();
    assert_eq!(
        plan_switch(&with_condition, NOW),
        plan_switch(&upgrading(A, A), NOW)
    );
    // A Pod of the wrong shape is a decode error that names it.
    let mut bad = head_pod(P, "Running", true);
    bad["status"]["conditions"] = json!("Ready");
    assert_eq!(
        gate_off().with_head_pods(&[bad]),
        Err(DecodeError::WrongType {
            path: "headPods[0].status.conditions".into(),
            expected: "array",
            found: "string"
        })
    );
}
