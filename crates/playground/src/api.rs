//! The playground's API as plain functions: JSON values in, typed results
//! out. The `#[wasm_bindgen]` exports in the crate root only wrap these in a
//! JSON envelope, so everything here runs (and is tested) natively too.
//!
//! Nothing here decides a rule: requests go to [`transition_core::evaluate`]
//! and plans to [`transition_core::kuberay::plan`]; this module only builds
//! their inputs from what a user pastes and shapes their answers for a page.

use serde::Serialize;
use serde_json::{Map, Value};
use transition_core::cluster::{Call, ObjectStore};
use transition_core::kuberay::plan::{self as kplan, Observed, RepairDecision, SwitchoverPlan};
use transition_core::kuberay::RAY_GROUP;
use transition_core::volcano::{BATCH_GROUP, SCHEDULING_GROUP};
use transition_core::{AdmissionRequest, Settings, Verdict};

/// Why the playground could not run what it was given. Every variant names
/// the input at fault; none is a verdict (verdicts come from the core, and a
/// request the policy would refuse to decode is a `decode` verdict, as there).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaygroundError {
    /// Text that does not parse: `format` is what was expected
    /// (`JSON`, or `JSON or YAML` for a text box).
    #[error("{input}: not valid {format}: {reason}")]
    Syntax {
        input: String,
        format: &'static str,
        reason: String,
    },
    /// A value of the wrong shape where the playground needs a given one.
    #[error("{path}: expected {expected}, got {found}")]
    Shape {
        path: String,
        expected: String,
        found: String,
    },
    /// Settings the policy's `validate_settings` refuses: policy-server
    /// would not load the policy with them, so no request is evaluated.
    #[error("settings refused (policy-server would not load the policy with them): {0}")]
    Settings(String),
    /// A request sent to the evaluator of the other domain.
    #[error("{function} takes {expected} requests; this one is for {found}")]
    Domain {
        function: &'static str,
        expected: &'static str,
        found: String,
    },
    /// An object the switchover planner could not read.
    #[error("{0}")]
    Object(String),
}

impl PlaygroundError {
    /// A short tag for the page (`syntax`, `shape`, `settings`, `domain`, `object`).
    pub fn kind(&self) -> &'static str {
        match self {
            PlaygroundError::Syntax { .. } => "syntax",
            PlaygroundError::Shape { .. } => "shape",
            PlaygroundError::Settings(_) => "settings",
            PlaygroundError::Domain { .. } => "domain",
            PlaygroundError::Object(_) => "object",
        }
    }
}

fn shape(path: impl Into<String>, expected: impl Into<String>, found: &Value) -> PlaygroundError {
    PlaygroundError::Shape {
        path: path.into(),
        expected: expected.into(),
        found: transition_core::decode::type_name(found).to_string(),
    }
}

/// Wraps a result for JavaScript: `{"ok": true, "result": ...}` or
/// `{"ok": false, "error": {"kind": ..., "message": ...}}`.
///
/// Guarantees: always valid JSON, never a panic.
pub fn envelope<T: Serialize>(result: Result<T, PlaygroundError>) -> String {
    let value = match result {
        Ok(r) => match serde_json::to_value(r) {
            Ok(v) => serde_json::json!({"ok": true, "result": v}),
            Err(e) => {
                serde_json::json!({"ok": false, "error": {"kind": "internal", "message": e.to_string()}})
            }
        },
        Err(e) => serde_json::json!({"ok": false, "error": {"kind": e.kind(), "message": e.to_string()}}),
    };
    value.to_string()
}

/// Parses an input string handed over by JavaScript.
pub fn parse_input(input: &str) -> Result<Value, PlaygroundError> {
    serde_json::from_str(input).map_err(|e| PlaygroundError::Syntax {
        input: "input".into(),
        format: "JSON",
        reason: e.to_string(),
    })
}

// ---------------------------------------------------------------- documents

/// Reads the text of one text box: JSON, or YAML with any number of
/// `---`-separated documents. Empty documents are dropped.
///
/// Errors: [`PlaygroundError::Syntax`] naming `what`. Text that starts like
/// JSON (`{`, `[`) and is not YAML either gets the JSON parser's error.
pub fn parse_documents(text: &str, what: &str) -> Result<Vec<Value>, PlaygroundError> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    let json_err = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        match serde_json::from_str::<Value>(text) {
            Ok(v) => return Ok(vec![v]),
            Err(e) => Some(e),
        }
    } else {
        None
    };
    let mut docs = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        match serde::Deserialize::deserialize(doc) {
            Ok(Value::Null) => {}
            Ok(v) => docs.push(v),
            Err(e) => {
                let reason = match &json_err {
                    Some(j) => j.to_string(),
                    None => e.to_string(),
                };
                return Err(PlaygroundError::Syntax {
                    input: what.to_string(),
                    format: "JSON or YAML",
                    reason,
                });
            }
        }
    }
    Ok(docs)
}

