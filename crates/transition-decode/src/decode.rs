//! Reading typed fields out of JSON with errors that name the field.
//!
//! serde's derive reports a wrong type as "invalid type: string, expected u32"
//! without saying where. Admission input comes from users, so every error here
//! carries the dotted path of the offending field.

use serde_json::{Map, Value};

/// Why a JSON document could not be read as the view a rule needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The bytes are not JSON at all.
    #[error("{what} is not valid JSON: {reason}")]
    Syntax { what: &'static str, reason: String },
    /// A field exists but holds the wrong JSON type.
    #[error("{path}: expected {expected}, got {found}")]
    WrongType {
        path: String,
        expected: &'static str,
        found: &'static str,
    },
    /// A required field is absent or null.
    #[error("{path}: required field is missing")]
    Missing { path: String },
    /// A field has the right type but a value the rule cannot use.
    #[error("{path}: {reason}")]
    Invalid { path: String, reason: String },
}

impl DecodeError {
    /// This error, read from a value that lies at `base`: its path (relative
    /// to that value, empty for the value itself) gets `base` in front. Lets a
    /// decoder read a list element with an empty base and format the
    /// element's path only when there is an error.
    #[cold]
    #[inline(never)]
    pub fn under(mut self, base: &str) -> Self {
        let path = match &mut self {
            DecodeError::WrongType { path, .. }
            | DecodeError::Missing { path }
            | DecodeError::Invalid { path, .. } => path,
            DecodeError::Syntax { .. } => return self,
        };
        if !base.is_empty() {
            if !path.is_empty() {
                path.insert(0, '.');
            }
            path.insert_str(0, base);
        }
        self
    }
}

/// Whether `needle` occurs in `haystack`: a byte-window scan for the few
/// short literals the rules look for. (`str::contains` with a `&str` pattern
/// links the two-way searcher, ~2 KB of the policy module, for these.)
pub fn contains(haystack: &str, needle: &str) -> bool {
    needle.is_empty()
        || haystack
            .as_bytes()
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
}

/// `items` joined by `sep`, through the one `[&str]::join` the module
/// already has (a second instance, for `[String]`, costs ~1 KB of wasm).
pub fn join_strings(items: &[String], sep: &str) -> String {
    items.iter().map(String::as_str).collect::<Vec<_>>().join(sep)
}

/// The JSON type name used in error messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}

/// Follows a dotted `path` from `root` (an object). A missing or null step
/// gives `Ok(None)`; a step through a non-object is a [`DecodeError::WrongType`].
/// `base` is the path of `root` itself, used only in error messages.
pub fn lookup<'a>(root: &'a Value, base: &str, path: &str) -> Result<Option<&'a Value>, DecodeError> {
    let mut cur = root;
    // How much of `path` leads to `cur`; the error's path is built from it
    // only when there is an error (this runs for every field a rule reads).
    let mut walked = 0;
    for key in path.split('.') {
        let obj = match cur {
            Value::Object(o) => o,
            Value::Null => return Ok(None),
            other => {
                return Err(DecodeError::WrongType {
                    path: if walked == 0 {
                        base.to_string()
                    } else {
                        join(base, &path[..walked])
                    },
                    expected: "object",
                    found: type_name(other),
                })
            }
        };
        walked = if walked == 0 {
            key.len()
        } else {
            walked + 1 + key.len()
        };
        match obj.get(key) {
            None | Some(Value::Null) => return Ok(None),
            Some(v) => cur = v,
        }
    }
    Ok(Some(cur))
}

/// An optional string field.
pub fn opt_str<'a>(root: &'a Value, base: &str, path: &str) -> Result<Option<&'a str>, DecodeError> {
    match lookup(root, base, path)? {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(wrong(base, path, "string", other)),
    }
}

/// An optional string field, `""` when absent or null.
pub fn string_or_empty(root: &Value, base: &str, path: &str) -> Result<String, DecodeError> {
    Ok(opt_str(root, base, path)?.unwrap_or_default().to_string())
}

/// An optional boolean field.
pub fn opt_bool(root: &Value, base: &str, path: &str) -> Result<Option<bool>, DecodeError> {
    match lookup(root, base, path)? {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(wrong(base, path, "boolean", other)),
    }
}

/// An optional integer field (any JSON integer that fits in i64).
pub fn opt_i64(root: &Value, base: &str, path: &str) -> Result<Option<i64>, DecodeError> {
    match lookup(root, base, path)? {
        None => Ok(None),
        Some(v @ Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| wrong(base, path, "integer", v)),
        Some(other) => Err(wrong(base, path, "integer", other)),
    }
}

/// An optional object field.
pub fn opt_object<'a>(
    root: &'a Value,
    base: &str,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, DecodeError> {
    match lookup(root, base, path)? {
        None => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(other) => Err(wrong(base, path, "object", other)),
    }
}

