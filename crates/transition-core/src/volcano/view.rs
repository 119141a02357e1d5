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
        let v: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        Self::from_answer(&v)
    }

    /// Reads a Queue from one decoded lookup answer: only the fields of
    /// [`QUEUE_FIELDS`]; a null anywhere counts as absent.
    fn from_answer(v: &Value) -> Result<Self, String> {
        let obj = Some(as_object(v, "queue")?);
        let meta = field_object(obj, "metadata", "metadata")?;
        let spec = field_object(obj, "spec", "spec")?;
        let status = field_object(obj, "status", "status")?;
        let name = field_str(meta, "name", "metadata.name")?.to_string();
        let at = |p: &str| format!("queue {name}: {p}");
        let annotations = field_object(meta, "annotations", "metadata.annotations")?;
        let ann = |key: &str| -> Result<String, String> {
            Ok(field_str(annotations, key, &format!("metadata.annotations.{key}"))?.to_string())
        };
        let guarantee = field_object(spec, "guarantee", "spec.guarantee")?;
        let allocated = field_object(status, "allocated", "status.allocated")?;
        let allocated_pods = match allocated.and_then(|a| a.get("pods")).filter(|p| !p.is_null()) {
            Some(p) => Some(answer_quantity(p, &at("status.allocated.pods"))?),
            None => None,
        };
        Ok(QueueView {
            weight: None,
            capability: answer_list(spec, "capability", &at("spec.capability"))?,
            deserved: answer_list(spec, "deserved", &at("spec.deserved"))?,
            guarantee: answer_list(guarantee, "resource", &at("spec.guarantee.resource"))?,
            parent: field_str(spec, "parent", "spec.parent")?.to_string(),
            reclaimable: None,
            hierarchy: ann(HIERARCHY)?,
            hierarchy_weights: ann(HIERARCHY_WEIGHTS)?,
            closed_by_parent: ann(CLOSED_BY_PARENT)? == "true",
            state: field_str(status, "state", "status.state")?.to_string(),
            allocated_pods,
            name,
        })
    }

    /// `status.allocated.pods` is set and non-zero.
    pub fn allocated_pods_nonzero(&self) -> Option<&Quantity> {
        self.allocated_pods.as_ref().filter(|q| !q.is_zero())
    }
}

// ---- lookup answers ---------------------------------------------------------------------------
//
// Answers come from the host, field-masked to the fields the rules read. They
// are decoded into a `serde_json::Value` (one JSON parser for the whole policy,
// which keeps the module small) and read with a null-means-absent convention.

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

fn answer_quantity(v: &Value, path: &str) -> Result<Quantity, String> {
    let text: Cow<str> = match v {
        Value::String(s) => Cow::Borrowed(s.trim()),
        Value::Number(n) => Cow::Owned(n.to_string()),
        other => {
            return Err(format!(
                "{path}: expected quantity (string or number), got {}",
                type_name(other)
            ))
        }
    };
    Quantity::parse(&text).map_err(|e| format!("{path}: invalid quantity {text:?}: {e}"))
}

/// A resource list field of `parent`; null entries are skipped.
fn answer_list(parent: Option<&Object>, key: &str, path: &str) -> Result<ResourceList, String> {
    let mut out = ResourceList::new();
    let Some(list) = field_object(parent, key, path)? else {
        return Ok(out);
    };
    for (k, v) in list {
        if !v.is_null() {
            out.insert(k.clone(), answer_quantity(v, &format!("{path}.{k}"))?);
        }
    }
    Ok(out)
}

/// The `items` of a list answer (absent or null: none).
fn answer_items(v: &Value) -> Result<&[Value], String> {
    match as_object(v, "list")?.get("items") {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(format!("items: expected array, got {}", type_name(other))),
    }
}

/// Decodes a `QueueList` answer into views (items in answer order).
pub fn decode_queue_list(bytes: &[u8]) -> Result<Vec<QueueView>, String> {
    let list: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    answer_items(&list)?.iter().map(QueueView::from_answer).collect()
}

/// Fields a PodGroup list asks for (T3 reads only the queue name).
pub const PODGROUP_LIST_FIELDS: &[&str] = &["spec.queue"];

/// Counts the PodGroups of a `PodGroupList` answer whose `spec.queue` is
/// `queue`. Reads only `spec.queue`.
///
/// T3 runs this over every PodGroup in the cluster, so the answer is first
/// streamed without building a tree ([`podgroup_stream`]); only an answer that
/// stream refuses is decoded again through a `Value`, which names the
/// offending field in its error.
pub fn count_podgroups_in_queue(bytes: &[u8], queue: &str) -> Result<usize, String> {
    if let Some(n) = podgroup_stream::count(bytes, queue) {
        return Ok(n);
    }
    count_podgroups_in_value(bytes, queue)
}