/// One value as YAML text (for showing objects in the page).
pub fn to_yaml(value: &Value) -> Result<String, PlaygroundError> {
    serde_yaml::to_string(value).map_err(|e| PlaygroundError::Syntax {
        input: "value".into(),
        format: "YAML",
        reason: e.to_string(),
    })
}

/// The Kubernetes objects of a context or object box: a list of objects,
/// `{"resources": [...]}` (a case file's `context`), or a `kind: List` /
/// `*List` with `items`. `null` is no objects.
///
/// Errors: anything else, or an item without string `apiVersion`, `kind`
/// and `metadata.name` (the lookups could never find it), named by path.
pub fn objects(value: &Value, path: &str) -> Result<Vec<Value>, PlaygroundError> {
    let (items, base) = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => (items, path.to_string()),
        Value::Object(o) => match (o.get("resources"), o.get("items")) {
            (Some(Value::Array(items)), _) => (items, format!("{path}.resources")),
            (None, Some(Value::Array(items))) => (items, format!("{path}.items")),
            _ => {
                return Err(shape(
                    path,
                    "a list of Kubernetes objects, {\"resources\": [...]} or a List with items",
                    value,
                ))
            }
        },
        other => return Err(shape(path, "a list of Kubernetes objects", other)),
    };
    for (i, item) in items.iter().enumerate() {
        for field in ["/apiVersion", "/kind", "/metadata/name"] {
            if item.pointer(field).and_then(Value::as_str).is_none() {
                return Err(PlaygroundError::Shape {
                    path: format!("{base}[{i}]"),
                    expected: format!(
                        "a Kubernetes object with a string {}",
                        field.trim_start_matches('/').replace('/', ".")
                    ),
                    found: describe(item),
                });
            }
        }
    }
    Ok(items.clone())
}

fn describe(v: &Value) -> String {
    match v {
        Value::Object(o) => {
            let keys: Vec<&str> = o.keys().map(String::as_str).take(6).collect();
            format!("an object with keys [{}]", keys.join(", "))
        }
        other => transition_core::decode::type_name(other).to_string(),
    }
}

// ---------------------------------------------------------------- evaluate

/// Which requests an evaluator takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// Anything [`transition_core::evaluate`] routes.
    Any,
    /// Volcano: `scheduling.volcano.sh` Queues and PodGroups, `batch.volcano.sh` Jobs.
    Volcano,
    /// KubeRay: `ray.io` RayServices, core Services.
    KubeRay,
}

impl Domain {
    fn admits(self, group: &str) -> bool {
        match self {
            Domain::Any => true,
            Domain::Volcano => group == SCHEDULING_GROUP || group == BATCH_GROUP,
            Domain::KubeRay => group == RAY_GROUP || group.is_empty(),
        }
    }

    fn function(self) -> &'static str {
        match self {
            Domain::Any => "evaluate",
            Domain::Volcano => "evaluateVolcano",
            Domain::KubeRay => "evaluateKuberay",
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Domain::Any => "any",
            Domain::Volcano => "Volcano Queue, PodGroup or Job (scheduling.volcano.sh, batch.volcano.sh)",
            Domain::KubeRay => "KubeRay RayService or core Service (ray.io, v1)",
        }
    }
}

/// The kinds for which the playground can build a request from an object:
/// (group, version, kind, resource).
pub const BUILDABLE: &[(&str, &str, &str, &str)] = &[
    (SCHEDULING_GROUP, "v1beta1", "Queue", "queues"),
    (SCHEDULING_GROUP, "v1beta1", "PodGroup", "podgroups"),
    (BATCH_GROUP, "v1alpha1", "Job", "jobs"),
    (RAY_GROUP, "v1", "RayService", "rayservices"),
    (RAY_GROUP, "v1", "RayCluster", "rayclusters"),
    ("", "v1", "Service", "services"),
];

