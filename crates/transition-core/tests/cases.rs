//! Runs every case file under the repository's `tests/data/` and `examples/cases/` through
//! [`transition_core::evaluate`] natively, with the case's context as an
//! in-memory cluster. The same files run through the built wasm module in the
//! root crate's tests; this run pins down the core's own answer.

mod common;

use std::path::Path;

use serde_json::Value;
use transition_core::cluster::ObjectStore;
use transition_core::{evaluate, AdmissionRequest, Settings, Verdict};

/// True when every key of `want` is in `got` with a matching value
/// (objects compared as subsets, everything else by equality).
fn contains(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| g.get(k).is_some_and(|gv| contains(gv, wv))),
        _ => got == want,
    }
}

fn check(case: &Value) -> Result<(), String> {
    let settings =
        Settings::from_value(case.get("settings").unwrap_or(&Value::Null)).map_err(|e| e.to_string())?;
    let request =
        AdmissionRequest::from_value(case["request"].clone(), "request").map_err(|e| e.to_string())?;
    let objects = case
        .pointer("/context/resources")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut cluster = ObjectStore::new(objects);
    let verdict = evaluate(&request, &settings, &mut cluster);
    let expect = &case["expect"];
    let allowed = expect["allowed"]
        .as_bool()
        .ok_or("expect.allowed is not a boolean")?;
    if verdict.is_allowed() != allowed {
        return Err(format!("expected allowed={allowed}, got {verdict:?}"));
    }
    if let Some(want) = expect.get("message_contains").and_then(Value::as_str) {
        let msg = verdict.rejection().map(|r| r.message.as_str()).unwrap_or("");
        if !msg.contains(want) {
            return Err(format!("message {msg:?} does not contain {want:?}"));
        }
    }
    if let Some(want) = expect.get("rule").and_then(Value::as_str) {
        let got = verdict.rejection().map(|r| r.rule).unwrap_or("");
        if got != want {
            return Err(format!("expected rule {want}, got {got:?} ({verdict:?})"));
        }
    }
    if let Some(want) = expect.get("mutated_object_contains") {
        match &verdict {
            Verdict::Mutate { object, .. } if contains(object, want) => {}
            other => return Err(format!("expected a mutation containing {want}, got {other:?}")),
        }
    }
    Ok(())
}

#[test]
fn every_case_file_gives_its_expected_verdict() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["tests/data", "examples/cases"] {
        common::case_files(&repo.join(dir), &mut files);
    }
    assert!(
        files.len() > 100,
        "too few case files under {}: {}",
        repo.display(),
        files.len()
    );
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let case: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        if let Err(e) = check(&case) {
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
