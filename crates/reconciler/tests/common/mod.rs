//! An in-memory fake of the Kubernetes API server, speaking the HTTP the
//! kube client sends (GET/LIST, PUT incl. /status, merge and apply PATCH,
//! DELETE with preconditions, POST events), with resourceVersion checks,
//! fault injection and, optionally, the admission policy's verdict on every
//! write (`transition_core::evaluate`).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use kube::client::Body;
use serde_json::{json, Value};
use tokio::sync::Notify;
use transition_core::cluster::ObjectStore;
use transition_core::{evaluate, AdmissionRequest, Settings, Verdict};

/// What an injected fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this HTTP status, change nothing.
    Status(u16),
    /// Never answer, change nothing.
    TimeoutBefore,
    /// Apply the write, never answer.
    TimeoutAfter,
    /// Apply the write, signal a crash, never answer.
    CrashAfter,
}

#[derive(Debug, Clone)]
pub struct Fault {
    pub method: &'static str,
    pub path: String,
    /// Matching requests to let through before firing.
    pub skip: usize,
    pub kind: FaultKind,
    pub times: usize,
}

#[derive(Default)]
pub struct State {
    /// (plural, namespace, name) → object
    pub objects: BTreeMap<(String, String, String), Value>,
    pub rv: u64,
    pub faults: Vec<Fault>,
    /// Every write: "METHOD plural[/sub] ns/name".
    pub writes: Vec<String>,
    pub reads: usize,
    pub events: usize,
    /// Run the admission policy on guarded writes and refuse denied ones.
    pub admission: bool,
    /// Writes the policy rejected: (write, rejection).
    pub rejected: Vec<(String, String)>,
    /// Writes the policy accepted.
    pub admitted: usize,
    /// Field managers of applies.
    pub field_managers: Vec<String>,
}

#[derive(Clone)]
pub struct Fake {
    pub state: Arc<Mutex<State>>,
    pub crash: Arc<Notify>,
}

pub struct FakeClock(pub Arc<AtomicI64>);
impl transition_reconciler::Clock for FakeClock {
    fn now_unix_secs(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

fn plural_of(v: &Value) -> &'static str {
    match v["kind"].as_str().unwrap_or_default() {
        "RayService" => "rayservices",
        "RayCluster" => "rayclusters",
        "Service" => "services",
        "Queue" => "queues",
        "PodGroup" => "podgroups",
        "Command" => "commands",
        "Pod" => "pods",
        k => panic!("fake: unknown kind {k}"),
    }
}

fn status(code: u16, msg: &str) -> (u16, Value) {
    let reason = match code {
        404 => "NotFound",
        409 => "Conflict",
        403 => "Forbidden",
        _ => "InternalError",
    };
    (
        code,
        json!({"apiVersion": "v1", "kind": "Status", "metadata": {}, "status": "Failure",
            "message": msg, "reason": reason, "code": code}),
    )
}

/// RFC 7386 merge patch.
pub fn merge(target: &mut Value, patch: &Value) {
    if let Value::Object(p) = patch {
        if !target.is_object() {
            *target = json!({});
        }
        let t = target.as_object_mut().unwrap();
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    } else {
        *target = patch.clone();
    }
}

struct Target {
    group_version: String,
    ns: String,
    plural: String,
    name: String,
    sub: String,
}

fn parse_path(path: &str) -> Target {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (gv, rest) = if segs[0] == "api" {
        (segs[1].to_string(), &segs[2..])
    } else {
        (format!("{}/{}", segs[1], segs[2]), &segs[3..])
    };
    let (ns, rest) = if rest.first() == Some(&"namespaces") && rest.len() >= 3 {
        (rest[1].to_string(), &rest[2..])
    } else {
        (String::new(), rest)
    };
    Target {
        group_version: gv,
        ns,
        plural: rest[0].to_string(),
        name: rest.get(1).map(|s| s.to_string()).unwrap_or_default(),
        sub: rest.get(2).map(|s| s.to_string()).unwrap_or_default(),
    }
}

fn query_param(q: &str, key: &str) -> Option<String> {
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| v.replace("%3D", "=").replace("%2F", "/").replace("%2C", ","))
    })
}

fn labels_match(obj: &Value, selector: &str) -> bool {
    selector.split(',').filter(|s| !s.is_empty()).all(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        obj.pointer("/metadata/labels")
            .and_then(|l| l.get(k))
            .and_then(Value::as_str)
            == Some(v)
    })
}

