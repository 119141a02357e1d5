//! The parts of a Kubernetes AdmissionRequest the rules read.
//!
//! A payload is read in one pass over its bytes when it is well formed
//! (`envelope.rs`); otherwise, and as the reference for that pass, it is
//! decoded by hand from one parsed JSON value so that every error names the
//! field (`request.operation: expected string, got integer`), and the object
//! and old object are moved out rather than copied.
//!
//! The request types and their decoding live in `transition-decode` (built
//! for speed, see its docs); this module re-exports them and adds the payload
//! with the policy's settings.

use serde_json::Value;

pub use transition_decode::admission::*;
use transition_decode::decode::{self, type_name, DecodeError};

use crate::settings::Settings;

/// What the policy receives in `validate`: `{"request": ..., "settings": ...}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationPayload {
    pub request: AdmissionRequest,
    pub settings: Settings,
}

impl ValidationPayload {
    /// Parses the waPC `validate` payload.
    ///
    /// Guarantees: the same answer as [`Self::decode_value`] for any bytes
    /// (tested on every case file, by a proptest and by the fuzz targets);
    /// well-formed payloads take the fast path.
    ///
    /// Errors: malformed JSON, a missing `request`, or invalid settings, each
    /// with a message that names the field.
    pub fn decode(payload: &[u8]) -> Result<Self, DecodeError> {
        match transition_decode::envelope::decode(payload) {
            Some(fast) => Ok(ValidationPayload {
                request: fast.request,
                settings: settings(&fast.settings)?,
            }),
            None => Self::decode_value(payload),
        }
    }

    /// The `Value` path of [`Self::decode`]: the reference its fast path
    /// (`envelope.rs`) is held to, and the one that names every error.
    pub fn decode_value(payload: &[u8]) -> Result<Self, DecodeError> {
        let mut value: Value = decode::from_slice_strict(payload).map_err(|e| DecodeError::Syntax {
            what: "validation payload",
            reason: e.to_string(),
        })?;
        if !value.is_object() {
            return Err(DecodeError::WrongType {
                path: "payload".into(),
                expected: "object",
                found: type_name(&value),
            });
        }
        let request = match take(&mut value, "request") {
            Value::Null => {
                return Err(DecodeError::Missing {
                    path: "request".into(),
                })
            }
            r => AdmissionRequest::from_value(r, "request")?,
        };
        let settings = settings(&take(&mut value, "settings"))?;
        Ok(ValidationPayload { request, settings })
    }
}

fn settings(value: &Value) -> Result<Settings, DecodeError> {
    Settings::from_value(value).map_err(|e| DecodeError::Invalid {
        path: "settings".into(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn payload_errors() {
        assert!(matches!(
            ValidationPayload::decode(b"{not json"),
            Err(DecodeError::Syntax {
                what: "validation payload",
                ..
            })
        ));
        assert_eq!(
            ValidationPayload::decode(b"[]"),
            Err(DecodeError::WrongType {
                path: "payload".into(),
                expected: "object",
                found: "array"
            })
        );
        assert_eq!(
            ValidationPayload::decode(b"{\"settings\": {}}"),
            Err(DecodeError::Missing {
                path: "request".into()
            })
        );
        // a well-formed request (its decoding is tested in transition-decode)
        let request = json!({"operation": "CREATE", "resource": {"resource": "queues"}});
        let p = json!({"request": request, "settings": {"maxQueueDepth": "deep"}});
        assert_eq!(
            ValidationPayload::decode(p.to_string().as_bytes()),
            Err(DecodeError::Invalid {
                path: "settings".into(),
                reason: "maxQueueDepth: expected integer, got string".into()
            })
        );
    }
}
