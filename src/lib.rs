//! # transition-guard, the Kubewarden policy
//!
//! A thin adapter: decode the waPC payload, call
//! [`transition_core::evaluate`] with a cluster view backed by Kubewarden's
//! host capabilities, and turn the verdict into a response. No rule is
//! decided here.

mod host;
mod response;

use kubewarden_policy_sdk::wapc_guest as guest;
use kubewarden_policy_sdk::{protocol_version_guest, settings::SettingsValidationResponse};
use transition_core::{Settings, ValidationPayload, Verdict};

pub use host::HostCluster;
pub use request_arena::RequestArena;
pub use response::{response_bytes, RULE_ANNOTATION};

/// In the module, each `validate` call allocates from a per-request arena
/// (see [`RequestArena`]).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: RequestArena = RequestArena::new();

/// Registers the waPC operations policy-server calls.
#[no_mangle]
pub extern "C" fn wapc_init() {
    guest::register_function("validate", validate);
    guest::register_function("validate_settings", validate_settings);
    guest::register_function("protocol_version", protocol_version_guest);
}

/// `validate`: one admission request in, one verdict out.
pub fn validate(payload: &[u8]) -> guest::CallResult {
    #[cfg(target_arch = "wasm32")]
    return ALLOCATOR.scope(|| validate_in_scope(payload));
    #[cfg(not(target_arch = "wasm32"))]
    validate_in_scope(payload)
}

fn validate_in_scope(payload: &[u8]) -> guest::CallResult {
    // scripts/bench.sh's floors (see Cargo.toml): a scan that builds nothing,
    // a bare `Value` parse, and the policy's own decode, each followed by an
    // accept.
    #[cfg(feature = "bench-floor-scan")]
    if serde_json::from_slice::<serde::de::IgnoredAny>(payload).is_ok() {
        return response_bytes(&Verdict::Accept);
    }
    #[cfg(feature = "bench-floor-value")]
    if serde_json::from_slice::<serde_json::Value>(payload).is_ok() {
        return response_bytes(&Verdict::Accept);
    }
    #[cfg(feature = "bench-floor-decode")]
    if ValidationPayload::decode(payload).is_ok() {
        return response_bytes(&Verdict::Accept);
    }
    let verdict = match ValidationPayload::decode(payload) {
        Ok(p) => {
            let verdict = transition_core::evaluate(&p.request, &p.settings, &mut HostCluster);
            discard(p);
            verdict
        }
        Err(e) => Verdict::reject("decode", format!("cannot decode the admission request: {e}")),
    };
    response_bytes(&verdict)
}

/// Ends the decoded request's life. In the module its memory is the arena's,
/// rewound by the next call, so dropping it would walk every JSON node only to
/// free nothing: it is forgotten instead. It is dropped when any block of the
/// request fell back to the system allocator (past ~1.4 GiB), and natively.
fn discard<T>(value: T) {
    if reclaims_all() {
        std::mem::forget(value)
    } else {
        drop(value)
    }
}

/// True while the current request's memory is all the arena's
/// ([`RequestArena::reclaims_all`]); always false natively.
pub(crate) fn reclaims_all() -> bool {
    #[cfg(target_arch = "wasm32")]
    return ALLOCATOR.reclaims_all();
    #[cfg(not(target_arch = "wasm32"))]
    false
}

/// `validate_settings`: checks the settings alone; errors name the key.
pub fn validate_settings(payload: &[u8]) -> guest::CallResult {
    // The strict parser, as `validate` reads the settings: a duplicate key
    // refused here would otherwise fail every request later.
    let answer = match transition_core::decode::from_slice_strict(payload) {
        Err(e) => SettingsValidationResponse {
            valid: false,
            message: Some(format!("settings are not valid JSON: {e}")),
        },
        Ok(value) => match Settings::from_value(&value) {
            Ok(_) => SettingsValidationResponse {
                valid: true,
                message: None,
            },
            Err(e) => SettingsValidationResponse {
                valid: false,
                message: Some(e.to_string()),
            },
        },
    };
    Ok(serde_json::to_vec(&answer)?)
}
