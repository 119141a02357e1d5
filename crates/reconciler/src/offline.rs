//! `transition-reconciler plan --objects FILE...`: the plan or repair of
//! every RayService and the next state of every Queue, from objects in
//! files, with no cluster.

use serde::Serialize;
use serde_json::{json, Value};
use transition_core::kuberay::plan::{plan_repair, retirement, Diagnosis, RepairDecision, Retirement, Step};

use crate::objects::{self, Inventory, ObjectsError};
use crate::queues::{self, MemoryQueues, QueueStep};

/// One step of the output: what the controller would write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedStep {
    pub index: usize,
    pub action: Value,
    pub object: Value,
    pub field: String,
    pub from: String,
    pub to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undo: Option<Value>,
}

impl PlannedStep {
    fn from_core(s: &Step) -> Self {
        PlannedStep {
            index: s.index,
            action: json!(s.action),
            object: json!(s.object),
            field: s.field.clone(),
            from: s.from.clone(),
            to: s.to.clone(),
            undo: s.undo.as_ref().map(|u| {
                json!({"action": u.action, "object": u.object, "field": u.field, "from": u.from, "to": u.to})
            }),
        }
    }

    fn from_queue(i: usize, s: &QueueStep) -> Self {
        PlannedStep {
            index: i,
            action: json!(s.action),
            object: json!(s.object),
            field: s.field.clone(),
            from: s.from.clone(),
            to: s.to.clone(),
            undo: None,
        }
    }
}

/// The plan of one RayService.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RayServicePlan {
    pub object: Value,
    pub diagnosis: Diagnosis,
    /// `nothing`, `wait`, `forward`, `rollback`.
    pub decision: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit_index: Option<usize>,
    pub steps: Vec<PlannedStep>,
    /// Dangling RayClusters and what retirement does with them now.
    pub retirements: Vec<Value>,
}

/// The next state of one Queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueuePlan {
    pub object: Value,
    pub state: String,
    pub next: String,
    pub steps: Vec<PlannedStep>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refusals: Vec<String>,
}

/// The whole output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plans {
    pub now_unix_secs: i64,
    pub rayservices: Vec<RayServicePlan>,
    pub queues: Vec<QueuePlan>,
}

/// Plans every RayService and Queue in `objects` at `now_unix_secs`. With
/// `lookup_head_pod`, a RayCluster without `HeadPodReady` is judged by its
/// head Pod among `objects` (as `run --lookup-head-pod` does; a Pod not in
/// the files does not exist).
///
/// Guarantees: every decision comes from the core (`plan_repair`,
/// `retirement`, `QueueLifecycle`); queues are handled in name order on one
/// in-memory copy, so a cascade from a parent shows in its children.
///
/// Errors: an object the core cannot decode (the message names the field)
/// or a queue state outside the CRD enum.
pub fn plan(objects: Vec<Value>, now_unix_secs: i64, lookup_head_pod: bool) -> Result<Plans, ObjectsError> {
    let inv = Inventory::new(objects);
    let mut rayservices = Vec::new();
    let mut rss = inv.rayservices.clone();
    rss.sort_by(|a, b| {
        (objects::namespace(a), objects::name(a)).cmp(&(objects::namespace(b), objects::name(b)))
    });
    for rs in &rss {
        let mut obs = objects::observe(rs, &inv.services, &inv.rayclusters)?;
        if lookup_head_pod {
            let ns = objects::namespace(rs);
            let pods: Vec<Value> = inv
                .pods
                .iter()
                .filter(|p| objects::namespace(p) == ns)
                .cloned()
                .collect();
            obs = obs.with_head_pods(&pods)?;
        }
        let repair = plan_repair(&obs, now_unix_secs);
        let (decision, reason, plan) = match repair.decision {
            RepairDecision::Nothing => ("nothing", None, None),
            RepairDecision::Wait { reason } => ("wait", Some(reason), None),
            RepairDecision::Forward { plan } => ("forward", None, Some(plan)),
            RepairDecision::Rollback { plan } => ("rollback", None, Some(plan)),
        };
        let retirements = objects::dangling_clusters(&obs)
            .into_iter()
            .filter(|c| plan.as_ref().is_none_or(|p| !p.steps.iter().any(|s| s.object.name == *c)))
            .map(|c| {
                let r: Retirement = retirement(&obs, &c, now_unix_secs);
                json!({"object": {"kind": "RayCluster", "namespace": obs.rayservice.namespace, "name": c}, "retirement": r})
            })
            .collect();
        rayservices.push(RayServicePlan {
            object: json!({"kind": "RayService", "namespace": obs.rayservice.namespace, "name": obs.rayservice.name}),
            diagnosis: repair.diagnosis,
            decision,
            reason,
            commit_index: plan.as_ref().and_then(|p| p.commit_index),
            steps: plan
                .as_ref()
                .map(|p| p.steps.iter().map(PlannedStep::from_core).collect())
                .unwrap_or_default(),
            retirements,
        });
    }
    let mut mem = MemoryQueues {
        queues: inv.queues.clone(),
        podgroups: inv.podgroups.clone(),
        commands: inv.commands.clone(),
    };
    let mut names: Vec<String> = inv.queues.iter().map(|q| objects::name(q).to_string()).collect();
    names.sort();
    let mut out_queues = Vec::new();
    for name in names {
        let before = state_of(&mem, &name);
        let outcome = block_on(queues::handle(&mut mem, &name, None)).map_err(|e| match e {
            queues::QueueError::Objects(o) => o,
            queues::QueueError::Api(a) => ObjectsError::Read {
                file: "memory".into(),
                reason: a.to_string(),
            },
        })?;
        out_queues.push(QueuePlan {
            object: json!({"kind": "Queue", "namespace": "", "name": name}),
            state: before,
            next: state_of(&mem, &name),
            steps: outcome
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| PlannedStep::from_queue(i, s))
                .collect(),
            refusals: outcome.refusals,
        });
    }
    Ok(Plans {
        now_unix_secs,
        rayservices,
        queues: out_queues,
    })
}

fn state_of(mem: &MemoryQueues, name: &str) -> String {
    mem.queues
        .iter()
        .find(|q| objects::name(q) == name)
        .and_then(|q| q.pointer("/status/state"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Runs a future that never waits (the in-memory backend) to completion.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}