/// An optional array field.
pub fn opt_array<'a>(root: &'a Value, base: &str, path: &str) -> Result<Option<&'a Vec<Value>>, DecodeError> {
    match lookup(root, base, path)? {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(other) => Err(wrong(base, path, "array", other)),
    }
}

/// An optional map of string to string (labels, annotations, selectors).
pub fn opt_string_map<'a>(
    root: &'a Value,
    base: &str,
    path: &str,
) -> Result<Vec<(&'a str, &'a str)>, DecodeError> {
    let Some(obj) = opt_object(root, base, path)? else {
        return Ok(Vec::new());
    };
    obj.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.as_str(), s.as_str())),
            // the path is formatted only for an error: this runs for every Queue read
            other => Err(DecodeError::WrongType {
                path: format!("{}.{k}", join(base, path)),
                expected: "string",
                found: type_name(other),
            }),
        })
        .collect()
}

/// Whether the string map at `path` holds `key` = `value`, with the errors
/// of [`opt_string_map`] (every value must be a string) and nothing collected.
pub fn string_map_has(
    root: &Value,
    base: &str,
    path: &str,
    key: &str,
    value: &str,
) -> Result<bool, DecodeError> {
    let Some(obj) = opt_object(root, base, path)? else {
        return Ok(false);
    };
    let mut found = false;
    for (k, v) in obj {
        match v {
            Value::String(s) => found |= k == key && s == value,
            other => {
                return Err(DecodeError::WrongType {
                    path: format!("{}.{k}", join(base, path)),
                    expected: "string",
                    found: type_name(other),
                })
            }
        }
    }
    Ok(found)
}

/// A required string field.
pub fn req_str<'a>(root: &'a Value, base: &str, path: &str) -> Result<&'a str, DecodeError> {
    opt_str(root, base, path)?.ok_or_else(|| DecodeError::Missing {
        path: join(base, path),
    })
}

fn wrong(base: &str, path: &str, expected: &'static str, found: &Value) -> DecodeError {
    DecodeError::WrongType {
        path: join(base, path),
        expected,
        found: type_name(found),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn under_puts_the_base_in_front_of_the_path() {
        let missing = |p: &str| DecodeError::Missing { path: p.into() };
        assert_eq!(missing("type").under("o.list[2]"), missing("o.list[2].type"));
        assert_eq!(missing("").under("o.list[2]"), missing("o.list[2]"));
        assert_eq!(missing("type").under(""), missing("type"));
        assert_eq!(
            DecodeError::Invalid {
                path: "a.b".into(),
                reason: "r".into()
            }
            .under("x"),
            DecodeError::Invalid {
                path: "x.a.b".into(),
                reason: "r".into()
            }
        );
        let wrong = DecodeError::WrongType {
            path: "k".into(),
            expected: "string",
            found: "integer",
        };
        assert_eq!(
            wrong.under("m"),
            DecodeError::WrongType {
                path: "m.k".into(),
                expected: "string",
                found: "integer"
            }
        );
        let syntax = DecodeError::Syntax {
            what: "payload",
            reason: "eof".into(),
        };
        assert_eq!(syntax.clone().under("x"), syntax);
    }

    #[test]
    fn string_map_has_answers_as_the_collected_map() {
        let has = |v: Value| string_map_has(&v, "o", "m.a", "k", "true");
        let collected = |v: Value| {
            opt_string_map(&v, "o", "m.a").map(|m| m.iter().any(|(k, v)| *k == "k" && *v == "true"))
        };
        for v in [
            json!({}),
            json!({"m": null}),
            json!({"m": {"a": null}}),
            json!({"m": {"a": {"k": "true"}}}),
            json!({"m": {"a": {"k": "false", "x": "true"}}}),
            json!({"m": {"a": {"j": "true", "k": "true", "z": 1}}}),
            json!({"m": {"a": {"a": [], "k": "true"}}}),
            json!({"m": {"a": "k"}}),
            json!({"m": 3}),
        ] {
            assert_eq!(has(v.clone()), collected(v.clone()), "{v}");
        }
        assert_eq!(
            has(json!({"m": {"a": {"k": "true", "z": 1}}})),
            Err(DecodeError::WrongType {
                path: "o.m.a.z".into(),
                expected: "string",
                found: "integer"
            })
        );
    }

    #[test]
    fn contains_agrees_with_str_contains() {
        for (h, n) in [
            ("example.com/gpu", "kubernetes.io/"),
            ("x.kubernetes.io/gpu", "kubernetes.io/"),
            ("kubernetes.io/", "kubernetes.io/"),
            ("kubernetes.io", "kubernetes.io/"),
            ("", ""),
            ("abc", ""),
            ("", "a"),
            ("Host error: Cannot find v1/Queue named 'q'", " named '"),
            ("ünïcode named '", " named '"),
        ] {
            assert_eq!(contains(h, n), h.contains(n), "{h:?} {n:?}");
        }
    }

    #[test]
    fn missing_steps_are_none_and_wrong_steps_name_the_path() {
        let v = json!({"spec": {"weight": "ten", "parent": null}, "status": 3});
        assert_eq!(opt_str(&v, "object", "spec.parent"), Ok(None));
        assert_eq!(opt_str(&v, "object", "spec.queue"), Ok(None));
        assert_eq!(
            opt_i64(&v, "object", "spec.weight"),
            Err(DecodeError::WrongType {
                path: "object.spec.weight".into(),
                expected: "integer",
                found: "string"
            })
        );
        assert_eq!(
            opt_str(&v, "object", "status.state"),
            Err(DecodeError::WrongType {
                path: "object.status".into(),
                expected: "object",
                found: "integer"
            })
        );
        assert_eq!(
            req_str(&v, "", "metadata.name"),
            Err(DecodeError::Missing {
                path: "metadata.name".into()
            })
        );
    }

    #[test]
    fn string_maps_reject_non_string_values() {
        let v = json!({"metadata": {"labels": {"a": "1", "b": 2}}});
        assert_eq!(
            opt_string_map(&v, "object", "metadata.labels"),
            Err(DecodeError::WrongType {
                path: "object.metadata.labels.b".into(),
                expected: "string",
                found: "integer"
            })
        );
        let v = json!({"metadata": {"labels": {"a": "1"}}});
        assert_eq!(opt_string_map(&v, "", "metadata.labels"), Ok(vec![("a", "1")]));
    }

    #[test]
    fn from_slice_reads_like_serde_json_and_strict_refuses_duplicates() {
        let doc = br#"{"a": [1, -2, 3.5, 2e-3, "x\u00e9", null, true, {}],
            "b": {"k": 1, "k": {"deep": [[]]}}, "a": {"last": "wins"}}"#;
        let serde: Value = serde_json::from_slice(doc).unwrap();
        assert_eq!(from_slice(doc).unwrap(), serde);
        assert_eq!(serde, json!({"b": {"k": {"deep": [[]]}}, "a": {"last": "wins"}}));
        assert_eq!(
            from_slice_strict(doc).unwrap_err().to_string(),
            "duplicate key `k` at line 2 column 29"
        );
        for bad in [&b"{\"a\": 1"[..], b"[1e400]", b"[1,]", b"{} {}", b"\"\\ud800\""] {
            assert_eq!(
                from_slice(bad).unwrap_err().to_string(),
                serde_json::from_slice::<Value>(bad).unwrap_err().to_string()
            );
        }
    }

    #[test]
    fn fractional_number_is_not_an_integer() {
        let v = json!({"w": 1.5});
        assert_eq!(
            opt_i64(&v, "", "w"),
            Err(DecodeError::WrongType {
                path: "w".into(),
                expected: "integer",
                found: "number"
            })
        );
    }
}

