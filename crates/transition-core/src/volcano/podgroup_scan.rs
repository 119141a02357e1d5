//! Counting the PodGroups of one queue straight from a `PodGroupList`
//! answer's bytes, for T3.
//!
//! T3 reads one field of every PodGroup in the cluster. Through serde, each
//! PodGroup costs a dozen visitor calls (about 1,700 instructions per
//! PodGroup natively, 6.7 ms of guest time for 10,000); this scanner walks the
//! bytes once, compares `spec.queue` in place and allocates nothing.
//!
//! It is a fast path, not a second decoder: it answers only when the answer is
//! plain JSON of the expected shape, and gives up (`None`) on everything else
//! — malformed JSON, wrong types, escapes in a key or in `spec.queue`,
//! fractions or exponents, integers of 19 digits or more, lone surrogate
//! escapes, nesting deeper than [`MAX_DEPTH`]. The caller then decodes
//! through a `serde_json::Value`, which reads every valid answer and names what
//! is wrong with the others. So the one guarantee it keeps is:
//!
//! `count(bytes, q) == Some(n)` implies the `Value` decoder reads `bytes` as
//! `Ok(n)` (tested against it on tables, on proptest input and by the
//! `podgroup_list` fuzz target).
//!
//! Shapes read as the `Value` decoder reads them: the list and each item are
//! objects; `items`, `spec` and `spec.queue` may be null or absent; of
//! duplicate keys the last wins.

use crate::json_scan::Scan;
pub use crate::json_scan::MAX_DEPTH;

/// The number of items whose `spec.queue` is `queue`, or `None` when the
/// answer is not plain JSON of the expected shape (see the module docs).
pub fn count(bytes: &[u8], queue: &str) -> Option<usize> {
    let mut s = Scan::new(bytes)?;
    let mut n = 0;
    s.object(&mut |s, key| {
        if key == b"items" {
            n = items(s, queue.as_bytes())?;
        } else {
            s.skip(1)?;
        }
        Some(())
    })?;
    s.at_end().then_some(n)
}

/// `items`: null or an array of PodGroups; the number in the queue.
fn items(s: &mut Scan, queue: &[u8]) -> Option<usize> {
    let mut n = 0;
    if !s.null()? {
        s.array(&mut |s| {
            n += usize::from(podgroup(s, queue)?);
            Some(())
        })?;
    }
    Some(n)
}

/// One PodGroup: an object; whether its (last) `spec` names the queue.
fn podgroup(s: &mut Scan, queue: &[u8]) -> Option<bool> {
    let mut hit = false;
    s.object(&mut |s, key| {
        if key == b"spec" {
            hit = spec(s, queue)?;
        } else {
            s.skip(3)?;
        }
        Some(())
    })?;
    Some(hit)
}

