//! Unit tests of the Volcano entry points: whole verdicts, and which lookups
//! each request made (rule ids in test names).

use serde_json::{json, Value};

use super::rules;
use crate::cluster::{Call, Cluster, LookupError, ObjectStore, ResourceKind};
use crate::settings::Settings;
use crate::verdict::Verdict;
use crate::{evaluate, AdmissionRequest};

fn queue(name: &str, parent: &str, spec: Value, state: &str) -> Value {
    let mut spec = spec;
    if !parent.is_empty() {
        spec["parent"] = json!(parent);
    }
    let mut q = json!({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "Queue",
                       "metadata": {"name": name}, "spec": spec});
    if !state.is_empty() {
        q["status"] = json!({"state": state});
    }
    q
}

fn pg(name: &str, ns: &str, q: &str) -> Value {
    json!({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
           "metadata": {"name": name, "namespace": ns}, "spec": {"queue": q}})
}

fn request(op: &str, sub: &str, object: Value, old: Value) -> AdmissionRequest {
    let name = object
        .pointer("/metadata/name")
        .or(old.pointer("/metadata/name"))
        .cloned()
        .unwrap_or(json!(""));
    AdmissionRequest::from_value(
        json!({
            "uid": "u", "kind": {"group": "scheduling.volcano.sh", "version": "v1beta1", "kind": "Queue"},
            "resource": {"group": "scheduling.volcano.sh", "version": "v1beta1", "resource": "queues"},
            "subResource": sub, "name": name, "operation": op, "object": object, "oldObject": old
        }),
        "request",
    )
    .unwrap()
}

fn run(req: &AdmissionRequest, settings: &Settings, objects: Vec<Value>) -> (Verdict, Vec<Call>) {
    let mut store = ObjectStore::new(objects);
    let v = evaluate(req, settings, &mut store);
    (v, store.calls)
}

fn get(name: &str) -> Call {
    Call::Get {
        kind: "Queue",
        namespace: None,
        name: name.into(),
    }
}

fn list(kind: &'static str) -> Call {
    Call::List {
        kind,
        namespace: None,
    }
}

fn with_state(q: &Value, s: &str) -> Value {
    let mut q = q.clone();
    q["status"] = json!({"state": s});
    q
}

#[test]
fn v4_self_parent_is_decided_without_lookups() {
    let req = request("CREATE", "", queue("q", "q", json!({}), ""), Value::Null);
    let (v, calls) = run(&req, &Settings::default(), vec![]);
    assert_eq!(v, Verdict::reject("V4", "queue q cannot use itself as parent"));
    assert_eq!(calls, vec![]);
}

fn hierarchical(name: &str, spec: Value, hierarchy: &str, weights: &str) -> Value {
    let mut q = queue(name, "", spec, "");
    q["metadata"]["annotations"] =
        json!({"volcano.sh/hierarchy": hierarchy, "volcano.sh/hierarchy-weights": weights});
    q
}

const V1_NEGATIVE_CPU: &str =
    "requestBody.spec.capability.cpu: Invalid value: \"-1\": must be greater than or equal to 0";

#[test]
fn v1_failure_still_lists_queues_for_the_v3_sub_path() {
    // Volcano's validateHierarchicalAttributes runs whatever V1 found, so a
    // clash joins V1's error in one aggregate.
    let q = hierarchical("q", json!({"capability": {"cpu": "-1"}}), "root/q", "1/1");
    let other = hierarchical("deep", json!({}), "root/q/deep", "1/1/1");
    let (v, calls) = run(
        &request("CREATE", "", q.clone(), Value::Null),
        &Settings::default(),
        vec![other],
    );
    assert_eq!(
        v,
        Verdict::reject(
            "V1",
            format!(
                "[{V1_NEGATIVE_CPU}, requestBody.metadata.annotations: Invalid value: \"root/q\": \
                 root/q is not allowed to be in the sub path of root/q/deep of queue deep]"
            )
        )
    );
    assert_eq!(calls, vec![list("Queue")]);

    // no clash: V1's error alone, after the same one list
    let (v, calls) = run(
        &request("CREATE", "", q, Value::Null),
        &Settings::default(),
        vec![],
    );
    assert_eq!(v, Verdict::reject("V1", V1_NEGATIVE_CPU));
    assert_eq!(calls, vec![list("Queue")]);
}