/// The answer for one request, shaped for the page.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    /// What the policy answers in `accepted`.
    pub allowed: bool,
    /// `accept`, `mutate` or `reject`.
    pub verdict: &'static str,
    /// The deciding rule id, as in the policy's `transition-guard-rule`
    /// audit annotation: the rejecting rule, or the mutation rules joined by `,`.
    pub rule: Option<String>,
    /// The rejection message (the policy's `message`).
    pub message: Option<String>,
    /// The object a mutation produced.
    pub mutated_object: Option<Value>,
    /// `OPERATION group/version, Resource=resource[/sub] namespace/name`.
    pub summary: String,
    /// The cluster lookups the rules made, in order.
    pub lookups: Vec<String>,
    /// The AdmissionRequest the playground built from the objects, if it built one.
    pub built_request: Option<Value>,
}

/// Evaluates one request.
///
/// Input (a JSON object):
/// - `settings`: the policy settings (`null`/absent: defaults);
/// - `context`: the cluster the lookups see (see [`objects`]);
/// - either `request`: an AdmissionRequest or a whole AdmissionReview,
/// - or `operation` (`CREATE`, `UPDATE`, `DELETE`), optional `subResource`
///   (`status`), `object` (the new object) and `oldObject`: the request is
///   built from them, its kind and resource taken from the object's
///   `apiVersion` and `kind`, its name and namespace from its metadata.
///
/// Expected flow: settings are checked first (as policy-server does when it
/// loads the policy), then the request is decoded and evaluated.
///
/// Guarantees: the verdict is [`transition_core::evaluate`]'s; a request
/// the policy cannot decode gets the policy's own `decode` rejection.
///
/// Errors: bad settings, a context that is not a list of objects, a
/// request that cannot be built, or one outside `domain`.
pub fn evaluate(input: &Value, domain: Domain) -> Result<Evaluation, PlaygroundError> {
    let input = match input {
        Value::Object(o) => o,
        other => return Err(shape("input", "an object", other)),
    };
    let settings = Settings::from_value(input.get("settings").unwrap_or(&Value::Null))
        .map_err(|e| PlaygroundError::Settings(e.to_string()))?;
    let context = objects(input.get("context").unwrap_or(&Value::Null), "context")?;
    let (request_value, built) = match input.get("request") {
        Some(r) if !r.is_null() => {
            if let Some(k) = ["operation", "object", "oldObject", "subResource"]
                .into_iter()
                .find(|k| input.get(*k).is_some_and(|v| !v.is_null()))
            {
                return Err(PlaygroundError::Shape {
                    path: k.to_string(),
                    expected: "nothing beside a full `request`".into(),
                    found: "a value".into(),
                });
            }
            (r.clone(), false)
        }
        _ => (build_request(input)?, true),
    };
    let built_request = built.then(|| request_value.clone());
    let request = match AdmissionRequest::from_value(request_value, "request") {
        Ok(r) => r,
        Err(e) => {
            // What the policy answers to a payload it cannot decode.
            let verdict = Verdict::reject("decode", format!("cannot decode the admission request: {e}"));
            return Ok(shape_verdict(
                verdict,
                "(undecodable request)".into(),
                Vec::new(),
                built_request,
            ));
        }
    };
    if !domain.admits(&request.resource.group) {
        return Err(PlaygroundError::Domain {
            function: domain.function(),
            expected: domain.expected(),
            found: request.resource.to_string(),
        });
    }
    let mut cluster = ObjectStore::new(context);
    let verdict = transition_core::evaluate(&request, &settings, &mut cluster);
    let lookups = cluster.calls.iter().map(lookup_line).collect();
    Ok(shape_verdict(verdict, summary(&request), lookups, built_request))
}

fn shape_verdict(
    verdict: Verdict,
    summary: String,
    lookups: Vec<String>,
    built: Option<Value>,
) -> Evaluation {
    let (verdict, rule, message, mutated_object) = match verdict {
        Verdict::Accept => ("accept", None, None, None),
        Verdict::Mutate { object, rules } => ("mutate", Some(rules.join(",")), None, Some(object)),
        Verdict::Reject(r) => ("reject", Some(r.rule.to_string()), Some(r.message), None),
    };
    Evaluation {
        allowed: verdict != "reject",
        verdict,
        rule,
        message,
        mutated_object,
        summary,
        lookups,
        built_request: built,
    }
}

