//! Invariants RS1–RS10 (status writes) and SV1–SV3 (Service writes), doc §7.
//!
//! Order on a status write: the pure rules first (RS1, RS2, RS3, RS4, RS7,
//! RS9, RS10), then the ones needing lookups (RS5, RS6, RS8), so a request
//! that a pure rule rejects costs no lookup. On a Service write: SV1 (needs
//! the owning RayService), SV3 (pure), SV2 (needs the pending RayCluster).

use crate::verdict::Rejection;

use super::lookup::Lookups;
use super::view::{
    condition_true, find_condition, RayCluster, RayService, Service, CLUSTER_LABEL, IDENTIFIER_LABEL,
    NODE_TYPE_LABEL, SERVE_LABEL,
};

fn reject(rule: &'static str, message: String) -> Rejection {
    Rejection { rule, message }
}

/// An empty name prints as `""`.
fn q(name: &str) -> &str {
    if name.is_empty() {
        "\"\""
    } else {
        name
    }
}

/// One status write, old and new RayService.
#[derive(Debug, Clone, Copy)]
pub struct StatusChange<'a> {
    pub old: &'a RayService,
    pub new: &'a RayService,
}

impl StatusChange<'_> {
    pub fn a0(&self) -> &str {
        self.old.active()
    }
    pub fn p0(&self) -> &str {
        self.old.pending()
    }
    pub fn a1(&self) -> &str {
        self.new.active()
    }
    pub fn p1(&self) -> &str {
        self.new.pending()
    }

    /// The active name changes to the old pending one.
    pub fn is_promotion(&self) -> bool {
        !self.p0().is_empty() && self.a1() != self.a0() && self.a1() == self.p0()
    }

    /// New `Suspending=True`, or new `Ready=False` with reason `InitializingTimeout`.
    pub fn reset_evidence(&self) -> bool {
        let c = &self.new.status.conditions;
        condition_true(c, "Suspending")
            || find_condition(c, "Ready")
                .is_some_and(|r| r.status == "False" && r.reason == "InitializingTimeout")
    }

    /// Old `RollbackInProgress=True`; new has it absent or not True and `UpgradeInProgress=False`.
    pub fn rollback_evidence(&self) -> bool {
        condition_true(&self.old.status.conditions, "RollbackInProgress")
            && !condition_true(&self.new.status.conditions, "RollbackInProgress")
            && find_condition(&self.new.status.conditions, "UpgradeInProgress")
                .is_some_and(|c| c.status == "False")
    }
}

/// RS1: active and pending differ unless active is empty.
pub fn rs1(c: &StatusChange) -> Result<(), Rejection> {
    if !c.a1().is_empty() && c.a1() == c.p1() {
        return Err(reject(
            "RS1",
            format!(
                "RS1: active and pending RayCluster must differ, both are {}",
                c.a1()
            ),
        ));
    }
    Ok(())
}

/// RS2: the active name only moves to the previous pending one, or is reset.
pub fn rs2(c: &StatusChange) -> Result<(), Rejection> {
    if c.a1() == c.a0() || c.is_promotion() || (c.a1().is_empty() && c.p1().is_empty() && c.reset_evidence())
    {
        return Ok(());
    }
    Err(reject(
        "RS2",
        format!(
            "RS2: active RayCluster may only change to the previous pending one ({}) or be reset: {} => {}",
            q(c.p0()),
            q(c.a0()),
            q(c.a1())
        ),
    ))
}

/// RS3: a promotion clears the pending name.
pub fn rs3(c: &StatusChange) -> Result<(), Rejection> {
    if c.is_promotion() && !c.p1().is_empty() {
        return Err(reject(
            "RS3",
            format!(
                "RS3: promotion of {} must clear the pending RayCluster, got {}",
                c.a1(),
                c.p1()
            ),
        ));
    }
    Ok(())
}

/// RS4: the pending name changes, active unchanged, only to a fresh
/// `<rs>-` name, or to empty with rollback or reset evidence.
pub fn rs4(c: &StatusChange) -> Result<(), Rejection> {
    if c.p1() == c.p0() || c.a1() != c.a0() {
        return Ok(());
    }
    let fresh = !c.p1().is_empty() && c.p1() != c.a0() && c.p1().starts_with(&format!("{}-", c.new.name));
    let cleared = c.p1().is_empty() && (c.rollback_evidence() || c.reset_evidence());
    if fresh || cleared {
        return Ok(());
    }
    Err(reject(
        "RS4",
        format!(
            "RS4: pending RayCluster changed {} => {} without a promotion, a rollback or a reset",
            q(c.p0()),
            q(c.p1())
        ),
    ))
}