#[test]
fn malformed_hierarchy_annotations_skip_the_v3_queue_list() {
    // Volcano returns from the weights checks before it lists.
    let q = hierarchical("q", json!({"capability": {"cpu": "-1"}}), "root/q", "1");
    let (v, calls) = run(
        &request("CREATE", "", q, Value::Null),
        &Settings::default(),
        vec![],
    );
    assert_eq!(
        v,
        Verdict::reject(
            "V1",
            format!(
                "[{V1_NEGATIVE_CPU}, requestBody.metadata.annotations: Invalid value: \"root/q\": \
                 volcano.sh/hierarchy must have the same length with volcano.sh/hierarchy-weights]"
            )
        )
    );
    assert_eq!(calls, vec![]);
}

#[test]
fn a_failed_v3_list_joins_earlier_errors_or_is_the_denial_alone() {
    let bad = hierarchical("q", json!({"capability": {"cpu": "-1"}}), "root/q", "1/1");
    assert_eq!(
        evaluate(&request("CREATE", "", bad, Value::Null), &Settings::default(), &mut Failing),
        Verdict::reject(
            "V1",
            format!(
                "[{V1_NEGATIVE_CPU}, lookup list scheduling.volcano.sh/v1beta1 Queue failed: host unavailable]"
            )
        )
    );
    let good = hierarchical("q", json!({}), "root/q", "1/1");
    assert_eq!(
        evaluate(
            &request("CREATE", "", good, Value::Null),
            &Settings::default(),
            &mut Failing
        ),
        Verdict::reject(
            "V3",
            "lookup list scheduling.volcano.sh/v1beta1 Queue failed: host unavailable"
        )
    );
}

#[test]
fn v1_v2_errors_aggregate_like_go() {
    let q = queue(
        "q",
        "",
        json!({"deserved": {"cpu": "2"}, "capability": {"cpu": "1500m"}}),
        "Closing",
    );
    let (v, _) = run(
        &request("CREATE", "", q, Value::Null),
        &Settings::default(),
        vec![],
    );
    assert_eq!(
        v,
        Verdict::reject(
            "V1",
            "[requestBody.spec.deserved.cpu: Invalid value: \"2\": deserved[cpu]=2 must be <= capability[cpu]=1500m, \
             requestBody.spec.state: Invalid value: \"Closing\": queue state must be in [Open Closed]]"
        )
    );
    assert_eq!(rules::aggregate(&["a".into(), "a".into()]), Some("a".into()));
    assert_eq!(rules::aggregate(&[]), None);
}

#[test]
fn v1_extended_resources_must_be_whole() {
    let q = queue("q", "", json!({"capability": {"nvidia.com/gpu": "500m"}}), "");
    let (v, _) = run(
        &request("CREATE", "", q, Value::Null),
        &Settings::default(),
        vec![],
    );
    assert_eq!(
        v,
        Verdict::reject(
            "V1",
            "requestBody.spec.capability.nvidia.com/gpu: Invalid value: \"500m\": must be an integer"
        )
    );
}

#[test]
fn v4_v6_walk_ancestors_once_and_list_once() {
    let objects = vec![
        queue("gp", "root", json!({"capability": {"cpu": "100"}}), "Open"),
        queue("p", "gp", json!({}), "Open"),
    ];
    let q = queue("c", "p", json!({"capability": {"cpu": "200"}}), "");
    let (v, calls) = run(
        &request("CREATE", "", q, Value::Null),
        &Settings::default(),
        objects,
    );
    assert_eq!(
        v,
        Verdict::reject(
            "V6",
            "queue c capability[cpu]=200 exceeds its ancestor's capability=100"
        )
    );
    // depth walk gets p and gp, the children list is made once; V6 reuses both.
    assert_eq!(calls, vec![get("p"), get("gp"), list("Queue")]);
}