fn summary(req: &AdmissionRequest) -> String {
    let sub = if req.sub_resource.is_empty() {
        String::new()
    } else {
        format!("/{}", req.sub_resource)
    };
    let target = if req.namespace.is_empty() {
        req.name.clone()
    } else {
        format!("{}/{}", req.namespace, req.name)
    };
    format!("{} {}{sub} {target}", req.operation, req.resource)
}

fn lookup_line(call: &Call) -> String {
    match call {
        Call::Get {
            kind,
            namespace: Some(ns),
            name,
        } => format!("get {kind} {ns}/{name}"),
        Call::Get {
            kind,
            namespace: None,
            name,
        } => format!("get {kind} {name}"),
        Call::List {
            kind,
            namespace: Some(ns),
        } => format!("list {kind} in namespace {ns}"),
        Call::List {
            kind,
            namespace: None,
        } => format!("list {kind} in all namespaces"),
    }
}

fn opt_string_field(input: &Map<String, Value>, key: &str) -> Result<Option<String>, PlaygroundError> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(shape(key, "a string", other)),
    }
}

/// Builds an AdmissionRequest (JSON) from `operation`, `subResource`,
/// `object`, `oldObject` and, optionally, `userInfo` (who writes; the
/// `statusWriters` setting reads it; default user `playground`).
fn build_request(input: &Map<String, Value>) -> Result<Value, PlaygroundError> {
    let operation = opt_string_field(input, "operation")?.ok_or_else(|| PlaygroundError::Shape {
        path: "operation".into(),
        expected: "CREATE, UPDATE or DELETE (or a full `request`)".into(),
        found: "nothing".into(),
    })?;
    let sub_resource = opt_string_field(input, "subResource")?.unwrap_or_default();
    let user_info = match input.get("userInfo") {
        None | Some(Value::Null) => serde_json::json!({"username": "playground"}),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(other) => {
            return Err(shape(
                "userInfo",
                "an object like {\"username\": ..., \"groups\": [...]}",
                other,
            ))
        }
    };
    let object = input.get("object").cloned().unwrap_or(Value::Null);
    let old_object = input.get("oldObject").cloned().unwrap_or(Value::Null);
    for (key, v) in [("object", &object), ("oldObject", &old_object)] {
        if !v.is_null() && !v.is_object() {
            return Err(shape(key, "a Kubernetes object", v));
        }
    }
    let (source, key) = if object.is_object() {
        (&object, "object")
    } else if old_object.is_object() {
        (&old_object, "oldObject")
    } else {
        return Err(PlaygroundError::Shape {
            path: "object".into(),
            expected: "the new object (CREATE, UPDATE) or the old object (DELETE)".into(),
            found: "neither".into(),
        });
    };
    let str_at = |ptr: &str| source.pointer(ptr).and_then(Value::as_str).unwrap_or("");
    let (api_version, kind) = (str_at("/apiVersion"), str_at("/kind"));
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let Some(&(group, version, kind, resource)) = BUILDABLE
        .iter()
        .find(|(g, v, k, _)| *g == group && *v == version && *k == kind)
    else {
        let known: Vec<String> = BUILDABLE
            .iter()
            .map(|(g, v, k, _)| {
                if g.is_empty() {
                    format!("{v} {k}")
                } else {
                    format!("{g}/{v} {k}")
                }
            })
            .collect();
        return Err(PlaygroundError::Shape {
            path: format!("{key}.apiVersion/kind"),
            expected: format!("one of {} (or give a full `request`)", known.join(", ")),
            found: format!("{api_version:?} {kind:?}"),
        });
    };
    let gvk = serde_json::json!({"group": group, "version": version, "kind": kind});
    let gvr = serde_json::json!({"group": group, "version": version, "resource": resource});
    let mut req = serde_json::json!({
        "uid": "playground",
        "kind": gvk,
        "resource": gvr,
        "requestKind": gvk,
        "requestResource": gvr,
        "name": str_at("/metadata/name"),
        "namespace": str_at("/metadata/namespace"),
        "operation": operation,
        "userInfo": user_info,
        "object": object,
        "oldObject": old_object,
    });
    if !sub_resource.is_empty() {
        req["subResource"] = Value::String(sub_resource);
    }
    Ok(req)
}

// ---------------------------------------------------------------- plan

/// A Service as the planner saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceSeen {
    pub name: String,
    /// The cluster its `ray.io/cluster` selector names; `None`: the Service is absent.
    pub selects: Option<String>,
}

