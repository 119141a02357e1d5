//! # transition-decode
//!
//! The admission request types of `transition-core` and the JSON decoding
//! every rule goes through: the strict parser (duplicate keys refused), the
//! payload's one-pass fast path, and the field readers whose errors name the
//! path. No rule lives here; `transition-core` re-exports all of it
//! (`transition_core::admission`, `transition_core::decode`).
//!
//! Why a crate of its own: decoding JSON is most of a request's guest time,
//! and serde_json's parser is instantiated for our visitor in the crate that
//! defines it. So this crate alone is built for speed (`opt-level = "s"` in
//! the workspace's release profile) while the rules stay built for size
//! (`"z"`), which keeps the policy module within its budget.

pub mod admission;
pub mod decode;
#[doc(hidden)]
pub mod envelope;
