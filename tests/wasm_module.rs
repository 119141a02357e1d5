//! Runs the built policy module, not the native code: every case file under
//! `tests/data/` and `examples/cases/` through the runner, plus settings and malformed input.
//!
//! Build the module first (cargo cannot build a wasm artifact as a dependency
//! of a native test): `cargo build -p transition-guard --target wasm32-wasip1 --release`.

use std::path::PathBuf;
use std::sync::OnceLock;

use policy_runner::case::collect_case_files;
use policy_runner::{Case, Fixtures, Policy, SettingsResponse};
use serde_json::{json, Value};

fn module_path() -> PathBuf {
    std::env::var_os("TRANSITION_GUARD_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/wasm32-wasip1/release/transition_guard.wasm")
        })
}

/// The module, compiled once for the whole test binary.
fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let path = module_path();
        assert!(
            path.exists(),
            "{} is missing: build it with `cargo build -p transition-guard --target wasm32-wasip1 --release`",
            path.display()
        );
        Policy::load(&path).unwrap_or_else(|e| panic!("{e}"))
    })
}

#[test]
fn every_case_file_gives_its_expected_verdict_through_the_module() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let files = collect_case_files(&[repo.join("tests/data"), repo.join("examples/cases")]).unwrap();
    assert!(files.len() > 100, "too few case files: {}", files.len());
    let mut failures = Vec::new();
    for f in &files {
        if let Err(e) = Case::read(f).and_then(|c| c.run(policy())) {
            failures.push(format!("{}: {e}", f.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn settings_errors_name_the_key() {
    let p = policy();
    assert_eq!(
        p.validate_settings(&json!({"maxQueueDepth": 3, "mutateQueueDefaults": true}))
            .unwrap(),
        SettingsResponse {
            valid: true,
            message: None
        }
    );
    assert_eq!(
        p.validate_settings(&json!({"maxDepth": 3})).unwrap(),
        SettingsResponse {
            valid: false,
            message: Some(
                "unknown setting `maxDepth`; known settings are maxQueueDepth, enableQueueAllocatedPodsCheck, enableRootQueueProtection, mutateQueueDefaults, statusWriters"
                    .into()
            )
        }
    );
    assert_eq!(
        p.validate_settings(&json!({"enableRootQueueProtection": "yes"}))
            .unwrap(),
        SettingsResponse {
            valid: false,
            message: Some("enableRootQueueProtection: expected boolean, got string".into())
        }
    );
}

fn validate_raw(payload: &[u8]) -> Value {
    serde_json::from_slice(&policy().call_raw("validate", payload).unwrap()).unwrap()
}

#[test]
fn malformed_payloads_are_rejected_with_the_reason_not_a_trap() {
    let r = validate_raw(b"{\"request\": ");
    assert_eq!(r["accepted"], false);
    assert_eq!(r["code"], 400);
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot decode the admission request: validation payload is not valid JSON"),
        "{r}"
    );
    let r = validate_raw(br#"{"request": {"operation": 1, "resource": {}}, "settings": {}}"#);
    assert_eq!(
        r["message"],
        "cannot decode the admission request: request.operation: expected string, got integer"
    );
    let r = validate_raw(br#"{"request": {"operation": "CREATE", "resource": {"group": "apps", "version": "v1", "resource": "deployments"}}, "settings": {}}"#);
    assert_eq!(r["accepted"], false);
    assert_eq!(
        r["message"],
        "transition-guard does not guard resource apps/v1, Resource=deployments; the policy's rules should not send it here"
    );
}

#[test]
fn a_request_is_evaluated_with_the_settings_it_comes_with() {
    let request = json!({
        "uid": "x", "operation": "CREATE", "name": "q",
        "kind": {"group": "scheduling.volcano.sh", "version": "v1beta1", "kind": "Queue"},
        "resource": {"group": "scheduling.volcano.sh", "version": "v1beta1", "resource": "queues"},
        "object": {"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "Queue", "metadata": {"name": "q"}, "status": {"state": "Closing"}}
    });
    let (resp, calls) = policy()
        .validate(&request, &json!({}), Fixtures::default())
        .unwrap();
    assert!(!resp.accepted);
    assert_eq!(
        resp.message.as_deref(),
        Some("requestBody.spec.state: Invalid value: \"Closing\": queue state must be in [Open Closed]")
    );
    assert_eq!(calls, vec![], "a single-object rule made a lookup");
    let bad = policy()
        .validate(&request, &json!({"maxQueueDepth": "x"}), Fixtures::default())
        .unwrap()
        .0;
    assert_eq!(
        bad.message.as_deref(),
        Some("cannot decode the admission request: settings: maxQueueDepth: expected integer, got string")
    );
}
