//! The switchover plan: one switch A ⇒ P as ordered data, its undo, the
//! repair of a half-done switch, and a sans-IO driver.
//!
//! Nothing here does I/O or reads a clock: the reconciler observes the
//! objects, calls [`plan_switch`] or [`plan_repair`] with `now_unix_secs`,
//! and drives [`Switchover`] by reporting events (`on_step_applied`,
//! `on_step_failed`, `on_undo_applied`, ...). Each event returns a
//! [`Transition`] to log as `from => to`; [`Switchover::next_effect`] says
//! what to write next.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::decode::DecodeError;

use super::view::{HeadPod, RayCluster, RayService, Service, CLUSTER_LABEL};

/// Annotation on a retiring RayCluster holding its deletion deadline, in
/// Unix seconds (decimal). Persisted by the reconciler so that a restart does
/// not reset the clock (KubeRay keeps the deadline in memory only).
pub const RETIRE_AFTER_ANNOTATION: &str = "transition-guard.io/retire-after";

/// How many times the commit step may hit a conflict (409) before the plan
/// is rolled back.
pub const MAX_COMMIT_CONFLICTS: u32 = 3;

/// Field written by a selector step.
pub const SELECTOR_FIELD: &str = "spec.selector[ray.io/cluster]";
/// Field written by the commit step.
pub const ACTIVE_FIELD: &str = "status.activeServiceStatus.rayClusterName";
/// Field checked by the guard step.
pub const PENDING_FIELD: &str = "status.pendingServiceStatus.rayClusterName";

/// A Kubernetes object a step reads or writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectRef {
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
    }
}

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Re-check the preconditions on fresh reads; writes nothing.
    Guard,
    /// Set a Service's selector to the cluster in `to` (the whole selector
    /// is [`super::invariants::head_selector`] / `serve_selector` of it; keep
    /// `clusterIP`). `from` empty means the Service does not exist: create it.
    SetSelector,
    /// The commit point: status `active ← pending`, `pending ← ""`, with a
    /// resourceVersion precondition.
    PromoteStatus,
    /// Annotate the old cluster with its deadline ([`RETIRE_AFTER_ANNOTATION`]),
    /// then delete it once the deadline has passed.
    RetireCluster,
}

/// A condition the reconciler re-checks on fresh reads before a write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum Precondition {
    /// The RayService is not suspending/suspended and not being deleted.
    RayServiceSteady,
    /// The status names exactly these clusters.
    StatusIs { active: String, pending: String },
    /// RayCluster exists, is not being deleted, its head Pod is ready ([`Observed::head_problem`]).
    ClusterHealthy { cluster: String },
    /// RayCluster exists and is not being deleted.
    ClusterAlive { cluster: String },
    /// Pending Serve apps are non-empty and all `RUNNING`.
    AppsRunning { cluster: String },
    /// The Service selects this cluster (`""`: the Service does not exist).
    SelectorIs { service: String, cluster: String },
    /// Neither the head nor the serve Service selects the cluster.
    NoServiceSelects { cluster: String },
    /// The cluster is neither active nor pending in status.
    NotReferenced { cluster: String },
    /// `now >= deadline` (only for the deletion part of retirement).
    DeadlinePassed { deadline_unix_secs: i64 },
}

