//! The answer to one admission request.

use serde::Serialize;
use serde_json::Value;

/// Identifier of the rule that decided, as used in the catalogs
/// (`V2`, `T3`, `RS6`, ...), or a short tag for input errors (`decode`, `op`).
pub type RuleId = &'static str;

/// What the rules decided for one request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Let the request through unchanged.
    Accept,
    /// Let the request through with `object` in place of the submitted one.
    /// `rules` lists the mutation rules that changed something (e.g. `M2`).
    Mutate { object: Value, rules: Vec<RuleId> },
    /// Refuse the request.
    Reject(Rejection),
}

/// A refusal: which rule refused, and the message the user sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub rule: RuleId,
    pub message: String,
}

impl Verdict {
    /// Shorthand for a rejection by `rule` with `message`.
    pub fn reject(rule: RuleId, message: impl Into<String>) -> Self {
        Verdict::Reject(Rejection {
            rule,
            message: message.into(),
        })
    }

    /// True for [`Verdict::Accept`] and [`Verdict::Mutate`].
    pub fn is_allowed(&self) -> bool {
        !matches!(self, Verdict::Reject(_))
    }

    /// The rejection, if this verdict is one.
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            Verdict::Reject(r) => Some(r),
            _ => None,
        }
    }
}

impl From<Rejection> for Verdict {
    fn from(r: Rejection) -> Self {
        Verdict::Reject(r)
    }
}