impl Fake {
    pub fn new(objects: Vec<Value>) -> Self {
        let mut st = State::default();
        for mut o in objects {
            st.rv += 1;
            o["metadata"]["resourceVersion"] = json!(st.rv.to_string());
            let key = (
                plural_of(&o).to_string(),
                o["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                o["metadata"]["name"].as_str().unwrap().to_string(),
            );
            st.objects.insert(key, o);
        }
        Fake {
            state: Arc::new(Mutex::new(st)),
            crash: Arc::new(Notify::new()),
        }
    }

    pub fn client(&self) -> kube::Client {
        let fake = self.clone();
        let svc = tower::service_fn(move |req: Request<Body>| {
            let fake = fake.clone();
            async move { fake.handle(req).await }
        });
        kube::Client::new(svc, "default")
    }

    pub fn fault(&self, method: &'static str, path: &str, skip: usize, kind: FaultKind) {
        self.state.lock().unwrap().faults.push(Fault {
            method,
            path: path.to_string(),
            skip,
            kind,
            times: 1,
        });
    }

    pub fn get(&self, plural: &str, ns: &str, name: &str) -> Option<Value> {
        self.state
            .lock()
            .unwrap()
            .objects
            .get(&(plural.into(), ns.into(), name.into()))
            .cloned()
    }

    pub fn put(&self, mut obj: Value) {
        let mut st = self.state.lock().unwrap();
        st.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(st.rv.to_string());
        let key = (
            plural_of(&obj).to_string(),
            obj["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            obj["metadata"]["name"].as_str().unwrap().to_string(),
        );
        st.objects.insert(key, obj);
    }

    pub fn remove(&self, plural: &str, ns: &str, name: &str) {
        self.state
            .lock()
            .unwrap()
            .objects
            .remove(&(plural.into(), ns.into(), name.into()));
    }

    pub fn writes(&self) -> Vec<String> {
        self.state.lock().unwrap().writes.clone()
    }

    fn admit(st: &mut State, t: &Target, op: &str, old: &Value, new: &Value) -> Result<(), String> {
        if !st.admission {
            return Ok(());
        }
        let (group, version, kind) = match t.plural.as_str() {
            "services" => ("", "v1", "Service"),
            "rayservices" => ("ray.io", "v1", "RayService"),
            "queues" => ("scheduling.volcano.sh", "v1beta1", "Queue"),
            _ => return Ok(()), // not guarded by the policy (RayCluster, Command)
        };
        if t.plural == "rayservices" && t.sub != "status" {
            return Ok(());
        }
        let req = json!({
            "uid": "fake", "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": t.plural},
            "subResource": t.sub, "name": t.name, "namespace": t.ns, "operation": op,
            "userInfo": {"username": "system:serviceaccount:transition-guard:transition-reconciler"},
            "object": new, "oldObject": old,
        });
        let req = AdmissionRequest::from_value(req, "request").map_err(|e| e.to_string())?;
        let mut store = ObjectStore::new(st.objects.values().cloned().collect());
        match evaluate(&req, &Settings::default(), &mut store) {
            Verdict::Reject(r) => Err(format!("{}: {}", r.rule, r.message)),
            _ => {
                st.admitted += 1;
                Ok(())
            }
        }
    }

    async fn handle(&self, req: Request<Body>) -> Result<Response<Body>, std::convert::Infallible> {
        let method = req.method().as_str().to_string();
        let path = req.uri().path().to_string();
        let query = req.uri().query().unwrap_or_default().to_string();
        let ctype = req
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body: Bytes = req
            .into_body()
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        let fault = {
            let mut st = self.state.lock().unwrap();
            let mut fired = None;
            for f in st.faults.iter_mut() {
                if f.times > 0 && f.method == method && path.contains(&f.path) {
                    if f.skip > 0 {
                        f.skip -= 1;
                    } else {
                        f.times -= 1;
                        fired = Some(f.kind);
                        break;
                    }
                }
            }
            fired
        };
        if let Some(FaultKind::Status(code)) = fault {
            return Ok(respond(status(code, "injected fault")));
        }
        if fault == Some(FaultKind::TimeoutBefore) {
            std::future::pending::<()>().await;
        }
        let out = self.apply(&method, &path, &query, &ctype, &body);
        match fault {
            Some(FaultKind::TimeoutAfter) => std::future::pending::<()>().await,
            Some(FaultKind::CrashAfter) => {
                self.crash.notify_one();
                std::future::pending::<()>().await
            }
            _ => {}
        }
        Ok(respond(out))
    }

    fn apply(&self, method: &str, path: &str, query: &str, ctype: &str, body: &[u8]) -> (u16, Value) {
        let t = parse_path(path);
        let mut st = self.state.lock().unwrap();
        if t.plural == "events" {
            st.events += 1;
            let v: Value = serde_json::from_slice(body).unwrap_or(json!({}));
            return (if method == "POST" { 201 } else { 200 }, v);
        }
        let key = (t.plural.clone(), t.ns.clone(), t.name.clone());
        let label = format!(
            "{method} {}{} {}/{}",
            t.plural,
            if t.sub.is_empty() {
                String::new()
            } else {
                format!("/{}", t.sub)
            },
            t.ns,
            t.name
        );
        match method {
            "GET" if t.name.is_empty() => {
                st.reads += 1;
                let sel = query_param(query, "labelSelector").unwrap_or_default();
                let items: Vec<Value> = st
                    .objects
                    .iter()
                    .filter(|((p, ns, _), o)| {
                        *p == t.plural && (t.ns.is_empty() || *ns == t.ns) && labels_match(o, &sel)
                    })
                    .map(|(_, o)| o.clone())
                    .collect();
                (
                    200,
                    json!({"apiVersion": t.group_version, "kind": "List",
                        "metadata": {"resourceVersion": st.rv.to_string()}, "items": items}),
                )
            }
            "GET" => {
                st.reads += 1;
                match st.objects.get(&key) {
                    Some(o) => (200, o.clone()),
                    None => status(404, &format!("{} \"{}\" not found", t.plural, t.name)),
                }
            }
            "PUT" | "PATCH" => {
                let Some(old) = st.objects.get(&key).cloned() else {
                    return status(404, &format!("{} \"{}\" not found", t.plural, t.name));
                };
                let patch: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
                let want_rv = patch.pointer("/metadata/resourceVersion").and_then(Value::as_str);
                if want_rv.is_some_and(|rv| {
                    Some(rv) != old.pointer("/metadata/resourceVersion").and_then(Value::as_str)
                }) {
                    return status(409, "the object has been modified; please apply your changes to the latest version and try again");
                }
                let mut new = old.clone();
                if method == "PUT" {
                    if t.sub == "status" {
                        new["status"] = patch["status"].clone();
                    } else {
                        new = patch.clone();
                        if old.get("status").is_some() && t.plural != "services" {
                            new["status"] = old["status"].clone();
                        }
                    }
                } else if ctype.contains("apply-patch") {
                    if let Some(fm) = query_param(query, "fieldManager") {
                        st.field_managers.push(fm);
                    }
                    if t.sub == "status" {
                        merge(&mut new["status"], &patch["status"]);
                    } else {
                        merge(&mut new, &patch);
                    }
                } else {
                    let mut p = patch.clone();
                    if let Some(m) = p.get_mut("metadata").and_then(Value::as_object_mut) {
                        m.remove("resourceVersion");
                    }
                    if t.sub == "status" {
                        merge(&mut new["status"], &p["status"]);
                    } else {
                        merge(&mut new, &p);
                    }
                }
                let op = "UPDATE";
                if let Err(why) = Self::admit(&mut st, &t, op, &old, &new) {
                    st.rejected.push((label, why.clone()));
                    return status(403, &format!("admission webhook denied the request: {why}"));
                }
                st.rv += 1;
                new["metadata"]["resourceVersion"] = json!(st.rv.to_string());
                st.objects.insert(key, new.clone());
                st.writes.push(label);
                (200, new)
            }
            "DELETE" => {
                let Some(old) = st.objects.get(&key).cloned() else {
                    return status(404, &format!("{} \"{}\" not found", t.plural, t.name));
                };
                let opts: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
                if let Some(rv) = opts
                    .pointer("/preconditions/resourceVersion")
                    .and_then(Value::as_str)
                {
                    if Some(rv) != old.pointer("/metadata/resourceVersion").and_then(Value::as_str) {
                        return status(409, "precondition failed: resourceVersion");
                    }
                }
                st.objects.remove(&key);
                st.writes.push(label);
                (
                    200,
                    json!({"apiVersion": "v1", "kind": "Status", "metadata": {}, "status": "Success", "code": 200}),
                )
            }
            _ => status(405, "method not supported by the fake"),
        }
    }
}

fn respond((code, body): (u16, Value)) -> Response<Body> {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap())
        .header("content-type", "application/json")
        .body(Body::from(serde_json::to_vec(&body).unwrap()))
        .unwrap()
}

