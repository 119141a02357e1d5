//! The playground's JSON API natively: documents, inputs, error values,
//! evaluation and planning, compared as whole values.

mod common;

use playground::api::{self, Domain, Evaluation, PlaygroundError};
use serde_json::{json, Value};

fn case(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(common::repo().join(path)).unwrap()).unwrap()
}

/// The input the page builds from a case's objects.
fn from_objects(case: &Value) -> Value {
    let r = &case["request"];
    json!({
        "operation": r["operation"],
        "subResource": r.get("subResource"),
        "object": r["object"],
        "oldObject": r["oldObject"],
        "settings": case["settings"],
        "context": case["context"]["resources"],
    })
}

const T3: &str = "examples/cases/volcano-queue-lifecycle/05-closed-refused-with-podgroups.json";
const W3: &str = "examples/cases/rayservice-upgrade/02-w3-head-svc.json";
const F2088: &str = "examples/cases/rayservice-known-failures/2088-promotion-services-on-old.json";

#[test]
fn documents_are_json_or_yaml_with_several_documents() {
    assert_eq!(
        api::parse_documents("a: 1\n---\nb: [x, '2']\n---\n", "context"),
        Ok(vec![json!({"a": 1}), json!({"b": ["x", "2"]})])
    );
    assert_eq!(api::parse_documents("  \n", "context"), Ok(vec![]));
    assert_eq!(
        api::parse_documents(" [1, 2]", "context"),
        Ok(vec![json!([1, 2])])
    );
    // A YAML flow mapping also starts with `{`.
    assert_eq!(api::parse_documents("{a: 1}", "x"), Ok(vec![json!({"a": 1})]));
    // Text that starts like JSON and is not YAML either gets the JSON parser's reason.
    let broken = "{\"a\": [1}";
    assert_eq!(
        api::parse_documents(broken, "new object"),
        Err(PlaygroundError::Syntax {
            input: "new object".into(),
            format: "JSON or YAML",
            reason: serde_json::from_str::<Value>(broken).unwrap_err().to_string()
        })
    );
    let Err(PlaygroundError::Syntax {
        input,
        format,
        reason,
    }) = api::parse_documents("kind: [Queue", "old object")
    else {
        panic!("an unclosed YAML sequence parsed");
    };
    assert_eq!((input.as_str(), format), ("old object", "JSON or YAML"));
    assert!(reason.contains("line 1"), "{reason}");
}

#[test]
fn yaml_round_trip_keeps_strings_that_look_like_numbers() {
    let v = json!({"spec": {"capability": {"cpu": "2", "memory": "1Gi"}, "weight": 1, "on": "yes"}});
    let text = api::to_yaml(&v).unwrap();
    assert_eq!(api::parse_documents(&text, "x"), Ok(vec![v]));
}

#[test]
fn context_is_a_list_a_case_context_or_a_kubernetes_list() {
    let q =
        json!({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "Queue", "metadata": {"name": "root"}});
    assert_eq!(api::objects(&json!([q]), "context"), Ok(vec![q.clone()]));
    assert_eq!(
        api::objects(&json!({"resources": [q]}), "context"),
        Ok(vec![q.clone()])
    );
    assert_eq!(
        api::objects(&json!({"kind": "List", "items": [q]}), "context"),
        Ok(vec![q.clone()])
    );
    assert_eq!(api::objects(&Value::Null, "context"), Ok(vec![]));
    assert_eq!(
        api::objects(
            &json!([q, {"kind": "Queue", "metadata": {"name": "a"}}]),
            "context"
        ),
        Err(PlaygroundError::Shape {
            path: "context[1]".into(),
            expected: "a Kubernetes object with a string apiVersion".into(),
            found: "an object with keys [kind, metadata]".into()
        })
    );
    assert_eq!(
        api::objects(
            &json!({"resources": [{"apiVersion": "v1", "kind": "Service"}]}),
            "objects"
        ),
        Err(PlaygroundError::Shape {
            path: "objects.resources[0]".into(),
            expected: "a Kubernetes object with a string metadata.name".into(),
            found: "an object with keys [apiVersion, kind]".into()
        })
    );
    assert_eq!(
        api::objects(&json!("Queue root"), "context"),
        Err(PlaygroundError::Shape {
            path: "context".into(),
            expected: "a list of Kubernetes objects".into(),
            found: "string".into()
        })
    );
}

