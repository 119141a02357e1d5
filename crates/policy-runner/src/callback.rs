//! Host calls as policy-evaluator sees them, and kwctl's replay sessions.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::grants::Grants;
use crate::Fixtures;

/// A Kubernetes lookup the guest asked for. Variant and field names are
/// those of policy-evaluator's `CallbackRequestType`, because kwctl's replay
/// sessions record requests as this enum serialized to YAML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallbackRequest {
    KubernetesListResourceNamespace {
        api_version: String,
        kind: String,
        namespace: String,
        label_selector: Option<String>,
        field_selector: Option<String>,
        field_masks: Option<BTreeSet<String>>,
    },
    KubernetesListResourceAll {
        api_version: String,
        kind: String,
        label_selector: Option<String>,
        field_selector: Option<String>,
        field_masks: Option<BTreeSet<String>>,
    },
    KubernetesGetResource {
        api_version: String,
        kind: String,
        name: String,
        namespace: Option<String>,
        disable_cache: bool,
        field_masks: Option<BTreeSet<String>>,
    },
}

/// The SDK's request payloads (field names as the guest sends them).
#[derive(Deserialize)]
struct GetPayload {
    api_version: String,
    kind: String,
    name: String,
    namespace: Option<String>,
    #[serde(default)]
    disable_cache: bool,
    #[serde(default)]
    field_masks: Option<BTreeSet<String>>,
}

#[derive(Deserialize)]
struct ListAllPayload {
    api_version: String,
    kind: String,
    label_selector: Option<String>,
    field_selector: Option<String>,
    #[serde(default)]
    field_masks: Option<BTreeSet<String>>,
}

#[derive(Deserialize)]
struct ListNamespacePayload {
    api_version: String,
    kind: String,
    namespace: String,
    label_selector: Option<String>,
    field_selector: Option<String>,
    #[serde(default)]
    field_masks: Option<BTreeSet<String>>,
}

impl CallbackRequest {
    /// Decodes the payload of `kubernetes/<operation>`. `Ok(None)` for an
    /// operation this runner does not serve.
    pub fn parse(operation: &str, payload: &[u8]) -> Result<Self, String> {
        let bad = |e: serde_json::Error| format!("cannot decode {operation} request: {e}");
        Ok(match operation {
            "get_resource" => {
                let p: GetPayload = serde_json::from_slice(payload).map_err(bad)?;
                CallbackRequest::KubernetesGetResource {
                    api_version: p.api_version,
                    kind: p.kind,
                    name: p.name,
                    namespace: p.namespace,
                    disable_cache: p.disable_cache,
                    field_masks: p.field_masks,
                }
            }
            "list_resources_all" => {
                let p: ListAllPayload = serde_json::from_slice(payload).map_err(bad)?;
                CallbackRequest::KubernetesListResourceAll {
                    api_version: p.api_version,
                    kind: p.kind,
                    label_selector: p.label_selector,
                    field_selector: p.field_selector,
                    field_masks: p.field_masks,
                }
            }
            "list_resources_by_namespace" => {
                let p: ListNamespacePayload = serde_json::from_slice(payload).map_err(bad)?;
                CallbackRequest::KubernetesListResourceNamespace {
                    api_version: p.api_version,
                    kind: p.kind,
                    namespace: p.namespace,
                    label_selector: p.label_selector,
                    field_selector: p.field_selector,
                    field_masks: p.field_masks,
                }
            }
            other => return Err(format!("unknown operation: {other}")),
        })
    }

    /// The (apiVersion, kind) looked up.
    pub fn kind(&self) -> (&str, &str) {
        match self {
            CallbackRequest::KubernetesListResourceNamespace {
                api_version, kind, ..
            }
            | CallbackRequest::KubernetesListResourceAll {
                api_version, kind, ..
            }
            | CallbackRequest::KubernetesGetResource {
                api_version, kind, ..
            } => (api_version, kind),
        }
    }
}

/// One exchange of a kwctl replay session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub struct Exchange {
    /// The [`CallbackRequest`] as a YAML document (`!KubernetesGetResource ...`).
    pub request: String,
    pub response: Response,
}

/// The callback handler's answer to one exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Response {
    Success { payload: String },
    Error { message: String },
}

