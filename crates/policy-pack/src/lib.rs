//! # policy-pack
//!
//! Ships transition-guard the Kubewarden way, without kwctl on the machine:
//!
//! - [`annotate`]: embed `policy-metadata/metadata.yml` (and the README as
//!   usage) in the module, in the custom section and with the JSON that
//!   `kwctl annotate` writes;
//! - [`artifacthub`] and [`manifest`]: `kwctl scaffold artifacthub` and
//!   `kwctl scaffold manifest -t ClusterAdmissionPolicy`;
//! - [`oci`]: push and pull with Kubewarden's media types (oci-client);
//! - [`sessions`]: `kwctl run` inputs, with replayed host calls, for the
//!   bundled cases.
//!
//! The formats were read from kwctl 1.36's source (policy-evaluator's
//! `Metadata` and `ArtifactHubPkg`, kwctl's `annotate`, `push` and
//! `scaffold`); the CLI is `policy-pack` (see `--help`).

pub mod annotate;
pub mod artifacthub;
pub mod manifest;
pub mod metadata;
pub mod oci;
pub mod sessions;
pub mod wasm;

pub use metadata::{Metadata, MetadataError};
pub use wasm::{WasmError, METADATA_SECTION};

/// Every way packaging can fail; each names what it was doing.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    #[error(transparent)]
    Wasm(#[from] WasmError),
    #[error("cannot read the module's protocol version: {0}")]
    Protocol(String),
    #[error(
        "host capabilities differ from the metadata: used but not declared {undeclared:?}, declared but not used {unused:?}"
    )]
    Capabilities {
        undeclared: Vec<String>,
        unused: Vec<String>,
    },
    #[error("artifacthub: {0}")]
    ArtifactHub(String),
    #[error("manifest: {0}")]
    Manifest(String),
    #[error("oci: {0}")]
    Oci(String),
    #[error("e2e case {0}")]
    Session(String),
}

/// Reads a file, naming it in the error.
pub fn read(path: &std::path::Path) -> Result<Vec<u8>, PackError> {
    std::fs::read(path).map_err(|source| PackError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Writes a file (creating its directory), naming it in the error.
pub fn write(path: &std::path::Path, bytes: &[u8]) -> Result<(), PackError> {
    let io = |source| PackError::Io {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    std::fs::write(path, bytes).map_err(io)
}
