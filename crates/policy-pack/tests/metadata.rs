//! The shipped metadata and the files derived from it agree with the code.
//! (Checks against the built module are in tests/module.rs.)

use std::collections::BTreeSet;
use std::path::PathBuf;

use policy_pack::metadata::{keys, ContextAwareResource, Metadata, ProtocolVersion};
use policy_pack::{artifacthub, MetadataError};
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    let path = repo().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn metadata() -> Metadata {
    Metadata::from_yaml(&read("policy-metadata/metadata.yml")).unwrap()
}

fn lookup_kinds() -> BTreeSet<ContextAwareResource> {
    transition_core::cluster::LOOKUP_KINDS
        .iter()
        .map(|k| ContextAwareResource {
            api_version: k.api_version.to_string(),
            kind: k.kind.to_string(),
        })
        .collect()
}

#[test]
fn context_aware_resources_are_exactly_the_kinds_the_rules_look_up() {
    assert_eq!(metadata().context_aware_resources, lookup_kinds());
}

#[test]
fn metadata_is_what_kwctl_accepts_and_carries_every_annotation_users_see() {
    let mut m = metadata();
    assert_eq!(m.validate(), Err(MetadataError::Protocol(None)));
    m.protocol_version = Some(ProtocolVersion::V1);
    assert_eq!(m.validate(), Ok(()));
    for key in [
        keys::TITLE,
        keys::VERSION,
        keys::DESCRIPTION,
        keys::AUTHOR,
        keys::URL,
        keys::OCI_URL,
        keys::SOURCE,
        keys::LICENSE,
        keys::SEVERITY,
        keys::CATEGORY,
        keys::ARTIFACTHUB_DISPLAY_NAME,
        keys::ARTIFACTHUB_RESOURCES,
        keys::ARTIFACTHUB_KEYWORDS,
    ] {
        assert!(
            m.annotation(key).is_some_and(|v| !v.is_empty()),
            "annotation {key} is missing"
        );
    }
    // usage comes from the README at annotate time, kwctl's version from the tool
    assert_eq!(m.annotation(keys::USAGE), None);
    assert_eq!(m.annotation(keys::KWCTL), None);
    assert_eq!(m.annotation(keys::VERSION), Some(env!("CARGO_PKG_VERSION")));
    assert_eq!(m.annotation(keys::LICENSE), Some("Apache-2.0"));
}

#[test]
fn every_rule_the_core_routes_is_in_the_metadata() {
    let resources: BTreeSet<(String, String, String)> = metadata()
        .rules
        .iter()
        .flat_map(|r| {
            let (g, v) = (r.api_groups[0].clone(), r.api_versions[0].clone());
            r.resources
                .iter()
                .map(move |res| (g.clone(), v.clone(), res.clone()))
        })
        .collect();
    let t = |g: &str, v: &str, r: &str| (g.to_string(), v.to_string(), r.to_string());
    assert_eq!(
        resources,
        BTreeSet::from([
            t("scheduling.volcano.sh", "v1beta1", "queues"),
            t("scheduling.volcano.sh", "v1beta1", "queues/status"),
            t("scheduling.volcano.sh", "v1beta1", "podgroups"),
            t("batch.volcano.sh", "v1alpha1", "jobs"),
            t("ray.io", "v1", "rayservices"),
            t("ray.io", "v1", "rayservices/status"),
            t("", "v1", "services"),
        ])
    );
    assert!(metadata().mutating, "mutateQueueDefaults can mutate Queue CREATE");
}

#[test]
fn artifacthub_pkg_is_what_kwctl_scaffold_artifacthub_writes() {
    let committed = read("artifacthub-pkg.yml");
    let created_at = artifacthub::created_at(&committed).expect("artifacthub-pkg.yml has a createdAt");
    assert_eq!(
        artifacthub::scaffold(&metadata(), &created_at).unwrap(),
        committed,
        "artifacthub-pkg.yml is stale: run `cargo run -p policy-pack -- scaffold artifacthub -m policy-metadata/metadata.yml -o artifacthub-pkg.yml`"
    );
    let doc: serde_yaml::Value = serde_yaml::from_str(&committed).unwrap();
    assert_eq!(doc["version"].as_str(), Some(env!("CARGO_PKG_VERSION")));
    assert_eq!(
        doc["containersImages"][0]["image"].as_str(),
        Some(
            format!(
                "ghcr.io/transition-guard/policies/transition-guard:v{}",
                env!("CARGO_PKG_VERSION")
            )
            .as_str()
        )
    );
}

#[test]
fn policy_server_config_grants_exactly_the_metadata() {
    let doc: Value = serde_yaml::from_str(&read("examples/policies.yml")).unwrap();
    let entry = &doc["transition-guard"];
    let granted: BTreeSet<ContextAwareResource> =
        serde_json::from_value(entry["contextAwareResources"].clone()).unwrap();
    assert_eq!(granted, lookup_kinds());
    let caps: BTreeSet<String> = serde_json::from_value(entry["hostCapabilities"].clone()).unwrap();
    assert_eq!(Some(caps), metadata().host_capabilities);
    assert!(entry["module"]
        .as_str()
        .unwrap()
        .ends_with("transition-guard.annotated.wasm"));
    let settings = transition_core::Settings::from_value(&entry["settings"]);
    assert!(settings.is_ok(), "{settings:?}");
}