#[test]
fn v4_missing_ancestor_uses_volcano_not_found() {
    let q = queue("c", "ghost", json!({}), "");
    let (v, calls) = run(
        &request("CREATE", "", q, Value::Null),
        &Settings::default(),
        vec![],
    );
    assert_eq!(
        v,
        Verdict::reject(
            "V4",
            "failed to get parent queue ghost of queue c: queue.scheduling.volcano.sh \"ghost\" not found"
        )
    );
    assert_eq!(calls, vec![get("ghost")]);
}

#[test]
fn v5_root_quota_change_by_value() {
    let old = queue("root", "", json!({"capability": {"cpu": "1"}}), "Open");
    let same = queue(
        "root",
        "",
        json!({"capability": {"cpu": "1000m"}, "weight": 4}),
        "Open",
    );
    let (v, _) = run(
        &request("UPDATE", "", same, old.clone()),
        &Settings::default(),
        vec![],
    );
    assert_eq!(v, Verdict::Accept);
    let changed = queue("root", "", json!({"capability": {"cpu": "2"}}), "Open");
    let (v, calls) = run(
        &request("UPDATE", "", changed.clone(), old.clone()),
        &Settings::default(),
        vec![],
    );
    assert_eq!(
        v,
        Verdict::reject(
            "V5",
            "root queue's resource attributes (capability, deserved, guarantee) cannot be modified"
        )
    );
    assert_eq!(calls, vec![]);
    let off = Settings {
        enable_root_queue_protection: false,
        ..Settings::default()
    };
    assert_eq!(
        run(&request("UPDATE", "", changed, old), &off, vec![]).0,
        Verdict::Accept
    );
}

#[test]
fn d1_d2_without_lookups_d5_lists_children() {
    for (name, rule) in [("default", "D1"), ("root", "D2")] {
        let req = request("DELETE", "", Value::Null, queue(name, "", json!({}), "Open"));
        let (v, calls) = run(&req, &Settings::default(), vec![]);
        assert_eq!(
            v,
            Verdict::reject(rule, format!("`{name}` queue can not be deleted"))
        );
        assert_eq!(calls, vec![]);
    }
    let eng = queue("eng", "root", json!({}), "Closing");
    let kids = vec![
        eng.clone(),
        queue("b", "eng", json!({}), "Open"),
        queue("a", "eng", json!({}), "Open"),
    ];
    let (v, calls) = run(
        &request("DELETE", "", Value::Null, eng),
        &Settings::default(),
        kids,
    );
    assert_eq!(
        v,
        Verdict::reject(
            "D5",
            "queue eng can not be deleted because it has 2 child queues: a, b"
        )
    );
    assert_eq!(calls, vec![list("Queue")]);
}

#[test]
fn d4_only_with_flag() {
    let mut q = queue("busy", "root", json!({}), "Open");
    q["status"]["allocated"] = json!({"pods": "3"});
    let req = request("DELETE", "", Value::Null, q);
    assert_eq!(run(&req, &Settings::default(), vec![]).0, Verdict::Accept);
    let on = Settings {
        enable_queue_allocated_pods_check: true,
        ..Settings::default()
    };
    assert_eq!(
        run(&req, &on, vec![]).0,
        Verdict::reject(
            "D4",
            "queue busy cannot be deleted because it has allocated Pods: 3"
        )
    );
}

