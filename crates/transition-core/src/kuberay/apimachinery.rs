//! The few apimachinery checks KubeRay's spec validation calls, with their
//! texts as of `k8s.io/apimachinery` v0.36.0 (KubeRay's go.mod at feeaf72fa):
//! label keys and values (`pkg/api/validate/content`, whose length error
//! says "bytes"), DNS-1123 subdomains (a label key's prefix), and
//! `util/version.ParseGeneric` with `LessThan` (Ray version gates).

use crate::volcano::go_quote::go_quote;

const LABEL_KEY_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_KEY_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const SUBDOMAIN_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

/// apimachinery's `RegexError`: the message, the examples (each followed by
/// `", "`, joined by `" or "`), and the regex.
fn regex_error(msg: &str, re: &str, examples: &[&str]) -> String {
    let mut out = format!("{msg} (e.g. ");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push('\'');
        out.push_str(e);
        out.push_str("', ");
    }
    out.push_str("regex used for validation is '");
    out.push_str(re);
    out.push_str("')");
    out
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, whole string.
fn is_label_key_name(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => {
            f.is_ascii_alphanumeric()
                && l.is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// `content.IsDNS1123Subdomain`.
pub fn dns1123_subdomain_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 253 {
        errs.push("must be no more than 253 bytes".to_string());
    }
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        match (b.first(), b.last()) {
            (Some(f), Some(e)) => {
                (f.is_ascii_lowercase() || f.is_ascii_digit())
                    && (e.is_ascii_lowercase() || e.is_ascii_digit())
                    && b.iter()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            }
            _ => false,
        }
    };
    if !value.split('.').all(label_ok) {
        errs.push(regex_error(SUBDOMAIN_MSG, SUBDOMAIN_FMT, &["example.com"]));
    }
    errs
}

