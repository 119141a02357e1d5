//! Small typed views of the objects the KubeRay rules read, decoded from JSON
//! with [`crate::decode`] so that every error names the offending path.
//!
//! Every field is optional in the input: lookups pass field masks, so the
//! host may return partial objects. A missing field reads as its zero value
//! (as Go's structs do upstream).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::decode::{self, string_or_empty as string, type_name, DecodeError};

/// `metadata` fields shared by every view.
fn string_map(v: &Value, base: &str, path: &str) -> Result<BTreeMap<String, String>, DecodeError> {
    // Inserted one by one, not collected: `FromIterator` sorts first, and
    // that sort's code is ~3 KB of module for maps that arrive sorted anyway.
    let mut map = BTreeMap::new();
    for (k, v) in decode::opt_string_map(v, base, path)? {
        map.insert(k.to_string(), v.to_string());
    }
    Ok(map)
}

fn must_be_object(v: &Value, base: &str) -> Result<(), DecodeError> {
    match v {
        Value::Object(_) => Ok(()),
        Value::Null => Err(DecodeError::Missing {
            path: base.to_string(),
        }),
        other => Err(DecodeError::WrongType {
            path: base.to_string(),
            expected: "object",
            found: type_name(other),
        }),
    }
}

/// One entry of a `conditions` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    pub reason: String,
}

fn conditions(v: &Value, base: &str, path: &str) -> Result<Vec<Condition>, DecodeError> {
    let Some(items) = decode::opt_array(v, base, path)? else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .enumerate()
        .map(|(i, c)| condition(c).map_err(|e| e.under(&format!("{path}[{i}]")).under(base)))
        .collect()
}

/// One condition, read with paths relative to it (see [`DecodeError::under`]).
fn condition(c: &Value) -> Result<Condition, DecodeError> {
    must_be_object(c, "")?;
    Ok(Condition {
        type_: string(c, "", "type")?,
        status: string(c, "", "status")?,
        reason: string(c, "", "reason")?,
    })
}

/// The condition of `type_`, if present.
pub fn find_condition<'a>(conds: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conds.iter().find(|c| c.type_ == type_)
}

/// True when the condition of `type_` is present with status `True`.
pub fn condition_true(conds: &[Condition], type_: &str) -> bool {
    find_condition(conds, type_).is_some_and(|c| c.status == "True")
}

/// `status.activeServiceStatus` or `status.pendingServiceStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ServeStatus {
    /// `rayClusterName`; `""` when unset.
    pub ray_cluster_name: String,
    /// `applicationStatuses`: application name → `status`, sorted by name.
    pub applications: BTreeMap<String, String>,
    pub target_capacity: Option<i64>,
    pub traffic_routed_percent: Option<i64>,
}

impl ServeStatus {
    /// An active or pending service status, read with paths relative to it.
    fn from_value(v: &Value) -> Result<Self, DecodeError> {
        let mut applications = BTreeMap::new();
        if let Some(apps) = decode::opt_object(v, "", "applicationStatuses")? {
            for (name, app) in apps {
                let status = must_be_object(app, "")
                    .and_then(|()| string(app, "", "status"))
                    .map_err(|e| e.under(&format!("applicationStatuses.{name}")))?;
                applications.insert(name.clone(), status);
            }
        }
        Ok(ServeStatus {
            ray_cluster_name: string(v, "", "rayClusterName")?,
            applications,
            target_capacity: decode::opt_i64(v, "", "targetCapacity")?,
            traffic_routed_percent: decode::opt_i64(v, "", "trafficRoutedPercent")?,
        })
    }
}

/// `status` of a RayService.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RayServiceStatus {
    pub active: ServeStatus,
    pub pending: ServeStatus,
    pub conditions: Vec<Condition>,
    pub observed_generation: Option<i64>,
}

