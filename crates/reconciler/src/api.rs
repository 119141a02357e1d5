//! The API calls the controller makes, on [`DynamicObject`]s as JSON: every
//! call is counted (reads, writes) and bounded by a timeout.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams, Preconditions,
};
use kube::Client;
use serde_json::Value;

/// The kinds the controller reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    RayService,
    RayCluster,
    Service,
    Queue,
    PodGroup,
    Command,
    /// A RayCluster's head Pod, read only with `--lookup-head-pod`.
    Pod,
}

impl Kind {
    /// The API resource (group, version, kind, plural).
    pub fn resource(self) -> ApiResource {
        let (group, version, kind, plural) = match self {
            Kind::RayService => ("ray.io", "v1", "RayService", "rayservices"),
            Kind::RayCluster => ("ray.io", "v1", "RayCluster", "rayclusters"),
            Kind::Service => ("", "v1", "Service", "services"),
            Kind::Queue => ("scheduling.volcano.sh", "v1beta1", "Queue", "queues"),
            Kind::PodGroup => ("scheduling.volcano.sh", "v1beta1", "PodGroup", "podgroups"),
            Kind::Command => ("bus.volcano.sh", "v1alpha1", "Command", "commands"),
            Kind::Pod => ("", "v1", "Pod", "pods"),
        };
        ApiResource {
            group: group.into(),
            version: version.into(),
            api_version: if group.is_empty() {
                version.into()
            } else {
                format!("{group}/{version}")
            },
            kind: kind.into(),
            plural: plural.into(),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RayService => "RayService",
            Kind::RayCluster => "RayCluster",
            Kind::Service => "Service",
            Kind::Queue => "Queue",
            Kind::PodGroup => "PodGroup",
            Kind::Command => "Command",
            Kind::Pod => "Pod",
        }
    }

    /// The kind named `s` (a plan step's `object.kind`).
    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "RayService" => Kind::RayService,
            "RayCluster" => Kind::RayCluster,
            "Service" => Kind::Service,
            "Queue" => Kind::Queue,
            "PodGroup" => Kind::PodGroup,
            "Command" => Kind::Command,
            "Pod" => Kind::Pod,
            _ => return None,
        })
    }
}

/// A failed API call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 409: the resourceVersion precondition failed (or the object exists).
    #[error("conflict (409): {0}")]
    Conflict(String),
    #[error("not found (404): {0}")]
    NotFound(String),
    #[error("{verb} {kind} {name}: HTTP {code}: {message}")]
    Status {
        verb: &'static str,
        kind: &'static str,
        name: String,
        code: u16,
        message: String,
    },
    /// No answer within the timeout: the write may or may not have happened.
    #[error("{verb} {kind} {name}: no answer within {ms} ms")]
    Timeout {
        verb: &'static str,
        kind: &'static str,
        name: String,
        ms: u128,
    },
    #[error("{verb} {kind} {name}: {message}")]
    Other {
        verb: &'static str,
        kind: &'static str,
        name: String,
        message: String,
    },
}

/// Calls made, by class.
#[derive(Debug, Default)]
pub struct Stats {
    reads: AtomicU64,
    writes: AtomicU64,
}

impl Stats {
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }
}

/// The Kubernetes API as the controller uses it.
#[derive(Clone)]
pub struct Kube {
    client: Client,
    /// Counts of reads (get, list) and writes (put, patch, delete).
    pub stats: Arc<Stats>,
    timeout: Duration,
    field_manager: String,
}

/// The field manager of the controller's server-side applies.
pub const FIELD_MANAGER: &str = "transition-reconciler";

