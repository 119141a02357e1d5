//! KubeRay's own RayService validation (doc §8), moved to admission.
//!
//! Upstream runs `ValidateRayServiceMetadata` and `ValidateRayServiceSpec`
//! inside `Reconcile` (failure ⇒ `Ready=False`, reason `ValidationFailed`).
//! The policy applies the same checks, with the same texts, on CREATE and
//! UPDATE of `rayservices`; first error wins. Rule ids:
//! - `KR-META`: `ValidateRayServiceMetadata` (name length, DNS-1035, the
//!   `ray.io/initializing-timeout` annotation).
//! - `KR-SPEC`: `ValidateRayServiceSpec` items 1–6; item 2 is
//!   `ValidateRayClusterSpec` with KubeRay's default feature gates (groups,
//!   rayStartParams, labels, GCS fault tolerance, autoscaler, Ray version
//!   gates), less the gated checks listed on `validate_cluster_spec`.

use crate::verdict::Rejection;

use super::apimachinery::{self, GenericVersion};
use super::cluster_spec::{ClusterConfig, GroupExtras};
use super::release::{KubeRayVersion, V1_4_0, V1_5_0, V1_5_1, V1_6_0, V1_7_0};
use super::view::{RayService, INCREMENTAL};

/// Rule id of metadata validation.
pub const KR_META: &str = "KR-META";
/// Rule id of spec validation.
pub const KR_SPEC: &str = "KR-SPEC";
/// `MaxRayServiceNameLength` (53 − 6).
pub const MAX_RAYSERVICE_NAME_LENGTH: usize = 47;
/// Annotation read by the initializing timeout.
pub const INITIALIZING_TIMEOUT_ANNOTATION: &str = "ray.io/initializing-timeout";

const META_PREFIX: &str = "The RayService metadata is invalid: ";
const SPEC_PREFIX: &str = "The RayService spec is invalid: ";

/// apimachinery's `IsDNS1035Label` error for a value that does not match the
/// regex (note the two spaces after `'my-name',`, as upstream prints it).
const DNS1035_REGEX_ERROR: &str =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', \
start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', \
regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

fn meta(msg: String) -> Rejection {
    Rejection {
        rule: KR_META,
        message: format!("{META_PREFIX}{msg}"),
    }
}

fn spec(msg: String) -> Rejection {
    Rejection {
        rule: KR_SPEC,
        message: format!("{SPEC_PREFIX}{msg}"),
    }
}

/// Metadata then spec validation; the first error wins. `cfg`: the rest of
/// the same object's `rayClusterConfig` ([`ClusterConfig::from_value`]).
/// `release`: the operator's; only the rules it has run (each rule names the
/// release that introduced it, `since vX.Y.Z`). Texts are the newest
/// release's, also where an older one words a rule otherwise.
pub fn validate(rs: &RayService, cfg: &ClusterConfig, release: KubeRayVersion) -> Result<(), Rejection> {
    validate_metadata(rs, release)?;
    validate_spec(rs, cfg, release)
}

fn is_dns1035_label(name: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if name.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    let b = name.as_bytes();
    let ok = !b.is_empty()
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[b.len() - 1] != b'-';
    if !ok {
        errs.push(DNS1035_REGEX_ERROR.to_string());
    }
    errs
}

/// `ValidateRayServiceMetadata` (since v1.4.0; the annotation since v1.5.0).
pub fn validate_metadata(rs: &RayService, release: KubeRayVersion) -> Result<(), Rejection> {
    if !release.has(V1_4_0) {
        return Ok(());
    }
    if rs.name.len() > MAX_RAYSERVICE_NAME_LENGTH {
        return Err(meta(format!(
            "RayService name should be no more than {MAX_RAYSERVICE_NAME_LENGTH} characters"
        )));
    }
    let errs = is_dns1035_label(&rs.name);
    if !errs.is_empty() {
        return Err(meta(format!(
            "RayService name should be a valid DNS1035 label: [{}]",
            crate::decode::join_strings(&errs, " ")
        )));
    }
    if let Some(timeout) = rs
        .annotations
        .get(INITIALIZING_TIMEOUT_ANNOTATION)
        .filter(|_| release.has(V1_5_0))
    {
        if let Some(err) = initializing_timeout_error(timeout) {
            return Err(meta(format!("RayService annotations is invalid: {err}")));
        }
    }
    Ok(())
}

fn initializing_timeout_error(value: &str) -> Option<String> {
    let a = INITIALIZING_TIMEOUT_ANNOTATION;
    if value.is_empty() {
        return None;
    }
    if let Some(nanos) = parse_go_duration(value) {
        return (nanos <= 0).then(|| format!("annotation {a} must be a positive duration, got: {value}"));
    }
    if let Some(secs) = parse_go_atoi(value) {
        return (secs <= 0)
            .then(|| format!("annotation {a} must be a positive integer (seconds), got: {value}"));
    }
    Some(format!(
        "annotation {a} has invalid format: {value}. Expected Go duration format (e.g., '5m', '1h') or positive integer seconds"
    ))
}

/// Go's `strconv.Atoi` for 64-bit ints: optional sign, decimal digits.
fn parse_go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.strip_prefix('+').unwrap_or(s).parse().ok()
}

/// Go's `time.ParseDuration`, in nanoseconds; `None` where Go returns an
/// error. Same arithmetic as Go: each `<number><unit>` term is whole
/// nanoseconds (a fraction is scaled through f64 and truncated, so `0.5ns`
/// is 0), summed in u64, and the total must fit an i64 (`-2^63ns` does).
fn parse_go_duration(s: &str) -> Option<i64> {
    const LIMIT: u64 = 1 << 63;
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        // whole part: digits, at most 2^63
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let mut whole: u64 = 0;
        for c in rest[..int_len].bytes() {
            whole = whole.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
            if whole > LIMIT {
                return None;
            }
        }
        let mut after = &rest[int_len..];
        // fraction: digits past the precision of u64 are read and ignored
        let (mut frac, mut scale, mut frac_len) = (0u64, 1f64, None);
        if let Some(a) = after.strip_prefix('.') {
            let n = a.bytes().take_while(u8::is_ascii_digit).count();
            let mut overflow = false;
            for c in a[..n].bytes() {
                match frac
                    .checked_mul(10)
                    .and_then(|x| x.checked_add(u64::from(c - b'0')))
                {
                    Some(y) if !overflow && frac <= (LIMIT - 1) / 10 && y <= LIMIT => {
                        frac = y;
                        scale *= 10.0;
                    }
                    _ => overflow = true,
                }
            }
            frac_len = Some(n);
            after = &a[n..];
        }
        if int_len == 0 && frac_len.unwrap_or(0) == 0 {
            return None;
        }
        let unit_len = after
            .bytes()
            .take_while(|c| *c != b'.' && !c.is_ascii_digit())
            .count();
        let (unit, next) = after.split_at(unit_len);
        let unit: u64 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        if whole > LIMIT / unit {
            return None;
        }
        let mut term = whole * unit;
        if frac > 0 {
            term += (frac as f64 * (unit as f64 / scale)) as u64;
            if term > LIMIT {
                return None;
            }
        }
        total += term;
        if total > LIMIT {
            return None;
        }
        rest = next;
    }
    if neg {
        Some((total as i64).wrapping_neg())
    } else {
        i64::try_from(total).ok()
    }
}

