//! KubeRay RayService switchover: invariants RS1–RS10, SV1–SV3, KubeRay's
//! own spec validation (`KR-META`, `KR-SPEC`), and the switchover plan.
//! Facts: `shared/docs/kuberay-switchover.md`.
//!
//! Admission entry points (routed by [`crate::evaluate`]):
//! - [`admit_rayservice`]: `ray.io/v1 rayservices` CREATE/UPDATE → §8 validation.
//! - [`admit_rayservice_status`]: `rayservices/status` UPDATE → RS1–RS10.
//! - [`admit_service`]: `v1 services` CREATE/UPDATE → SV1–SV3 for the
//!   RayService head/serve Services only; everything else accepted without
//!   any lookup.
//!
//! RayClusters are never routed here: guarding their deletion would
//! livelock KubeRay (doc §7, fail-safe analysis).

pub mod answer_scan;
pub mod apimachinery;
pub mod cluster_spec;
pub mod invariants;
pub mod lookup;
pub mod plan;
pub mod release;
pub mod validation;
pub mod view;

use crate::admission::{AdmissionRequest, Operation};
use crate::cluster::Cluster;
use crate::settings::Settings;
use crate::verdict::Verdict;

use invariants::{ServiceRole, StatusChange};
use lookup::Lookups;
use view::{RayService, Service, HEAD_SERVICE_SUFFIX};

/// API group of RayService and RayCluster.
pub const RAY_GROUP: &str = "ray.io";

fn decode_err(e: impl std::fmt::Display) -> Verdict {
    Verdict::reject("decode", e.to_string())
}

fn check_kind(req: &AdmissionRequest, want: &str) -> Result<(), Verdict> {
    if req.kind.kind == want {
        return Ok(());
    }
    Err(decode_err(format!(
        "request.kind.kind: expected {want} for resource {}, got {:?}",
        req.resource, req.kind.kind
    )))
}

fn bad_op(req: &AdmissionRequest, allowed: &str) -> Verdict {
    Verdict::reject(
        "op",
        format!(
            "invalid operation `{}` for {}, expect operation to be {allowed}",
            req.operation, req.resource
        ),
    )
}

/// `rayservices` (main resource): metadata then spec validation on CREATE
/// and UPDATE, with the rules of `settings.kube_ray_version`; DELETE is not
/// guarded.
///
/// The spec is judged when it is written, not on every update: an UPDATE
/// that leaves `spec` as stored, or one of an object being deleted, gets the
/// metadata check only. KubeRay adds its finalizer with such an update before
/// it validates the spec, and removes it with one during deletion; refusing
/// them for a spec stored before the policy would keep the operator from
/// reporting `ValidationFailed` and hang the deletion.
pub fn admit_rayservice(req: &AdmissionRequest, settings: &Settings) -> Verdict {
    if let Err(v) = check_kind(req, "RayService") {
        return v;
    }
    match req.operation {
        Operation::Create | Operation::Update => {}
        Operation::Delete => return Verdict::Accept,
        _ => return bad_op(req, "`CREATE`, `UPDATE` or `DELETE`"),
    }
    let rs = match RayService::from_value(&req.object, "request.object") {
        Ok(rs) => rs,
        Err(e) => return decode_err(e),
    };
    let spec_as_stored = req.operation == Operation::Update
        && (rs.deleting || req.object.get("spec") == req.old_object.get("spec"));
    let verdict = if spec_as_stored {
        validation::validate_metadata(&rs, settings.kube_ray_version)
    } else {
        match cluster_spec::ClusterConfig::from_value(&req.object, "request.object") {
            Ok(cfg) => validation::validate(&rs, &cfg, settings.kube_ray_version),
            Err(e) => return decode_err(e),
        }
    };
    match verdict {
        Ok(()) => Verdict::Accept,
        Err(r) => r.into(),
    }
}

/// `rayservices/status` UPDATE: RS1–RS10 over (old, new).
pub fn admit_rayservice_status(
    req: &AdmissionRequest,
    settings: &Settings,
    cluster: &mut dyn Cluster,
) -> Verdict {
    if let Err(v) = check_kind(req, "RayService") {
        return v;
    }
    if req.operation != Operation::Update {
        return bad_op(req, "`UPDATE`");
    }
    let new = match RayService::from_value(&req.object, "request.object") {
        Ok(rs) => rs,
        Err(e) => return decode_err(e),
    };
    let old = match RayService::from_value(&req.old_object, "request.oldObject") {
        Ok(rs) => rs,
        Err(e) => return decode_err(e),
    };
    let namespace = if new.namespace.is_empty() {
        req.namespace.clone()
    } else {
        new.namespace.clone()
    };
    let mut lookups = Lookups::new(cluster, &namespace, settings.lookup_head_pod);
    match invariants::check_status_write(&StatusChange { old: &old, new: &new }, &mut lookups) {
        Ok(()) => Verdict::Accept,
        Err(r) => r.into(),
    }
}

/// `services` CREATE/UPDATE: SV1–SV3 for a Service whose controller owner is
/// a RayService and whose name is that RayService's head or serve Service.
///
/// Cheap exits, without any lookup: no controller owner of kind RayService
/// (this includes every RayCluster-owned Service), or an UPDATE that leaves
/// `spec.selector` unchanged (not a switch). A Service owned by a RayService
/// with a name other than `<rs>-head-svc`/`<rs>-serve-svc` costs one lookup
/// of that RayService (its serve Service name may be custom). A RayService
/// that does not exist any more owns nothing we can check: accepted.
pub fn admit_service(req: &AdmissionRequest, settings: &Settings, cluster: &mut dyn Cluster) -> Verdict {
    if let Err(v) = check_kind(req, "Service") {
        return v;
    }
    match req.operation {
        Operation::Create | Operation::Update => {}
        Operation::Delete => return Verdict::Accept,
        _ => return bad_op(req, "`CREATE`, `UPDATE` or `DELETE`"),
    }
    let mut svc = match Service::from_value(&req.object, "request.object") {
        Ok(s) => s,
        Err(e) => return decode_err(e),
    };
    let Some(owner) = svc.controller.clone().filter(|o| o.kind == "RayService") else {
        return Verdict::Accept;
    };
    if req.operation == Operation::Update {
        match Service::from_value(&req.old_object, "request.oldObject") {
            Ok(old) if old.selector == svc.selector => return Verdict::Accept,
            Ok(_) => {}
            Err(e) => return decode_err(e),
        }
    }
    if svc.name.is_empty() {
        svc.name = req.name.clone();
    }
    let namespace = if svc.namespace.is_empty() {
        req.namespace.clone()
    } else {
        svc.namespace.clone()
    };
    let mut lookups = Lookups::new(cluster, &namespace, settings.lookup_head_pod);
    let rs = match lookups.ray_service("SV1", &owner.name) {
        Ok(Some(rs)) => rs,
        Ok(None) => return Verdict::Accept,
        Err(r) => return r.into(),
    };
    let role = if svc.name == format!("{}{HEAD_SERVICE_SUFFIX}", owner.name) {
        ServiceRole::Head
    } else if svc.name == rs.serve_service_name() {
        ServiceRole::Serve
    } else {
        return Verdict::Accept;
    };
    match invariants::check_service_write(&svc, role, &rs, &mut lookups) {
        Ok(()) => Verdict::Accept,
        Err(r) => r.into(),
    }
}

#[cfg(test)]
mod tests;
