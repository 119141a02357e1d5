//! Typed views of the Volcano objects the rules read.
//!
//! Two decoders fill the same views: [`QueueView::from_value`] reads a request
//! object through [`crate::decode`] (errors name the JSON path), and
//! [`QueueView::from_slice`]/[`decode_queue_list`] read lookup answers with
//! serde structs that skip every field no rule uses.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::decode::{self, type_name, DecodeError};
use crate::quantity::Quantity;

/// Annotation keys (catalog §0).
pub const HIERARCHY: &str = "volcano.sh/hierarchy";
pub const HIERARCHY_WEIGHTS: &str = "volcano.sh/hierarchy-weights";
pub const CLOSED_BY_PARENT: &str = "volcano.sh/closed-by-parent";

/// A `ResourceList`: resource name → quantity, in name order.
pub type ResourceList = BTreeMap<String, Quantity>;

/// Semantic equality of two resource lists (`equality.Semantic.DeepEqual`):
/// same names, quantities equal by value; empty and absent are equal.
pub fn same_resources(a: &ResourceList, b: &ResourceList) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b.iter())
            .all(|((ka, va), (kb, vb))| ka == kb && va == vb)
}

/// The fields of a Queue the rules read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueueView {
    pub name: String,
    pub weight: Option<i64>,
    pub capability: ResourceList,
    pub deserved: ResourceList,
    /// `spec.guarantee.resource`.
    pub guarantee: ResourceList,
    /// `spec.parent` (`""` when absent).
    pub parent: String,
    pub reclaimable: Option<bool>,
    /// Annotation `volcano.sh/hierarchy` (`""` when absent).
    pub hierarchy: String,
    /// Annotation `volcano.sh/hierarchy-weights`.
    pub hierarchy_weights: String,
    /// Annotation `volcano.sh/closed-by-parent == "true"`.
    pub closed_by_parent: bool,
    /// `status.state` as written (`""` when absent).
    pub state: String,
    /// `status.allocated.pods`.
    pub allocated_pods: Option<Quantity>,
}

/// Fields every Queue lookup asks for (the host's `field_masks`).
pub const QUEUE_FIELDS: &[&str] = &[
    "metadata.name",
    "metadata.annotations",
    "spec.parent",
    "spec.capability",
    "spec.deserved",
    "spec.guarantee.resource",
    "status.state",
    "status.allocated.pods",
];

fn quantity_at(v: &Value, path: &str) -> Result<Quantity, DecodeError> {
    let text: Cow<str> = match v {
        Value::String(s) => Cow::Borrowed(s.trim()),
        Value::Number(n) => Cow::Owned(n.to_string()),
        other => {
            return Err(DecodeError::WrongType {
                path: path.to_string(),
                expected: "quantity (string or number)",
                found: type_name(other),
            })
        }
    };
    Quantity::parse(&text).map_err(|e| DecodeError::Invalid {
        path: path.to_string(),
        reason: format!("invalid quantity {text:?}: {e}"),
    })
}

fn resource_list(root: &Value, base: &str, path: &str) -> Result<ResourceList, DecodeError> {
    let Some(obj) = decode::opt_object(root, base, path)? else {
        return Ok(ResourceList::new());
    };
    let mut out = ResourceList::new();
    for (k, v) in obj {
        if v.is_null() {
            continue;
        }
        out.insert(k.clone(), quantity_at(v, &format!("{base}.{path}.{k}"))?);
    }
    Ok(out)
}