#[test]
fn a_request_built_from_objects_gets_the_cores_verdict_and_shows_its_lookups() {
    let c = case(T3);
    let e = api::evaluate(&from_objects(&c), Domain::Volcano).unwrap();
    let built = e.built_request.clone().expect("the request is built");
    assert_eq!(
        (
            &built["kind"],
            &built["resource"],
            &built["subResource"],
            &built["name"],
            &built["namespace"]
        ),
        (
            &json!({"group": "scheduling.volcano.sh", "version": "v1beta1", "kind": "Queue"}),
            &json!({"group": "scheduling.volcano.sh", "version": "v1beta1", "resource": "queues"}),
            &json!("status"),
            &json!("ml"),
            &json!("")
        )
    );
    assert_eq!(built["object"], c["request"]["object"]);
    assert_eq!(built["oldObject"], c["request"]["oldObject"]);
    assert_eq!(
        e,
        Evaluation {
            allowed: false,
            verdict: "reject",
            rule: Some("T3".into()),
            message: e.message.clone(),
            mutated_object: None,
            summary: "UPDATE scheduling.volcano.sh/v1beta1, Resource=queues/status ml".into(),
            lookups: vec!["list PodGroup in all namespaces".into()],
            built_request: Some(built),
        }
    );
    let msg = e.message.unwrap();
    assert!(msg.contains("still has 2 PodGroup(s)"), "{msg}");
    // The same request given whole: same verdict, nothing built.
    let whole = json!({"request": c["request"], "context": c["context"]});
    let w = api::evaluate(&whole, Domain::Any).unwrap();
    assert_eq!(
        (w.rule.as_deref(), w.message.as_deref(), w.built_request),
        (Some("T3"), Some(msg.as_str()), None)
    );
}

#[test]
fn without_the_podgroups_in_the_context_the_queue_closes() {
    let mut c = case(T3);
    c["context"]["resources"]
        .as_array_mut()
        .unwrap()
        .retain(|o| o["kind"] != "PodGroup");
    let e = api::evaluate(&from_objects(&c), Domain::Volcano).unwrap();
    assert_eq!(
        (e.allowed, e.verdict, e.rule, e.message),
        (true, "accept", None, None)
    );
}

#[test]
fn bad_input_is_an_error_value_naming_it() {
    let c = case(T3);
    let mut bad_settings = from_objects(&c);
    bad_settings["settings"] = json!({"maxDepth": 3});
    assert_eq!(
        api::evaluate(&bad_settings, Domain::Volcano),
        Err(PlaygroundError::Settings(
            "unknown setting `maxDepth`; known settings are maxQueueDepth, enableQueueAllocatedPodsCheck, \
             enableRootQueueProtection, mutateQueueDefaults, statusWriters, lookupHeadPod, kubeRayVersion"
                .into()
        ))
    );
    assert_eq!(
        api::evaluate(&from_objects(&c), Domain::KubeRay),
        Err(PlaygroundError::Domain {
            function: "evaluateKuberay",
            expected: "KubeRay RayService or core Service (ray.io, v1)",
            found: "scheduling.volcano.sh/v1beta1, Resource=queues".into()
        })
    );
    let mut both = from_objects(&c);
    both["request"] = c["request"].clone();
    assert_eq!(
        api::evaluate(&both, Domain::Any),
        Err(PlaygroundError::Shape {
            path: "operation".into(),
            expected: "nothing beside a full `request`".into(),
            found: "a value".into()
        })
    );
    let mut no_op = from_objects(&c);
    no_op.as_object_mut().unwrap().remove("operation");
    assert_eq!(
        api::evaluate(&no_op, Domain::Any),
        Err(PlaygroundError::Shape {
            path: "operation".into(),
            expected: "CREATE, UPDATE or DELETE (or a full `request`)".into(),
            found: "nothing".into()
        })
    );
    let mut no_object = from_objects(&c);
    no_object["object"] = Value::Null;
    no_object["oldObject"] = Value::Null;
    assert_eq!(
        api::evaluate(&no_object, Domain::Any),
        Err(PlaygroundError::Shape {
            path: "object".into(),
            expected: "the new object (CREATE, UPDATE) or the old object (DELETE)".into(),
            found: "neither".into()
        })
    );
    let deployment = json!({"operation": "CREATE", "object": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}});
    assert_eq!(
        api::evaluate(&deployment, Domain::Any),
        Err(PlaygroundError::Shape {
            path: "object.apiVersion/kind".into(),
            expected: "one of scheduling.volcano.sh/v1beta1 Queue, scheduling.volcano.sh/v1beta1 PodGroup, \
                       batch.volcano.sh/v1alpha1 Job, ray.io/v1 RayService, ray.io/v1 RayCluster, v1 Service \
                       (or give a full `request`)"
                .into(),
            found: "\"apps/v1\" \"Deployment\"".into()
        })
    );
    assert_eq!(
        api::evaluate(&json!([1]), Domain::Any),
        Err(PlaygroundError::Shape {
            path: "input".into(),
            expected: "an object".into(),
            found: "array".into()
        })
    );
}

