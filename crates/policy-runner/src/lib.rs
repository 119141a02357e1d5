//! # policy-runner
//!
//! Loads a Kubewarden policy module and evaluates it the way policy-server
//! does: wasmtime through the waPC protocol, calling the guest's
//! `validate_settings` and `validate` with the same JSON payloads, and
//! answering its host calls. Kubernetes lookups are answered from fixture
//! objects ([`Fixtures`]) instead of a cluster.
//!
//! Expected flow: [`Policy::load`] compiles the module once; each evaluation
//! instantiates it afresh ([`Policy::validate`]), as policy-server does per
//! request in its default mode.

pub mod callback;
pub mod case;
pub mod fixtures;
pub mod grants;

use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use wapc::WapcHost;
use wasmtime_provider::{ResourceLimits, WasmtimeEngineProviderBuilder, WasmtimeEngineProviderPre};

pub use callback::{Backend, HostCall};
pub use case::{Case, CaseOutcome};
pub use fixtures::Fixtures;
pub use grants::Grants;

type CallLog = Arc<Mutex<Vec<HostCall>>>;

/// What can go wrong outside the policy's own verdict.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("cannot load the policy module: {0}")]
    Load(String),
    #[error("the policy failed while running `{operation}`: {message}")]
    Guest {
        operation: &'static str,
        message: String,
    },
    #[error("the policy's `{operation}` answer is not what waPC policies return: {message}")]
    Answer {
        operation: &'static str,
        message: String,
    },
}

/// The answer of `validate`, as Kubewarden's SDK writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationResponse {
    pub accepted: bool,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub code: Option<u16>,
    #[serde(default)]
    pub mutated_object: Option<Value>,
    #[serde(default)]
    pub warnings: Option<Vec<String>>,
    #[serde(default)]
    pub audit_annotations: Option<std::collections::HashMap<String, String>>,
}

/// The answer of `validate_settings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsResponse {
    pub valid: bool,
    #[serde(default)]
    pub message: Option<String>,
}

/// A compiled policy module, ready to be instantiated per evaluation.
pub struct Policy {
    pre: WasmtimeEngineProviderPre,
    grants: Grants,
}