// ---- fixtures -------------------------------------------------------------

pub const NS: &str = "prod";
pub const A: &str = "rs-x7k2q";
pub const P: &str = "rs-b9m4w";

fn cond(t: &str, s: &str, r: &str) -> Value {
    json!({"type": t, "status": s, "reason": r, "lastTransitionTime": "2026-11-24T10:00:00Z"})
}

pub fn rayservice(active: &str, pending: &str, opted: bool) -> Value {
    let upgrade = match (active.is_empty(), pending.is_empty()) {
        (false, false) => vec![cond(
            "UpgradeInProgress",
            "True",
            "BothActivePendingClustersExist",
        )],
        (false, true) => vec![cond("UpgradeInProgress", "False", "NoPendingCluster")],
        _ => vec![],
    };
    let apps = |name: &str| {
        if name.is_empty() {
            json!({})
        } else {
            json!({"rayClusterName": name, "applicationStatuses": {"fruit": {"status": "RUNNING"}}})
        }
    };
    let mut annotations = json!({});
    if opted {
        annotations["transition-guard.io/switchover"] = json!("enabled");
    }
    json!({
        "apiVersion": "ray.io/v1", "kind": "RayService",
        "metadata": {"name": "rs", "namespace": NS, "generation": 2, "uid": "u-rs", "annotations": annotations},
        "spec": {"rayClusterDeletionDelaySeconds": 60, "rayClusterConfig": {
            "headGroupSpec": {"template": {"spec": {"containers": [{"name": "ray-head", "image": "rayproject/ray:2.52.0"}]}}},
            "workerGroupSpecs": []
        }},
        "status": {
            "activeServiceStatus": apps(active),
            "pendingServiceStatus": apps(pending),
            "conditions": upgrade,
            "observedGeneration": 2
        }
    })
}