#[test]
fn w1_and_f1_run_before_volcano_rules_without_lookups() {
    let old = queue("q", "p", json!({"capability": {"cpu": "4"}}), "Closing");
    let new = queue("q", "p", json!({"capability": {"cpu": "5"}}), "Closing");
    let (v, calls) = run(
        &request("UPDATE", "", new, old.clone()),
        &Settings::default(),
        vec![],
    );
    assert_eq!(
        v,
        Verdict::reject(
            "F1",
            "queue `q` is Closing: spec changes are not allowed until it is Closed or reopened"
        )
    );
    assert_eq!(calls, vec![]);
    let mut ann = old.clone();
    ann["metadata"]["annotations"] =
        json!({"volcano.sh/hierarchy": "root/q", "volcano.sh/hierarchy-weights": "1/2"});
    assert_eq!(
        run(
            &request("UPDATE", "", ann, old.clone()),
            &Settings::default(),
            vec![]
        )
        .0
        .rejection()
        .unwrap()
        .rule,
        "F1"
    );
    let heavy = queue("q", "p", json!({"weight": 0}), "");
    assert_eq!(
        run(
            &request("CREATE", "", heavy, Value::Null),
            &Settings::default(),
            vec![]
        )
        .0,
        Verdict::reject(
            "W1",
            "spec.weight: Invalid value: 0: spec.weight in body should be greater than or equal to 1"
        )
    );
}

#[test]
fn m1_m3_mutate_only_when_enabled_and_valid() {
    let on = Settings {
        mutate_queue_defaults: true,
        ..Settings::default()
    };
    let mut q = queue("q", "", json!({}), "");
    q["metadata"]["annotations"] =
        json!({"volcano.sh/hierarchy": "a/b", "volcano.sh/hierarchy-weights": "2/3"});
    let (v, _) = run(&request("CREATE", "", q.clone(), Value::Null), &on, vec![]);
    let mut want = q.clone();
    want["metadata"]["annotations"] =
        json!({"volcano.sh/hierarchy": "root/a/b", "volcano.sh/hierarchy-weights": "1/2/3"});
    want["spec"] = json!({"reclaimable": true, "weight": 1});
    assert_eq!(
        v,
        Verdict::Mutate {
            object: want,
            rules: vec!["M1", "M2", "M3"]
        }
    );
    // nothing to change → plain accept; disabled → accept
    let done = queue("q", "", json!({"reclaimable": false, "weight": 2}), "");
    assert_eq!(
        run(&request("CREATE", "", done, Value::Null), &on, vec![]).0,
        Verdict::Accept
    );
    assert_eq!(
        run(
            &request("CREATE", "", q, Value::Null),
            &Settings::default(),
            vec![]
        )
        .0,
        Verdict::Accept
    );
}

#[test]
fn status_t1_t2_t6_single_object() {
    let eng = queue("eng", "root", json!({}), "Closed");
    let cases = [
        ("Closing", "T1", "queue `eng` cannot move from Closed to Closing"),
        ("Unknown", "T2", "queue `eng` cannot move from Closed to Unknown"),
    ];
    for (to, rule, msg) in cases {
        let (v, calls) = run(
            &request("UPDATE", "status", with_state(&eng, to), eng.clone()),
            &Settings::default(),
            vec![],
        );
        assert_eq!(v, Verdict::reject(rule, msg));
        assert_eq!(calls, vec![]);
    }
    let root = queue("root", "", json!({}), "Open");
    assert_eq!(
        run(
            &request("UPDATE", "status", with_state(&root, "Closing"), root.clone()),
            &Settings::default(),
            vec![]
        )
        .0,
        Verdict::reject("T6", "root queue cannot be closed")
    );
    // status writes skip V2: Closing is a legal status value
    let open = queue("eng", "root", json!({}), "Open");
    let (v, calls) = run(
        &request("UPDATE", "status", with_state(&open, "Closing"), open.clone()),
        &Settings::default(),
        vec![],
    );
    assert_eq!((v, calls), (Verdict::Accept, vec![]));
}

#[test]
fn status_t3_lists_podgroups_only() {
    let eng = queue("eng", "root", json!({}), "Closing");
    let req = request("UPDATE", "status", with_state(&eng, "Closed"), eng.clone());
    let objects = vec![pg("a", "x", "eng"), pg("b", "y", "other")];
    let (v, calls) = run(&req, &Settings::default(), objects);
    assert_eq!(
        v,
        Verdict::reject(
            "T3",
            "queue `eng` still has 1 PodGroup(s); it can only be Closing, not Closed"
        )
    );
    assert_eq!(calls, vec![list("PodGroup")]);
    assert_eq!(run(&req, &Settings::default(), vec![]).0, Verdict::Accept);
}

