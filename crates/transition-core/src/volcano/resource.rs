//! The Volcano scheduler's view of a `ResourceList` (`api.NewResource`), used
//! by V6: cpu in milli-units, memory in bytes, `pods` in units, other scalar
//! resources in milli-units, `count/*` quotas and non-scalar names ignored.
//! Volcano stores these as float64; values are integers, so this keeps them
//! as exact `i128`s and prints `%.2f` as `<n>.00`.

use std::collections::BTreeMap;
use std::fmt;

use crate::quantity::{Format, Quantity};
use crate::volcano::view::ResourceList;

/// `api.Resource`, reduced to what V6 reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SchedResource {
    pub milli_cpu: i128,
    pub memory: i128,
    /// Scalar resources; presence matters for `LessPartly(Zero)` even at 0.
    pub scalars: BTreeMap<String, i128>,
}

/// `v1helper.IsScalarResourceName`: extended resources, `hugepages-*`,
/// `*kubernetes.io/*` and `attachable-volumes-*`.
pub fn is_scalar_resource_name(name: &str) -> bool {
    is_extended_resource_name(name)
        || name.starts_with("hugepages-")
        || crate::decode::contains(name, "kubernetes.io/")
        || name.starts_with("attachable-volumes-")
}

/// `IsExtendedResourceName`: a domain-prefixed name outside
/// `kubernetes.io/`, not starting with `requests.`, and a qualified name.
pub fn is_extended_resource_name(name: &str) -> bool {
    if !name.contains('/') || crate::decode::contains(name, "kubernetes.io/") || name.starts_with("requests.")
    {
        return false;
    }
    is_qualified_name(&format!("requests.{name}"))
}

/// `validation.IsQualifiedName`: `[prefix/]name`, prefix a DNS subdomain,
/// name ≤ 63 characters of `[A-Za-z0-9._-]`, alphanumeric at both ends.
fn is_qualified_name(s: &str) -> bool {
    let (prefix, name) = match s.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c))
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name.as_bytes()[name.len() - 1].is_ascii_alphanumeric();
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            })
    });
    name_ok && prefix_ok
}

impl SchedResource {
    /// `api.NewResource(list)`.
    pub fn from_list(list: &ResourceList) -> Self {
        let mut r = SchedResource::default();
        for (name, q) in list {
            match name.as_str() {
                "cpu" => r.milli_cpu += q.milli_value(),
                "memory" => r.memory += q.value(),
                "pods" => *r.scalars.entry(name.clone()).or_default() += q.value(),
                "ephemeral-storage" => *r.scalars.entry(name.clone()).or_default() += q.milli_value(),
                n if n.starts_with("count/") => {}
                n if is_scalar_resource_name(n) => {
                    *r.scalars.entry(name.clone()).or_default() += q.milli_value()
                }
                _ => {}
            }
        }
        r
    }

    /// One dimension (`getSingleResource`); 0 when absent.
    pub fn get(&self, name: &str) -> i128 {
        match name {
            "cpu" => self.milli_cpu,
            "memory" => self.memory,
            n => self.scalars.get(n).copied().unwrap_or(0),
        }
    }

    /// `ResourceNames()`: the dimensions with a positive value; cpu, memory,
    /// then scalars by name (Volcano: map order, which is random).
    pub fn resource_names(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.milli_cpu > 0 {
            out.push("cpu".to_string());
        }
        if self.memory > 0 {
            out.push("memory".to_string());
        }
        out.extend(
            self.scalars
                .iter()
                .filter(|(_, v)| **v > 0)
                .map(|(k, _)| k.clone()),
        );
        out
    }

    /// `Add`.
    pub fn add(&mut self, other: &SchedResource) {
        self.milli_cpu += other.milli_cpu;
        self.memory += other.memory;
        for (k, v) in &other.scalars {
            *self.scalars.entry(k.clone()).or_default() += v;
        }
    }

