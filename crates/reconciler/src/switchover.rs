//! The RayService switchover executor: observes a RayService, asks the core
//! for the plan or repair ([`plan_repair`]) and drives the core's sans-IO
//! [`Switchover`] step by step.
//!
//! Expected flow: [`Switcher::reconcile`] once per RayService event/requeue.
//!
//! Guarantees:
//! - the first step of a pass runs on the observation just made; every later
//!   step re-reads the objects its preconditions name, except the object it
//!   writes, whose resourceVersion is the write's precondition (the server
//!   re-checks it atomically); on 409 that object is re-read, the
//!   preconditions re-checked and the write retried at most
//!   [`transition_core::kuberay::plan::MAX_COMMIT_CONFLICTS`] times;
//! - a step whose target state is already there counts as applied (no write):
//!   a timeout whose write landed, or KubeRay doing the same move;
//! - before the commit point a failure undoes the done steps in reverse
//!   order; after it the executor only goes forward (retirement is retried);
//! - a half-done switch (head/serve split, Services on an unknown cluster)
//!   is repaired only after it has been seen unchanged for the grace period;
//! - the old cluster's deletion deadline lives in its
//!   [`RETIRE_AFTER_ANNOTATION`], so a restart does not reset it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use serde_json::{json, Value};
use tracing::{info, warn};
use transition_core::kuberay::plan::{
    self, plan_repair, promoted_status, retirement, switched_service, Action, Diagnosis, Observed,
    Precondition, RepairDecision, Retirement, Step, SwitchState, Switchover, SwitchoverPlan, Undo,
    MAX_COMMIT_CONFLICTS, RETIRE_AFTER_ANNOTATION,
};
use transition_core::kuberay::view::ORIGINATED_FROM_CR_NAME;

use crate::api::{resource_version, ApiError, Kind, Kube};
use crate::metrics::Metrics;
use crate::objects::{self, ObjectsError};
use crate::Clock;

/// Annotation by which a RayService opts in to switchovers run by this
/// controller (value `enabled`). Repairs of half-done switches apply to
/// every RayService.
pub const OPT_IN_ANNOTATION: &str = "transition-guard.io/switchover";

/// Why a reconcile could not run.
#[derive(Debug, thiserror::Error)]
pub enum SwitchError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Objects(#[from] ObjectsError),
}

/// Why one step did not apply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("precondition failed: {0}")]
    Precondition(String),
    #[error("conflict (409) on the commit write")]
    CommitConflict,
    #[error("still conflicting after {0} retries")]
    Conflicts(u32),
    #[error("{0}")]
    Api(ApiError),
    #[error("Service {0} does not exist; KubeRay creates the RayService's Services, this controller only switches them")]
    ServiceAbsent(String),
    #[error("old RayCluster kept: {0}")]
    Keep(String),
}

/// What one reconcile did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `nothing`, `wait`, `grace`, `switch`, `repair_forward`, `repair_rollback`, `retire`, `absent`.
    pub decision: &'static str,
    /// Where the driver ended, when a plan ran.
    pub state: Option<SwitchState>,
    /// The step/undo log lines and driver transitions, in order.
    pub journal: Vec<String>,
    /// When to look again.
    pub requeue_after: Option<Duration>,
}

/// Objects as last read or written in this pass.
#[derive(Debug, Clone)]
struct View {
    ns: String,
    rs: Value,
    head_name: String,
    serve_name: String,
    head: Option<Value>,
    serve: Option<Value>,
    clusters: BTreeMap<String, Option<Value>>,
    /// With `--lookup-head-pod`: the head Pod each cluster without
    /// `HeadPodReady` names (`None`: not found), by cluster name.
    head_pods: Option<BTreeMap<String, Option<Value>>>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Rs,
    Svc(String),
    Cluster(String),
}

impl View {
    fn observed(&self) -> Result<Observed, SwitchError> {
        let clusters: Vec<Value> = self.clusters.values().flatten().cloned().collect();
        let obs = Observed::from_values(&self.rs, self.head.as_ref(), self.serve.as_ref(), &clusters)
            .map_err(ObjectsError::from)?;
        Ok(match &self.head_pods {
            None => obs,
            Some(pods) => {
                let found: Vec<Value> = pods.values().flatten().cloned().collect();
                obs.with_head_pods(&found).map_err(ObjectsError::from)?
            }
        })
    }