#[test]
fn status_t5_gets_the_parent() {
    let child = queue("vision", "research", json!({}), "Closed");
    let req = request("UPDATE", "status", with_state(&child, "Open"), child.clone());
    let (v, calls) = run(
        &req,
        &Settings::default(),
        vec![queue("research", "root", json!({}), "Closing")],
    );
    assert_eq!(
        v,
        Verdict::reject(
            "T5",
            "Failed to open queue vision because its parent queue research is closing or closed. Open the parent queue first."
        )
    );
    assert_eq!(calls, vec![get("research")]);
}

#[test]
fn status_s1_and_bad_ops() {
    let eng = queue("eng", "root", json!({}), "Open");
    assert_eq!(
        run(
            &request("UPDATE", "status", with_state(&eng, "Paused"), eng.clone()),
            &Settings::default(),
            vec![]
        )
        .0,
        Verdict::reject(
            "S1",
            "queue `eng` status.state \"Paused\" must be one of Open, Closing, Closed, Unknown"
        )
    );
    assert_eq!(
        run(
            &request("CREATE", "status", eng.clone(), Value::Null),
            &Settings::default(),
            vec![]
        )
        .0,
        Verdict::reject(
            "op",
            "invalid operation `CREATE` on queues/status, expect operation to be `UPDATE`"
        )
    );
    assert_eq!(
        run(
            &request("CONNECT", "", eng, Value::Null),
            &Settings::default(),
            vec![]
        )
        .0,
        Verdict::reject(
            "op",
            "invalid operation `CONNECT`, expect operation to be `CREATE`, `UPDATE` or `DELETE`"
        )
    );
}

#[test]
fn decode_errors_reject_with_the_path() {
    let mut q = queue("q", "", json!({}), "");
    q["spec"]["capability"] = json!(["cpu"]);
    assert_eq!(
        run(
            &request("CREATE", "", q, Value::Null),
            &Settings::default(),
            vec![]
        )
        .0,
        Verdict::reject(
            "decode",
            "request.object.spec.capability: expected object, got array"
        )
    );
    let q = queue("q", "", json!({}), "");
    assert_eq!(
        run(
            &request("UPDATE", "", q, Value::Null),
            &Settings::default(),
            vec![]
        )
        .0,
        Verdict::reject("decode", "request.oldObject: required field is missing")
    );
}

struct Failing;
impl Cluster for Failing {
    fn get(
        &mut self,
        kind: &ResourceKind,
        ns: Option<&str>,
        name: &str,
        _: &[&str],
    ) -> Result<Option<Vec<u8>>, LookupError> {
        Err(LookupError::get(kind, ns, name, "host unavailable"))
    }
    fn list(&mut self, kind: &ResourceKind, ns: Option<&str>, _: &[&str]) -> Result<Vec<u8>, LookupError> {
        Err(LookupError::list(kind, ns, "host unavailable"))
    }
}

#[test]
fn lookup_errors_fail_closed_naming_the_lookup() {
    let eng = queue("eng", "root", json!({}), "Closing");
    let req = request("UPDATE", "status", with_state(&eng, "Closed"), eng.clone());
    assert_eq!(
        evaluate(&req, &Settings::default(), &mut Failing),
        Verdict::reject(
            "T3",
            "lookup list scheduling.volcano.sh/v1beta1 PodGroup failed: host unavailable"
        )
    );
    let req = request("CREATE", "", queue("c", "p", json!({}), ""), Value::Null);
    assert_eq!(
        evaluate(&req, &Settings::default(), &mut Failing),
        Verdict::reject(
            "V4",
            "lookup get scheduling.volcano.sh/v1beta1 Queue p failed: host unavailable"
        )
    );
}