impl RayServiceStatus {
    /// A RayService's `status` object, read with paths relative to it.
    fn from_value(s: &Value) -> Result<Self, DecodeError> {
        let serve = |key: &str| -> Result<ServeStatus, DecodeError> {
            match decode::opt_object(s, "", key)? {
                None => Ok(ServeStatus::default()),
                Some(_) => ServeStatus::from_value(&s[key]).map_err(|e| e.under(key)),
            }
        };
        Ok(RayServiceStatus {
            active: serve("activeServiceStatus")?,
            pending: serve("pendingServiceStatus")?,
            conditions: conditions(s, "", "conditions")?,
            observed_generation: decode::opt_i64(s, "", "observedGeneration")?,
        })
    }
}

/// One entry of `rayClusterConfig.workerGroupSpecs`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct WorkerGroup {
    pub group_name: String,
    pub containers: usize,
    pub replicas: Option<i64>,
    pub min_replicas: Option<i64>,
    pub max_replicas: Option<i64>,
}

impl WorkerGroup {
    /// One worker group, read with paths relative to it.
    fn from_value(g: &Value) -> Result<Self, DecodeError> {
        must_be_object(g, "")?;
        Ok(WorkerGroup {
            group_name: string(g, "", "groupName")?,
            containers: decode::opt_array(g, "", "template.spec.containers")?.map_or(0, Vec::len),
            replicas: decode::opt_i64(g, "", "replicas")?,
            min_replicas: decode::opt_i64(g, "", "minReplicas")?,
            max_replicas: decode::opt_i64(g, "", "maxReplicas")?,
        })
    }
}

/// `upgradeStrategy.clusterUpgradeOptions`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ClusterUpgradeOptions {
    /// CRD default 100 when absent.
    pub max_surge_percent: Option<i64>,
    pub step_size_percent: Option<i64>,
    pub interval_seconds: Option<i64>,
    pub gateway_class_name: String,
}

/// The parts of a RayService `spec` the rules read.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RayServiceSpec {
    /// Number of containers in `rayClusterConfig.headGroupSpec.template.spec.containers`.
    pub head_containers: usize,
    /// `rayClusterConfig.headGroupSpec.headService.metadata.name`.
    pub head_service_name: String,
    pub worker_groups: Vec<WorkerGroup>,
    /// `rayClusterConfig.enableInTreeAutoscaling`.
    pub enable_in_tree_autoscaling: bool,
    /// `rayClusterConfig.authOptions.enableK8sTokenAuth`.
    pub enable_k8s_token_auth: bool,
    /// `upgradeStrategy.type`; `None` when unset.
    pub upgrade_type: Option<String>,
    pub cluster_upgrade_options: Option<ClusterUpgradeOptions>,
    pub ray_cluster_deletion_delay_seconds: Option<i64>,
    /// `serveService.metadata.name`; `""` when unset.
    pub serve_service_name: String,
    pub suspend: bool,
}

/// A RayService (`ray.io/v1`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RayService {
    pub name: String,
    pub namespace: String,
    pub generation: Option<i64>,
    pub annotations: BTreeMap<String, String>,
    pub deleting: bool,
    pub spec: RayServiceSpec,
    pub status: RayServiceStatus,
}

/// Name suffix of the RayService head Service.
pub const HEAD_SERVICE_SUFFIX: &str = "-head-svc";
/// Name suffix of the default RayService serve Service.
pub const SERVE_SERVICE_SUFFIX: &str = "-serve-svc";
/// `upgradeStrategy.type` of incremental upgrades.
pub const INCREMENTAL: &str = "NewClusterWithIncrementalUpgrade";
/// KubeRay's default `rayClusterDeletionDelaySeconds`.
pub const DEFAULT_DELETION_DELAY_SECS: i64 = 60;