/// RS7: a NewCluster/None promotion carries a non-empty set of RUNNING apps.
pub fn rs7(c: &StatusChange) -> Result<(), Rejection> {
    if !c.is_promotion() || c.new.is_incremental() {
        return Ok(());
    }
    let apps = &c.new.status.active.applications;
    if apps.is_empty() {
        return Err(reject(
            "RS7",
            format!("RS7: promotion of {} while it reports no applications", c.a1()),
        ));
    }
    if let Some((app, status)) = apps.iter().find(|(_, s)| s.as_str() != "RUNNING") {
        return Err(reject(
            "RS7",
            format!(
                "RS7: promotion of {} while application {app} is {}, not RUNNING",
                c.a1(),
                q(status)
            ),
        ));
    }
    Ok(())
}

const RS9_EXEMPT_REASONS: &[&str] = &[
    "Initializing",
    "InitializingTimeout",
    "SuspendRequested",
    "SuspendInProgress",
    "SuspendComplete",
];

/// RS9: `UpgradeInProgress`, when present, matches the names.
pub fn rs9(c: &StatusChange) -> Result<(), Rejection> {
    let Some(cond) = find_condition(&c.new.status.conditions, "UpgradeInProgress") else {
        return Ok(());
    };
    if RS9_EXEMPT_REASONS.contains(&cond.reason.as_str()) || c.a1().is_empty() {
        return Ok(());
    }
    let want = if c.p1().is_empty() { "False" } else { "True" };
    if cond.status != want {
        return Err(reject(
            "RS9",
            format!(
                "RS9: condition UpgradeInProgress must be {want} when active is {} and pending is {}",
                c.a1(),
                q(c.p1())
            ),
        ));
    }
    Ok(())
}

/// RS10: `status.observedGeneration <= metadata.generation`.
pub fn rs10(c: &StatusChange) -> Result<(), Rejection> {
    if let (Some(n), Some(m)) = (c.new.status.observed_generation, c.new.generation) {
        if n > m {
            return Err(reject(
                "RS10",
                format!("RS10: status.observedGeneration {n} is ahead of metadata.generation {m}"),
            ));
        }
    }
    Ok(())
}

/// RS5: a pending cluster the Services already select is not replaced or
/// dropped. Judgment call: not applied with reset evidence (suspend,
/// initializing timeout), which tears everything down on purpose and would
/// otherwise livelock (the suspend write precedes any Service work).
pub fn rs5(c: &StatusChange, lookups: &mut Lookups) -> Result<(), Rejection> {
    if c.p0().is_empty() || c.p1() == c.p0() || c.is_promotion() || c.reset_evidence() {
        return Ok(());
    }
    for svc in [c.new.head_service_name(), c.new.serve_service_name()] {
        if lookups
            .service("RS5", &svc)?
            .is_some_and(|s| s.selected_cluster() == c.p0())
        {
            return Err(reject(
                "RS5",
                format!(
                    "RS5: pending RayCluster {} already receives traffic through Service {svc}; it cannot be replaced or dropped",
                    c.p0()
                ),
            ));
        }
    }
    Ok(())
}

/// RS6: a NewCluster/None promotion happens only once head and serve
/// Services both select the new active cluster.
pub fn rs6(c: &StatusChange, lookups: &mut Lookups) -> Result<(), Rejection> {
    if !c.is_promotion() || c.new.is_incremental() {
        return Ok(());
    }
    for svc in [c.new.head_service_name(), c.new.serve_service_name()] {
        if lookups
            .service("RS6", &svc)?
            .is_none_or(|s| s.selected_cluster() != c.a1())
        {
            return Err(reject(
                "RS6",
                format!("RS6: promotion of {} before Service {svc} selects it", c.a1()),
            ));
        }
    }
    Ok(())
}

/// RS8: the promoted RayCluster exists, is not being deleted, and (our
/// choice, the doc's recommendation) its head Pod is ready.
pub fn rs8(c: &StatusChange, lookups: &mut Lookups) -> Result<(), Rejection> {
    if !c.is_promotion() {
        return Ok(());
    }
    let a1 = c.a1();
    let problem = match lookups.ray_cluster("RS8", a1)? {
        None => "does not exist",
        Some(rc) if rc.deleting => "is being deleted",
        Some(rc) => match head_problem("RS8", &rc, lookups)? {
            Some(why) => &format!("has no ready head Pod ({why})"),
            None => return Ok(()),
        },
    };
    Err(reject(
        "RS8",
        format!("RS8: promotion of {a1}: RayCluster {a1} {problem}"),
    ))
}

