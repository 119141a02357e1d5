//! Answers a policy's Kubernetes lookups from a fixed set of objects, the way
//! Kubewarden's host answers them from a cluster.
//!
//! Texts of host errors are those of Kubewarden's policy-evaluator, so a
//! policy sees here what it would see in a cluster.

use std::collections::BTreeSet;

use crate::callback::CallbackRequest;

use serde_json::{json, Map, Value};

/// Kinds that are cluster-scoped even when no fixture of them exists.
const CLUSTER_SCOPED: &[&str] = &[
    "Queue",
    "Namespace",
    "Node",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
];

/// The whole cluster a case may see: anything not listed does not exist.
#[derive(Debug, Clone, Default)]
pub struct Fixtures {
    objects: Vec<Value>,
}

fn str_at<'a>(v: &'a Value, ptr: &str) -> Option<&'a str> {
    v.pointer(ptr).and_then(Value::as_str)
}

impl Fixtures {
    pub fn new(objects: Vec<Value>) -> Self {
        Fixtures { objects }
    }

    /// Reads `{"resources": [...]}` (the `context` of a case file).
    pub fn from_context(context: &Value) -> Result<Self, String> {
        match context {
            Value::Null => Ok(Self::default()),
            Value::Object(o) => match o.get("resources") {
                None | Some(Value::Null) => Ok(Self::default()),
                Some(Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        for field in ["/apiVersion", "/kind", "/metadata/name"] {
                            if str_at(item, field).is_none() {
                                return Err(format!(
                                    "context.resources[{i}]: missing string field {}",
                                    field.trim_start_matches('/').replace('/', ".")
                                ));
                            }
                        }
                    }
                    Ok(Self::new(items.clone()))
                }
                Some(_) => Err("context.resources: expected a list of Kubernetes objects".into()),
            },
            _ => Err("context: expected an object with a `resources` list".into()),
        }
    }

    pub fn objects(&self) -> &[Value] {
        &self.objects
    }

    fn is_cluster_scoped(&self, api_version: &str, kind: &str) -> bool {
        CLUSTER_SCOPED.contains(&kind)
            || self.objects.iter().any(|o| {
                str_at(o, "/apiVersion") == Some(api_version)
                    && str_at(o, "/kind") == Some(kind)
                    && str_at(o, "/metadata/namespace").is_none()
            })
    }

    /// Answers one lookup the way policy-evaluator's callback handler does.
    /// `Err` is the handler's error text (the waPC layer prefixes it with
    /// `Callback evaluation failure: `).
    pub fn handle(&self, req: &CallbackRequest) -> Result<Vec<u8>, String> {
        match req {
            CallbackRequest::KubernetesGetResource {
                api_version,
                kind,
                name,
                namespace,
                field_masks,
                ..
            } => {
                let found = self.objects.iter().find(|o| {
                    str_at(o, "/apiVersion") == Some(api_version)
                        && str_at(o, "/kind") == Some(kind)
                        && str_at(o, "/metadata/name") == Some(name)
                        && str_at(o, "/metadata/namespace") == namespace.as_deref()
                });
                match found {
                    Some(o) => Ok(to_bytes(&masked(o, field_masks.as_ref()))),
                    None => Err(format!(
                        "Cannot find {api_version}/{kind} named '{name}' inside of namespace '{namespace:?}'"
                    )),
                }
            }
            CallbackRequest::KubernetesListResourceAll {
                api_version,
                kind,
                label_selector,
                field_selector,
                field_masks,
            } => self.list(
                api_version,
                kind,
                None,
                label_selector.as_deref(),
                field_selector.as_deref(),
                field_masks.as_ref(),
            ),
            CallbackRequest::KubernetesListResourceNamespace {
                api_version,
                kind,
                namespace,
                label_selector,
                field_selector,
                field_masks,
            } => {
                if self.is_cluster_scoped(api_version, kind) {
                    return Err(format!(
                        "resource {api_version}/{kind} is cluster wide. Cannot search for it inside of a namespace"
                    ));
                }
                self.list(
                    api_version,
                    kind,
                    Some(namespace),
                    label_selector.as_deref(),
                    field_selector.as_deref(),
                    field_masks.as_ref(),
                )
            }
        }
    }

    fn list(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        label_selector: Option<&str>,
        field_selector: Option<&str>,
        masks: Option<&BTreeSet<String>>,
    ) -> Result<Vec<u8>, String> {
        let labels = label_selector.map(parse_selector).transpose()?;
        let fields = field_selector.map(parse_selector).transpose()?;
        let items: Vec<Value> = self
            .objects
            .iter()
            .filter(|o| str_at(o, "/apiVersion") == Some(api_version) && str_at(o, "/kind") == Some(kind))
            .filter(|o| namespace.is_none() || str_at(o, "/metadata/namespace") == namespace)
            .filter(|o| {
                labels.as_ref().is_none_or(|sel| {
                    sel.iter()
                        .all(|r| r.matches(|k| str_at(o, &format!("/metadata/labels/{k}"))))
                })
            })
            .filter(|o| {
                fields.as_ref().is_none_or(|sel| {
                    sel.iter()
                        .all(|r| r.matches(|k| str_at(o, &format!("/{}", k.replace('.', "/")))))
                })
            })
            .map(|o| masked(o, masks))
            .collect();
        Ok(to_bytes(&json!({
            "apiVersion": api_version,
            "kind": format!("{kind}List"),
            "metadata": {},
            "items": items,
        })))
    }
}