impl QueueView {
    /// Reads a Queue from a request object. `base` names it in errors
    /// (`request.object`).
    pub fn from_value(v: &Value, base: &str) -> Result<Self, DecodeError> {
        if !v.is_object() {
            return Err(DecodeError::WrongType {
                path: base.to_string(),
                expected: "object",
                found: type_name(v),
            });
        }
        let annotations = decode::opt_string_map(v, base, "metadata.annotations")?;
        let ann = |key: &str| {
            annotations
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
                .unwrap_or_default()
        };
        let allocated_pods = match decode::lookup(v, base, "status.allocated.pods")? {
            Some(q) => Some(quantity_at(q, &format!("{base}.status.allocated.pods"))?),
            None => None,
        };
        Ok(QueueView {
            name: decode::opt_str(v, base, "metadata.name")?
                .unwrap_or_default()
                .to_string(),
            weight: decode::opt_i64(v, base, "spec.weight")?,
            capability: resource_list(v, base, "spec.capability")?,
            deserved: resource_list(v, base, "spec.deserved")?,
            guarantee: resource_list(v, base, "spec.guarantee.resource")?,
            parent: decode::opt_str(v, base, "spec.parent")?
                .unwrap_or_default()
                .to_string(),
            reclaimable: decode::opt_bool(v, base, "spec.reclaimable")?,
            closed_by_parent: ann(CLOSED_BY_PARENT) == "true",
            hierarchy: ann(HIERARCHY),
            hierarchy_weights: ann(HIERARCHY_WEIGHTS),
            state: decode::opt_str(v, base, "status.state")?
                .unwrap_or_default()
                .to_string(),
            allocated_pods,
        })
    }

    /// Reads a Queue from a lookup answer (raw JSON bytes).
    pub fn from_slice(bytes: &[u8]) -> Result<Self, String> {
        let raw: RawQueue = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        raw.into_view()
    }

    /// `status.allocated.pods` is set and non-zero.
    pub fn allocated_pods_nonzero(&self) -> Option<&Quantity> {
        self.allocated_pods.as_ref().filter(|q| !q.is_zero())
    }
}

// ---- serde views of lookup answers -------------------------------------------------------------

#[derive(Deserialize)]
#[serde(untagged)]
enum RawQty<'a> {
    #[serde(borrow)]
    Str(Cow<'a, str>),
    Num(serde_json::Number),
}

impl RawQty<'_> {
    fn parse(&self, path: &str) -> Result<Quantity, String> {
        let text: Cow<str> = match self {
            RawQty::Str(s) => Cow::Borrowed(s.trim()),
            RawQty::Num(n) => Cow::Owned(n.to_string()),
        };
        Quantity::parse(&text).map_err(|e| format!("{path}: invalid quantity {text:?}: {e}"))
    }
}

type RawList<'a> = Option<BTreeMap<Cow<'a, str>, Option<RawQty<'a>>>>;

#[derive(Deserialize, Default)]
struct RawMeta<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    annotations: Option<BTreeMap<Cow<'a, str>, Option<Cow<'a, str>>>>,
}

#[derive(Deserialize, Default)]
struct RawGuarantee<'a> {
    #[serde(borrow, default)]
    resource: RawList<'a>,
}

#[derive(Deserialize, Default)]
struct RawQueueSpec<'a> {
    #[serde(borrow, default)]
    parent: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    capability: RawList<'a>,
    #[serde(borrow, default)]
    deserved: RawList<'a>,
    #[serde(borrow, default)]
    guarantee: Option<RawGuarantee<'a>>,
}

#[derive(Deserialize, Default)]
struct RawAllocated<'a> {
    #[serde(borrow, default)]
    pods: Option<RawQty<'a>>,
}

#[derive(Deserialize, Default)]
struct RawQueueStatus<'a> {
    #[serde(borrow, default)]
    state: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    allocated: Option<RawAllocated<'a>>,
}

#[derive(Deserialize)]
struct RawQueue<'a> {
    #[serde(borrow, default)]
    metadata: Option<RawMeta<'a>>,
    #[serde(borrow, default)]
    spec: Option<RawQueueSpec<'a>>,
    #[serde(borrow, default)]
    status: Option<RawQueueStatus<'a>>,
}

fn raw_list(list: &RawList, path: &str) -> Result<ResourceList, String> {
    let mut out = ResourceList::new();
    for (k, v) in list.iter().flatten() {
        if let Some(v) = v {
            out.insert(k.to_string(), v.parse(&format!("{path}.{k}"))?);
        }
    }
    Ok(out)
}

