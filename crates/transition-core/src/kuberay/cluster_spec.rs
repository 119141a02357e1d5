//! The fields of a RayService's `rayClusterConfig` that only KubeRay's
//! `ValidateRayClusterSpec` reads (rayStartParams, group resources and
//! labels, head container env, autoscaler, GCS fault tolerance and auth
//! options, Ray version), read from the request's JSON only when a spec is
//! judged (`KR-SPEC`): status writes and Service switches never decode them.
//!
//! Only the keys the rules ask about are read, each by its path, so a
//! wrongly typed one is a decode error naming it; the API server's schema
//! has already refused wrong types elsewhere in these maps.

use serde_json::Value;

use crate::decode::{self, DecodeError};

/// What one head or worker group holds for the group rules.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupExtras<'a> {
    /// One of `rayStartParams` `num-cpus`, `num-gpus`, `memory`, `resources`
    /// is non-empty.
    pub resources_in_params: bool,
    /// The group's own `resources` map has an entry.
    pub resources: bool,
    /// `rayStartParams` has a `labels` key (even empty).
    pub labels_in_params: bool,
    /// The group's top-level `labels`, in key order.
    pub labels: Vec<(&'a str, &'a str)>,
    /// `rayStartParams` `redis-password` and `redis-username` (head only).
    pub redis_password: &'a str,
    pub redis_username: &'a str,
    /// `template.spec.restartPolicy`, `""` when unset.
    pub restart_policy: &'a str,
    /// Worker groups only.
    pub idle_timeout_seconds: Option<i64>,
    pub priority: Option<i64>,
    pub suspend: bool,
}

impl<'a> GroupExtras<'a> {
    fn from_value(g: &'a Value) -> Result<Self, DecodeError> {
        let param = |k: &str| -> Result<&'a str, DecodeError> {
            match g.get("rayStartParams") {
                Some(Value::Object(m)) => match m.get(k) {
                    None | Some(Value::Null) => Ok(""),
                    Some(Value::String(s)) => Ok(s),
                    Some(other) => Err(DecodeError::WrongType {
                        path: format!("rayStartParams.{k}"),
                        expected: "string",
                        found: decode::type_name(other),
                    }),
                },
                _ => decode::opt_object(g, "", "rayStartParams").map(|_| ""),
            }
        };
        let mut resources_in_params = false;
        for k in ["num-cpus", "num-gpus", "memory", "resources"] {
            resources_in_params |= !param(k)?.is_empty();
        }
        Ok(GroupExtras {
            resources_in_params,
            resources: decode::opt_object(g, "", "resources")?.is_some_and(|m| !m.is_empty()),
            labels_in_params: decode::opt_object(g, "", "rayStartParams")?
                .is_some_and(|m| m.contains_key("labels")),
            labels: decode::opt_string_map(g, "", "labels")?,
            redis_password: param("redis-password")?,
            redis_username: param("redis-username")?,
            restart_policy: decode::opt_str(g, "", "template.spec.restartPolicy")?.unwrap_or_default(),
            idle_timeout_seconds: decode::opt_i64(g, "", "idleTimeoutSeconds")?,
            priority: decode::opt_i64(g, "", "priority")?,
            suspend: decode::opt_bool(g, "", "suspend")?.unwrap_or(false),
        })
    }
}

/// An env list (`[]corev1.EnvVar`), as the JSON array it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Env<'a>(&'a [Value]);

impl<'a> Env<'a> {
    fn from_value(root: &'a Value, path: &str) -> Result<Self, DecodeError> {
        let items = decode::opt_array(root, "", path)?.map_or(&[][..], Vec::as_slice);
        for (i, e) in items.iter().enumerate() {
            let at = || format!("{path}[{i}]");
            if !e.is_object() {
                return Err(DecodeError::WrongType {
                    path: at(),
                    expected: "object",
                    found: decode::type_name(e),
                });
            }
            decode::req_str(e, "", "name").map_err(|err| err.under(&at()))?;
            decode::opt_str(e, "", "value").map_err(|err| err.under(&at()))?;
        }
        Ok(Env(items))
    }

