//! The `policy-runner` binary as a user runs it: every committed case file
//! through the built policy module, granted exactly what its metadata grants,
//! and the exit codes of a failed case and of a runner error.
//!
//! Build the module first (cargo cannot build a wasm artifact as a dependency
//! of a native test): `cargo build -p transition-guard --target wasm32-wasip1 --release`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `<target>/debug/deps/<exe>` → `<target>`, so a `CARGO_TARGET_DIR` elsewhere is honoured.
fn module_path() -> PathBuf {
    if let Some(p) = std::env::var_os("TRANSITION_GUARD_WASM") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    let target = exe.ancestors().nth(3).unwrap();
    let path = target.join("wasm32-wasip1/release/transition_guard.wasm");
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build -p transition-guard --target wasm32-wasip1 --release`",
        path.display()
    );
    path
}

fn runner(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_policy-runner"))
        .current_dir(repo())
        .args(args)
        .output()
        .unwrap()
}

/// `policy-runner test` of `paths`, granted what `policy-metadata/metadata.yml` grants.
fn test_with_metadata(module: &Path, paths: &[&str]) -> Output {
    let mut args = vec![
        "test",
        "--policy",
        module.to_str().unwrap(),
        "--metadata",
        "policy-metadata/metadata.yml",
    ];
    args.extend_from_slice(paths);
    runner(&args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_case_file_passes_through_the_binary_with_the_metadata_grants() {
    let module = module_path();
    let out = test_with_metadata(&module, &["tests/data", "examples/cases"]);
    assert_all_pass(&out);
}

/// The artifact users get (wasm-opt'd, then annotated by
/// `scripts/build-module.sh`), granted only what its embedded metadata says,
/// as `kwctl run` and policy-server grant it.
#[test]
fn every_case_file_passes_through_the_shipped_module() {
    let shipped = repo().join("build/transition-guard.annotated.wasm");
    assert!(
        shipped.exists(),
        "{} is missing: build it with `bash scripts/build-module.sh`",
        shipped.display()
    );
    let out = runner(&[
        "test",
        "--policy",
        shipped.to_str().unwrap(),
        "tests/data",
        "examples/cases",
    ]);
    assert_all_pass(&out);
}

fn assert_all_pass(out: &Output) {
    let stdout = text(&out.stdout);
    let failures: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(failures, Vec::<&str>::new(), "stderr: {}", text(&out.stderr));
    let last = stdout.lines().last().unwrap_or("");
    let passed: usize = last
        .strip_suffix(" passed, 0 failed")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected summary line {last:?}"));
    // Every case file is a `.json` under the two directories.
    let files = count_json(&repo().join("tests/data")) + count_json(&repo().join("examples/cases"));
    assert_eq!(passed, files);
    assert_eq!(out.status.code(), Some(0));
}

fn count_json(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            if p.is_dir() {
                count_json(&p)
            } else {
                usize::from(p.extension().is_some_and(|e| e == "json"))
            }
        })
        .sum()
}

#[test]
fn a_case_whose_expectation_is_wrong_fails_with_exit_code_1() {
    let dir = tempdir();
    let case: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("examples/cases/volcano-queue-lifecycle/01-create-queue.json"))
            .unwrap(),
    )
    .unwrap();
    let mut wrong = case.clone();
    wrong["expect"] = serde_json::json!({"allowed": false});
    let file = dir.join("wrong.json");
    std::fs::write(&file, serde_json::to_vec(&wrong).unwrap()).unwrap();
    let module = module_path();
    let out = test_with_metadata(&module, &[file.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(&format!("FAIL {}", file.display())),
        "{stdout}"
    );
    assert_eq!(stdout.lines().last(), Some("0 passed, 1 failed"));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_missing_module_is_a_runner_error_with_exit_code_2() {
    let out = runner(&["test", "--policy", "/nonexistent/policy.wasm", "tests/data"]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("policy-runner: ") && stderr.contains("/nonexistent/policy.wasm"),
        "{stderr}"
    );
    assert_eq!(out.stdout, b"");
    assert_eq!(out.status.code(), Some(2));
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("policy-runner-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
