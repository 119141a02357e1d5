//! Push and pull the annotated module against a real registry: Debian's
//! `docker-registry` (distribution 2.8), started on a free loopback port with
//! filesystem storage in a temporary directory. Skipped, with a message, when
//! `docker-registry` is not installed; `.ci/run` installs it and sets
//! `POLICY_PACK_REQUIRE_REGISTRY` so that CI never skips it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use oci_client::manifest::{WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE};
use policy_pack::metadata::keys;
use policy_pack::oci::{sha256_digest, Registry};
use policy_pack::PackError;

struct RunningRegistry {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for RunningRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn status_of_v2(port: u16) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET /v2/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    answer.lines().next().map(str::to_string)
}

fn start_registry() -> Option<RunningRegistry> {
    let installed = Command::new("docker-registry")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !installed {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.path().join("config.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let running = RunningRegistry {
        child,
        port,
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if status_of_v2(port).is_some_and(|l| l.contains(" 200")) {
            return Some(running);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("docker-registry did not answer /v2/ on 127.0.0.1:{port} within 20 s");
}

fn annotated_module() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../build/transition-guard.annotated.wasm");
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run bash scripts/build-module.sh first", path.display()))
}

#[test]
fn push_then_pull_gives_back_the_same_module_with_kubewardens_media_types() {
    let Some(registry) = start_registry() else {
        // CI sets this so a missing registry fails instead of skipping.
        assert!(
            std::env::var_os("POLICY_PACK_REQUIRE_REGISTRY").is_none(),
            "docker-registry is not installed but POLICY_PACK_REQUIRE_REGISTRY is set"
        );
        eprintln!(
            "SKIPPED: docker-registry is not installed (apt-get install docker-registry; .ci/run does)"
        );
        return;
    };
    let module = annotated_module();
    let uri = format!(
        "registry://127.0.0.1:{}/policies/transition-guard:v0.1.0",
        registry.port
    );
    let client = Registry {
        insecure_http: true,
        basic_auth: None,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let pushed = rt.block_on(client.push(&module, &uri)).unwrap();
    assert_eq!(pushed.layer_digest, sha256_digest(&module));
    let pulled = rt.block_on(client.pull(&uri)).unwrap();

    assert_eq!(pulled.module, module, "pulled bytes differ from pushed bytes");
    assert_eq!(pulled.layer_digest, pushed.layer_digest);
    assert!(
        pushed.manifest_url.ends_with(&pulled.manifest_digest),
        "{} vs {}",
        pushed.manifest_url,
        pulled.manifest_digest
    );
    assert_eq!(pulled.layer_media_type, WASM_LAYER_MEDIA_TYPE);
    assert_eq!(pulled.config_media_type, WASM_CONFIG_MEDIA_TYPE);
    assert_eq!(
        pulled.annotations.get(keys::TITLE).map(String::as_str),
        Some("transition-guard")
    );
    assert_eq!(
        pulled.annotations.get("org.opencontainers.image.source"),
        pulled.annotations.get(keys::SOURCE)
    );
    assert!(
        !pulled.annotations.contains_key(keys::USAGE),
        "multi-line usage must stay out of the manifest"
    );

    // pulling by digest gives the same bytes
    let by_digest = format!(
        "registry://127.0.0.1:{}/policies/transition-guard@{}",
        registry.port, pulled.manifest_digest
    );
    assert_eq!(rt.block_on(client.pull(&by_digest)).unwrap().module, module);
}

#[test]
fn an_unannotated_module_is_not_pushed() {
    let client = Registry::default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let bare = wasm_encoder::Module::new().finish();
    let err = rt
        .block_on(client.push(&bare, "registry://127.0.0.1:9/x:y"))
        .unwrap_err();
    assert!(
        matches!(&err, PackError::Oci(m) if m.starts_with("cannot push a module that is not annotated")),
        "{err}"
    );
}

#[test]
fn an_https_client_builds_and_reports_an_unreachable_registry() {
    // reqwest is built without a bundled TLS provider: building the HTTPS
    // client must not panic, and a closed port is an error naming the pull.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = rt
        .block_on(Registry::default().pull(&format!("registry://127.0.0.1:{port}/x:y")))
        .unwrap_err();
    assert!(
        matches!(&err, PackError::Oci(m) if m.starts_with(&format!("pull of 127.0.0.1:{port}/x:y failed"))),
        "{err}"
    );
}
