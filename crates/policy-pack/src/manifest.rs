//! `kwctl scaffold manifest -t ClusterAdmissionPolicy`, reproduced.
//!
//! kwctl builds the resource from the module's embedded metadata:
//! `metadata.name` is the title (or `--title`), `metadata.annotations` keep
//! only severity and category, `spec` carries module, settings, rules,
//! mutating, `backgroundAudit` only when false, and `contextAwareResources`
//! only with `--allow-context-aware`.
//!
//! One addition, the "tune it to your liking" step kwctl leaves to the user:
//! `only_resources` keeps the rules for some resources and `only_kinds` the
//! grants for some kinds, so one module can be deployed as a policy per
//! family (Volcano queues, KubeRay RayServices).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::metadata::{keys, ContextAwareResource, Metadata, Rule};
use crate::PackError;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClusterAdmissionPolicy {
    api_version: &'static str,
    kind: &'static str,
    metadata: ObjectMeta,
    spec: Spec,
}

/// k8s-openapi's ObjectMeta serializes its set fields in name order.
#[derive(Serialize)]
struct ObjectMeta {
    #[serde(skip_serializing_if = "Option::is_none")]
    annotations: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    module: String,
    settings: serde_yaml::Mapping,
    rules: Vec<Rule>,
    mutating: bool,
    #[serde(skip_serializing_if = "is_true")]
    background_audit: bool,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    context_aware_resources: BTreeSet<ContextAwareResource>,
}

fn is_true(b: &bool) -> bool {
    *b
}

/// What to scaffold.
#[derive(Debug, Clone, Default)]
pub struct ManifestOptions {
    /// `registry://…`, `https://…` or `file://…` of the module.
    pub uri: String,
    /// `--title`: the policy's name (default: the title annotation).
    pub title: Option<String>,
    /// Settings as YAML or JSON text (default `{}`).
    pub settings: Option<String>,
    /// `--allow-context-aware`: grant the metadata's contextAwareResources.
    pub allow_context_aware: bool,
    /// Keep only the rules naming one of these resources (empty: all).
    pub only_resources: Vec<String>,
    /// Keep only the grants of these kinds (empty: all).
    pub only_kinds: Vec<String>,
}

/// Lowercase RFC 1123 subdomain, as kwctl checks titles.
fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// The YAML of a ClusterAdmissionPolicy for the module with `metadata`.
///
/// Errors: [`PackError::Manifest`] for an invalid title, settings that are not
/// a mapping, or filters that keep no rule.
pub fn scaffold(metadata: &Metadata, opts: &ManifestOptions) -> Result<String, PackError> {
    let err = |m: String| PackError::Manifest(m);
    let title = opts
        .title
        .clone()
        .or_else(|| metadata.annotation(keys::TITLE).map(str::to_string));
    if let Some(t) = &title {
        if !valid_name(t) {
            return Err(err(format!(
                "invalid title '{t}': use lowercase alphanumeric characters, '-' or '.', starting and ending with an alphanumeric character"
            )));
        }
    }
    let settings: serde_yaml::Mapping = serde_yaml::from_str(opts.settings.as_deref().unwrap_or("{}"))
        .map_err(|e| err(format!("settings must be a YAML or JSON mapping: {e}")))?;
    let annotations: BTreeMap<String, String> = [keys::SEVERITY, keys::CATEGORY]
        .iter()
        .filter_map(|k| metadata.annotation(k).map(|v| (k.to_string(), v.to_string())))
        .collect();
    let rules: Vec<Rule> = metadata
        .rules
        .iter()
        .filter(|r| {
            opts.only_resources.is_empty() || r.resources.iter().any(|res| opts.only_resources.contains(res))
        })
        .cloned()
        .collect();
    if rules.is_empty() {
        return Err(err(format!(
            "no rule of the metadata covers the resources {:?}",
            opts.only_resources
        )));
    }
    let context_aware_resources = if opts.allow_context_aware {
        metadata
            .context_aware_resources
            .iter()
            .filter(|r| opts.only_kinds.is_empty() || opts.only_kinds.contains(&r.kind))
            .cloned()
            .collect()
    } else {
        BTreeSet::new()
    };
    let policy = ClusterAdmissionPolicy {
        api_version: "policies.kubewarden.io/v1",
        kind: "ClusterAdmissionPolicy",
        metadata: ObjectMeta {
            annotations: (!annotations.is_empty()).then_some(annotations),
            name: title,
        },
        spec: Spec {
            module: opts.uri.clone(),
            settings,
            rules,
            mutating: metadata.mutating,
            background_audit: metadata.background_audit,
            context_aware_resources,
        },
    };
    serde_yaml::to_string(&policy).map_err(|e| err(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_follow_rfc_1123() {
        assert!(valid_name("transition-guard-volcano"));
        assert!(!valid_name("Transition"));
        assert!(!valid_name("-x"));
        assert!(!valid_name("a_b"));
    }
}
