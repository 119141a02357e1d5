//! The playground page in a real headless Chromium, driven over WebDriver
//! (chromedriver): load the page, pick the kuberay#2088 scenario, evaluate,
//! read the verdict the page shows, plan the repair, plan a gate-off step
//! with `lookupHeadPod` from the settings box, take a screenshot, and run
//! every case file through the page's own wasm build.
//!
//! Needs `scripts/playground.sh --build` (wasm-bindgen CLI) to have written
//! `playground/pkg/`, plus Debian's `chromium`, `chromium-driver` and
//! `python3` (the static server). When one is missing the test says so and
//! skips, unless `PLAYGROUND_BROWSER_TEST=require` (set by `.ci/run`), where
//! it fails.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use playground::api::{self, Domain};
use serde_json::{json, Value};

const W3C_ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
const CASE_2088: &str = "rayservice-known-failures/2088-promotion-services-on-old.json";
const HEAD_POD_FAILED: &str = "rayservice-gate-off-head-pod/lookup-head-pod-sv2-head-failed.json";

fn in_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn tool(env: &str, names: &[&str]) -> Option<PathBuf> {
    std::env::var_os(env)
        .map(PathBuf::from)
        .or_else(|| names.iter().find_map(|n| in_path(n)))
}

/// Skips (or fails under `PLAYGROUND_BROWSER_TEST=require`) when `what` is missing.
fn need<T>(found: Option<T>, what: &str) -> Option<T> {
    if found.is_none() {
        let msg = format!("browser test cannot run: {what}");
        if std::env::var("PLAYGROUND_BROWSER_TEST").as_deref() == Ok("require") {
            panic!("{msg} (PLAYGROUND_BROWSER_TEST=require: no skipping)");
        }
        eprintln!("{msg}; skipped");
    }
    found
}

/// A child process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A WebDriver session, spoken as plain JSON over HTTP.
struct Session {
    agent: ureq::Agent,
    base: String,
}

impl Session {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let req = self.agent.request(method, &url);
        let resp = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        match resp {
            Ok(r) => r.into_json::<Value>().expect("WebDriver answers JSON")["value"].take(),
            Err(ureq::Error::Status(code, r)) => {
                panic!(
                    "{method} {path}: HTTP {code}: {}",
                    r.into_string().unwrap_or_default()
                )
            }
            Err(e) => panic!("{method} {path}: {e}"),
        }
    }

    fn script(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    fn find(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v[W3C_ELEMENT].as_str().expect("an element id").to_string()
    }

    fn click(&self, css: &str) {
        let id = self.find(css);
        self.call("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call("POST", &format!("/element/{id}/clear"), Some(json!({})));
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        );
    }

    /// The text a user sees in the element (empty when hidden).
    fn text(&self, css: &str) -> String {
        let id = self.find(css);
        self.call("GET", &format!("/element/{id}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn visible(&self, css: &str) -> bool {
        let id = self.find(css);
        self.call("GET", &format!("/element/{id}/displayed"), None) == json!(true)
    }

    fn wait_visible(&self, css: &str) {
        wait_until(css, Duration::from_secs(20), || self.visible(css));
    }

    fn screenshot(&self, file: &Path) {
        let b64 = self.call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().expect("base64 PNG"))
            .expect("valid base64");
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n"),
            "the screenshot is not a PNG"
        );
        std::fs::write(file, &png).unwrap();
        eprintln!("screenshot: {} ({} bytes)", file.display(), png.len());
    }
}