    fn svc_slot(&mut self, name: &str) -> Option<&mut Option<Value>> {
        if name == self.head_name {
            Some(&mut self.head)
        } else if name == self.serve_name {
            Some(&mut self.serve)
        } else {
            None
        }
    }
}

fn keys_of(pre: &[Precondition], head: &str, serve: &str, out: &mut Vec<Key>) {
    for p in pre {
        match p {
            Precondition::RayServiceSteady
            | Precondition::StatusIs { .. }
            | Precondition::AppsRunning { .. }
            | Precondition::NotReferenced { .. } => out.push(Key::Rs),
            Precondition::ClusterHealthy { cluster } | Precondition::ClusterAlive { cluster } => {
                out.push(Key::Cluster(cluster.clone()))
            }
            Precondition::SelectorIs { service, .. } => out.push(Key::Svc(service.clone())),
            Precondition::NoServiceSelects { .. } => {
                out.push(Key::Svc(head.to_string()));
                out.push(Key::Svc(serve.to_string()));
            }
            Precondition::DeadlinePassed { .. } => {}
        }
    }
}

fn target_key(action: Action, object: &plan::ObjectRef) -> Option<Key> {
    match action {
        Action::Guard => None,
        Action::SetSelector => Some(Key::Svc(object.name.clone())),
        Action::PromoteStatus => Some(Key::Rs),
        Action::RetireCluster => Some(Key::Cluster(object.name.clone())),
    }
}

/// `(shape, first seen at, shape made by our own partial repair)`.
type Sighting = (String, i64, bool);

/// Runs switchovers and repairs.
pub struct Switcher {
    pub kube: Kube,
    pub clock: Arc<dyn Clock>,
    pub metrics: Metrics,
    /// How long a half-done switch must stay unchanged before it is repaired.
    pub grace: Duration,
    /// When each RayService's current half-done shape was first seen.
    /// `(shape, since, ours)`: `ours` when the shape is the result of this
    /// controller's own partial repair (its clock is kept).
    first_seen: Mutex<HashMap<(String, String), Sighting>>,
    recorder: Option<Recorder>,
    /// `--lookup-head-pod`: a RayCluster without `HeadPodReady` (KubeRay's
    /// `RayClusterStatusConditions` gate off) is judged by its head Pod, as
    /// the policy's `lookupHeadPod` does, not by its sticky `status.state`.
    pub lookup_head_pod: bool,
}

/// Conflicts (409) a non-commit write retries before it fails; the same
/// bound as the core's commit conflicts.
const STEP_RETRIES: u32 = MAX_COMMIT_CONFLICTS;

impl Switcher {
    pub fn new(kube: Kube, clock: Arc<dyn Clock>, metrics: Metrics, grace: Duration, events: bool) -> Self {
        let recorder = events.then(|| {
            Recorder::new(
                kube.client().clone(),
                Reporter {
                    controller: "transition-reconciler".into(),
                    instance: std::env::var("POD_NAME").ok(),
                },
            )
        });
        Switcher {
            kube,
            clock,
            metrics,
            grace,
            first_seen: Mutex::default(),
            recorder,
            lookup_head_pod: false,
        }
    }

    async fn event(&self, rs: &Value, warning: bool, reason: &str, note: String) {
        let Some(rec) = &self.recorder else { return };
        let reference = k8s_openapi::api::core::v1::ObjectReference {
            api_version: Some("ray.io/v1".into()),
            kind: Some("RayService".into()),
            name: Some(objects::name(rs).to_string()),
            namespace: Some(objects::namespace(rs).to_string()),
            uid: rs
                .pointer("/metadata/uid")
                .and_then(Value::as_str)
                .map(str::to_string),
            ..Default::default()
        };
        let ev = Event {
            type_: if warning {
                EventType::Warning
            } else {
                EventType::Normal
            },
            reason: reason.into(),
            note: Some(note.chars().take(1000).collect()),
            action: "Switchover".into(),
            secondary: None,
        };
        if let Err(e) = rec.publish(&ev, &reference).await {
            warn!(error = %e, "could not publish event");
        }
    }

