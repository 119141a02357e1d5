//! What a policy may ask of the host, as the Kubewarden engine enforces it.
//!
//! policy-server and kwctl answer a Kubernetes lookup only for the
//! (apiVersion, kind) pairs in the policy's `contextAwareResources`, and a
//! host call only when its `namespace/operation` matches the policy's
//! `hostCapabilities` (`kubernetes/get_resource`, `kubernetes/*`, `*`).
//! Everything else fails with the engine's own error text, so a policy that
//! forgets a kind in its metadata fails here as it would in a cluster.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

/// The custom section in which `kwctl annotate` embeds the metadata.
pub const METADATA_SECTION: &str = "io.kubewarden.metadata";

/// Why metadata or grants could not be read. Every variant names where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantsError {
    #[error("{source_name}: cannot parse: {reason}")]
    Parse { source_name: String, reason: String },
    #[error("{source_name}: {field}: {reason}")]
    Field {
        source_name: String,
        field: String,
        reason: String,
    },
}

/// An (apiVersion, kind) pair the policy may look up.
pub type KindGrant = (String, String);

/// The grants one evaluation runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grants {
    /// `None`: every kind (lenient mode, `--grant-all`).
    pub kinds: Option<BTreeSet<KindGrant>>,
    /// `None`: every host call (lenient mode).
    pub capabilities: Option<Vec<String>>,
    /// Where the grants came from, for the message of a denied lookup.
    pub origin: Origin,
}

/// Where a set of grants came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// No metadata at all: nothing is granted.
    NoMetadata,
    /// The module's embedded metadata, a metadata file, or a case.
    Declared(String),
    /// `--grant-all`.
    GrantAll,
}

impl Default for Grants {
    /// No metadata: nothing granted.
    fn default() -> Self {
        Grants {
            kinds: Some(BTreeSet::new()),
            capabilities: Some(Vec::new()),
            origin: Origin::NoMetadata,
        }
    }
}

impl Grants {
    /// Everything allowed: for quick experiments only.
    pub fn all() -> Self {
        Grants {
            kinds: None,
            capabilities: None,
            origin: Origin::GrantAll,
        }
    }

    /// Reads `contextAwareResources` and `hostCapabilities` from a metadata
    /// document (the YAML of `metadata.yml`, or the JSON kwctl embeds).
    /// `source_name` names the document in errors.
    pub fn from_metadata(doc: &Value, source_name: &str) -> Result<Self, GrantsError> {
        if !doc.is_object() {
            return Err(field_err(
                source_name,
                "(top level)",
                "metadata must be a mapping",
            ));
        }
        let kinds = match doc.get("contextAwareResources") {
            None | Some(Value::Null) => BTreeSet::new(),
            Some(v) => kind_list(v, source_name, "contextAwareResources")?,
        };
        let capabilities = match doc.get("hostCapabilities") {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => capability_list(v, source_name, "hostCapabilities")?,
        };
        Ok(Grants {
            kinds: Some(kinds),
            capabilities: Some(capabilities),
            origin: Origin::Declared(source_name.to_string()),
        })
    }