/// `spec`: null or an object; whether its (last) `queue` is the queue.
fn spec(s: &mut Scan, queue: &[u8]) -> Option<bool> {
    let mut hit = false;
    if !s.null()? {
        s.object(&mut |s, key| {
            if key == b"queue" {
                hit = !s.null()? && s.plain_string()? == queue;
            } else {
                s.skip(4)?;
            }
            Some(())
        })?;
    }
    Some(hit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_plain_answers() {
        let table: &[(&str, &str, usize)] = &[
            (
                r#"{"items":[{"spec":{"queue":"q"}},{"spec":{"queue":"r"}},{"spec":{"queue":"q"}}]}"#,
                "q",
                2,
            ),
            (" {\n\t\"items\" : [ ] } \r\n", "q", 0),
            (r#"{"items":null}"#, "q", 0),
            (r#"{}"#, "q", 0),
            (r#"{"items":[{"spec":null},{"spec":{"queue":null}},{}]}"#, "", 0),
            (r#"{"items":[{"spec":{"queue":""}}]}"#, "", 1),
            (
                r#"{"items":[{"spec":{"queue":"a"},"spec":{"queue":"q"}}]}"#,
                "q",
                1,
            ),
            (r#"{"items":[{"spec":{"queue":"q","queue":"a"}}]}"#, "q", 0),
            (r#"{"items":[{"spec":{"queue":"q"}}],"items":[]}"#, "q", 0),
            (r#"{"items":[{"spec":{"queue":"ü"}}]}"#, "ü", 1),
            (
                r#"{"apiVersion":"v1","metadata":{"resourceVersion":"12"},"items":[{"metadata":{"name":"x\n\u0041","labels":{"a":[1,-0,{"b":null},true,false,"\"\\\/\b\f\n\r\t"]}},"spec":{"minMember":2,"queue":"q"}}]}"#,
                "q",
                1,
            ),
        ];
        for (answer, queue, n) in table {
            assert_eq!(count(answer.as_bytes(), queue), Some(*n), "{answer}");
        }
    }

    #[test]
    fn gives_up_on_anything_else() {
        let table: &[&str] = &[
            "",
            "null",
            "[]",
            r#"{"items":3}"#,
            r#"{"items":{}}"#,
            r#"{"items":[null]}"#,
            r#"{"items":[[]]}"#,
            r#"{"items":[{"spec":[]}]}"#,
            r#"{"items":[{"spec":{"queue":7}}]}"#,
            r#"{"items":[{"spec":{"queue":"q\u0031"}}]}"#,
            r#"{"it\u0065ms":[]}"#,
            r#"{"items":[]} trailing"#,
            r#"{"items":[{"spec":{"queue":"q"}}"#,
            r#"{"items":[],}"#,
            r#"{"items":[1,]}"#,
            r#"{"items" []}"#,
            r#"{"a":1.5}"#,
            r#"{"a":1e3}"#,
            r#"{"a":01}"#,
            r#"{"a":-}"#,
            r#"{"a":1234567890123456789}"#,
            r#"{"a":tru}"#,
            r#"{"a":nul}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":"\u12"}"#,
            r#"{"a":"\u+123"}"#,
            r#"{"a":"\ud800"}"#,
            "{\"a\":\"tab\there\"}",
            "{\"a\":\"\u{1}\"}",
            r#"{"a":"unterminated}"#,
        ];
        for answer in table {
            assert_eq!(count(answer.as_bytes(), "q"), None, "{answer}");
        }
        assert_eq!(count(b"{\"a\":\"\xff\"}", "q"), None);
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(101), "]".repeat(101));
        assert_eq!(count(deep.as_bytes(), "q"), None);
        let shallow = format!("{{\"a\":{}{}}}", "[".repeat(99), "]".repeat(99));
        assert_eq!(count(shallow.as_bytes(), "q"), Some(0));
    }

    mod agreement {
        use proptest::prelude::*;

        use crate::json_scan::testing::edit;

        use super::super::count;
        use crate::volcano::view::count_podgroups_in_value;

        /// JSON text of a value the scan must skip.
        fn junk() -> impl Strategy<Value = String> {
            let leaf = prop_oneof![
                Just("null".to_string()),
                Just("true".to_string()),
                (-1000i64..1000).prop_map(|n| n.to_string()),
                Just("1.5".to_string()),
                Just("\"a\\nb\"".to_string()),
                Just("\"\\u00e9\"".to_string()),
            ];
            leaf.prop_recursive(3, 12, 3, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(","))),
                    prop::collection::vec(inner, 0..3).prop_map(|v| {
                        let fields: Vec<String> = v
                            .iter()
                            .enumerate()
                            .map(|(i, x)| format!("\"k{i}\":{x}"))
                            .collect();
                        format!("{{{}}}", fields.join(","))
                    }),
                ]
            })
        }

        fn queue_value() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("\"q\"".to_string()),
                Just("\"r\"".to_string()),
                Just("\"\\u0071\"".to_string()),
                Just("null".to_string()),
                Just("7".to_string()),
                Just("[\"q\"]".to_string()),
            ]
        }

        fn spec() -> impl Strategy<Value = String> {
            prop_oneof![
                prop::collection::vec((queue_value(), junk(), any::<bool>()), 0..3).prop_map(|fields| {
                    let parts: Vec<String> = fields
                        .iter()
                        .map(|(q, j, first)| {
                            if *first {
                                format!("\"queue\":{q}")
                            } else {
                                format!("\"minMember\":{j}")
                            }
                        })
                        .collect();
                    format!("{{{}}}", parts.join(","))
                }),
                Just("null".to_string()),
                Just("[]".to_string()),
            ]
        }

        fn item() -> impl Strategy<Value = String> {
            prop_oneof![
                4 => (prop::collection::vec(spec(), 0..3), junk()).prop_map(|(specs, j)| {
                    let mut parts = vec![format!("\"metadata\":{j}")];
                    parts.extend(specs.iter().map(|s| format!("\"spec\":{s}")));
                    format!("{{{}}}", parts.join(","))
                }),
                1 => Just("null".to_string()),
                1 => junk(),
            ]
        }

        fn answer() -> impl Strategy<Value = String> {
            (prop::collection::vec(item(), 0..6), junk(), any::<bool>()).prop_map(|(items, j, null_items)| {
                let items = if null_items {
                    "null".to_string()
                } else {
                    format!("[{}]", items.join(","))
                };
                format!("{{\"kind\":\"PodGroupList\",\"metadata\":{j},\"items\":{items}}}")
            })
        }

        proptest! {
            #[test]
            fn the_scan_answers_only_as_the_value_decoder_does(
                text in answer(), op in any::<u8>(), at in any::<usize>(), byte in any::<u8>()
            ) {
                for bytes in [text.as_bytes().to_vec(), edit(&text, op, at, byte)] {
                    let reference = count_podgroups_in_value(&bytes, "q");
                    if let Some(n) = count(&bytes, "q") {
                        prop_assert_eq!(Ok(n), reference, "{}", String::from_utf8_lossy(&bytes));
                    }
                }
            }

            #[test]
            fn the_scan_reads_plain_answers_itself(items in prop::collection::vec(
                prop_oneof![Just("q"), Just("r"), Just("")], 0..50)
            ) {
                let body: Vec<String> = items.iter().map(|q| format!("{{\"spec\":{{\"queue\":\"{q}\"}}}}")).collect();
                let text = format!("{{\"items\":[{}]}}", body.join(","));
                let want = items.iter().filter(|q| **q == "q").count();
                prop_assert_eq!(count(text.as_bytes(), "q"), Some(want));
            }
        }
    }
}
