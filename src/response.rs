//! From a core [`Verdict`] to the JSON answer Kubewarden expects.

use std::collections::HashMap;

use kubewarden_policy_sdk::response::ValidationResponse;
use kubewarden_policy_sdk::wapc_guest as guest;
use transition_core::Verdict;

/// Audit annotation naming the rule that rejected (or mutated) a request,
/// so audit logs can be searched by rule id.
pub const RULE_ANNOTATION: &str = "transition-guard-rule";

/// Serializes the response for `verdict`.
pub fn response_bytes(verdict: &Verdict) -> guest::CallResult {
    let response = match verdict {
        Verdict::Accept => ValidationResponse {
            accepted: true,
            message: None,
            code: None,
            mutated_object: None,
            audit_annotations: None,
            warnings: None,
        },
        Verdict::Mutate { object, rules } => ValidationResponse {
            accepted: true,
            message: None,
            code: None,
            mutated_object: Some(object.clone()),
            audit_annotations: Some(HashMap::from([(RULE_ANNOTATION.to_string(), rules.join(","))])),
            warnings: None,
        },
        Verdict::Reject(r) => ValidationResponse {
            accepted: false,
            message: Some(r.message.clone()),
            code: (r.rule == "decode").then_some(400),
            mutated_object: None,
            audit_annotations: Some(HashMap::from([(RULE_ANNOTATION.to_string(), r.rule.to_string())])),
            warnings: None,
        },
    };
    Ok(serde_json::to_vec(&response)?)
}
