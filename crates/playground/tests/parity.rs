//! The playground shows the policy's verdicts: every case file under
//! `tests/data/` and `examples/cases/` goes through the playground's JSON API
//! (the functions the wasm exports wrap) and, in the second test, through
//! the built policy module, and the answers are compared field by field.
//!
//! The second test needs the module built first:
//! `cargo build -p transition-guard --target wasm32-wasip1 --release`.

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use common::{cases, full_input, repo};
use playground::api::{self, Domain, Evaluation};
use policy_runner::case::{contains, RULE_ANNOTATION};
use policy_runner::{Case, Fixtures, Grants, Policy};
use serde_json::{json, Value};

/// Round trip through the YAML the page shows in its text boxes and the
/// parser it reads them back with.
fn via_yaml(v: &Value, what: &str) -> Value {
    if v.is_null() {
        return Value::Null;
    }
    let text = api::to_yaml(v).unwrap();
    let docs = api::parse_documents(&text, what).unwrap();
    assert_eq!(docs.len(), 1, "{what}: {text}");
    docs.into_iter().next().unwrap()
}

/// The input the page builds when a scenario step is loaded into its
/// object boxes: operation, subresource, old and new object, context and
/// settings, each shown as YAML and read back. `None` for the few cases
/// whose request says something the objects do not (a kind that differs
/// from the object's, no object at all): those only run as full requests.
fn objects_input(case: &Case) -> Option<Value> {
    let r = &case.request;
    let obj = if r["object"].is_object() {
        &r["object"]
    } else {
        &r["oldObject"]
    };
    let same = |ptr: &str, field: &str| {
        obj.pointer(ptr).and_then(Value::as_str).unwrap_or("") == r[field].as_str().unwrap_or("")
    };
    if !obj.is_object() || !same("/metadata/name", "name") || !same("/metadata/namespace", "namespace") {
        return None;
    }
    if obj["kind"] != r["kind"]["kind"] {
        return None;
    }
    let context = api::to_yaml(&json!(case.fixtures.objects()))
        .map(|t| api::parse_documents(&t, "context").unwrap())
        .unwrap();
    Some(json!({
        "operation": r["operation"],
        "userInfo": r.get("userInfo").cloned().unwrap_or(Value::Null),
        "subResource": r.get("subResource").cloned().unwrap_or(Value::Null),
        "object": via_yaml(&r["object"], "new object"),
        "oldObject": via_yaml(&r["oldObject"], "old object"),
        "settings": via_yaml(&case.settings, "settings"),
        "context": context[0],
    }))
}

/// The fields the page shows, as one comparable value.
fn shown(e: &Evaluation) -> Value {
    json!({"allowed": e.allowed, "rule": e.rule, "message": e.message, "mutated": e.mutated_object})
}

fn domain_of(case: &Case) -> Domain {
    match case.request.pointer("/resource/group").and_then(Value::as_str) {
        Some("scheduling.volcano.sh" | "batch.volcano.sh") => Domain::Volcano,
        _ => Domain::KubeRay,
    }
}

fn expectation_holds(case: &Case, e: &Evaluation) -> Result<(), String> {
    let x = &case.expect;
    if e.allowed != x.allowed {
        return Err(format!("expected allowed={}, got {}", x.allowed, shown(e)));
    }
    if let Some(want) = &x.message_contains {
        if !e.message.as_deref().unwrap_or("").contains(want.as_str()) {
            return Err(format!("message {:?} does not contain {want:?}", e.message));
        }
    }
    if let Some(want) = &x.rule {
        if e.rule.as_deref() != Some(want.as_str()) {
            return Err(format!("expected rule {want}, got {:?}", e.rule));
        }
    }
    if let Some(want) = &x.mutated_object_contains {
        if !e.mutated_object.as_ref().is_some_and(|m| contains(m, want)) {
            return Err(format!(
                "expected a mutation containing {want}, got {:?}",
                e.mutated_object
            ));
        }
    }
    Ok(())
}

