//! Typed views of the Volcano objects the rules read.
//!
//! Two decoders fill the same views: [`QueueView::from_value`] reads a request
//! object through [`crate::decode`] (errors name the JSON path), and
//! [`QueueView::from_slice`]/[`decode_queue_list`] read lookup answers, which
//! the host masks to the fields the rules use.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value;

use crate::decode::{self, type_name, DecodeError};
use crate::quantity::Quantity;
use crate::volcano::{podgroup_scan, queue_scan};

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

/// Why a JSON value is not a quantity, before the caller names its path
/// (paths are formatted only for the rare value that fails).
enum BadQuantity {
    WrongType(&'static str),
    Invalid(String),
}

fn parse_quantity(v: &Value) -> Result<Quantity, BadQuantity> {
    let text: Cow<str> = match v {
        Value::String(s) => Cow::Borrowed(s.trim()),
        Value::Number(n) => Cow::Owned(n.to_string()),
        other => return Err(BadQuantity::WrongType(type_name(other))),
    };
    Quantity::parse(&text).map_err(|e| BadQuantity::Invalid(format!("invalid quantity {text:?}: {e}")))
}

/// A quantity written as a JSON string, read as [`parse_quantity`] reads
/// it; `None` when it does not parse (the scan then leaves the answer to the
/// `Value` decoder, which names the error).
pub(crate) fn quantity_text(text: &str) -> Option<Quantity> {
    Quantity::parse(text.trim()).ok()
}

fn quantity_at(v: &Value, path: impl FnOnce() -> String) -> Result<Quantity, DecodeError> {
    parse_quantity(v).map_err(|bad| match bad {
        BadQuantity::WrongType(found) => DecodeError::WrongType {
            path: path(),
            expected: "quantity (string or number)",
            found,
        },
        BadQuantity::Invalid(reason) => DecodeError::Invalid { path: path(), reason },
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
        out.insert(k.clone(), quantity_at(v, || format!("{base}.{path}.{k}"))?);
    }
    Ok(out)
}

/// A request object must be a JSON object.
fn expect_object(v: &Value, base: &str) -> Result<(), DecodeError> {
    if v.is_object() {
        return Ok(());
    }
    Err(DecodeError::WrongType {
        path: base.to_string(),
        expected: "object",
        found: type_name(v),
    })
}

impl QueueView {
    /// Reads a Queue from a request object. `base` names it in errors
    /// (`request.object`).
    pub fn from_value(v: &Value, base: &str) -> Result<Self, DecodeError> {
        expect_object(v, base)?;
        let annotations = decode::opt_string_map(v, base, "metadata.annotations")?;
        let ann = |key: &str| {
            annotations
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
                .unwrap_or_default()
        };
        let allocated_pods = match decode::lookup(v, base, "status.allocated.pods")? {
            Some(q) => Some(quantity_at(q, || format!("{base}.status.allocated.pods"))?),
            None => None,
        };
        Ok(QueueView {
            name: decode::string_or_empty(v, base, "metadata.name")?,
            weight: decode::opt_i64(v, base, "spec.weight")?,
            capability: resource_list(v, base, "spec.capability")?,
            deserved: resource_list(v, base, "spec.deserved")?,
            guarantee: resource_list(v, base, "spec.guarantee.resource")?,
            parent: decode::string_or_empty(v, base, "spec.parent")?,
            reclaimable: decode::opt_bool(v, base, "spec.reclaimable")?,
            closed_by_parent: ann(CLOSED_BY_PARENT) == "true",
            hierarchy: ann(HIERARCHY),
            hierarchy_weights: ann(HIERARCHY_WEIGHTS),
            state: decode::string_or_empty(v, base, "status.state")?,
            allocated_pods,
        })
    }

    /// Reads only what the status rules (S1, T1–T6) use: name, parent,
    /// state and the closed-by-parent annotation; the rest stays default.
    /// A status write carries the stored spec, which those rules never read:
    /// parsing its quantities cost a third of the status request.
    ///
    /// Errors: as [`Self::from_value`] for the fields it reads.
    pub fn status_from_value(v: &Value, base: &str) -> Result<Self, DecodeError> {
        expect_object(v, base)?;
        let closed_by_parent =
            decode::string_map_has(v, base, "metadata.annotations", CLOSED_BY_PARENT, "true")?;
        Ok(QueueView {
            name: decode::string_or_empty(v, base, "metadata.name")?,
            parent: decode::string_or_empty(v, base, "spec.parent")?,
            state: decode::string_or_empty(v, base, "status.state")?,
            closed_by_parent,
            ..QueueView::default()
        })
    }

    /// Reads a Queue from a lookup answer (raw JSON bytes): scanned in
    /// place ([`queue_scan`]), or, for an answer the scan gives up on,
    /// through a `Value` ([`Self::from_slice_value`]).
    pub fn from_slice(bytes: &[u8]) -> Result<Self, String> {
        match queue_scan::queue(bytes) {
            Some(q) => Ok(q),
            None => Self::from_slice_value(bytes),
        }
    }

    /// The reference decoder of [`Self::from_slice`]: a `Value` tree, null
    /// read as absent, wrong types named by path. Public for the
    /// `queue_answer` fuzz target, which holds the scan to it.
    /// A null anywhere counts as absent; errors name the field under
    /// `queue` (`queue.spec.capability.cpu: ...`).
    #[doc(hidden)]
    pub fn from_slice_value(bytes: &[u8]) -> Result<Self, String> {
        Self::from_value(&parse_answer(bytes)?, "queue").map_err(|e| e.to_string())
    }

    /// `status.allocated.pods` is set and non-zero.
    pub fn allocated_pods_nonzero(&self) -> Option<&Quantity> {
        self.allocated_pods.as_ref().filter(|q| !q.is_zero())
    }
}

// ---- lookup answers ---------------------------------------------------------------------------
//
// Answers come from the host, field-masked to the fields the rules read, and
// are scanned in place (`queue_scan`, `podgroup_scan`). What a scan gives up
// on is decoded into a `serde_json::Value`: a Queue then through
// `QueueView::from_value`, a PodGroup list with the helpers below (null
// means absent).

type Object = serde_json::Map<String, Value>;

fn as_object<'a>(v: &'a Value, what: &str) -> Result<&'a Object, String> {
    v.as_object()
        .ok_or_else(|| format!("{what}: expected object, got {}", type_name(v)))
}