/// The reference decoder of [`count_podgroups_in_queue`]: a `Value` tree,
/// null read as absent, wrong types named by path.
fn count_podgroups_in_value(bytes: &[u8], queue: &str) -> Result<usize, String> {
    let list: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
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

/// Counting PodGroups by queue straight from the answer's bytes: serde
/// visitors that keep one boolean per item and allocate nothing, where a
/// `Value` tree costs a few allocations per PodGroup (10,000 PodGroups took
/// ~5 ms of guest time that way).
///
/// The stream accepts exactly the shapes the `Value` decoder reads the same
/// way (objects where it wants objects, null as absent, the last of duplicate
/// keys winning) and gives up (`None`) on anything else, so the caller's
/// `Value` decoder produces the error.
mod podgroup_stream {
    use std::fmt;

    use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};

    /// The number of items whose `spec.queue` equals `queue`, or `None`
    /// when the answer is not a well-typed PodGroup list.
    pub fn count(bytes: &[u8], queue: &str) -> Option<usize> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let n = Level::List.at(queue).deserialize(&mut de).ok()?;
        de.end().ok()?;
        Some(n)
    }

    /// Where in the answer a value sits. One visitor type serves every level,
    /// skipping included: serde code is generic over the visitor, and one
    /// type keeps the policy module small.
    #[derive(Clone, Copy, PartialEq)]
    enum Level {
        /// `{"items": ..., ...}`: counts; `items` absent is empty.
        List,
        /// `items`: an array of PodGroups, or null.
        Items,
        /// one PodGroup: an object; 1 when it is in the queue.
        Item,
        /// `spec`: an object or null; 1 when `spec.queue` names the queue.
        Spec,
        /// `spec.queue`: a string or null; 1 when it is the queue's name.
        Queue,
        /// a map key: [`Level::key_code`] of the key.
        Key,
        /// any value nobody reads: walked, not stored.
        Skip,
    }

    impl Level {
        fn at(self, queue: &str) -> At<'_> {
            At { level: self, queue }
        }

        /// The key a level reads, its code, and the level of its value.
        fn wanted(self) -> Option<(usize, Level)> {
            match self {
                Level::List => Some((1, Level::Items)),
                Level::Item => Some((2, Level::Spec)),
                Level::Spec => Some((3, Level::Queue)),
                _ => None,
            }
        }

        fn key_code(key: &str) -> usize {
            match key {
                "items" => 1,
                "spec" => 2,
                "queue" => 3,
                _ => 0,
            }
        }
    }

    #[derive(Clone, Copy)]
    struct At<'q> {
        level: Level,
        queue: &'q str,
    }

    impl<'de> DeserializeSeed<'de> for At<'_> {
        type Value = usize;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl At<'_> {
        /// A scalar of the wrong type (or any scalar being skipped). The
        /// error stays a plain text: serde's `invalid_type` would format
        /// floats into the module.
        fn scalar<E: Error>(self) -> Result<usize, E> {
            match self.level {
                Level::Skip => Ok(0),
                _ => Err(E::custom("wrong type")),
            }
        }
    }

    impl<'de> Visitor<'de> for At<'_> {
        type Value = usize;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a PodGroup list")
        }

        /// null: an empty `items`, an absent `spec` or `spec.queue`.
        fn visit_unit<E: Error>(self) -> Result<usize, E> {
            match self.level {
                Level::Items | Level::Spec | Level::Queue => Ok(0),
                _ => self.scalar(),
            }
        }
        fn visit_bool<E: Error>(self, _: bool) -> Result<usize, E> {
            self.scalar()
        }
        fn visit_i64<E: Error>(self, _: i64) -> Result<usize, E> {
            self.scalar()
        }
        fn visit_u64<E: Error>(self, _: u64) -> Result<usize, E> {
            self.scalar()
        }
        fn visit_f64<E: Error>(self, _: f64) -> Result<usize, E> {
            self.scalar()
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<usize, E> {
            match self.level {
                Level::Queue => Ok(usize::from(v == self.queue)),
                Level::Key => Ok(Level::key_code(v)),
                _ => self.scalar(),
            }
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
            let item = match self.level {
                Level::Items => Level::Item,
                Level::Skip => Level::Skip,
                _ => return Err(A::Error::custom("wrong type")),
            };
            let mut n = 0;
            while let Some(hit) = seq.next_element_seed(item.at(self.queue))? {
                n += hit;
            }
            Ok(n)
        }

        /// Reads the one key this level wants (the last one wins, as in a
        /// `Value`) and skips every other value.
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
            let wanted = match (self.level, self.level.wanted()) {
                (_, Some(w)) => Some(w),
                (Level::Skip, None) => None,
                _ => return Err(A::Error::custom("wrong type")),
            };
            let mut found = 0;
            while let Some(code) = map.next_key_seed(Level::Key.at(self.queue))? {
                match wanted {
                    Some((want, next)) if code == want => {
                        found = map.next_value_seed(next.at(self.queue))?;
                    }
                    _ => {
                        map.next_value_seed(Level::Skip.at(self.queue))?;
                    }
                }
            }
            Ok(found)
        }
    }
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
    fn lookup_answers_read_null_as_absent_and_name_wrong_types() {
        let answer = br#"{"metadata":{"name":"a","annotations":{"volcano.sh/hierarchy":null}},
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
            Err("metadata.annotations.volcano.sh/closed-by-parent: expected string, got boolean".into())
        );
        assert_eq!(
            QueueView::from_slice(br#"{"metadata":{"name":"a"},"status":{"allocated":{"pods":[1]}}}"#),
            Err("queue a: status.allocated.pods: expected quantity (string or number), got array".into())
        );
        assert_eq!(
            QueueView::from_slice(b"[]"),
            Err("queue: expected object, got array".into())
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
    fn the_podgroup_stream_agrees_with_the_value_decoder() {
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
            // the stream answers only where the reference accepts, and then agrees
            match podgroup_stream::count(bytes, queue) {
                Some(n) => assert_eq!(Ok(n), reference, "{answer}"),
                None => assert!(
                    reference.is_err(),
                    "stream gave up on a readable answer: {answer}"
                ),
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
