//! The second benchmark baseline: accept-all, plus the lookups.
//!
//! `crates/accept-all` decodes the request and accepts it; a policy that
//! looks objects up in the cluster has no counterpart there. This module
//! decodes the request the same way, then makes a list of host calls through
//! the SDK's own `host_capabilities::kubernetes` code, then accepts: a get is
//! `kubernetes::get_resource::<Value>`; a list serializes the SDK's
//! `ListAllResourcesRequest` and parses the answer into a `Value`, as
//! `kubernetes::list_all_resources` does (that function wants a typed
//! k8s-openapi `ListableResource`, which Volcano's PodGroup and Queue are not).
//! It decides nothing: which calls to make
//! is told to it once per scenario, before timing, through the waPC operation
//! [`PRIME`], with the calls transition-guard made for that request. So what
//! its guest time adds to the same module primed with no call is what an SDK
//! policy pays to fetch the same objects.
//!
//! Two more primes bound what the lookups can cost: [`PRIME_SCAN`] makes the
//! same calls but only scans each answer (serde's `IgnoredAny`: every byte
//! read as JSON, nothing built), the least a policy that reads its answers
//! with serde_json pays; [`PRIME_RAW`] makes the host calls alone. The bench
//! times each against this module primed with no call (`[]`), not against
//! accept-all, so that nothing but the calls tells the two apart. Build it as
//! a cdylib alone (`cargo rustc --crate-type cdylib`, as scripts/bench.sh
//! does): with its rlib beside it, cargo runs no LTO on it, and it cost
//! 1.2-1.4x accept-all with no call.
//!
//! Errors: a prime naming an operation the policy never makes, or a request
//! the SDK's request types do not read, is refused when primed; a failed host
//! call or an answer that is not JSON rejects the request (the bench refuses
//! to time a verdict it did not expect).

use std::cell::{Cell, RefCell};

use kubewarden_policy_sdk::host_capabilities::kubernetes::{
    self, GetResourceRequest, ListAllResourcesRequest,
};
use kubewarden_policy_sdk::request::ValidationRequest;
use kubewarden_policy_sdk::wapc_guest as guest;
use kubewarden_policy_sdk::{accept_request, protocol_version_guest, reject_request};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

/// The waPC operation that sets the lookups every later `validate` makes.
pub const PRIME: &str = "bench_set_lookups";

/// Like [`PRIME`], but every later `validate` only scans the answers.
pub const PRIME_SCAN: &str = "bench_set_lookups_scan";

/// Like [`PRIME`], but every later `validate` sends each request as bytes
/// serialized once at prime time and never reads the answer: only the waPC
/// host call and the answer's copy into guest memory are left.
pub const PRIME_RAW: &str = "bench_set_lookups_raw";

/// What `validate` does with a lookup's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Parsed into a `serde_json::Value`, as an SDK policy without its own types does.
    Value,
    /// Read as JSON and thrown away (`IgnoredAny`): the least reading it can cost.
    Scan,
    /// Not read at all, and the request not serialized per call: the host call alone.
    Raw,
}

/// One host call, as transition-guard made it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Lookup {
    pub binding: String,
    pub namespace: String,
    pub operation: String,
    /// The request the host was sent, as JSON.
    pub request: Value,
}

/// A lookup as the SDK's typed request, ready to be made.
#[derive(Debug)]
pub enum Call {
    Get(GetResourceRequest),
    ListAll(ListAllResourcesRequest),
}

impl Call {
    /// Reads a recorded lookup into the SDK's request type for its operation.
    pub fn from_lookup(lookup: &Lookup) -> Result<Call, String> {
        let op = lookup.operation.as_str();
        if (lookup.binding.as_str(), lookup.namespace.as_str()) != ("kubewarden", "kubernetes") {
            return Err(format!(
                "lookup {}/{}/{op}: only kubewarden/kubernetes calls are supported",
                lookup.binding, lookup.namespace
            ));
        }
        let typed = |e: serde_json::Error| format!("lookup {op}: {e}");
        match op {
            "get_resource" => serde_json::from_value(lookup.request.clone())
                .map(Call::Get)
                .map_err(typed),
            "list_resources_all" => serde_json::from_value(lookup.request.clone())
                .map(Call::ListAll)
                .map_err(typed),
            _ => Err(format!("lookup {op}: not an operation transition-guard makes")),
        }
    }

