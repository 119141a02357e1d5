//! The policy's settings: typed, all optional, strictly checked.

use serde::Serialize;
use serde_json::Value;

use crate::decode::type_name;
use crate::kuberay::release::KubeRayVersion;

/// Settings of transition-guard. Keys are camelCase in JSON and YAML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Volcano `--max-queue-depth` (V4): deepest allowed queue, root excluded.
    pub max_queue_depth: u32,
    /// Volcano `--enable-queue-allocated-pods-check` (D4).
    pub enable_queue_allocated_pods_check: bool,
    /// Volcano `--enable-root-queue-protection` (V5).
    pub enable_root_queue_protection: bool,
    /// Apply Volcano's queue mutations M1–M3 on CREATE.
    pub mutate_queue_defaults: bool,
    /// Who may write `queues/status` and `rayservices/status` (SW1): user
    /// names and group names, matched exactly against `userInfo.username`
    /// and each of `userInfo.groups`. Empty (the default): no restriction.
    pub status_writers: Vec<String>,
    /// RS8/SV2 on a RayCluster without the `HeadPodReady` condition (KubeRay's
    /// `RayClusterStatusConditions` gate off): look up its head Pod
    /// (`status.head.podName`) and require it Running and Ready, as KubeRay
    /// itself checks. Off (the default): `status.state: ready` stands in,
    /// which KubeRay never takes back. Needs `v1/Pod` in `contextAwareResources`.
    pub lookup_head_pod: bool,
    /// The KubeRay operator release the cluster runs: KR-META and KR-SPEC
    /// judge only the rules that release has. Default: the newest release
    /// read ([`KubeRayVersion::NEWEST`]).
    pub kube_ray_version: KubeRayVersion,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_queue_depth: 5,
            enable_queue_allocated_pods_check: false,
            enable_root_queue_protection: true,
            mutate_queue_defaults: false,
            status_writers: Vec::new(),
            lookup_head_pod: false,
            kube_ray_version: KubeRayVersion::NEWEST,
        }
    }
}

/// Every settings key, in documentation order.
pub const KNOWN_KEYS: &[&str] = &[
    "maxQueueDepth",
    "enableQueueAllocatedPodsCheck",
    "enableRootQueueProtection",
    "mutateQueueDefaults",
    "statusWriters",
    "lookupHeadPod",
    "kubeRayVersion",
];

/// Why settings were refused. Every variant names the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("settings must be an object, got {found}")]
    NotAnObject { found: &'static str },
    #[error("unknown setting `{key}`; known settings are {}", KNOWN_KEYS.join(", "))]
    UnknownKey { key: String },
    #[error("{key}: expected {expected}, got {found}")]
    WrongType {
        key: &'static str,
        expected: &'static str,
        found: &'static str,
    },
    #[error("{key}[{index}]: expected {expected}, got {found}")]
    BadEntry {
        key: &'static str,
        index: usize,
        expected: &'static str,
        found: &'static str,
    },
    #[error("{key}: must be {bound}, got {value}")]
    OutOfRange {
        key: &'static str,
        bound: &'static str,
        value: String,
    },
}

