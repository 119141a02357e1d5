//! `ValidationPayload::decode` (a fast path over the payload bytes, falling
//! back to the `Value` decoder) answers exactly as the `Value` decoder
//! (`decode_value`) on random envelopes: known and unknown keys, repeated
//! keys, nulls, wrong types, escapes, a wrapped AdmissionReview.

use proptest::prelude::*;
use transition_core::ValidationPayload;

/// JSON texts a field may hold.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(vec![
        r#""CREATE""#,
        r#""UPDATE""#,
        r#""DEL\u0045TE""#,
        r#""status""#,
        r#""""#,
        r#""q\"1""#,
        "null",
        "true",
        "0",
        "-7",
        "1.5",
        "[]",
        r#"["dev", "ops"]"#,
        r#"["dev", null]"#,
        "{}",
        r#"{"group": "scheduling.volcano.sh", "version": "v1beta1", "kind": "Queue"}"#,
        r#"{"group": "", "version": "v1", "resource": "services"}"#,
        r#"{"group": "a", "group": "b"}"#,
        r#"{"username": "alice", "groups": ["system:masters"], "extra": {"k": ["v"]}}"#,
        r#"{"username": 1}"#,
        r#"{"metadata": {"name": "q1"}, "spec": {"weight": 2}}"#,
        r#"{"a": 1, "a": 2}"#,
        r#""AdmissionReview""#,
    ])
    .prop_map(str::to_string);
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop::collection::vec((key(), inner), 0..4).prop_map(|entries| object(&entries))
    })
}

/// Keys: the request's own (so some repeat) and a few others.
fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "uid",
        "kind",
        "resource",
        "subResource",
        "name",
        "namespace",
        "operation",
        "op\\u0065ration",
        "userInfo",
        "object",
        "oldObject",
        "requestKind",
        "dryRun",
        "options",
        "request",
        "group",
        "username",
        "groups",
    ])
    .prop_map(str::to_string)
}

fn object(entries: &[(String, String)]) -> String {
    let fields: Vec<String> = entries.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
    format!("{{{}}}", fields.join(", "))
}

/// A request: mostly well formed (operation and resource present), with
/// random extra entries, some of which repeat or retype a known key.
fn request() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((key(), value()), 0..6),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(extra, with_op, with_resource)| {
            let mut entries = Vec::new();
            if with_op {
                entries.push(("operation".to_string(), r#""CREATE""#.to_string()));
            }
            if with_resource {
                entries.push(("resource".to_string(), "{}".to_string()));
            }
            entries.extend(extra);
            object(&entries)
        })
}

fn payload() -> impl Strategy<Value = String> {
    let settings = prop::sample::select(vec![
        "",
        r#", "settings": null"#,
        r#", "settings": {}"#,
        r#", "settings": {"maxQueueDepth": 3}"#,
        r#", "settings": {"maxQueueDepth": "deep"}"#,
        r#", "settings": {"maxQueueDepth": 3, "maxQueueDepth": 3}"#,
        r#", "other": [1, 2]"#,
    ]);
    (request(), settings, 0..4u8).prop_map(|(r, s, wrap)| match wrap {
        0 => format!(r#"{{"request": {{"kind": "AdmissionReview", "request": {r}}}{s}}}"#),
        1 => format!(r#"{{"request": {r}{s}, "request": {r}}}"#),
        _ => format!(r#"{{"request": {r}{s}}}"#),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn decode_answers_as_the_value_decoder(p in payload()) {
        prop_assert_eq!(
            ValidationPayload::decode(p.as_bytes()),
            ValidationPayload::decode_value(p.as_bytes()),
            "{}", p
        );
    }
}