    /// The waPC operation and the request bytes the SDK sends for this call.
    pub fn wire(&self) -> Result<(&'static str, Vec<u8>), String> {
        let (op, msg) = match self {
            Call::Get(req) => ("get_resource", serde_json::to_vec(req)),
            Call::ListAll(req) => ("list_resources_all", serde_json::to_vec(req)),
        };
        msg.map(|m| (op, m)).map_err(|e| format!("{op}: {e}"))
    }

    /// Makes the call the SDK's way and reads the answer as `answer` says
    /// (`Raw` reads it as `Scan` does: raw calls go through [`RawCall`]).
    fn make(&self, answer: Answer) -> Result<(), String> {
        match self {
            Call::Get(req) => match answer {
                Answer::Value => kubernetes::get_resource::<Value>(req).map(drop),
                Answer::Scan | Answer::Raw => kubernetes::get_resource::<IgnoredAny>(req).map(drop),
            }
            .map_err(|e| e.to_string()),
            Call::ListAll(_) => {
                let (op, msg) = self.wire()?;
                let bytes = guest::host_call("kubewarden", "kubernetes", op, &msg)
                    .map_err(|e| format!("{op}: {e}"))?;
                read_answer(&bytes, answer).map_err(|e| format!("list_resources_all answer: {e}"))
            }
        }
    }
}

/// Reads an answer's bytes as JSON, building a `Value` or nothing.
pub fn read_answer(bytes: &[u8], answer: Answer) -> Result<(), serde_json::Error> {
    match answer {
        Answer::Value => serde_json::from_slice::<Value>(bytes).map(drop),
        Answer::Scan | Answer::Raw => serde_json::from_slice::<IgnoredAny>(bytes).map(drop),
    }
}

/// A call of [`Answer::Raw`]: its operation and its request, serialized once.
#[derive(Debug)]
pub struct RawCall {
    pub operation: &'static str,
    pub request: Vec<u8>,
}

impl RawCall {
    /// The host call alone; the answer is copied in and dropped unread.
    fn make(&self) -> Result<(), String> {
        guest::host_call("kubewarden", "kubernetes", self.operation, &self.request)
            .map(drop)
            .map_err(|e| format!("{}: {e}", self.operation))
    }
}

thread_local! {
    static CALLS: RefCell<Vec<Call>> = const { RefCell::new(Vec::new()) };
    static RAW: RefCell<Vec<RawCall>> = const { RefCell::new(Vec::new()) };
    static ANSWER: Cell<Answer> = const { Cell::new(Answer::Value) };
}

#[no_mangle]
pub extern "C" fn wapc_init() {
    guest::register_function("validate", validate);
    guest::register_function("validate_settings", validate_settings);
    guest::register_function("protocol_version", protocol_version_guest);
    guest::register_function(PRIME, |p| prime(p, Answer::Value));
    guest::register_function(PRIME_SCAN, |p| prime(p, Answer::Scan));
    guest::register_function(PRIME_RAW, |p| prime(p, Answer::Raw));
}

/// Reads the lookups a [`PRIME`] call carries: a JSON array of [`Lookup`]s.
pub fn parse_lookups(payload: &[u8]) -> Result<Vec<Lookup>, String> {
    serde_json::from_slice(payload).map_err(|e| format!("lookups: {e}"))
}