/// `content.IsLabelKey` (`validation.IsQualifiedName`): an optional DNS
/// subdomain prefix and `/`, then a name of at most 63 bytes.
pub fn label_key_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                errs.extend(
                    dns1123_subdomain_errors(prefix)
                        .into_iter()
                        .map(|e| format!("prefix part {e}")),
                );
            }
            *name
        }
        _ => {
            errs.push(format!(
                "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(LABEL_KEY_MSG, LABEL_KEY_FMT, &["MyName", "my.name", "123-abc"])
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errs.push("name part must be no more than 63 bytes".to_string());
    }
    if !is_label_key_name(name) {
        errs.push(format!(
            "name part {}",
            regex_error(LABEL_KEY_MSG, LABEL_KEY_FMT, &["MyName", "my.name", "123-abc"])
        ));
    }
    errs
}

/// `content.IsLabelValue` (`validation.IsValidLabelValue`).
pub fn label_value_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push("must be no more than 63 bytes".to_string());
    }
    if !value.is_empty() && !is_label_key_name(value) {
        errs.push(regex_error(
            LABEL_VALUE_MSG,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// A version read by `version.ParseGeneric`: its numeric components (the
/// rest, pre-release or not, never takes part in a generic comparison).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenericVersion(Vec<u64>);

impl GenericVersion {
    /// `version.ParseGeneric`; the error is Go's text.
    ///
    /// Go's pattern is `^\s*v?([0-9]+(?:\.[0-9]+)*)(.*)*$` (`\s` is
    /// `[\t\n\f\r ]`, `.` never matches a newline), then at least two
    /// components, no zero prefix on the first, each a `uint`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let could_not = || format!("could not parse {} as version", go_quote(s));
        let rest = s.trim_start_matches(['\t', '\n', '\u{c}', '\r', ' ']);
        let rest = rest.strip_prefix('v').unwrap_or(rest);
        let b = rest.as_bytes();
        // The longest run of digit groups joined by single dots.
        let mut end = 0;
        let mut i = 0;
        loop {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == start {
                break;
            }
            end = i;
            if i < b.len() && b[i] == b'.' {
                i += 1;
            } else {
                break;
            }
        }
        if end == 0 || rest[end..].contains('\n') {
            return Err(could_not());
        }
        let numbers = &rest[..end];
        let components: Vec<&str> = numbers.split('.').collect();
        if components.len() < 2 {
            return Err(format!("illegal version string {}", go_quote(s)));
        }
        let mut out = Vec::with_capacity(components.len());
        for (i, c) in components.iter().enumerate() {
            if i == 0 && c.starts_with('0') && *c != "0" {
                return Err(format!(
                    "illegal zero-prefixed version component {} in {}",
                    go_quote(c),
                    go_quote(s)
                ));
            }
            match c.parse::<u64>() {
                Ok(n) => out.push(n),
                Err(_) => {
                    return Err(format!(
                        "illegal non-numeric version component {} in {}: strconv.ParseUint: parsing {}: value out of range",
                        go_quote(c),
                        go_quote(s),
                        go_quote(c)
                    ))
                }
            }
        }
        Ok(GenericVersion(out))
    }

    /// `LessThan` between generic versions: component by component, a
    /// longer version bigger only when its extra components are not all zero.
    pub fn less_than(&self, other: &GenericVersion) -> bool {
        let (a, b) = (&self.0, &other.0);
        for (x, y) in a.iter().zip(b) {
            if x != y {
                return x < y;
            }
        }
        let n = a.len().min(b.len());
        b[n..].iter().any(|c| *c != 0) && a.len() < b.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME_PART: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    #[test]
    fn label_keys_as_apimachinery_judges_them() {
        for ok in [
            "app",
            "ray.io/node-type",
            "a",
            "A-b_c.d",
            "example.com/MyName",
            "x/1",
        ] {
            assert_eq!(label_key_errors(ok), Vec::<String>::new(), "{ok}");
        }
        assert_eq!(label_key_errors("-app"), vec![NAME_PART.to_string()]);
        assert_eq!(
            label_key_errors(""),
            vec!["name part must be non-empty".to_string(), NAME_PART.to_string()]
        );
        assert_eq!(
            label_key_errors(&"a".repeat(64)),
            vec!["name part must be no more than 63 bytes".to_string()]
        );
        assert_eq!(
            label_key_errors("/app"),
            vec!["prefix part must be non-empty".to_string()]
        );
        assert_eq!(
            label_key_errors("Example.com/app"),
            vec!["prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".to_string()]
        );
        assert_eq!(
            label_key_errors("a/b/c"),
            vec!["a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')".to_string()]
        );
        assert_eq!(dns1123_subdomain_errors("a..b").len(), 1);
        assert_eq!(
            dns1123_subdomain_errors(&"a".repeat(254)),
            vec!["must be no more than 253 bytes".to_string()]
        );
    }

    #[test]
    fn label_values_as_apimachinery_judges_them() {
        for ok in ["", "v1", "my_value", "12345", "a.b-c"] {
            assert_eq!(label_value_errors(ok), Vec::<String>::new(), "{ok:?}");
        }
        let regex = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
        assert_eq!(label_value_errors("bad value"), vec![regex.to_string()]);
        assert_eq!(label_value_errors("-x"), vec![regex.to_string()]);
        assert_eq!(
            label_value_errors(&format!("{}-", "a".repeat(63))),
            vec!["must be no more than 63 bytes".to_string(), regex.to_string()]
        );
    }

    #[test]
    fn generic_versions_parse_and_compare_as_go_does() {
        let v = |s: &str| GenericVersion::parse(s).unwrap();
        assert_eq!(v("2.52.0"), GenericVersion(vec![2, 52, 0]));
        assert_eq!(v(" v2.52"), GenericVersion(vec![2, 52]));
        assert_eq!(v("2.52.0rc1"), GenericVersion(vec![2, 52, 0]));
        assert_eq!(v("2.52.0-dev"), GenericVersion(vec![2, 52, 0]));
        assert_eq!(v("2.52."), GenericVersion(vec![2, 52]));
        assert_eq!(v("2.052"), GenericVersion(vec![2, 52]));
        assert_eq!(
            GenericVersion::parse("latest"),
            Err("could not parse \"latest\" as version".into())
        );
        assert_eq!(
            GenericVersion::parse("2.52\n"),
            Err("could not parse \"2.52\\n\" as version".into())
        );
        assert_eq!(
            GenericVersion::parse("2"),
            Err("illegal version string \"2\"".into())
        );
        assert_eq!(
            GenericVersion::parse("02.52"),
            Err("illegal zero-prefixed version component \"02\" in \"02.52\"".into())
        );
        assert_eq!(
            GenericVersion::parse("2.99999999999999999999"),
            Err("illegal non-numeric version component \"99999999999999999999\" in \"2.99999999999999999999\": strconv.ParseUint: parsing \"99999999999999999999\": value out of range".into())
        );
        let min = v("2.52.0");
        assert!(v("2.51.9").less_than(&min));
        assert!(v("2.9").less_than(&min));
        assert!(!v("2.52").less_than(&min));
        assert!(!v("2.52.0.0").less_than(&min));
        assert!(!v("2.52.0rc1").less_than(&min));
        assert!(!v("2.53").less_than(&min));
        assert!(v("2.52").less_than(&v("2.52.0.1")));
        assert!(!v("2.52.0.1").less_than(&v("2.52")));
    }
}
