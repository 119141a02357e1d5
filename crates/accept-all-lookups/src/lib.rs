//! The second benchmark baseline: accept-all, plus the lookups.
//!
//! `crates/accept-all` decodes the request and accepts it; a policy that
//! looks objects up in the cluster has no counterpart there. This module
//! decodes the request the same way, then makes a list of host calls the way
//! the SDK's `host_capabilities::kubernetes` functions do (serialize the
//! request with serde_json, `host_call`, parse the answer into a
//! `serde_json::Value`), then accepts. It decides nothing: which calls to make
//! is told to it once per scenario, before timing, through the waPC operation
//! [`PRIME`], with the calls transition-guard made for that request. So its
//! guest time is what an SDK policy pays to decode the request and fetch the
//! same objects, and the ratio to it is what transition-guard's own decoding,
//! views and rules cost on top.
//!
//! Errors: a failed host call or an answer that is not JSON rejects the
//! request (the bench refuses to time a verdict it did not expect).

use std::cell::RefCell;

use kubewarden_policy_sdk::request::ValidationRequest;
use kubewarden_policy_sdk::wapc_guest as guest;
use kubewarden_policy_sdk::{accept_request, protocol_version_guest, reject_request};
use serde::Deserialize;
use serde_json::Value;

/// The waPC operation that sets the lookups every later `validate` makes.
pub const PRIME: &str = "bench_set_lookups";

/// One host call, as transition-guard made it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Lookup {
    pub binding: String,
    pub namespace: String,
    pub operation: String,
    /// The request the host was sent, as JSON.
    pub request: Value,
}

thread_local! {
    static LOOKUPS: RefCell<Vec<Lookup>> = const { RefCell::new(Vec::new()) };
}

#[no_mangle]
pub extern "C" fn wapc_init() {
    guest::register_function("validate", validate);
    guest::register_function("validate_settings", validate_settings);
    guest::register_function("protocol_version", protocol_version_guest);
    guest::register_function(PRIME, prime);
}

/// Reads the lookups a [`PRIME`] call carries: a JSON array of [`Lookup`]s.
pub fn parse_lookups(payload: &[u8]) -> Result<Vec<Lookup>, String> {
    serde_json::from_slice(payload).map_err(|e| format!("lookups: {e}"))
}

fn prime(payload: &[u8]) -> guest::CallResult {
    let lookups = parse_lookups(payload)?;
    let n = lookups.len();
    LOOKUPS.with(|l| *l.borrow_mut() = lookups);
    Ok(n.to_string().into_bytes())
}

fn reject(message: String) -> guest::CallResult {
    reject_request(Some(message), Some(400), None, None)
}

fn validate(payload: &[u8]) -> guest::CallResult {
    if let Err(e) = serde_json::from_slice::<ValidationRequest<Value>>(payload) {
        return reject(format!("cannot decode the request: {e}"));
    }
    let failed = LOOKUPS.with(|l| {
        l.borrow().iter().find_map(|call| {
            let msg = match serde_json::to_vec(&call.request) {
                Ok(m) => m,
                Err(e) => return Some(format!("{}: {e}", call.operation)),
            };
            match guest::host_call(&call.binding, &call.namespace, &call.operation, &msg) {
                Err(e) => Some(format!("{}: {e}", call.operation)),
                Ok(answer) => serde_json::from_slice::<Value>(&answer)
                    .err()
                    .map(|e| format!("{} answer: {e}", call.operation)),
            }
        })
    });
    match failed {
        Some(e) => reject(e),
        None => accept_request(),
    }
}

fn validate_settings(_payload: &[u8]) -> guest::CallResult {
    Ok(br#"{"valid":true}"#.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_prime_payload_reads_as_its_lookups() {
        let payload = json!([{
            "binding": "kubewarden", "namespace": "kubernetes", "operation": "get_resource",
            "request": {"api_version": "v1", "kind": "Service", "name": "s"}
        }]);
        assert_eq!(
            parse_lookups(payload.to_string().as_bytes()),
            Ok(vec![Lookup {
                binding: "kubewarden".into(),
                namespace: "kubernetes".into(),
                operation: "get_resource".into(),
                request: json!({"api_version": "v1", "kind": "Service", "name": "s"}),
            }])
        );
    }

    #[test]
    fn a_lookup_without_its_request_is_refused_by_name() {
        let payload = br#"[{"binding":"kubewarden","namespace":"kubernetes","operation":"get_resource"}]"#;
        assert_eq!(
            parse_lookups(payload),
            Err("lookups: missing field `request` at line 1 column 77".to_string())
        );
    }
}
