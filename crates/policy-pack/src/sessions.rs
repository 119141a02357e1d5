//! Inputs for `kwctl run` from a case file: the request, the settings, the
//! expected answer and a replay session of the case's host calls.
//!
//! The case runs once through the module in policy-runner (lookups answered
//! from the case's fixtures); every Kubernetes host call the module made is
//! written as a kwctl `Exchange`, in order, so
//! `kwctl run --allow-context-aware --replay-host-capabilities-interactions`
//! answers the same lookups with no cluster.

use serde::Serialize;
use serde_json::{json, Value};

use policy_runner::{Case, Policy};

use crate::PackError;

/// The files of one e2e case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct E2eFiles {
    /// `request.json`: the bare AdmissionRequest.
    pub request: String,
    /// `settings.json`.
    pub settings: String,
    /// `session.yml`: the host calls to replay (`[]` when none).
    pub session: String,
    /// `expect.json`: `{"allowed": bool, "rule": <id or null>}`.
    pub expect: String,
}

#[derive(Serialize)]
#[serde(tag = "type")]
enum Response {
    Success { payload: String },
    Error { message: String },
}

#[derive(Serialize)]
#[serde(tag = "type")]
enum Exchange {
    Exchange { request: String, response: Response },
}

/// kwctl's `CallbackRequestType` tag for a `kubernetes` operation.
fn tag(operation: &str) -> Option<&'static str> {
    match operation {
        "get_resource" => Some("KubernetesGetResource"),
        "list_resources_all" => Some("KubernetesListResourceAll"),
        "list_resources_by_namespace" => Some("KubernetesListResourceNamespace"),
        "can_i" => Some("KubernetesCanI"),
        _ => None,
    }
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// Runs `case` through `policy` and returns its kwctl inputs.
///
/// Errors: [`PackError::Session`] when the case does not run, the module's
/// answer differs from the case's expectation, or the module makes a host
/// call kwctl cannot replay.
pub fn e2e_files(policy: &Policy, case: &Case) -> Result<E2eFiles, PackError> {
    let fail = |m: String| PackError::Session(format!("{}: {m}", case.name));
    case.run(policy).map_err(&fail)?;
    let (response, calls) = policy
        .validate(&case.request, &case.settings, case.fixtures.clone())
        .map_err(|e| fail(e.to_string()))?;
    let mut exchanges = Vec::new();
    for call in calls.iter().filter(|c| c.namespace != "tracing") {
        let tag = (call.namespace == "kubernetes")
            .then(|| tag(&call.operation))
            .flatten()
            .ok_or_else(|| {
                fail(format!(
                    "host call {}/{} cannot be replayed",
                    call.namespace, call.operation
                ))
            })?;
        let body: Value = serde_json::from_slice(&call.payload).map_err(|e| fail(e.to_string()))?;
        let body = serde_yaml::to_string(&body).map_err(|e| fail(e.to_string()))?;
        let response = match &call.answer {
            Ok(bytes) => Response::Success {
                payload: String::from_utf8_lossy(bytes).into_owned(),
            },
            Err(message) => Response::Error {
                message: message
                    .strip_prefix("Callback evaluation failure: ")
                    .unwrap_or(message)
                    .to_string(),
            },
        };
        exchanges.push(Exchange::Exchange {
            request: format!("!{tag}\n{body}"),
            response,
        });
    }
    let rule = response
        .audit_annotations
        .as_ref()
        .and_then(|a| a.get(policy_runner::case::RULE_ANNOTATION).cloned());
    let settings = match &case.settings {
        Value::Null => json!({}),
        s => s.clone(),
    };
    Ok(E2eFiles {
        request: pretty(&case.request),
        settings: pretty(&settings),
        session: serde_yaml::to_string(&exchanges).map_err(|e| fail(e.to_string()))?,
        expect: pretty(&json!({"allowed": response.accepted, "rule": rule})),
    })
}