/// A RayCluster as the planner saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSeen {
    pub name: String,
    pub head_pod_ready: bool,
    /// Why the head does not count as ready (the core's text), when it does not.
    pub head_problem: Option<String>,
    pub deleting: bool,
}

/// One step of a plan, with the log lines the reconciler would print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanLine {
    /// `step i/n <kind> <ns>/<name> <field>: <from> => <to>`.
    pub text: String,
    /// The step's compensation, if it has one.
    pub undo: Option<String>,
    /// This step is the commit point.
    pub commit: bool,
}

/// A plan and its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanView {
    pub plan: SwitchoverPlan,
    pub lines: Vec<PlanLine>,
}

impl PlanView {
    fn new(plan: SwitchoverPlan) -> Self {
        let total = plan.steps.len();
        let lines = plan
            .steps
            .iter()
            .map(|s| PlanLine {
                text: s.log_line(total),
                undo: s.undo.as_ref().map(|u| u.log_line(s.index, total)),
                commit: plan.commit_index == Some(s.index),
            })
            .collect();
        PlanView { plan, lines }
    }
}

/// The normal switch: its plan, or why its guard refuses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SwitchView {
    pub ready: bool,
    pub guard_failure: Option<String>,
    pub plan: Option<PlanView>,
}

/// What [`kplan::plan_repair`] decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepairView {
    /// `nothing`, `wait`, `forward` or `rollback`.
    pub decision: &'static str,
    pub reason: Option<String>,
    pub plan: Option<PlanView>,
}

/// Everything the planner says about one RayService.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Planning {
    /// `namespace/name`.
    pub rayservice: String,
    pub active: String,
    pub pending: String,
    pub head_service: ServiceSeen,
    pub serve_service: ServiceSeen,
    pub clusters: Vec<ClusterSeen>,
    /// [`kplan::diagnose`], as the core serializes it.
    pub diagnosis: kplan::Diagnosis,
    /// [`kplan::plan_switch`].
    pub switch: SwitchView,
    /// [`kplan::plan_repair`].
    pub repair: RepairView,
}

fn identity(o: &Value) -> (&str, &str, &str, &str) {
    let s = |p: &str| o.pointer(p).and_then(Value::as_str).unwrap_or("");
    (
        s("/apiVersion"),
        s("/kind"),
        s("/metadata/namespace"),
        s("/metadata/name"),
    )
}

