//! The parts of a Kubernetes AdmissionRequest the rules read.
//!
//! A payload is read in one pass over its bytes when it is well formed
//! (`envelope.rs`); otherwise, and as the reference for that pass, it is
//! decoded by hand from one parsed JSON value so that every error names the
//! field (`request.operation: expected string, got integer`), and the object
//! and old object are moved out rather than copied.

use std::fmt;

use serde_json::Value;

use crate::decode::{self, type_name, DecodeError};

/// The admission operation, as Kubernetes spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
    Connect,
    /// Anything else; rules answer it with their own "invalid operation" text.
    Other(String),
}

impl Operation {
    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "CREATE" => Operation::Create,
            "UPDATE" => Operation::Update,
            "DELETE" => Operation::Delete,
            "CONNECT" => Operation::Connect,
            other => Operation::Other(other.to_string()),
        }
    }

    /// The operation as it appears in the request.
    pub fn as_str(&self) -> &str {
        match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
            Operation::Connect => "CONNECT",
            Operation::Other(s) => s,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `group/version, Resource=resource`, as in `request.resource`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupVersionResource {
    pub group: String,
    pub version: String,
    pub resource: String,
}

impl fmt::Display for GroupVersionResource {
    /// Formats like client-go's `GroupVersionResource.String()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            write!(f, "{}, Resource={}", self.version, self.resource)
        } else {
            write!(f, "{}/{}, Resource={}", self.group, self.version, self.resource)
        }
    }
}

/// `request.kind`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupVersionKind {
    pub group: String,
    pub version: String,
    pub kind: String,
}

/// `request.userInfo`: who is making the request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserInfo {
    pub username: String,
    pub groups: Vec<String>,
}

/// One admission request, reduced to what the rules read.
#[derive(Debug, Clone, PartialEq)]
pub struct AdmissionRequest {
    pub uid: String,
    pub kind: GroupVersionKind,
    pub resource: GroupVersionResource,
    /// `""` for the main resource, `"status"` for the status subresource.
    pub sub_resource: String,
    pub name: String,
    pub namespace: String,
    pub operation: Operation,
    pub user_info: UserInfo,
    /// The submitted object; `Value::Null` on DELETE.
    pub object: Value,
    /// The stored object; `Value::Null` on CREATE.
    pub old_object: Value,
}

impl AdmissionRequest {
    /// Decodes an AdmissionRequest from `value`, taking `object` and
    /// `oldObject` out of it. Also accepts a whole AdmissionReview (a value
    /// with `kind: AdmissionReview` and a `request` field).
    ///
    /// Errors: the first field with a wrong type or a missing required field
    /// (`operation`, `resource`), named by its path under `base`.
    pub fn from_value(mut value: Value, base: &str) -> Result<Self, DecodeError> {
        if value.get("kind").and_then(Value::as_str) == Some("AdmissionReview") {
            let inner = value.get_mut("request").map(Value::take).unwrap_or(Value::Null);
            return Self::from_value(inner, &format!("{base}.request"));
        }
        if !value.is_object() {
            return Err(DecodeError::WrongType {
                path: base.to_string(),
                expected: "object",
                found: type_name(&value),
            });
        }
        let object = take(&mut value, "object");
        let old_object = take(&mut value, "oldObject");
        let s = |path: &str| -> Result<String, DecodeError> {
            Ok(decode::opt_str(&value, base, path)?
                .unwrap_or_default()
                .to_string())
        };
        if decode::lookup(&value, base, "resource")?.is_none() {
            return Err(DecodeError::Missing {
                path: format!("{base}.resource"),
            });
        }
        let groups = match decode::opt_array(&value, base, "userInfo.groups")? {
            None => Vec::new(),
            Some(items) => items
                .iter()
                .enumerate()
                .map(|(i, g)| match g {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(DecodeError::WrongType {
                        path: format!("{base}.userInfo.groups[{i}]"),
                        expected: "string",
                        found: type_name(other),
                    }),
                })
                .collect::<Result<_, _>>()?,
        };
        // One loop rather than ten inlined reads: this path now runs only
        // for payloads the fast path gave up on, and the module is tight.
        // Fields are read in this order, so the first bad one is named.
        let mut strs: [String; 10] = Default::default();
        for (slot, path) in strs.iter_mut().zip([
            "uid",
            "kind.group",
            "kind.version",
            "kind.kind",
            "resource.group",
            "resource.version",
            "resource.resource",
            "subResource",
            "name",
            "namespace",
        ]) {
            *slot = s(path)?;
        }
        let operation = Operation::parse(decode::req_str(&value, base, "operation")?);
        let username = s("userInfo.username")?;
        let [uid, kind_group, kind_version, kind, group, version, resource, sub_resource, name, namespace] =
            strs;
        Ok(AdmissionRequest {
            uid,
            kind: GroupVersionKind {
                group: kind_group,
                version: kind_version,
                kind,
            },
            resource: GroupVersionResource {
                group,
                version,
                resource,
            },
            sub_resource,
            name,
            namespace,
            operation,
            user_info: UserInfo { username, groups },
            object,
            old_object,
        })
    }

    /// True when the request targets the status subresource.
    pub fn is_status(&self) -> bool {
        self.sub_resource == "status"
    }
}

/// Moves the value of `key` out of `value` (null when absent).
#[doc(hidden)]
pub fn take(value: &mut Value, key: &str) -> Value {
    value.get_mut(key).map(Value::take).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn queue_request() -> Value {
        json!({
            "uid": "1",
            "kind": {"group": "scheduling.volcano.sh", "version": "v1beta1", "kind": "Queue"},
            "resource": {"group": "scheduling.volcano.sh", "version": "v1beta1", "resource": "queues"},
            "name": "q1",
            "operation": "CREATE",
            "userInfo": {"username": "alice", "groups": ["dev"]},
            "object": {"metadata": {"name": "q1"}}
        })
    }

    #[test]
    fn decodes_request_and_review() {
        let r = AdmissionRequest::from_value(queue_request(), "request").unwrap();
        assert_eq!(r.operation, Operation::Create);
        assert_eq!(
            r.resource.to_string(),
            "scheduling.volcano.sh/v1beta1, Resource=queues"
        );
        assert_eq!(r.user_info.groups, vec!["dev".to_string()]);
        assert_eq!(r.object, json!({"metadata": {"name": "q1"}}));
        assert_eq!(r.old_object, Value::Null);
        let review = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": queue_request()});
        assert_eq!(AdmissionRequest::from_value(review, "request").unwrap(), r);
    }

    #[test]
    fn errors_name_the_field() {
        let mut v = queue_request();
        v["operation"] = json!(7);
        assert_eq!(
            AdmissionRequest::from_value(v, "request"),
            Err(DecodeError::WrongType {
                path: "request.operation".into(),
                expected: "string",
                found: "integer"
            })
        );
        let mut v = queue_request();
        v.as_object_mut().unwrap().remove("resource");
        assert_eq!(
            AdmissionRequest::from_value(v, "request"),
            Err(DecodeError::Missing {
                path: "request.resource".into()
            })
        );
        let mut v = queue_request();
        v["userInfo"]["groups"] = json!(["a", 1]);
        assert_eq!(
            AdmissionRequest::from_value(v, "request"),
            Err(DecodeError::WrongType {
                path: "request.userInfo.groups[1]".into(),
                expected: "string",
                found: "integer"
            })
        );
    }
}