impl Kube {
    pub fn new(client: Client, timeout: Duration) -> Self {
        Kube {
            client,
            stats: Arc::default(),
            timeout,
            field_manager: FIELD_MANAGER.into(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    fn api(&self, kind: Kind, ns: &str) -> Api<DynamicObject> {
        let ar = kind.resource();
        if ns.is_empty() {
            Api::all_with(self.client.clone(), &ar)
        } else {
            Api::namespaced_with(self.client.clone(), ns, &ar)
        }
    }

    async fn call<T>(
        &self,
        verb: &'static str,
        kind: Kind,
        name: &str,
        fut: impl std::future::Future<Output = Result<T, kube::Error>>,
    ) -> Result<T, ApiError> {
        match tokio::time::timeout(self.timeout, fut).await {
            Err(_) => Err(ApiError::Timeout {
                verb,
                kind: kind.as_str(),
                name: name.to_string(),
                ms: self.timeout.as_millis(),
            }),
            Ok(Ok(v)) => Ok(v),
            Ok(Err(kube::Error::Api(s))) => Err(match s.code {
                409 => ApiError::Conflict(s.message.clone()),
                404 => ApiError::NotFound(s.message.clone()),
                code => ApiError::Status {
                    verb,
                    kind: kind.as_str(),
                    name: name.to_string(),
                    code,
                    message: s.message.clone(),
                },
            }),
            Ok(Err(e)) => Err(ApiError::Other {
                verb,
                kind: kind.as_str(),
                name: name.to_string(),
                message: e.to_string(),
            }),
        }
    }

    fn read(&self) {
        self.stats.reads.fetch_add(1, Ordering::Relaxed);
    }
    fn write(&self) {
        self.stats.writes.fetch_add(1, Ordering::Relaxed);
    }

    /// GET one object; `None` when it does not exist.
    pub async fn get(&self, kind: Kind, ns: &str, name: &str) -> Result<Option<Value>, ApiError> {
        self.read();
        let api = self.api(kind, ns);
        let got = self.call("get", kind, name, api.get_opt(name)).await?;
        Ok(got.map(to_value))
    }

    /// LIST objects in `ns` (all namespaces when empty), optionally by label selector.
    pub async fn list(&self, kind: Kind, ns: &str, labels: Option<&str>) -> Result<Vec<Value>, ApiError> {
        self.read();
        let api = self.api(kind, ns);
        let mut lp = ListParams::default();
        if let Some(l) = labels {
            lp = lp.labels(l);
        }
        let list = self.call("list", kind, "", api.list(&lp)).await?;
        Ok(list
            .items
            .into_iter()
            .map(|mut o| {
                // items of a list carry no apiVersion/kind on the wire
                let ar = kind.resource();
                o.types = Some(kube::core::TypeMeta {
                    api_version: ar.api_version,
                    kind: ar.kind,
                });
                to_value(o)
            })
            .collect())
    }

    /// PUT the whole object (its `metadata.resourceVersion` is the precondition).
    pub async fn replace(&self, kind: Kind, ns: &str, name: &str, obj: &Value) -> Result<Value, ApiError> {
        self.write();
        let api = self.api(kind, ns);
        let dynobj = from_value(kind, name, obj)?;
        let out = self
            .call(
                "replace",
                kind,
                name,
                api.replace(name, &PostParams::default(), &dynobj),
            )
            .await?;
        Ok(to_value(out))
    }

    /// PUT the status subresource (resourceVersion precondition in `obj`).
    pub async fn replace_status(
        &self,
        kind: Kind,
        ns: &str,
        name: &str,
        obj: &Value,
    ) -> Result<Value, ApiError> {
        self.write();
        let api = self.api(kind, ns);
        let body = from_value(kind, name, obj)?;
        let out = self
            .call(
                "replace_status",
                kind,
                name,
                api.replace_status(name, &PostParams::default(), &body),
            )
            .await?;
        Ok(to_value(out))
    }

    /// JSON merge patch of the main resource (a `metadata.resourceVersion`
    /// in the patch is a precondition).
    pub async fn merge_patch(
        &self,
        kind: Kind,
        ns: &str,
        name: &str,
        patch: &Value,
    ) -> Result<Value, ApiError> {
        self.write();
        let api = self.api(kind, ns);
        let out = self
            .call(
                "patch",
                kind,
                name,
                api.patch(name, &PatchParams::default(), &Patch::Merge(patch)),
            )
            .await?;
        Ok(to_value(out))
    }

    /// Server-side apply of `patch` on the status subresource, with this
    /// controller's field manager (forced, as Volcano's queue controller does).
    pub async fn apply_status(
        &self,
        kind: Kind,
        ns: &str,
        name: &str,
        patch: &Value,
    ) -> Result<Value, ApiError> {
        self.write();
        let api = self.api(kind, ns);
        let pp = PatchParams::apply(&self.field_manager).force();
        let out = self
            .call(
                "apply_status",
                kind,
                name,
                api.patch_status(name, &pp, &Patch::Apply(patch)),
            )
            .await?;
        Ok(to_value(out))
    }

    /// DELETE, with a resourceVersion precondition when given.
    pub async fn delete(&self, kind: Kind, ns: &str, name: &str, rv: Option<&str>) -> Result<(), ApiError> {
        self.write();
        let api = self.api(kind, ns);
        let mut dp = DeleteParams::background();
        if let Some(rv) = rv {
            dp.preconditions = Some(Preconditions {
                resource_version: Some(rv.to_string()),
                uid: None,
            });
        }
        self.call("delete", kind, name, api.delete(name, &dp)).await?;
        Ok(())
    }
}

fn to_value(o: DynamicObject) -> Value {
    serde_json::to_value(o).unwrap_or(Value::Null)
}

fn from_value(kind: Kind, name: &str, v: &Value) -> Result<DynamicObject, ApiError> {
    serde_json::from_value(v.clone()).map_err(|e| ApiError::Other {
        verb: "encode",
        kind: kind.as_str(),
        name: name.to_string(),
        message: e.to_string(),
    })
}

/// `metadata.resourceVersion` of an object.
pub fn resource_version(v: &Value) -> Option<&str> {
    v.pointer("/metadata/resourceVersion").and_then(Value::as_str)
}
