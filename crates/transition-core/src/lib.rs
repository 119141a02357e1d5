//! # transition-core
//!
//! The rules of transition-guard as pure functions: no I/O, no clock, no
//! Kubernetes client, no wasm SDK. The Kubewarden policy, the reconciler and the
//! browser playground all call into this crate, so a rule lives here once.
//!
//! Two domains:
//! - [`volcano`]: the Volcano Queue lifecycle (`Open`/`Closing`/`Closed`/`Unknown`),
//!   Volcano's own queue webhook checks and the transition rules derived from its
//!   queue controller (rule ids `V*`, `D*`, `M*`, `P1`, `J1`, `W1`, `F1`, `S1`, `T*`).
//! - [`kuberay`]: the KubeRay RayService switchover (rule ids `RS*`, `SV*`) and the
//!   plan that performs one switch with its rollback.
//!
//! The entry point for admission is [`evaluate`]: it routes one
//! [`AdmissionRequest`] to the rules of its resource and returns a [`Verdict`].
//! Rules that need other objects ask a [`Cluster`] for them, lazily, and only
//! for the fields they read.

pub mod admission;
mod big;
pub mod cluster;
pub use transition_decode::decode;
#[cfg(test)]
mod envelope_tests;
mod json_scan;
pub mod kuberay;
pub mod quantity;
pub mod settings;
pub mod verdict;
pub mod volcano;
pub mod writers;

pub use admission::{AdmissionRequest, Operation, ValidationPayload};
pub use cluster::{Cluster, LookupError, ResourceKind};
pub use decode::DecodeError;
pub use settings::Settings;
pub use verdict::{Rejection, Verdict};

/// Evaluates one admission request against the rules of its resource.
///
/// Expected flow: the policy decodes the waPC payload with
/// [`ValidationPayload::decode`], then calls this with a [`Cluster`] backed by
/// host calls.
///
/// Guarantees: never panics; a request for a resource this policy does not
/// guard is rejected with a message naming it (a silent accept would hide a
/// misconfigured policy). A status write by someone outside the
/// `statusWriters` setting is refused (SW1) before any other rule runs.
pub fn evaluate(req: &AdmissionRequest, settings: &Settings, cluster: &mut dyn Cluster) -> Verdict {
    if let Some(refused) = writers::check(req, settings) {
        return Verdict::Reject(refused);
    }
    let res = &req.resource;
    match (res.group.as_str(), res.version.as_str(), res.resource.as_str()) {
        (volcano::SCHEDULING_GROUP, "v1beta1", "queues") => volcano::admit_queue(req, settings, cluster),
        (volcano::SCHEDULING_GROUP, "v1beta1", "podgroups") => {
            volcano::admit_podgroup(req, settings, cluster)
        }
        (volcano::BATCH_GROUP, "v1alpha1", "jobs") => volcano::admit_job(req, settings, cluster),
        (kuberay::RAY_GROUP, "v1", "rayservices") if req.sub_resource.is_empty() => {
            kuberay::admit_rayservice(req, settings)
        }
        (kuberay::RAY_GROUP, "v1", "rayservices") if req.is_status() => {
            kuberay::admit_rayservice_status(req, settings, cluster)
        }
        ("", "v1", "services") if req.sub_resource.is_empty() => {
            kuberay::admit_service(req, settings, cluster)
        }
        _ => Verdict::reject(
            "resource",
            format!(
                "transition-guard does not guard resource {}; the policy's rules should not send it here",
                req.resource
            ),
        ),
    }
}
