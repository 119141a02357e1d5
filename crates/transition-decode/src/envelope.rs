//! The fast path of `transition_core::ValidationPayload::decode`:
//! one pass over the payload bytes straight into [`AdmissionRequest`]'s
//! fields. Only `object`, `oldObject` and `settings` become `Value`s (the
//! rules walk them); the envelope around them (uid, kind, resource, userInfo,
//! ...) is read without a map per object and a `String` per key.
//!
//! Guarantees: [`decode`] gives either exactly what the `Value` decoder gives
//! for the same bytes, or `None`, and the caller then runs the `Value`
//! decoder, which names the error. It gives up on anything unusual: a wrong
//! type, a duplicate key, a missing or null `request`, `resource` or
//! `operation`, a wrapped AdmissionReview. Keys it does not read are still
//! parsed by the strict parser, so a duplicate key anywhere gives up here
//! and is refused there, as before.
//!
//! One visitor ([`Node`]) reads every shape, through `deserialize_any`
//! only: serde's typed entry points (`deserialize_map`, `Option<String>`,
//! ...) format their type errors with serde's `Unexpected`, whose float
//! printing alone is ~18 KB of the policy module. The same visitor is the
//! policy's JSON-to-`Value` parser ([`Node::Json`], behind
//! [`crate::decode::from_slice_strict`] and [`crate::decode::from_slice`]):
//! one instance of serde_json's `deserialize_any` for both.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};

use crate::admission::{AdmissionRequest, GroupVersionKind, GroupVersionResource, Operation, UserInfo};
use crate::decode::strict;

/// A payload read by the fast path: the request, and the settings still as
/// JSON (the caller checks them with the same code as the `Value` path).
pub struct Envelope {
    pub request: AdmissionRequest,
    pub settings: Value,
}

/// Reads `payload`, or gives up (see the module docs).
pub fn decode(payload: &[u8]) -> Option<Envelope> {
    let mut de = serde_json::Deserializer::from_slice(payload);
    let read = Node::Payload.deserialize(&mut de).ok()?;
    de.end().ok()?;
    match read {
        Read::Payload(envelope) => Some(*envelope),
        _ => None,
    }
}

/// Why the fast path gave up; never shown (the `Value` path names the error).
fn give_up<E: de::Error>() -> E {
    E::custom("fast path: unusual input")
}

/// The shape expected at one place in the payload.
#[derive(Clone, Copy)]
pub(crate) enum Node {
    /// Any JSON, into a `Value`; of duplicate keys the last wins, or they
    /// are an error (`duplicate key `k``).
    Json {
        last_wins: bool,
    },
    Payload,
    Request,
    /// `request.kind` or `request.resource`: an object of three optional
    /// strings (these keys), or null.
    Triple(&'static [&'static str; 3]),
    /// `request.userInfo`, or null.
    UserInfo,
    /// A string, or null.
    Str,
    /// An array of strings (`userInfo.groups`), or null.
    Strings,
}

/// What a [`Node`] read.
pub(crate) enum Read {
    Payload(Box<Envelope>),
    Request(Box<AdmissionRequest>),
    Triple(Box<[String; 3]>),
    UserInfo(Box<UserInfo>),
    Str(String),
    Strings(Vec<String>),
    /// Any JSON, by the strict parser (`object`, `oldObject`, `settings`).
    Json(Value),
    Null,
}

const GVK: &[&str; 3] = &["group", "version", "kind"];
const GVR: &[&str; 3] = &["group", "version", "resource"];
const REQUEST_KEYS: &[&str] = &[
    "uid",
    "kind",
    "resource",
    "subResource",
    "name",
    "namespace",
    "operation",
    "userInfo",
    "object",
    "oldObject",
];

impl Node {
    /// The keys read at this node; others are parsed strictly and dropped.
    fn keys(self) -> &'static [&'static str] {
        match self {
            Node::Payload => &["request", "settings"],
            Node::Request => REQUEST_KEYS,
            Node::Triple(keys) => keys,
            Node::UserInfo => &["username", "groups"],
            Node::Json { .. } | Node::Str | Node::Strings => &[],
        }
    }
}

impl<'de> DeserializeSeed<'de> for Node {
    type Value = Read;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Read, D::Error> {
        d.deserialize_any(self)
    }
}

