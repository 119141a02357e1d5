//! Reading Queue lookup answers straight from their bytes into
//! [`QueueView`]s, for V3, V4, V6, D*, P1 and J1.
//!
//! Every Queue create and spec update looks Queues up, and decoding the
//! answer through a `serde_json::Value` and then into the view was a fifth of
//! such a request's guest time. This scanner fills the view in one walk over
//! the bytes (`json_scan`), building only the view itself.
//!
//! It is a fast path, not a second decoder: it answers only when the answer
//! is plain JSON of the expected shape, and gives up (`None`) on everything
//! else — malformed JSON, a wrong type in a field the view reads, an escape
//! in a key or in a string the view keeps, a number where a quantity goes, a
//! quantity that does not parse, a `spec.weight` that is negative or not a
//! plain integer. The caller then decodes through a `Value` and the
//! request objects' reader, [`QueueView::from_value`]
//! ([`QueueView::from_slice_value`], [`view::decode_queue_list_value`]),
//! which reads every valid answer and names what is wrong with the others.
//! So the one guarantee it keeps is:
//!
//! `queue(bytes) == Some(q)` implies `QueueView::from_slice_value(bytes) ==
//! Ok(q)`, and likewise for lists (tested against it on tables, on proptest
//! input and by the `queue_answer` fuzz target).
//!
//! Shapes read as that decoder reads them: null or absent is absent, but
//! every annotation value must be a string; of duplicate keys the last wins,
//! so a repeated object field starts its part of the view afresh (a null
//! that repeats a resource name gives up).

use crate::json_scan::{find_key, Scan};
use crate::quantity::Quantity;
use crate::volcano::view::{self, QueueView, ResourceList, CLOSED_BY_PARENT, HIERARCHY, HIERARCHY_WEIGHTS};

/// The view of a Queue get answer, or `None` (see the module docs).
pub fn queue(bytes: &[u8]) -> Option<QueueView> {
    let mut s = Scan::new(bytes)?;
    let q = queue_object(&mut s)?;
    s.at_end().then_some(q)
}

/// The views of a `QueueList` answer, in answer order, or `None` (see the
/// module docs).
pub fn queue_list(bytes: &[u8]) -> Option<Vec<QueueView>> {
    let mut s = Scan::new(bytes)?;
    let mut items = Vec::new();
    s.object(&mut |s, key| {
        if key == b"items" {
            items.clear();
            if !s.null()? {
                s.array(&mut |s| {
                    items.push(queue_object(s)?);
                    Some(())
                })?;
            }
        } else {
            s.skip(1)?;
        }
        Some(())
    })?;
    s.at_end().then_some(items)
}

fn queue_object(s: &mut Scan) -> Option<QueueView> {
    let mut q = QueueView::default();
    s.object(&mut |s, key| field(s, Part::Queue, key, &mut q))?;
    Some(q)
}

/// The keys the scan reads, found in a small table per part: a `match` on
/// byte-string patterns compiles to a comparison per byte (5 KB of module
/// over the three scans), a table to one `memcmp` per candidate.
#[derive(Clone, Copy, PartialEq)]
enum Key {
    Allocated,
    Annotations,
    Capability,
    Deserved,
    Guarantee,
    Metadata,
    Name,
    Parent,
    Pods,
    Reclaimable,
    Resource,
    Spec,
    State,
    Status,
    Weight,
    Hierarchy,
    HierarchyWeights,
    ClosedByParent,
    Other,
}

/// The keys read in each part (a handful each, so few comparisons a key).
fn key_of(part: Part, key: &[u8]) -> Key {
    let keys: &[(&[u8], Key)] = match part {
        Part::Queue => &[
            (b"metadata", Key::Metadata),
            (b"spec", Key::Spec),
            (b"status", Key::Status),
        ],
        Part::Metadata => &[(b"name", Key::Name), (b"annotations", Key::Annotations)],
        Part::Annotations => &[
            (HIERARCHY.as_bytes(), Key::Hierarchy),
            (HIERARCHY_WEIGHTS.as_bytes(), Key::HierarchyWeights),
            (CLOSED_BY_PARENT.as_bytes(), Key::ClosedByParent),
        ],
        Part::Spec => &[
            (b"capability", Key::Capability),
            (b"deserved", Key::Deserved),
            (b"parent", Key::Parent),
            (b"guarantee", Key::Guarantee),
            (b"weight", Key::Weight),
            (b"reclaimable", Key::Reclaimable),
        ],
        Part::Guarantee => &[(b"resource", Key::Resource)],
        Part::Status => &[(b"state", Key::State), (b"allocated", Key::Allocated)],
        Part::Allocated => &[(b"pods", Key::Pods)],
    };
    find_key(keys, key).unwrap_or(Key::Other)
}