impl Precondition {
    /// Whether the precondition holds on `obs` (fresh reads) at `now`.
    ///
    /// Errors: a sentence saying what does not hold, for the step's log line
    /// and Event. `SelectorIs` names a Service by name; a name that is
    /// neither the head nor the serve Service of the RayService is absent.
    pub fn check(&self, obs: &Observed, now_unix_secs: i64) -> Result<(), String> {
        let rs = &obs.rayservice;
        let selects = |service: &str| -> &str {
            if service == rs.head_service_name() {
                obs.head_selects()
            } else if service == rs.serve_service_name() {
                obs.serve_selects()
            } else {
                ""
            }
        };
        match self {
            Precondition::RayServiceSteady if steady(rs) => Ok(()),
            Precondition::RayServiceSteady => Err(GuardFailure::NotSteady(rs.name.clone()).to_string()),
            Precondition::StatusIs { active, pending } => {
                if rs.active() == active && rs.pending() == pending {
                    Ok(())
                } else {
                    Err(format!(
                        "status of RayService {} names ({}, {}), expected ({}, {})",
                        rs.name,
                        show(rs.active()),
                        show(rs.pending()),
                        show(active),
                        show(pending)
                    ))
                }
            }
            Precondition::ClusterHealthy { cluster } => {
                cluster_health(obs, cluster).map_err(|e| e.to_string())
            }
            Precondition::ClusterAlive { cluster } => match obs.cluster(cluster) {
                None => Err(GuardFailure::ClusterMissing(cluster.clone()).to_string()),
                Some(c) if c.deleting => Err(GuardFailure::ClusterDeleting(cluster.clone()).to_string()),
                Some(_) => Ok(()),
            },
            Precondition::AppsRunning { cluster } => {
                let st = if rs.pending() == cluster {
                    &rs.status.pending
                } else if rs.active() == cluster {
                    &rs.status.active
                } else {
                    return Err(GuardFailure::NoApps(cluster.clone()).to_string());
                };
                if st.applications.is_empty() {
                    return Err(GuardFailure::NoApps(cluster.clone()).to_string());
                }
                match st.applications.iter().find(|(_, s)| s.as_str() != "RUNNING") {
                    None => Ok(()),
                    Some((app, status)) => Err(GuardFailure::AppNotRunning {
                        cluster: cluster.clone(),
                        app: app.clone(),
                        status: status.clone(),
                    }
                    .to_string()),
                }
            }
            Precondition::SelectorIs { service, cluster } => {
                let got = selects(service);
                if got == cluster {
                    Ok(())
                } else {
                    Err(format!(
                        "Service {service} selects {}, expected {}",
                        show(got),
                        show(cluster)
                    ))
                }
            }
            Precondition::NoServiceSelects { cluster } => {
                if obs.head_selects() == cluster || obs.serve_selects() == cluster {
                    Err(format!(
                        "a Service of RayService {} still selects RayCluster {cluster}",
                        rs.name
                    ))
                } else {
                    Ok(())
                }
            }
            Precondition::NotReferenced { cluster } => {
                if rs.active() == cluster || rs.pending() == cluster {
                    Err(format!("RayCluster {cluster} is active or pending"))
                } else {
                    Ok(())
                }
            }
            Precondition::DeadlinePassed { deadline_unix_secs } => {
                if now_unix_secs >= *deadline_unix_secs {
                    Ok(())
                } else {
                    Err(format!(
                        "retirement deadline {deadline_unix_secs} not reached (now {now_unix_secs})"
                    ))
                }
            }
        }
    }
}

/// The compensation of a pre-commit step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Undo {
    pub action: Action,
    pub object: ObjectRef,
    pub field: String,
    pub from: String,
    pub to: String,
    pub preconditions: Vec<Precondition>,
}

/// One step of a plan, as plain data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub index: usize,
    pub action: Action,
    pub object: ObjectRef,
    pub field: String,
    pub from: String,
    pub to: String,
    pub preconditions: Vec<Precondition>,
    /// For [`Action::RetireCluster`]: the deletion deadline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline_unix_secs: Option<i64>,
    /// `None` for the guard, the commit point and everything after it, and
    /// for a Service that did not exist before (nothing to restore).
    pub undo: Option<Undo>,
}

fn show(s: &str) -> &str {
    if s.is_empty() {
        "\"\""
    } else {
        s
    }
}

impl Step {
    /// `step i/n <kind> <ns>/<name> <field>: <from> => <to>` (1-based).
    pub fn log_line(&self, total: usize) -> String {
        format!(
            "step {}/{total} {} {}/{} {}: {} => {}",
            self.index + 1,
            self.object.kind,
            self.object.namespace,
            self.object.name,
            self.field,
            show(&self.from),
            show(&self.to)
        )
    }
}

impl Undo {
    /// `undo step i/n <kind> <ns>/<name> <field>: <from> => <to>` (1-based).
    pub fn log_line(&self, index: usize, total: usize) -> String {
        format!(
            "undo step {}/{total} {} {}/{} {}: {} => {}",
            index + 1,
            self.object.kind,
            self.object.namespace,
            self.object.name,
            self.field,
            show(&self.from),
            show(&self.to)
        )
    }
}

/// Which way a plan moves the RayService.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Towards `to_cluster` (the pending cluster, or the active one the
    /// Services must follow).
    Forward,
    /// Back to the active cluster (Services only; status is not touched).
    Rollback,
}

/// The ordered steps of one switch.
///
/// ```text
///  switch A => P                         (steps; undo only before the commit)
///
///   [0 guard] --ok--> [1 head svc A=>P] --ok--> [2 serve svc A=>P] --ok--> [3 promote status]
///       |                   |                        |                      (commit point)
///     fails               fails                    fails            409: retry (bounded)
///       v                   v                        v              permanent / guard fails
///   aborted           rolled back <-- undo 1 <-- undo 2 <--------------------+
///                                                                        |ok
///                                                                        v
///                                  [4 retire A: annotate deadline, delete after it] --> done
///                                        (never undone; failures are retried)
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwitchoverPlan {
    pub rayservice: ObjectRef,
    pub direction: Direction,
    /// The cluster the Services leave (`""` on first creation).
    pub from_cluster: String,
    /// The cluster the Services end on.
    pub to_cluster: String,
    pub steps: Vec<Step>,
    /// Index of the [`Action::PromoteStatus`] step, if the plan has one.
    pub commit_index: Option<usize>,
}

