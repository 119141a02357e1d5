//! What the rules may ask of the cluster, and an in-memory cluster for tests.
//!
//! Rules never do I/O. A rule that needs other objects calls a [`Cluster`],
//! naming the kind, the object and the fields it reads (the policy passes
//! those on as the host's `field_masks`). Answers are the raw JSON bytes the
//! host returned, so each rule decodes only the fields it uses.

use serde_json::Value;

/// A Kubernetes kind the rules may look up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceKind {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
}

/// Volcano Queue (cluster-scoped).
pub const QUEUE: ResourceKind = ResourceKind {
    api_version: "scheduling.volcano.sh/v1beta1",
    kind: "Queue",
    namespaced: false,
};
/// Volcano PodGroup.
pub const PODGROUP: ResourceKind = ResourceKind {
    api_version: "scheduling.volcano.sh/v1beta1",
    kind: "PodGroup",
    namespaced: true,
};
/// KubeRay RayService.
pub const RAYSERVICE: ResourceKind = ResourceKind {
    api_version: "ray.io/v1",
    kind: "RayService",
    namespaced: true,
};
/// KubeRay RayCluster.
pub const RAYCLUSTER: ResourceKind = ResourceKind {
    api_version: "ray.io/v1",
    kind: "RayCluster",
    namespaced: true,
};
/// Core Service.
pub const SERVICE: ResourceKind = ResourceKind {
    api_version: "v1",
    kind: "Service",
    namespaced: true,
};

/// Core Pod: a RayCluster's head Pod, looked up only with the setting
/// `lookupHeadPod` (RS8, SV2).
pub const POD: ResourceKind = ResourceKind {
    api_version: "v1",
    kind: "Pod",
    namespaced: true,
};

/// Every kind some rule looks up. The policy metadata's
/// `contextAwareResources` must list exactly these (a test compares them).
pub const LOOKUP_KINDS: &[ResourceKind] = &[QUEUE, PODGROUP, RAYSERVICE, RAYCLUSTER, SERVICE, POD];

/// A lookup that did not produce an answer the rule can use. Rules fail
/// closed on it: the request is rejected with this text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("lookup {lookup} failed: {reason}")]
pub struct LookupError {
    /// What was asked, e.g. `get scheduling.volcano.sh/v1beta1 Queue root`.
    pub lookup: String,
    pub reason: String,
}

impl LookupError {
    /// A lookup error for a get of `kind` `namespace/name`.
    pub fn get(kind: &ResourceKind, namespace: Option<&str>, name: &str, reason: impl Into<String>) -> Self {
        let target = match namespace {
            Some(ns) => format!("{ns}/{name}"),
            None => name.to_string(),
        };
        LookupError {
            lookup: format!("get {} {} {}", kind.api_version, kind.kind, target),
            reason: reason.into(),
        }
    }

    /// A lookup error for a list of `kind` (in `namespace`, or cluster-wide).
    pub fn list(kind: &ResourceKind, namespace: Option<&str>, reason: impl Into<String>) -> Self {
        let scope = match namespace {
            Some(ns) => format!(" in namespace {ns}"),
            None => String::new(),
        };
        LookupError {
            lookup: format!("list {} {}{}", kind.api_version, kind.kind, scope),
            reason: reason.into(),
        }
    }
}

/// Read access to the cluster, as the rules need it.
///
/// Guarantees expected of an implementation: `get` answers `Ok(None)` when the
/// object does not exist (the host's not-found error), never an error;
/// `list` answers the JSON of a `<Kind>List` (`{"items": [...]}`). `fields`
/// are dotted paths the caller reads; an implementation may return more.
pub trait Cluster {
    /// The JSON of one object, or `None` when it does not exist.
    fn get(
        &mut self,
        kind: &ResourceKind,
        namespace: Option<&str>,
        name: &str,
        fields: &[&str],
    ) -> Result<Option<Vec<u8>>, LookupError>;

    /// The JSON of a list of every object of `kind` in `namespace`, or in all
    /// namespaces when `namespace` is `None`.
    fn list(
        &mut self,
        kind: &ResourceKind,
        namespace: Option<&str>,
        fields: &[&str],
    ) -> Result<Vec<u8>, LookupError>;