/// Parses JSON like `serde_json::from_slice::<Value>`, except that an object
/// with the same key twice is an error naming the key (cut to 64 characters)
/// and its position. Parsers disagree on duplicates (first or last wins);
/// the apiserver never sends them, so the policy refuses rather than guess.
///
/// Errors: anything `serde_json` refuses (including its nesting limit of
/// 128), plus `duplicate key `k``.
pub fn from_slice_strict(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    parse(bytes, strict::Seed::STRICT)
}

/// Parses JSON exactly as `serde_json::from_slice::<Value>` does (of
/// duplicate keys the last wins), through the same visitor as
/// [`from_slice_strict`]: one JSON-to-`Value` parser in the policy module
/// instead of two (serde_json's own is ~2 KB of it). For lookup answers,
/// which come from the apiserver through the host.
pub fn from_slice(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    parse(bytes, strict::Seed::LAST_WINS)
}

fn parse(bytes: &[u8], seed: strict::Seed) -> Result<Value, serde_json::Error> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = seed.deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

pub(crate) mod strict {
    use serde::de::{self, DeserializeSeed};
    use serde_json::Value;

    use crate::envelope::{Node, Read};

    /// Reads any JSON into a `Value`; `last_wins` says what a duplicate
    /// key does: replaces the earlier value, or is an error. The visitor is
    /// [`Node::Json`], shared with the payload's fast path so that the module
    /// holds one instance of serde_json's `deserialize_any`.
    #[derive(Clone, Copy)]
    pub struct Seed {
        last_wins: bool,
    }

    impl Seed {
        pub const STRICT: Seed = Seed { last_wins: false };
        pub const LAST_WINS: Seed = Seed { last_wins: true };
    }

    impl<'de> DeserializeSeed<'de> for Seed {
        type Value = Value;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            let node = Node::Json {
                last_wins: self.last_wins,
            };
            match node.deserialize(d)? {
                Read::Json(v) => Ok(v),
                _ => Err(de::Error::custom("expected any JSON value")),
            }
        }
    }
}