impl RawQueue<'_> {
    fn into_view(self) -> Result<QueueView, String> {
        let meta = self.metadata.unwrap_or_default();
        let spec = self.spec.unwrap_or_default();
        let status = self.status.unwrap_or_default();
        let name = meta.name.as_deref().unwrap_or("").to_string();
        let ann = |key: &str| -> String {
            meta.annotations
                .as_ref()
                .and_then(|a| a.get(key))
                .and_then(|v| v.as_deref())
                .unwrap_or("")
                .to_string()
        };
        let at = |p: &str| format!("queue {name}: {p}");
        let guarantee = spec.guarantee.unwrap_or_default();
        Ok(QueueView {
            weight: None,
            capability: raw_list(&spec.capability, &at("spec.capability"))?,
            deserved: raw_list(&spec.deserved, &at("spec.deserved"))?,
            guarantee: raw_list(&guarantee.resource, &at("spec.guarantee.resource"))?,
            parent: spec.parent.as_deref().unwrap_or("").to_string(),
            reclaimable: None,
            hierarchy: ann(HIERARCHY),
            hierarchy_weights: ann(HIERARCHY_WEIGHTS),
            closed_by_parent: ann(CLOSED_BY_PARENT) == "true",
            state: status.state.as_deref().unwrap_or("").to_string(),
            allocated_pods: match status.allocated.and_then(|a| a.pods) {
                Some(p) => Some(p.parse(&at("status.allocated.pods"))?),
                None => None,
            },
            name,
        })
    }
}

#[derive(Deserialize)]
struct RawQueueList<'a> {
    #[serde(borrow, default)]
    items: Option<Vec<RawQueue<'a>>>,
}

/// Decodes a `QueueList` answer into views (items in answer order).
pub fn decode_queue_list(bytes: &[u8]) -> Result<Vec<QueueView>, String> {
    let list: RawQueueList = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    list.items
        .unwrap_or_default()
        .into_iter()
        .map(RawQueue::into_view)
        .collect()
}

#[derive(Deserialize)]
struct RawPgSpec<'a> {
    #[serde(borrow, default)]
    queue: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawPg<'a> {
    #[serde(borrow, default)]
    spec: Option<RawPgSpec<'a>>,
}

#[derive(Deserialize)]
struct RawPgList<'a> {
    #[serde(borrow, default)]
    items: Option<Vec<RawPg<'a>>>,
}

/// Fields a PodGroup list asks for (T3 reads only the queue name).
pub const PODGROUP_LIST_FIELDS: &[&str] = &["spec.queue"];

/// Counts the PodGroups of a `PodGroupList` answer whose `spec.queue` is
/// `queue`. Reads only `spec.queue`; no `serde_json::Value` is built.
pub fn count_podgroups_in_queue(bytes: &[u8], queue: &str) -> Result<usize, String> {
    let list: RawPgList = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    Ok(list
        .items
        .unwrap_or_default()
        .iter()
        .filter(|pg| pg.spec.as_ref().and_then(|s| s.queue.as_deref()) == Some(queue))
        .count())
}

/// The fields of a PodGroup (P1) or vcjob (J1) the rules read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueRefView {
    pub name: String,
    pub namespace: String,
    /// `spec.queue` (`""` when absent).
    pub queue: String,
}