impl RayService {
    /// Decodes a RayService; `base` names `v` in errors (e.g. `request.object`).
    pub fn from_value(v: &Value, base: &str) -> Result<Self, DecodeError> {
        must_be_object(v, base)?;
        // Paths are literals: these run on every RayService admission.
        let rc = "spec.rayClusterConfig";
        let head_containers = decode::opt_array(
            v,
            base,
            "spec.rayClusterConfig.headGroupSpec.template.spec.containers",
        )?
        .map_or(0, Vec::len);
        let mut worker_groups = Vec::new();
        if let Some(groups) = decode::opt_array(v, base, "spec.rayClusterConfig.workerGroupSpecs")? {
            for (i, g) in groups.iter().enumerate() {
                let group = WorkerGroup::from_value(g)
                    .map_err(|e| e.under(&format!("{rc}.workerGroupSpecs[{i}]")).under(base))?;
                worker_groups.push(group);
            }
        }
        let opts = "spec.upgradeStrategy.clusterUpgradeOptions";
        let cluster_upgrade_options = match decode::opt_object(v, base, opts)? {
            None => None,
            Some(_) => Some(ClusterUpgradeOptions {
                max_surge_percent: decode::opt_i64(
                    v,
                    base,
                    "spec.upgradeStrategy.clusterUpgradeOptions.maxSurgePercent",
                )?,
                step_size_percent: decode::opt_i64(
                    v,
                    base,
                    "spec.upgradeStrategy.clusterUpgradeOptions.stepSizePercent",
                )?,
                interval_seconds: decode::opt_i64(
                    v,
                    base,
                    "spec.upgradeStrategy.clusterUpgradeOptions.intervalSeconds",
                )?,
                gateway_class_name: string(
                    v,
                    base,
                    "spec.upgradeStrategy.clusterUpgradeOptions.gatewayClassName",
                )?,
            }),
        };
        let spec = RayServiceSpec {
            head_containers,
            head_service_name: string(
                v,
                base,
                "spec.rayClusterConfig.headGroupSpec.headService.metadata.name",
            )?,
            worker_groups,
            enable_in_tree_autoscaling: decode::opt_bool(
                v,
                base,
                "spec.rayClusterConfig.enableInTreeAutoscaling",
            )?
            .unwrap_or(false),
            enable_k8s_token_auth: decode::opt_bool(
                v,
                base,
                "spec.rayClusterConfig.authOptions.enableK8sTokenAuth",
            )?
            .unwrap_or(false),
            upgrade_type: decode::opt_str(v, base, "spec.upgradeStrategy.type")?.map(str::to_string),
            cluster_upgrade_options,
            ray_cluster_deletion_delay_seconds: decode::opt_i64(
                v,
                base,
                "spec.rayClusterDeletionDelaySeconds",
            )?,
            serve_service_name: string(v, base, "spec.serveService.metadata.name")?,
            suspend: decode::opt_bool(v, base, "spec.suspend")?.unwrap_or(false),
        };
        let status = match decode::opt_object(v, base, "status")? {
            None => RayServiceStatus::default(),
            Some(_) => {
                RayServiceStatus::from_value(&v["status"]).map_err(|e| e.under("status").under(base))?
            }
        };
        Ok(RayService {
            name: string(v, base, "metadata.name")?,
            namespace: string(v, base, "metadata.namespace")?,
            generation: decode::opt_i64(v, base, "metadata.generation")?,
            annotations: string_map(v, base, "metadata.annotations")?,
            deleting: decode::lookup(v, base, "metadata.deletionTimestamp")?.is_some(),
            spec,
            status,
        })
    }

    /// Name of the head Service: `<rs>-head-svc`.
    pub fn head_service_name(&self) -> String {
        format!("{}{HEAD_SERVICE_SUFFIX}", self.name)
    }

    /// Name of the serve Service: `spec.serveService.metadata.name` or `<rs>-serve-svc`.
    pub fn serve_service_name(&self) -> String {
        if self.spec.serve_service_name.is_empty() {
            format!("{}{SERVE_SERVICE_SUFFIX}", self.name)
        } else {
            self.spec.serve_service_name.clone()
        }
    }

    /// True for `upgradeStrategy.type: NewClusterWithIncrementalUpgrade` (the
    /// `RayServiceIncrementalUpgrade` gate is treated as on, its default).
    pub fn is_incremental(&self) -> bool {
        self.spec.upgrade_type.as_deref() == Some(INCREMENTAL)
    }

    /// Delay before a dangling RayCluster is deleted: 0 while the RayService
    /// is being deleted, else `rayClusterDeletionDelaySeconds` or 60.
    pub fn deletion_delay_secs(&self) -> i64 {
        if self.deleting {
            0
        } else {
            self.spec
                .ray_cluster_deletion_delay_seconds
                .unwrap_or(DEFAULT_DELETION_DELAY_SECS)
                .max(0)
        }
    }