/// The object at `key` of `parent`; `None` when `parent` is absent or the
/// field is absent or null. `path` names the field in errors.
fn field_object<'a>(parent: Option<&'a Object>, key: &str, path: &str) -> Result<Option<&'a Object>, String> {
    match parent.and_then(|p| p.get(key)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(other) => Err(format!("{path}: expected object, got {}", type_name(other))),
    }
}

/// The string at `key` of `parent`; `""` when absent or null.
fn field_str<'a>(parent: Option<&'a Object>, key: &str, path: &str) -> Result<&'a str, String> {
    match parent.and_then(|p| p.get(key)) {
        None | Some(Value::Null) => Ok(""),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("{path}: expected string, got {}", type_name(other))),
    }
}

/// The `items` of a list answer (absent or null: none).
fn answer_items(v: &Value) -> Result<&[Value], String> {
    match as_object(v, "list")?.get("items") {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(format!("items: expected array, got {}", type_name(other))),
    }
}

/// Decodes a `QueueList` answer into views (items in answer order): scanned
/// in place ([`queue_scan`]), or through a `Value`
/// ([`decode_queue_list_value`]) when the scan gives up.
pub fn decode_queue_list(bytes: &[u8]) -> Result<Vec<QueueView>, String> {
    match queue_scan::queue_list(bytes) {
        Some(list) => Ok(list),
        None => decode_queue_list_value(bytes),
    }
}