impl Settings {
    /// Reads settings from JSON. `null` (no settings given) means all defaults.
    ///
    /// Errors: a non-object, an unknown key, a value of the wrong type, or a
    /// value out of range; the first one found, by key order in the input.
    pub fn from_value(value: &Value) -> Result<Self, SettingsError> {
        let mut s = Settings::default();
        let obj = match value {
            Value::Null => return Ok(s),
            Value::Object(o) => o,
            other => {
                return Err(SettingsError::NotAnObject {
                    found: type_name(other),
                })
            }
        };
        for (key, v) in obj {
            match key.as_str() {
                "maxQueueDepth" => {
                    let n = match v {
                        Value::Number(n) if n.is_i64() || n.is_u64() => n,
                        other => return Err(wrong("maxQueueDepth", "integer", other)),
                    };
                    s.max_queue_depth = n
                        .as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| SettingsError::OutOfRange {
                            key: "maxQueueDepth",
                            bound: "an integer from 1 to 4294967295",
                            value: n.to_string(),
                        })?;
                }
                "enableQueueAllocatedPodsCheck" => {
                    s.enable_queue_allocated_pods_check = boolean("enableQueueAllocatedPodsCheck", v)?
                }
                "enableRootQueueProtection" => {
                    s.enable_root_queue_protection = boolean("enableRootQueueProtection", v)?
                }
                "mutateQueueDefaults" => s.mutate_queue_defaults = boolean("mutateQueueDefaults", v)?,
                "statusWriters" => s.status_writers = names("statusWriters", v)?,
                "lookupHeadPod" => s.lookup_head_pod = boolean("lookupHeadPod", v)?,
                "kubeRayVersion" => s.kube_ray_version = kube_ray_version(v)?,
                other => {
                    return Err(SettingsError::UnknownKey {
                        key: other.to_string(),
                    })
                }
            }
        }
        Ok(s)
    }
}

/// A KubeRay release, `v1.3.0` or later.
fn kube_ray_version(v: &Value) -> Result<KubeRayVersion, SettingsError> {
    const KEY: &str = "kubeRayVersion";
    let text = v.as_str().ok_or_else(|| wrong(KEY, "string", v))?;
    let out_of_range = |bound| SettingsError::OutOfRange {
        key: KEY,
        bound,
        value: format!("{text:?}"),
    };
    match KubeRayVersion::parse(text) {
        None => Err(out_of_range("a KubeRay release such as v1.5 or v1.5.1")),
        Some(r) if r < KubeRayVersion::OLDEST => Err(out_of_range(
            "v1.3.0 or later (older operators write a switchover in another order)",
        )),
        Some(r) => Ok(r),
    }
}

fn boolean(key: &'static str, v: &Value) -> Result<bool, SettingsError> {
    v.as_bool().ok_or_else(|| wrong(key, "boolean", v))
}

/// A list of non-empty strings (user or group names).
fn names(key: &'static str, v: &Value) -> Result<Vec<String>, SettingsError> {
    let items = v.as_array().ok_or_else(|| wrong(key, "list of strings", v))?;
    items
        .iter()
        .enumerate()
        .map(|(index, item)| match item {
            Value::String(name) if !name.is_empty() => Ok(name.clone()),
            other => Err(SettingsError::BadEntry {
                key,
                index,
                expected: "a non-empty user or group name",
                found: if other.is_string() {
                    "an empty string"
                } else {
                    type_name(other)
                },
            }),
        })
        .collect()
}