    async fn observe(&self, ns: &str, name: &str) -> Result<Option<View>, SwitchError> {
        let Some(rs) = self.kube.get(Kind::RayService, ns, name).await? else {
            return Ok(None);
        };
        let view = transition_core::kuberay::view::RayService::from_value(&rs, "rayservice")
            .map_err(ObjectsError::from)?;
        let (head_name, serve_name) = (view.head_service_name(), view.serve_service_name());
        let head = self.kube.get(Kind::Service, ns, &head_name).await?;
        let serve = self.kube.get(Kind::Service, ns, &serve_name).await?;
        let listed = self
            .kube
            .list(
                Kind::RayCluster,
                ns,
                Some(&format!("{ORIGINATED_FROM_CR_NAME}={name}")),
            )
            .await?;
        let mut clusters: BTreeMap<String, Option<Value>> = listed
            .into_iter()
            .map(|c| (objects::name(&c).to_string(), Some(c)))
            .collect();
        for c in [view.active(), view.pending()] {
            if !c.is_empty() && !clusters.contains_key(c) {
                let got = self.kube.get(Kind::RayCluster, ns, c).await?;
                clusters.insert(c.to_string(), got);
            }
        }
        let mut view = View {
            ns: ns.to_string(),
            rs,
            head_name,
            serve_name,
            head,
            serve,
            clusters,
            head_pods: self.lookup_head_pod.then(BTreeMap::new),
        };
        let names: Vec<String> = view.clusters.keys().cloned().collect();
        for c in names {
            self.read_head_pod(&mut view, &c).await?;
        }
        Ok(Some(view))
    }

    /// With `--lookup-head-pod`, (re-)reads the head Pod of cluster `name`
    /// as `view` holds it, when the cluster has no `HeadPodReady` and names
    /// one in `status.head.podName`; otherwise forgets any Pod read for it.
    /// A cluster that does not decode is left to `observed` to report.
    async fn read_head_pod(&self, view: &mut View, name: &str) -> Result<(), ApiError> {
        if view.head_pods.is_none() {
            return Ok(());
        }
        let pod_name = view
            .clusters
            .get(name)
            .and_then(Option::as_ref)
            .and_then(|v| transition_core::kuberay::view::RayCluster::from_value(v, "rayCluster").ok())
            .filter(|rc| rc.head_pod_decides() && !rc.head_pod.is_empty())
            .map(|rc| rc.head_pod);
        let got = match &pod_name {
            Some(pod) => Some(self.kube.get(Kind::Pod, &view.ns, pod).await?),
            None => None,
        };
        if let Some(pods) = view.head_pods.as_mut() {
            match got {
                Some(pod) => pods.insert(name.to_string(), pod),
                None => pods.remove(name),
            };
        }
        Ok(())
    }

    async fn reread(&self, view: &mut View, key: &Key) -> Result<(), ApiError> {
        let ns = view.ns.clone();
        match key {
            Key::Rs => {
                if let Some(rs) = self
                    .kube
                    .get(Kind::RayService, &ns, objects::name(&view.rs))
                    .await?
                {
                    view.rs = rs;
                }
            }
            Key::Svc(name) => {
                let got = self.kube.get(Kind::Service, &ns, name).await?;
                if let Some(slot) = view.svc_slot(name) {
                    *slot = got;
                }
            }
            Key::Cluster(name) => {
                let got = self.kube.get(Kind::RayCluster, &ns, name).await?;
                view.clusters.insert(name.clone(), got);
                self.read_head_pod(view, name).await?;
            }
        }
        Ok(())
    }

    /// Re-reads every object `pre` names except `target`, once each.
    async fn refresh(
        &self,
        view: &mut View,
        pre: &[Precondition],
        target: Option<&Key>,
    ) -> Result<(), ApiError> {
        let mut keys = Vec::new();
        keys_of(pre, &view.head_name, &view.serve_name, &mut keys);
        keys.sort();
        keys.dedup();
        for k in keys.iter().filter(|k| Some(*k) != target) {
            self.reread(view, k).await?;
        }
        Ok(())
    }

