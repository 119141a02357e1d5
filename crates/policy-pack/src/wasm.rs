//! The module's bytes: the `io.kubewarden.metadata` custom section and the
//! host capabilities the code refers to.
//!
//! kwctl (1.36) parses the module with walrus, appends a custom section named
//! `io.kubewarden.metadata` whose payload is the metadata JSON, and re-emits
//! the module. Here every section is copied through byte for byte (parsed with
//! wasmparser, written with wasm-encoder) and the metadata section is
//! appended last, where walrus puts custom sections; readers (policy-server,
//! kwctl inspect) take the first section of that name.

use std::borrow::Cow;
use std::collections::BTreeSet;

use wasm_encoder::{CustomSection, Module, RawSection};
use wasmparser::{Encoding, Parser, Payload};

use crate::metadata::HOST_CAPABILITIES;

/// Name of the custom section Kubewarden reads its metadata from.
pub const METADATA_SECTION: &str = "io.kubewarden.metadata";

/// Why a module could not be read or rewritten.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WasmError {
    #[error("not a WebAssembly module: {0}")]
    Parse(String),
    #[error("a WebAssembly component, not a core module: Kubewarden's waPC policies are core modules")]
    Component,
}

fn parse_err(e: wasmparser::BinaryReaderError) -> WasmError {
    WasmError::Parse(e.to_string())
}

/// Returns `wasm` with `payload` as its only `io.kubewarden.metadata`
/// section, appended after every other section.
///
/// Guarantees: every other section is kept byte for byte and in order. An
/// existing metadata section is replaced, not duplicated (kwctl would append
/// a second one, and readers would keep seeing the first, stale one).
///
/// Errors: [`WasmError`] when `wasm` is not a valid core module.
pub fn embed_metadata(wasm: &[u8], payload: &[u8]) -> Result<Vec<u8>, WasmError> {
    let mut out = Module::new();
    for item in Parser::new(0).parse_all(wasm) {
        let item = item.map_err(parse_err)?;
        match &item {
            Payload::Version { encoding, .. } if *encoding != Encoding::Module => {
                return Err(WasmError::Component);
            }
            Payload::CustomSection(c) if c.name() == METADATA_SECTION => continue,
            _ => {}
        }
        if let Some((id, range)) = item.as_section() {
            let bytes = usize::try_from(range.start)
                .ok()
                .zip(usize::try_from(range.end).ok())
                .and_then(|(start, end)| wasm.get(start..end))
                .ok_or_else(|| WasmError::Parse(format!("section {id} lies outside the module")))?;
            out.section(&RawSection { id, data: bytes });
        }
    }
    out.section(&CustomSection {
        name: Cow::Borrowed(METADATA_SECTION),
        data: Cow::Borrowed(payload),
    });
    Ok(out.finish())
}

/// The payload of the first `io.kubewarden.metadata` section, as
/// policy-evaluator reads it; `None` for an unannotated module.
///
/// Errors: [`WasmError`] when `wasm` is not a valid module.
pub fn metadata_section(wasm: &[u8]) -> Result<Option<&[u8]>, WasmError> {
    for item in Parser::new(0).parse_all(wasm) {
        if let Payload::CustomSection(c) = item.map_err(parse_err)? {
            if c.name() == METADATA_SECTION {
                return Ok(Some(c.data()));
            }
        }
    }
    Ok(None)
}

