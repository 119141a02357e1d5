//! Case files: one admission request, the cluster it sees, and the expected answer.
//!
//! ```json
//! {"name": "...", "settings": {}, "request": {<AdmissionReview v1 request>},
//!  "context": {"resources": [<Kubernetes objects>]},
//!  "expect": {"allowed": false, "message_contains": "...", "rule": "V2",
//!             "mutated_object_contains": {}}}
//! ```

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{admission_request, read_document, Fixtures, Grants, HostCall, Policy, ValidationResponse};

/// The audit annotation in which transition-guard names the deciding rule.
pub const RULE_ANNOTATION: &str = "transition-guard-rule";

/// One case, read from a file.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub path: PathBuf,
    pub settings: Value,
    pub request: Value,
    pub fixtures: Fixtures,
    pub expect: Expect,
    /// The case's own `grants` / `hostCapabilities`, if any (checked on read).
    overrides: Value,
}

/// What a case expects.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub allowed: bool,
    pub message_contains: Option<String>,
    pub rule: Option<String>,
    pub mutated_object_contains: Option<Value>,
}

/// Result of one case: `Ok` with a one-line summary of the verdict, or the
/// reason it failed.
pub type CaseOutcome = Result<String, String>;

fn opt_string(v: &Value, key: &str, file: &str) -> Result<Option<String>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{file}: expect.{key} must be a string")),
    }
}

impl Case {
    /// Reads a case file (JSON, or YAML for `.yaml`/`.yml`).
    pub fn read(path: &Path) -> Result<Case, String> {
        let file = path.display().to_string();
        let doc = read_document(path)?;
        if !doc.is_object() {
            return Err(format!("{file}: a case must be an object"));
        }
        let name = doc
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(&file)
            .to_string();
        let request = match doc.get("request") {
            Some(r @ Value::Object(_)) => admission_request(r.clone()),
            _ => {
                return Err(format!(
                    "{file}: `request` must be an AdmissionReview request object"
                ))
            }
        };
        let settings = doc.get("settings").cloned().unwrap_or(Value::Null);
        let fixtures = Fixtures::from_context(doc.get("context").unwrap_or(&Value::Null))
            .map_err(|e| format!("{file}: {e}"))?;
        let overrides = serde_json::json!({
            "grants": doc.get("grants").cloned().unwrap_or(Value::Null),
            "hostCapabilities": doc.get("hostCapabilities").cloned().unwrap_or(Value::Null),
        });
        Grants::default()
            .with_case_overrides(&overrides, &file)
            .map_err(|e| e.to_string())?;
        let e = doc
            .get("expect")
            .ok_or_else(|| format!("{file}: missing `expect`"))?;
        let allowed = e
            .get("allowed")
            .and_then(Value::as_bool)
            .ok_or_else(|| format!("{file}: expect.allowed must be a boolean"))?;
        let expect = Expect {
            allowed,
            message_contains: opt_string(e, "message_contains", &file)?,
            rule: opt_string(e, "rule", &file)?,
            mutated_object_contains: e.get("mutated_object_contains").cloned(),
        };
        Ok(Case {
            name,
            path: path.to_path_buf(),
            settings,
            request,
            fixtures,
            expect,
            overrides,
        })
    }

    /// The grants this case runs with: the policy's, overridden by the case's own.
    pub fn grants(&self, policy: &Policy) -> Result<Grants, String> {
        policy
            .grants()
            .with_case_overrides(&self.overrides, &self.path.display().to_string())
            .map_err(|e| e.to_string())
    }

    /// Validates the settings (as policy-server does at load time), then
    /// evaluates the request. Returns the response and the host calls made.
    pub fn evaluate(&self, policy: &Policy) -> Result<(ValidationResponse, Vec<HostCall>), String> {
        let s = policy
            .validate_settings(&self.settings)
            .map_err(|e| e.to_string())?;
        if !s.valid {
            return Err(format!("settings rejected: {}", s.message.unwrap_or_default()));
        }
        policy
            .validate_with(
                &self.request,
                &self.settings,
                self.fixtures.clone(),
                &self.grants(policy)?,
            )
            .map_err(|e| e.to_string())
    }

    /// Evaluates the case with `policy` and checks the answer.
    pub fn run(&self, policy: &Policy) -> CaseOutcome {
        let (resp, _) = self.evaluate(policy)?;
        self.check(&resp)
    }

    /// Checks a response against the case's expectation.
    pub fn check(&self, resp: &ValidationResponse) -> CaseOutcome {
        let msg = resp.message.clone().unwrap_or_default();
        if resp.accepted != self.expect.allowed {
            return Err(if resp.accepted {
                "expected a rejection, got accepted".to_string()
            } else {
                format!("expected acceptance, got rejected: {msg}")
            });
        }
        if let Some(want) = &self.expect.message_contains {
            if !msg.contains(want.as_str()) {
                return Err(format!("message {msg:?} does not contain {want:?}"));
            }
        }
        if let Some(want) = &self.expect.rule {
            let got = resp
                .audit_annotations
                .as_ref()
                .and_then(|a| a.get(RULE_ANNOTATION))
                .cloned()
                .unwrap_or_default();
            if &got != want {
                return Err(format!("expected rule {want}, got {got:?} ({msg})"));
            }
        }
        if let Some(want) = &self.expect.mutated_object_contains {
            match &resp.mutated_object {
                Some(got) if contains(got, want) => {}
                Some(got) => return Err(format!("mutated object {got} does not contain {want}")),
                None => return Err("expected a mutated object, got none".into()),
            }
        }
        Ok(summary(resp))
    }
}

/// `accepted`, `mutated [M2]` or `rejected [V2]: <message>`.
pub fn summary(resp: &crate::ValidationResponse) -> String {
    let rule = resp
        .audit_annotations
        .as_ref()
        .and_then(|a| a.get(RULE_ANNOTATION))
        .map(|r| format!(" [{r}]"))
        .unwrap_or_default();
    match (resp.accepted, &resp.mutated_object) {
        (true, None) => "accepted".to_string(),
        (true, Some(_)) => format!("mutated{rule}"),
        (false, _) => format!("rejected{rule}: {}", resp.message.as_deref().unwrap_or("")),
    }
}

/// Deep subset: every key of `want` is in `got` with a matching value.
pub fn contains(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| g.get(k).is_some_and(|gv| contains(gv, wv))),
        _ => got == want,
    }
}

/// Expands paths: a directory means every `.json`/`.yaml`/`.yml` file under it, sorted.
pub fn collect_case_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out)?;
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p
            .extension()
            .is_some_and(|e| e == "json" || e == "yaml" || e == "yml")
        {
            out.push(p);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subset_matching() {
        let got = json!({"spec": {"weight": 1, "reclaimable": true}, "metadata": {"name": "q"}});
        assert!(contains(&got, &json!({"spec": {"reclaimable": true}})));
        assert!(!contains(&got, &json!({"spec": {"reclaimable": false}})));
        assert!(!contains(&got, &json!({"status": {}})));
    }
}