    /// Reads a metadata YAML file.
    pub fn from_metadata_file(path: &Path) -> Result<Self, GrantsError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| GrantsError::Parse {
            source_name: name.clone(),
            reason: e.to_string(),
        })?;
        let doc: Value = serde_yaml::from_str(&text).map_err(|e| GrantsError::Parse {
            source_name: name.clone(),
            reason: e.to_string(),
        })?;
        Self::from_metadata(&doc, &name)
    }

    /// Reads the metadata `kwctl annotate` embedded in `module`, if any.
    pub fn from_module(module: &[u8]) -> Result<Option<Self>, GrantsError> {
        for payload in wasmparser::Parser::new(0).parse_all(module) {
            let payload = payload.map_err(|e| GrantsError::Parse {
                source_name: "policy module".into(),
                reason: e.to_string(),
            })?;
            if let wasmparser::Payload::CustomSection(section) = payload {
                if section.name() == METADATA_SECTION {
                    let name = format!("custom section {METADATA_SECTION}");
                    let doc: Value =
                        serde_json::from_slice(section.data()).map_err(|e| GrantsError::Parse {
                            source_name: name.clone(),
                            reason: e.to_string(),
                        })?;
                    return Self::from_metadata(&doc, &name).map(Some);
                }
            }
        }
        Ok(None)
    }

    /// Overrides from a case file: `grants` (a list of `{apiVersion, kind}`)
    /// and `hostCapabilities` (a list of patterns); absent fields keep `self`'s.
    pub fn with_case_overrides(&self, case: &Value, file: &str) -> Result<Self, GrantsError> {
        let mut g = self.clone();
        if let Some(v) = case.get("grants").filter(|v| !v.is_null()) {
            g.kinds = Some(kind_list(v, file, "grants")?);
            g.origin = Origin::Declared(format!("{file} (grants)"));
        }
        if let Some(v) = case.get("hostCapabilities").filter(|v| !v.is_null()) {
            g.capabilities = Some(capability_list(v, file, "hostCapabilities")?);
            g.origin = Origin::Declared(format!("{file} (hostCapabilities)"));
        }
        Ok(g)
    }

    /// Parses a comma-separated `--host-capabilities` value.
    pub fn with_capabilities_arg(&self, arg: &str) -> Result<Self, GrantsError> {
        let list: Vec<Value> = arg
            .split(',')
            .map(|s| Value::String(s.trim().to_string()))
            .collect();
        let mut g = self.clone();
        g.capabilities = Some(capability_list(
            &Value::Array(list),
            "--host-capabilities",
            "value",
        )?);
        Ok(g)
    }

    /// `Err` with the engine's text when `namespace/operation` is not granted.
    /// `tracing` is never gated, as in policy-server.
    pub fn check_capability(&self, namespace: &str, operation: &str) -> Result<(), String> {
        if namespace == "tracing" {
            return Ok(());
        }
        let path = format!("{namespace}/{operation}");
        let allowed = match &self.capabilities {
            None => true,
            Some(list) => list
                .iter()
                .any(|p| p == "*" || p == &path || p.strip_suffix("/*").is_some_and(|ns| ns == namespace)),
        };
        if allowed {
            Ok(())
        } else {
            Err(self.explain(format!(
                "Policy has not been granted access to the '{path}' host capability. The violation has been reported."
            )))
        }
    }

    /// `Err` with the engine's text when a lookup of `api_version`/`kind` is not granted.
    pub fn check_kind(&self, api_version: &str, kind: &str) -> Result<(), String> {
        let allowed = match &self.kinds {
            None => true,
            Some(set) => set.contains(&(api_version.to_string(), kind.to_string())),
        };
        if allowed {
            Ok(())
        } else {
            Err(self.explain(format!(
                "Policy has not been granted access to Kubernetes {api_version}/{kind} resources. The violation has been reported."
            )))
        }
    }

    fn explain(&self, engine_text: String) -> String {
        match self.origin {
            Origin::NoMetadata => format!(
                "{engine_text} (policy-runner: the module carries no metadata, so nothing is granted; annotate it, \
                 pass --metadata FILE, give the case `grants`/`hostCapabilities`, or use --grant-all)"
            ),
            _ => engine_text,
        }
    }
}

fn field_err(source_name: &str, field: &str, reason: &str) -> GrantsError {
    GrantsError::Field {
        source_name: source_name.to_string(),
        field: field.to_string(),
        reason: reason.to_string(),
    }
}

fn kind_list(v: &Value, source_name: &str, field: &str) -> Result<BTreeSet<KindGrant>, GrantsError> {
    let items = v
        .as_array()
        .ok_or_else(|| field_err(source_name, field, "must be a list of {apiVersion, kind}"))?;
    let mut out = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let get = |key: &str| -> Result<String, GrantsError> {
            match item.get(key) {
                Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
                Some(Value::String(_)) => Err(field_err(
                    source_name,
                    &format!("{field}[{i}].{key}"),
                    "must not be empty",
                )),
                _ => Err(field_err(
                    source_name,
                    &format!("{field}[{i}].{key}"),
                    "must be a string",
                )),
            }
        };
        out.insert((get("apiVersion")?, get("kind")?));
    }
    Ok(out)
}