/// The host capabilities (`namespace/operation`) the module's data refers
/// to, found the way `kwctl annotate` finds them: the namespace and the
/// operation name both occur in the data segments (joined with 0xFF so no
/// match spans two segments), and an operation that is a prefix of another
/// one counts only where it occurs on its own.
///
/// Errors: [`WasmError`] when `wasm` is not a valid module.
pub fn detected_host_capabilities(wasm: &[u8]) -> Result<BTreeSet<String>, WasmError> {
    let mut data = Vec::new();
    for item in Parser::new(0).parse_all(wasm) {
        if let Payload::DataSection(reader) = item.map_err(parse_err)? {
            for segment in reader {
                data.extend_from_slice(segment.map_err(parse_err)?.data);
                data.push(0xFF);
            }
        }
    }
    let ops: Vec<(&str, &str)> = HOST_CAPABILITIES
        .iter()
        .filter_map(|c| c.split_once('/'))
        .collect();
    let mut found = BTreeSet::new();
    for &(namespace, op) in &ops {
        if find(&data, namespace.as_bytes(), 0).is_none() {
            continue;
        }
        let longer: Vec<&str> = ops
            .iter()
            .map(|&(_, other)| other)
            .filter(|other| *other != op && other.starts_with(op))
            .collect();
        let present = if longer.is_empty() {
            find(&data, op.as_bytes(), 0).is_some()
        } else {
            longer
                .iter()
                .all(|l| standalone(&data, op.as_bytes(), l.as_bytes()))
        };
        if present {
            found.insert(format!("{namespace}/{op}"));
        }
    }
    Ok(found)
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// `needle` occurs somewhere that is not the start of `longer`.
fn standalone(hay: &[u8], needle: &[u8], longer: &[u8]) -> bool {
    let mut from = 0;
    while let Some(at) = find(hay, needle, from) {
        if !hay[at..].starts_with(longer) {
            return true;
        }
        from = at + 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{ConstExpr, DataSection, MemorySection, MemoryType};

    fn module_with_data(strings: &[&str]) -> Vec<u8> {
        let mut m = Module::new();
        let mut mem = MemorySection::new();
        mem.memory(MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        m.section(&mem);
        let mut data = DataSection::new();
        for (i, s) in strings.iter().enumerate() {
            data.active(0, &ConstExpr::i32_const(i as i32 * 64), s.bytes());
        }
        m.section(&data);
        m.section(&CustomSection {
            name: Cow::Borrowed("producers"),
            data: Cow::Borrowed(b"x"),
        });
        m.finish()
    }

    #[test]
    fn embedding_appends_one_section_and_keeps_the_rest_byte_for_byte() {
        let plain = module_with_data(&["hello"]);
        let once = embed_metadata(&plain, b"{\"a\":1}").unwrap();
        assert_eq!(&once[..plain.len()], &plain[..]);
        let mut tail = vec![0u8, 1 + 22 + 7, 22];
        tail.extend_from_slice(METADATA_SECTION.as_bytes());
        tail.extend_from_slice(b"{\"a\":1}");
        assert_eq!(&once[plain.len()..], &tail[..]);
        assert_eq!(metadata_section(&once), Ok(Some(&b"{\"a\":1}"[..])));
        assert_eq!(metadata_section(&plain), Ok(None));
        // re-annotating replaces the section instead of stacking a stale one
        let twice = embed_metadata(&once, b"{\"a\":2}").unwrap();
        assert_eq!(twice.len(), once.len());
        assert_eq!(metadata_section(&twice), Ok(Some(&b"{\"a\":2}"[..])));
        wasmparser::validate(&twice).unwrap();
    }

    #[test]
    fn garbage_and_components_are_refused() {
        assert!(matches!(
            embed_metadata(b"not wasm", b"{}"),
            Err(WasmError::Parse(_))
        ));
        let component = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
        assert_eq!(embed_metadata(&component, b"{}"), Err(WasmError::Component));
    }

    #[test]
    fn capabilities_are_found_like_kwctl_finds_them() {
        let caps = |s: &[&str]| detected_host_capabilities(&module_with_data(s)).unwrap();
        assert_eq!(caps(&["kubewarden", "get_resource"]), BTreeSet::new());
        assert_eq!(
            caps(&["kubernetes", "get_resource", "list_resources_all"]),
            BTreeSet::from([
                "kubernetes/get_resource".into(),
                "kubernetes/list_resources_all".into()
            ])
        );
        assert_eq!(
            caps(&["oci", "v1/verify", "v2/verify"]),
            BTreeSet::from(["oci/v1/verify".into(), "oci/v2/verify".into()])
        );
        // v1/oci_manifest occurs only as the start of v1/oci_manifest_config
        assert_eq!(
            caps(&["oci", "v1/oci_manifest_config"]),
            BTreeSet::from(["oci/v1/oci_manifest_config".into()])
        );
    }
}