/// The object a key is read in. (One walker over every part, instead of a
/// closure per part: a third of the code.)
#[derive(Clone, Copy)]
enum Part {
    Queue,
    Metadata,
    Annotations,
    Spec,
    Guarantee,
    Status,
    Allocated,
}

/// Part `part` of the view, afresh: an object, or null (absent).
fn part(s: &mut Scan, part: Part, q: &mut QueueView) -> Option<()> {
    match part {
        Part::Queue => {}
        Part::Metadata => {
            q.name.clear();
            clear_annotations(q);
        }
        Part::Annotations => clear_annotations(q),
        Part::Spec => {
            q.capability.clear();
            q.deserved.clear();
            q.guarantee.clear();
            q.parent.clear();
            q.weight = None;
            q.reclaimable = None;
        }
        Part::Guarantee => q.guarantee.clear(),
        Part::Status => {
            q.state.clear();
            q.allocated_pods = None;
        }
        Part::Allocated => q.allocated_pods = None,
    }
    s.nullable_object(&mut |s, key| field(s, part, key, q))
}

fn clear_annotations(q: &mut QueueView) {
    q.hierarchy.clear();
    q.hierarchy_weights.clear();
    q.closed_by_parent = false;
}

/// The value of `key` in part `at`, the cursor on it.
fn field(s: &mut Scan, at: Part, key: &[u8], q: &mut QueueView) -> Option<()> {
    match (at, key_of(at, key)) {
        (Part::Queue, Key::Metadata) => part(s, Part::Metadata, q)?,
        (Part::Queue, Key::Spec) => part(s, Part::Spec, q)?,
        (Part::Queue, Key::Status) => part(s, Part::Status, q)?,
        (Part::Metadata, Key::Name) => q.name = s.string_or_empty()?,
        (Part::Metadata, Key::Annotations) => part(s, Part::Annotations, q)?,
        // every annotation value must be a string, null included
        (Part::Annotations, Key::Hierarchy) => q.hierarchy = s.owned_string()?,
        (Part::Annotations, Key::HierarchyWeights) => q.hierarchy_weights = s.owned_string()?,
        (Part::Annotations, Key::ClosedByParent) => q.closed_by_parent = s.owned_string()? == "true",
        (Part::Annotations, _) => {
            s.string()?;
        }
        // not in the answer's field mask, but a host that ignores the mask
        // sends them (and Volcano defaults the weight on every Queue)
        (Part::Spec, Key::Weight) => q.weight = s.opt_count()?,
        (Part::Spec, Key::Reclaimable) => q.reclaimable = s.opt_bool()?,
        (Part::Spec, Key::Capability) => resources(s, &mut q.capability)?,
        (Part::Spec, Key::Deserved) => resources(s, &mut q.deserved)?,
        (Part::Spec, Key::Parent) => q.parent = s.string_or_empty()?,
        (Part::Spec, Key::Guarantee) => part(s, Part::Guarantee, q)?,
        (Part::Guarantee, Key::Resource) => resources(s, &mut q.guarantee)?,
        (Part::Status, Key::State) => q.state = s.string_or_empty()?,
        (Part::Status, Key::Allocated) => part(s, Part::Allocated, q)?,
        (Part::Allocated, Key::Pods) => q.allocated_pods = opt_quantity(s)?,
        _ => s.skip(3)?,
    }
    Some(())
}

/// A resource list: null entries are absent. A null that repeats a name
/// (which would remove it) gives up: the one shape not worth the 3.7 KB of
/// module that `BTreeMap::remove` costs.
fn resources(s: &mut Scan, list: &mut ResourceList) -> Option<()> {
    list.clear();
    s.nullable_object(&mut |s, key| {
        let name = std::str::from_utf8(key).ok()?;
        match opt_quantity(s)? {
            Some(q) => {
                list.insert(name.to_string(), q);
            }
            None if list.contains_key(name) => return None,
            None => {}
        }
        Some(())
    })
}