    /// Active RayCluster name (`""` when unset).
    pub fn active(&self) -> &str {
        &self.status.active.ray_cluster_name
    }

    /// Pending RayCluster name (`""` when unset).
    pub fn pending(&self) -> &str {
        &self.status.pending.ray_cluster_name
    }
}

/// The controller owner reference of an object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnerRef {
    pub kind: String,
    pub name: String,
}

fn controller_owner(v: &Value, base: &str) -> Result<Option<OwnerRef>, DecodeError> {
    let Some(refs) = decode::opt_array(v, base, "metadata.ownerReferences")? else {
        return Ok(None);
    };
    for (i, r) in refs.iter().enumerate() {
        let owner =
            controller_ref(r).map_err(|e| e.under(&format!("metadata.ownerReferences[{i}]")).under(base))?;
        if owner.is_some() {
            return Ok(owner);
        }
    }
    Ok(None)
}

/// One owner reference, when it is the controller's (paths relative to it).
fn controller_ref(r: &Value) -> Result<Option<OwnerRef>, DecodeError> {
    must_be_object(r, "")?;
    if decode::opt_bool(r, "", "controller")? != Some(true) {
        return Ok(None);
    }
    Ok(Some(OwnerRef {
        kind: string(r, "", "kind")?,
        name: string(r, "", "name")?,
    }))
}

/// A core Service (`v1`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Service {
    pub name: String,
    pub namespace: String,
    pub controller: Option<OwnerRef>,
    pub selector: BTreeMap<String, String>,
}

/// Selector key naming the RayCluster.
pub const CLUSTER_LABEL: &str = "ray.io/cluster";
/// Selector key of the node type.
pub const NODE_TYPE_LABEL: &str = "ray.io/node-type";
/// Selector key of the head identifier.
pub const IDENTIFIER_LABEL: &str = "ray.io/identifier";
/// Selector key of serve readiness.
pub const SERVE_LABEL: &str = "ray.io/serve";
/// Label on RayClusters naming the RayService that created them.
pub const ORIGINATED_FROM_CR_NAME: &str = "ray.io/originated-from-cr-name";

impl Service {
    /// Decodes a Service; `base` names `v` in errors.
    pub fn from_value(v: &Value, base: &str) -> Result<Self, DecodeError> {
        must_be_object(v, base)?;
        Ok(Service {
            name: string(v, base, "metadata.name")?,
            namespace: string(v, base, "metadata.namespace")?,
            controller: controller_owner(v, base)?,
            selector: string_map(v, base, "spec.selector")?,
        })
    }

    /// The `ray.io/cluster` selector value (`""` when absent), like upstream's
    /// `GetRayClusterNameFromService`.
    pub fn selected_cluster(&self) -> &str {
        self.selector.get(CLUSTER_LABEL).map_or("", String::as_str)
    }
}

/// What a RayCluster's status says of its head Pod.
///
/// KubeRay publishes the condition `HeadPodReady` only with its
/// `RayClusterStatusConditions` gate on (the default since v1.3). With the
/// gate off it checks the head Pod itself before a switch, and the RayCluster
/// carries no such condition; the closest evidence it does carry is
/// `status.state: ready`, which KubeRay sets once every Pod is Running and
/// Ready and never takes back. That is weaker than the condition, so it is
/// read only when the condition is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum HeadReadiness {
    /// `HeadPodReady` is `True`.
    Ready,
    /// `HeadPodReady` is present and not `True`.
    NotReady,
    /// No `HeadPodReady` condition; `status.state` is `ready`.
    StateReady,
    /// No `HeadPodReady` condition, and `status.state` is not `ready`.
    #[default]
    Unreported,
}

impl HeadReadiness {
    pub(crate) fn of(conditions: &[Condition], state: Option<&str>) -> Self {
        match find_condition(conditions, "HeadPodReady") {
            Some(c) if c.status == "True" => HeadReadiness::Ready,
            Some(_) => HeadReadiness::NotReady,
            None if state == Some("ready") => HeadReadiness::StateReady,
            None => HeadReadiness::Unreported,
        }
    }