/// What the reconciler observed: the RayService, its head and serve
/// Services (`None` when absent) and the RayClusters it knows of.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Observed {
    pub rayservice: RayService,
    pub head_service: Option<Service>,
    pub serve_service: Option<Service>,
    pub clusters: Vec<RayCluster>,
    /// The head Pods read for clusters without the `HeadPodReady` condition
    /// (the reconciler's `--lookup-head-pod`), or `None` when none are read:
    /// then such a cluster's `status.state` stands in, as in the policy
    /// without `lookupHeadPod`.
    pub head_pods: Option<Vec<HeadPod>>,
}

impl Observed {
    /// Decodes the observed objects from their JSON.
    pub fn from_values(
        rayservice: &Value,
        head_service: Option<&Value>,
        serve_service: Option<&Value>,
        clusters: &[Value],
    ) -> Result<Self, DecodeError> {
        Ok(Observed {
            rayservice: RayService::from_value(rayservice, "rayservice")?,
            head_service: head_service
                .map(|v| Service::from_value(v, "headService"))
                .transpose()?,
            serve_service: serve_service
                .map(|v| Service::from_value(v, "serveService"))
                .transpose()?,
            clusters: clusters
                .iter()
                .enumerate()
                .map(|(i, v)| RayCluster::from_value(v, &format!("clusters[{i}]")))
                .collect::<Result<_, _>>()?,
            head_pods: None,
        })
    }

    /// The same, judging the clusters without `HeadPodReady` by their head
    /// Pods (`pods`: those that were found; a named Pod not among them does
    /// not exist).
    pub fn with_head_pods(mut self, pods: &[Value]) -> Result<Self, DecodeError> {
        self.head_pods = Some(
            pods.iter()
                .enumerate()
                .map(|(i, v)| HeadPod::from_value(v, &format!("headPods[{i}]")))
                .collect::<Result<_, _>>()?,
        );
        Ok(self)
    }

    /// Why the head of `cluster` does not count as ready, or `None`: its
    /// status, or its head Pod when those were read and the status has no
    /// `HeadPodReady` ([`RayCluster::pod_head_problem`]).
    pub fn head_problem(&self, cluster: &RayCluster) -> Option<String> {
        match &self.head_pods {
            Some(pods) if cluster.head_pod_decides() => {
                let pod = pods
                    .iter()
                    .find(|p| !cluster.head_pod.is_empty() && p.name == cluster.head_pod);
                cluster.pod_head_problem(pod)
            }
            _ => cluster.status_head_problem(),
        }
    }

    /// The RayCluster named `name`, if observed.
    pub fn cluster(&self, name: &str) -> Option<&RayCluster> {
        if name.is_empty() {
            return None;
        }
        self.clusters.iter().find(|c| c.name == name)
    }

    /// The cluster exists, is not being deleted, and its head Pod is ready.
    pub fn healthy(&self, name: &str) -> bool {
        cluster_health(self, name).is_ok()
    }

    fn alive(&self, name: &str) -> bool {
        self.cluster(name).is_some_and(|c| !c.deleting)
    }

    /// Cluster the head Service selects (`""` when absent).
    pub fn head_selects(&self) -> &str {
        self.head_service.as_ref().map_or("", Service::selected_cluster)
    }

    /// Cluster the serve Service selects (`""` when absent).
    pub fn serve_selects(&self) -> &str {
        self.serve_service.as_ref().map_or("", Service::selected_cluster)
    }

    fn rs_ref(&self) -> ObjectRef {
        ObjectRef {
            kind: "RayService",
            namespace: self.rayservice.namespace.clone(),
            name: self.rayservice.name.clone(),
        }
    }

    fn service_ref(&self, name: String) -> ObjectRef {
        ObjectRef {
            kind: "Service",
            namespace: self.rayservice.namespace.clone(),
            name,
        }
    }
}

/// Why a switch may not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardFailure {
    #[error("RayService {0} has no pending RayCluster")]
    NoPending(String),
    #[error("pending RayCluster {0} is also the active one")]
    SameCluster(String),
    #[error("RayService {0} is suspending, suspended or being deleted")]
    NotSteady(String),
    #[error("RayCluster {0} does not exist")]
    ClusterMissing(String),
    #[error("RayCluster {0} is being deleted")]
    ClusterDeleting(String),
    #[error("RayCluster {cluster} has no ready head Pod ({reason})")]
    HeadNotReady { cluster: String, reason: String },
    #[error("pending RayCluster {0} reports no applications")]
    NoApps(String),
    #[error("application {app} of pending RayCluster {cluster} is {status}, not RUNNING")]
    AppNotRunning {
        cluster: String,
        app: String,
        status: String,
    },
}

fn steady(rs: &RayService) -> bool {
    !rs.deleting
        && !rs.spec.suspend
        && !super::view::condition_true(&rs.status.conditions, "Suspending")
        && !super::view::condition_true(&rs.status.conditions, "Suspended")
}