/// One host call the guest made, with the answer it got.
#[derive(Debug, Clone, PartialEq)]
pub struct HostCall {
    pub binding: String,
    pub namespace: String,
    pub operation: String,
    pub payload: Vec<u8>,
    /// What the guest received (`Err` is the host error text).
    pub answer: Result<Vec<u8>, String>,
    /// Present when the call passed the engine's gates and reached the
    /// callback handler: what a kwctl session records.
    pub exchange: Option<Exchange>,
}

/// Where lookups that pass the engine's gates are answered.
#[derive(Debug)]
pub enum Backend {
    /// From fixture objects, as a cluster would.
    Fixtures(Fixtures),
    /// From a recorded session, strictly in order, as
    /// `kwctl run --replay-host-capabilities-interactions` does.
    Replay(Mutex<VecDeque<Exchange>>),
}

impl From<Fixtures> for Backend {
    fn from(f: Fixtures) -> Self {
        Backend::Fixtures(f)
    }
}

impl From<Fixtures> for std::sync::Arc<Backend> {
    fn from(f: Fixtures) -> Self {
        std::sync::Arc::new(Backend::Fixtures(f))
    }
}

impl Backend {
    /// Reads a replay session (YAML or JSON list of exchanges).
    pub fn replay_file(path: &std::path::Path) -> Result<Self, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let exchanges: Vec<Exchange> = serde_yaml::from_str(&text)
            .map_err(|e| format!("{}: not a replay session: {e}", path.display()))?;
        for (i, e) in exchanges.iter().enumerate() {
            serde_yaml::from_str::<CallbackRequest>(&e.request)
                .map_err(|err| format!("{}: exchange {i}: request: {err}", path.display()))?;
        }
        Ok(Backend::Replay(Mutex::new(exchanges.into())))
    }

    /// Exchanges of a replay session not consumed yet.
    pub fn leftovers(&self) -> usize {
        match self {
            Backend::Fixtures(_) => 0,
            Backend::Replay(q) => q.lock().map(|q| q.len()).unwrap_or(0),
        }
    }

    fn handle(&self, req: &CallbackRequest) -> Result<Vec<u8>, String> {
        match self {
            Backend::Fixtures(f) => f.handle(req),
            Backend::Replay(queue) => {
                let next = queue
                    .lock()
                    .map_err(|_| "replay session lock poisoned".to_string())?
                    .pop_front();
                let Some(exchange) = next else {
                    return Err(format!("Replay error: no recorded exchange left, got {req:?}"));
                };
                let expected: CallbackRequest = serde_yaml::from_str(&exchange.request)
                    .map_err(|e| format!("Replay error: recorded request does not parse: {e}"))?;
                if &expected != req {
                    return Err(format!(
                        "Replay error: unexpected request. Was expecting {expected:?}, got {req:?} instead"
                    ));
                }
                match exchange.response {
                    Response::Success { payload } => Ok(payload.into_bytes()),
                    Response::Error { message } => Err(message),
                }
            }
        }
    }
}

/// Answers one host call as policy-server does: binding, then host
/// capability, then operation, then the kind grant, then the handler.
/// Unknown bindings, namespaces and operations are errors, never panics.
pub fn answer(
    backend: &Backend,
    grants: &Grants,
    binding: &str,
    namespace: &str,
    operation: &str,
    payload: &[u8],
) -> HostCall {
    let mut exchange = None;
    let answer = (|| {
        if binding != "kubewarden" {
            return Err(format!("unknown binding: {binding}"));
        }
        grants.check_capability(namespace, operation)?;
        match namespace {
            // The SDK's logging drain; policy-server forwards it to its own log.
            "tracing" if operation == "log" => Ok(Vec::new()),
            "kubernetes" => {
                let req = CallbackRequest::parse(operation, payload)?;
                let (api_version, kind) = req.kind();
                grants.check_kind(api_version, kind)?;
                let handled = backend.handle(&req);
                exchange = Some(Exchange {
                    request: serde_yaml::to_string(&req).unwrap_or_default(),
                    response: match &handled {
                        Ok(bytes) => Response::Success {
                            payload: String::from_utf8_lossy(bytes).into_owned(),
                        },
                        Err(message) => Response::Error {
                            message: message.clone(),
                        },
                    },
                });
                handled.map_err(|e| format!("Callback evaluation failure: {e}"))
            }
            "tracing" => Err(format!("unknown operation: {operation}")),
            other => Err(format!("unknown namespace: {other}")),
        }
    })();
    HostCall {
        binding: binding.to_string(),
        namespace: namespace.to_string(),
        operation: operation.to_string(),
        payload: payload.to_vec(),
        answer,
        exchange,
    }
}