    pub fn is_ready(self) -> bool {
        matches!(self, HeadReadiness::Ready | HeadReadiness::StateReady)
    }

    /// Why a head Pod that is not ready counts as such, for messages.
    pub fn reason(self) -> &'static str {
        match self {
            HeadReadiness::NotReady => "HeadPodReady is not True",
            _ => "no HeadPodReady condition, and status.state is not ready",
        }
    }
}

/// A RayCluster (`ray.io/v1`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RayCluster {
    pub name: String,
    pub namespace: String,
    pub deleting: bool,
    /// From `HeadPodReady`, or `status.state` without it.
    pub head: HeadReadiness,
    /// `status.head.podName`: the head Pod KubeRay last found (v1.2+).
    pub head_pod: String,
    /// Label `ray.io/originated-from-cr-name`.
    pub originated_from: String,
    pub annotations: BTreeMap<String, String>,
}

impl RayCluster {
    /// Decodes a RayCluster; `base` names `v` in errors.
    pub fn from_value(v: &Value, base: &str) -> Result<Self, DecodeError> {
        must_be_object(v, base)?;
        let labels = string_map(v, base, "metadata.labels")?;
        Ok(RayCluster {
            name: string(v, base, "metadata.name")?,
            namespace: string(v, base, "metadata.namespace")?,
            deleting: decode::lookup(v, base, "metadata.deletionTimestamp")?.is_some(),
            head: HeadReadiness::of(
                &conditions(v, base, "status.conditions")?,
                decode::opt_str(v, base, "status.state")?,
            ),
            head_pod: string(v, base, "status.head.podName")?,
            originated_from: labels.get(ORIGINATED_FROM_CR_NAME).cloned().unwrap_or_default(),
            annotations: string_map(v, base, "metadata.annotations")?,
        })
    }

    /// Whether the head Pod itself decides readiness when the setting
    /// `lookupHeadPod` (or the reconciler's `--lookup-head-pod`) is on: the
    /// cluster carries no `HeadPodReady` condition (KubeRay's
    /// `RayClusterStatusConditions` gate off).
    pub fn head_pod_decides(&self) -> bool {
        matches!(self.head, HeadReadiness::StateReady | HeadReadiness::Unreported)
    }

    /// Why the head does not count as ready by the cluster's status alone
    /// (`HeadPodReady`, or `status.state` without it), or `None`.
    pub fn status_head_problem(&self) -> Option<String> {
        (!self.head.is_ready()).then(|| self.head.reason().to_string())
    }

    /// Why `pod`, the Pod `head_pod` names (`None`: not found, or none
    /// named), is not a ready head of this cluster in the sense of KubeRay's
    /// gate-off check (labels `ray.io/cluster=<name>`, `ray.io/node-type=head`;
    /// phase `Running`; `Ready=True`), or `None` when it is.
    pub fn pod_head_problem(&self, pod: Option<&HeadPod>) -> Option<String> {
        const NO_CONDITION: &str = "no HeadPodReady condition, and";
        let name = &self.head_pod;
        if name.is_empty() {
            return Some(format!("{NO_CONDITION} status.head.podName names no head Pod"));
        }
        let why = match pod {
            None => format!("{NO_CONDITION} head Pod {name} does not exist"),
            Some(pod) if pod.cluster != self.name || pod.node_type != "head" => format!(
                "{NO_CONDITION} Pod {name} is not the head Pod of RayCluster {} (labels {CLUSTER_LABEL}={}, {NODE_TYPE_LABEL}=head)",
                self.name, self.name
            ),
            Some(pod) if pod.phase != "Running" => format!(
                "{NO_CONDITION} head Pod {name} is in phase {}, not Running",
                if pod.phase.is_empty() { "\"\"" } else { &pod.phase }
            ),
            Some(pod) if !pod.ready => format!("{NO_CONDITION} head Pod {name} is Running but not Ready"),
            Some(_) => return None,
        };
        Some(why)
    }
}

