//! The Volcano queue lifecycle: Commands consumed, the core's transition
//! table and hierarchy effects executed, `status.state` written by
//! server-side apply only on change.
//!
//! Expected flow: [`handle`] once per Queue event (the Queue, one of its
//! PodGroups or a Command targeting it changed), on a [`QueueBackend`]: the
//! API ([`ApiQueues`]) or objects in memory ([`MemoryQueues`], for `plan`).
//!
//! Guarantees: every state comes from `QueueLifecycle::{on_open, on_close,
//! on_sync}`; actions the core enqueues for other queues (children closed
//! or reopened with their parent) run in the same call, each on a fresh read
//! of every queue, bounded by [`MAX_ACTIONS`]; a Command is deleted before
//! its action runs (Volcano's order), so it is consumed at most once.

use std::collections::VecDeque;
use std::future::Future;

use serde::Serialize;
use serde_json::{json, Value};
use transition_core::volcano::state::{Effect, QueueAction, QueueState};
use transition_core::volcano::view::{QueueView, CLOSED_BY_PARENT};

use crate::api::{ApiError, Kind, Kube};
use crate::metrics::Metrics;
use crate::objects::{self, ObjectsError};

/// Upper bound on actions handled in one call (a cascade over a deep tree).
pub const MAX_ACTIONS: usize = 256;

/// What a queue handler needs from the cluster.
pub trait QueueBackend {
    /// Every Queue.
    fn queues(&mut self) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send;
    /// How many PodGroups (any namespace, any phase) reference `queue`.
    fn podgroups(&mut self, queue: &str) -> impl Future<Output = Result<usize, ApiError>> + Send;
    /// Commands (namespace, name, action) targeting `queue`, oldest first.
    fn commands(
        &mut self,
        queue: &str,
    ) -> impl Future<Output = Result<Vec<(String, String, QueueAction)>, ApiError>> + Send;
    /// Deletes a Command (consumes it).
    fn consume(&mut self, ns: &str, name: &str) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// Server-side applies `status.state`.
    fn write_state(
        &mut self,
        queue: &str,
        to: QueueState,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// Sets annotation `volcano.sh/closed-by-parent`.
    fn mark_closed_by_parent(
        &mut self,
        queue: &str,
        value: bool,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// Sets `spec.parent: root`.
    fn set_parent_root(&mut self, queue: &str) -> impl Future<Output = Result<(), ApiError>> + Send;
}

/// One write (or consumed Command), as the `plan` output and the log show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueStep {
    pub action: &'static str,
    pub object: ObjectRef,
    pub field: String,
    pub from: String,
    pub to: String,
}

/// `kind`/`namespace`/`name` of a step's object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectRef {
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
}

impl QueueStep {
    /// `step i/n <kind> <ns>/<name> <field>: <from> => <to>`.
    pub fn log_line(&self, i: usize, n: usize) -> String {
        let show = |s: &str| {
            if s.is_empty() {
                "\"\"".to_string()
            } else {
                s.to_string()
            }
        };
        format!(
            "step {}/{n} {} {}/{} {}: {} => {}",
            i + 1,
            self.object.kind,
            self.object.namespace,
            self.object.name,
            self.field,
            show(&self.from),
            show(&self.to)
        )
    }
}

/// Why a queue could not be handled.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Objects(#[from] ObjectsError),
}

/// What one call did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueOutcome {
    pub steps: Vec<QueueStep>,
    /// Refusals of the core (root never closes, parent closed), as text.
    pub refusals: Vec<String>,
    /// An action was refused in a way Volcano retries (open under a closed parent).
    pub retry: bool,
}

fn queue_ref(name: &str) -> ObjectRef {
    ObjectRef {
        kind: "Queue",
        namespace: String::new(),
        name: name.to_string(),
    }
}