fn cluster_health(obs: &Observed, name: &str) -> Result<(), GuardFailure> {
    match obs.cluster(name) {
        None => Err(GuardFailure::ClusterMissing(name.to_string())),
        Some(c) if c.deleting => Err(GuardFailure::ClusterDeleting(name.to_string())),
        Some(c) => match obs.head_problem(c) {
            Some(reason) => Err(GuardFailure::HeadNotReady {
                cluster: name.to_string(),
                reason,
            }),
            None => Ok(()),
        },
    }
}

/// Step 0 of a switch A ⇒ P: P set and ≠ A; RayService steady; P healthy;
/// P's Serve apps (pending status) non-empty and all `RUNNING`.
pub fn check_guard(obs: &Observed) -> Result<(), GuardFailure> {
    let rs = &obs.rayservice;
    let (a, p) = (rs.active(), rs.pending());
    if p.is_empty() {
        return Err(GuardFailure::NoPending(rs.name.clone()));
    }
    if p == a {
        return Err(GuardFailure::SameCluster(p.to_string()));
    }
    if !steady(rs) {
        return Err(GuardFailure::NotSteady(rs.name.clone()));
    }
    cluster_health(obs, p)?;
    let apps = &rs.status.pending.applications;
    if apps.is_empty() {
        return Err(GuardFailure::NoApps(p.to_string()));
    }
    if let Some((app, status)) = apps.iter().find(|(_, s)| s.as_str() != "RUNNING") {
        return Err(GuardFailure::AppNotRunning {
            cluster: p.to_string(),
            app: app.clone(),
            status: status.clone(),
        });
    }
    Ok(())
}

/// Deletion deadline of a retiring cluster: the one already persisted in its
/// [`RETIRE_AFTER_ANNOTATION`] if valid, else `now + delay`.
pub fn retire_deadline(obs: &Observed, cluster: &str, now_unix_secs: i64) -> i64 {
    obs.cluster(cluster)
        .and_then(|c| c.annotations.get(RETIRE_AFTER_ANNOTATION))
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or_else(|| now_unix_secs.saturating_add(obs.rayservice.deletion_delay_secs()))
}

/// Builds the steps moving the Services (those not already there) to
/// `target`, optionally promoting `target` in status and retiring `retire`.
struct Builder<'a> {
    obs: &'a Observed,
    steps: Vec<Step>,
    commit_index: Option<usize>,
}

impl<'a> Builder<'a> {
    fn new(obs: &'a Observed) -> Self {
        Builder {
            obs,
            steps: Vec::new(),
            commit_index: None,
        }
    }

    fn push(&mut self, mut step: Step) {
        step.index = self.steps.len();
        self.steps.push(step);
    }

    fn guard(&mut self) {
        let rs = &self.obs.rayservice;
        let p = rs.pending().to_string();
        self.push(Step {
            index: 0,
            action: Action::Guard,
            object: self.obs.rs_ref(),
            field: PENDING_FIELD.into(),
            from: p.clone(),
            to: p.clone(),
            preconditions: vec![
                Precondition::RayServiceSteady,
                Precondition::StatusIs {
                    active: rs.active().into(),
                    pending: p.clone(),
                },
                Precondition::ClusterHealthy { cluster: p.clone() },
                Precondition::AppsRunning { cluster: p },
            ],
            deadline_unix_secs: None,
            undo: None,
        });
    }

    /// Moves head then serve Service to `target`, skipping a Service already
    /// there. With `undoable`, each step's undo restores the previous cluster.
    fn selectors(&mut self, target: &str, undoable: bool, target_check: Precondition) {
        let obs = self.obs;
        let services = [
            (obs.rayservice.head_service_name(), obs.head_selects().to_string()),
            (
                obs.rayservice.serve_service_name(),
                obs.serve_selects().to_string(),
            ),
        ];
        for (name, from) in services {
            if from == target {
                continue;
            }
            let object = obs.service_ref(name.clone());
            let undo = (undoable && !from.is_empty()).then(|| Undo {
                action: Action::SetSelector,
                object: object.clone(),
                field: SELECTOR_FIELD.into(),
                from: target.to_string(),
                to: from.clone(),
                preconditions: vec![
                    Precondition::SelectorIs {
                        service: name.clone(),
                        cluster: target.to_string(),
                    },
                    Precondition::ClusterAlive {
                        cluster: from.clone(),
                    },
                ],
            });
            let mut pre = vec![
                Precondition::SelectorIs {
                    service: name.clone(),
                    cluster: from.clone(),
                },
                target_check.clone(),
            ];
            if !undoable {
                pre.insert(0, Precondition::RayServiceSteady);
            }
            self.push(Step {
                index: 0,
                action: Action::SetSelector,
                object,
                field: SELECTOR_FIELD.into(),
                from,
                to: target.to_string(),
                preconditions: pre,
                deadline_unix_secs: None,
                undo,
            });
        }
    }