/// Why the head Pod of `rc` (which exists and is not being deleted) does
/// not count as ready for RS8/SV2, or `None` when it does: the cluster's
/// status, or, with the setting `lookupHeadPod` and no `HeadPodReady`
/// condition, the Pod named by `status.head.podName`, looked up
/// ([`RayCluster::pod_head_problem`]).
fn head_problem(
    rule: &'static str,
    rc: &RayCluster,
    lookups: &mut Lookups,
) -> Result<Option<String>, Rejection> {
    if !(lookups.head_pods && rc.head_pod_decides()) {
        return Ok(rc.status_head_problem());
    }
    let pod = if rc.head_pod.is_empty() {
        None
    } else {
        lookups.head_pod(rule, &rc.head_pod)?
    };
    Ok(rc.pod_head_problem(pod.as_ref()))
}

/// RS1–RS10 over one status write; the first violation wins.
pub fn check_status_write(c: &StatusChange, lookups: &mut Lookups) -> Result<(), Rejection> {
    rs1(c)?;
    rs2(c)?;
    rs3(c)?;
    rs4(c)?;
    rs7(c)?;
    rs9(c)?;
    rs10(c)?;
    rs5(c, lookups)?;
    rs6(c, lookups)?;
    rs8(c, lookups)
}

/// Which of the RayService's Services a Service is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceRole {
    Head,
    Serve,
}

/// SV1: the new selector names the stored active or pending cluster.
pub fn sv1(svc: &Service, rs: &RayService) -> Result<(), Rejection> {
    let x = svc.selected_cluster();
    if !x.is_empty() && (x == rs.active() || x == rs.pending()) {
        return Ok(());
    }
    Err(reject(
        "SV1",
        format!(
            "SV1: Service {} may select only RayCluster {} or {} of RayService {}, not {}",
            svc.name,
            q(rs.active()),
            q(rs.pending()),
            rs.name,
            q(x)
        ),
    ))
}

/// SV3: the selector keys KubeRay always writes besides `ray.io/cluster`.
pub fn sv3(svc: &Service, role: ServiceRole) -> Result<(), Rejection> {
    let get = |k: &str| svc.selector.get(k).map(String::as_str);
    match role {
        ServiceRole::Head => {
            let c = svc.selected_cluster();
            let identifier = format!("{c}-head");
            if get(NODE_TYPE_LABEL) != Some("head") || get(IDENTIFIER_LABEL) != Some(identifier.as_str()) {
                return Err(reject(
                    "SV3",
                    format!(
                        "SV3: head Service {} must select {NODE_TYPE_LABEL}=head and {IDENTIFIER_LABEL}={identifier}",
                        svc.name
                    ),
                ));
            }
        }
        ServiceRole::Serve => {
            if get(SERVE_LABEL) != Some("true") {
                return Err(reject(
                    "SV3",
                    format!("SV3: serve Service {} must select {SERVE_LABEL}=true", svc.name),
                ));
            }
        }
    }
    Ok(())
}

/// SV2: a Service switches to the pending cluster only when it is healthy.
pub fn sv2(svc: &Service, rs: &RayService, lookups: &mut Lookups) -> Result<(), Rejection> {
    let x = svc.selected_cluster();
    if x != rs.pending() || x == rs.active() {
        return Ok(());
    }
    let problem = match lookups.ray_cluster("SV2", x)? {
        None => "it does not exist",
        Some(rc) if rc.deleting => "it is being deleted",
        Some(rc) => match head_problem("SV2", &rc, lookups)? {
            Some(why) => &format!("its head Pod is not ready ({why})"),
            None => return Ok(()),
        },
    };
    Err(reject(
        "SV2",
        format!(
            "SV2: Service {} may not select pending RayCluster {x}: {problem}",
            svc.name
        ),
    ))
}

/// SV1, SV3, SV2 over a write of the RayService's head or serve Service.
pub fn check_service_write(
    svc: &Service,
    role: ServiceRole,
    rs: &RayService,
    lookups: &mut Lookups,
) -> Result<(), Rejection> {
    sv1(svc, rs)?;
    sv3(svc, role)?;
    sv2(svc, rs, lookups)
}

/// Selector of the RayService head Service for `cluster` (what KubeRay's
/// `HeadServiceLabels` builds).
pub fn head_selector(cluster: &str) -> std::collections::BTreeMap<String, String> {
    [
        (CLUSTER_LABEL, cluster.to_string()),
        (NODE_TYPE_LABEL, "head".to_string()),
        (IDENTIFIER_LABEL, format!("{cluster}-head")),
        ("app.kubernetes.io/name", "kuberay".to_string()),
        ("app.kubernetes.io/created-by", "kuberay-operator".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Selector of the RayService serve Service for `cluster`.
pub fn serve_selector(cluster: &str) -> std::collections::BTreeMap<String, String> {
    [
        (CLUSTER_LABEL, cluster.to_string()),
        (SERVE_LABEL, "true".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}