/// A RayCluster's head Pod, as KubeRay's own readiness check reads it when
/// the cluster carries no `HeadPodReady` condition (`IsRunningAndReady`:
/// phase `Running` and condition `Ready=True`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct HeadPod {
    pub name: String,
    /// Labels `ray.io/cluster` and `ray.io/node-type`, by which KubeRay finds it.
    pub cluster: String,
    pub node_type: String,
    pub phase: String,
    /// Condition `Ready` is `True`.
    pub ready: bool,
}

impl HeadPod {
    /// Decodes a Pod; `base` names `v` in errors.
    pub fn from_value(v: &Value, base: &str) -> Result<Self, DecodeError> {
        must_be_object(v, base)?;
        let labels = string_map(v, base, "metadata.labels")?;
        Ok(HeadPod {
            name: string(v, base, "metadata.name")?,
            cluster: labels.get(CLUSTER_LABEL).cloned().unwrap_or_default(),
            node_type: labels.get(NODE_TYPE_LABEL).cloned().unwrap_or_default(),
            phase: string(v, base, "status.phase")?,
            ready: condition_true(&conditions(v, base, "status.conditions")?, "Ready"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rayservice_view_reads_the_fields_that_matter() {
        let v = json!({
            "metadata": {"name": "rs", "namespace": "ns", "generation": 3, "annotations": {"a": "b"}},
            "spec": {
                "rayClusterConfig": {
                    "enableInTreeAutoscaling": true,
                    "headGroupSpec": {"template": {"spec": {"containers": [{}]}}},
                    "workerGroupSpecs": [{"groupName": "g", "minReplicas": 1, "maxReplicas": 2, "replicas": 1,
                        "template": {"spec": {"containers": [{}, {}]}}}]
                },
                "upgradeStrategy": {"type": "NewCluster"},
                "rayClusterDeletionDelaySeconds": 5,
                "serveService": {"metadata": {"name": "custom"}}
            },
            "status": {
                "activeServiceStatus": {"rayClusterName": "rs-a", "applicationStatuses": {"app": {"status": "RUNNING"}}},
                "pendingServiceStatus": {"rayClusterName": "rs-p", "trafficRoutedPercent": 0},
                "conditions": [{"type": "UpgradeInProgress", "status": "True", "reason": "BothActivePendingClustersExist"}],
                "observedGeneration": 3
            }
        });
        let rs = RayService::from_value(&v, "o").unwrap();
        assert_eq!(rs.active(), "rs-a");
        assert_eq!(rs.pending(), "rs-p");
        assert_eq!(rs.serve_service_name(), "custom");
        assert_eq!(rs.head_service_name(), "rs-head-svc");
        assert_eq!(rs.deletion_delay_secs(), 5);
        assert_eq!(
            rs.spec.worker_groups,
            vec![WorkerGroup {
                group_name: "g".into(),
                containers: 2,
                replicas: Some(1),
                min_replicas: Some(1),
                max_replicas: Some(2)
            }]
        );
        assert_eq!(
            rs.status.active.applications.get("app").map(String::as_str),
            Some("RUNNING")
        );
        assert_eq!(rs.status.pending.traffic_routed_percent, Some(0));
        assert!(condition_true(&rs.status.conditions, "UpgradeInProgress"));
        assert_eq!(rs.status.observed_generation, Some(3));
    }

    /// Every nested shape a view reads names the whole path of a bad field,
    /// from the base down (list elements, map entries, nested statuses).
    #[test]
    fn nested_errors_name_the_whole_path() {
        let rs = |v: Value| {
            RayService::from_value(&v, "o")
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let svc = |v: Value| {
            Service::from_value(&v, "s")
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let rc = |v: Value| {
            RayCluster::from_value(&v, "RayCluster ns/c")
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let bare = |v: Value| {
            RayService::from_value(&v, "")
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let bare_svc = |v: Value| Service::from_value(&v, "").map(|_| ()).map_err(|e| e.to_string());
        let cases: Vec<(Result<(), String>, &str)> = vec![
            (
                rs(json!({"status": {"conditions": [1]}})),
                "o.status.conditions[0]: expected object, got integer",
            ),
            (
                rs(json!({"status": {"conditions": [{"type": "A"}, null]}})),
                "o.status.conditions[1]: required field is missing",
            ),
            (
                rs(json!({"status": {"conditions": [{"type": 1}]}})),
                "o.status.conditions[0].type: expected string, got integer",
            ),
            (
                rs(json!({"status": {"conditions": [{"type": "A", "reason": []}]}})),
                "o.status.conditions[0].reason: expected string, got array",
            ),
            (
                rs(json!({"status": {"activeServiceStatus": 5}})),
                "o.status.activeServiceStatus: expected object, got integer",
            ),
            (
                rs(json!({"status": {"pendingServiceStatus": {"rayClusterName": false}}})),
                "o.status.pendingServiceStatus.rayClusterName: expected string, got boolean",
            ),
            (
                rs(json!({"status": {"activeServiceStatus": {"applicationStatuses": {"app1": 3}}}})),
                "o.status.activeServiceStatus.applicationStatuses.app1: expected object, got integer",
            ),
            (
                rs(
                    json!({"status": {"pendingServiceStatus": {"applicationStatuses": {"a": {"status": true}}}}}),
                ),
                "o.status.pendingServiceStatus.applicationStatuses.a.status: expected string, got boolean",
            ),
            (
                rs(json!({"status": {"activeServiceStatus": {"applicationStatuses": 1}}})),
                "o.status.activeServiceStatus.applicationStatuses: expected object, got integer",
            ),
            (
                rs(json!({"status": {"pendingServiceStatus": {"targetCapacity": "x"}}})),
                "o.status.pendingServiceStatus.targetCapacity: expected integer, got string",
            ),
            (
                rs(json!({"status": {"observedGeneration": "x"}})),
                "o.status.observedGeneration: expected integer, got string",
            ),
            (
                rs(json!({"status": {"conditions": {}}})),
                "o.status.conditions: expected array, got object",
            ),
            (
                rs(json!({"spec": {"rayClusterConfig": {"workerGroupSpecs": [{}, "w"]}}})),
                "o.spec.rayClusterConfig.workerGroupSpecs[1]: expected object, got string",
            ),
            (
                rs(json!({"spec": {"rayClusterConfig": {"workerGroupSpecs": [{"template": {"spec": 1}}]}}})),
                "o.spec.rayClusterConfig.workerGroupSpecs[0].template.spec: expected object, got integer",
            ),
            (
                rs(json!({"spec": {"rayClusterConfig": {"workerGroupSpecs": [null]}}})),
                "o.spec.rayClusterConfig.workerGroupSpecs[0]: required field is missing",
            ),
            (
                svc(json!({"metadata": {"ownerReferences": [{"controller": "yes"}]}})),
                "s.metadata.ownerReferences[0].controller: expected boolean, got string",
            ),
            (
                svc(json!({"metadata": {"ownerReferences": [{"controller": false}, null]}})),
                "s.metadata.ownerReferences[1]: required field is missing",
            ),
            (
                svc(json!({"metadata": {"ownerReferences": [{"controller": true, "kind": 1}]}})),
                "s.metadata.ownerReferences[0].kind: expected string, got integer",
            ),
            (
                rc(json!({"status": {"conditions": [{"status": 2}]}})),
                "RayCluster ns/c.status.conditions[0].status: expected string, got integer",
            ),
            // an empty base (a lookup answer's view) gives paths from the object itself
            (
                bare(json!({"status": {"conditions": [1]}})),
                "status.conditions[0]: expected object, got integer",
            ),
            (
                bare(json!({"status": {"activeServiceStatus": {"applicationStatuses": {"a": 1}}}})),
                "status.activeServiceStatus.applicationStatuses.a: expected object, got integer",
            ),
            (
                bare(json!({"spec": {"rayClusterConfig": {"workerGroupSpecs": [1]}}})),
                "spec.rayClusterConfig.workerGroupSpecs[0]: expected object, got integer",
            ),
            (bare(json!("x")), ": expected object, got string"),
            (
                bare_svc(json!({"metadata": {"ownerReferences": [7]}})),
                "metadata.ownerReferences[0]: expected object, got integer",
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, Err(want.to_string()));
        }
    }

    #[test]
    fn view_errors_name_the_path() {
        let v = json!({"metadata": {"name": "rs"}, "status": {"activeServiceStatus": {"rayClusterName": 7}}});
        assert_eq!(
            RayService::from_value(&v, "request.object"),
            Err(DecodeError::WrongType {
                path: "request.object.status.activeServiceStatus.rayClusterName".into(),
                expected: "string",
                found: "integer"
            })
        );
        let v = json!({"spec": {"rayClusterConfig": {"workerGroupSpecs": [{"minReplicas": "1"}]}}});
        assert_eq!(
            RayService::from_value(&v, "o"),
            Err(DecodeError::WrongType {
                path: "o.spec.rayClusterConfig.workerGroupSpecs[0].minReplicas".into(),
                expected: "integer",
                found: "string"
            })
        );
        assert_eq!(
            Service::from_value(&json!("x"), "svc"),
            Err(DecodeError::WrongType {
                path: "svc".into(),
                expected: "object",
                found: "string"
            })
        );
        assert_eq!(
            RayCluster::from_value(&Value::Null, "rc"),
            Err(DecodeError::Missing { path: "rc".into() })
        );
    }

    #[test]
    fn service_and_cluster_views() {
        let s = Service::from_value(
            &json!({"metadata": {"name": "rs-head-svc", "ownerReferences": [
                {"kind": "Other", "name": "x"},
                {"kind": "RayService", "name": "rs", "controller": true}]},
                "spec": {"selector": {"ray.io/cluster": "rs-a"}}}),
            "s",
        )
        .unwrap();
        assert_eq!(
            s.controller,
            Some(OwnerRef {
                kind: "RayService".into(),
                name: "rs".into()
            })
        );
        assert_eq!(s.selected_cluster(), "rs-a");
        let c = RayCluster::from_value(
            &json!({"metadata": {"name": "rs-a", "labels": {"ray.io/originated-from-cr-name": "rs"},
                "deletionTimestamp": "2026-01-01T00:00:00Z"},
                "status": {"conditions": [{"type": "HeadPodReady", "status": "True"}]}}),
            "c",
        )
        .unwrap();
        assert!(c.deleting && c.head == HeadReadiness::Ready);
        assert_eq!(c.originated_from, "rs");
    }

    #[test]
    fn head_readiness_reads_the_condition_first_and_the_state_only_without_it() {
        let head = |status: Value| {
            RayCluster::from_value(&json!({"metadata": {"name": "c"}, "status": status}), "c").map(|c| c.head)
        };
        let cond = |s: &str| json!([{"type": "HeadPodReady", "status": s}]);
        let other = json!([{"type": "RayClusterProvisioned", "status": "True"}]);
        assert_eq!(
            head(json!({"conditions": cond("True")})),
            Ok(HeadReadiness::Ready)
        );
        // The condition wins over a state that says ready (KubeRay never clears it).
        assert_eq!(
            head(json!({"conditions": cond("False"), "state": "ready"})),
            Ok(HeadReadiness::NotReady)
        );
        assert_eq!(
            head(json!({"conditions": cond("Unknown")})),
            Ok(HeadReadiness::NotReady)
        );
        assert_eq!(head(json!({"state": "ready"})), Ok(HeadReadiness::StateReady));
        assert_eq!(
            head(json!({"conditions": other, "state": "ready"})),
            Ok(HeadReadiness::StateReady)
        );
        assert_eq!(head(json!({"state": "suspended"})), Ok(HeadReadiness::Unreported));
        assert_eq!(head(json!({"state": "Ready"})), Ok(HeadReadiness::Unreported));
        assert_eq!(head(json!({})), Ok(HeadReadiness::Unreported));
        assert_eq!(
            head(json!({"state": 1})),
            Err(DecodeError::WrongType {
                path: "c.status.state".into(),
                expected: "string",
                found: "integer"
            })
        );
        assert!(HeadReadiness::Ready.is_ready() && HeadReadiness::StateReady.is_ready());
        assert!(!HeadReadiness::NotReady.is_ready() && !HeadReadiness::Unreported.is_ready());
        assert_eq!(HeadReadiness::NotReady.reason(), "HeadPodReady is not True");
        assert_eq!(
            HeadReadiness::Unreported.reason(),
            "no HeadPodReady condition, and status.state is not ready"
        );
    }
}