    fn promote(&mut self) {
        let rs = &self.obs.rayservice;
        let (a, p) = (rs.active().to_string(), rs.pending().to_string());
        self.commit_index = Some(self.steps.len());
        self.push(Step {
            index: 0,
            action: Action::PromoteStatus,
            object: self.obs.rs_ref(),
            field: ACTIVE_FIELD.into(),
            from: a.clone(),
            to: p.clone(),
            preconditions: vec![
                Precondition::StatusIs {
                    active: a,
                    pending: p.clone(),
                },
                Precondition::SelectorIs {
                    service: rs.head_service_name(),
                    cluster: p.clone(),
                },
                Precondition::SelectorIs {
                    service: rs.serve_service_name(),
                    cluster: p.clone(),
                },
                Precondition::ClusterHealthy { cluster: p.clone() },
                Precondition::AppsRunning { cluster: p },
            ],
            deadline_unix_secs: None,
            undo: None,
        });
    }

    fn retire(&mut self, cluster: &str, now_unix_secs: i64) {
        if cluster.is_empty() || self.obs.cluster(cluster).is_none() {
            return;
        }
        let deadline = retire_deadline(self.obs, cluster, now_unix_secs);
        let existing = self
            .obs
            .cluster(cluster)
            .and_then(|c| c.annotations.get(RETIRE_AFTER_ANNOTATION).cloned())
            .unwrap_or_default();
        self.push(Step {
            index: 0,
            action: Action::RetireCluster,
            object: ObjectRef {
                kind: "RayCluster",
                namespace: self.obs.rayservice.namespace.clone(),
                name: cluster.to_string(),
            },
            field: format!("metadata.annotations[{RETIRE_AFTER_ANNOTATION}]"),
            from: existing,
            to: deadline.to_string(),
            preconditions: vec![
                Precondition::NotReferenced {
                    cluster: cluster.to_string(),
                },
                Precondition::NoServiceSelects {
                    cluster: cluster.to_string(),
                },
                Precondition::DeadlinePassed {
                    deadline_unix_secs: deadline,
                },
            ],
            deadline_unix_secs: Some(deadline),
            undo: None,
        });
    }

    fn finish(self, direction: Direction, from_cluster: &str, to_cluster: &str) -> SwitchoverPlan {
        SwitchoverPlan {
            rayservice: self.obs.rs_ref(),
            direction,
            from_cluster: from_cluster.to_string(),
            to_cluster: to_cluster.to_string(),
            steps: self.steps,
            commit_index: self.commit_index,
        }
    }
}

/// The plan of one NewCluster switch A ⇒ P from the observed state:
/// guard → head Service → serve Service → promote (commit) → retire A.
/// A Service already selecting P gets no step; with A empty (first
/// creation) there is nothing to retire.
///
/// Errors: the guard fails on the observed state.
pub fn plan_switch(obs: &Observed, now_unix_secs: i64) -> Result<SwitchoverPlan, GuardFailure> {
    check_guard(obs)?;
    let rs = &obs.rayservice;
    let (a, p) = (rs.active().to_string(), rs.pending().to_string());
    let mut b = Builder::new(obs);
    b.guard();
    b.selectors(&p, true, Precondition::ClusterHealthy { cluster: p.clone() });
    b.promote();
    b.retire(&a, now_unix_secs);
    Ok(b.finish(Direction::Forward, &a, &p))
}

/// The state of a RayService's switch, from status and Service selectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Diagnosis {
    /// No active and no pending cluster.
    Empty,
    /// Both Services select the active cluster; no pending one.
    Steady { active: String },
    /// Services on the active cluster (or absent on first creation); a
    /// pending cluster is coming up.
    Upgrading { active: String, pending: String },
    /// One Service switched to the pending cluster, the other did not.
    Split {
        active: String,
        pending: String,
        head: String,
        serve: String,
    },
    /// Both Services switched, status not promoted yet (failed W5).
    SwitchedNotPromoted { active: String, pending: String },
    /// Status promoted P while a Service still selects another cluster
    /// (existing or deleted): the #2088 shape.
    PromotedBeforeServices {
        active: String,
        head: String,
        serve: String,
    },
    /// A Service selects a cluster that is neither active nor pending.
    UnknownCluster {
        active: String,
        pending: String,
        head: String,
        serve: String,
    },
}