#[test]
fn every_case_file_gives_its_expected_verdict_through_the_playground_api() {
    let cases = cases();
    let mut failures = Vec::new();
    let mut built = 0;
    for case in &cases {
        let name = case.path.display();
        let full = match api::evaluate(&full_input(case), Domain::Any) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{name}: full request: {e}"));
                continue;
            }
        };
        if let Err(e) = expectation_holds(case, &full) {
            failures.push(format!("{name}: {e}"));
        }
        // The domain evaluator the page picks gives the same answer.
        match api::evaluate(&full_input(case), domain_of(case)) {
            Ok(d) if shown(&d) == shown(&full) => {}
            other => failures.push(format!("{name}: domain evaluator: {other:?}")),
        }
        // So do the objects, loaded into the page's boxes as YAML.
        if let Some(input) = objects_input(case) {
            built += 1;
            match api::evaluate(&input, domain_of(case)) {
                Ok(b) if shown(&b) == shown(&full) => {}
                Ok(b) => failures.push(format!(
                    "{name}: from objects {} differs from the full request {}",
                    shown(&b),
                    shown(&full)
                )),
                Err(e) => failures.push(format!("{name}: from objects: {e}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // All but the three cases whose request contradicts its object.
    assert_eq!(built, cases.len() - 3, "cases evaluated from objects");
}

/// The target directory this test binary was built into
/// (`<target>/debug/deps/<exe>`), so a `CARGO_TARGET_DIR` elsewhere is honoured.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).map(PathBuf::from).unwrap()
}

fn module_path() -> PathBuf {
    std::env::var_os("TRANSITION_GUARD_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("wasm32-wasip1/release/transition_guard.wasm"))
}

/// The module, compiled once, with the grants of `policy-metadata/metadata.yml`
/// (as policy-server runs it).
fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let path = module_path();
        assert!(
            path.exists(),
            "{} is missing: build it with `cargo build -p transition-guard --target wasm32-wasip1 --release` \
             (or point TRANSITION_GUARD_WASM at it)",
            path.display()
        );
        let grants = Grants::from_metadata_file(&repo().join("policy-metadata/metadata.yml")).unwrap();
        Policy::load(&path)
            .unwrap_or_else(|e| panic!("{e}"))
            .with_grants(grants)
    })
}

/// The policy's answer in the playground's terms.
fn policy_shown(case: &Case) -> Result<Value, String> {
    let (resp, _) = case.evaluate(policy())?;
    let rule = resp
        .audit_annotations
        .as_ref()
        .and_then(|a| a.get(RULE_ANNOTATION))
        .cloned();
    Ok(
        json!({"allowed": resp.accepted, "rule": rule, "message": resp.message, "mutated": resp.mutated_object}),
    )
}

#[test]
fn every_case_file_gives_the_same_answer_in_the_playground_and_the_policy_module() {
    let cases = cases();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.path.display();
        let from_policy = match policy_shown(case) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{name}: policy: {e}"));
                continue;
            }
        };
        match api::evaluate(&full_input(case), Domain::Any) {
            Ok(e) if shown(&e) == from_policy => {}
            Ok(e) => failures.push(format!(
                "{name}:\n  playground {}\n  policy     {from_policy}",
                shown(&e)
            )),
            Err(e) => failures.push(format!("{name}: playground error {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Requests the policy cannot decode get the policy's own answer, word for word.
#[test]
fn undecodable_requests_get_the_policys_answer() {
    let requests = [
        json!({"operation": 1, "resource": {}}),
        json!({"operation": "CREATE"}),
        json!({"operation": "CREATE", "resource": {"group": "apps", "version": "v1", "resource": "deployments"}}),
        json!({"operation": "UPDATE", "resource": {"group": "ray.io", "version": "v1", "resource": "rayservices"},
               "userInfo": {"groups": ["a", 2]}}),
    ];
    for request in requests {
        let (resp, _) = policy()
            .validate(&request, &json!({}), Fixtures::default())
            .unwrap();
        let from_policy = json!({"allowed": resp.accepted, "rule": resp.audit_annotations.as_ref().and_then(|a| a.get(RULE_ANNOTATION)).cloned(), "message": resp.message, "mutated": resp.mutated_object});
        let e = api::evaluate(&json!({"request": request}), Domain::Any).unwrap();
        assert_eq!(shown(&e), from_policy, "{request}");
    }
}
