//! The core's [`Cluster`] view, answered by Kubewarden's host capabilities.
//!
//! Host calls are made by hand (`kubewarden`/`kubernetes`/`get_resource` and
//! `list_resources_all`, exactly the `hostCapabilities` of
//! `policy-metadata/metadata.yml`) with the SDK's request shapes; building the SDK without
//! its `cluster-context` feature keeps k8s-openapi, and ~180 KB, out of the
//! module.

use kubewarden_policy_sdk::wapc_guest::host_call;
use serde::Serialize;
use transition_core::decode::contains;
use transition_core::{Cluster, LookupError, ResourceKind};

/// Lookups through the policy-server (or kwctl) host.
pub struct HostCluster;

/// Same fields, in the same order, as the SDK's `GetResourceRequest`.
#[derive(Serialize)]
struct GetResource<'a> {
    api_version: &'a str,
    kind: &'a str,
    name: &'a str,
    namespace: Option<&'a str>,
    disable_cache: bool,
    field_masks: Option<Vec<&'a str>>,
}

/// The SDK's `ListAllResourcesRequest`.
#[derive(Serialize)]
struct ListAll<'a> {
    api_version: &'a str,
    kind: &'a str,
    label_selector: Option<&'a str>,
    field_selector: Option<&'a str>,
    field_masks: Option<Vec<&'a str>>,
}

/// `field_masks` as the SDK sends them (a `BTreeSet`: sorted, no
/// duplicates), built without a B-tree: the lists are a handful of names.
fn masks<'a>(fields: &[&'a str]) -> Option<Vec<&'a str>> {
    if fields.is_empty() {
        return None;
    }
    let mut out: Vec<&str> = Vec::with_capacity(fields.len());
    for f in fields {
        if let Err(at) = out.binary_search(f) {
            out.insert(at, f);
        }
    }
    Some(out)
}

/// Why [`HostCluster`] refuses a list within one namespace.
pub const NAMESPACED_LIST_REFUSED: &str =
    "transition-guard lists only cluster-wide: no rule lists within a namespace, and its hostCapabilities grant no namespaced list";

/// policy-evaluator answers a get of a missing object with
/// `Cannot find <apiVersion>/<Kind> named '<name>' inside of namespace '<ns>'`.
pub fn is_not_found(host_error: &str) -> bool {
    contains(host_error, "Cannot find ") && contains(host_error, " named '")
}

impl Cluster for HostCluster {
    fn get(
        &mut self,
        kind: &ResourceKind,
        namespace: Option<&str>,
        name: &str,
        fields: &[&str],
    ) -> Result<Option<Vec<u8>>, LookupError> {
        let req = GetResource {
            api_version: kind.api_version,
            kind: kind.kind,
            name,
            namespace: if kind.namespaced { namespace } else { None },
            disable_cache: false,
            field_masks: masks(fields),
        };
        let payload =
            serde_json::to_vec(&req).map_err(|e| LookupError::get(kind, namespace, name, e.to_string()))?;
        match host_call("kubewarden", "kubernetes", "get_resource", &payload) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) => {
                let text = e.to_string();
                if is_not_found(&text) {
                    Ok(None)
                } else {
                    Err(LookupError::get(kind, namespace, name, text))
                }
            }
        }
    }

    fn list(
        &mut self,
        kind: &ResourceKind,
        namespace: Option<&str>,
        fields: &[&str],
    ) -> Result<Vec<u8>, LookupError> {
        if let Some(ns) = namespace {
            // No rule lists within a namespace, and the metadata's
            // hostCapabilities grant exactly the calls the policy makes: a
            // namespaced list would be refused by the host anyway.
            return Err(LookupError::list(kind, Some(ns), NAMESPACED_LIST_REFUSED));
        }
        let payload = serde_json::to_vec(&ListAll {
            api_version: kind.api_version,
            kind: kind.kind,
            label_selector: None,
            field_selector: None,
            field_masks: masks(fields),
        })
        .map_err(|e| LookupError::list(kind, None, e.to_string()))?;
        host_call("kubewarden", "kubernetes", "list_resources_all", &payload)
            .map_err(|e| LookupError::list(kind, None, e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_namespaced_list_fails_closed_without_a_host_call() {
        assert_eq!(
            HostCluster.list(&transition_core::cluster::PODGROUP, Some("ns"), &[]),
            Err(LookupError::list(
                &transition_core::cluster::PODGROUP,
                Some("ns"),
                NAMESPACED_LIST_REFUSED
            ))
        );
    }

    #[test]
    fn field_masks_are_sorted_and_deduplicated_like_a_set() {
        assert_eq!(masks(&[]), None);
        assert_eq!(
            masks(&["status.state", "metadata.name", "spec.parent", "metadata.name"]),
            Some(vec!["metadata.name", "spec.parent", "status.state"])
        );
    }

    #[test]
    fn not_found_is_recognised_only_for_the_hosts_text() {
        assert!(is_not_found(
            "Host error: Callback evaluation failure: Cannot find scheduling.volcano.sh/v1beta1/Queue named 'q' inside of namespace 'None'"
        ));
        assert!(!is_not_found(
            "Host error: Policy has not been granted access to Kubernetes v1/Service resources."
        ));
    }
}
