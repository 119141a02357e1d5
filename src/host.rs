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

/// Appends `s` as a JSON string if it needs no escape (no control byte, quote
/// or backslash: the bytes serde_json escapes); false, with `out` unchanged,
/// otherwise.
fn push_plain_str(out: &mut Vec<u8>, s: &str) -> bool {
    if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        return false;
    }
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
    true
}

/// The JSON serde_json writes for a request whose fields are `fields` in
/// order (each a string, null, bool or list of strings), when none of its
/// strings needs an escape; `None` otherwise. A lookup request is a handful of
/// constant names, so this is the common case, and serde_json's generic
/// serializer cost more than the rest of a small request's host call.
fn plain_json(fields: &[(&str, Field)]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(192);
    out.push(b'{');
    for (i, (key, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if !push_plain_str(&mut out, key) {
            return None;
        }
        out.push(b':');
        match value {
            Field::Str(Some(s)) => {
                if !push_plain_str(&mut out, s) {
                    return None;
                }
            }
            Field::Str(None) | Field::List(None) => out.extend_from_slice(b"null"),
            Field::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Field::List(Some(items)) => {
                out.push(b'[');
                for (j, item) in items.iter().enumerate() {
                    if j > 0 {
                        out.push(b',');
                    }
                    if !push_plain_str(&mut out, item) {
                        return None;
                    }
                }
                out.push(b']');
            }
        }
    }
    out.push(b'}');
    Some(out)
}

/// One field's value in [`plain_json`].
enum Field<'a> {
    Str(Option<&'a str>),
    Bool(bool),
    List(Option<&'a [&'a str]>),
}

impl GetResource<'_> {
    fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        let fast = plain_json(&[
            ("api_version", Field::Str(Some(self.api_version))),
            ("kind", Field::Str(Some(self.kind))),
            ("name", Field::Str(Some(self.name))),
            ("namespace", Field::Str(self.namespace)),
            ("disable_cache", Field::Bool(self.disable_cache)),
            ("field_masks", Field::List(self.field_masks.as_deref())),
        ]);
        fast.map_or_else(|| serde_json::to_vec(self), Ok)
    }
}

impl ListAll<'_> {
    fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        let fast = plain_json(&[
            ("api_version", Field::Str(Some(self.api_version))),
            ("kind", Field::Str(Some(self.kind))),
            ("label_selector", Field::Str(self.label_selector)),
            ("field_selector", Field::Str(self.field_selector)),
            ("field_masks", Field::List(self.field_masks.as_deref())),
        ]);
        fast.map_or_else(|| serde_json::to_vec(self), Ok)
    }
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
    /// In the module every request runs in the arena's scope
    /// (`request_arena`), which takes back all of its memory when the next
    /// request begins, unless a block fell back to the system allocator.
    fn reclaims_in_bulk(&self) -> bool {
        crate::reclaims_all()
    }

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
        let payload = req
            .to_json()
            .map_err(|e| LookupError::get(kind, namespace, name, e.to_string()))?;
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
        let payload = ListAll {
            api_version: kind.api_version,
            kind: kind.kind,
            label_selector: None,
            field_selector: None,
            field_masks: masks(fields),
        }
        .to_json()
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

    /// The fast writer gives serde_json's bytes for every shape of request,
    /// and hands strings that need an escape to serde_json.
    #[test]
    fn lookup_requests_are_the_bytes_serde_json_writes() {
        let strings = [
            "",
            "Queue",
            "scheduling.volcano.sh/v1beta1",
            "q\"uote",
            "back\\slash",
            "tab\t",
            "\u{1}",
            "ünïcode",
            "\u{7f}",
        ];
        let lists: [Option<Vec<&str>>; 4] = [
            None,
            Some(vec![]),
            Some(vec!["metadata.name", "spec.queue"]),
            Some(vec!["a", "b\"c"]),
        ];
        for s in strings {
            for ns in [None, Some(s)] {
                for list in &lists {
                    for disable_cache in [false, true] {
                        let get = GetResource {
                            api_version: "v1",
                            kind: s,
                            name: s,
                            namespace: ns,
                            disable_cache,
                            field_masks: list.clone(),
                        };
                        assert_eq!(
                            get.to_json().unwrap(),
                            serde_json::to_vec(&get).unwrap(),
                            "get {s:?} {ns:?} {list:?}"
                        );
                    }
                    let all = ListAll {
                        api_version: s,
                        kind: "PodGroup",
                        label_selector: ns,
                        field_selector: None,
                        field_masks: list.clone(),
                    };
                    assert_eq!(
                        all.to_json().unwrap(),
                        serde_json::to_vec(&all).unwrap(),
                        "list {s:?} {ns:?} {list:?}"
                    );
                }
            }
        }
        let plain = ListAll {
            api_version: "v1",
            kind: "Service",
            label_selector: None,
            field_selector: None,
            field_masks: None,
        };
        assert_eq!(
            String::from_utf8(plain.to_json().unwrap()).unwrap(),
            r#"{"api_version":"v1","kind":"Service","label_selector":null,"field_selector":null,"field_masks":null}"#
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