    fn check(&self, view: &View, pre: &[Precondition], skip_deadline: bool) -> Result<(), StepError> {
        let obs = view
            .observed()
            .map_err(|e| StepError::Precondition(e.to_string()))?;
        let now = self.clock.now_unix_secs();
        for p in pre {
            if skip_deadline && matches!(p, Precondition::DeadlinePassed { .. }) {
                continue;
            }
            p.check(&obs, now).map_err(StepError::Precondition)?;
        }
        Ok(())
    }

    /// Moves Service `name` to select `to`, after checking `pre`.
    async fn set_selector(
        &self,
        view: &mut View,
        name: &str,
        to: &str,
        pre: &[Precondition],
    ) -> Result<(), StepError> {
        let head = name == view.head_name;
        for attempt in 0..=STEP_RETRIES {
            let current = view.svc_slot(name).and_then(|s| s.clone());
            let Some(svc) = current else {
                return Err(StepError::ServiceAbsent(name.to_string()));
            };
            if transition_core::kuberay::view::Service::from_value(&svc, "service")
                .is_ok_and(|s| s.selected_cluster() == to)
            {
                return Ok(());
            }
            self.check(view, pre, false)?;
            let body = switched_service(&svc, head, to);
            match self.kube.replace(Kind::Service, &view.ns, name, &body).await {
                Ok(new) => {
                    if let Some(slot) = view.svc_slot(name) {
                        *slot = Some(new);
                    }
                    return Ok(());
                }
                Err(ApiError::Conflict(_)) if attempt < STEP_RETRIES => {
                    self.reread(view, &Key::Svc(name.to_string()))
                        .await
                        .map_err(StepError::Api)?;
                }
                Err(ApiError::Conflict(_)) => return Err(StepError::Conflicts(STEP_RETRIES)),
                Err(e @ ApiError::Timeout { .. }) => {
                    // The write may have landed: look before deciding.
                    self.reread(view, &Key::Svc(name.to_string()))
                        .await
                        .map_err(StepError::Api)?;
                    let landed = view.svc_slot(name).and_then(|s| s.clone()).is_some_and(|s| {
                        transition_core::kuberay::view::Service::from_value(&s, "service")
                            .is_ok_and(|s| s.selected_cluster() == to)
                    });
                    return if landed { Ok(()) } else { Err(StepError::Api(e)) };
                }
                Err(e) => return Err(StepError::Api(e)),
            }
        }
        Err(StepError::Conflicts(STEP_RETRIES))
    }

    fn promoted(view: &View, to: &str) -> bool {
        let st = &view.rs["status"];
        st.pointer("/activeServiceStatus/rayClusterName")
            .and_then(Value::as_str)
            == Some(to)
            && st
                .pointer("/pendingServiceStatus/rayClusterName")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .is_empty()
    }

    async fn promote(&self, view: &mut View, step: &Step) -> Result<(), StepError> {
        if Self::promoted(view, &step.to) {
            return Ok(());
        }
        self.check(view, &step.preconditions, false)?;
        let mut body = view.rs.clone();
        body["status"] = promoted_status(&view.rs, &crate::rfc3339(self.clock.now_unix_secs()));
        let name = objects::name(&view.rs).to_string();
        match self
            .kube
            .replace_status(Kind::RayService, &view.ns, &name, &body)
            .await
        {
            Ok(new) => {
                view.rs = new;
                Ok(())
            }
            Err(ApiError::Conflict(_)) => {
                self.reread(view, &Key::Rs).await.map_err(StepError::Api)?;
                if Self::promoted(view, &step.to) {
                    return Ok(());
                }
                Err(StepError::CommitConflict)
            }
            Err(e @ ApiError::Timeout { .. }) => {
                self.reread(view, &Key::Rs).await.map_err(StepError::Api)?;
                if Self::promoted(view, &step.to) {
                    Ok(())
                } else {
                    Err(StepError::Api(e))
                }
            }
            Err(e) => Err(StepError::Api(e)),
        }
    }