/// Classifies the observed state.
pub fn diagnose(obs: &Observed) -> Diagnosis {
    let rs = &obs.rayservice;
    let (a, p) = (rs.active().to_string(), rs.pending().to_string());
    let (h, s) = (obs.head_selects().to_string(), obs.serve_selects().to_string());
    let known = |x: &str| x == a || (!p.is_empty() && x == p);
    if a.is_empty() && p.is_empty() {
        return Diagnosis::Empty;
    }
    if !known(&h) || !known(&s) {
        if p.is_empty() {
            return Diagnosis::PromotedBeforeServices {
                active: a,
                head: h,
                serve: s,
            };
        }
        return Diagnosis::UnknownCluster {
            active: a,
            pending: p,
            head: h,
            serve: s,
        };
    }
    match (h == a, s == a) {
        (true, true) if p.is_empty() => Diagnosis::Steady { active: a },
        (true, true) => Diagnosis::Upgrading {
            active: a,
            pending: p,
        },
        (false, false) => Diagnosis::SwitchedNotPromoted {
            active: a,
            pending: p,
        },
        _ => Diagnosis::Split {
            active: a,
            pending: p,
            head: h,
            serve: s,
        },
    }
}

/// What the reconciler should do about the observed state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum RepairDecision {
    /// Nothing to repair.
    Nothing,
    /// No safe write now; re-plan on the next observation.
    Wait { reason: String },
    /// Finish the switch forward: run `plan`.
    Forward { plan: SwitchoverPlan },
    /// Move the Services back to the active cluster: run `plan`.
    Rollback { plan: SwitchoverPlan },
}

/// The diagnosis and the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repair {
    pub diagnosis: Diagnosis,
    pub decision: RepairDecision,
}

/// Plans the repair of the observed state: finish forward when the target
/// cluster is healthy (exists, not deleting, head Pod ready), otherwise
/// roll the Services back to the active cluster when that one is alive,
/// otherwise wait.
///
/// - `Upgrading`: the normal switch ([`plan_switch`]) once the guard passes.
/// - `Split` / `SwitchedNotPromoted`: forward = remaining Service(s) → P,
///   promote, retire A; rollback = Services → A (serve first, then head:
///   reverse of the forward order), status untouched.
/// - `PromotedBeforeServices` (#2088): status already names P and cannot be
///   rolled back (RS2), so forward = Services → P, retire the old cluster;
///   when P is unhealthy: wait (the Services keep whatever they select).
/// - `UnknownCluster`: forward = Services → the active cluster (status is the
///   truth), rollback impossible; wait when the active one is unhealthy.
pub fn plan_repair(obs: &Observed, now_unix_secs: i64) -> Repair {
    let diagnosis = diagnose(obs);
    let rs = &obs.rayservice;
    let (a, p) = (rs.active().to_string(), rs.pending().to_string());
    let wait = |reason: String| RepairDecision::Wait { reason };
    let decision = if !steady(rs) && !matches!(diagnosis, Diagnosis::Steady { .. } | Diagnosis::Empty) {
        wait(format!(
            "RayService {} is suspending, suspended or being deleted",
            rs.name
        ))
    } else {
        match &diagnosis {
            Diagnosis::Empty | Diagnosis::Steady { .. } => RepairDecision::Nothing,
            Diagnosis::Upgrading { .. } => match plan_switch(obs, now_unix_secs) {
                Ok(plan) => RepairDecision::Forward { plan },
                Err(e) => wait(e.to_string()),
            },
            Diagnosis::Split { .. } | Diagnosis::SwitchedNotPromoted { .. } => {
                if obs.healthy(&p) {
                    let mut b = Builder::new(obs);
                    b.selectors(&p, true, Precondition::ClusterHealthy { cluster: p.clone() });
                    b.promote();
                    b.retire(&a, now_unix_secs);
                    RepairDecision::Forward {
                        plan: b.finish(Direction::Forward, &a, &p),
                    }
                } else if obs.alive(&a) {
                    let mut b = Builder::new(obs);
                    b.selectors(&a, false, Precondition::ClusterAlive { cluster: a.clone() });
                    b.steps.reverse();
                    for (i, s) in b.steps.iter_mut().enumerate() {
                        s.index = i;
                    }
                    RepairDecision::Rollback {
                        plan: b.finish(Direction::Rollback, &p, &a),
                    }
                } else {
                    wait(format!(
                        "neither pending RayCluster {p} is healthy nor active RayCluster {a} alive"
                    ))
                }
            }
            Diagnosis::PromotedBeforeServices { head, serve, .. }
            | Diagnosis::UnknownCluster { head, serve, .. } => {
                if obs.healthy(&a) {
                    let mut b = Builder::new(obs);
                    b.selectors(&a, false, Precondition::ClusterHealthy { cluster: a.clone() });
                    let mut old: Vec<&String> = vec![head, serve];
                    old.dedup();
                    for x in old {
                        if *x != a && *x != p {
                            b.retire(x, now_unix_secs);
                        }
                    }
                    let from = if *head != a { head } else { serve };
                    RepairDecision::Forward {
                        plan: b.finish(Direction::Forward, from, &a),
                    }
                } else {
                    wait(format!(
                        "active RayCluster {} is not healthy; Services keep selecting {} and {}",
                        show(&a),
                        show(head),
                        show(serve)
                    ))
                }
            }
        }
    };
    Repair { diagnosis, decision }
}