    /// `self.LessPartly(rr, Zero)`: some dimension of `self` is below `rr`'s;
    /// a scalar present in `rr` but absent in `self` counts as below.
    pub fn less_partly_zero(&self, rr: &SchedResource) -> bool {
        self.milli_cpu < rr.milli_cpu
            || self.memory < rr.memory
            || rr.scalars.keys().any(|k| !self.scalars.contains_key(k))
            || self
                .scalars
                .iter()
                .any(|(k, v)| *v < rr.scalars.get(k).copied().unwrap_or(0))
    }
}

impl fmt::Display for SchedResource {
    /// `Resource.String()`: `cpu 9000.00, memory 19327352832.00, <scalar> <v>...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cpu {}.00, memory {}.00", self.milli_cpu, self.memory)?;
        for (k, v) in &self.scalars {
            write!(f, ", {k} {v}.00")?;
        }
        Ok(())
    }
}

/// `formatResourceWithType`: cpu as a decimal quantity of milli-units,
/// memory as a binary quantity of bytes, anything else `%.2f`.
pub fn format_with_type(name: &str, value: i128) -> String {
    let clamp = |v: i128| v.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
    match name {
        "cpu" => Quantity::from_milli(clamp(value)).to_string(),
        "memory" => Quantity::from_units(clamp(value), Format::BinarySI).to_string(),
        _ => format!("{value}.00"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[(&str, &str)]) -> ResourceList {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), Quantity::parse(v).unwrap()))
            .collect()
    }

    #[test]
    fn converts_like_new_resource() {
        let r = SchedResource::from_list(&list(&[
            ("cpu", "9"),
            ("memory", "18Gi"),
            ("pods", "10"),
            ("nvidia.com/gpu", "2"),
            ("count/pods", "5"),
            ("gpu", "3"),
            ("hugepages-2Mi", "1Gi"),
        ]));
        assert_eq!(r.milli_cpu, 9000);
        assert_eq!(r.memory, 19327352832);
        assert_eq!(r.get("pods"), 10);
        assert_eq!(r.get("nvidia.com/gpu"), 2000);
        assert_eq!(r.get("gpu"), 0);
        assert!(!r.scalars.contains_key("count/pods"));
        assert_eq!(
            r.to_string(),
            "cpu 9000.00, memory 19327352832.00, hugepages-2Mi 1073741824000.00, nvidia.com/gpu 2000.00, pods 10.00"
        );
        assert_eq!(
            r.resource_names(),
            vec!["cpu", "memory", "hugepages-2Mi", "nvidia.com/gpu", "pods"]
        );
    }

    #[test]
    fn less_partly_zero_semantics() {
        let parent = SchedResource::from_list(&list(&[("cpu", "8")]));
        assert!(!parent.less_partly_zero(&SchedResource::from_list(&list(&[("cpu", "8")]))));
        assert!(parent.less_partly_zero(&SchedResource::from_list(&list(&[("cpu", "9")]))));
        assert!(parent.less_partly_zero(&SchedResource::from_list(&list(&[("memory", "1")]))));
        // a scalar the parent does not list fails, even at 0
        assert!(parent.less_partly_zero(&SchedResource::from_list(&list(&[("nvidia.com/gpu", "0")]))));
        assert!(!SchedResource::default().less_partly_zero(&SchedResource::default()));
    }

    #[test]
    fn formats_by_type() {
        assert_eq!(format_with_type("cpu", 20_000), "20");
        assert_eq!(format_with_type("cpu", 1500), "1500m");
        assert_eq!(format_with_type("memory", 55 << 30), "55Gi");
        assert_eq!(format_with_type("nvidia.com/gpu", 10_000), "10000.00");
    }

    #[test]
    fn resource_name_classes() {
        assert!(is_extended_resource_name("nvidia.com/gpu"));
        assert!(!is_extended_resource_name("kubernetes.io/foo"));
        assert!(!is_extended_resource_name("gpu"));
        assert!(!is_extended_resource_name("requests.a.io/b"));
        assert!(!is_extended_resource_name("Bad_Domain/x"));
        assert!(is_scalar_resource_name("hugepages-1Gi"));
        assert!(is_scalar_resource_name("attachable-volumes-aws-ebs"));
    }
}