/// A quantity written as a plain string, or null; a number, or a string
/// that does not parse, is left to the `Value` decoder (which names it).
fn opt_quantity(s: &mut Scan) -> Option<Option<Quantity>> {
    if s.null()? {
        return Some(None);
    }
    let text = std::str::from_utf8(s.plain_string()?).ok()?;
    view::quantity_text(text).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volcano::view::decode_queue_list_value;

    fn q(text: &str) -> Quantity {
        Quantity::parse(text).unwrap()
    }

    #[test]
    fn reads_a_masked_queue_whole() {
        let answer = br#"{"apiVersion":"scheduling.volcano.sh/v1beta1","kind":"Queue","metadata":{"name":"ml","annotations":{"volcano.sh/hierarchy":"root/ml","volcano.sh/hierarchy-weights":"1/2","volcano.sh/closed-by-parent":"true","kubectl.kubernetes.io/last-applied-configuration":"{\"spec\":{\"weight\":1}}\n"}},"spec":{"parent":"root","capability":{"cpu":" 16 ","memory":"64Gi"},"deserved":{"cpu":"8"},"guarantee":{"resource":{"memory":"1Gi"}}},"status":{"state":"Closing","allocated":{"pods":"3"}}}"#;
        let want = QueueView {
            name: "ml".into(),
            weight: None,
            capability: [("cpu".to_string(), q("16")), ("memory".to_string(), q("64Gi"))].into(),
            deserved: [("cpu".to_string(), q("8"))].into(),
            guarantee: [("memory".to_string(), q("1Gi"))].into(),
            parent: "root".into(),
            reclaimable: None,
            hierarchy: "root/ml".into(),
            hierarchy_weights: "1/2".into(),
            closed_by_parent: true,
            state: "Closing".into(),
            allocated_pods: Some(q("3")),
        };
        assert_eq!(queue(answer), Some(want.clone()));
        assert_eq!(QueueView::from_slice_value(answer), Ok(want));
    }

    /// What a host that ignores the field mask sends: every field, the
    /// defaulted weight and reclaimable among them.
    #[test]
    fn reads_an_unmasked_queue_whole() {
        let answer = br#"{"apiVersion":"scheduling.volcano.sh/v1beta1","kind":"Queue","metadata":{"creationTimestamp":"2026-01-02T03:04:05Z","generation":2,"managedFields":[{"apiVersion":"scheduling.volcano.sh/v1beta1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:weight":{}}},"manager":"kubectl","operation":"Update"}],"name":"ml","resourceVersion":"4711","uid":"7c1e"},"spec":{"capability":{"cpu":"16"},"parent":"root","reclaimable":true,"weight":1},"status":{"allocated":{"cpu":"0","pods":"0"},"reservation":{},"running":0,"state":"Open"}}"#;
        let want = QueueView {
            name: "ml".into(),
            weight: Some(1),
            capability: [("cpu".to_string(), q("16"))].into(),
            parent: "root".into(),
            reclaimable: Some(true),
            state: "Open".into(),
            allocated_pods: Some(q("0")),
            ..QueueView::default()
        };
        assert_eq!(queue(answer), Some(want.clone()));
        assert_eq!(QueueView::from_slice_value(answer), Ok(want));
    }

    #[test]
    fn reads_absent_null_and_repeated_fields_as_the_value_decoder_does() {
        let table: &[&str] = &[
            r#"{}"#,
            r#"{"metadata":null,"spec":null,"status":null}"#,
            r#"{"metadata":{"name":null,"annotations":null},"spec":{"capability":null,"guarantee":null},"status":{"allocated":null}}"#,
            r#"{"metadata":{"annotations":{"volcano.sh/hierarchy":"","volcano.sh/closed-by-parent":"yes"}}}"#,
            r#"{"spec":{"capability":{"cpu":null,"cpu":"1","memory":null}}}"#,
            r#"{"spec":{"capability":{"cpu":"1","cpu":"2"}}}"#,
            r#"{"spec":{"parent":"a","capability":{"cpu":"1"}},"spec":{"parent":"b"}}"#,
            r#"{"spec":{"guarantee":{"resource":{"cpu":"1"}},"guarantee":{}}}"#,
            r#"{"spec":{"guarantee":{"resource":{"cpu":"1"},"resource":null}}}"#,
            r#"{"metadata":{"name":"a","annotations":{"volcano.sh/hierarchy":"x"}},"metadata":{"annotations":{}}}"#,
            r#"{"metadata":{"annotations":{"volcano.sh/closed-by-parent":"true"},"annotations":{"other":"v"}}}"#,
            r#"{"status":{"state":"Open","allocated":{"pods":"2"}},"status":{"allocated":{"pods":"1","pods":null}}}"#,
            r#"{"status":{"allocated":{"pods":"2"},"allocated":{}}}"#,
            r#"{"spec":{"weight":1,"reclaimable":false}}"#,
            r#"{"spec":{"weight":0,"reclaimable":true}}"#,
            r#"{"spec":{"weight":123456789012345678,"reclaimable":null}}"#,
            r#"{"spec":{"weight":null}}"#,
            r#"{"spec":{"weight":3,"weight":null}}"#,
            r#"{"spec":{"weight":3,"reclaimable":true},"spec":{"parent":"a"}}"#,
            r#"{"metadata":{"name":"ü","labels":{"a":[1,-0,{"b":null},true,false,"\"\\\/\b\f\n\r\t"]}}}"#,
            " {\n\t\"metadata\" : { \"name\" : \"a\" } } \r\n",
            " {\"spec\" : { \"weight\" : 2 , \"reclaimable\" : false } } ",
        ];
        for answer in table {
            let reference = QueueView::from_slice_value(answer.as_bytes());
            assert!(reference.is_ok(), "{answer}: {reference:?}");
            assert_eq!(queue(answer.as_bytes()).map(Ok), Some(reference), "{answer}");
        }
    }

    #[test]
    fn gives_up_on_what_it_does_not_read_as_the_value_decoder_does() {
        let table: &[&str] = &[
            "",
            "null",
            "[]",
            r#"{"metadata":[]}"#,
            r#"{"metadata":{"name":7}}"#,
            r#"{"metadata":{"name":"a\u0062"}}"#,
            r#"{"metad\u0061ta":{}}"#,
            r#"{"metadata":{"annotations":{"volcano.sh/hierarchy":["root"]}}}"#,
            r#"{"metadata":{"annotations":{"volcano.sh/hierarchy":null}}}"#,
            r#"{"metadata":{"annotations":{"other":1}}}"#,
            r#"{"spec":{"weight":-1}}"#,
            r#"{"spec":{"weight":-0}}"#,
            r#"{"spec":{"weight":1.0}}"#,
            r#"{"spec":{"weight":1e2}}"#,
            r#"{"spec":{"weight":01}}"#,
            r#"{"spec":{"weight":1234567890123456789}}"#,
            r#"{"spec":{"weight":"1"}}"#,
            r#"{"spec":{"weight":true}}"#,
            r#"{"spec":{"reclaimable":"false"}}"#,
            r#"{"spec":{"reclaimable":0}}"#,
            r#"{"spec":{"reclaimable":nul}}"#,
            r#"{"spec":{"capability":{"cpu":1}}}"#,
            r#"{"spec":{"capability":{"cpu":"x"}}}"#,
            r#"{"spec":{"capability":{"cpu":"1\u0030"}}}"#,
            r#"{"spec":{"capability":[]}}"#,
            r#"{"spec":{"capability":{"cpu":"1","cpu":null}}}"#,
            r#"{"spec":{"guarantee":{"resource":"1"}}}"#,
            r#"{"status":{"state":true}}"#,
            r#"{"status":{"allocated":{"pods":3}}}"#,
            r#"{"status":{"allocated":{"pods":"-"}}}"#,
            r#"{"a":1.5}"#,
            r#"{} trailing"#,
            r#"{"metadata":{"name":"a"}"#,
        ];
        for answer in table {
            assert_eq!(queue(answer.as_bytes()), None, "{answer}");
        }
        assert_eq!(queue(b"{\"metadata\":{\"name\":\"\xff\"}}"), None);
    }

    #[test]
    fn reads_lists_as_the_value_decoder_does() {
        let plain: &[&str] = &[
            r#"{"items":[]}"#,
            r#"{"items":null}"#,
            r#"{"kind":"QueueList","metadata":{"resourceVersion":"7"}}"#,
            r#"{"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"},"spec":{"parent":"a"}}]}"#,
            r#"{"items":[{"metadata":{"name":"a"}}],"items":[{"metadata":{"name":"b"}}]}"#,
            r#"{"items":[{"metadata":{"name":"a"}}],"items":null}"#,
        ];
        for answer in plain {
            let reference = decode_queue_list_value(answer.as_bytes());
            assert!(reference.is_ok(), "{answer}: {reference:?}");
            assert_eq!(queue_list(answer.as_bytes()).map(Ok), Some(reference), "{answer}");
        }
        let other: &[&str] = &[
            "[]",
            r#"{"items":{}}"#,
            r#"{"items":[null]}"#,
            r#"{"items":[[]]}"#,
            r#"{"items":[{"spec":{"parent":1}}]}"#,
            r#"{"items":[],}"#,
        ];
        for answer in other {
            assert_eq!(queue_list(answer.as_bytes()), None, "{answer}");
        }
    }

    mod agreement {
        use proptest::prelude::*;

        use crate::json_scan::testing::{edit, fields, object};

        use super::super::{queue, queue_list};
        use crate::volcano::view::{decode_queue_list_value, QueueView};

        /// A field value: well-formed, null, or of a type or form the scan
        /// leaves to the `Value` decoder.
        fn text() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("\"a\"".to_string()),
                Just("\"root\"".to_string()),
                Just("\"true\"".to_string()),
                Just("\"\"".to_string()),
                Just("\"\\u0061\"".to_string()),
                Just("null".to_string()),
                Just("7".to_string()),
                Just("[\"a\"]".to_string()),
            ]
        }

        /// A weight or a flag, or a form of one the scan leaves alone.
        fn number() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("0".to_string()),
                Just("12".to_string()),
                Just("-3".to_string()),
                Just("-0".to_string()),
                Just("1.0".to_string()),
                Just("99999999999999999999".to_string()),
                Just("true".to_string()),
                Just("false".to_string()),
            ]
        }

        fn amount() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("\"1\"".to_string()),
                Just("\" 500m \"".to_string()),
                Just("\"64Gi\"".to_string()),
                Just("\"x\"".to_string()),
                Just("null".to_string()),
                Just("3".to_string()),
                Just("{}".to_string()),
            ]
        }

        fn resources() -> impl Strategy<Value = String> {
            prop_oneof![
                6 => prop::collection::vec((prop::sample::select(vec!["cpu", "memory", "pods"]), amount()), 0..4)
                    .prop_map(object),
                1 => Just("null".to_string()),
                1 => Just("[]".to_string()),
            ]
        }

        fn queue_text() -> impl Strategy<Value = String> {
            let annotations = fields(
                vec![
                    "volcano.sh/hierarchy",
                    "volcano.sh/hierarchy-weights",
                    "volcano.sh/closed-by-parent",
                    "other",
                ],
                text().boxed(),
            );
            let metadata = fields(
                vec!["name", "annotations", "uid"],
                prop_oneof![text(), annotations].boxed(),
            );
            let guarantee = fields(vec!["resource", "other"], resources().boxed());
            let spec = fields(
                vec![
                    "parent",
                    "capability",
                    "deserved",
                    "guarantee",
                    "weight",
                    "reclaimable",
                ],
                prop_oneof![text(), resources(), guarantee, number()].boxed(),
            );
            let allocated = fields(vec!["pods", "cpu"], amount().boxed());
            let status = fields(vec!["state", "allocated"], prop_oneof![text(), allocated].boxed());
            fields(
                vec!["metadata", "spec", "status", "kind"],
                prop_oneof![metadata, spec, status, text()].boxed(),
            )
        }

        proptest! {
            #[test]
            fn the_scan_answers_only_as_the_value_decoder_does(
                text in queue_text(), op in any::<u8>(), at in any::<usize>(), byte in any::<u8>()
            ) {
                for bytes in [text.as_bytes().to_vec(), edit(&text, op, at, byte)] {
                    if let Some(q) = queue(&bytes) {
                        prop_assert_eq!(Ok(q), QueueView::from_slice_value(&bytes), "{}", String::from_utf8_lossy(&bytes));
                    }
                }
            }

            #[test]
            fn the_list_scan_answers_only_as_the_value_decoder_does(
                items in prop::collection::vec(queue_text(), 0..4), op in any::<u8>(), at in any::<usize>(), byte in any::<u8>()
            ) {
                let text = format!("{{\"kind\":\"QueueList\",\"items\":[{}]}}", items.join(","));
                for bytes in [text.as_bytes().to_vec(), edit(&text, op, at, byte)] {
                    if let Some(list) = queue_list(&bytes) {
                        prop_assert_eq!(Ok(list), decode_queue_list_value(&bytes), "{}", String::from_utf8_lossy(&bytes));
                    }
                }
            }

            #[test]
            fn the_scan_reads_well_formed_answers_itself(
                name in "[a-z][a-z0-9-]{0,20}", parent in "[a-z]{0,8}", cpu in 0u32..100_000, state in prop::sample::select(vec!["Open", "Closing", "Closed", ""])
            ) {
                let text = format!(
                    "{{\"metadata\":{{\"name\":\"{name}\"}},\"spec\":{{\"parent\":\"{parent}\",\"capability\":{{\"cpu\":\"{cpu}m\"}}}},\"status\":{{\"state\":\"{state}\"}}}}"
                );
                let reference = QueueView::from_slice_value(text.as_bytes());
                prop_assert!(reference.is_ok());
                prop_assert_eq!(queue(text.as_bytes()).map(Ok), Some(reference));
            }
        }
    }
}