/// Keys not read, per object, beyond which the fast path gives up (an
/// AdmissionRequest has seven: requestKind, requestResource, dryRun, ...).
pub const MAX_OTHER_KEYS: usize = 32;

/// A map key: its index in a list of known names, or the key itself.
struct Key(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Result<usize, String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Result<usize, String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|k| *k == s).ok_or_else(|| s.to_owned()))
    }
}

impl Node {
    /// A boolean or a number: a `Value` for [`Node::Json`], else gives up.
    fn scalar<E: de::Error>(self, v: Value) -> Result<Read, E> {
        match self {
            Node::Json { .. } => Ok(Read::Json(v)),
            _ => Err(give_up()),
        }
    }
}

/// The `Value` a [`Node::Json`] read.
fn json<E: de::Error>(read: Read) -> Result<Value, E> {
    match read {
        Read::Json(v) => Ok(v),
        _ => Err(give_up()),
    }
}

impl<'de> Visitor<'de> for Node {
    type Value = Read;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an admission payload")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Read, E> {
        match self {
            Node::Json { .. } => Ok(Read::Json(Value::Null)),
            Node::Payload | Node::Request => Err(give_up()),
            _ => Ok(Read::Null),
        }
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Read, E> {
        match self {
            Node::Json { .. } => Ok(Read::Json(Value::String(s.to_owned()))),
            Node::Str => Ok(Read::Str(s.to_owned())),
            _ => Err(give_up()),
        }
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Read, E> {
        self.scalar(Value::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Read, E> {
        self.scalar(Value::Number(n.into()))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Read, E> {
        self.scalar(Value::Number(n.into()))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Read, E> {
        self.scalar(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Read, A::Error> {
        match self {
            Node::Json { .. } => {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(item) = seq.next_element_seed(self)? {
                    items.push(json(item)?);
                }
                Ok(Read::Json(Value::Array(items)))
            }
            Node::Strings => {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element_seed(Node::Str)? {
                    match item {
                        Read::Str(s) => out.push(s),
                        _ => return Err(give_up()),
                    }
                }
                Ok(Read::Strings(out))
            }
            _ => Err(give_up()),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Read, A::Error> {
        if let Node::Json { last_wins } = self {
            let mut out = Map::new();
            while let Some(key) = map.next_key::<String>()? {
                // One search per key: the entry says whether it was there.
                match out.entry(key) {
                    Entry::Vacant(slot) => {
                        slot.insert(json(map.next_value_seed(self)?)?);
                    }
                    Entry::Occupied(mut slot) if last_wins => {
                        slot.insert(json(map.next_value_seed(self)?)?);
                    }
                    Entry::Occupied(slot) => {
                        let shown: String = slot.key().chars().take(64).collect();
                        return Err(de::Error::custom(format_args!("duplicate key `{shown}`")));
                    }
                }
            }
            return Ok(Read::Json(Value::Object(out)));
        }
        let mut fields = Fields::new(self);
        let mut seen = 0u32;
        // Keys not read: parsed and dropped, but still refused twice.
        let mut others: Vec<String> = Vec::new();
        while let Some(key) = map.next_key_seed(Key(self.keys()))? {
            let i = match key {
                Ok(i) => i,
                Err(other) => {
                    // A linear search, so only for the few keys an
                    // AdmissionRequest has; more goes to the `Value` path.
                    if others.len() >= MAX_OTHER_KEYS || others.contains(&other) {
                        return Err(give_up());
                    }
                    others.push(other);
                    map.next_value_seed(strict::Seed::STRICT)?;
                    continue;
                }
            };
            if seen & (1 << i) != 0 {
                return Err(give_up());
            }
            seen |= 1 << i;
            // One read per key, by the shape the key holds.
            let read = match fields.shape(i) {
                Some(node) => map.next_value_seed(node)?,
                None => Read::Json(map.next_value_seed(strict::Seed::STRICT)?),
            };
            fields.set(i, read).ok_or_else(give_up)?;
        }
        fields.finish().ok_or_else(give_up)
    }
}

/// The fields of the object being read, filled key by key.
enum Fields {
    Payload {
        request: Option<Box<AdmissionRequest>>,
        settings: Value,
    },
    Request {
        r: Box<AdmissionRequest>,
        operation: Option<String>,
        resource: Option<[String; 3]>,
    },
    Triple([String; 3]),
    UserInfo(UserInfo),
    /// Not an object shape: gives up.
    None,
}

impl Fields {
    fn new(node: Node) -> Self {
        match node {
            Node::Payload => Fields::Payload {
                request: None,
                settings: Value::Null,
            },
            Node::Request => Fields::Request {
                r: Box::new(AdmissionRequest {
                    uid: String::new(),
                    kind: GroupVersionKind::default(),
                    resource: GroupVersionResource::default(),
                    sub_resource: String::new(),
                    name: String::new(),
                    namespace: String::new(),
                    operation: Operation::Connect,
                    user_info: UserInfo::default(),
                    object: Value::Null,
                    old_object: Value::Null,
                }),
                operation: None,
                resource: None,
            },
            Node::Triple(_) => Fields::Triple(Default::default()),
            Node::UserInfo => Fields::UserInfo(UserInfo::default()),
            Node::Json { .. } | Node::Str | Node::Strings => Fields::None,
        }
    }

    /// The shape of known key `i` (an index into [`Node::keys`]); `None`:
    /// any JSON, read by the strict parser.
    fn shape(&self, i: usize) -> Option<Node> {
        match self {
            Fields::Payload { .. } => (i == 0).then_some(Node::Request),
            Fields::Request { .. } => match i {
                1 => Some(Node::Triple(GVK)),
                2 => Some(Node::Triple(GVR)),
                7 => Some(Node::UserInfo),
                8 | 9 => None,
                _ => Some(Node::Str),
            },
            Fields::Triple(_) => Some(Node::Str),
            Fields::UserInfo(_) => Some(if i == 0 { Node::Str } else { Node::Strings }),
            Fields::None => Some(Node::Str),
        }
    }

    /// Stores what known key `i` held; `None` gives up.
    fn set(&mut self, i: usize, read: Read) -> Option<()> {
        match (self, read) {
            (Fields::Payload { request, .. }, Read::Request(r)) => *request = Some(r),
            (Fields::Payload { settings, .. }, Read::Json(v)) => *settings = v,
            (Fields::Request { r, .. }, Read::Json(v)) => {
                if i == 8 {
                    r.object = v
                } else {
                    r.old_object = v
                }
            }
            (Fields::Request { r, .. }, Read::Triple(t)) if i == 1 => {
                let [group, version, kind] = *t;
                r.kind = GroupVersionKind { group, version, kind }
            }
            // a null resource counts as missing, as in the `Value` path
            (Fields::Request { resource, .. }, Read::Triple(t)) => *resource = Some(*t),
            (Fields::Request { resource, .. }, Read::Null) if i == 2 => *resource = None,
            (Fields::Request { r, .. }, Read::UserInfo(u)) => r.user_info = *u,
            (Fields::Request { operation, .. }, Read::Str(s)) if i == 6 => *operation = Some(s),
            (Fields::Request { operation, .. }, Read::Null) if i == 6 => *operation = None,
            (Fields::Request { .. }, Read::Null) => {}
            (Fields::Request { r, .. }, Read::Str(s)) => match i {
                0 => r.uid = s,
                3 => r.sub_resource = s,
                4 => r.name = s,
                _ => r.namespace = s,
            },
            (Fields::Triple(out), Read::Str(s)) => out[i] = s,
            (Fields::Triple(out), Read::Null) => out[i] = String::new(),
            (Fields::UserInfo(u), Read::Str(s)) => u.username = s,
            (Fields::UserInfo(u), Read::Strings(g)) => u.groups = g,
            (Fields::UserInfo(u), Read::Null) => {
                if i == 0 {
                    u.username = String::new()
                } else {
                    u.groups = Vec::new()
                }
            }
            _ => return None,
        }
        Some(())
    }

    fn finish(self) -> Option<Read> {
        Some(match self {
            Fields::Payload { request, settings } => Read::Payload(Box::new(Envelope {
                request: *request?,
                settings,
            })),
            Fields::Request {
                mut r,
                operation,
                resource,
            } => {
                // Both required, as in the `Value` path (which names them).
                let [group, version, resource] = resource?;
                r.resource = GroupVersionResource {
                    group,
                    version,
                    resource,
                };
                r.operation = Operation::parse(&operation?);
                Read::Request(r)
            }
            Fields::Triple(t) => Read::Triple(Box::new(t)),
            Fields::UserInfo(u) => Read::UserInfo(Box::new(u)),
            Fields::None => return None,
        })
    }
}