    /// `EnvVarByName`: the literal value of the first entry of that name
    /// (`""` for one set through `valueFrom`).
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.0
            .iter()
            .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
            .map(|e| e.get("value").and_then(Value::as_str).unwrap_or_default())
    }

    /// `EnvVarExists`.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// `rayClusterConfig`, as far as the cluster-spec rules read it beyond
/// [`super::view::RayServiceSpec`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClusterConfig<'a> {
    pub head: GroupExtras<'a>,
    /// One per `workerGroupSpecs` entry, in order.
    pub workers: Vec<GroupExtras<'a>>,
    /// `env` of the head's first container (`RayContainerIndex`).
    pub head_env: Env<'a>,
    /// `autoscalerOptions.version` is set (any value); and whether it is `v2`.
    pub autoscaler_version_set: bool,
    pub autoscaler_v2: bool,
    pub autoscaler_idle_timeout_seconds: Option<i64>,
    pub autoscaler_env: Env<'a>,
    /// `gcsFaultToleranceOptions` is set; its `backend`, and whether it has `storage`.
    pub gcs_ft_options: bool,
    pub gcs_ft_backend: &'a str,
    pub gcs_ft_storage: bool,
    /// `authOptions.mode` and `rayVersion`, `""` when unset.
    pub auth_mode: &'a str,
    pub ray_version: &'a str,
}

const RC: &str = "spec.rayClusterConfig";

impl<'a> ClusterConfig<'a> {
    /// Decodes the fields from a RayService object; `base` names it in errors.
    ///
    /// Errors: a field of the wrong JSON type, or an env entry without a
    /// name, named by its full path.
    pub fn from_value(v: &'a Value, base: &str) -> Result<Self, DecodeError> {
        Self::read(v).map_err(|e| e.under(base))
    }

    fn read(v: &'a Value) -> Result<Self, DecodeError> {
        let Some(rc) = decode::lookup(v, "", RC)? else {
            return Ok(ClusterConfig::default());
        };
        let under_rc = |e: DecodeError| e.under(RC);
        let head = match rc.get("headGroupSpec") {
            Some(h) if !h.is_null() => GroupExtras::from_value(h).map_err(|e| e.under("headGroupSpec")),
            _ => Ok(GroupExtras::default()),
        }
        .map_err(under_rc)?;
        let containers = "headGroupSpec.template.spec.containers";
        let head_env = match decode::opt_array(rc, "", containers).map_err(under_rc)? {
            Some(cs) if !cs.is_empty() => {
                let c0 = "headGroupSpec.template.spec.containers[0]";
                Env::from_value(&cs[0], "env").map_err(|e| e.under(c0))
            }
            _ => Ok(Env::default()),
        }
        .map_err(under_rc)?;
        let mut workers = Vec::new();
        if let Some(groups) = decode::opt_array(rc, "", "workerGroupSpecs").map_err(under_rc)? {
            for (i, g) in groups.iter().enumerate() {
                let x = GroupExtras::from_value(g)
                    .map_err(|e| under_rc(e.under(&format!("workerGroupSpecs[{i}]"))))?;
                workers.push(x);
            }
        }
        let opt_str = |p: &str| decode::opt_str(rc, "", p).map_err(under_rc);
        Ok(ClusterConfig {
            head,
            workers,
            head_env,
            autoscaler_version_set: decode::lookup(rc, "", "autoscalerOptions.version")
                .map_err(under_rc)?
                .is_some(),
            autoscaler_v2: opt_str("autoscalerOptions.version")? == Some("v2"),
            autoscaler_idle_timeout_seconds: decode::opt_i64(rc, "", "autoscalerOptions.idleTimeoutSeconds")
                .map_err(under_rc)?,
            autoscaler_env: Env::from_value(rc, "autoscalerOptions.env").map_err(under_rc)?,
            gcs_ft_options: decode::lookup(rc, "", "gcsFaultToleranceOptions")
                .map_err(under_rc)?
                .is_some(),
            gcs_ft_backend: opt_str("gcsFaultToleranceOptions.backend")?.unwrap_or_default(),
            gcs_ft_storage: decode::lookup(rc, "", "gcsFaultToleranceOptions.storage")
                .map_err(under_rc)?
                .is_some(),
            auth_mode: opt_str("authOptions.mode")?.unwrap_or_default(),
            ray_version: opt_str("rayVersion")?.unwrap_or_default(),
        })
    }
}
