//! OCI push and pull of the annotated module, the way `kwctl push`/`pull` do.
//!
//! One layer `application/vnd.wasm.content.layer.v1+wasm` holding the module,
//! config `application/vnd.wasm.config.v1+json` with body `{}`, and the
//! metadata's single-line annotations (trimmed) on the manifest, plus
//! `org.opencontainers.image.source` copied from `io.kubewarden.policy.source`.

use std::collections::BTreeMap;
use std::str::FromStr;

use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::manifest::{OciImageManifest, WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use sha2::{Digest, Sha256};

use crate::metadata::{keys, Metadata};
use crate::PackError;

/// How to reach the registry.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    /// Plain HTTP (a local registry); HTTPS otherwise.
    pub insecure_http: bool,
    /// Basic credentials; anonymous when `None`.
    pub basic_auth: Option<(String, String)>,
}

/// What a push produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// The pullable manifest URL the registry returned.
    pub manifest_url: String,
    /// `sha256:…` of the module (the layer digest).
    pub layer_digest: String,
}

/// What a pull brought back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    /// The module bytes.
    pub module: Vec<u8>,
    /// `sha256:…` of the manifest.
    pub manifest_digest: String,
    /// `sha256:…` the manifest names for the layer (checked against the bytes).
    pub layer_digest: String,
    /// The manifest's annotations.
    pub annotations: BTreeMap<String, String>,
    /// Media types the manifest gives the layer and the config.
    pub layer_media_type: String,
    pub config_media_type: String,
}

/// `registry://host/repo:tag` or `host/repo:tag`.
pub fn reference(uri: &str) -> Result<Reference, PackError> {
    let bare = uri.strip_prefix("registry://").unwrap_or(uri);
    Reference::from_str(bare).map_err(|e| PackError::Oci(format!("`{uri}` is not an OCI reference: {e}")))
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The manifest annotations kwctl derives from the metadata annotations:
/// multi-line values dropped, the rest trimmed, and the OCI source
/// annotation added from `io.kubewarden.policy.source` unless already set.
pub fn oci_annotations(metadata_annotations: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = metadata_annotations
        .iter()
        .filter(|(_, v)| v.lines().count() <= 1)
        .map(|(k, v)| (k.clone(), v.trim().to_string()))
        .collect();
    if let Some(source) = out.get(keys::SOURCE).cloned() {
        out.entry(oci_client::annotations::ORG_OPENCONTAINERS_IMAGE_SOURCE.to_string())
            .or_insert(source);
    }
    out
}

impl Registry {
    fn client(&self) -> Client {
        // reqwest is built without a bundled TLS provider; use ring's. An
        // error only means a provider is already installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Client::new(ClientConfig {
            protocol: if self.insecure_http {
                ClientProtocol::Http
            } else {
                ClientProtocol::Https
            },
            ..Default::default()
        })
    }

    fn auth(&self) -> RegistryAuth {
        match &self.basic_auth {
            Some((user, password)) => RegistryAuth::Basic(user.clone(), password.clone()),
            None => RegistryAuth::Anonymous,
        }
    }

    /// Pushes an annotated module to `uri`.
    ///
    /// Errors: [`PackError::Oci`] when the module is not annotated (kwctl
    /// refuses those too) or the registry refuses the push.
    pub async fn push(&self, module: &[u8], uri: &str) -> Result<Pushed, PackError> {
        let metadata: Metadata = crate::annotate::read_metadata(module)?.ok_or_else(|| {
            PackError::Oci(
                "cannot push a module that is not annotated: run `policy-pack annotate` first".into(),
            )
        })?;
        let reference = reference(uri)?;
        let layers = vec![ImageLayer::new(
            module.to_vec(),
            WASM_LAYER_MEDIA_TYPE.to_string(),
            None,
        )];
        let config = Config::new(b"{}".to_vec(), WASM_CONFIG_MEDIA_TYPE.to_string(), None);
        let annotations = metadata.annotations.as_ref().map(oci_annotations);
        let manifest = OciImageManifest::build(&layers, &config, annotations);
        let response = self
            .client()
            .push(&reference, &layers, config, &self.auth(), Some(manifest))
            .await
            .map_err(|e| PackError::Oci(format!("push to {reference} failed: {e}")))?;
        Ok(Pushed {
            manifest_url: response.manifest_url,
            layer_digest: sha256_digest(module),
        })
    }

    /// Pulls the module at `uri`.
    ///
    /// Errors: [`PackError::Oci`] when the registry refuses, the artifact is
    /// not a single wasm layer, or the bytes do not match the layer digest.
    pub async fn pull(&self, uri: &str) -> Result<Pulled, PackError> {
        let reference = reference(uri)?;
        let image = self
            .client()
            .pull(&reference, &self.auth(), vec![WASM_LAYER_MEDIA_TYPE])
            .await
            .map_err(|e| PackError::Oci(format!("pull of {reference} failed: {e}")))?;
        let manifest = image
            .manifest
            .ok_or_else(|| PackError::Oci(format!("{reference}: the registry sent no manifest")))?;
        let [layer] = image.layers.as_slice() else {
            return Err(PackError::Oci(format!(
                "{reference}: expected one wasm layer, got {}",
                image.layers.len()
            )));
        };
        let descriptor = manifest
            .layers
            .first()
            .ok_or_else(|| PackError::Oci(format!("{reference}: the manifest lists no layer")))?;
        let actual = sha256_digest(&layer.data);
        if actual != descriptor.digest {
            return Err(PackError::Oci(format!(
                "{reference}: layer digest mismatch: manifest says {}, bytes are {actual}",
                descriptor.digest
            )));
        }
        Ok(Pulled {
            module: layer.data.to_vec(),
            manifest_digest: image.digest.unwrap_or_default(),
            layer_digest: descriptor.digest.clone(),
            layer_media_type: descriptor.media_type.clone(),
            config_media_type: manifest.config.media_type.clone(),
            annotations: manifest.annotations.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_annotations_drop_multiline_values_and_add_the_oci_source() {
        let meta = BTreeMap::from([
            (keys::SOURCE.to_string(), "https://github.com/a/b".to_string()),
            (keys::USAGE.to_string(), "# Title\n\ntext".to_string()),
            (keys::DESCRIPTION.to_string(), " padded \n".to_string()),
        ]);
        assert_eq!(
            oci_annotations(&meta),
            BTreeMap::from([
                (keys::DESCRIPTION.to_string(), "padded".to_string()),
                (keys::SOURCE.to_string(), "https://github.com/a/b".to_string()),
                (
                    "org.opencontainers.image.source".to_string(),
                    "https://github.com/a/b".to_string()
                ),
            ])
        );
    }

    #[test]
    fn references_accept_the_registry_scheme() {
        assert_eq!(
            reference("registry://127.0.0.1:5000/policies/tg:v1")
                .unwrap()
                .whole(),
            "127.0.0.1:5000/policies/tg:v1"
        );
        assert!(matches!(
            reference("registry://host/Upper:tag"),
            Err(PackError::Oci(_))
        ));
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