/// The reference decoder of [`decode_queue_list`]. Public for the
/// `queue_answer` fuzz target.
#[doc(hidden)]
pub fn decode_queue_list_value(bytes: &[u8]) -> Result<Vec<QueueView>, String> {
    answer_items(&parse_answer(bytes)?)?
        .iter()
        .enumerate()
        .map(|(i, q)| QueueView::from_value(q, &format!("items[{i}]")).map_err(|e| e.to_string()))
        .collect()
}

/// A lookup answer's JSON, strictly decoded.
fn parse_answer(bytes: &[u8]) -> Result<Value, String> {
    decode::from_slice(bytes).map_err(|e| e.to_string())
}

/// Fields a PodGroup list asks for (T3 reads only the queue name).
pub const PODGROUP_LIST_FIELDS: &[&str] = &["spec.queue"];

/// Counts the PodGroups of a `PodGroupList` answer whose `spec.queue` is
/// `queue`. Reads only `spec.queue`.
///
/// T3 runs this over every PodGroup in the cluster, so the answer is first
/// scanned in place ([`podgroup_scan`]); only an answer the scan gives up on
/// is decoded again through a `Value`, which reads every valid answer and
/// names the offending field of the others.
pub fn count_podgroups_in_queue(bytes: &[u8], queue: &str) -> Result<usize, String> {
    if let Some(n) = podgroup_scan::count(bytes, queue) {
        return Ok(n);
    }
    count_podgroups_in_value(bytes, queue)
}

