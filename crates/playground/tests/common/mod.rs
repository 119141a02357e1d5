//! Shared by the playground's test binaries: the repository's case files.
#![allow(dead_code)] // each test binary uses its own part

use std::path::{Path, PathBuf};

use policy_runner::case::collect_case_files;
use policy_runner::Case;
use serde_json::{json, Value};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every case file under `tests/data/` and `examples/cases/`.
pub fn cases() -> Vec<Case> {
    let files = collect_case_files(&[repo().join("tests/data"), repo().join("examples/cases")]).unwrap();
    assert!(files.len() > 100, "too few case files: {}", files.len());
    files
        .iter()
        .map(|f| Case::read(f).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// The playground input for a case as a whole request (the page's "full
/// AdmissionRequest" mode).
pub fn full_input(case: &Case) -> Value {
    json!({
        "request": case.request,
        "settings": case.settings,
        "context": case.fixtures.objects(),
    })
}