/// Records the field masks passed with each lookup.
struct Fields(ObjectStore, Vec<Vec<String>>);
impl Cluster for Fields {
    fn get(
        &mut self,
        kind: &ResourceKind,
        ns: Option<&str>,
        name: &str,
        f: &[&str],
    ) -> Result<Option<Vec<u8>>, LookupError> {
        self.1.push(f.iter().map(|s| s.to_string()).collect());
        self.0.get(kind, ns, name, f)
    }
    fn list(&mut self, kind: &ResourceKind, ns: Option<&str>, f: &[&str]) -> Result<Vec<u8>, LookupError> {
        self.1.push(f.iter().map(|s| s.to_string()).collect());
        self.0.list(kind, ns, f)
    }
}

#[test]
fn p1_gets_the_queue_with_field_masks() {
    let req = AdmissionRequest::from_value(
        json!({"uid": "u", "kind": {"kind": "PodGroup"}, "operation": "CREATE",
               "resource": {"group": "scheduling.volcano.sh", "version": "v1beta1", "resource": "podgroups"},
               "object": pg("pg", "ns", "q")}),
        "request",
    )
    .unwrap();
    let mut c = Fields(ObjectStore::new(vec![queue("q", "root", json!({}), "")]), vec![]);
    assert_eq!(
        evaluate(&req, &Settings::default(), &mut c),
        Verdict::reject(
            "P1",
            "can only submit PodGroup to queue with state `Open`, queue `q` status is ``."
        )
    );
    assert_eq!(c.0.calls, vec![get("q")]);
    assert!(c.1[0].contains(&"status.state".to_string()) && c.1[0].contains(&"metadata.name".to_string()));
}

#[test]
fn kind_must_match_resource() {
    let mut raw = json!({"uid": "u", "kind": {"kind": "Pod"}, "operation": "CREATE", "name": "x",
        "resource": {"group": "scheduling.volcano.sh", "version": "v1beta1", "resource": "queues"},
        "object": queue("x", "", json!({}), "")});
    let req = AdmissionRequest::from_value(raw.take(), "request").unwrap();
    assert_eq!(
        run(&req, &Settings::default(), vec![]).0,
        Verdict::reject(
            "kind",
            "request for resource scheduling.volcano.sh/v1beta1, Resource=queues must carry kind Queue, got kind \"Pod\""
        )
    );
}

#[test]
fn v3_weights_parse_like_go() {
    let mk = |h: &str, w: &str| {
        let mut q = queue("q", "", json!({}), "");
        q["metadata"]["annotations"] = json!({"volcano.sh/hierarchy": h, "volcano.sh/hierarchy-weights": w});
        crate::volcano::view::QueueView::from_value(&q, "o").unwrap()
    };
    assert_eq!(rules::v3_annotations(&mk("root/a", "1/1.5")), None);
    assert_eq!(rules::v3_annotations(&mk("root/a", "1/2e0")), None);
    // Go's hex floats and `_` separators are numbers too
    assert_eq!(rules::v3_annotations(&mk("root/a", "0x1p-2/1_000")), None);
    assert_eq!(
        rules::v3_annotations(&mk("root/a", "1/-nan")),
        Some("requestBody.metadata.annotations: Invalid value: \"1/-nan\": -nan in the 1/-nan is invalid number: strconv.ParseFloat: parsing \"-nan\": invalid syntax".into())
    );
    assert_eq!(
        rules::v3_annotations(&mk("root/a", "1/0x1p1024")),
        Some("requestBody.metadata.annotations: Invalid value: \"1/0x1p1024\": 0x1p1024 in the 1/0x1p1024 is invalid number: strconv.ParseFloat: parsing \"0x1p1024\": value out of range".into())
    );
    assert_eq!(
        rules::v3_annotations(&mk("root/a", "1/0x1p-1075")),
        Some("requestBody.metadata.annotations: Invalid value: \"1/0x1p-1075\": 0x1p-1075 in the 1/0x1p-1075 must be larger than 0".into())
    );
    assert_eq!(
        rules::v3_annotations(&mk("root/a", "")),
        Some("requestBody.metadata.annotations: Invalid value: \"root/a\": volcano.sh/hierarchy must have the same length with volcano.sh/hierarchy-weights".into())
    );
    assert_eq!(
        rules::v3_annotations(&mk("root/a", "1/")),
        Some("requestBody.metadata.annotations: Invalid value: \"1/\":  in the 1/ is invalid number: strconv.ParseFloat: parsing \"\": invalid syntax".into())
    );
    assert_eq!(
        rules::v3_annotations(&mk("root/a", "1/1e999")),
        Some("requestBody.metadata.annotations: Invalid value: \"1/1e999\": 1e999 in the 1/1e999 is invalid number: strconv.ParseFloat: parsing \"1e999\": value out of range".into())
    );
    assert_eq!(
        rules::v3_annotations(&mk("root/a", "1/0")),
        Some(
            "requestBody.metadata.annotations: Invalid value: \"1/0\": 0 in the 1/0 must be larger than 0"
                .into()
        )
    );
}