/// The reference decoder of [`count_podgroups_in_queue`]: a `Value` tree,
/// null read as absent, wrong types named by path. Public for the
/// `podgroup_list` fuzz target, which holds the scan to it.
#[doc(hidden)]
pub fn count_podgroups_in_value(bytes: &[u8], queue: &str) -> Result<usize, String> {
    let list: Value = decode::from_slice(bytes).map_err(|e| e.to_string())?;
    let mut count = 0;
    for item in answer_items(&list)? {
        let spec = field_object(Some(as_object(item, "podgroup")?), "spec", "spec")?;
        let named = spec.is_some_and(|s| s.get("queue").is_some_and(|q| !q.is_null()));
        if named && field_str(spec, "queue", "spec.queue")? == queue {
            count += 1;
        }
    }
    Ok(count)
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
        expect_object(v, base)?;
        Ok(QueueRefView {
            name: decode::string_or_empty(v, base, "metadata.name")?,
            namespace: decode::string_or_empty(v, base, "metadata.namespace")?,
            queue: decode::string_or_empty(v, base, "spec.queue")?,
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
        // a lookup answer reads the same
        assert_eq!(raw, view);
        let masked = json!({"metadata": v["metadata"], "spec": {"parent": "root",
            "capability": {"cpu": "10", "memory": "1024"}, "deserved": {"cpu": "5"},
            "guarantee": {"resource": {"cpu": "1000m"}}}, "status": v["status"]});
        let masked = serde_json::to_vec(&masked).unwrap();
        assert_eq!(
            queue_scan::queue(&masked),
            Some(QueueView {
                weight: None,
                reclaimable: None,
                ..view
            })
        );
    }

    /// Every field a Queue view reads names its whole path when it is bad,
    /// and of several bad fields the one read first is reported.
    #[test]
    fn queue_view_errors_name_the_whole_path() {
        let q = |v: Value| {
            QueueView::from_value(&v, "request.object")
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let o = "request.object";
        let cases: Vec<(Value, String)> = vec![
            (json!({"metadata": 5}), format!("{o}.metadata: expected object, got integer")),
            (json!({"metadata": {"annotations": []}}), format!("{o}.metadata.annotations: expected object, got array")),
            (json!({"metadata": {"annotations": {"a": 1}}}), format!("{o}.metadata.annotations.a: expected string, got integer")),
            (json!({"metadata": {"name": 3}}), format!("{o}.metadata.name: expected string, got integer")),
            (json!({"status": "x"}), format!("{o}.status: expected object, got string")),
            (json!({"status": {"allocated": 1}}), format!("{o}.status.allocated: expected object, got integer")),
            (json!({"status": {"allocated": {"pods": []}}}), format!("{o}.status.allocated.pods: expected quantity (string or number), got array")),
            (json!({"status": {"state": 1}}), format!("{o}.status.state: expected string, got integer")),
            (json!({"spec": []}), format!("{o}.spec: expected object, got array")),
            (json!({"spec": {"weight": "x"}}), format!("{o}.spec.weight: expected integer, got string")),
            (json!({"spec": {"capability": "x"}}), format!("{o}.spec.capability: expected object, got string")),
            (json!({"spec": {"capability": {"cpu": true}}}), format!("{o}.spec.capability.cpu: expected quantity (string or number), got boolean")),
            (json!({"spec": {"deserved": {"memory": "1Q"}}}), format!("{o}.spec.deserved.memory: invalid quantity \"1Q\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")),
            (json!({"spec": {"guarantee": 1}}), format!("{o}.spec.guarantee: expected object, got integer")),
            (json!({"spec": {"guarantee": {"resource": {"gpu": {}}}}}), format!("{o}.spec.guarantee.resource.gpu: expected quantity (string or number), got object")),
            (json!({"spec": {"parent": 0}}), format!("{o}.spec.parent: expected string, got integer")),
            (json!({"spec": {"reclaimable": "yes"}}), format!("{o}.spec.reclaimable: expected boolean, got string")),
            // the first read wins: annotations, allocated pods, name, spec, state
            (json!({"metadata": {"name": 1}, "status": {"allocated": 1}}), format!("{o}.status.allocated: expected object, got integer")),
            (json!({"spec": 1, "status": 1}), format!("{o}.status: expected object, got integer")),
            (json!({"spec": {"weight": "x"}, "metadata": {"name": 1}}), format!("{o}.metadata.name: expected string, got integer")),
            (json!({"spec": {"parent": 1}, "status": {"state": 1}}), format!("{o}.spec.parent: expected string, got integer")),
        ];
        for (v, want) in cases {
            assert_eq!(q(v.clone()), Err(want), "{v}");
        }
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
            Err("queue.spec.capability.cpu: invalid quantity \"x\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'".into())
        );
    }

    #[test]
    fn lookup_answers_read_null_as_absent_and_name_wrong_types() {
        let answer = br#"{"metadata":{"name":"a","annotations":null},
            "spec":{"parent":null,"capability":{"cpu":null,"memory":"1Gi"},"guarantee":null},
            "status":{"state":"Open","allocated":{"pods":null}}}"#;
        assert_eq!(
            QueueView::from_slice(answer),
            Ok(QueueView {
                name: "a".into(),
                capability: ResourceList::from([("memory".to_string(), q("1Gi"))]),
                state: "Open".into(),
                ..QueueView::default()
            })
        );
        assert_eq!(
            QueueView::from_slice(br#"{"metadata":{"annotations":{"volcano.sh/closed-by-parent":true}}}"#),
            Err(
                "queue.metadata.annotations.volcano.sh/closed-by-parent: expected string, got boolean".into()
            )
        );
        // annotations are strings, all of them (a map of string to string)
        assert_eq!(
            QueueView::from_slice(br#"{"metadata":{"annotations":{"volcano.sh/hierarchy":null}}}"#),
            Err("queue.metadata.annotations.volcano.sh/hierarchy: expected string, got null".into())
        );
        assert_eq!(
            QueueView::from_slice(br#"{"metadata":{"name":"a"},"status":{"allocated":{"pods":[1]}}}"#),
            Err("queue.status.allocated.pods: expected quantity (string or number), got array".into())
        );
        // resource lists: the list, then the entry
        assert_eq!(
            QueueView::from_slice(br#"{"metadata":{"name":"a"},"spec":{"deserved":["cpu"]}}"#),
            Err("queue.spec.deserved: expected object, got array".into())
        );
        assert_eq!(
            QueueView::from_slice(
                br#"{"metadata":{"name":"a"},"spec":{"guarantee":{"resource":{"cpu":"x1"}}}}"#
            ),
            Err(format!(
                "queue.spec.guarantee.resource.cpu: invalid quantity \"x1\": {}",
                Quantity::parse("x1").unwrap_err()
            ))
        );
        assert_eq!(
            QueueView::from_slice(br#"{"metadata":{"name":"a"},"spec":{"capability":{"cpu":true}}}"#),
            Err("queue.spec.capability.cpu: expected quantity (string or number), got boolean".into())
        );
        assert_eq!(
            QueueView::from_slice(b"[]"),
            Err("queue: expected object, got array".into())
        );
        // a list names the item
        assert_eq!(
            decode_queue_list(br#"{"items":[{},{"spec":{"parent":1}}]}"#),
            Err("items[1].spec.parent: expected string, got integer".into())
        );
        assert_eq!(
            decode_queue_list(br#"{"items":{"a":1}}"#),
            Err("items: expected array, got object".into())
        );
        assert_eq!(decode_queue_list(br#"{"items":null}"#), Ok(vec![]));
        assert_eq!(
            count_podgroups_in_queue(br#"{"items":[{"spec":{"queue":7}}]}"#, "q"),
            Err("spec.queue: expected string, got integer".into())
        );
        // a PodGroup without spec.queue is in no queue, not in the queue named ""
        assert_eq!(
            count_podgroups_in_queue(br#"{"items":[{"spec":{}},{}]}"#, ""),
            Ok(0)
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
    fn the_podgroup_scan_agrees_with_the_value_decoder() {
        // (answer, queue): every shape the Value decoder reads, and shapes it refuses
        let table: &[(&str, &str)] = &[
            (
                r#"{"items":[{"spec":{"queue":"q"}},{"spec":{"queue":"r"}},{"spec":{"queue":"q"}}]}"#,
                "q",
            ),
            (r#"{"items":null}"#, "q"),
            (r#"{"kind":"PodGroupList"}"#, "q"),
            (r#"{"items":[{"spec":null},{"spec":{"queue":null}},{}]}"#, ""),
            (r#"{"items":[{"spec":{"queue":"q\u0031"}}]}"#, "q1"),
            (r#"{"items":[{"spec":{"queue":"a"},"spec":{"queue":"q"}}]}"#, "q"),
            (r#"{"items":[{"spec":{"queue":"q","queue":"a"}}]}"#, "q"),
            (
                r#"{"items":[{"metadata":{"name":"x","labels":{"a":[1,{"b":null}]}},"spec":{"minMember":2,"queue":"q"}}]}"#,
                "q",
            ),
            (r#"{"items":[{"spec":{"queue":7}}]}"#, "q"),
            (r#"{"items":[[{"queue":"q"}]]}"#, "q"),
            (r#"{"items":[{"spec":[{"queue":"q"}]}]}"#, "q"),
            (r#"{"items":[{"spec":{"queue":["q"]}}]}"#, "q"),
            (r#"{"items":{"0":{"spec":{"queue":"q"}}}}"#, "q"),
            (r#"{"items":3}"#, "q"),
            (r#"[]"#, "q"),
            (r#"null"#, "q"),
            (r#"{"items":[]} trailing"#, "q"),
            (r#"{"items":[{"spec":{"queue":"q"}}"#, "q"),
        ];
        for (answer, queue) in table {
            let bytes = answer.as_bytes();
            let reference = count_podgroups_in_value(bytes, queue);
            assert_eq!(count_podgroups_in_queue(bytes, queue), reference, "{answer}");
            // the scan answers only what the reference reads the same way
            if let Some(n) = podgroup_scan::count(bytes, queue) {
                assert_eq!(Ok(n), reference, "{answer}");
            }
        }
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
