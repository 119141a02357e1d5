//! `kwctl annotate`, reproduced: metadata.yml (+ usage) into the module.

use std::collections::BTreeSet;

use crate::metadata::{keys, ExecutionMode, Metadata, ProtocolVersion};
use crate::wasm;
use crate::PackError;

/// The kwctl release whose `annotate` output this reproduces. kwctl records
/// its own version in the `io.kubewarden.kwctl` annotation; this tool writes
/// the version whose format it follows (override with `--kwctl-version`).
pub const KWCTL_FORMAT_VERSION: &str = "1.36.0";

/// An annotated module and what the annotation found.
#[derive(Debug, Clone)]
pub struct Annotated {
    /// The module with its `io.kubewarden.metadata` section.
    pub module: Vec<u8>,
    /// The metadata as embedded (protocol version and annotations filled in).
    pub metadata: Metadata,
    /// Host capabilities the module's data refers to but the metadata does not declare.
    pub undeclared: BTreeSet<String>,
    /// Host capabilities the metadata declares but the module does not refer to.
    pub unused: BTreeSet<String>,
}

/// The protocol version the module reports from its `protocol_version`
/// waPC operation, run the way kwctl runs it (an engine with WASI).
///
/// Errors: [`PackError::Protocol`] when the module cannot be run or answers
/// something other than a protocol version.
pub fn protocol_version(module: &[u8]) -> Result<ProtocolVersion, PackError> {
    let policy = policy_runner::Policy::from_bytes(module).map_err(|e| PackError::Protocol(e.to_string()))?;
    let answer = policy
        .call_raw("protocol_version", b"")
        .map_err(|e| PackError::Protocol(e.to_string()))?;
    serde_json::from_slice(&answer).map_err(|e| {
        PackError::Protocol(format!(
            "answer {:?} is not a protocol version: {e}",
            String::from_utf8_lossy(&answer)
        ))
    })
}

/// Annotates `module` like `kwctl annotate -m METADATA [-u USAGE]`.
///
/// Expected flow: read metadata.yml with [`Metadata::from_yaml`], then call
/// this with the optimized module and the README as `usage`.
///
/// Guarantees: the embedded JSON is kwctl's — `protocolVersion` from the
/// module itself (waPC policies) or `Unknown` (other modes), the
/// `io.kubewarden.kwctl` annotation set to `kwctl_version` (overriding any
/// value in the file), `io.kubewarden.policy.usage` set to `usage` when
/// given, then validated. The rest of the module is unchanged.
///
/// Errors: [`PackError::Protocol`], [`PackError::Metadata`] (kwctl's
/// validation), [`PackError::Wasm`].
pub fn annotate(
    module: &[u8],
    mut metadata: Metadata,
    usage: Option<&str>,
    kwctl_version: &str,
) -> Result<Annotated, PackError> {
    metadata.protocol_version = Some(match metadata.execution_mode {
        ExecutionMode::KubewardenWapc => protocol_version(module)?,
        _ => ProtocolVersion::Unknown,
    });
    let annotations = metadata.annotations.get_or_insert_with(Default::default);
    annotations.insert(keys::KWCTL.to_string(), kwctl_version.to_string());
    if let Some(usage) = usage {
        annotations.insert(keys::USAGE.to_string(), usage.to_string());
    }
    metadata.validate()?;
    let detected = wasm::detected_host_capabilities(module)?;
    let declared = metadata.host_capabilities.clone().unwrap_or_default();
    let annotated = wasm::embed_metadata(module, &metadata.to_section_json())?;
    Ok(Annotated {
        module: annotated,
        undeclared: detected.difference(&declared).cloned().collect(),
        unused: declared.difference(&detected).cloned().collect(),
        metadata,
    })
}

/// The metadata embedded in `module`, `None` when it is not annotated.
///
/// Errors: [`PackError::Wasm`], or [`PackError::Metadata`] when the section
/// is not Kubewarden metadata.
pub fn read_metadata(module: &[u8]) -> Result<Option<Metadata>, PackError> {
    match wasm::metadata_section(module)? {
        None => Ok(None),
        Some(bytes) => Ok(Some(Metadata::from_section_json(bytes)?)),
    }
}