#[test]
fn exports_answer_json_envelopes_never_exceptions() {
    let out: Value = serde_json::from_str(&playground::evaluate("{")).unwrap();
    assert_eq!(
        out,
        json!({"ok": false, "error": {"kind": "syntax", "message": "input: not valid JSON: EOF while parsing an object at line 1 column 1"}})
    );
    let out: Value = serde_json::from_str(&playground::evaluate_volcano(
        &json!({"operation": "CREATE", "settings": {"maxQueueDepth": 0},
                "object": {"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "Queue", "metadata": {"name": "q"}}})
        .to_string(),
    ))
    .unwrap();
    assert_eq!(
        out,
        json!({"ok": false, "error": {"kind": "settings", "message": "settings refused (policy-server would not load the policy with them): maxQueueDepth: must be an integer from 1 to 4294967295, got 0"}})
    );
    let out: Value = serde_json::from_str(&playground::evaluate_volcano(
        &json!({"operation": "CREATE",
                "object": {"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "Queue", "metadata": {"name": "q"}, "spec": {"weight": 1}},
                "context": [{"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "Queue", "metadata": {"name": "root"}, "spec": {"weight": 1}}]})
        .to_string(),
    ))
    .unwrap();
    assert_eq!(out["ok"], true);
    assert_eq!(out["result"]["verdict"], "accept", "{out}");
    assert_eq!(
        out["result"]["summary"],
        "CREATE scheduling.volcano.sh/v1beta1, Resource=queues q"
    );
    let out: Value = serde_json::from_str(&playground::parse_documents("a: [", "settings")).unwrap();
    assert_eq!(out["ok"], false);
    assert_eq!(out["error"]["kind"], "syntax");
    let out: Value = serde_json::from_str(&playground::to_yaml("{\"a\": \"1\"}")).unwrap();
    assert_eq!(out, json!({"ok": true, "result": "a: '1'\n"}));
}

fn plan_input(path: &str) -> Value {
    json!({"objects": case(path)["context"], "nowUnixSecs": 1000})
}

fn lines(view: &api::PlanView) -> Vec<(String, Option<String>, bool)> {
    view.lines
        .iter()
        .map(|l| (l.text.clone(), l.undo.clone(), l.commit))
        .collect()
}

#[test]
fn the_switch_is_planned_from_the_objects_with_undo_before_the_commit() {
    let p = api::plan(&plan_input(W3)).unwrap();
    assert_eq!(
        (p.rayservice.as_str(), p.active.as_str(), p.pending.as_str()),
        ("prod/fruit", "fruit-x7k2q", "fruit-b9m4w")
    );
    assert_eq!(
        (&p.head_service, &p.serve_service),
        (
            &api::ServiceSeen {
                name: "fruit-head-svc".into(),
                selects: Some("fruit-x7k2q".into())
            },
            &api::ServiceSeen {
                name: "fruit-serve-svc".into(),
                selects: Some("fruit-x7k2q".into())
            }
        )
    );
    assert_eq!(
        serde_json::to_value(&p.diagnosis).unwrap(),
        json!({"state": "upgrading", "active": "fruit-x7k2q", "pending": "fruit-b9m4w"})
    );
    assert!(p.switch.ready, "{:?}", p.switch.guard_failure);
    let sel = "spec.selector[ray.io/cluster]";
    let expected = vec![
        (
            "step 1/5 RayService prod/fruit status.pendingServiceStatus.rayClusterName: fruit-b9m4w => fruit-b9m4w"
                .to_string(),
            None,
            false,
        ),
        (
            format!("step 2/5 Service prod/fruit-head-svc {sel}: fruit-x7k2q => fruit-b9m4w"),
            Some(format!("undo step 2/5 Service prod/fruit-head-svc {sel}: fruit-b9m4w => fruit-x7k2q")),
            false,
        ),
        (
            format!("step 3/5 Service prod/fruit-serve-svc {sel}: fruit-x7k2q => fruit-b9m4w"),
            Some(format!("undo step 3/5 Service prod/fruit-serve-svc {sel}: fruit-b9m4w => fruit-x7k2q")),
            false,
        ),
        (
            "step 4/5 RayService prod/fruit status.activeServiceStatus.rayClusterName: fruit-x7k2q => fruit-b9m4w"
                .to_string(),
            None,
            true,
        ),
        (
            "step 5/5 RayCluster prod/fruit-x7k2q metadata.annotations[transition-guard.io/retire-after]: \"\" => 1060"
                .to_string(),
            None,
            false,
        ),
    ];
    assert_eq!(lines(p.switch.plan.as_ref().unwrap()), expected);
    // The repair of an upgrading RayService is that same switch.
    assert_eq!(p.repair.decision, "forward");
    assert_eq!(p.repair.plan, p.switch.plan);
}

#[test]
fn after_the_2088_write_the_repair_moves_the_services_forward() {
    let c = case(F2088);
    let before = api::plan(&plan_input(F2088)).unwrap();
    assert_eq!(before.diagnosis, upgrading(&before));
    let mut input = plan_input(F2088);
    input["written"] = json!([c["request"]["object"]]);
    let p = api::plan(&input).unwrap();
    assert_eq!(
        serde_json::to_value(&p.diagnosis).unwrap(),
        json!({"state": "promoted_before_services", "active": "fruit-b9m4w", "head": "fruit-x7k2q", "serve": "fruit-x7k2q"})
    );
    assert_eq!(
        p.switch.guard_failure.as_deref(),
        Some("RayService fruit has no pending RayCluster")
    );
    assert_eq!(p.repair.decision, "forward");
    let sel = "spec.selector[ray.io/cluster]";
    assert_eq!(
        lines(p.repair.plan.as_ref().unwrap()),
        vec![
            (format!("step 1/3 Service prod/fruit-head-svc {sel}: fruit-x7k2q => fruit-b9m4w"), None, false),
            (format!("step 2/3 Service prod/fruit-serve-svc {sel}: fruit-x7k2q => fruit-b9m4w"), None, false),
            (
                "step 3/3 RayCluster prod/fruit-x7k2q metadata.annotations[transition-guard.io/retire-after]: \"\" => 1060"
                    .to_string(),
                None,
                false
            ),
        ]
    );
}

/// Before the bad write, the 2088 state is an ordinary upgrade in progress.
fn upgrading(p: &api::Planning) -> transition_core::kuberay::plan::Diagnosis {
    transition_core::kuberay::plan::Diagnosis::Upgrading {
        active: p.active.clone(),
        pending: p.pending.clone(),
    }
}

#[test]
fn planning_errors_name_what_is_missing() {
    let rs = |ns: &str, name: &str| json!({"apiVersion": "ray.io/v1", "kind": "RayService", "metadata": {"name": name, "namespace": ns}});
    assert_eq!(
        api::plan(&json!({"objects": [], "nowUnixSecs": 0})),
        Err(PlaygroundError::Object(
            "objects: no RayService (ray.io/v1) among the objects".into()
        ))
    );
    let two = json!({"objects": [rs("a", "x"), rs("b", "y")], "nowUnixSecs": 0});
    assert_eq!(
        api::plan(&two),
        Err(PlaygroundError::Object(
            "objects: 2 RayServices (a/x, b/y); name one in `rayservice`".into()
        ))
    );
    let mut named = two.clone();
    named["rayservice"] = json!("b/y");
    let p = api::plan(&named).unwrap();
    assert_eq!(
        (
            p.rayservice.as_str(),
            p.repair.decision,
            serde_json::to_value(&p.diagnosis).unwrap()
        ),
        ("b/y", "nothing", json!({"state": "empty"}))
    );
    named["rayservice"] = json!("z");
    assert_eq!(
        api::plan(&named),
        Err(PlaygroundError::Object(
            "objects: no RayService (ray.io/v1) named z".into()
        ))
    );
    assert_eq!(
        api::plan(&json!({"objects": [rs("a", "x")]})),
        Err(PlaygroundError::Shape {
            path: "nowUnixSecs".into(),
            expected: "an integer (Unix seconds)".into(),
            found: "nothing".into()
        })
    );
    let mut bad = rs("a", "x");
    bad["status"] = json!({"activeServiceStatus": {"rayClusterName": 7}});
    assert_eq!(
        api::plan(&json!({"objects": [bad], "nowUnixSecs": 0})),
        Err(PlaygroundError::Object(
            "rayservice.status.activeServiceStatus.rayClusterName: expected string, got integer".into()
        ))
    );
}

const HEAD_POD_FAILED: &str =
    "examples/cases/rayservice-gate-off-head-pod/lookup-head-pod-sv2-head-failed.json";

#[test]
fn with_lookup_head_pod_the_plan_judges_gate_off_clusters_by_their_head_pods() {
    // The pending cluster's status still says ready, its head Pod has failed.
    let failed =
        "no HeadPodReady condition, and head Pod fruit-b9m4w-head-q8v4z is in phase Failed, not Running";
    let mut input = plan_input(HEAD_POD_FAILED);
    let by_status = api::plan(&input).unwrap();
    assert!(by_status.switch.ready, "{:?}", by_status.switch.guard_failure);
    assert_eq!(by_status.repair.decision, "forward");
    let seen = |p: &api::Planning| {
        p.clusters
            .iter()
            .map(|c| (c.name.clone(), c.head_pod_ready, c.head_problem.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        seen(&by_status),
        vec![
            ("fruit-x7k2q".into(), true, None),
            ("fruit-b9m4w".into(), true, None)
        ]
    );

    input["lookupHeadPod"] = json!(true);
    let by_pod = api::plan(&input).unwrap();
    assert_eq!(
        seen(&by_pod),
        vec![
            ("fruit-x7k2q".into(), true, None),
            ("fruit-b9m4w".into(), false, Some(failed.to_string()))
        ]
    );
    let refusal = format!("RayCluster fruit-b9m4w has no ready head Pod ({failed})");
    assert_eq!(
        (
            by_pod.switch.ready,
            by_pod.switch.guard_failure.as_deref(),
            by_pod.switch.plan.is_none()
        ),
        (false, Some(refusal.as_str()), true)
    );
    assert_eq!(
        (by_pod.repair.decision, by_pod.repair.reason.as_deref()),
        ("wait", Some(refusal.as_str()))
    );

    // A Pod of the same name in another namespace is not the head Pod.
    let mut elsewhere = input.clone();
    for o in elsewhere["objects"]["resources"].as_array_mut().unwrap() {
        if o["kind"] == "Pod" {
            o["metadata"]["namespace"] = json!("other");
        }
    }
    let gone = api::plan(&elsewhere).unwrap();
    assert_eq!(
        gone.clusters[1].head_problem.as_deref(),
        Some("no HeadPodReady condition, and head Pod fruit-b9m4w-head-q8v4z does not exist")
    );

    input["lookupHeadPod"] = json!("yes");
    assert_eq!(
        api::plan(&input),
        Err(PlaygroundError::Shape {
            path: "lookupHeadPod".into(),
            expected: "a boolean".into(),
            found: "string".into()
        })
    );
}

#[test]
fn every_scenario_step_is_a_bundled_case_file() {
    let text = std::fs::read_to_string(common::repo().join("playground/scenarios.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let scenarios = doc["scenarios"].as_array().expect("a list of scenarios");
    let mut ids: Vec<&str> = scenarios
        .iter()
        .map(|s| s["id"].as_str().expect("an id"))
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "scenario ids repeat: {ids:?}");
    for s in scenarios {
        let steps = s["steps"].as_array().expect("steps");
        assert!(!steps.is_empty(), "{} has no step", s["id"]);
        for step in steps {
            let path = common::repo()
                .join("examples/cases")
                .join(step.as_str().expect("a path"));
            assert!(path.is_file(), "{}: {} is not a file", s["id"], path.display());
        }
    }
}
