//! The benchmark baseline: decodes the request like any SDK policy, then
//! accepts it. transition-guard's guest time is reported as a ratio to this.

use kubewarden_policy_sdk::request::ValidationRequest;
use kubewarden_policy_sdk::wapc_guest as guest;
use kubewarden_policy_sdk::{accept_request, protocol_version_guest, reject_request};

#[no_mangle]
pub extern "C" fn wapc_init() {
    guest::register_function("validate", validate);
    guest::register_function("validate_settings", validate_settings);
    guest::register_function("protocol_version", protocol_version_guest);
}

fn validate(payload: &[u8]) -> guest::CallResult {
    match serde_json::from_slice::<ValidationRequest<serde_json::Value>>(payload) {
        Ok(_) => accept_request(),
        Err(e) => reject_request(
            Some(format!("cannot decode the request: {e}")),
            Some(400),
            None,
            None,
        ),
    }
}

fn validate_settings(_payload: &[u8]) -> guest::CallResult {
    Ok(br#"{"valid":true}"#.to_vec())
}