/// `ValidateRayServiceSpec` items 1–6 (item 2: `validate_cluster_spec`), in
/// upstream's order, as `release` has them.
pub fn validate_spec(rs: &RayService, cfg: &ClusterConfig, release: KubeRayVersion) -> Result<(), Rejection> {
    let s = &rs.spec;
    // since v1.6.0
    if s.enable_k8s_token_auth && release.has(V1_6_0) {
        return Err(spec(
            "K8s token auth mode is currently not supported for RayService".into(),
        ));
    }
    validate_cluster_spec(rs, cfg, release).map_err(spec)?;
    // since v1.3.0 (the oldest release supported: every release has it)
    if !s.head_service_name.is_empty() {
        return Err(spec(
            "spec.rayClusterConfig.headGroupSpec.headService.metadata.name should not be set".into(),
        ));
    }
    // since v1.3.0; the incremental upgrade is a valid option since v1.5.0
    if let Some(t) = &s.upgrade_type {
        let incremental = release.has(V1_5_0);
        let valid = matches!(t.as_str(), "None" | "NewCluster") || (incremental && t == INCREMENTAL);
        if !valid {
            return Err(spec(if incremental {
                format!(
                    "Spec.UpgradeStrategy.Type value {t} is invalid, valid options are {INCREMENTAL}, NewCluster, or None"
                )
            } else {
                format!(
                    "Spec.UpgradeStrategy.Type value {t} is invalid, valid options are NewCluster or None"
                )
            }));
        }
    }
    if !release.has(V1_5_0) {
        return Ok(());
    }
    // since v1.5.0
    if let Some(d) = s.ray_cluster_deletion_delay_seconds {
        if d < 0 {
            return Err(spec(format!(
                "Spec.RayClusterDeletionDelaySeconds should be a non-negative integer, got {d}"
            )));
        }
    }
    if rs.is_incremental() {
        validate_cluster_upgrade_options(rs, release).map_err(|m| spec(m.into()))?;
    }
    Ok(())
}

const RAY_ENABLE_AUTOSCALER_V2: &str = "RAY_enable_autoscaler_v2";
/// CRD defaults of a worker group's `minReplicas` and `maxReplicas`.
const MIN_REPLICAS_DEFAULT: i64 = 0;
const MAX_REPLICAS_DEFAULT: i64 = i32::MAX as i64;

/// `ValidateRayClusterSpec` (KubeRay feeaf72fa, the same as v1.7.0) with
/// KubeRay's default feature gates, in its order, first error wins; each rule
/// only from the release that introduced it (`since`). v1.3.x runs these on
/// the RayCluster a RayService creates (the RayCluster controller refuses it),
/// not on the RayService; the policy refuses the RayService's spec up front.
///
/// Not checked (each depends on a gate the policy cannot see): the
/// alpha-gated history server, network policy, TLS and RocksDB backend
/// rules (off by default: judging them would refuse a spec that a cluster
/// with the gate on accepts), and the suspend check of the
/// `RayJobDeletionPolicy` gate (on by default). KubeRay still reports those
/// as `ValidationFailed`. Label errors of one group come in label-key order
/// (Go's map order is random).
fn validate_cluster_spec(
    rs: &RayService,
    cfg: &ClusterConfig,
    release: KubeRayVersion,
) -> Result<(), String> {
    let s = &rs.spec;
    // since v1.3.0
    if s.head_containers == 0 {
        return Err("headGroupSpec should have at least one container".into());
    }
    let (groups, v1_6) = (release.has(V1_5_0), release.has(V1_6_0));
    if groups {
        group_rules("Head", &cfg.head)?;
    }
    let autoscaling = s.enable_in_tree_autoscaling;
    let env_v2 = cfg.head_env.get(RAY_ENABLE_AUTOSCALER_V2);
    let v2 = cfg.autoscaler_v2 || matches!(env_v2, Some("1" | "true"));
    let none = GroupExtras::default();
    for (i, g) in s.worker_groups.iter().enumerate() {
        let x = cfg.workers.get(i).unwrap_or(&none);
        let name = &g.group_name;
        // since v1.3.0
        if g.containers == 0 {
            return Err("workerGroupSpec should have at least one container".into());
        }
        // The CRD defaults both (0 and maxInt32), and the API server applies
        // that before any webhook sees the object, as KubeRay reads it; so
        // upstream's "must set both minReplicas and maxReplicas when
        // autoscaling is disabled" never fires behind an API server, and a
        // manifest evaluated offline gets the answer the cluster would give.
        let min = g.min_replicas.unwrap_or(MIN_REPLICAS_DEFAULT);
        let max = g.max_replicas.unwrap_or(MAX_REPLICAS_DEFAULT);
        // these three since v1.6.0
        if v1_6 && min < 0 {
            return Err(format!("worker group {name} has negative minReplicas {min}"));
        }
        if v1_6 && max < 0 {
            return Err(format!("worker group {name} has negative maxReplicas {max}"));
        }
        if v1_6 && min > max {
            return Err(format!(
                "worker group {name} has minReplicas {min} greater than maxReplicas {max}"
            ));
        }
        if groups {
            group_rules(name, x)?;
        }
        // since v1.6.0
        if let Some(t) = x.idle_timeout_seconds.filter(|_| v1_6) {
            if t < 0 {
                return Err(format!(
                    "worker group {name}: idleTimeoutSeconds must be non-negative, got {t}"
                ));
            }
            if !v2 {
                return Err(format!(
                    "worker group {name}: idleTimeoutSeconds is set, but autoscaler v2 is not enabled. Please set .spec.autoscalerOptions.version to 'v2' (or set {RAY_ENABLE_AUTOSCALER_V2} environment variable to 'true' in the head pod if using KubeRay < 1.4.0)"
                ));
            }
        }
        // since v1.7.0
        if let Some(p) = x.priority.filter(|p| *p != 0 && release.has(V1_7_0)) {
            let at = format!("worker group {name}: priority is set,");
            ray_version_at_least(cfg.ray_version, "2.56.0", &at)?;
            if !v2 {
                return Err(format!(
                    "worker group {name}: priority is set to {p}, but autoscaler v2 is not enabled. Priority is only supported with autoscaler v2 enabled"
                ));
            }
        }
    }

    // GCS fault tolerance: since v1.3.0, but the storage rule
    let annotation = |k: &str| rs.annotations.get(k).map_or("", String::as_str);
    let ft_annotation = annotation("ray.io/ft-enabled");
    if !ft_annotation.is_empty() && cfg.gcs_ft_options {
        return Err("ray.io/ft-enabled annotation and GcsFaultToleranceOptions are both set. Please use only GcsFaultToleranceOptions to configure GCS fault tolerance".into());
    }
    let env = &cfg.head_env;
    let redis_address = env.has("RAY_REDIS_ADDRESS");
    if !(ft_annotation.eq_ignore_ascii_case("true") || cfg.gcs_ft_options) && redis_address {
        return Err("RAY_REDIS_ADDRESS is set which implicitly enables GCS fault tolerance, but GcsFaultToleranceOptions is not set. Please set GcsFaultToleranceOptions to enable GCS fault tolerance".into());
    }
    if cfg.gcs_ft_options {
        let conflict = if !cfg.head.redis_password.is_empty() {
            Some(("`redis-password` in rayStartParams", "RedisPassword"))
        } else if env.has("REDIS_PASSWORD") {
            Some(("`REDIS_PASSWORD` env var in head Pod", "RedisPassword"))
        } else if redis_address {
            Some(("`RAY_REDIS_ADDRESS` env var in head Pod", "RedisAddress"))
        } else if !annotation("ray.io/external-storage-namespace").is_empty() {
            Some((
                "`ray.io/external-storage-namespace` annotation",
                "ExternalStorageNamespace",
            ))
        } else {
            None
        };
        if let Some((what, instead)) = conflict {
            return Err(format!(
                "cannot set {what} when GcsFaultToleranceOptions is enabled - use GcsFaultToleranceOptions.{instead} instead"
            ));
        }
        // The redis backend (the default); RocksDB's own rules need its alpha gate.
        // since v1.7.0
        if cfg.gcs_ft_backend != "rocksdb" && cfg.gcs_ft_storage && release.has(V1_7_0) {
            return Err("cannot set GcsFaultToleranceOptions.Storage when backend is 'redis' - it only applies to the 'rocksdb' backend".into());
        }
    }
    if !cfg.head.redis_username.is_empty() || env.has("REDIS_USERNAME") {
        return Err("cannot set redis username in rayStartParams or environment variables - use GcsFaultToleranceOptions.RedisUsername instead".into());
    }

    if !autoscaling {
        // since v1.5.0
        if let Some(value @ ("1" | "true")) = env_v2.filter(|_| release.has(V1_5_0)) {
            return Err(format!(
                "environment variable {RAY_ENABLE_AUTOSCALER_V2} cannot be set to '{value}' when enableInTreeAutoscaling is false. Please set enableInTreeAutoscaling: true to use autoscaler v2"
            ));
        }
    } else {
        let workers = || s.worker_groups.iter().zip(&cfg.workers);
        // since v1.3.0 (worded "suspending worker groups is not currently
        // supported with Autoscaler enabled" before v1.4.0)
        if let Some((g, _)) = workers().find(|(_, x)| x.suspend) {
            return Err(format!(
                "worker group {} cannot be suspended with Autoscaler enabled",
                g.group_name
            ));
        }
        let v1_4 = release.has(V1_4_0);
        // this and the restart policies since v1.4.0
        if v1_4 && cfg.autoscaler_version_set && env_v2.is_some() {
            return Err(format!(
                "both .spec.autoscalerOptions.version and head Pod env var {RAY_ENABLE_AUTOSCALER_V2} are set, please only use the former"
            ));
        }
        if v1_4 && cfg.autoscaler_v2 {
            let never_or_unset = |p: &str| p.is_empty() || p == "Never";
            if !never_or_unset(cfg.head.restart_policy) {
                return Err(
                    "restartPolicy for head Pod should be Never or unset when using autoscaler V2".into(),
                );
            }
            if let Some((g, _)) = workers().find(|(_, x)| !never_or_unset(x.restart_policy)) {
                return Err(format!(
                    "restartPolicy for worker group {} should be Never or unset when using autoscaler V2",
                    g.group_name
                ));
            }
        }
    }
    // since v1.6.0
    if let Some(t) = cfg
        .autoscaler_idle_timeout_seconds
        .filter(|t| *t < 0 && release.has(V1_6_0))
    {
        return Err(format!(
            "autoscalerOptions.idleTimeoutSeconds must be non-negative, got {t}"
        ));
    }
    // since v1.7.0
    if release.has(V1_7_0) && cfg.autoscaler_env.has("KUBERAY_GEN_AUTOSCALER_START_CMD") {
        return Err("autoscalerOptions.env must not contain KUBERAY_GEN_AUTOSCALER_START_CMD: it is managed by KubeRay and injected automatically into the autoscaler container".into());
    }
    // authOptions.enableK8sTokenAuth is refused before this runs (item 1),
    // so only the token mode's Ray version gate is left to check here.
    // since v1.5.1
    if cfg.auth_mode == "token" && release.has(V1_5_1) {
        ray_version_at_least(cfg.ray_version, "2.52.0", "authOptions.mode is 'token'")?;
    }
    Ok(())
}

