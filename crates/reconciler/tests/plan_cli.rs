//! `transition-reconciler plan --objects`: offline plans from kubectl-style
//! JSON lists and multi-document YAML.

use std::process::Command;

use serde_json::{json, Value};

fn plan(files: &[&str]) -> (bool, Value, String) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_transition-reconciler"));
    cmd.args(["plan", "--now", "1800000000", "--objects"]);
    for f in files {
        cmd.arg(format!("{dir}{f}"));
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    (
        out.status.success(),
        serde_json::from_str(&stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn brief(steps: &Value) -> Vec<String> {
    steps
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}/{}/{} {}: {} => {}",
                s["action"].as_str().unwrap(),
                s["object"]["kind"].as_str().unwrap(),
                s["object"]["namespace"].as_str().unwrap(),
                s["object"]["name"].as_str().unwrap(),
                s["field"].as_str().unwrap(),
                s["from"].as_str().unwrap(),
                s["to"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn plans_the_repair_of_a_split_rayservice_and_the_queue_cascade() {
    let (ok, out, err) = plan(&["cluster.json", "queues.yaml"]);
    assert!(ok, "{err}");
    let rs = &out["rayservices"][0];
    assert_eq!(
        rs["object"],
        json!({"kind": "RayService", "namespace": "prod", "name": "rs"})
    );
    assert_eq!(rs["diagnosis"]["state"], "split");
    assert_eq!(rs["decision"], "forward");
    assert_eq!(
        brief(&rs["steps"]),
        vec![
            "set_selector Service/prod/rs-serve-svc spec.selector[ray.io/cluster]: rs-x7k2q => rs-b9m4w",
            "promote_status RayService/prod/rs status.activeServiceStatus.rayClusterName: rs-x7k2q => rs-b9m4w",
            "retire_cluster RayCluster/prod/rs-x7k2q metadata.annotations[transition-guard.io/retire-after]:  => 1800000060",
        ]
    );
    assert_eq!(rs["commit_index"], 1);
    let queues: Vec<(String, String, String)> = out["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["object"]["name"].as_str().unwrap().to_string(),
                q["state"].as_str().unwrap().to_string(),
                q["next"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        queues,
        vec![
            ("eng".into(), "Open".into(), "Closed".into()),
            ("ml".into(), "Closing".into(), "Closing".into()),
            ("root".into(), "Open".into(), "Open".into()),
        ]
    );
    assert_eq!(
        brief(&out["queues"][0]["steps"]),
        vec![
            "consume_command Command/default/close-eng action: CloseQueue => ",
            "mark_closed_by_parent Queue//ml metadata.annotations[volcano.sh/closed-by-parent]: false => true",
            "write_state Queue//eng status.state: Open => Closed",
            "write_state Queue//ml status.state: Open => Closing",
        ]
    );
}

#[test]
fn bad_input_is_a_named_error() {
    let dir = std::env::temp_dir().join(format!("tr-plan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad.yaml");
    std::fs::write(&f, "- just\n- a list\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_transition-reconciler"))
        .args(["plan", "--objects"])
        .arg(&f)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}: object 0 is a array, expected a Kubernetes object (a mapping with apiVersion and kind)",
            f.display()
        )),
        "{err}"
    );
}

/// `cluster.json` (a split switch: head Service on rs-b9m4w, serve on
/// rs-x7k2q) with KubeRay's RayClusterStatusConditions gate off: no
/// conditions, the sticky `state: ready`, and head Pods; rs-b9m4w's head is
/// no longer Ready. Written to a file of its own.
fn gate_off_split() -> std::path::PathBuf {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");
    let mut list: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}cluster.json")).unwrap()).unwrap();
    let items = list["items"].as_array_mut().unwrap();
    let mut pods = Vec::new();
    for o in items.iter_mut().filter(|o| o["kind"] == "RayCluster") {
        let c = o["metadata"]["name"].as_str().unwrap().to_string();
        let pod = format!("{c}-head-q8v4z");
        o["status"] = json!({"state": "ready", "head": {"podName": pod}});
        pods.push(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": pod, "namespace": "prod", "labels": {"ray.io/cluster": c, "ray.io/node-type": "head"}},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": if c == "rs-b9m4w" { "False" } else { "True" }}]}
        }));
    }
    items.extend(pods);
    let path = std::env::temp_dir().join(format!("tg-plan-gate-off-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string(&list).unwrap()).unwrap();
    path
}

fn plan_file(path: &std::path::Path, extra: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_transition-reconciler"))
        .args(["plan", "--now", "1800000000"])
        .args(extra)
        .arg("--objects")
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn lookup_head_pod_judges_the_split_by_the_head_pods_in_the_files() {
    let path = gate_off_split();
    // By status.state alone the pending cluster looks healthy: forward.
    let out = plan_file(&path, &[]);
    assert_eq!(out["rayservices"][0]["diagnosis"]["state"], "split");
    assert_eq!(out["rayservices"][0]["decision"], "forward");
    // Its head Pod is not Ready: the repair goes back to rs-x7k2q instead.
    let out = plan_file(&path, &["--lookup-head-pod"]);
    let rs = &out["rayservices"][0];
    std::fs::remove_file(&path).ok();
    assert_eq!(rs["decision"], "rollback", "{rs}");
    assert_eq!(
        brief(&rs["steps"]),
        vec!["set_selector Service/prod/rs-head-svc spec.selector[ray.io/cluster]: rs-b9m4w => rs-x7k2q"]
    );
}
