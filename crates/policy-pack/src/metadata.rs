//! Kubewarden policy metadata: the YAML a policy author writes and the JSON
//! that `kwctl annotate` embeds in the module.
//!
//! The struct mirrors policy-evaluator's `Metadata` field for field and in the
//! same order, because the embedded JSON is `serde_json::to_vec` of it:
//! `protocolVersion`, `rules`, `annotations` (omitted when absent), `mutating`,
//! `backgroundAudit`, `executionMode`, `policyType`, `contextAwareResources`
//! (a sorted set), `hostCapabilities` (a sorted set, omitted when absent),
//! `minimumKubewardenVersion` (omitted when absent). Annotations are a sorted
//! map.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// Annotation keys Kubewarden and ArtifactHub read.
pub mod keys {
    pub const TITLE: &str = "io.kubewarden.policy.title";
    pub const VERSION: &str = "io.kubewarden.policy.version";
    pub const DESCRIPTION: &str = "io.kubewarden.policy.description";
    pub const AUTHOR: &str = "io.kubewarden.policy.author";
    pub const URL: &str = "io.kubewarden.policy.url";
    pub const OCI_URL: &str = "io.kubewarden.policy.ociUrl";
    pub const SOURCE: &str = "io.kubewarden.policy.source";
    pub const LICENSE: &str = "io.kubewarden.policy.license";
    pub const USAGE: &str = "io.kubewarden.policy.usage";
    pub const SEVERITY: &str = "io.kubewarden.policy.severity";
    pub const CATEGORY: &str = "io.kubewarden.policy.category";
    pub const KWCTL: &str = "io.kubewarden.kwctl";
    pub const ARTIFACTHUB_DISPLAY_NAME: &str = "io.artifacthub.displayName";
    pub const ARTIFACTHUB_RESOURCES: &str = "io.artifacthub.resources";
    pub const ARTIFACTHUB_KEYWORDS: &str = "io.artifacthub.keywords";
}

/// An admission operation, spelled as Kubernetes spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Operation {
    #[serde(rename = "CREATE")]
    Create,
    #[serde(rename = "UPDATE")]
    Update,
    #[serde(rename = "DELETE")]
    Delete,
    #[serde(rename = "CONNECT")]
    Connect,
    #[serde(rename = "*")]
    All,
}

/// One webhook rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rule {
    pub api_groups: Vec<String>,
    pub api_versions: Vec<String>,
    pub resources: Vec<String>,
    pub operations: Vec<Operation>,
}

/// A kind the policy may look up at evaluation time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContextAwareResource {
    pub api_version: String,
    pub kind: String,
}

/// The waPC protocol version a policy reports from its `protocol_version`
/// operation (the SDK's `ProtocolVersion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProtocolVersion {
    #[serde(rename = "Unknown")]
    Unknown,
    #[serde(rename = "v1")]
    V1,
}

/// How the engine runs the module.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExecutionMode {
    #[default]
    #[serde(rename = "kubewarden-wapc")]
    KubewardenWapc,
    #[serde(rename = "opa")]
    Opa,
    #[serde(rename = "gatekeeper")]
    OpaGatekeeper,
    #[serde(rename = "wasi")]
    Wasi,
}

/// What the policy evaluates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyType {
    #[default]
    #[serde(rename = "kubernetes")]
    Kubernetes,
    #[serde(rename = "raw")]
    Raw,
}

fn default_true() -> bool {
    true
}

/// Policy metadata (`metadata.yml` in, `io.kubewarden.metadata` JSON out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    #[serde(default)]
    pub protocol_version: Option<ProtocolVersion>,
    pub rules: Vec<Rule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    pub mutating: bool,
    #[serde(default = "default_true")]
    pub background_audit: bool,
    #[serde(default)]
    pub execution_mode: ExecutionMode,
    #[serde(default)]
    pub policy_type: PolicyType,
    #[serde(default)]
    pub context_aware_resources: BTreeSet<ContextAwareResource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_capabilities: Option<BTreeSet<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_kubewarden_version: Option<String>,
}

/// Why metadata was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("metadata is not valid YAML for Kubewarden metadata: {0}")]
    Yaml(String),
    #[error("embedded metadata is not valid JSON: {0}")]
    Json(String),
    #[error("rules[{index}].{field}: {reason}")]
    Rule {
        index: usize,
        field: &'static str,
        reason: String,
    },
    #[error("contextAwareResources: {0}")]
    ContextAware(String),
    #[error("hostCapabilities: unknown capability `{0}` (known: {known})", known = HOST_CAPABILITIES.join(", "))]
    HostCapability(String),
    #[error("protocolVersion: a kubewarden-wapc policy needs a known protocol version, got {0:?}")]
    Protocol(Option<ProtocolVersion>),
}

/// Every host capability Kubewarden 1.36 knows (`namespace/operation`).
pub const HOST_CAPABILITIES: &[&str] = &[
    "crypto/v1/is_certificate_trusted",
    "kubernetes/can_i",
    "kubernetes/get_resource",
    "kubernetes/list_resources_all",
    "kubernetes/list_resources_by_namespace",
    "net/v1/dns_lookup_host",
    "oci/v1/manifest_digest",
    "oci/v1/oci_manifest",
    "oci/v1/oci_manifest_config",
    "oci/v1/verify",
    "oci/v2/verify",
];

impl Metadata {
    /// Parses `metadata.yml`.
    ///
    /// Errors: [`MetadataError::Yaml`] for bad YAML, unknown or missing fields.
    pub fn from_yaml(text: &str) -> Result<Self, MetadataError> {
        serde_yaml::from_str(text).map_err(|e| MetadataError::Yaml(e.to_string()))
    }