#[test]
fn the_page_shows_the_2088_verdict_and_the_policys_answers() {
    let root = common::repo().join("playground");
    let Some(chromium) = need(
        tool("CHROME", &["chromium", "chromium-browser"]),
        "no chromium (apt-get install chromium)",
    ) else {
        return;
    };
    let Some(chromedriver) = need(
        tool("CHROMEDRIVER", &["chromedriver"]),
        "no chromedriver (apt-get install chromium-driver)",
    ) else {
        return;
    };
    let Some(python) = need(in_path("python3"), "no python3 for the static server") else {
        return;
    };
    let built = root.join("pkg/playground_bg.wasm");
    if need(
        built.exists().then_some(()),
        &format!(
            "{} is missing: run `bash scripts/playground.sh --build` (needs the wasm-bindgen CLI)",
            built.display()
        ),
    )
    .is_none()
    {
        return;
    }

    let web_port = free_port();
    let _server = Proc(
        Command::new(python)
            .arg(common::repo().join("scripts/playground-serve.py"))
            .arg(web_port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start scripts/playground-serve.py"),
    );
    let driver_port = free_port();
    let _driver = Proc(
        Command::new(chromedriver)
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).build();
    let page = format!("http://127.0.0.1:{web_port}/");
    let driver = format!("http://127.0.0.1:{driver_port}");
    wait_until("the static server", Duration::from_secs(15), || {
        agent.get(&page).call().is_ok()
    });
    wait_until("chromedriver", Duration::from_secs(15), || {
        agent
            .get(&format!("{driver}/status"))
            .call()
            .ok()
            .and_then(|r| r.into_json::<Value>().ok())
            .is_some_and(|v| v["value"]["ready"] == json!(true))
    });

    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let profile = tmp.join(format!("chromium-profile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1400,1300",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    }}});
    let created = Session {
        agent: agent.clone(),
        base: driver.clone(),
    }
    .call("POST", "/session", Some(caps));
    let id = created["sessionId"].as_str().expect("a session id").to_string();
    let s = Session {
        agent,
        base: format!("{driver}/session/{id}"),
    };

    s.call("POST", "/url", Some(json!({"url": page})));
    wait_until("the wasm module to load", Duration::from_secs(30), || {
        let state = s.script(
            "return [document.body.dataset.ready, document.getElementById('status').className];",
            json!([]),
        );
        assert_ne!(
            state[1],
            json!("status failed"),
            "the page failed: {}",
            s.text("#status")
        );
        state[0] == json!("true")
    });
    assert!(
        s.text("#status").starts_with("rules loaded: playground"),
        "{}",
        s.text("#status")
    );

    // Pick the #2088 scenario as a user does, and evaluate.
    s.click("#scenario option[value=\"kuberay-2088\"]");
    wait_until("the scenario to load", Duration::from_secs(20), || {
        s.script("return document.body.dataset.step;", json!([])) == json!(CASE_2088)
    });
    s.click("#evaluate");
    s.wait_visible("#result");
    assert_eq!(s.text("#verdict"), "REJECTED");
    assert_eq!(s.text("#rule"), "RS6");
    assert_eq!(
        s.text("#message"),
        "RS6: promotion of fruit-b9m4w before Service fruit-head-svc selects it"
    );
    assert_eq!(
        s.text("#expected"),
        "The case file expects: rejected by RS6. ✓ same answer"
    );

    // The repair after the bad write: Services forward to the promoted cluster.
    s.click("#after-write");
    s.click("#plan");
    s.wait_visible("#planning");
    assert_eq!(s.text("#plan-decision"), "forward");
    let lines = s.script(
        "return [...document.querySelectorAll('#plan-lines > li > div:first-child')].map(e => e.textContent);",
        json!([]),
    );
    assert_eq!(
        lines,
        json!([
            "step 1/3 Service prod/fruit-head-svc spec.selector[ray.io/cluster]: fruit-x7k2q => fruit-b9m4w",
            "step 2/3 Service prod/fruit-serve-svc spec.selector[ray.io/cluster]: fruit-x7k2q => fruit-b9m4w",
            lines[2]
        ])
    );
    assert!(
        lines[2]
            .as_str()
            .unwrap_or_default()
            .starts_with("step 3/3 RayCluster prod/fruit-x7k2q metadata.annotations[transition-guard.io/retire-after]: \"\" => "),
        "{lines}"
    );
    s.screenshot(&tmp.join("playground-2088.png"));

    // Gate off with lookupHeadPod: the page plans with the setting from its
    // settings box, so the plan refuses what the policy refuses.
    s.click("#after-write"); // back off: plan the objects as they are
    s.click("#scenario option[value=\"kuberay-gate-off-head-pod\"]");
    wait_until("the scenario to load", Duration::from_secs(20), || {
        s.script("return document.body.dataset.step || '';", json!([]))
            .as_str()
            .is_some_and(|f| f.starts_with("rayservice-gate-off-head-pod/"))
    });
    s.click("#steps li:nth-child(2) button");
    wait_until("the second step to load", Duration::from_secs(20), || {
        s.script("return document.body.dataset.step;", json!([])) == json!(HEAD_POD_FAILED)
    });
    s.click("#evaluate");
    s.wait_visible("#result");
    assert_eq!(
        (s.text("#verdict"), s.text("#rule")),
        ("REJECTED".into(), "SV2".into())
    );
    s.click("#plan");
    s.wait_visible("#planning");
    let failed =
        "no HeadPodReady condition, and head Pod fruit-b9m4w-head-q8v4z is in phase Failed, not Running";
    assert_eq!(
        s.text("#plan-clusters"),
        format!("fruit-x7k2q (head ready), fruit-b9m4w (head not ready: {failed})")
    );
    assert_eq!(
        s.text("#plan-guard"),
        format!("refuses: RayCluster fruit-b9m4w has no ready head Pod ({failed})")
    );
    assert_eq!(s.text("#plan-decision"), "wait");

    // Errors are values on the page too: a YAML syntax error in a box.
    s.click("#scenario option[value=\"\"]");
    s.type_into("#new-object", "kind: [Queue");
    s.click("#evaluate");
    s.wait_visible("#error");
    assert!(
        s.text("#error")
            .starts_with("syntax error: new object: not valid JSON or YAML:"),
        "{}",
        s.text("#error")
    );

    // Every case file through the page's wasm gives the native answer.
    let cases = common::cases();
    let inputs: Vec<String> = cases.iter().map(|c| common::full_input(c).to_string()).collect();
    let answers = s.script(
        "const pg = window.transitionPlayground; return arguments[0].map((i) => pg.evaluate(i));",
        json!([inputs]),
    );
    let answers = answers.as_array().expect("one answer per case");
    assert_eq!(answers.len(), cases.len());
    for (case, answer) in cases.iter().zip(answers) {
        let native: Value = serde_json::from_str(&api::envelope(api::evaluate(
            &common::full_input(case),
            Domain::Any,
        )))
        .unwrap();
        let in_browser: Value = serde_json::from_str(answer.as_str().expect("a JSON string")).unwrap();
        assert_eq!(in_browser, native, "{}", case.path.display());
    }

    s.call("DELETE", "", None);
    let _ = std::fs::remove_dir_all(&profile);
}