    /// Whether all the memory this request has allocated so far is reclaimed
    /// at once when it ends, as the policy's per-request arena does. Asked
    /// when a decoded answer is done with: if true, it is left undropped
    /// (dropping a decoded tree walks every node to free nothing). Default
    /// `false`: everything is dropped.
    fn reclaims_in_bulk(&self) -> bool {
        false
    }
}

/// Drops `value`, or forgets it when the request's memory is reclaimed in
/// bulk ([`Cluster::reclaims_in_bulk`], asked now, after `value` was built).
pub(crate) fn release<T>(cluster: &dyn Cluster, value: T) {
    if cluster.reclaims_in_bulk() {
        std::mem::forget(value);
    }
}

/// One call made to a [`Cluster`], as recorded by [`ObjectStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    Get {
        kind: &'static str,
        namespace: Option<String>,
        name: String,
    },
    List {
        kind: &'static str,
        namespace: Option<String>,
    },
}

/// An in-memory cluster: a set of Kubernetes objects, nothing else exists.
/// Records every call, so tests can assert which lookups a rule made.
#[derive(Debug, Clone, Default)]
pub struct ObjectStore {
    objects: Vec<Value>,
    /// Every call made so far, in order.
    pub calls: Vec<Call>,
}

impl ObjectStore {
    pub fn new(objects: Vec<Value>) -> Self {
        ObjectStore {
            objects,
            calls: Vec::new(),
        }
    }

    fn matches(obj: &Value, kind: &ResourceKind, namespace: Option<&str>) -> bool {
        obj.get("apiVersion").and_then(Value::as_str) == Some(kind.api_version)
            && obj.get("kind").and_then(Value::as_str) == Some(kind.kind)
            && match namespace {
                None => true,
                Some(ns) => obj.pointer("/metadata/namespace").and_then(Value::as_str) == Some(ns),
            }
    }
}

impl Cluster for ObjectStore {
    fn get(
        &mut self,
        kind: &ResourceKind,
        namespace: Option<&str>,
        name: &str,
        _fields: &[&str],
    ) -> Result<Option<Vec<u8>>, LookupError> {
        self.calls.push(Call::Get {
            kind: kind.kind,
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
        });
        let found = self.objects.iter().find(|o| {
            Self::matches(o, kind, if kind.namespaced { namespace } else { None })
                && o.pointer("/metadata/name").and_then(Value::as_str) == Some(name)
        });
        Ok(found.map(|o| serde_json::to_vec(o).unwrap_or_default()))
    }

    fn list(
        &mut self,
        kind: &ResourceKind,
        namespace: Option<&str>,
        _fields: &[&str],
    ) -> Result<Vec<u8>, LookupError> {
        self.calls.push(Call::List {
            kind: kind.kind,
            namespace: namespace.map(str::to_string),
        });
        let items: Vec<&Value> = self
            .objects
            .iter()
            .filter(|o| Self::matches(o, kind, namespace))
            .collect();
        let list = serde_json::json!({
            "apiVersion": kind.api_version,
            "kind": format!("{}List", kind.kind),
            "metadata": {},
            "items": items,
        });
        Ok(serde_json::to_vec(&list).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn store_finds_by_kind_namespace_and_name() {
        let mut s = ObjectStore::new(vec![
            json!({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "Queue", "metadata": {"name": "a"}}),
            json!({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup", "metadata": {"name": "a", "namespace": "ns1"}}),
        ]);
        assert!(s.get(&QUEUE, None, "a", &[]).unwrap().is_some());
        assert!(s.get(&QUEUE, None, "b", &[]).unwrap().is_none());
        assert!(s.get(&PODGROUP, Some("ns2"), "a", &[]).unwrap().is_none());
        let list: Value = serde_json::from_slice(&s.list(&PODGROUP, None, &[]).unwrap()).unwrap();
        assert_eq!(list["kind"], "PodGroupList");
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        assert_eq!(s.calls.len(), 4);
    }

    #[test]
    fn lookup_error_text() {
        assert_eq!(
            LookupError::get(&QUEUE, None, "root", "boom").to_string(),
            "lookup get scheduling.volcano.sh/v1beta1 Queue root failed: boom"
        );
        assert_eq!(
            LookupError::list(&SERVICE, Some("ns"), "boom").to_string(),
            "lookup list v1 Service in namespace ns failed: boom"
        );
    }
}