fn capability_list(v: &Value, source_name: &str, field: &str) -> Result<Vec<String>, GrantsError> {
    let items = v.as_array().ok_or_else(|| {
        field_err(
            source_name,
            field,
            "must be a list of `namespace/operation` patterns",
        )
    })?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::String(s) if s == "*" || (s.contains('/') && !s.starts_with('/') && !s.ends_with('/')) => {
                Ok(s.clone())
            }
            _ => Err(field_err(
                source_name,
                &format!("{field}[{i}]"),
                "must be `*`, `namespace/*` or `namespace/operation`",
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn metadata() -> Value {
        json!({
            "contextAwareResources": [{"apiVersion": "v1", "kind": "Service"}],
            "hostCapabilities": ["kubernetes/get_resource"]
        })
    }

    #[test]
    fn declared_kinds_and_capabilities_are_granted_and_nothing_else() {
        let g = Grants::from_metadata(&metadata(), "m.yml").unwrap();
        assert_eq!(g.check_kind("v1", "Service"), Ok(()));
        assert_eq!(
            g.check_kind("ray.io/v1", "RayCluster"),
            Err("Policy has not been granted access to Kubernetes ray.io/v1/RayCluster resources. The violation has been reported.".into())
        );
        assert_eq!(g.check_capability("kubernetes", "get_resource"), Ok(()));
        assert_eq!(
            g.check_capability("kubernetes", "list_resources_all"),
            Err("Policy has not been granted access to the 'kubernetes/list_resources_all' host capability. The violation has been reported.".into())
        );
        assert_eq!(g.check_capability("tracing", "log"), Ok(()));
    }

    #[test]
    fn capability_patterns() {
        let g = Grants::default().with_capabilities_arg("kubernetes/*").unwrap();
        assert_eq!(g.check_capability("kubernetes", "can_i"), Ok(()));
        assert!(g.check_capability("oci", "v1/verify").is_err());
        let g = Grants::default().with_capabilities_arg("*").unwrap();
        assert_eq!(g.check_capability("oci", "v1/verify"), Ok(()));
    }

    #[test]
    fn no_metadata_grants_nothing_and_says_how_to_grant() {
        let err = Grants::default().check_kind("v1", "Service").unwrap_err();
        assert!(
            err.starts_with("Policy has not been granted access to Kubernetes v1/Service resources."),
            "{err}"
        );
        assert!(err.contains("pass --metadata FILE"), "{err}");
        assert!(err.contains("--grant-all"), "{err}");
        assert_eq!(Grants::all().check_kind("v1", "Service"), Ok(()));
    }

    #[test]
    fn bad_metadata_names_the_field() {
        assert_eq!(
            Grants::from_metadata(
                &json!({"contextAwareResources": [{"apiVersion": "v1", "kind": ""}]}),
                "m.yml"
            ),
            Err(GrantsError::Field {
                source_name: "m.yml".into(),
                field: "contextAwareResources[0].kind".into(),
                reason: "must not be empty".into()
            })
        );
        assert_eq!(
            Grants::default().with_case_overrides(&json!({"grants": "Service"}), "case.json"),
            Err(GrantsError::Field {
                source_name: "case.json".into(),
                field: "grants".into(),
                reason: "must be a list of {apiVersion, kind}".into()
            })
        );
        assert_eq!(
            Grants::from_metadata(&json!({"hostCapabilities": ["get_resource"]}), "m.yml"),
            Err(GrantsError::Field {
                source_name: "m.yml".into(),
                field: "hostCapabilities[0]".into(),
                reason: "must be `*`, `namespace/*` or `namespace/operation`".into()
            })
        );
    }

    #[test]
    fn case_overrides_replace_the_kinds() {
        let g = Grants::from_metadata(&metadata(), "m.yml").unwrap();
        let g = g
            .with_case_overrides(
                &json!({"grants": [{"apiVersion": "ray.io/v1", "kind": "RayCluster"}]}),
                "c.json",
            )
            .unwrap();
        assert_eq!(g.check_kind("ray.io/v1", "RayCluster"), Ok(()));
        assert!(g.check_kind("v1", "Service").is_err());
    }
}
