//! Which KubeRay operator release the cluster runs (setting `kubeRayVersion`).
//!
//! KubeRay's `ValidateRayService*` grew rule by rule from v1.3.0 to v1.7.0.
//! A policy that judges every rule of the newest release would refuse specs
//! an older operator runs without complaint (a worker group's
//! `rayStartParams['labels']` is the only way to label Ray nodes before
//! v1.5.0, and v1.5.0 is the release that refuses it). So each KR-META and
//! KR-SPEC rule carries the release that introduced it, and the policy
//! judges only the rules of the release the user names.
//!
//! Releases were read off the tags of ray-project/kuberay
//! (`ray-operator/controllers/ray/utils/validation.go` at each `v1.x.y`).

use std::fmt;

/// A KubeRay release, `major.minor.patch`. Ordered as versions are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct KubeRayVersion {
    major: u16,
    minor: u16,
    patch: u16,
}

impl KubeRayVersion {
    pub const fn new(major: u16, minor: u16, patch: u16) -> Self {
        KubeRayVersion { major, minor, patch }
    }

    /// The oldest release the policy supports: from v1.3.0 on, KubeRay
    /// switches the Services before its one status write (RS*/SV*).
    pub const OLDEST: KubeRayVersion = V1_3_0;
    /// The newest release whose rules were read (`kuberay` feeaf72fa has the
    /// same validation as v1.7.0), and the default. A newer release is
    /// accepted and judged by these rules.
    pub const NEWEST: KubeRayVersion = V1_7_0;

    /// Reads `v1.5`, `1.5`, `v1.5.1` or `1.5.1` (a missing patch is 0).
    /// `None` for anything else: no pre-release suffix, no leading `+`, no
    /// empty or non-decimal component.
    pub fn parse(s: &str) -> Option<Self> {
        fn number(p: Option<&str>) -> Option<u16> {
            let p = p?;
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            p.parse().ok()
        }
        let mut parts = s.strip_prefix('v').unwrap_or(s).split('.');
        let major = number(parts.next())?;
        let minor = number(parts.next())?;
        let patch = match parts.next() {
            None => 0,
            p => number(p)?,
        };
        match parts.next() {
            None => Some(KubeRayVersion::new(major, minor, patch)),
            Some(_) => None,
        }
    }

    /// Whether a rule introduced in `since` runs on this release.
    pub fn has(self, since: KubeRayVersion) -> bool {
        self >= since
    }
}

impl Default for KubeRayVersion {
    fn default() -> Self {
        KubeRayVersion::NEWEST
    }
}

impl fmt::Display for KubeRayVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl serde::Serialize for KubeRayVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The releases that introduced a rule (see each rule in `validation`).
pub const V1_3_0: KubeRayVersion = KubeRayVersion::new(1, 3, 0);
pub const V1_4_0: KubeRayVersion = KubeRayVersion::new(1, 4, 0);
pub const V1_5_0: KubeRayVersion = KubeRayVersion::new(1, 5, 0);
pub const V1_5_1: KubeRayVersion = KubeRayVersion::new(1, 5, 1);
pub const V1_6_0: KubeRayVersion = KubeRayVersion::new(1, 6, 0);
pub const V1_7_0: KubeRayVersion = KubeRayVersion::new(1, 7, 0);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_written_forms_of_a_release() {
        let v151 = Some(KubeRayVersion::new(1, 5, 1));
        assert_eq!(KubeRayVersion::parse("v1.5.1"), v151);
        assert_eq!(KubeRayVersion::parse("1.5.1"), v151);
        assert_eq!(KubeRayVersion::parse("v1.5"), Some(V1_5_0));
        assert_eq!(KubeRayVersion::parse("1.5"), Some(V1_5_0));
        assert_eq!(
            KubeRayVersion::parse("v1.10.0"),
            Some(KubeRayVersion::new(1, 10, 0))
        );
        assert_eq!(KubeRayVersion::parse("v2.0"), Some(KubeRayVersion::new(2, 0, 0)));
    }

    #[test]
    fn refuses_what_is_not_a_release() {
        for s in [
            "",
            "v",
            "1",
            "v1",
            "1.",
            "1.5.",
            "1..5",
            "v1.5.1.2",
            "1.5.1-rc.0",
            "+1.5",
            "v+1.5",
            "1.x",
            "V1.5",
            " 1.5",
            "1.5 ",
            "1.99999",
            "١.٥",
        ] {
            assert_eq!(KubeRayVersion::parse(s), None, "{s:?}");
        }
    }

    #[test]
    fn orders_as_versions_and_prints_in_full() {
        assert!(V1_5_1 > V1_5_0 && V1_5_1 < V1_6_0);
        assert!(KubeRayVersion::new(1, 10, 0) > V1_7_0);
        assert!(V1_5_1.has(V1_5_0) && V1_5_1.has(V1_5_1) && !V1_5_0.has(V1_5_1));
        assert_eq!(V1_5_1.to_string(), "v1.5.1");
        assert_eq!(KubeRayVersion::default(), KubeRayVersion::NEWEST);
        assert_eq!(serde_json::to_value(V1_4_0).unwrap(), serde_json::json!("v1.4.0"));
    }
}