    /// Annotates, waits for or deletes retiring `cluster`. Returns when to look again.
    async fn retire(&self, view: &mut View, cluster: &str) -> Result<Option<Duration>, StepError> {
        for attempt in 0..=STEP_RETRIES {
            let obs = view
                .observed()
                .map_err(|e| StepError::Precondition(e.to_string()))?;
            let now = self.clock.now_unix_secs();
            let current = view.clusters.get(cluster).cloned().flatten();
            let Some(obj) = current else { return Ok(None) };
            let rv = resource_version(&obj).map(str::to_string);
            let res = match retirement(&obs, cluster, now) {
                Retirement::Keep { reason } => return Err(StepError::Keep(reason)),
                Retirement::Wait { deadline_unix_secs } => {
                    return Ok(Some(
                        Duration::from_secs((deadline_unix_secs - now).max(1) as u64),
                    ))
                }
                Retirement::Annotate { deadline_unix_secs } => {
                    let patch = json!({"metadata": {"resourceVersion": rv,
                        "annotations": {RETIRE_AFTER_ANNOTATION: deadline_unix_secs.to_string()}}});
                    match self
                        .kube
                        .merge_patch(Kind::RayCluster, &view.ns, cluster, &patch)
                        .await
                    {
                        Ok(new) => {
                            view.clusters.insert(cluster.to_string(), Some(new));
                            if now < deadline_unix_secs {
                                return Ok(Some(Duration::from_secs((deadline_unix_secs - now) as u64)));
                            }
                            continue;
                        }
                        Err(e) => Err(e),
                    }
                }
                Retirement::Delete => {
                    match self
                        .kube
                        .delete(Kind::RayCluster, &view.ns, cluster, rv.as_deref())
                        .await
                    {
                        Ok(()) | Err(ApiError::NotFound(_)) => {
                            view.clusters.insert(cluster.to_string(), None);
                            return Ok(None);
                        }
                        Err(e) => Err(e),
                    }
                }
            };
            match res {
                Err(ApiError::Conflict(_)) if attempt < STEP_RETRIES => {
                    self.reread(view, &Key::Cluster(cluster.to_string()))
                        .await
                        .map_err(StepError::Api)?;
                }
                Err(e) => return Err(StepError::Api(e)),
                Ok(()) => {}
            }
        }
        Err(StepError::Conflicts(STEP_RETRIES))
    }

    async fn apply(
        &self,
        view: &mut View,
        step: &Step,
        requeue: &mut Option<Duration>,
    ) -> Result<(), StepError> {
        match step.action {
            Action::Guard => self.check(view, &step.preconditions, false),
            Action::SetSelector => {
                self.set_selector(view, &step.object.name, &step.to, &step.preconditions)
                    .await
            }
            Action::PromoteStatus => self.promote(view, step).await,
            Action::RetireCluster => {
                self.check(view, &step.preconditions, true)?;
                let again = self.retire(view, &step.object.name).await?;
                *requeue = min_requeue(*requeue, again);
                Ok(())
            }
        }
    }

    async fn undo(&self, view: &mut View, undo: &Undo) -> Result<(), StepError> {
        self.set_selector(view, &undo.object.name, &undo.to, &undo.preconditions)
            .await
    }