impl Policy {
    /// Reads and compiles the module at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, RunnerError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| RunnerError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_bytes(&bytes)
    }

    /// Compiles `bytes` (a wasm module). Lookups are granted as the module's
    /// embedded metadata (`kwctl annotate`) says, or not at all without it.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, RunnerError> {
        Self::build(bytes, None)
    }

    /// Like [`Policy::from_bytes`], but each instance's linear memory may grow
    /// to `max_bytes` at most: past it the guest's allocation fails and the
    /// call traps ([`RunnerError::Guest`]). Tests use it to hold a module to a
    /// memory bound over many requests on one instance.
    pub fn from_bytes_with_memory_limit(bytes: &[u8], max_bytes: usize) -> Result<Self, RunnerError> {
        Self::build(
            bytes,
            Some(ResourceLimits {
                max_memory_size: Some(max_bytes),
                max_table_elements: None,
            }),
        )
    }

    fn build(bytes: &[u8], limits: Option<ResourceLimits>) -> Result<Self, RunnerError> {
        let grants = Grants::from_module(bytes)
            .map_err(|e| RunnerError::Load(e.to_string()))?
            .unwrap_or_default();
        let mut builder = WasmtimeEngineProviderBuilder::new();
        // A profiling aid: `POLICY_RUNNER_PERFMAP=1` writes /tmp/perf-<pid>.map,
        // so `perf report` names the guest's functions (an unstripped module
        // names them as the source does).
        if std::env::var_os("POLICY_RUNNER_PERFMAP").is_some() {
            let mut config = wasmtime::Config::default();
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
            let engine = wasmtime::Engine::new(&config).map_err(|e| RunnerError::Load(e.to_string()))?;
            builder = builder.engine(engine);
        }
        if let Some(limits) = limits {
            builder = builder.enable_resource_limits(limits);
        }
        let pre = builder
            .module_bytes(bytes)
            .build_pre()
            .map_err(|e| RunnerError::Load(e.to_string()))?;
        Ok(Policy { pre, grants })
    }

    /// Replaces the grants every evaluation runs with.
    pub fn with_grants(mut self, grants: Grants) -> Self {
        self.grants = grants;
        self
    }

    /// The grants evaluations run with unless a case overrides them.
    pub fn grants(&self) -> &Grants {
        &self.grants
    }

    fn instantiate(&self, backend: Arc<Backend>, grants: Grants) -> Result<(WapcHost, CallLog), RunnerError> {
        let engine = self
            .pre
            .rehydrate(None)
            .map_err(|e| RunnerError::Load(e.to_string()))?;
        let calls = Arc::new(Mutex::new(Vec::new()));
        let record = calls.clone();
        let callback = move |_id: u64,
                             binding: &str,
                             namespace: &str,
                             operation: &str,
                             payload: &[u8]|
              -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
            let call = callback::answer(&backend, &grants, binding, namespace, operation, payload);
            let answer = call.answer.clone();
            if let Ok(mut log) = record.lock() {
                log.push(call);
            }
            answer.map_err(|e| e.into())
        };
        let host = WapcHost::new(Box::new(engine), Some(Box::new(callback)))
            .map_err(|e| RunnerError::Load(e.to_string()))?;
        Ok((host, calls))
    }

    /// Instantiates the module once and keeps it, for callers that make many
    /// calls on one instance (benchmarks: guest time without instantiation).
    /// Every host call is answered by `answer(binding, namespace, operation,
    /// payload)`; `Err` reaches the guest as a host error. Nothing is recorded.
    ///
    /// Expected flow: [`Policy::from_bytes`] once, `instance_with` once per
    /// batch, then [`Instance::call`] per request.
    pub fn instance_with<F>(&self, answer: F) -> Result<Instance, RunnerError>
    where
        F: Fn(&str, &str, &str, &[u8]) -> Result<Vec<u8>, String> + Send + Sync + 'static,
    {
        let engine = self
            .pre
            .rehydrate(None)
            .map_err(|e| RunnerError::Load(e.to_string()))?;
        let callback = move |_id: u64,
                             binding: &str,
                             namespace: &str,
                             operation: &str,
                             payload: &[u8]|
              -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
            answer(binding, namespace, operation, payload).map_err(|e| e.into())
        };
        let host = WapcHost::new(Box::new(engine), Some(Box::new(callback)))
            .map_err(|e| RunnerError::Load(e.to_string()))?;
        Ok(Instance { host })
    }

    /// Calls the guest operation `operation` with raw `payload` bytes and no
    /// fixtures; for probing how a policy handles malformed input.
    pub fn call_raw(&self, operation: &'static str, payload: &[u8]) -> Result<Vec<u8>, RunnerError> {
        let (host, _) = self.instantiate(Fixtures::default().into(), self.grants.clone())?;
        host.call(operation, payload).map_err(|e| RunnerError::Guest {
            operation,
            message: e.to_string(),
        })
    }

    /// Calls `validate_settings` with `settings` (an object, or null for none).
    pub fn validate_settings(&self, settings: &Value) -> Result<SettingsResponse, RunnerError> {
        let (host, _) = self.instantiate(Fixtures::default().into(), self.grants.clone())?;
        let payload = settings_payload(settings);
        let out = host
            .call("validate_settings", &payload)
            .map_err(|e| RunnerError::Guest {
                operation: "validate_settings",
                message: e.to_string(),
            })?;
        serde_json::from_slice(&out).map_err(|e| RunnerError::Answer {
            operation: "validate_settings",
            message: e.to_string(),
        })
    }

    /// Calls `validate` with `{"request": request, "settings": settings}` and
    /// answers lookups from `fixtures` within the policy's grants. Returns
    /// the response and the host calls the guest made, in order.
    pub fn validate(
        &self,
        request: &Value,
        settings: &Value,
        fixtures: impl Into<Arc<Backend>>,
    ) -> Result<(ValidationResponse, Vec<HostCall>), RunnerError> {
        self.validate_with(request, settings, fixtures, &self.grants)
    }

    /// [`Policy::validate`] with explicit grants.
    pub fn validate_with(
        &self,
        request: &Value,
        settings: &Value,
        fixtures: impl Into<Arc<Backend>>,
        grants: &Grants,
    ) -> Result<(ValidationResponse, Vec<HostCall>), RunnerError> {
        let (host, calls) = self.instantiate(fixtures.into(), grants.clone())?;
        let payload = serde_json::to_vec(&json!({"request": request, "settings": settings_value(settings)}))
            .map_err(|e| RunnerError::Answer {
                operation: "validate",
                message: e.to_string(),
            })?;
        let out = host.call("validate", &payload).map_err(|e| RunnerError::Guest {
            operation: "validate",
            message: e.to_string(),
        })?;
        let response = serde_json::from_slice(&out).map_err(|e| RunnerError::Answer {
            operation: "validate",
            message: e.to_string(),
        })?;
        let calls = calls.lock().map(|c| c.clone()).unwrap_or_default();
        Ok((response, calls))
    }
}

/// One instantiated module, reused across calls (see [`Policy::instance_with`]).
pub struct Instance {
    host: WapcHost,
}

impl Instance {
    /// Calls the guest operation `operation` with raw `payload` bytes.
    ///
    /// Errors: [`RunnerError::Guest`] when the guest traps or returns an error.
    pub fn call(&self, operation: &'static str, payload: &[u8]) -> Result<Vec<u8>, RunnerError> {
        self.host
            .call(operation, payload)
            .map_err(|e| RunnerError::Guest {
                operation,
                message: e.to_string(),
            })
    }
}

/// The bytes [`Policy::validate`] sends to the guest's `validate`:
/// `{"request": request, "settings": settings}` (null settings become `{}`).
pub fn validate_payload(request: &Value, settings: &Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"request": request, "settings": settings_value(settings)})).unwrap_or_default()
}

/// policy-server sends `{}` when a policy has no settings.
fn settings_value(settings: &Value) -> Value {
    match settings {
        Value::Null => json!({}),
        other => other.clone(),
    }
}

fn settings_payload(settings: &Value) -> Vec<u8> {
    serde_json::to_vec(&settings_value(settings)).unwrap_or_default()
}

/// Reads a JSON or YAML file.
pub fn read_document(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
    if is_yaml {
        serde_yaml::from_str(&text).map_err(|e| format!("{}: invalid YAML: {e}", path.display()))
    } else {
        serde_json::from_str(&text).map_err(|e| format!("{}: invalid JSON: {e}", path.display()))
    }
}

/// Accepts a bare AdmissionRequest or a whole AdmissionReview and returns the request.
pub fn admission_request(doc: Value) -> Value {
    if doc.get("kind").and_then(Value::as_str) == Some("AdmissionReview") {
        if let Some(r) = doc.get("request") {
            return r.clone();
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_or_request() {
        let req = json!({"uid": "1", "operation": "CREATE"});
        assert_eq!(
            admission_request(json!({"kind": "AdmissionReview", "request": req.clone()})),
            req
        );
        assert_eq!(admission_request(req.clone()), req);
    }
}
