//! Inputs for `kwctl run` from a case file: the request, the settings, the
//! expected answer and a replay session of the case's host calls.
//!
//! The case runs once through the module in policy-runner (lookups answered
//! from the case's fixtures, within the module's grants); every Kubernetes host
//! call that reached the host's handler is written as a kwctl `Exchange`, in
//! order (`policy_runner::callback::session_yaml`), so
//! `kwctl run --allow-context-aware --replay-host-capabilities-interactions`
//! answers the same lookups with no cluster.

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
    let (response, calls) = case.evaluate(policy).map_err(&fail)?;
    case.check(&response).map_err(&fail)?;
    if let Some(call) = calls
        .iter()
        .find(|c| c.namespace != "tracing" && c.exchange.is_none() && c.answer.is_ok())
    {
        return Err(fail(format!(
            "host call {}/{} cannot be replayed",
            call.namespace, call.operation
        )));
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
        session: policy_runner::callback::session_yaml(&calls),
        expect: pretty(&json!({"allowed": response.accepted, "rule": rule})),
    })
}