/// Serializes a replay session as kwctl writes it (a YAML list of exchanges).
pub fn session_yaml(calls: &[HostCall]) -> String {
    let exchanges: Vec<&Exchange> = calls.iter().filter_map(|c| c.exchange.as_ref()).collect();
    serde_yaml::to_string(&exchanges).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store() -> Backend {
        Backend::from(Fixtures::new(vec![json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "s", "namespace": "ns"}, "spec": {"selector": {"a": "b"}}})]))
    }

    const GET_S: &str = r#"{"api_version":"v1","kind":"Service","name":"s","namespace":"ns","disable_cache":false,"field_masks":["spec.selector"]}"#;

    #[test]
    fn gates_apply_in_the_engines_order() {
        let f = store();
        let all = Grants::all();
        let c = answer(&f, &all, "other", "kubernetes", "get_resource", b"{}");
        assert_eq!(c.answer, Err("unknown binding: other".into()));
        let c = answer(&f, &all, "kubewarden", "oci", "v1/verify", b"{}");
        assert_eq!(c.answer, Err("unknown namespace: oci".into()));
        let c = answer(&f, &all, "kubewarden", "kubernetes", "can_i", b"{}");
        assert_eq!(c.answer, Err("unknown operation: can_i".into()));
        let none = Grants::from_metadata(&json!({}), "m").unwrap();
        let c = answer(
            &f,
            &none,
            "kubewarden",
            "kubernetes",
            "get_resource",
            GET_S.as_bytes(),
        );
        assert_eq!(
            c.answer,
            Err("Policy has not been granted access to the 'kubernetes/get_resource' host capability. The violation has been reported.".into())
        );
        assert_eq!(c.exchange, None);
        let caps_only = Grants::from_metadata(&json!({"hostCapabilities": ["kubernetes/*"]}), "m").unwrap();
        let c = answer(
            &f,
            &caps_only,
            "kubewarden",
            "kubernetes",
            "get_resource",
            GET_S.as_bytes(),
        );
        assert_eq!(
            c.answer,
            Err("Policy has not been granted access to Kubernetes v1/Service resources. The violation has been reported.".into())
        );
        assert_eq!(c.exchange, None, "a denied lookup never reaches the handler");
    }

    #[test]
    fn granted_lookups_are_recorded_as_kwctl_exchanges() {
        let f = store();
        let g = Grants::from_metadata(
            &json!({"hostCapabilities": ["kubernetes/get_resource"],
                    "contextAwareResources": [{"apiVersion": "v1", "kind": "Service"}]}),
            "m",
        )
        .unwrap();
        let found = answer(
            &f,
            &g,
            "kubewarden",
            "kubernetes",
            "get_resource",
            GET_S.as_bytes(),
        );
        assert_eq!(found.answer, Ok(br#"{"spec":{"selector":{"a":"b"}}}"#.to_vec()));
        let missing = answer(
            &f,
            &g,
            "kubewarden",
            "kubernetes",
            "get_resource",
            br#"{"api_version":"v1","kind":"Service","name":"t","namespace":"ns","disable_cache":false,"field_masks":null}"#,
        );
        assert_eq!(
            missing.answer,
            Err("Callback evaluation failure: Cannot find v1/Service named 't' inside of namespace 'Some(\"ns\")'".into())
        );
        let yaml = session_yaml(&[found, missing]);
        assert_eq!(
            yaml,
            r#"- type: Exchange
  request: |
    !KubernetesGetResource
    api_version: v1
    kind: Service
    name: s
    namespace: ns
    disable_cache: false
    field_masks:
    - spec.selector
  response:
    type: Success
    payload: '{"spec":{"selector":{"a":"b"}}}'
- type: Exchange
  request: |
    !KubernetesGetResource
    api_version: v1
    kind: Service
    name: t
    namespace: ns
    disable_cache: false
    field_masks: null
  response:
    type: Error
    message: Cannot find v1/Service named 't' inside of namespace 'Some("ns")'
"#
        );
        // The request string parses back into the same enum, as kwctl's replay compares.
        let exchanges: Vec<Exchange> = serde_yaml::from_str(&yaml).unwrap();
        let back: CallbackRequest = serde_yaml::from_str(&exchanges[0].request).unwrap();
        assert_eq!(
            back,
            CallbackRequest::parse("get_resource", GET_S.as_bytes()).unwrap()
        );
    }
}