/// `validateRayGroupResources` then `validateRayGroupLabels` (since v1.5.0).
fn group_rules(group: &str, g: &GroupExtras) -> Result<(), String> {
    if g.resources_in_params && g.resources {
        return Err(format!(
            "resource fields should not be set in both rayStartParams and Resources for {group} group; please use only one"
        ));
    }
    if g.labels_in_params {
        return Err(format!(
            "rayStartParams['labels'] is not supported for {group} group; please use the top-level Labels field instead"
        ));
    }
    let mut errs = Vec::new();
    for (key, val) in &g.labels {
        for e in apimachinery::label_key_errors(key) {
            errs.push(format!(
                "invalid label key for {group} group: '{key}', error: {e}"
            ));
        }
        for e in apimachinery::label_value_errors(val) {
            errs.push(format!(
                "invalid label value for key '{key}' in {group} group: '{val}', error: {e}"
            ));
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("; "))
    }
}

/// The Ray version gates of token auth and worker priority: `rayVersion`
/// set, a generic version, and at least `min`. `what` starts each message
/// (`"... priority is set,"` and `"authOptions.mode is 'token'"`: upstream
/// puts a comma before "but" in one and not the other).
fn ray_version_at_least(ray_version: &str, min: &str, what: &str) -> Result<(), String> {
    if ray_version.is_empty() {
        return Err(format!(
            "{what} but RayVersion was not specified. Ray version {min} or later is required"
        ));
    }
    let below = GenericVersion::parse(ray_version)
        .and_then(|v| Ok(v.less_than(&GenericVersion::parse(min)?)))
        .map_err(|e| format!("{what} but RayVersion format is invalid: {ray_version}, {e}"))?;
    if below {
        return Err(format!(
            "{what} but minimum Ray version is {min}, got {ray_version}"
        ));
    }
    Ok(())
}

