//! # playground
//!
//! transition-guard's rules in a browser: [`transition_core`] compiled for
//! `wasm32-unknown-unknown` with `wasm-bindgen`, behind a JSON API that the
//! static page in `playground/` calls.
//!
//! Expected flow: the page reads its text boxes with [`parse_documents`],
//! builds one JSON input and calls [`evaluate`] (or [`evaluate_volcano`],
//! [`evaluate_kuberay`]) for a request, [`plan_switchover`] for a
//! RayService's switchover plan; it shows the `result`, or the `error`.
//!
//! Guarantees: every export takes and returns a JSON string. The answer is
//! always `{"ok": true, "result": ...}` or `{"ok": false, "error": {"kind":
//! ..., "message": ...}}`: errors are values, never JavaScript exceptions.
//! Verdicts and plans are the core's; the functions in [`api`] only build
//! the core's inputs and shape its answers.
//!
//! Errors: see [`api::PlaygroundError`].

pub mod api;

use wasm_bindgen::prelude::wasm_bindgen;

use api::Domain;

fn evaluate_in(input: &str, domain: Domain) -> String {
    api::envelope(api::parse_input(input).and_then(|v| api::evaluate(&v, domain)))
}

/// Evaluates any request the policy routes. Input: see [`api::evaluate`].
#[wasm_bindgen]
pub fn evaluate(input: &str) -> String {
    evaluate_in(input, Domain::Any)
}

/// Evaluates a Volcano Queue, PodGroup or vcjob request; a request of
/// another group is an error value.
#[wasm_bindgen(js_name = evaluateVolcano)]
pub fn evaluate_volcano(input: &str) -> String {
    evaluate_in(input, Domain::Volcano)
}

/// Evaluates a KubeRay RayService or core Service request; a request of
/// another group is an error value.
#[wasm_bindgen(js_name = evaluateKuberay)]
pub fn evaluate_kuberay(input: &str) -> String {
    evaluate_in(input, Domain::KubeRay)
}

/// Diagnoses a RayService and plans its switchover and repair from a set of
/// objects. Input: see [`api::plan`].
#[wasm_bindgen(js_name = planSwitchover)]
pub fn plan_switchover(input: &str) -> String {
    api::envelope(api::parse_input(input).and_then(|v| api::plan(&v)))
}

/// Reads the JSON or (multi-document) YAML of one text box; `what` names the
/// box in errors. Result: the list of documents.
#[wasm_bindgen(js_name = parseDocuments)]
pub fn parse_documents(text: &str, what: &str) -> String {
    api::envelope(api::parse_documents(text, what))
}

/// Renders a JSON value (given as JSON text) as YAML. Result: the text.
#[wasm_bindgen(js_name = toYaml)]
pub fn to_yaml(json: &str) -> String {
    api::envelope(api::parse_input(json).and_then(|v| api::to_yaml(&v)))
}

/// The crate version, to show which build the page runs.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
