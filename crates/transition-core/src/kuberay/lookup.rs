//! Lazy, memoized lookups of the objects RS5/RS6/RS8 and SV1/SV2 read.
//!
//! Each object is fetched at most once per request (a second ask answers
//! from memory), only with the fields the rules read. A not-found object is
//! `None`; any lookup error or undecodable answer becomes a rejection by the
//! rule that asked, naming the lookup (fail closed). Pods are looked up
//! only when the settings ask for it (`lookupHeadPod`).

use serde_json::Value;

use crate::cluster::{release, Cluster, ResourceKind, POD, RAYCLUSTER, RAYSERVICE, SERVICE};
use crate::verdict::{Rejection, RuleId};

use super::answer_scan;
use super::view::{HeadPod, RayCluster, RayService, Service};

/// Fields read from a looked-up Service.
pub const SERVICE_FIELDS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.ownerReferences",
    "spec.selector",
];
/// Fields read from a looked-up RayCluster.
pub const RAYCLUSTER_FIELDS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.deletionTimestamp",
    "metadata.labels",
    "metadata.annotations",
    "status.conditions",
    "status.state",
];
/// Read from a RayCluster besides [`RAYCLUSTER_FIELDS`] with the setting
/// `lookupHeadPod`: the head Pod's name.
pub const HEAD_POD_NAME_FIELD: &str = "status.head.podName";
/// Fields read from a looked-up head Pod.
pub const POD_FIELDS: &[&str] = &[
    "metadata.name",
    "metadata.labels",
    "status.phase",
    "status.conditions",
];
/// Fields read from a looked-up RayService (owner of a Service).
pub const RAYSERVICE_FIELDS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "spec.serveService.metadata.name",
    "status.activeServiceStatus.rayClusterName",
    "status.pendingServiceStatus.rayClusterName",
];

/// Lookups in one namespace, each made at most once.
pub struct Lookups<'a> {
    cluster: &'a mut dyn Cluster,
    namespace: String,
    /// The setting `lookupHeadPod`: RS8 and SV2 may look up a head Pod.
    pub head_pods: bool,
    /// (kind, name) → answer bytes. A request looks up a handful of
    /// objects, so a list searched in order is enough (and keeps another
    /// B-tree instantiation out of the policy module).
    cache: Vec<(CacheKey, Option<Vec<u8>>)>,
}

/// A looked-up object: its kind and name.
type CacheKey = (&'static str, String);

impl<'a> Lookups<'a> {
    pub fn new(cluster: &'a mut dyn Cluster, namespace: &str, head_pods: bool) -> Self {
        Lookups {
            cluster,
            namespace: namespace.to_string(),
            head_pods,
            cache: Vec::new(),
        }
    }

    /// Where the answer for (`kind`, `name`) is in the cache: fetched on
    /// the first ask, and kept (not copied) for the next.
    fn raw(
        &mut self,
        rule: RuleId,
        kind: &ResourceKind,
        name: &str,
        fields: &[&str],
    ) -> Result<usize, Rejection> {
        let at = match self
            .cache
            .iter()
            .position(|((k, n), _)| *k == kind.kind && n == name)
        {
            Some(at) => at,
            None => {
                let bytes = self
                    .cluster
                    .get(kind, Some(&self.namespace), name, fields)
                    .map_err(|e| Rejection {
                        rule,
                        message: format!("{rule}: {e}"),
                    })?;
                self.cache.push(((kind.kind, name.to_string()), bytes));
                self.cache.len() - 1
            }
        };
        Ok(at)
    }

    /// The view of an answer: scanned in place ([`answer_scan`]) when `scan`
    /// reads it, else through a `Value` and `decode`, which names what is
    /// wrong with an answer the scan gives up on.
    fn decoded<T>(
        &mut self,
        rule: RuleId,
        kind: &ResourceKind,
        name: &str,
        fields: &[&str],
        scan: fn(&[u8]) -> Option<T>,
        decode: fn(&Value, &str) -> Result<T, crate::decode::DecodeError>,
    ) -> Result<Option<T>, Rejection> {
        let at = self.raw(rule, kind, name, fields)?;
        let Some(bytes) = &self.cache[at].1 else {
            return Ok(None);
        };
        if let Some(view) = scan(bytes) {
            return Ok(Some(view));
        }
        let v = self.value(bytes, rule, kind, name)?;
        // Paths relative to the answer; the base is formatted only for an error.
        let view = decode(&v, "").map_err(|e| self.undecodable(rule, kind, name, e));
        release(&*self.cluster, v);
        view.map(Some)
    }

    /// An answer as a `Value`. Not generic: one copy in the module for
    /// every view.
    #[inline(never)]
    fn value(&self, bytes: &[u8], rule: RuleId, kind: &ResourceKind, name: &str) -> Result<Value, Rejection> {
        crate::decode::from_slice(bytes).map_err(|e| Rejection {
            rule,
            message: format!(
                "{rule}: lookup get {} {} {}/{name} failed: answer is not valid JSON: {e}",
                kind.api_version, kind.kind, self.namespace
            ),
        })
    }

    /// The rejection for an answer the view's decoder refused, naming the
    /// object and the field.
    #[cold]
    #[inline(never)]
    fn undecodable(
        &self,
        rule: RuleId,
        kind: &ResourceKind,
        name: &str,
        e: crate::decode::DecodeError,
    ) -> Rejection {
        let ns = &self.namespace;
        let e = e.under(&format!("{} {ns}/{name}", kind.kind));
        Rejection {
            rule,
            message: format!(
                "{rule}: lookup get {} {} {ns}/{name}: {e}",
                kind.api_version, kind.kind
            ),
        }
    }

    /// The Service `name`, or `None` when it does not exist.
    pub fn service(&mut self, rule: RuleId, name: &str) -> Result<Option<Service>, Rejection> {
        self.decoded(
            rule,
            &SERVICE,
            name,
            SERVICE_FIELDS,
            answer_scan::service,
            Service::from_value,
        )
    }

    /// The RayCluster `name`, or `None` when it does not exist.
    pub fn ray_cluster(&mut self, rule: RuleId, name: &str) -> Result<Option<RayCluster>, Rejection> {
        if !self.head_pods {
            return self.decoded(
                rule,
                &RAYCLUSTER,
                name,
                RAYCLUSTER_FIELDS,
                answer_scan::ray_cluster,
                RayCluster::from_value,
            );
        }
        let mut fields = RAYCLUSTER_FIELDS.to_vec();
        fields.push(HEAD_POD_NAME_FIELD);
        self.decoded(
            rule,
            &RAYCLUSTER,
            name,
            &fields,
            answer_scan::ray_cluster,
            RayCluster::from_value,
        )
    }

    /// The Pod `name` (a RayCluster's head), or `None` when it does not exist.
    pub fn head_pod(&mut self, rule: RuleId, name: &str) -> Result<Option<HeadPod>, Rejection> {
        self.decoded(rule, &POD, name, POD_FIELDS, |_| None, HeadPod::from_value)
    }

    /// The RayService `name`, or `None` when it does not exist.
    pub fn ray_service(&mut self, rule: RuleId, name: &str) -> Result<Option<RayService>, Rejection> {
        self.decoded(
            rule,
            &RAYSERVICE,
            name,
            RAYSERVICE_FIELDS,
            answer_scan::ray_service,
            RayService::from_value,
        )
    }
}

impl Drop for Lookups<'_> {
    fn drop(&mut self) {
        release(&*self.cluster, std::mem::take(&mut self.cache));
    }
}