/// Handles Queue `name`: consumes its Commands (each an Open/Close action),
/// then syncs it; cascades the core's enqueued actions.
///
/// Errors: an API call failed or a queue could not be decoded (the state of
/// the cluster is whatever the writes so far made it; the next call
/// continues from there).
pub async fn handle<B: QueueBackend>(
    b: &mut B,
    name: &str,
    metrics: Option<&Metrics>,
) -> Result<QueueOutcome, QueueError> {
    let mut out = QueueOutcome::default();
    let mut work: VecDeque<(String, QueueAction)> = VecDeque::new();
    for (ns, cmd, action) in b.commands(name).await? {
        b.consume(&ns, &cmd).await?;
        out.steps.push(QueueStep {
            action: "consume_command",
            object: ObjectRef {
                kind: "Command",
                namespace: ns,
                name: cmd,
            },
            field: "action".into(),
            from: match action {
                QueueAction::Open => "OpenQueue".into(),
                QueueAction::Close => "CloseQueue".into(),
                QueueAction::Sync => "SyncQueue".into(),
            },
            to: String::new(),
        });
        work.push_back((name.to_string(), action));
    }
    work.push_back((name.to_string(), QueueAction::Sync));
    let mut handled = 0;
    while let Some((q, action)) = work.pop_front() {
        handled += 1;
        if handled > MAX_ACTIONS {
            out.refusals.push(format!(
                "more than {MAX_ACTIONS} actions in one cascade; the rest is left to later events"
            ));
            out.retry = true;
            break;
        }
        let views: Vec<QueueView> = objects::queue_views(&b.queues().await?)?;
        if !views.iter().any(|v| v.name == q) {
            continue;
        }
        let lc = objects::lifecycle(&q, &views)?;
        let step = match action {
            QueueAction::Open => lc.on_open(),
            QueueAction::Close => {
                let pg = b.podgroups(&q).await?;
                lc.on_close(pg)
            }
            QueueAction::Sync => {
                let pg = b.podgroups(&q).await?;
                Ok(lc.on_sync(pg))
            }
        };
        let step = match step {
            Ok(s) => s,
            Err(refusal) => {
                if matches!(
                    refusal,
                    transition_core::volcano::state::Refusal::ParentClosed { .. }
                ) {
                    out.retry = true;
                }
                out.refusals.push(refusal.to_string());
                continue;
            }
        };
        for effect in step.effects {
            match effect {
                Effect::WriteState(to) => {
                    b.write_state(&q, to).await?;
                    if let Some(m) = metrics {
                        m.queue_transitions
                            .get_or_create(&Metrics::label(&[
                                ("from", lc.state.as_str()),
                                ("to", to.as_str()),
                            ]))
                            .inc();
                    }
                    out.steps.push(QueueStep {
                        action: "write_state",
                        object: queue_ref(&q),
                        field: "status.state".into(),
                        from: lc.state.as_str().into(),
                        to: to.as_str().into(),
                    });
                }
                Effect::MarkClosedByParent { queue, value } => {
                    let from = views
                        .iter()
                        .find(|v| v.name == queue)
                        .map(|v| v.closed_by_parent.to_string())
                        .unwrap_or_default();
                    b.mark_closed_by_parent(&queue, value).await?;
                    out.steps.push(QueueStep {
                        action: "mark_closed_by_parent",
                        object: queue_ref(&queue),
                        field: format!("metadata.annotations[{CLOSED_BY_PARENT}]"),
                        from,
                        to: value.to_string(),
                    });
                }
                Effect::EnqueueClose { queue } => work.push_back((queue, QueueAction::Close)),
                Effect::EnqueueOpen { queue } => work.push_back((queue, QueueAction::Open)),
                Effect::SetParentRoot => {
                    b.set_parent_root(&q).await?;
                    out.steps.push(QueueStep {
                        action: "set_parent_root",
                        object: queue_ref(&q),
                        field: "spec.parent".into(),
                        from: lc.parent.clone(),
                        to: "root".into(),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// The queue backend on the API.
pub struct ApiQueues<'a> {
    pub kube: &'a Kube,
}

impl QueueBackend for ApiQueues<'_> {
    async fn queues(&mut self) -> Result<Vec<Value>, ApiError> {
        self.kube.list(Kind::Queue, "", None).await
    }

    async fn podgroups(&mut self, queue: &str) -> Result<usize, ApiError> {
        let pgs = self.kube.list(Kind::PodGroup, "", None).await?;
        Ok(objects::podgroups_in(queue, &pgs))
    }

    async fn commands(&mut self, queue: &str) -> Result<Vec<(String, String, QueueAction)>, ApiError> {
        let cmds = self.kube.list(Kind::Command, "", None).await?;
        Ok(commands_for(queue, &cmds))
    }

    async fn consume(&mut self, ns: &str, name: &str) -> Result<(), ApiError> {
        match self.kube.delete(Kind::Command, ns, name, None).await {
            Ok(()) | Err(ApiError::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn write_state(&mut self, queue: &str, to: QueueState) -> Result<(), ApiError> {
        let patch = json!({
            "apiVersion": "scheduling.volcano.sh/v1beta1",
            "kind": "Queue",
            "metadata": {"name": queue},
            "status": {"state": to.as_str()},
        });
        self.kube
            .apply_status(Kind::Queue, "", queue, &patch)
            .await
            .map(|_| ())
    }

    async fn mark_closed_by_parent(&mut self, queue: &str, value: bool) -> Result<(), ApiError> {
        let patch = json!({"metadata": {"annotations": {CLOSED_BY_PARENT: value.to_string()}}});
        self.kube
            .merge_patch(Kind::Queue, "", queue, &patch)
            .await
            .map(|_| ())
    }

    async fn set_parent_root(&mut self, queue: &str) -> Result<(), ApiError> {
        let patch = json!({"spec": {"parent": "root"}});
        self.kube
            .merge_patch(Kind::Queue, "", queue, &patch)
            .await
            .map(|_| ())
    }
}

/// Commands targeting `queue`, oldest first (creationTimestamp, then name).
pub fn commands_for(queue: &str, cmds: &[Value]) -> Vec<(String, String, QueueAction)> {
    let mut mine: Vec<(&str, String, String, QueueAction)> = cmds
        .iter()
        .filter_map(|c| {
            let (q, action) = objects::queue_command(c)?;
            (q == queue).then(|| {
                (
                    c.pointer("/metadata/creationTimestamp")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                    objects::namespace(c).to_string(),
                    objects::name(c).to_string(),
                    action,
                )
            })
        })
        .collect();
    mine.sort_by(|a, b| (a.0, &a.2).cmp(&(b.0, &b.2)));
    mine.into_iter().map(|(_, ns, n, a)| (ns, n, a)).collect()
}

/// The queue backend on objects in memory (`plan --objects`).
#[derive(Debug, Clone, Default)]
pub struct MemoryQueues {
    pub queues: Vec<Value>,
    pub podgroups: Vec<Value>,
    pub commands: Vec<Value>,
}

impl MemoryQueues {
    fn queue_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.queues.iter_mut().find(|q| objects::name(q) == name)
    }
}

impl QueueBackend for MemoryQueues {
    async fn queues(&mut self) -> Result<Vec<Value>, ApiError> {
        Ok(self.queues.clone())
    }

    async fn podgroups(&mut self, queue: &str) -> Result<usize, ApiError> {
        Ok(objects::podgroups_in(queue, &self.podgroups))
    }

    async fn commands(&mut self, queue: &str) -> Result<Vec<(String, String, QueueAction)>, ApiError> {
        Ok(commands_for(queue, &self.commands))
    }

    async fn consume(&mut self, ns: &str, name: &str) -> Result<(), ApiError> {
        self.commands
            .retain(|c| !(objects::namespace(c) == ns && objects::name(c) == name));
        Ok(())
    }

    async fn write_state(&mut self, queue: &str, to: QueueState) -> Result<(), ApiError> {
        if let Some(q) = self.queue_mut(queue) {
            q["status"]["state"] = json!(to.as_str());
        }
        Ok(())
    }

    async fn mark_closed_by_parent(&mut self, queue: &str, value: bool) -> Result<(), ApiError> {
        if let Some(q) = self.queue_mut(queue) {
            if !q["metadata"]["annotations"].is_object() {
                q["metadata"]["annotations"] = json!({});
            }
            q["metadata"]["annotations"][CLOSED_BY_PARENT] = json!(value.to_string());
        }
        Ok(())
    }

    async fn set_parent_root(&mut self, queue: &str) -> Result<(), ApiError> {
        if let Some(q) = self.queue_mut(queue) {
            if !q["spec"].is_object() {
                q["spec"] = json!({});
            }
            q["spec"]["parent"] = json!("root");
        }
        Ok(())
    }
}