    /// Drives `plan` to a final state (or stops when a post-commit step or an
    /// undo keeps failing). The first step uses the observation in `view`.
    async fn execute(
        &self,
        view: &mut View,
        plan: SwitchoverPlan,
        journal: &mut Vec<String>,
    ) -> (SwitchState, Option<Duration>) {
        let total = plan.steps.len();
        let rs_json = view.rs.clone();
        let mut drv = Switchover::new(plan);
        let mut requeue = None;
        let mut first = true;
        let mut stuck = 0u32;
        let note = |journal: &mut Vec<String>, line: String, warning: bool| {
            if warning {
                warn!(rayservice = %objects::name(&rs_json), "{line}");
            } else {
                info!(rayservice = %objects::name(&rs_json), "{line}");
            }
            journal.push(line);
        };
        loop {
            let effect = match drv.next_effect() {
                None => break,
                Some(plan::Effect::Apply(step)) => Ok(step.clone()),
                Some(plan::Effect::Undo { step, undo }) => Err((step, undo.clone())),
            };
            match effect {
                Ok(step) => {
                    let target = target_key(step.action, &step.object);
                    if !first {
                        if let Err(e) = self.refresh(view, &step.preconditions, target.as_ref()).await {
                            note(
                                journal,
                                format!("{} failed: re-read: {e}", step.log_line(total)),
                                true,
                            );
                            let t = drv.on_step_failed();
                            note(journal, format!("switchover: {t}"), false);
                            if drv.state() == (SwitchState::Applying { next: step.index }) {
                                stuck += 1;
                                if stuck > STEP_RETRIES {
                                    requeue = min_requeue(requeue, Some(Duration::from_secs(5)));
                                    break;
                                }
                            }
                            continue;
                        }
                    }
                    first = false;
                    let t0 = Instant::now();
                    let res = self.apply(view, &step, &mut requeue).await;
                    let ms = t0.elapsed().as_millis();
                    self.metrics
                        .step_seconds
                        .get_or_create(&Metrics::label(&[("action", action_name(step.action))]))
                        .observe(t0.elapsed().as_secs_f64());
                    match res {
                        Ok(()) => {
                            note(journal, format!("{} ({ms} ms)", step.log_line(total)), false);
                            let t = drv.on_step_applied();
                            note(journal, format!("switchover: {t}"), false);
                        }
                        Err(StepError::CommitConflict) => {
                            note(
                                journal,
                                format!("{} conflict (409), retrying ({ms} ms)", step.log_line(total)),
                                true,
                            );
                            let t = drv.on_commit_conflict();
                            note(journal, format!("switchover: {t}"), false);
                        }
                        Err(e) => {
                            note(
                                journal,
                                format!("{} failed: {e} ({ms} ms)", step.log_line(total)),
                                true,
                            );
                            let t = drv.on_step_failed();
                            note(journal, format!("switchover: {t}"), false);
                            if t.from == t.to {
                                stuck += 1;
                                if stuck > STEP_RETRIES {
                                    requeue = min_requeue(requeue, Some(Duration::from_secs(5)));
                                    break;
                                }
                            }
                        }
                    }
                }
                Err((index, undo)) => {
                    let target = Key::Svc(undo.object.name.clone());
                    let t0 = Instant::now();
                    let res = match self.refresh(view, &undo.preconditions, Some(&target)).await {
                        Ok(()) => self.undo(view, &undo).await,
                        Err(e) => Err(StepError::Api(e)),
                    };
                    let ms = t0.elapsed().as_millis();
                    match res {
                        Ok(()) => {
                            note(
                                journal,
                                format!("{} ({ms} ms)", undo.log_line(index, total)),
                                false,
                            );
                            let t = drv.on_undo_applied();
                            note(journal, format!("switchover: {t}"), false);
                        }
                        Err(e) => {
                            note(
                                journal,
                                format!("{} failed: {e} ({ms} ms)", undo.log_line(index, total)),
                                true,
                            );
                            stuck += 1;
                            if stuck > STEP_RETRIES {
                                // Left half-done: the repair path picks it up after the grace period.
                                requeue = min_requeue(requeue, Some(Duration::from_secs(5)));
                                break;
                            }
                        }
                    }
                }
            }
        }
        let state = drv.state();
        let outcome = match state {
            SwitchState::Done => "done",
            SwitchState::RolledBack => {
                self.metrics.rollbacks.inc();
                "rolled_back"
            }
            SwitchState::Aborted => "aborted",
            _ => "stopped",
        };
        self.metrics
            .switchovers
            .get_or_create(&Metrics::label(&[("outcome", outcome)]))
            .inc();
        (state, requeue)
    }