fn wrong(key: &'static str, expected: &'static str, v: &Value) -> SettingsError {
    SettingsError::WrongType {
        key,
        expected,
        found: type_name(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_and_null_are_defaults() {
        assert_eq!(Settings::from_value(&Value::Null), Ok(Settings::default()));
        assert_eq!(Settings::from_value(&json!({})), Ok(Settings::default()));
    }

    #[test]
    fn all_keys_are_read() {
        let s = Settings::from_value(&json!({
            "maxQueueDepth": 3,
            "enableQueueAllocatedPodsCheck": true,
            "enableRootQueueProtection": false,
            "mutateQueueDefaults": true,
            "statusWriters": ["system:serviceaccount:volcano-system:volcano-controllers", "kuberay-operators"],
            "lookupHeadPod": true,
            "kubeRayVersion": "v1.4"
        }));
        assert_eq!(
            s,
            Ok(Settings {
                max_queue_depth: 3,
                enable_queue_allocated_pods_check: true,
                enable_root_queue_protection: false,
                mutate_queue_defaults: true,
                status_writers: vec![
                    "system:serviceaccount:volcano-system:volcano-controllers".into(),
                    "kuberay-operators".into()
                ],
                lookup_head_pod: true,
                kube_ray_version: KubeRayVersion::new(1, 4, 0),
            })
        );
    }

    #[test]
    fn kube_ray_version_is_a_supported_release() {
        let read =
            |v: Value| Settings::from_value(&json!({ "kubeRayVersion": v })).map(|s| s.kube_ray_version);
        assert_eq!(read(json!("1.5.1")), Ok(KubeRayVersion::new(1, 5, 1)));
        assert_eq!(read(json!("v1.3")), Ok(KubeRayVersion::OLDEST));
        assert_eq!(read(json!("v1.9.0")), Ok(KubeRayVersion::new(1, 9, 0)));
        assert_eq!(
            read(json!(1.5)),
            Err(SettingsError::WrongType {
                key: "kubeRayVersion",
                expected: "string",
                found: "number"
            })
        );
        assert_eq!(
            read(json!("latest")),
            Err(SettingsError::OutOfRange {
                key: "kubeRayVersion",
                bound: "a KubeRay release such as v1.5 or v1.5.1",
                value: "\"latest\"".into()
            })
        );
        let old = read(json!("v1.2.2")).unwrap_err();
        assert_eq!(
            old.to_string(),
            "kubeRayVersion: must be v1.3.0 or later (older operators write a switchover in another order), got \"v1.2.2\""
        );
    }

    #[test]
    fn errors_name_the_key() {
        assert_eq!(
            Settings::from_value(&json!({"maxDepth": 3})),
            Err(SettingsError::UnknownKey {
                key: "maxDepth".into()
            })
        );
        assert_eq!(
            Settings::from_value(&json!({"enableRootQueueProtection": "yes"})),
            Err(SettingsError::WrongType {
                key: "enableRootQueueProtection",
                expected: "boolean",
                found: "string"
            })
        );
        assert_eq!(
            Settings::from_value(&json!({"maxQueueDepth": 0})),
            Err(SettingsError::OutOfRange {
                key: "maxQueueDepth",
                bound: "an integer from 1 to 4294967295",
                value: "0".into()
            })
        );
        assert_eq!(
            Settings::from_value(&json!({"maxQueueDepth": 2.5})),
            Err(SettingsError::WrongType {
                key: "maxQueueDepth",
                expected: "integer",
                found: "number"
            })
        );
        assert_eq!(
            Settings::from_value(&json!([1])),
            Err(SettingsError::NotAnObject { found: "array" })
        );
        assert_eq!(
            SettingsError::UnknownKey { key: "x".into() }.to_string(),
            "unknown setting `x`; known settings are maxQueueDepth, enableQueueAllocatedPodsCheck, enableRootQueueProtection, mutateQueueDefaults, statusWriters, lookupHeadPod, kubeRayVersion"
        );
        assert_eq!(
            Settings::from_value(&json!({"lookupHeadPod": "true"})),
            Err(SettingsError::WrongType {
                key: "lookupHeadPod",
                expected: "boolean",
                found: "string"
            })
        );
    }

    #[test]
    fn status_writers_must_be_a_list_of_names() {
        assert_eq!(
            Settings::from_value(&json!({"statusWriters": "volcano"})),
            Err(SettingsError::WrongType {
                key: "statusWriters",
                expected: "list of strings",
                found: "string"
            })
        );
        assert_eq!(
            Settings::from_value(&json!({"statusWriters": ["a", 7]})),
            Err(SettingsError::BadEntry {
                key: "statusWriters",
                index: 1,
                expected: "a non-empty user or group name",
                found: "integer"
            })
        );
        let empty = Settings::from_value(&json!({"statusWriters": ["a", ""]})).unwrap_err();
        assert_eq!(
            empty.to_string(),
            "statusWriters[1]: expected a non-empty user or group name, got an empty string"
        );
        assert_eq!(
            Settings::from_value(&json!({"statusWriters": []})),
            Ok(Settings::default())
        );
    }
}