/// `ValidateClusterUpgradeOptions` (since v1.5.0; the step against the
/// surge since v1.7.0).
fn validate_cluster_upgrade_options(rs: &RayService, release: KubeRayVersion) -> Result<(), &'static str> {
    if !rs.spec.enable_in_tree_autoscaling {
        return Err("Ray Autoscaler is required for NewClusterWithIncrementalUpgrade");
    }
    let Some(o) = &rs.spec.cluster_upgrade_options else {
        return Err("ClusterUpgradeOptions are required for NewClusterWithIncrementalUpgrade");
    };
    // The CRD defaults maxSurgePercent to 100; upstream dereferences it unchecked.
    let max_surge = o.max_surge_percent.unwrap_or(100);
    if !(0..=100).contains(&max_surge) {
        return Err("maxSurgePercent must be between 0 and 100");
    }
    let Some(step) = o.step_size_percent.filter(|s| (0..=100).contains(s)) else {
        return Err("stepSizePercent must be between 0 and 100");
    };
    if step > max_surge && release.has(V1_7_0) {
        return Err("stepSizePercent must be less than or equal to maxSurgePercent");
    }
    if o.interval_seconds.is_none_or(|i| i <= 0) {
        return Err("intervalSeconds must be greater than 0");
    }
    if o.gateway_class_name.is_empty() {
        return Err("gatewayClassName is required for NewClusterWithIncrementalUpgrade");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::DecodeError;
    use serde_json::{json, Value};

    fn valid() -> Value {
        json!({
            "apiVersion": "ray.io/v1", "kind": "RayService",
            "metadata": {"name": "rs", "namespace": "ns"},
            "spec": {"rayClusterConfig": {
                "headGroupSpec": {"template": {"spec": {"containers": [{"name": "ray-head"}]}}},
                "workerGroupSpecs": [{"groupName": "small", "minReplicas": 1, "maxReplicas": 3,
                    "template": {"spec": {"containers": [{"name": "ray-worker"}]}}}]
            }}
        })
    }

    fn check(v: Value) -> Result<(), Rejection> {
        check_at(v, KubeRayVersion::NEWEST)
    }

    fn check_at(v: Value, release: KubeRayVersion) -> Result<(), Rejection> {
        let cfg = ClusterConfig::from_value(&v, "request.object").unwrap();
        validate(
            &RayService::from_value(&v, "request.object").unwrap(),
            &cfg,
            release,
        )
    }

    fn spec_err(msg: &str) -> Result<(), Rejection> {
        Err(Rejection {
            rule: KR_SPEC,
            message: format!("{SPEC_PREFIX}{msg}"),
        })
    }

    fn meta_err(msg: &str) -> Result<(), Rejection> {
        Err(Rejection {
            rule: KR_META,
            message: format!("{META_PREFIX}{msg}"),
        })
    }

    /// `v` with `x` at `pointer`, creating missing objects on the way.
    fn with(mut v: Value, pointer: &str, x: Value) -> Value {
        let mut cur = &mut v;
        for key in pointer.trim_start_matches('/').split('/') {
            cur = match cur {
                Value::Array(a) => &mut a[key.parse::<usize>().unwrap()],
                other => other.as_object_mut().unwrap().entry(key).or_insert(json!({})),
            };
        }
        *cur = x;
        v
    }

    #[test]
    fn valid_spec_passes() {
        assert_eq!(check(valid()), Ok(()));
    }

    #[test]
    fn metadata_rules() {
        let long = "a".repeat(48);
        assert_eq!(
            check(with(valid(), "/metadata/name", json!(long))),
            meta_err("RayService name should be no more than 47 characters")
        );
        assert_eq!(
            check(with(valid(), "/metadata/name", json!("a".repeat(47)))),
            Ok(())
        );
        for bad in ["1rs", "Rs", "rs-", "r_s", ""] {
            assert_eq!(
                check(with(valid(), "/metadata/name", json!(bad))),
                meta_err(&format!(
                    "RayService name should be a valid DNS1035 label: [{DNS1035_REGEX_ERROR}]"
                )),
                "{bad}"
            );
        }
        let t = |value: &str| {
            let v = with(
                valid(),
                "/metadata",
                json!({"name": "rs", "annotations": {"ray.io/initializing-timeout": value}}),
            );
            check(v)
        };
        for ok in ["", "5m", "1h30m", "1.5h", "30", "+30", "300ms"] {
            assert_eq!(t(ok), Ok(()), "{ok}");
        }
        let p = "RayService annotations is invalid: annotation ray.io/initializing-timeout";
        assert_eq!(
            t("0"),
            meta_err(&format!("{p} must be a positive duration, got: 0"))
        );
        assert_eq!(
            t("-5m"),
            meta_err(&format!("{p} must be a positive duration, got: -5m"))
        );
        assert_eq!(
            t("-5"),
            meta_err(&format!("{p} must be a positive integer (seconds), got: -5"))
        );
        // Go truncates to whole nanoseconds: 0.5ns is zero, so not positive
        assert_eq!(
            t("0.5ns"),
            meta_err(&format!("{p} must be a positive duration, got: 0.5ns"))
        );
        // past the i64 range, Go's ParseDuration fails and so does Atoi
        assert_eq!(
            t("9223372036854775808ns"),
            meta_err(&format!(
                "{p} has invalid format: 9223372036854775808ns. Expected Go duration format (e.g., '5m', '1h') or positive integer seconds"
            ))
        );
        assert_eq!(
            t("soon"),
            meta_err(&format!(
                "{p} has invalid format: soon. Expected Go duration format (e.g., '5m', '1h') or positive integer seconds"
            ))
        );
        assert_eq!(
            t("5d"),
            meta_err(&format!(
                "{p} has invalid format: 5d. Expected Go duration format (e.g., '5m', '1h') or positive integer seconds"
            ))
        );
    }

    #[test]
    fn spec_rules_in_order() {
        let rc = "/spec/rayClusterConfig";
        assert_eq!(
            check(with(valid(), &format!("{rc}/authOptions"), json!({"enableK8sTokenAuth": true})).clone()),
            Err(Rejection {
                rule: KR_SPEC,
                message: "The RayService spec is invalid: K8s token auth mode is currently not supported for RayService"
                    .into()
            })
        );
        // Token auth wins over a missing head container (item 1 before item 2).
        let v = with(
            valid(),
            &format!("{rc}/headGroupSpec/template/spec/containers"),
            json!([]),
        );
        assert_eq!(
            check(v.clone()),
            spec_err("headGroupSpec should have at least one container")
        );
        let v = with(
            v,
            &format!("{rc}/authOptions"),
            json!({"enableK8sTokenAuth": true}),
        );
        assert_eq!(
            check(v),
            spec_err("K8s token auth mode is currently not supported for RayService")
        );
        assert_eq!(
            check(with(
                valid(),
                &format!("{rc}/workerGroupSpecs/0/template/spec/containers"),
                json!([])
            )),
            spec_err("workerGroupSpec should have at least one container")
        );
        let mut v = valid();
        v.pointer_mut(&format!("{rc}/workerGroupSpecs/0"))
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove("maxReplicas");
        // absent maxReplicas is the CRD default maxInt32, as the API server writes it
        assert_eq!(check(v.clone()), Ok(()));
        assert_eq!(
            check(with(
                v.clone(),
                &format!("{rc}/workerGroupSpecs/0/minReplicas"),
                json!(2147483647)
            )),
            Ok(())
        );
        v.pointer_mut(&format!("{rc}/workerGroupSpecs/0"))
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove("minReplicas");
        // absent minReplicas is 0, so maxReplicas 0 passes and -1 is negative
        assert_eq!(
            check(with(
                v.clone(),
                &format!("{rc}/workerGroupSpecs/0/maxReplicas"),
                json!(0)
            )),
            Ok(())
        );
        assert_eq!(
            check(with(
                v,
                &format!("{rc}/workerGroupSpecs/0/maxReplicas"),
                json!(-1)
            )),
            spec_err("worker group small has negative maxReplicas -1")
        );
        assert_eq!(
            check(with(
                valid(),
                &format!("{rc}/workerGroupSpecs/0/minReplicas"),
                json!(-1)
            )),
            spec_err("worker group small has negative minReplicas -1")
        );
        assert_eq!(
            check(with(
                valid(),
                &format!("{rc}/workerGroupSpecs/0/maxReplicas"),
                json!(-2)
            )),
            spec_err("worker group small has negative maxReplicas -2")
        );
        assert_eq!(
            check(with(
                valid(),
                &format!("{rc}/workerGroupSpecs/0/minReplicas"),
                json!(5)
            )),
            spec_err("worker group small has minReplicas 5 greater than maxReplicas 3")
        );
        assert_eq!(
            check(with(
                valid(),
                &format!("{rc}/headGroupSpec/headService"),
                json!({"metadata": {"name": "mine"}})
            )),
            spec_err("spec.rayClusterConfig.headGroupSpec.headService.metadata.name should not be set")
        );
        assert_eq!(
            check(with(valid(), "/spec/upgradeStrategy", json!({"type": "BlueGreen"}))),
            spec_err(
                "Spec.UpgradeStrategy.Type value BlueGreen is invalid, valid options are NewClusterWithIncrementalUpgrade, NewCluster, or None"
            )
        );
        for t in ["None", "NewCluster"] {
            assert_eq!(
                check(with(valid(), "/spec/upgradeStrategy", json!({"type": t}))),
                Ok(())
            );
        }
        assert_eq!(
            check(with(valid(), "/spec/rayClusterDeletionDelaySeconds", json!(-1))),
            spec_err("Spec.RayClusterDeletionDelaySeconds should be a non-negative integer, got -1")
        );
        assert_eq!(
            check(with(valid(), "/spec/rayClusterDeletionDelaySeconds", json!(0))),
            Ok(())
        );
    }

    /// `valid()` with each `(pointer, value)` set, under `spec.rayClusterConfig`.
    fn rc(sets: Vec<(&str, Value)>) -> Value {
        sets.into_iter().fold(valid(), |v, (p, x)| {
            with(v, &format!("/spec/rayClusterConfig{p}"), x)
        })
    }

    const HEAD_ENV: &str = "/headGroupSpec/template/spec/containers/0/env";

    #[test]
    fn cluster_spec_group_rules() {
        // rayStartParams resources and the group's resources map
        assert_eq!(
            check(rc(vec![
                ("/headGroupSpec/rayStartParams", json!({"num-cpus": "0"})),
                ("/headGroupSpec/resources", json!({"CPU": "1"})),
            ])),
            spec_err("resource fields should not be set in both rayStartParams and Resources for Head group; please use only one")
        );
        // an empty param does not count, nor does either side alone
        assert_eq!(
            check(rc(vec![
                ("/headGroupSpec/rayStartParams", json!({"num-cpus": ""})),
                ("/headGroupSpec/resources", json!({"CPU": "1"})),
            ])),
            Ok(())
        );
        assert_eq!(
            check(rc(vec![
                ("/workerGroupSpecs/0/rayStartParams", json!({"resources": "{\"TPU\": 4}"})),
                ("/workerGroupSpecs/0/resources", json!({"TPU": "4"})),
            ])),
            spec_err("resource fields should not be set in both rayStartParams and Resources for small group; please use only one")
        );
        // labels in rayStartParams, even empty, and label syntax
        assert_eq!(
            check(rc(vec![("/workerGroupSpecs/0/rayStartParams", json!({"labels": ""}))])),
            spec_err("rayStartParams['labels'] is not supported for small group; please use the top-level Labels field instead")
        );
        // every bad key and value of the group, in key order, joined by "; "
        assert_eq!(
            check(rc(vec![("/headGroupSpec/labels", json!({"ray.io/zone": "us-1", "tier": "a b", "-x": "ok"}))])),
            spec_err(
                "invalid label key for Head group: '-x', error: name part must consist of alphanumeric characters, '-', '_' or '.', \
                 and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', \
                 regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'); \
                 invalid label value for key 'tier' in Head group: 'a b', error: a valid label must be an empty string or consist of \
                 alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character \
                 (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
            )
        );
        assert_eq!(
            check(rc(vec![(
                "/workerGroupSpecs/0/labels",
                json!({"example.com/tier": "gpu", "ray.io/zone": ""})
            )])),
            Ok(())
        );
        assert_eq!(
            check(rc(vec![(
                "/headGroupSpec/labels",
                json!({"ray.io/zone": "us-1"})
            )])),
            Ok(())
        );
        // a worker group's replicas rules come before its resources and labels
        assert_eq!(
            check(rc(vec![
                ("/workerGroupSpecs/0/minReplicas", json!(-1)),
                ("/workerGroupSpecs/0/rayStartParams", json!({"labels": "x"})),
            ])),
            spec_err("worker group small has negative minReplicas -1")
        );
    }

    #[test]
    fn cluster_spec_idle_timeout_and_priority_need_autoscaler_v2() {
        let v2 = ("/autoscalerOptions", json!({"version": "v2"}));
        let on = ("/enableInTreeAutoscaling", json!(true));
        assert_eq!(
            check(rc(vec![("/workerGroupSpecs/0/idleTimeoutSeconds", json!(-1))])),
            spec_err("worker group small: idleTimeoutSeconds must be non-negative, got -1")
        );
        assert_eq!(
            check(rc(vec![("/workerGroupSpecs/0/idleTimeoutSeconds", json!(60))])),
            spec_err("worker group small: idleTimeoutSeconds is set, but autoscaler v2 is not enabled. Please set .spec.autoscalerOptions.version to 'v2' (or set RAY_enable_autoscaler_v2 environment variable to 'true' in the head pod if using KubeRay < 1.4.0)")
        );
        assert_eq!(
            check(rc(vec![
                ("/workerGroupSpecs/0/idleTimeoutSeconds", json!(60)),
                v2.clone(),
                on.clone()
            ])),
            Ok(())
        );
        // the env var also counts (older KubeRay), with autoscaling on
        assert_eq!(
            check(rc(vec![
                ("/workerGroupSpecs/0/idleTimeoutSeconds", json!(60)),
                (
                    HEAD_ENV,
                    json!([{"name": "RAY_enable_autoscaler_v2", "value": "1"}])
                ),
                on.clone(),
            ])),
            Ok(())
        );
        let prio = ("/workerGroupSpecs/0/priority", json!(5));
        assert_eq!(
            check(rc(vec![("/workerGroupSpecs/0/priority", json!(0))])),
            Ok(())
        );
        assert_eq!(
            check(rc(vec![prio.clone()])),
            spec_err("worker group small: priority is set, but RayVersion was not specified. Ray version 2.56.0 or later is required")
        );
        assert_eq!(
            check(rc(vec![prio.clone(), ("/rayVersion", json!("nightly"))])),
            spec_err("worker group small: priority is set, but RayVersion format is invalid: nightly, could not parse \"nightly\" as version")
        );
        assert_eq!(
            check(rc(vec![prio.clone(), ("/rayVersion", json!("2.55.1"))])),
            spec_err("worker group small: priority is set, but minimum Ray version is 2.56.0, got 2.55.1")
        );
        assert_eq!(
            check(rc(vec![prio.clone(), ("/rayVersion", json!("2.56.0"))])),
            spec_err("worker group small: priority is set to 5, but autoscaler v2 is not enabled. Priority is only supported with autoscaler v2 enabled")
        );
        assert_eq!(
            check(rc(vec![prio, ("/rayVersion", json!("2.56.0")), v2, on])),
            Ok(())
        );
    }

    #[test]
    fn cluster_spec_gcs_fault_tolerance_rules() {
        let ft = ("/gcsFaultToleranceOptions", json!({"redisAddress": "redis:6379"}));
        let ann = |v: Value, a: Value| with(v, "/metadata/annotations", a);
        assert_eq!(
            check(ann(rc(vec![ft.clone()]), json!({"ray.io/ft-enabled": "false"}))),
            spec_err("ray.io/ft-enabled annotation and GcsFaultToleranceOptions are both set. Please use only GcsFaultToleranceOptions to configure GCS fault tolerance")
        );
        let redis_env = (
            HEAD_ENV,
            json!([{"name": "RAY_REDIS_ADDRESS", "value": "redis:6379"}]),
        );
        assert_eq!(
            check(rc(vec![redis_env.clone()])),
            spec_err("RAY_REDIS_ADDRESS is set which implicitly enables GCS fault tolerance, but GcsFaultToleranceOptions is not set. Please set GcsFaultToleranceOptions to enable GCS fault tolerance")
        );
        // the legacy annotation (any case of "true") enables FT, so the env var is allowed
        assert_eq!(
            check(ann(
                rc(vec![redis_env.clone()]),
                json!({"ray.io/ft-enabled": "True"})
            )),
            Ok(())
        );
        assert_eq!(
            check(rc(vec![ft.clone(), ("/headGroupSpec/rayStartParams", json!({"redis-password": "p"}))])),
            spec_err("cannot set `redis-password` in rayStartParams when GcsFaultToleranceOptions is enabled - use GcsFaultToleranceOptions.RedisPassword instead")
        );
        assert_eq!(
            check(rc(vec![ft.clone(), (HEAD_ENV, json!([{"name": "REDIS_PASSWORD", "valueFrom": {}}]))])),
            spec_err("cannot set `REDIS_PASSWORD` env var in head Pod when GcsFaultToleranceOptions is enabled - use GcsFaultToleranceOptions.RedisPassword instead")
        );
        assert_eq!(
            check(rc(vec![ft.clone(), redis_env])),
            spec_err("cannot set `RAY_REDIS_ADDRESS` env var in head Pod when GcsFaultToleranceOptions is enabled - use GcsFaultToleranceOptions.RedisAddress instead")
        );
        assert_eq!(
            check(ann(rc(vec![ft.clone()]), json!({"ray.io/external-storage-namespace": "ns"}))),
            spec_err("cannot set `ray.io/external-storage-namespace` annotation when GcsFaultToleranceOptions is enabled - use GcsFaultToleranceOptions.ExternalStorageNamespace instead")
        );
        assert_eq!(
            check(rc(vec![("/gcsFaultToleranceOptions", json!({"storage": {"size": "1Gi"}}))])),
            spec_err("cannot set GcsFaultToleranceOptions.Storage when backend is 'redis' - it only applies to the 'rocksdb' backend")
        );
        // RocksDB's rules need its alpha gate: not judged here
        assert_eq!(
            check(rc(vec![(
                "/gcsFaultToleranceOptions",
                json!({"backend": "rocksdb", "storage": {"size": "1Gi"}})
            )])),
            Ok(())
        );
        assert_eq!(check(rc(vec![ft.clone()])), Ok(()));
        let username = "cannot set redis username in rayStartParams or environment variables - use GcsFaultToleranceOptions.RedisUsername instead";
        assert_eq!(
            check(rc(vec![(
                "/headGroupSpec/rayStartParams",
                json!({"redis-username": "u"})
            )])),
            spec_err(username)
        );
        assert_eq!(
            check(rc(vec![
                ft,
                (HEAD_ENV, json!([{"name": "REDIS_USERNAME", "value": ""}]))
            ])),
            spec_err(username)
        );
    }

    #[test]
    fn cluster_spec_autoscaler_rules() {
        let on = ("/enableInTreeAutoscaling", json!(true));
        let v2_env = |value: &str| {
            (
                HEAD_ENV,
                json!([{"name": "RAY_enable_autoscaler_v2", "value": value}]),
            )
        };
        assert_eq!(
            check(rc(vec![v2_env("true")])),
            spec_err("environment variable RAY_enable_autoscaler_v2 cannot be set to 'true' when enableInTreeAutoscaling is false. Please set enableInTreeAutoscaling: true to use autoscaler v2")
        );
        assert_eq!(check(rc(vec![v2_env("0")])), Ok(()));
        assert_eq!(
            check(rc(vec![on.clone(), ("/workerGroupSpecs/0/suspend", json!(true))])),
            spec_err("worker group small cannot be suspended with Autoscaler enabled")
        );
        // with autoscaling off a suspended group passes (RayJobDeletionPolicy is on by default)
        assert_eq!(
            check(rc(vec![("/workerGroupSpecs/0/suspend", json!(true))])),
            Ok(())
        );
        assert_eq!(
            check(rc(vec![on.clone(), ("/autoscalerOptions", json!({"version": "v1"})), v2_env("false")])),
            spec_err("both .spec.autoscalerOptions.version and head Pod env var RAY_enable_autoscaler_v2 are set, please only use the former")
        );
        let v2 = ("/autoscalerOptions", json!({"version": "v2"}));
        assert_eq!(
            check(rc(vec![
                on.clone(),
                v2.clone(),
                ("/headGroupSpec/template/spec/restartPolicy", json!("Always"))
            ])),
            spec_err("restartPolicy for head Pod should be Never or unset when using autoscaler V2")
        );
        assert_eq!(
            check(rc(vec![
                on.clone(),
                v2.clone(),
                (
                    "/workerGroupSpecs/0/template/spec/restartPolicy",
                    json!("OnFailure")
                )
            ])),
            spec_err(
                "restartPolicy for worker group small should be Never or unset when using autoscaler V2"
            )
        );
        assert_eq!(
            check(rc(vec![
                on.clone(),
                v2,
                ("/headGroupSpec/template/spec/restartPolicy", json!("Never"))
            ])),
            Ok(())
        );
        assert_eq!(
            check(rc(vec![(
                "/autoscalerOptions",
                json!({"idleTimeoutSeconds": -5})
            )])),
            spec_err("autoscalerOptions.idleTimeoutSeconds must be non-negative, got -5")
        );
        assert_eq!(
            check(rc(vec![("/autoscalerOptions", json!({"env": [{"name": "KUBERAY_GEN_AUTOSCALER_START_CMD", "value": "x"}]}))])),
            spec_err("autoscalerOptions.env must not contain KUBERAY_GEN_AUTOSCALER_START_CMD: it is managed by KubeRay and injected automatically into the autoscaler container")
        );
    }

    #[test]
    fn cluster_spec_token_auth_needs_ray_2_52() {
        let token = ("/authOptions", json!({"mode": "token"}));
        assert_eq!(
            check(rc(vec![token.clone()])),
            spec_err("authOptions.mode is 'token' but RayVersion was not specified. Ray version 2.52.0 or later is required")
        );
        assert_eq!(
            check(rc(vec![token.clone(), ("/rayVersion", json!("2"))])),
            spec_err("authOptions.mode is 'token' but RayVersion format is invalid: 2, illegal version string \"2\"")
        );
        assert_eq!(
            check(rc(vec![token.clone(), ("/rayVersion", json!("2.51.0"))])),
            spec_err("authOptions.mode is 'token' but minimum Ray version is 2.52.0, got 2.51.0")
        );
        assert_eq!(check(rc(vec![token, ("/rayVersion", json!("2.52.0"))])), Ok(()));
        assert_eq!(
            check(rc(vec![("/authOptions", json!({"mode": "disabled"}))])),
            Ok(())
        );
    }

    #[test]
    fn cluster_spec_fields_of_the_wrong_type_are_decode_errors_naming_them() {
        let err = |v: Value| ClusterConfig::from_value(&v, "request.object").map(|_| ());
        assert_eq!(
            err(rc(vec![(
                "/headGroupSpec/rayStartParams",
                json!({"num-cpus": 2})
            )])),
            Err(DecodeError::WrongType {
                path: "request.object.spec.rayClusterConfig.headGroupSpec.rayStartParams.num-cpus".into(),
                expected: "string",
                found: "integer"
            })
        );
        assert_eq!(
            err(rc(vec![(HEAD_ENV, json!([{"value": "x"}]))])),
            Err(DecodeError::Missing {
                path: "request.object.spec.rayClusterConfig.headGroupSpec.template.spec.containers[0].env[0].name".into()
            })
        );
        assert_eq!(
            err(rc(vec![("/workerGroupSpecs/0/idleTimeoutSeconds", json!("60"))])),
            Err(DecodeError::WrongType {
                path: "request.object.spec.rayClusterConfig.workerGroupSpecs[0].idleTimeoutSeconds".into(),
                expected: "integer",
                found: "string"
            })
        );
        assert_eq!(
            err(rc(vec![("/autoscalerOptions", json!({"env": "x"}))])),
            Err(DecodeError::WrongType {
                path: "request.object.spec.rayClusterConfig.autoscalerOptions.env".into(),
                expected: "array",
                found: "string"
            })
        );
    }

    #[test]
    fn missing_cluster_config_reads_as_no_head_container() {
        let v = json!({"metadata": {"name": "rs"}, "spec": {}});
        assert_eq!(
            check(v),
            spec_err("headGroupSpec should have at least one container")
        );
    }

    #[test]
    fn incremental_upgrade_options() {
        let inc = |opts: Value, autoscale: bool| {
            let mut v = with(valid(), "/spec/upgradeStrategy", json!({"type": INCREMENTAL}));
            if !opts.is_null() {
                v["spec"]["upgradeStrategy"]["clusterUpgradeOptions"] = opts;
            }
            v["spec"]["rayClusterConfig"]["enableInTreeAutoscaling"] = json!(autoscale);
            check(v)
        };
        let good = json!({"maxSurgePercent": 50, "stepSizePercent": 10, "intervalSeconds": 30, "gatewayClassName": "istio"});
        assert_eq!(inc(good.clone(), true), Ok(()));
        assert_eq!(
            inc(good.clone(), false),
            spec_err("Ray Autoscaler is required for NewClusterWithIncrementalUpgrade")
        );
        assert_eq!(
            inc(Value::Null, true),
            spec_err("ClusterUpgradeOptions are required for NewClusterWithIncrementalUpgrade")
        );
        let bad = |k: &str, x: Value| {
            let mut o = good.clone();
            if x.is_null() {
                o.as_object_mut().unwrap().remove(k);
            } else {
                o[k] = x;
            }
            inc(o, true)
        };
        assert_eq!(
            bad("maxSurgePercent", json!(101)),
            spec_err("maxSurgePercent must be between 0 and 100")
        );
        assert_eq!(bad("maxSurgePercent", Value::Null), Ok(()));
        assert_eq!(
            bad("stepSizePercent", Value::Null),
            spec_err("stepSizePercent must be between 0 and 100")
        );
        assert_eq!(
            bad("stepSizePercent", json!(-1)),
            spec_err("stepSizePercent must be between 0 and 100")
        );
        assert_eq!(
            bad("stepSizePercent", json!(60)),
            spec_err("stepSizePercent must be less than or equal to maxSurgePercent")
        );
        assert_eq!(
            bad("intervalSeconds", json!(0)),
            spec_err("intervalSeconds must be greater than 0")
        );
        assert_eq!(
            bad("intervalSeconds", Value::Null),
            spec_err("intervalSeconds must be greater than 0")
        );
        assert_eq!(
            bad("gatewayClassName", json!("")),
            spec_err("gatewayClassName is required for NewClusterWithIncrementalUpgrade")
        );
    }

    /// Every rule that came after v1.3.0: refused, with the newest text, by
    /// the release that introduced it and every later one; passed by every
    /// earlier one. `rc` paths are under `rayClusterConfig`.
    #[test]
    fn each_rule_runs_from_the_release_that_introduced_it() {
        let on = ("/enableInTreeAutoscaling", json!(true));
        let v2 = ("/autoscalerOptions", json!({"version": "v2"}));
        // (the release that introduced the rule, the spec, its rejection)
        let rules: Vec<(KubeRayVersion, Value, Result<(), Rejection>)> = vec![
            (V1_4_0, with(valid(), "/metadata/name", json!("a".repeat(48))),
                meta_err("RayService name should be no more than 47 characters")),
            (V1_4_0, with(valid(), "/metadata/name", json!("1rs")),
                meta_err(&format!("RayService name should be a valid DNS1035 label: [{DNS1035_REGEX_ERROR}]"))),
            (V1_5_0, with(valid(), "/metadata/annotations", json!({"ray.io/initializing-timeout": "0"})),
                meta_err("RayService annotations is invalid: annotation ray.io/initializing-timeout must be a positive duration, got: 0")),
            (V1_6_0, rc(vec![("/authOptions", json!({"enableK8sTokenAuth": true}))]),
                spec_err("K8s token auth mode is currently not supported for RayService")),
            (V1_6_0, rc(vec![("/workerGroupSpecs/0/minReplicas", json!(-1))]),
                spec_err("worker group small has negative minReplicas -1")),
            (V1_6_0, rc(vec![("/workerGroupSpecs/0/minReplicas", json!(0)), ("/workerGroupSpecs/0/maxReplicas", json!(-1))]),
                spec_err("worker group small has negative maxReplicas -1")),
            (V1_6_0, rc(vec![("/workerGroupSpecs/0/minReplicas", json!(5))]),
                spec_err("worker group small has minReplicas 5 greater than maxReplicas 3")),
            (V1_5_0, rc(vec![("/headGroupSpec/rayStartParams", json!({"num-cpus": "1"})), ("/headGroupSpec/resources", json!({"CPU": "1"}))]),
                spec_err("resource fields should not be set in both rayStartParams and Resources for Head group; please use only one")),
            (V1_5_0, rc(vec![("/workerGroupSpecs/0/rayStartParams", json!({"labels": "zone=a"}))]),
                spec_err("rayStartParams['labels'] is not supported for small group; please use the top-level Labels field instead")),
            (V1_5_0, rc(vec![("/headGroupSpec/labels", json!({"tier": "a b"}))]),
                spec_err("invalid label value for key 'tier' in Head group: 'a b', error: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")),
            (V1_6_0, rc(vec![("/workerGroupSpecs/0/idleTimeoutSeconds", json!(-1))]),
                spec_err("worker group small: idleTimeoutSeconds must be non-negative, got -1")),
            (V1_6_0, rc(vec![("/workerGroupSpecs/0/idleTimeoutSeconds", json!(60))]),
                spec_err("worker group small: idleTimeoutSeconds is set, but autoscaler v2 is not enabled. Please set .spec.autoscalerOptions.version to 'v2' (or set RAY_enable_autoscaler_v2 environment variable to 'true' in the head pod if using KubeRay < 1.4.0)")),
            (V1_7_0, rc(vec![("/workerGroupSpecs/0/priority", json!(5))]),
                spec_err("worker group small: priority is set, but RayVersion was not specified. Ray version 2.56.0 or later is required")),
            (V1_7_0, rc(vec![("/gcsFaultToleranceOptions", json!({"storage": {"size": "1Gi"}}))]),
                spec_err("cannot set GcsFaultToleranceOptions.Storage when backend is 'redis' - it only applies to the 'rocksdb' backend")),
            (V1_5_0, rc(vec![(HEAD_ENV, json!([{"name": "RAY_enable_autoscaler_v2", "value": "true"}]))]),
                spec_err("environment variable RAY_enable_autoscaler_v2 cannot be set to 'true' when enableInTreeAutoscaling is false. Please set enableInTreeAutoscaling: true to use autoscaler v2")),
            (V1_4_0, rc(vec![on.clone(), v2.clone(), (HEAD_ENV, json!([{"name": "RAY_enable_autoscaler_v2", "value": "1"}]))]),
                spec_err("both .spec.autoscalerOptions.version and head Pod env var RAY_enable_autoscaler_v2 are set, please only use the former")),
            (V1_4_0, rc(vec![on.clone(), v2.clone(), ("/headGroupSpec/template/spec/restartPolicy", json!("Always"))]),
                spec_err("restartPolicy for head Pod should be Never or unset when using autoscaler V2")),
            (V1_4_0, rc(vec![on.clone(), v2.clone(), ("/workerGroupSpecs/0/template/spec/restartPolicy", json!("OnFailure"))]),
                spec_err("restartPolicy for worker group small should be Never or unset when using autoscaler V2")),
            (V1_6_0, rc(vec![("/autoscalerOptions", json!({"idleTimeoutSeconds": -5}))]),
                spec_err("autoscalerOptions.idleTimeoutSeconds must be non-negative, got -5")),
            (V1_7_0, rc(vec![("/autoscalerOptions", json!({"env": [{"name": "KUBERAY_GEN_AUTOSCALER_START_CMD", "value": "x"}]}))]),
                spec_err("autoscalerOptions.env must not contain KUBERAY_GEN_AUTOSCALER_START_CMD: it is managed by KubeRay and injected automatically into the autoscaler container")),
            (V1_5_1, rc(vec![("/authOptions", json!({"mode": "token"})), ("/rayVersion", json!("2.51.0"))]),
                spec_err("authOptions.mode is 'token' but minimum Ray version is 2.52.0, got 2.51.0")),
            (V1_5_0, with(valid(), "/spec/rayClusterDeletionDelaySeconds", json!(-1)),
                spec_err("Spec.RayClusterDeletionDelaySeconds should be a non-negative integer, got -1")),
        ];
        // The releases of KubeRay with a rule change around them, and one to come.
        let releases = [
            (1, 3, 0),
            (1, 3, 2),
            (1, 4, 0),
            (1, 4, 2),
            (1, 5, 0),
            (1, 5, 1),
            (1, 6, 0),
            (1, 6, 2),
            (1, 7, 0),
            (1, 8, 0),
        ]
        .map(|(a, b, c)| KubeRayVersion::new(a, b, c));
        for (since, v, rejection) in rules {
            for release in releases {
                let want = if release >= since {
                    rejection.clone()
                } else {
                    Ok(())
                };
                assert_eq!(
                    check_at(v.clone(), release),
                    want,
                    "at {release}, rule since {since}"
                );
            }
        }
    }

    /// Before v1.5.0 the incremental upgrade is no valid option, in that
    /// release's words; and the rules every supported release has run at
    /// the oldest.
    #[test]
    fn the_oldest_release_refuses_the_incremental_upgrade_and_keeps_its_own_rules() {
        use crate::kuberay::release::V1_3_0;
        let incremental = with(valid(), "/spec/upgradeStrategy", json!({"type": INCREMENTAL}));
        assert_eq!(
            check_at(incremental.clone(), KubeRayVersion::new(1, 4, 2)),
            spec_err("Spec.UpgradeStrategy.Type value NewClusterWithIncrementalUpgrade is invalid, valid options are NewCluster or None")
        );
        assert_eq!(
            check_at(incremental.clone(), V1_5_0),
            spec_err("Ray Autoscaler is required for NewClusterWithIncrementalUpgrade")
        );
        // since v1.7.0: the step may not exceed the surge
        let opts = json!({"maxSurgePercent": 10, "stepSizePercent": 20, "intervalSeconds": 30, "gatewayClassName": "istio"});
        let v = with(incremental, "/spec/upgradeStrategy/clusterUpgradeOptions", opts);
        let v = with(v, "/spec/rayClusterConfig/enableInTreeAutoscaling", json!(true));
        assert_eq!(check_at(v.clone(), KubeRayVersion::new(1, 6, 2)), Ok(()));
        assert_eq!(
            check_at(v, V1_7_0),
            spec_err("stepSizePercent must be less than or equal to maxSurgePercent")
        );
        assert_eq!(
            check_at(
                with(valid(), "/spec/upgradeStrategy", json!({"type": "BlueGreen"})),
                V1_3_0
            ),
            spec_err(
                "Spec.UpgradeStrategy.Type value BlueGreen is invalid, valid options are NewCluster or None"
            )
        );
        let base = "/spec/rayClusterConfig";
        let head_svc = with(
            valid(),
            &format!("{base}/headGroupSpec/headService"),
            json!({"metadata": {"name": "mine"}}),
        );
        assert_eq!(
            check_at(head_svc, V1_3_0),
            spec_err("spec.rayClusterConfig.headGroupSpec.headService.metadata.name should not be set")
        );
        let no_worker_container = with(
            valid(),
            &format!("{base}/workerGroupSpecs/0/template/spec/containers"),
            json!([]),
        );
        assert_eq!(
            check_at(no_worker_container, V1_3_0),
            spec_err("workerGroupSpec should have at least one container")
        );
        let suspended = rc(vec![
            ("/enableInTreeAutoscaling", json!(true)),
            ("/workerGroupSpecs/0/suspend", json!(true)),
        ]);
        assert_eq!(
            check_at(suspended, V1_3_0),
            spec_err("worker group small cannot be suspended with Autoscaler enabled")
        );
        let redis_user = rc(vec![(
            "/headGroupSpec/rayStartParams",
            json!({"redis-username": "u"}),
        )]);
        assert_eq!(
            check_at(redis_user, V1_3_0),
            spec_err("cannot set redis username in rayStartParams or environment variables - use GcsFaultToleranceOptions.RedisUsername instead")
        );
    }

    #[test]
    fn go_duration_parser() {
        assert_eq!(parse_go_duration("1h"), Some(3_600_000_000_000));
        assert_eq!(parse_go_duration(".5s"), Some(500_000_000));
        assert_eq!(parse_go_duration("1.s"), Some(1_000_000_000));
        assert_eq!(parse_go_duration("-0"), Some(0));
        assert_eq!(parse_go_duration("1h30m0.5s"), Some(5_400_500_000_000));
        assert_eq!(parse_go_duration("1µs2μs3us"), Some(6_000));
        // Go truncates each term to whole nanoseconds
        assert_eq!(parse_go_duration("0.5ns"), Some(0));
        assert_eq!(parse_go_duration("1.9ns"), Some(1));
        assert_eq!(
            parse_go_duration("0.333333333333333333333333s"),
            Some(333_333_333)
        );
        // the i64 range, and the one value only a negative duration reaches
        assert_eq!(parse_go_duration("9223372036854775807ns"), Some(i64::MAX));
        assert_eq!(parse_go_duration("9223372036854775808ns"), None);
        assert_eq!(parse_go_duration("-9223372036854775808ns"), Some(i64::MIN));
        assert_eq!(parse_go_duration("2562048h"), None);
        assert_eq!(parse_go_duration("5e3s"), None);
        assert_eq!(parse_go_duration("1s "), None);
        assert_eq!(parse_go_duration("1S"), None);
        assert_eq!(parse_go_duration("5"), None);
        assert_eq!(parse_go_duration("."), None);
        assert_eq!(parse_go_duration("-"), None);
        assert_eq!(parse_go_atoi("+7"), Some(7));
        assert_eq!(parse_go_atoi("7s"), None);
    }
}