    /// One reconcile of RayService `ns/name`.
    ///
    /// Errors: a read of the initial observation failed, or an object could
    /// not be decoded (the message names the field).
    pub async fn reconcile(&self, ns: &str, name: &str) -> Result<Outcome, SwitchError> {
        let mut journal = Vec::new();
        let Some(mut view) = self.observe(ns, name).await? else {
            self.first_seen
                .lock()
                .unwrap()
                .remove(&(ns.to_string(), name.to_string()));
            return Ok(outcome("absent", None, journal, None));
        };
        let obs = view.observed()?;
        let opted = obs
            .rayservice
            .annotations
            .get(OPT_IN_ANNOTATION)
            .map(String::as_str)
            == Some("enabled");
        let now = self.clock.now_unix_secs();
        let repair = plan_repair(&obs, now);
        let key = (ns.to_string(), name.to_string());
        let (decision, plan) = match (repair.diagnosis.clone(), repair.decision) {
            (_, RepairDecision::Nothing) => {
                self.first_seen.lock().unwrap().remove(&key);
                if !opted {
                    return Ok(outcome("nothing", None, journal, None));
                }
                let requeue = self.sweep(&mut view, &obs, &mut journal).await;
                return Ok(outcome(
                    if journal.is_empty() { "nothing" } else { "retire" },
                    None,
                    journal,
                    requeue,
                ));
            }
            (_, RepairDecision::Wait { reason }) => {
                journal.push(format!("wait: {reason}"));
                return Ok(outcome("wait", None, journal, Some(Duration::from_secs(10))));
            }
            (Diagnosis::Upgrading { .. }, RepairDecision::Forward { plan }) => {
                if !opted {
                    return Ok(outcome("nothing", None, journal, None));
                }
                ("switch", plan)
            }
            (diag, d @ (RepairDecision::Forward { .. } | RepairDecision::Rollback { .. })) => {
                let shape = serde_json::to_string(&diag).unwrap_or_default();
                let since = {
                    let mut seen = self.first_seen.lock().unwrap();
                    let e = seen
                        .entry(key.clone())
                        .or_insert_with(|| (shape.clone(), now, false));
                    if e.0 != shape {
                        *e = (shape.clone(), if e.2 { e.1 } else { now }, false);
                    }
                    e.1
                };
                let waited = Duration::from_secs((now - since).max(0) as u64);
                if waited < self.grace {
                    journal.push(format!(
                        "half-done switch seen ({shape}); repair after the grace period"
                    ));
                    return Ok(outcome("grace", None, journal, Some(self.grace - waited)));
                }
                // The first sighting is kept: a failed repair is retried on
                // the next pass, without waiting the grace period again.
                match d {
                    RepairDecision::Forward { plan } => ("repair_forward", plan),
                    RepairDecision::Rollback { plan } => ("repair_rollback", plan),
                    _ => unreachable!("matched above"),
                }
            }
        };
        let rs = view.rs.clone();
        self.event(
            &rs,
            false,
            "SwitchoverStarted",
            format!(
                "{decision}: {} => {} in {} steps",
                plan.from_cluster,
                plan.to_cluster,
                plan.steps.len()
            ),
        )
        .await;
        let (state, requeue) = self.execute(&mut view, plan, &mut journal).await;
        if let Some(e) = self.first_seen.lock().unwrap().get_mut(&key) {
            e.2 = state != SwitchState::Done;
        }
        let warning = state != SwitchState::Done;
        self.event(
            &rs,
            warning,
            &format!("Switchover{}", camel(state)),
            journal.join("\n"),
        )
        .await;
        Ok(outcome(decision, Some(state), journal, requeue))
    }

    /// Retires the dangling clusters of an opted-in, steady RayService.
    async fn sweep(&self, view: &mut View, obs: &Observed, journal: &mut Vec<String>) -> Option<Duration> {
        let mut requeue = None;
        for c in objects::dangling_clusters(obs) {
            let had = view.clusters.get(&c).cloned().flatten();
            match self.retire(view, &c).await {
                Ok(again) => {
                    let now_obj = view.clusters.get(&c).cloned().flatten();
                    if had != now_obj {
                        let what = if now_obj.is_none() { "deleted" } else { "annotated" };
                        journal.push(format!("retire RayCluster {}/{c}: {what}", view.ns));
                    }
                    requeue = min_requeue(requeue, again);
                }
                Err(e) => {
                    journal.push(format!("retire RayCluster {}/{c} failed: {e}", view.ns));
                    requeue = min_requeue(requeue, Some(Duration::from_secs(5)));
                }
            }
        }
        requeue
    }
}

fn outcome(
    decision: &'static str,
    state: Option<SwitchState>,
    journal: Vec<String>,
    requeue_after: Option<Duration>,
) -> Outcome {
    Outcome {
        decision,
        state,
        journal,
        requeue_after,
    }
}

fn min_requeue(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn action_name(a: Action) -> &'static str {
    match a {
        Action::Guard => "guard",
        Action::SetSelector => "set_selector",
        Action::PromoteStatus => "promote_status",
        Action::RetireCluster => "retire_cluster",
    }
}

fn camel(s: SwitchState) -> &'static str {
    match s {
        SwitchState::Done => "Done",
        SwitchState::RolledBack => "RolledBack",
        SwitchState::Aborted => "Aborted",
        _ => "Stopped",
    }
}
