//! Kubernetes objects as JSON: loading them from files and grouping them the
//! way the planners need (a RayService with its Services and RayClusters; a
//! Queue with its hierarchy, PodGroups and Commands).

use std::path::Path;

use serde_json::Value;
use transition_core::kuberay::plan::Observed;
use transition_core::kuberay::view::{RayService, ORIGINATED_FROM_CR_NAME};
use transition_core::volcano::state::{ChildQueue, QueueLifecycle, QueueState};
use transition_core::volcano::view::QueueView;
use transition_core::DecodeError;

/// Why objects could not be loaded or understood.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ObjectsError {
    #[error("{file}: cannot read: {reason}")]
    Read { file: String, reason: String },
    #[error("{file}: neither JSON nor YAML: {reason}")]
    Parse { file: String, reason: String },
    #[error("{file}: object {index} is a {found}, expected a Kubernetes object (a mapping with apiVersion and kind)")]
    NotAnObject {
        file: String,
        index: usize,
        found: String,
    },
    #[error("{0}")]
    Decode(#[from] DecodeError),
    #[error("queue {queue} has status.state {state:?}, which is not a Volcano queue state")]
    BadQueueState { queue: String, state: String },
}

/// Reads every object in `path`: one JSON document, or YAML (one or more
/// `---` documents); any `kind: *List` is flattened into its items.
pub fn load_file(path: &Path) -> Result<Vec<Value>, ObjectsError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ObjectsError::Read {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    parse_objects(&text, &file)
}

/// Parses objects from text (see [`load_file`]); `file` names it in errors.
pub fn parse_objects(text: &str, file: &str) -> Result<Vec<Value>, ObjectsError> {
    let docs: Vec<Value> = match serde_json::from_str::<Value>(text) {
        Ok(v) => vec![v],
        Err(json_err) => {
            let mut docs = Vec::new();
            for d in serde_yaml::Deserializer::from_str(text) {
                let v: Value = serde::Deserialize::deserialize(d).map_err(|e| ObjectsError::Parse {
                    file: file.to_string(),
                    reason: format!("as JSON: {json_err}; as YAML: {e}"),
                })?;
                if !v.is_null() {
                    docs.push(v);
                }
            }
            docs
        }
    };
    let mut out = Vec::new();
    for (index, doc) in docs.into_iter().enumerate() {
        flatten(doc, file, index, &mut out)?;
    }
    Ok(out)
}

fn flatten(doc: Value, file: &str, index: usize, out: &mut Vec<Value>) -> Result<(), ObjectsError> {
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or_default();
    if !doc.is_object() || kind.is_empty() || doc.get("apiVersion").and_then(Value::as_str).is_none() {
        return Err(ObjectsError::NotAnObject {
            file: file.to_string(),
            index,
            found: match &doc {
                Value::Object(_) => "mapping without apiVersion/kind".into(),
                other => transition_core::decode::type_name(other).to_string(),
            },
        });
    }
    if kind.ends_with("List") {
        if let Some(Value::Array(items)) = doc.get("items") {
            for item in items {
                flatten(item.clone(), file, index, out)?;
            }
            return Ok(());
        }
    }
    out.push(doc);
    Ok(())
}

fn api_group(v: &Value) -> &str {
    let av = v.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
    av.rsplit_once('/').map_or("", |(g, _)| g)
}

fn kind(v: &Value) -> &str {
    v.get("kind").and_then(Value::as_str).unwrap_or_default()
}

/// `metadata.name`.
pub fn name(v: &Value) -> &str {
    v.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// `metadata.namespace` (`""` for cluster-scoped objects).
pub fn namespace(v: &Value) -> &str {
    v.pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The objects the planners read, by kind.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub rayservices: Vec<Value>,
    pub services: Vec<Value>,
    pub rayclusters: Vec<Value>,
    pub queues: Vec<Value>,
    pub podgroups: Vec<Value>,
    pub commands: Vec<Value>,
    /// Pods: RayCluster head Pods, read by `plan --lookup-head-pod`.
    pub pods: Vec<Value>,
}

impl Inventory {
    /// Sorts objects by kind; kinds the planners do not read are dropped.
    pub fn new(objects: impl IntoIterator<Item = Value>) -> Self {
        let mut inv = Inventory::default();
        for o in objects {
            match (api_group(&o), kind(&o)) {
                ("ray.io", "RayService") => inv.rayservices.push(o),
                ("ray.io", "RayCluster") => inv.rayclusters.push(o),
                ("", "Service") => inv.services.push(o),
                ("scheduling.volcano.sh", "Queue") => inv.queues.push(o),
                ("scheduling.volcano.sh", "PodGroup") => inv.podgroups.push(o),
                ("bus.volcano.sh", "Command") => inv.commands.push(o),
                ("", "Pod") => inv.pods.push(o),
                _ => {}
            }
        }
        inv
    }
}

/// The RayClusters of a RayService among `clusters` (same namespace): those
/// labelled `ray.io/originated-from-cr-name=<rs>` and those its status names.
pub fn clusters_of<'a>(rs: &RayService, clusters: &'a [Value]) -> Vec<&'a Value> {
    clusters
        .iter()
        .filter(|c| namespace(c) == rs.namespace)
        .filter(|c| {
            c.pointer("/metadata/labels")
                .and_then(|l| l.get(ORIGINATED_FROM_CR_NAME))
                .and_then(Value::as_str)
                == Some(rs.name.as_str())
                || (!name(c).is_empty() && (name(c) == rs.active() || name(c) == rs.pending()))
        })
        .collect()
}

