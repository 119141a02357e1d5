//! Oversized and adversarial input through the policy's decode + evaluate
//! path: each gets a verdict (never a panic) and a message of bounded size
//! that says what is wrong. Sizes are asserted, times are not (timing belongs
//! in `scripts/bench.sh`).

use serde_json::{json, Value};
use transition_core::cluster::ObjectStore;
use transition_core::{evaluate, DecodeError, Rejection, ValidationPayload, Verdict};

/// The policy's `validate`, natively (src/lib.rs does the same on wasm).
fn validate(payload: &[u8], context: Vec<Value>) -> Verdict {
    match ValidationPayload::decode(payload) {
        Ok(p) => evaluate(&p.request, &p.settings, &mut ObjectStore::new(context)),
        Err(e) => Verdict::reject("decode", format!("cannot decode the admission request: {e}")),
    }
}

fn queue(name: &str, state: &str) -> Value {
    json!({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "Queue",
           "metadata": {"name": name}, "spec": {"weight": 1, "parent": "root"}, "status": {"state": state}})
}

fn queue_create(object: Value) -> Value {
    json!({"request": {
        "uid": "u", "kind": {"group": "scheduling.volcano.sh", "version": "v1beta1", "kind": "Queue"},
        "resource": {"group": "scheduling.volcano.sh", "version": "v1beta1", "resource": "queues"},
        "name": object["metadata"]["name"], "operation": "CREATE",
        "userInfo": {"username": "alice"}, "object": object
    }, "settings": {}})
}

fn root() -> Value {
    json!({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "Queue",
           "metadata": {"name": "root"}, "spec": {"weight": 1}, "status": {"state": "Open"}})
}

#[test]
fn a_10_mb_object_is_judged_like_a_small_one_and_errors_do_not_echo_it() {
    let mut big = queue("big", "Open");
    big.as_object_mut().unwrap().remove("status");
    big["metadata"]["annotations"] = json!({"blob": "x".repeat(10 << 20)});
    let payload = serde_json::to_vec(&queue_create(big.clone())).unwrap();
    assert!(payload.len() > 10 << 20);
    assert_eq!(validate(&payload, vec![root()]), Verdict::Accept);

    big["spec"]["weight"] = json!("heavy");
    let payload = serde_json::to_vec(&queue_create(big)).unwrap();
    assert_eq!(
        validate(&payload, vec![root()]),
        Verdict::reject(
            "decode",
            "request.object.spec.weight: expected integer, got string"
        )
    );
}

#[test]
fn t3_counts_100000_podgroups_in_context() {
    let mut context = vec![root(), queue("ml", "Closing")];
    context.extend((0..100_000).map(|i| {
        json!({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
               "metadata": {"name": format!("pg-{i}"), "namespace": format!("ns-{}", i % 100)},
               "spec": {"queue": if i % 2 == 0 { "ml" } else { "other" }}})
    }));
    let payload = json!({"request": {
        "uid": "u", "kind": {"group": "scheduling.volcano.sh", "version": "v1beta1", "kind": "Queue"},
        "resource": {"group": "scheduling.volcano.sh", "version": "v1beta1", "resource": "queues"},
        "subResource": "status", "name": "ml", "operation": "UPDATE",
        "object": queue("ml", "Closed"), "oldObject": queue("ml", "Closing")
    }});
    assert_eq!(
        validate(&serde_json::to_vec(&payload).unwrap(), context),
        Verdict::reject(
            "T3",
            "queue `ml` still has 50000 PodGroup(s); it can only be Closing, not Closed"
        )
    );
}

#[test]
fn deep_json_is_refused_by_the_parser_limit_not_the_stack() {
    for depth in [200usize, 100_000] {
        let payload = format!("{{\"request\": {}{}}}", "[".repeat(depth), "]".repeat(depth));
        let err = ValidationPayload::decode(payload.as_bytes()).unwrap_err();
        let DecodeError::Syntax { what, reason } = &err else {
            panic!("expected a syntax error, got {err:?}");
        };
        assert_eq!(*what, "validation payload");
        assert!(
            reason.starts_with("recursion limit exceeded at line 1 column "),
            "{reason}"
        );
        assert!(err.to_string().len() < 200);
    }
    // Deep but under the limit inside the object: decoded, then judged on its fields.
    let mut nested = json!("leaf");
    for _ in 0..100 {
        nested = json!({"n": nested});
    }
    let mut q = queue("deep", "Open");
    q.as_object_mut().unwrap().remove("status");
    q["metadata"]["annotations"] = json!({"note": "deep"});
    q["spec"]["extension"] = nested;
    let payload = serde_json::to_vec(&queue_create(q)).unwrap();
    assert_eq!(validate(&payload, vec![root()]), Verdict::Accept);
}

#[test]
fn duplicate_keys_are_refused_naming_the_key() {
    // Two `operation` keys: the apiserver never sends this; a parser that keeps
    // the last one (serde_json, Go) and one that keeps the first would judge
    // different requests, so the policy refuses instead of picking one.
    let payload = br#"{"request": {"uid": "u",
        "kind": {"group": "scheduling.volcano.sh", "version": "v1beta1", "kind": "Queue"},
        "resource": {"group": "scheduling.volcano.sh", "version": "v1beta1", "resource": "queues"},
        "name": "ml", "operation": "DELETE", "operation": "CREATE",
        "object": {"metadata": {"name": "ml"}, "spec": {"weight": 1}}}}"#;
    assert_eq!(
        ValidationPayload::decode(payload),
        Err(DecodeError::Syntax {
            what: "validation payload",
            reason: "duplicate key `operation` at line 4 column 56".into()
        })
    );
    let nested = br#"{"request": {"object": {"spec": {"weight": 1, "weight": 0}}}}"#;
    assert_eq!(
        ValidationPayload::decode(nested).unwrap_err().to_string(),
        "validation payload is not valid JSON: duplicate key `weight` at line 1 column 54"
    );
}

#[test]
fn a_wrong_request_kind_is_refused_for_every_guarded_resource() {
    let cases = [
        ("scheduling.volcano.sh", "v1beta1", "queues", "", "kind"),
        ("scheduling.volcano.sh", "v1beta1", "queues", "status", "kind"),
        ("scheduling.volcano.sh", "v1beta1", "podgroups", "", "kind"),
        ("batch.volcano.sh", "v1alpha1", "jobs", "", "kind"),
        ("ray.io", "v1", "rayservices", "", "decode"),
        ("ray.io", "v1", "rayservices", "status", "decode"),
        ("", "v1", "services", "", "decode"),
    ];
    for (group, version, resource, sub, rule) in cases {
        let payload = json!({"request": {
            "uid": "u", "kind": {"group": group, "version": version, "kind": "ConfigMap"},
            "resource": {"group": group, "version": version, "resource": resource},
            "subResource": sub, "name": "x", "namespace": "ns", "operation": "UPDATE",
            "object": {"metadata": {"name": "x", "namespace": "ns"}},
            "oldObject": {"metadata": {"name": "x", "namespace": "ns"}}
        }});
        let v = validate(&serde_json::to_vec(&payload).unwrap(), vec![]);
        let Verdict::Reject(Rejection { rule: got, message }) = &v else {
            panic!("{resource}/{sub}: accepted a ConfigMap: {v:?}");
        };
        assert_eq!(*got, rule, "{resource}/{sub}: {message}");
        assert!(message.contains("\"ConfigMap\""), "{resource}/{sub}: {message}");
    }
}