/// Where a [`Switchover`] stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SwitchState {
    /// Step `next` is to be applied.
    Applying { next: usize },
    /// The undo of step `step` is to be applied (steps go down to 0).
    Compensating { step: usize },
    /// All steps applied.
    Done,
    /// The guard failed before anything was written.
    Aborted,
    /// Every applied pre-commit step was undone.
    RolledBack,
}

impl fmt::Display for SwitchState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SwitchState::Applying { next } => write!(f, "applying step {}", next + 1),
            SwitchState::Compensating { step } => write!(f, "undoing step {}", step + 1),
            SwitchState::Done => f.write_str("done"),
            SwitchState::Aborted => f.write_str("aborted"),
            SwitchState::RolledBack => f.write_str("rolled back"),
        }
    }
}

/// A state change, to log as `from => to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub from: SwitchState,
    pub to: SwitchState,
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} => {}", self.from, self.to)
    }
}

/// The next write the reconciler should make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect<'a> {
    Apply(&'a Step),
    Undo { step: usize, undo: &'a Undo },
}

/// Sans-IO driver of a [`SwitchoverPlan`]: state as data, events as
/// methods, effects out as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switchover {
    plan: SwitchoverPlan,
    state: SwitchState,
    conflicts: u32,
}

impl Switchover {
    pub fn new(plan: SwitchoverPlan) -> Self {
        let state = if plan.steps.is_empty() {
            SwitchState::Done
        } else {
            SwitchState::Applying { next: 0 }
        };
        Switchover {
            plan,
            state,
            conflicts: 0,
        }
    }

    pub fn plan(&self) -> &SwitchoverPlan {
        &self.plan
    }

    pub fn state(&self) -> SwitchState {
        self.state
    }

    /// The write to make now, or `None` in a final state.
    pub fn next_effect(&self) -> Option<Effect<'_>> {
        match self.state {
            SwitchState::Applying { next } => self.plan.steps.get(next).map(Effect::Apply),
            SwitchState::Compensating { step } => self.plan.steps[step]
                .undo
                .as_ref()
                .map(|undo| Effect::Undo { step, undo }),
            _ => None,
        }
    }

    fn go(&mut self, to: SwitchState) -> Transition {
        let t = Transition { from: self.state, to };
        self.state = to;
        t
    }

    fn committed(&self, step: usize) -> bool {
        self.plan.commit_index.is_some_and(|c| step > c)
    }

    /// The undo to run first at or below `from`, else rolled back.
    fn compensate_from(&mut self, from: Option<usize>) -> Transition {
        let mut i = from;
        while let Some(s) = i {
            if self.plan.steps[s].undo.is_some() {
                return self.go(SwitchState::Compensating { step: s });
            }
            i = s.checked_sub(1);
        }
        self.go(SwitchState::RolledBack)
    }

    /// The current step was written successfully.
    pub fn on_step_applied(&mut self) -> Transition {
        match self.state {
            SwitchState::Applying { next } if next + 1 < self.plan.steps.len() => {
                self.go(SwitchState::Applying { next: next + 1 })
            }
            SwitchState::Applying { .. } => self.go(SwitchState::Done),
            s => self.go(s),
        }
    }

    /// The commit step hit a conflict (409): retry after a re-read, at most
    /// [`MAX_COMMIT_CONFLICTS`] times, then roll back.
    pub fn on_commit_conflict(&mut self) -> Transition {
        match self.state {
            SwitchState::Applying { next } if Some(next) == self.plan.commit_index => {
                self.conflicts += 1;
                if self.conflicts > MAX_COMMIT_CONFLICTS {
                    self.compensate_from(next.checked_sub(1))
                } else {
                    self.go(self.state)
                }
            }
            s => self.go(s),
        }
    }

    /// The current step failed for good, or its precondition no longer
    /// holds. Before or at the commit point: undo the applied steps in
    /// reverse order (a failed guard aborts). After it: stay and retry
    /// (retirement is never undone).
    pub fn on_step_failed(&mut self) -> Transition {
        match self.state {
            SwitchState::Applying { next } if self.committed(next) => self.go(self.state),
            SwitchState::Applying { next: 0 } => self.go(SwitchState::Aborted),
            SwitchState::Applying { next } => self.compensate_from(next.checked_sub(1)),
            s => self.go(s),
        }
    }

    /// The current undo was written (or found unnecessary).
    pub fn on_undo_applied(&mut self) -> Transition {
        match self.state {
            SwitchState::Compensating { step } => self.compensate_from(step.checked_sub(1)),
            s => self.go(s),
        }
    }
}