#[test]
fn j1_concatenates_state_and_leaf_failures() {
    let req = AdmissionRequest::from_value(
        json!({"uid": "u", "kind": {"kind": "Job"}, "operation": "CREATE",
               "resource": {"group": "batch.volcano.sh", "version": "v1alpha1", "resource": "jobs"},
               "object": {"metadata": {"name": "j", "namespace": "ns"}, "spec": {"queue": "eng"}}}),
        "request",
    )
    .unwrap();
    let objects = vec![
        queue("eng", "root", json!({}), "Closed"),
        queue("a", "eng", json!({}), "Open"),
    ];
    let (v, calls) = run(&req, &Settings::default(), objects);
    assert_eq!(
        v,
        Verdict::reject(
            "J1",
            "can only submit job to queue with state `Open`, queue `eng` status is `Closed`; can only submit job to leaf queue, queue `eng` has 1 child queues;"
        )
    );
    assert_eq!(calls, vec![get("eng"), list("Queue")]);
}

#[test]
fn job_with_another_operation_gets_volcanos_text() {
    let req = AdmissionRequest::from_value(
        json!({"uid": "u", "kind": {"kind": "Job"}, "operation": "CONNECT",
               "resource": {"group": "batch.volcano.sh", "version": "v1alpha1", "resource": "jobs"},
               "object": {"metadata": {"name": "j", "namespace": "ns"}, "spec": {"queue": "eng"}}}),
        "request",
    )
    .unwrap();
    let (v, calls) = run(&req, &Settings::default(), vec![]);
    assert_eq!(
        v,
        Verdict::reject("op", "expect operation to be 'CREATE' or 'UPDATE'")
    );
    assert_eq!(calls, vec![]);
}

#[test]
fn defaults_apply_before_the_rules_judge_a_create() {
    let on = Settings {
        mutate_queue_defaults: true,
        ..Settings::default()
    };
    // weight 0: defaulted to 1 first (as the apiserver runs Volcano's mutating
    // webhook before its validating one), so W1 has nothing to refuse
    let q = queue("q", "", json!({"weight": 0, "reclaimable": true}), "");
    let mut want = q.clone();
    want["spec"]["weight"] = json!(1);
    assert_eq!(
        run(&request("CREATE", "", q.clone(), Value::Null), &on, vec![]).0,
        Verdict::Mutate {
            object: want,
            rules: vec!["M3"]
        }
    );
    // without the defaults the same object is refused
    let (v, _) = run(
        &request("CREATE", "", q, Value::Null),
        &Settings::default(),
        vec![],
    );
    assert_eq!(
        v,
        Verdict::reject(
            "W1",
            "spec.weight: Invalid value: 0: spec.weight in body should be greater than or equal to 1"
        )
    );
    // and a defaulted object the rules refuse is refused, not mutated
    let bad = queue("q", "", json!({"capability": {"cpu": "-1"}}), "");
    let (v, _) = run(&request("CREATE", "", bad, Value::Null), &on, vec![]);
    assert_eq!(
        v,
        Verdict::reject(
            "V1",
            "requestBody.spec.capability.cpu: Invalid value: \"-1\": must be greater than or equal to 0"
        )
    );
}