fn owner_rs() -> Value {
    json!([{"apiVersion": "ray.io/v1", "kind": "RayService", "name": "rs", "uid": "u-rs", "controller": true, "blockOwnerDeletion": true}])
}

pub fn head_svc(cluster: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "rs-head-svc", "namespace": NS, "ownerReferences": owner_rs(),
            "labels": {"ray.io/originated-from-cr-name": "rs", "ray.io/originated-from-crd": "RayService"}},
        "spec": {"clusterIP": "None", "ports": [{"name": "dashboard", "port": 8265}], "selector": {
            "ray.io/cluster": cluster, "ray.io/node-type": "head", "ray.io/identifier": format!("{cluster}-head"),
            "app.kubernetes.io/name": "kuberay", "app.kubernetes.io/created-by": "kuberay-operator"}}
    })
}

pub fn serve_svc(cluster: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "rs-serve-svc", "namespace": NS, "ownerReferences": owner_rs(),
            "labels": {"ray.io/originated-from-cr-name": "rs", "ray.io/originated-from-crd": "RayService"}},
        "spec": {"clusterIP": "10.96.12.7", "ports": [{"name": "serve", "port": 8000}],
            "selector": {"ray.io/cluster": cluster, "ray.io/serve": "true"}}
    })
}

pub fn raycluster(name: &str, ready: bool) -> Value {
    json!({
        "apiVersion": "ray.io/v1", "kind": "RayCluster",
        "metadata": {"name": name, "namespace": NS,
            "labels": {"ray.io/originated-from-cr-name": "rs", "ray.io/originated-from-crd": "RayService"},
            "ownerReferences": owner_rs()},
        "status": {"conditions": [{"type": "HeadPodReady", "status": if ready { "True" } else { "False" }, "reason": "HeadPodRunningAndReady"}]}
    })
}

/// head selector, serve selector, active, pending as stored.
pub fn shape(f: &Fake) -> (String, String, String, String) {
    let sel = |n: &str| {
        f.get("services", NS, n)
            .and_then(|s| {
                s.pointer("/spec/selector/ray.io~1cluster")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default()
    };
    let rs = f.get("rayservices", NS, "rs").unwrap();
    let name = |p: &str| {
        rs.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    (
        sel("rs-head-svc"),
        sel("rs-serve-svc"),
        name("/status/activeServiceStatus/rayClusterName"),
        name("/status/pendingServiceStatus/rayClusterName"),
    )
}