/// Where the old cluster stands in its retirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Retirement {
    /// Still active/pending or selected by a Service: keep it (log, do not error).
    Keep { reason: String },
    /// Write [`RETIRE_AFTER_ANNOTATION`] with this deadline.
    Annotate { deadline_unix_secs: i64 },
    /// Deadline persisted, not reached.
    Wait { deadline_unix_secs: i64 },
    /// Delete the cluster now.
    Delete,
}

/// What to do with `cluster` now (upstream's `cleanUpRayClusterInstance`,
/// with the deadline persisted instead of kept in memory).
pub fn retirement(obs: &Observed, cluster: &str, now_unix_secs: i64) -> Retirement {
    let rs = &obs.rayservice;
    if cluster == rs.active() || cluster == rs.pending() {
        return Retirement::Keep {
            reason: format!("RayCluster {cluster} is active or pending"),
        };
    }
    if obs.head_selects() == cluster || obs.serve_selects() == cluster {
        return Retirement::Keep {
            reason: format!(
                "a Service of RayService {} still selects RayCluster {cluster}",
                rs.name
            ),
        };
    }
    let persisted = obs
        .cluster(cluster)
        .and_then(|c| c.annotations.get(RETIRE_AFTER_ANNOTATION))
        .and_then(|v| v.parse::<i64>().ok());
    match persisted {
        None => Retirement::Annotate {
            deadline_unix_secs: retire_deadline(obs, cluster, now_unix_secs),
        },
        Some(d) if now_unix_secs < d => Retirement::Wait {
            deadline_unix_secs: d,
        },
        Some(_) => Retirement::Delete,
    }
}

/// The `status` a [`Action::PromoteStatus`] step writes, from the stored
/// RayService JSON: `activeServiceStatus ← pendingServiceStatus` (the whole
/// struct, so the promoted apps travel with it), `pendingServiceStatus ← {}`
/// and condition `UpgradeInProgress` = `False`/`NoPendingCluster` (RS9),
/// with `lastTransitionTime = now_rfc3339` when its status changes. Every
/// other status field is kept.
///
/// Guarantees: pure; the result passes RS1–RS4, RS7 and RS9 whenever the
/// stored status has a pending cluster with all apps `RUNNING` (the guard).
pub fn promoted_status(rayservice: &Value, now_rfc3339: &str) -> Value {
    let mut status = match rayservice.get("status") {
        Some(Value::Object(m)) => m.clone(),
        _ => serde_json::Map::new(),
    };
    let pending = status
        .remove("pendingServiceStatus")
        .unwrap_or_else(|| Value::Object(serde_json::Map::new()));
    status.insert("activeServiceStatus".into(), pending);
    status.insert(
        "pendingServiceStatus".into(),
        Value::Object(serde_json::Map::new()),
    );
    let mut conditions = match status.remove("conditions") {
        Some(Value::Array(c)) => c,
        _ => Vec::new(),
    };
    let idx = conditions
        .iter()
        .position(|c| c.get("type").and_then(Value::as_str) == Some("UpgradeInProgress"));
    let fresh = serde_json::json!({
        "type": "UpgradeInProgress",
        "status": "False",
        "reason": "NoPendingCluster",
        "message": "",
        "lastTransitionTime": now_rfc3339,
    });
    match idx {
        None => conditions.push(fresh),
        Some(i) => {
            let c = &mut conditions[i];
            let changed = c.get("status").and_then(Value::as_str) != Some("False");
            if let Value::Object(m) = c {
                m.insert("status".into(), "False".into());
                m.insert("reason".into(), "NoPendingCluster".into());
                if changed || !m.contains_key("lastTransitionTime") {
                    m.insert("lastTransitionTime".into(), now_rfc3339.into());
                }
            } else {
                *c = fresh;
            }
        }
    }
    status.insert("conditions".into(), Value::Array(conditions));
    Value::Object(status)
}

/// The Service object a [`Action::SetSelector`] step writes: `service` (the
/// stored JSON, `resourceVersion` and `clusterIP` kept) with `spec.selector`
/// replaced by the whole head or serve selector of `cluster`
/// ([`super::invariants::head_selector`] / `serve_selector`), like
/// upstream's `reconcileServices`. `head` picks the selector.
pub fn switched_service(service: &Value, head: bool, cluster: &str) -> Value {
    let selector = if head {
        super::invariants::head_selector(cluster)
    } else {
        super::invariants::serve_selector(cluster)
    };
    let mut out = service.clone();
    if !out.get("spec").is_some_and(Value::is_object) {
        out["spec"] = Value::Object(serde_json::Map::new());
    }
    out["spec"]["selector"] = serde_json::to_value(selector).unwrap_or(Value::Null);
    out
}

/// The selector key the plan's selector steps write.
pub const SELECTOR_KEY: &str = CLUSTER_LABEL;

#[cfg(test)]
mod tests;