#[test]
fn quoted_values_escape_like_go() {
    // strconv.Quote("a\"b\\c\td\x01\x7fé") in Go
    assert_eq!(
        super::go_quote::go_quote("a\"b\\c\td\u{1}\u{7f}é"),
        r#""a\"b\\c\td\x01\x7fé""#
    );
    let mut q = queue("q", "", json!({}), "Open");
    q["metadata"]["annotations"] =
        json!({"volcano.sh/hierarchy": "root/\"x\"", "volcano.sh/hierarchy-weights": "1"});
    let (v, calls) = run(
        &request("CREATE", "", q, Value::Null),
        &Settings::default(),
        vec![],
    );
    assert_eq!(
        v,
        Verdict::reject(
            "V3",
            r#"requestBody.metadata.annotations: Invalid value: "root/\"x\"": volcano.sh/hierarchy must have the same length with volcano.sh/hierarchy-weights"#
        )
    );
    assert_eq!(calls, vec![]);

    // A zero-width space is invisible in a message unless escaped; Go escapes it.
    let (v, _) = run(
        &request(
            "CREATE",
            "",
            queue("q", "", json!({}), "Open\u{200b}"),
            Value::Null,
        ),
        &Settings::default(),
        vec![],
    );
    assert_eq!(
        v,
        Verdict::reject(
            "V2",
            r#"requestBody.spec.state: Invalid value: "Open\u200b": queue state must be in [Open Closed]"#
        )
    );
}

#[test]
fn status_writes_are_judged_on_status_alone() {
    // A stored spec the spec rules would refuse (a quantity that is not one)
    // does not block a legal status transition: S1/T* never read the spec.
    let mut eng = queue("eng", "", json!({"weight": 1}), "Open");
    eng["spec"]["capability"] = json!({"cpu": "lots"});
    assert_eq!(
        run(
            &request("UPDATE", "status", with_state(&eng, "Closing"), eng.clone()),
            &Settings::default(),
            vec![]
        )
        .0,
        Verdict::Accept
    );
    // The fields they do read are still checked, by path.
    let mut bad = eng.clone();
    bad["status"]["state"] = json!(7);
    assert_eq!(
        run(
            &request("UPDATE", "status", bad, eng.clone()),
            &Settings::default(),
            vec![]
        )
        .0,
        Verdict::reject(
            "decode",
            "request.object.status.state: expected string, got integer"
        )
    );
    let mut bad_old = eng.clone();
    bad_old["spec"]["parent"] = json!(["root"]);
    assert_eq!(
        run(
            &request("UPDATE", "status", with_state(&eng, "Closing"), bad_old),
            &Settings::default(),
            vec![]
        )
        .0,
        Verdict::reject(
            "decode",
            "request.oldObject.spec.parent: expected string, got array"
        )
    );
}

#[test]
fn the_status_view_reads_what_the_full_view_reads() {
    use super::view::{QueueView, CLOSED_BY_PARENT};
    let mut q = queue(
        "eng",
        "ml",
        json!({"weight": 3, "capability": {"cpu": "4"}}),
        "Closing",
    );
    q["metadata"]["annotations"] = json!({CLOSED_BY_PARENT: "true", "other": "x"});
    let full = QueueView::from_value(&q, "request.object").unwrap();
    let status = QueueView::status_from_value(&q, "request.object").unwrap();
    assert_eq!(
        status,
        QueueView {
            name: full.name.clone(),
            parent: full.parent.clone(),
            state: full.state.clone(),
            closed_by_parent: full.closed_by_parent,
            ..QueueView::default()
        }
    );
    assert_eq!(
        (
            status.name.as_str(),
            status.parent.as_str(),
            status.state.as_str(),
            status.closed_by_parent
        ),
        ("eng", "ml", "Closing", true)
    );
}