fn to_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// One requirement of an equality-based selector: `k=v`, `k==v`, `k!=v`, `k`, `!k`.
#[derive(Debug, PartialEq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    NotExists(String),
}

impl Requirement {
    fn matches<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> bool {
        match self {
            Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
        }
    }
}

fn parse_selector(s: &str) -> Result<Vec<Requirement>, String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            if p.contains(" in ") || p.contains(" notin ") || p.contains('(') {
                Err(format!("unsupported set-based selector `{p}`"))
            } else if let Some((k, v)) = p.split_once("!=") {
                Ok(Requirement::NotEquals(k.trim().into(), v.trim().into()))
            } else if let Some((k, v)) = p.split_once("==").or_else(|| p.split_once('=')) {
                Ok(Requirement::Equals(k.trim().into(), v.trim().into()))
            } else if let Some(k) = p.strip_prefix('!') {
                Ok(Requirement::NotExists(k.trim().into()))
            } else {
                Ok(Requirement::Exists(p.into()))
            }
        })
        .collect()
}

/// Keeps only the masked paths of `obj`, as the host does: dotted paths,
/// arrays traversed implicitly; no mask (or an empty one) keeps everything.
pub fn masked(obj: &Value, masks: Option<&BTreeSet<String>>) -> Value {
    match masks {
        Some(m) if !m.is_empty() => {
            let paths: Vec<Vec<&str>> = m.iter().map(|p| p.split('.').collect()).collect();
            prune(obj, &paths.iter().map(|p| p.as_slice()).collect::<Vec<_>>())
        }
        _ => obj.clone(),
    }
}

fn prune(v: &Value, paths: &[&[&str]]) -> Value {
    if paths.iter().any(|p| p.is_empty()) {
        return v.clone();
    }
    match v {
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, child) in o {
                let sub: Vec<&[&str]> = paths.iter().filter(|p| p[0] == k).map(|p| &p[1..]).collect();
                if !sub.is_empty() {
                    out.insert(k.clone(), prune(child, &sub));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| prune(i, paths)).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> Fixtures {
        Fixtures::new(vec![
            json!({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "Queue",
                   "metadata": {"name": "root"}, "spec": {"weight": 1}}),
            json!({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
                   "metadata": {"name": "pg1", "namespace": "a", "labels": {"app": "x"}}, "spec": {"queue": "q", "minMember": 1}}),
            json!({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
                   "metadata": {"name": "pg2", "namespace": "b"}, "spec": {"queue": "q"}}),
        ])
    }

    fn list(bytes: Vec<u8>) -> Value {
        serde_json::from_slice(&bytes).unwrap()
    }

    fn req(op: &str, payload: &str) -> CallbackRequest {
        CallbackRequest::parse(op, payload.as_bytes()).unwrap()
    }

    #[test]
    fn get_finds_and_not_found_reads_like_the_host() {
        let f = fixtures();
        let got = f
            .handle(&req(
                "get_resource",
                r#"{"api_version":"scheduling.volcano.sh/v1beta1","kind":"Queue","name":"root","namespace":null,"disable_cache":false}"#,
            ))
            .unwrap();
        assert_eq!(list(got)["spec"]["weight"], 1);
        assert_eq!(
            f.handle(&req(
                "get_resource",
                r#"{"api_version":"scheduling.volcano.sh/v1beta1","kind":"Queue","name":"q","namespace":null,"disable_cache":false}"#
            )),
            Err("Cannot find scheduling.volcano.sh/v1beta1/Queue named 'q' inside of namespace 'None'".into())
        );
    }

    #[test]
    fn lists_filter_by_namespace_labels_and_apply_masks() {
        let f = fixtures();
        let all = list(
            f.handle(&req(
                "list_resources_all",
                r#"{"api_version":"scheduling.volcano.sh/v1beta1","kind":"PodGroup","field_masks":["spec.queue"]}"#,
            ))
            .unwrap(),
        );
        assert_eq!(
            all,
            json!({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroupList", "metadata": {},
                   "items": [{"spec": {"queue": "q"}}, {"spec": {"queue": "q"}}]})
        );
        let ns = list(
            f.handle(&req(
                "list_resources_by_namespace",
                r#"{"api_version":"scheduling.volcano.sh/v1beta1","kind":"PodGroup","namespace":"a","label_selector":"app=x"}"#,
            ))
            .unwrap(),
        );
        assert_eq!(ns["items"].as_array().unwrap().len(), 1);
        assert_eq!(
            f.handle(&req(
                "list_resources_by_namespace",
                r#"{"api_version":"scheduling.volcano.sh/v1beta1","kind":"Queue","namespace":"a"}"#
            )),
            Err("resource scheduling.volcano.sh/v1beta1/Queue is cluster wide. Cannot search for it inside of a namespace".into())
        );
    }

    #[test]
    fn bad_context_is_an_error_not_a_panic() {
        assert_eq!(
            Fixtures::from_context(&json!({"resources": [{"kind": "Queue"}]})).unwrap_err(),
            "context.resources[0]: missing string field apiVersion"
        );
    }

    #[test]
    fn selectors_parse() {
        assert_eq!(
            parse_selector("a=b, c!=d,e,!f").unwrap(),
            vec![
                Requirement::Equals("a".into(), "b".into()),
                Requirement::NotEquals("c".into(), "d".into()),
                Requirement::Exists("e".into()),
                Requirement::NotExists("f".into()),
            ]
        );
        assert!(parse_selector("a in (b)").is_err());
    }
}