fn prime(payload: &[u8], answer: Answer) -> guest::CallResult {
    let calls = parse_lookups(payload)?
        .iter()
        .map(Call::from_lookup)
        .collect::<Result<Vec<_>, String>>()?;
    let raw = calls
        .iter()
        .map(|c| {
            c.wire()
                .map(|(operation, request)| RawCall { operation, request })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let n = calls.len();
    CALLS.with(|c| *c.borrow_mut() = calls);
    RAW.with(|r| *r.borrow_mut() = raw);
    ANSWER.with(|a| a.set(answer));
    Ok(n.to_string().into_bytes())
}

fn reject(message: String) -> guest::CallResult {
    reject_request(Some(message), Some(400), None, None)
}

fn validate(payload: &[u8]) -> guest::CallResult {
    if let Err(e) = serde_json::from_slice::<ValidationRequest<Value>>(payload) {
        return reject(format!("cannot decode the request: {e}"));
    }
    let failed = match ANSWER.with(Cell::get) {
        Answer::Raw => RAW.with(|r| r.borrow().iter().find_map(|call| call.make().err())),
        answer => CALLS.with(|c| c.borrow().iter().find_map(|call| call.make(answer).err())),
    };
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

    fn lookup(operation: &str, request: Value) -> Lookup {
        Lookup {
            binding: "kubewarden".into(),
            namespace: "kubernetes".into(),
            operation: operation.into(),
            request,
        }
    }

    #[test]
    fn a_get_reads_as_the_sdks_request_and_serializes_as_the_sdk_sends_it() {
        let call = Call::from_lookup(&lookup(
            "get_resource",
            json!({"api_version": "ray.io/v1", "kind": "RayCluster", "name": "a1",
                   "namespace": "ml", "disable_cache": false, "field_masks": ["metadata.name"]}),
        ))
        .expect("a get");
        let Call::Get(req) = call else {
            panic!("not a get: {call:?}")
        };
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({"api_version": "ray.io/v1", "kind": "RayCluster", "name": "a1",
                   "namespace": "ml", "disable_cache": false, "field_masks": ["metadata.name"]})
        );
    }

    #[test]
    fn a_list_reads_as_the_sdks_request_with_its_absent_selectors_as_null() {
        let call = Call::from_lookup(&lookup(
            "list_resources_all",
            json!({"api_version": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
                   "field_masks": ["spec.queue"]}),
        ))
        .expect("a list");
        let Call::ListAll(req) = call else {
            panic!("not a list: {call:?}")
        };
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({"api_version": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
                   "label_selector": null, "field_selector": null, "field_masks": ["spec.queue"]})
        );
    }

    #[test]
    fn a_lookup_the_policy_never_makes_is_refused_when_primed() {
        let other_binding = Lookup {
            binding: "other".into(),
            ..lookup("get_resource", json!({}))
        };
        let cases = [
            (
                lookup("list_resources_by_namespace", json!({})),
                "lookup list_resources_by_namespace: not an operation transition-guard makes",
            ),
            (
                other_binding,
                "lookup other/kubernetes/get_resource: only kubewarden/kubernetes calls are supported",
            ),
            (
                lookup(
                    "get_resource",
                    json!({"api_version": "v1", "kind": "Service", "name": "s"}),
                ),
                "lookup get_resource: missing field `disable_cache`",
            ),
        ];
        for (l, want) in cases {
            assert_eq!(Call::from_lookup(&l).map(|_| ()), Err(want.to_string()));
        }
    }

    #[test]
    fn a_raw_call_carries_the_operation_and_the_bytes_the_sdk_would_send() {
        let get = Call::from_lookup(&lookup(
            "get_resource",
            json!({"api_version": "v1", "kind": "Service", "name": "s", "namespace": "ml",
                   "disable_cache": false}),
        ))
        .expect("a get");
        let (op, bytes) = get.wire().expect("serializes");
        assert_eq!(op, "get_resource");
        assert_eq!(
            serde_json::from_slice::<Value>(&bytes).unwrap(),
            json!({"api_version": "v1", "kind": "Service", "name": "s", "namespace": "ml",
                   "disable_cache": false, "field_masks": null})
        );
        let list = Call::from_lookup(&lookup(
            "list_resources_all",
            json!({"api_version": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup"}),
        ))
        .expect("a list");
        let (op, bytes) = list.wire().expect("serializes");
        assert_eq!(op, "list_resources_all");
        assert_eq!(
            serde_json::from_slice::<Value>(&bytes).unwrap(),
            json!({"api_version": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
                   "label_selector": null, "field_selector": null, "field_masks": null})
        );
    }

    #[test]
    fn a_scanned_answer_is_still_read_as_json() {
        let list = br#"{"items":[{"spec":{"queue":"q"}}]}"#;
        for answer in [Answer::Value, Answer::Scan] {
            assert!(read_answer(list, answer).is_ok(), "{answer:?}");
            assert_eq!(
                read_answer(br#"{"items":[}"#, answer).map_err(|e| e.to_string()),
                Err("expected value at line 1 column 11".to_string()),
                "{answer:?}"
            );
        }
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