impl QueueRefView {
    /// Reads a PodGroup or vcjob request object.
    pub fn from_value(v: &Value, base: &str) -> Result<Self, DecodeError> {
        if !v.is_object() {
            return Err(DecodeError::WrongType {
                path: base.to_string(),
                expected: "object",
                found: type_name(v),
            });
        }
        let s = |p: &str| -> Result<String, DecodeError> {
            Ok(decode::opt_str(v, base, p)?.unwrap_or_default().to_string())
        };
        Ok(QueueRefView {
            name: s("metadata.name")?,
            namespace: s("metadata.namespace")?,
            queue: s("spec.queue")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap()
    }

    #[test]
    fn queue_view_reads_every_field() {
        let v = json!({
            "metadata": {"name": "eng", "annotations": {
                "volcano.sh/hierarchy": "root/eng", "volcano.sh/hierarchy-weights": "1/2",
                "volcano.sh/closed-by-parent": "true"}},
            "spec": {"weight": 3, "parent": "root", "reclaimable": false,
                     "capability": {"cpu": "10", "memory": 1024},
                     "deserved": {"cpu": "5"}, "guarantee": {"resource": {"cpu": "1000m"}}},
            "status": {"state": "Open", "allocated": {"pods": "2"}}
        });
        let view = QueueView::from_value(&v, "request.object").unwrap();
        let bytes = serde_json::to_vec(&v).unwrap();
        let raw = QueueView::from_slice(&bytes).unwrap();
        assert_eq!(view.name, "eng");
        assert_eq!(view.weight, Some(3));
        assert_eq!(view.reclaimable, Some(false));
        assert_eq!(view.capability.get("memory"), Some(&q("1Ki")));
        assert_eq!(view.guarantee.get("cpu"), Some(&q("1")));
        assert_eq!(view.allocated_pods, Some(q("2")));
        assert!(view.closed_by_parent);
        assert_eq!(view.hierarchy_weights, "1/2");
        // the lookup decoder reads the same (minus weight/reclaimable, which lookups never need)
        assert_eq!(
            raw,
            QueueView {
                weight: None,
                reclaimable: None,
                ..view
            }
        );
    }

    #[test]
    fn decode_errors_name_the_path() {
        let v = json!({"metadata": {"name": "q"}, "spec": {"weight": "heavy"}});
        assert_eq!(
            QueueView::from_value(&v, "request.object"),
            Err(DecodeError::WrongType {
                path: "request.object.spec.weight".into(),
                expected: "integer",
                found: "string"
            })
        );
        let v = json!({"spec": {"capability": {"cpu": "lots"}}});
        assert_eq!(
            QueueView::from_value(&v, "request.object"),
            Err(DecodeError::Invalid {
                path: "request.object.spec.capability.cpu".into(),
                reason: "invalid quantity \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'".into()
            })
        );
        let v = json!({"spec": {"deserved": {"cpu": true}}});
        assert_eq!(
            QueueView::from_value(&v, "o"),
            Err(DecodeError::WrongType {
                path: "o.spec.deserved.cpu".into(),
                expected: "quantity (string or number)",
                found: "boolean"
            })
        );
        assert_eq!(
            QueueView::from_value(&json!("x"), "request.object"),
            Err(DecodeError::WrongType {
                path: "request.object".into(),
                expected: "object",
                found: "string"
            })
        );
        assert_eq!(
            QueueView::from_slice(br#"{"metadata":{"name":"a"},"spec":{"capability":{"cpu":"x"}}}"#),
            Err("queue a: spec.capability.cpu: invalid quantity \"x\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'".into())
        );
    }

    #[test]
    fn podgroup_count_reads_only_spec_queue() {
        let list = json!({"items": [
            {"metadata": {"name": "a", "namespace": "x"}, "spec": {"queue": "q1", "minMember": 3}, "status": {"phase": "Running"}},
            {"metadata": {"name": "b"}, "spec": {"queue": "q2"}},
            {"metadata": {"name": "c"}, "spec": {"queue": "q1"}},
            {"metadata": {"name": "d"}}
        ]});
        let bytes = serde_json::to_vec(&list).unwrap();
        assert_eq!(count_podgroups_in_queue(&bytes, "q1"), Ok(2));
        assert_eq!(count_podgroups_in_queue(&bytes, "q3"), Ok(0));
        assert!(count_podgroups_in_queue(b"{\"items\": 3}", "q1").is_err());
    }

    #[test]
    fn ten_thousand_podgroups_count_quickly() {
        let mut s = String::from("{\"apiVersion\":\"v1\",\"items\":[");
        for i in 0..10_000 {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&format!(
                "{{\"metadata\":{{\"name\":\"pg-{i}\",\"namespace\":\"team-{}\",\"labels\":{{\"app\":\"x\"}}}},\"spec\":{{\"queue\":\"q{}\",\"minMember\":1}},\"status\":{{\"phase\":\"Running\"}}}}",
                i % 7,
                i % 3
            ));
        }
        s.push_str("]}");
        assert_eq!(count_podgroups_in_queue(s.as_bytes(), "q0"), Ok(3334));
    }
}