    /// The annotation `key`, if set.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.as_ref()?.get(key).map(String::as_str)
    }

    /// The checks kwctl makes before it annotates (policy-evaluator's
    /// `Metadata::validate`, run after the protocol version is filled in),
    /// plus host capability names.
    ///
    /// Errors: the first rule, resource or capability that kwctl would refuse.
    pub fn validate(&self) -> Result<(), MetadataError> {
        for (index, rule) in self.rules.iter().enumerate() {
            let err = |field, reason: &str| MetadataError::Rule {
                index,
                field,
                reason: reason.to_string(),
            };
            for (field, values) in [
                ("apiGroups", &rule.api_groups),
                ("apiVersions", &rule.api_versions),
                ("resources", &rule.resources),
            ] {
                if values.is_empty() {
                    return Err(err(field, "must not be empty"));
                }
                if field != "resources" && values.len() > 1 && values.iter().any(|v| v == "*") {
                    return Err(err(field, "no other elements can be defined when '*' is used"));
                }
            }
            if rule.operations.is_empty() {
                return Err(err("operations", "must not be empty"));
            }
            if rule.operations.len() > 1 && rule.operations.contains(&Operation::All) {
                return Err(err(
                    "operations",
                    "no other elements can be defined when '*' is used",
                ));
            }
            if rule.resources.iter().any(String::is_empty) {
                return Err(err("resources", "empty resource is not allowed"));
            }
            if rule.resources.len() > 1 && rule.resources.iter().any(|r| r == "*/*") {
                return Err(err(
                    "resources",
                    "if '*/*' is present, must not specify other resources",
                ));
            }
        }
        for r in &self.context_aware_resources {
            if r.api_version.is_empty() || r.kind.is_empty() {
                return Err(MetadataError::ContextAware(format!(
                    "apiVersion and kind must not be empty, got {r:?}"
                )));
            }
        }
        for cap in self.host_capabilities.iter().flatten() {
            let known = cap == "*"
                || HOST_CAPABILITIES.contains(&cap.as_str())
                || cap
                    .strip_suffix('*')
                    .is_some_and(|prefix| HOST_CAPABILITIES.iter().any(|c| c.starts_with(prefix)));
            if !known {
                return Err(MetadataError::HostCapability(cap.clone()));
            }
        }
        let protocol_ok = match self.execution_mode {
            ExecutionMode::KubewardenWapc => self.protocol_version == Some(ProtocolVersion::V1),
            _ => self.protocol_version.is_some(),
        };
        if !protocol_ok {
            return Err(MetadataError::Protocol(self.protocol_version));
        }
        Ok(())
    }

    /// The bytes kwctl writes into the `io.kubewarden.metadata` section.
    pub fn to_section_json(&self) -> Vec<u8> {
        // Serializing plain structs, strings and sorted maps cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads the JSON of an `io.kubewarden.metadata` section.
    ///
    /// Errors: [`MetadataError::Json`] when it is not Kubewarden metadata.
    pub fn from_section_json(bytes: &[u8]) -> Result<Self, MetadataError> {
        serde_json::from_slice(bytes).map_err(|e| MetadataError::Json(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
rules:
  - apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["pods"]
    operations: ["CREATE"]
mutating: false
annotations:
  io.kubewarden.policy.title: demo
  a.first: x
"#;

    #[test]
    fn section_json_has_kwctls_field_order_and_defaults() {
        let mut m = Metadata::from_yaml(MINIMAL).unwrap();
        m.protocol_version = Some(ProtocolVersion::V1);
        assert_eq!(
            String::from_utf8(m.to_section_json()).unwrap(),
            r#"{"protocolVersion":"v1","rules":[{"apiGroups":[""],"apiVersions":["v1"],"resources":["pods"],"operations":["CREATE"]}],"annotations":{"a.first":"x","io.kubewarden.policy.title":"demo"},"mutating":false,"backgroundAudit":true,"executionMode":"kubewarden-wapc","policyType":"kubernetes","contextAwareResources":[]}"#
        );
    }

    #[test]
    fn unknown_fields_and_bad_rules_are_refused_with_their_place() {
        let err = Metadata::from_yaml("rules: []\nmutating: false\ncontextAware: true\n").unwrap_err();
        assert!(
            matches!(&err, MetadataError::Yaml(m) if m.contains("unknown field `contextAware`")),
            "{err}"
        );
        let mut m = Metadata::from_yaml(
            &MINIMAL.replace(r#"operations: ["CREATE"]"#, r#"operations: ["*", "CREATE"]"#),
        )
        .unwrap();
        m.protocol_version = Some(ProtocolVersion::V1);
        assert_eq!(
            m.validate(),
            Err(MetadataError::Rule {
                index: 0,
                field: "operations",
                reason: "no other elements can be defined when '*' is used".into()
            })
        );
        let mut m = Metadata::from_yaml(MINIMAL).unwrap();
        assert_eq!(m.validate(), Err(MetadataError::Protocol(None)));
        m.protocol_version = Some(ProtocolVersion::V1);
        m.host_capabilities = Some(BTreeSet::from(["kubernetes/get_resources".to_string()]));
        assert_eq!(
            m.validate(),
            Err(MetadataError::HostCapability("kubernetes/get_resources".into()))
        );
        m.host_capabilities = Some(BTreeSet::from(["kubernetes/*".to_string()]));
        assert_eq!(m.validate(), Ok(()));
    }
}