/// Plans a RayService switchover from a set of objects.
///
/// Input (a JSON object):
/// - `objects`: the RayService, its head and serve Services and its
///   RayClusters (see [`objects`]); Services and RayClusters are those in
///   the RayService's namespace, Services matched by the names KubeRay gives
///   them;
/// - `written` (optional): objects written since, e.g. a request's new
///   object; each replaces the object of the same apiVersion, kind,
///   namespace and name (or is added);
/// - `rayservice` (optional): `namespace/name` or `name`, needed only when
///   the objects hold more than one RayService;
/// - `nowUnixSecs`: the clock the retirement deadline starts from (the core
///   reads no clock);
/// - `lookupHeadPod` (optional bool, the policy setting of that name): a
///   RayCluster without `HeadPodReady` is judged by its head Pod, one of
///   the objects (`v1` `Pod` in the RayService's namespace), as the policy
///   and `transition-reconciler --lookup-head-pod` judge it.
///
/// Guarantees: diagnosis, plans and guard failures are the core's.
///
/// Errors: no (or no unique) RayService, a missing clock, or an object the
/// core cannot decode (its error names the field).
pub fn plan(input: &Value) -> Result<Planning, PlaygroundError> {
    let input = match input {
        Value::Object(o) => o,
        other => return Err(shape("input", "an object", other)),
    };
    let now = match input.get("nowUnixSecs") {
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64().unwrap_or_default(),
        Some(other) => return Err(shape("nowUnixSecs", "an integer (Unix seconds)", other)),
        None => {
            return Err(PlaygroundError::Shape {
                path: "nowUnixSecs".into(),
                expected: "an integer (Unix seconds)".into(),
                found: "nothing".into(),
            })
        }
    };
    let mut objs = objects(input.get("objects").unwrap_or(&Value::Null), "objects")?;
    for w in objects(input.get("written").unwrap_or(&Value::Null), "written")? {
        match objs.iter_mut().find(|o| identity(o) == identity(&w)) {
            Some(slot) => *slot = w,
            None => objs.push(w),
        }
    }
    let wanted = opt_string_field(input, "rayservice")?;
    let lookup_head_pod = match input.get("lookupHeadPod") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(shape("lookupHeadPod", "a boolean", other)),
    };
    let rayservices: Vec<&Value> = objs
        .iter()
        .filter(|o| {
            let (av, k, ns, name) = identity(o);
            av == "ray.io/v1"
                && k == "RayService"
                && wanted.as_deref().is_none_or(|w| match w.split_once('/') {
                    Some((wns, wname)) => wns == ns && wname == name,
                    None => w == name,
                })
        })
        .collect();
    let rs = match rayservices.as_slice() {
        [one] => *one,
        [] => {
            return Err(PlaygroundError::Object(match &wanted {
                Some(w) => format!("objects: no RayService (ray.io/v1) named {w}"),
                None => "objects: no RayService (ray.io/v1) among the objects".into(),
            }))
        }
        many => {
            let names: Vec<String> = many
                .iter()
                .map(|o| {
                    let (_, _, ns, name) = identity(o);
                    format!("{ns}/{name}")
                })
                .collect();
            return Err(PlaygroundError::Object(format!(
                "objects: {} RayServices ({}); name one in `rayservice`",
                names.len(),
                names.join(", ")
            )));
        }
    };
    let rs_view = transition_core::kuberay::view::RayService::from_value(rs, "rayservice")
        .map_err(|e| PlaygroundError::Object(e.to_string()))?;
    let ns = rs_view.namespace.clone();
    let service = |name: &str| {
        objs.iter()
            .find(|o| identity(o) == ("v1", "Service", ns.as_str(), name))
    };
    let (head_name, serve_name) = (rs_view.head_service_name(), rs_view.serve_service_name());
    // The objects of one apiVersion and kind in the RayService's namespace.
    let in_namespace = |api_version: &str, kind: &str| -> Vec<Value> {
        objs.iter()
            .filter(|o| {
                let (av, k, ons, _) = identity(o);
                av == api_version && k == kind && ons == ns
            })
            .cloned()
            .collect()
    };
    let clusters = in_namespace("ray.io/v1", "RayCluster");
    let obs = Observed::from_values(rs, service(&head_name), service(&serve_name), &clusters)
        .and_then(|obs| {
            if lookup_head_pod {
                obs.with_head_pods(&in_namespace("v1", "Pod"))
            } else {
                Ok(obs)
            }
        })
        .map_err(|e| PlaygroundError::Object(e.to_string()))?;

    let switch = match kplan::plan_switch(&obs, now) {
        Ok(p) => SwitchView {
            ready: true,
            guard_failure: None,
            plan: Some(PlanView::new(p)),
        },
        Err(e) => SwitchView {
            ready: false,
            guard_failure: Some(e.to_string()),
            plan: None,
        },
    };
    let repair = kplan::plan_repair(&obs, now);
    let repair_view = match repair.decision {
        RepairDecision::Nothing => RepairView {
            decision: "nothing",
            reason: None,
            plan: None,
        },
        RepairDecision::Wait { reason } => RepairView {
            decision: "wait",
            reason: Some(reason),
            plan: None,
        },
        RepairDecision::Forward { plan } => RepairView {
            decision: "forward",
            reason: None,
            plan: Some(PlanView::new(plan)),
        },
        RepairDecision::Rollback { plan } => RepairView {
            decision: "rollback",
            reason: None,
            plan: Some(PlanView::new(plan)),
        },
    };
    let seen = |name: String, svc: Option<&transition_core::kuberay::view::Service>| ServiceSeen {
        selects: svc.map(|s| s.selected_cluster().to_string()),
        name,
    };
    Ok(Planning {
        rayservice: format!("{}/{}", obs.rayservice.namespace, obs.rayservice.name),
        active: obs.rayservice.active().to_string(),
        pending: obs.rayservice.pending().to_string(),
        head_service: seen(head_name, obs.head_service.as_ref()),
        serve_service: seen(serve_name, obs.serve_service.as_ref()),
        clusters: obs
            .clusters
            .iter()
            .map(|c| {
                let head_problem = obs.head_problem(c);
                ClusterSeen {
                    name: c.name.clone(),
                    head_pod_ready: head_problem.is_none(),
                    head_problem,
                    deleting: c.deleting,
                }
            })
            .collect(),
        diagnosis: repair.diagnosis,
        switch,
        repair: repair_view,
    })
}