/// Builds the core's [`Observed`] for RayService `rs` from the Services and
/// RayClusters of its namespace.
pub fn observe(rs: &Value, services: &[Value], clusters: &[Value]) -> Result<Observed, ObjectsError> {
    let view = RayService::from_value(rs, "rayservice")?;
    let find = |svc: String| {
        services
            .iter()
            .find(|s| namespace(s) == view.namespace && name(s) == svc)
    };
    let head = find(view.head_service_name());
    let serve = find(view.serve_service_name());
    let mine: Vec<Value> = clusters_of(&view, clusters).into_iter().cloned().collect();
    Ok(Observed::from_values(rs, head, serve, &mine)?)
}

/// The RayClusters created for the RayService that are neither active nor
/// pending (candidates for retirement).
pub fn dangling_clusters(obs: &Observed) -> Vec<String> {
    let rs = &obs.rayservice;
    obs.clusters
        .iter()
        .filter(|c| c.originated_from == rs.name && c.name != rs.active() && c.name != rs.pending())
        .map(|c| c.name.clone())
        .collect()
}

/// PodGroups (any namespace) whose `spec.queue` is `queue`.
pub fn podgroups_in(queue: &str, podgroups: &[Value]) -> usize {
    podgroups
        .iter()
        .filter(|p| p.pointer("/spec/queue").and_then(Value::as_str) == Some(queue))
        .count()
}

/// Parses a queue's `status.state`.
pub fn queue_state(q: &QueueView) -> Result<QueueState, ObjectsError> {
    QueueState::parse(&q.state).ok_or_else(|| ObjectsError::BadQueueState {
        queue: q.name.clone(),
        state: q.state.clone(),
    })
}

/// Builds the core's [`QueueLifecycle`] for queue `name` from every Queue.
pub fn lifecycle(name: &str, queues: &[QueueView]) -> Result<QueueLifecycle, ObjectsError> {
    let q = queues
        .iter()
        .find(|q| q.name == name)
        .ok_or_else(|| ObjectsError::BadQueueState {
            queue: name.to_string(),
            state: "<absent>".into(),
        })?;
    let parent_state = if q.parent.is_empty() || q.parent == "root" {
        None
    } else {
        queues
            .iter()
            .find(|p| p.name == q.parent)
            .map(queue_state)
            .transpose()?
    };
    let children = queues
        .iter()
        .filter(|c| c.parent == name && c.name != name)
        .map(|c| {
            Ok(ChildQueue {
                name: c.name.clone(),
                state: queue_state(c)?,
                closed_by_parent: c.closed_by_parent,
            })
        })
        .collect::<Result<_, ObjectsError>>()?;
    Ok(QueueLifecycle {
        name: q.name.clone(),
        state: queue_state(q)?,
        parent: q.parent.clone(),
        parent_state,
        closed_by_parent: q.closed_by_parent,
        children,
    })
}

/// A Command's queue action, if it targets a Queue: (queue name, action).
/// `targetObject` is an ownerReference to the Queue (Volcano's
/// `IsQueueReference`); `action` is `OpenQueue` or `CloseQueue`.
pub fn queue_command(cmd: &Value) -> Option<(String, transition_core::volcano::state::QueueAction)> {
    use transition_core::volcano::state::QueueAction;
    let target = cmd.get("targetObject")?;
    if target.get("kind").and_then(Value::as_str) != Some("Queue")
        || !target
            .get("apiVersion")
            .and_then(Value::as_str)
            .is_some_and(|a| a.starts_with("scheduling.volcano.sh/"))
    {
        return None;
    }
    let queue = target.get("name").and_then(Value::as_str)?.to_string();
    let action = match cmd.get("action").and_then(Value::as_str)? {
        "OpenQueue" => QueueAction::Open,
        "CloseQueue" => QueueAction::Close,
        _ => return None,
    };
    Some((queue, action))
}

/// Decodes every Queue.
pub fn queue_views(queues: &[Value]) -> Result<Vec<QueueView>, ObjectsError> {
    queues
        .iter()
        .enumerate()
        .map(|(i, q)| QueueView::from_value(q, &format!("queues[{i}]")).map_err(ObjectsError::from))
        .collect()
}
