//! From a core [`Verdict`] to the JSON answer Kubewarden expects.

use kubewarden_policy_sdk::wapc_guest as guest;
use serde::Serialize;
use transition_core::Verdict;

/// Audit annotation naming the rule that rejected (or mutated) a request,
/// so audit logs can be searched by rule id.
pub const RULE_ANNOTATION: &str = "transition-guard-rule";

/// The SDK's `ValidationResponse`, field for field and in the same order,
/// with the one audit annotation this policy sets as a struct: the SDK's
/// `HashMap` would link a hash table and a seeded hasher into the module for a
/// single key.
#[derive(Serialize)]
struct ValidationResponse<'a> {
    accepted: bool,
    message: Option<&'a str>,
    code: Option<u16>,
    mutated_object: Option<&'a serde_json::Value>,
    audit_annotations: Option<RuleAnnotation<'a>>,
    warnings: Option<Vec<String>>,
}

/// `{"transition-guard-rule": <ids>}` ([`RULE_ANNOTATION`]).
#[derive(Serialize)]
struct RuleAnnotation<'a> {
    #[serde(rename = "transition-guard-rule")]
    rule: &'a str,
}

/// The answer to an accepted request without a mutation: always these bytes,
/// so they are copied rather than serialized (most requests get this one).
const ACCEPT: &[u8] =
    br#"{"accepted":true,"message":null,"code":null,"mutated_object":null,"audit_annotations":null,"warnings":null}"#;

/// Serializes the response for `verdict`.
pub fn response_bytes(verdict: &Verdict) -> guest::CallResult {
    let joined;
    let response = match verdict {
        Verdict::Accept => return Ok(ACCEPT.to_vec()),
        Verdict::Mutate { object, rules } => ValidationResponse {
            accepted: true,
            message: None,
            code: None,
            mutated_object: Some(object),
            audit_annotations: Some(RuleAnnotation {
                rule: {
                    joined = rules.join(",");
                    &joined
                },
            }),
            warnings: None,
        },
        Verdict::Reject(r) => ValidationResponse {
            accepted: false,
            message: Some(&r.message),
            code: (r.rule == "decode").then_some(400),
            mutated_object: None,
            audit_annotations: Some(RuleAnnotation { rule: r.rule }),
            warnings: None,
        },
    };
    Ok(serde_json::to_vec(&response)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use transition_core::Rejection;

    fn answer(verdict: &Verdict) -> Value {
        serde_json::from_slice(&response_bytes(verdict).unwrap()).unwrap()
    }

    /// The constant accept is exactly what serializing the struct gives.
    #[test]
    fn the_constant_accept_is_the_serialized_accept() {
        let serialized = serde_json::to_vec(&ValidationResponse {
            accepted: true,
            message: None,
            code: None,
            mutated_object: None,
            audit_annotations: None,
            warnings: None,
        })
        .unwrap();
        assert_eq!(
            String::from_utf8(response_bytes(&Verdict::Accept).unwrap()).unwrap(),
            String::from_utf8(serialized).unwrap()
        );
    }

    #[test]
    fn responses_have_the_sdks_shape_and_the_rule_annotation() {
        assert_eq!(
            answer(&Verdict::Accept),
            json!({"accepted": true, "message": null, "code": null, "mutated_object": null,
                   "audit_annotations": null, "warnings": null})
        );
        assert_eq!(
            answer(&Verdict::Reject(Rejection {
                rule: "T3",
                message: "no".into()
            })),
            json!({"accepted": false, "message": "no", "code": null, "mutated_object": null,
                   "audit_annotations": {RULE_ANNOTATION: "T3"}, "warnings": null})
        );
        assert_eq!(
            answer(&Verdict::Mutate {
                object: json!({"spec": {"weight": 1}}),
                rules: vec!["M1", "M3"]
            }),
            json!({"accepted": true, "message": null, "code": null, "mutated_object": {"spec": {"weight": 1}},
                   "audit_annotations": {RULE_ANNOTATION: "M1,M3"}, "warnings": null})
        );
    }
}
