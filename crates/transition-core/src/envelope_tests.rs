//! The payload's fast path (`transition_decode::envelope`) held to the
//! `Value` path (`ValidationPayload::decode_value`); here because that path
//! needs the settings.

use std::path::Path;

use serde_json::json;

use serde_json::Value;
use transition_decode::envelope::{decode, MAX_OTHER_KEYS};

use crate::admission::Operation;
use crate::ValidationPayload;

/// Runs both paths on `payload`: whatever the fast path answers must be
/// what the `Value` path answers. Returns whether the fast path answered.
fn both(payload: &[u8]) -> bool {
    let reference = ValidationPayload::decode_value(payload);
    assert_eq!(
        ValidationPayload::decode(payload),
        reference,
        "{}",
        String::from_utf8_lossy(payload)
    );
    match decode(payload) {
        None => false,
        Some(fast) => {
            let expected = reference.expect("the fast path answered where the Value path refuses");
            assert_eq!(fast.request, expected.request);
            true
        }
    }
}

fn request() -> Value {
    json!({
        "uid": "u-1",
        "kind": {"group": "scheduling.volcano.sh", "version": "v1beta1", "kind": "Queue"},
        "resource": {"group": "scheduling.volcano.sh", "version": "v1beta1", "resource": "queues"},
        "subResource": "status",
        "requestKind": {"group": "scheduling.volcano.sh", "version": "v1beta1", "kind": "Queue"},
        "name": "q1",
        "namespace": "",
        "operation": "UPDATE",
        "userInfo": {"username": "alice", "uid": "7", "groups": ["dev", "ops"], "extra": {"a": ["b"]}},
        "object": {"metadata": {"name": "q1"}, "spec": {"weight": 1.5}},
        "oldObject": {"metadata": {"name": "q1"}},
        "dryRun": false,
        "options": {"kind": "UpdateOptions"}
    })
}

fn payload(request: &Value) -> Vec<u8> {
    json!({"request": request, "settings": {"maxQueueDepth": 4}})
        .to_string()
        .into_bytes()
}

fn with(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut r = request();
    edit(&mut r);
    payload(&r)
}

#[test]
fn reads_a_full_request_like_the_value_path() {
    assert!(both(&payload(&request())));
    let fast = decode(&payload(&request())).unwrap();
    assert_eq!(
        fast.request.user_info.groups,
        vec!["dev".to_string(), "ops".to_string()]
    );
    assert_eq!(fast.request.operation, Operation::Update);
    assert_eq!(fast.settings, json!({"maxQueueDepth": 4}));
}

#[test]
fn reads_nulls_and_absent_fields_like_the_value_path() {
    for key in [
        "uid",
        "kind",
        "subResource",
        "name",
        "namespace",
        "userInfo",
        "object",
        "oldObject",
    ] {
        assert!(both(&with(|r| r[key] = Value::Null)), "{key}: null");
        assert!(
            both(&with(|r| {
                r.as_object_mut().unwrap().remove(key);
            })),
            "{key}: absent"
        );
    }
    assert!(both(&with(|r| r["userInfo"]["groups"] = Value::Null)));
    assert!(both(&with(|r| {
        for i in 1..MAX_OTHER_KEYS - 3 {
            r[format!("extra{i}")] = json!(i);
        }
    })));
    assert!(both(&with(|r| r["kind"]["group"] = Value::Null)));
    assert!(both(&with(|r| r["resource"] = json!({}))));
    assert!(both(&with(|r| r["operation"] = json!("PATCH"))));
    assert!(both(br#"{"request": {"operation": "CREATE", "resource": {}}}"#));
    // escapes in keys and values read the same
    assert!(both(
        br#"{"request": {"op\u0065ration": "DEL\u0045TE", "resource": {"group": "a\"b"}}, "settings": null}"#
    ));
}

#[test]
fn gives_up_on_what_the_value_path_must_name() {
    let cases: Vec<Vec<u8>> = vec![
        with(|r| r["operation"] = json!(7)),
        with(|r| r["operation"] = Value::Null),
        with(|r| {
            r.as_object_mut().unwrap().remove("operation");
        }),
        with(|r| r["resource"] = Value::Null),
        with(|r| {
            r.as_object_mut().unwrap().remove("resource");
        }),
        with(|r| r["resource"] = json!("queues")),
        with(|r| r["kind"] = json!("AdmissionReview")),
        with(|r| r["kind"]["version"] = json!(1)),
        with(|r| r["uid"] = json!(true)),
        with(|r| r["name"] = json!(["q"])),
        with(|r| r["namespace"] = json!({})),
        with(|r| r["userInfo"] = json!("alice")),
        with(|r| r["userInfo"]["username"] = json!(1.5)),
        with(|r| r["userInfo"]["groups"] = json!(["a", null])),
        with(|r| r["userInfo"]["groups"] = json!("a")),
        payload(&Value::Null),
        payload(&json!([])),
        b"{}".to_vec(),
        b"[]".to_vec(),
        b"null".to_vec(),
        b"{\"request\": ".to_vec(),
        [payload(&request()), b" x".to_vec()].concat(),
        // duplicate keys: read keys, unread keys, inside object and settings
        br#"{"request": {"operation": "CREATE", "operation": "CREATE", "resource": {}}}"#.to_vec(),
        br#"{"request": {"operation": "CREATE", "resource": {}, "dryRun": 1, "dryRun": 2}}"#.to_vec(),
        br#"{"request": {"operation": "CREATE", "resource": {"group": "", "group": ""}}}"#.to_vec(),
        br#"{"request": {"operation": "CREATE", "resource": {}, "object": {"a": 1, "a": 1}}}"#.to_vec(),
        br#"{"request": {"operation": "CREATE", "resource": {}}, "settings": {"a": 1, "a": 2}}"#.to_vec(),
        br#"{"request": {"operation": "CREATE", "resource": {}}, "request": {}}"#.to_vec(),
        // more unread keys than the fast path compares
        with(|r| {
            for i in 0..=MAX_OTHER_KEYS {
                r[format!("extra{i}")] = json!(i);
            }
        }),
    ];
    for p in &cases {
        assert!(!both(p), "the fast path answered {}", String::from_utf8_lossy(p));
    }
    // the whole AdmissionReview is read, by the Value path
    let review = json!({"request": {"kind": "AdmissionReview", "request": request()}});
    assert!(!both(review.to_string().as_bytes()));
    assert!(ValidationPayload::decode(review.to_string().as_bytes()).is_ok());
}

#[test]
fn settings_errors_are_the_value_paths() {
    let p = json!({"request": request(), "settings": {"maxQueueDepth": "deep"}});
    assert!(decode(p.to_string().as_bytes()).is_some());
    assert_eq!(
        ValidationPayload::decode(p.to_string().as_bytes()),
        ValidationPayload::decode_value(p.to_string().as_bytes())
    );
    assert!(ValidationPayload::decode(p.to_string().as_bytes()).is_err());
}

/// Every request in the repository's case files goes through the fast
/// path, to the same result.
#[test]
fn every_case_file_is_read_by_the_fast_path() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["tests/data", "examples/cases"] {
        collect(&root.join(dir), &mut files);
    }
    assert!(files.len() > 100, "{} case files", files.len());
    for f in files {
        let case: Value = crate::decode::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        let Some(req) = case.get("request") else { continue };
        let settings = case.get("settings").cloned().unwrap_or(Value::Null);
        let p = json!({"request": req, "settings": settings}).to_string();
        assert!(both(p.as_bytes()), "{}: the fast path gave up", f.display());
    }
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}
