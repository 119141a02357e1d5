//! Checks against the shipped module: `bash scripts/build-module.sh` first
//! (it builds, wasm-opts and annotates into build/).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use policy_pack::annotate::{self, KWCTL_FORMAT_VERSION};
use policy_pack::manifest::{self, ManifestOptions};
use policy_pack::metadata::{keys, Metadata, ProtocolVersion};
use policy_pack::{sessions, wasm};
use policy_runner::case::collect_case_files;
use policy_runner::{Case, Policy};

/// The annotated module must stay within this many bytes.
const BUDGET: usize = 300_000;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn build(name: &str) -> Vec<u8> {
    let path = repo().join("build").join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; build the module first: bash scripts/build-module.sh",
            path.display()
        )
    })
}

fn metadata() -> Metadata {
    Metadata::from_yaml(&std::fs::read_to_string(repo().join("policy-metadata/metadata.yml")).unwrap())
        .unwrap()
}

#[test]
fn host_capabilities_are_exactly_the_host_calls_the_module_makes() {
    let declared = metadata().host_capabilities.unwrap();
    // statically, as kwctl annotate scans the module
    assert_eq!(
        wasm::detected_host_capabilities(&build("transition-guard.opt.wasm")).unwrap(),
        declared
    );
    // and at run time: every case file through the module
    let policy = Policy::from_bytes(&build("transition-guard.annotated.wasm")).unwrap();
    let files = collect_case_files(&[repo().join("tests/data"), repo().join("examples/cases")]).unwrap();
    let mut used = BTreeSet::new();
    for f in &files {
        let case = Case::read(f).unwrap();
        let (_, calls) = policy
            .validate(&case.request, &case.settings, case.fixtures.clone())
            .unwrap();
        for c in calls.iter().filter(|c| c.namespace != "tracing") {
            used.insert(format!("{}/{}", c.namespace, c.operation));
        }
    }
    assert_eq!(used, declared);
}

#[test]
fn the_annotated_module_carries_kwctls_section_and_json() {
    let plain = build("transition-guard.opt.wasm");
    let shipped = build("transition-guard.annotated.wasm");
    let embedded = annotate::read_metadata(&shipped).unwrap().expect("annotated");
    assert_eq!(embedded.protocol_version, Some(ProtocolVersion::V1));
    assert_eq!(embedded.annotation(keys::KWCTL), Some(KWCTL_FORMAT_VERSION));
    let usage = embedded.annotation(keys::USAGE).expect("usage from the README");
    assert!(usage.contains("## Install from the registry"), "{usage}");
    // kwctl's JSON: the metadata file plus protocol version and the two annotations
    let mut expected = metadata();
    expected.protocol_version = Some(ProtocolVersion::V1);
    let ann = expected.annotations.as_mut().unwrap();
    ann.insert(keys::KWCTL.into(), KWCTL_FORMAT_VERSION.into());
    ann.insert(keys::USAGE.into(), usage.into());
    assert_eq!(
        wasm::metadata_section(&shipped).unwrap(),
        Some(expected.to_section_json().as_slice())
    );
    // the module itself is untouched: annotating again from the optimized module gives the same bytes
    let again = annotate::annotate(&plain, metadata(), Some(usage), KWCTL_FORMAT_VERSION).unwrap();
    assert_eq!(again.module, shipped);
    assert!(again.undeclared.is_empty() && again.unused.is_empty());
    assert_eq!(&shipped[..plain.len()], &plain[..]);
    // and it still runs
    let policy = Policy::from_bytes(&shipped).unwrap();
    assert_eq!(policy.call_raw("protocol_version", b"").unwrap(), b"\"v1\"");
}

#[test]
fn the_annotated_module_is_within_its_size_budget() {
    let size = build("transition-guard.annotated.wasm").len();
    assert!(
        size <= BUDGET,
        "annotated module is {size} bytes, over the {BUDGET}-byte budget"
    );
}

/// The documented commands behind examples/manifests (README "Configure").
fn manifest_options() -> Vec<(&'static str, ManifestOptions)> {
    let uri = "registry://ghcr.io/transition-guard/policies/transition-guard:v0.1.0".to_string();
    vec![
        (
            "examples/manifests/volcano-queues.yaml",
            ManifestOptions {
                uri: uri.clone(),
                title: Some("transition-guard-volcano".into()),
                settings: Some(r#"{"maxQueueDepth": 5, "enableRootQueueProtection": true}"#.into()),
                allow_context_aware: true,
                only_resources: ["queues", "queues/status", "podgroups", "jobs"]
                    .map(String::from)
                    .to_vec(),
                only_kinds: ["Queue", "PodGroup"].map(String::from).to_vec(),
            },
        ),
        (
            "examples/manifests/kuberay-rayservices.yaml",
            ManifestOptions {
                uri,
                title: Some("transition-guard-kuberay".into()),
                settings: None,
                allow_context_aware: true,
                only_resources: ["rayservices", "rayservices/status", "services"]
                    .map(String::from)
                    .to_vec(),
                only_kinds: ["RayService", "RayCluster", "Service"].map(String::from).to_vec(),
            },
        ),
    ]
}

#[test]
fn example_manifests_are_what_the_documented_scaffold_writes() {
    let embedded = annotate::read_metadata(&build("transition-guard.annotated.wasm"))
        .unwrap()
        .unwrap();
    for (file, opts) in manifest_options() {
        let committed = std::fs::read_to_string(repo().join(file)).unwrap();
        assert_eq!(
            manifest::scaffold(&embedded, &opts).unwrap(),
            committed,
            "{file} is stale"
        );
    }
}

#[test]
fn e2e_inputs_are_the_bundled_cases_with_their_recorded_host_calls() {
    let policy = Policy::from_bytes(&build("transition-guard.annotated.wasm")).unwrap();
    let files = collect_case_files(&[repo().join("examples/cases")]).unwrap();
    assert!(files.len() >= 10, "{files:?}");
    let mut with_lookups = 0;
    for f in &files {
        let case = Case::read(f).unwrap();
        let e2e = sessions::e2e_files(&policy, &case).unwrap();
        let dir = repo().join("examples/e2e").join(dir_name(f));
        for (name, want) in [
            ("request.json", &e2e.request),
            ("settings.json", &e2e.settings),
            ("session.yml", &e2e.session),
            ("expect.json", &e2e.expect),
        ] {
            let got = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
            assert_eq!(
                &got,
                want,
                "{}/{name} is stale: run the command in README \"End-to-end with kwctl\"",
                dir.display()
            );
        }
        with_lookups += usize::from(e2e.session != "[]\n");
    }
    assert!(with_lookups >= 5, "too few context-aware cases: {with_lookups}");
}

fn dir_name(file: &Path) -> String {
    format!(
        "{}--{}",
        file.parent().unwrap().file_name().unwrap().to_string_lossy(),
        file.file_stem().unwrap().to_string_lossy()
    )
}
