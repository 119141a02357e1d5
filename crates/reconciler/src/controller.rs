//! `transition-reconciler run`: two kube-runtime Controllers (RayServices,
//! Queues), Prometheus metrics and `/healthz` on one HTTP port.
//!
//! Expected flow: [`run`] until SIGTERM/Ctrl-C. Each reconcile returns an
//! [`Action`]; failures go through [`error_policy`], which backs off
//! exponentially per object (1 s doubling to 5 min), reset on success.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use kube::api::{Api, DynamicObject};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher;
use kube::Client;
use prometheus_client::registry::Registry;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tracing::{info, warn};

use crate::api::{Kind, Kube};
use crate::metrics::{self, Metrics};
use crate::queues::{self, ApiQueues, QueueError};
use crate::switchover::{SwitchError, Switcher};
use crate::{objects, Clock, SystemClock};

/// Settings of `run`.
#[derive(Debug, Clone)]
pub struct Config {
    pub metrics_addr: SocketAddr,
    /// How long a half-done switch must persist before it is repaired.
    pub repair_grace: Duration,
    /// Timeout of each API call.
    pub api_timeout: Duration,
    pub queues: bool,
    pub rayservices: bool,
    /// Judge RayClusters without `HeadPodReady` by their head Pod
    /// ([`Switcher::lookup_head_pod`]).
    pub lookup_head_pod: bool,
}

/// A failed reconcile.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Switch(#[from] SwitchError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// Shared state of the reconcilers.
pub struct Ctx {
    pub kube: Kube,
    pub switcher: Switcher,
    pub metrics: Metrics,
    failures: Mutex<HashMap<String, u32>>,
}

impl Ctx {
    pub fn new(kube: Kube, clock: Arc<dyn Clock>, metrics: Metrics, grace: Duration, events: bool) -> Self {
        Ctx {
            switcher: Switcher::new(kube.clone(), clock, metrics.clone(), grace, events),
            kube,
            metrics,
            failures: Mutex::default(),
        }
    }

    fn succeeded(&self, key: &str) {
        self.failures.lock().unwrap().remove(key);
    }
}

fn key_of(obj: &DynamicObject) -> String {
    format!(
        "{}/{}",
        obj.metadata.namespace.as_deref().unwrap_or_default(),
        obj.metadata.name.as_deref().unwrap_or_default()
    )
}

/// Reconciles one RayService: switchover for opted-in ones, repair of
/// half-done switches for all.
pub async fn reconcile_rayservice(obj: Arc<DynamicObject>, ctx: Arc<Ctx>) -> Result<Action, ReconcileError> {
    let ns = obj.metadata.namespace.clone().unwrap_or_default();
    let name = obj.metadata.name.clone().unwrap_or_default();
    let out = ctx.switcher.reconcile(&ns, &name).await?;
    ctx.succeeded(&key_of(&obj));
    if out.decision != "nothing" {
        info!(rayservice = %format!("{ns}/{name}"), decision = out.decision, state = ?out.state, "reconciled");
    }
    Ok(match out.requeue_after {
        Some(d) => Action::requeue(d),
        None => Action::requeue(Duration::from_secs(300)),
    })
}

/// Reconciles one Queue: its Commands, then a sync.
pub async fn reconcile_queue(obj: Arc<DynamicObject>, ctx: Arc<Ctx>) -> Result<Action, ReconcileError> {
    let name = obj.metadata.name.clone().unwrap_or_default();
    let mut backend = ApiQueues { kube: &ctx.kube };
    let out = queues::handle(&mut backend, &name, Some(&ctx.metrics)).await?;
    let n = out.steps.len();
    for (i, s) in out.steps.iter().enumerate() {
        info!(queue = %name, "{}", s.log_line(i, n));
    }
    for r in &out.refusals {
        info!(queue = %name, "refused: {r}");
    }
    ctx.succeeded(&key_of(&obj));
    Ok(if out.retry {
        Action::requeue(Duration::from_secs(5))
    } else {
        Action::await_change()
    })
}

/// Exponential backoff per object: 1 s, 2 s, 4 s, ... up to 5 minutes.
pub fn error_policy(obj: Arc<DynamicObject>, err: &ReconcileError, ctx: Arc<Ctx>) -> Action {
    let key = key_of(&obj);
    let n = {
        let mut f = ctx.failures.lock().unwrap();
        let n = f.entry(key.clone()).or_insert(0);
        *n += 1;
        *n
    };
    let controller = match err {
        ReconcileError::Switch(_) => "rayservice",
        ReconcileError::Queue(_) => "queue",
    };
    ctx.metrics
        .reconcile_errors
        .get_or_create(&Metrics::label(&[("controller", controller)]))
        .inc();
    let delay = backoff(n);
    warn!(object = %key, error = %err, retry_in = ?delay, "reconcile failed");
    Action::requeue(delay)
}

/// The delay after the `n`th consecutive failure (n ≥ 1).
pub fn backoff(n: u32) -> Duration {
    Duration::from_secs(1u64 << n.saturating_sub(1).min(9)).min(Duration::from_secs(300))
}

/// Maps a PodGroup to the Queue it references.
fn podgroup_queue(pg: DynamicObject) -> Option<ObjectRef<DynamicObject>> {
    let q = pg.data.pointer("/spec/queue").and_then(Value::as_str)?;
    Some(ObjectRef::new_with(q, Kind::Queue.resource()))
}

/// Maps a Command to the Queue it targets.
fn command_queue(cmd: DynamicObject) -> Option<ObjectRef<DynamicObject>> {
    let v = serde_json::to_value(&cmd).ok()?;
    let (q, _) = objects::queue_command(&v)?;
    Some(ObjectRef::new_with(&q, Kind::Queue.resource()))
}

/// Runs the controllers and the HTTP endpoint until a shutdown signal.
///
/// Errors: the metrics port cannot be bound.
pub async fn run(client: Client, cfg: Config) -> anyhow::Result<()> {
    let metrics = Metrics::default();
    let mut registry = Registry::default();
    metrics.register(&mut registry);
    let kube = Kube::new(client.clone(), cfg.api_timeout);
    let mut ctx = Ctx::new(
        kube,
        Arc::new(SystemClock),
        metrics.clone(),
        cfg.repair_grace,
        true,
    );
    ctx.switcher.lookup_head_pod = cfg.lookup_head_pod;
    let ctx = Arc::new(ctx);
    let listener = tokio::net::TcpListener::bind(cfg.metrics_addr).await?;
    info!(addr = %cfg.metrics_addr, "serving /metrics and /healthz");
    let http = tokio::spawn(serve_http(listener, Arc::new(registry)));

    let rs_task = cfg.rayservices.then(|| {
        let ar = Kind::RayService.resource();
        let svc = Kind::Service.resource();
        let rc = Kind::RayCluster.resource();
        let c = Controller::new_with(Api::all_with(client.clone(), &ar), watcher::Config::default(), ar)
            .owns_with(
                Api::<DynamicObject>::all_with(client.clone(), &svc),
                svc,
                watcher::Config::default().labels("ray.io/originated-from-crd=RayService"),
            )
            .owns_with(
                Api::<DynamicObject>::all_with(client.clone(), &rc),
                rc,
                watcher::Config::default().labels("ray.io/originated-from-crd=RayService"),
            )
            .shutdown_on_signal()
            .run(reconcile_rayservice, error_policy, ctx.clone())
            .for_each(|r| async move {
                if let Err(e) = r {
                    warn!(error = %e, "rayservice controller");
                }
            });
        tokio::spawn(c)
    });
    let q_task = cfg.queues.then(|| {
        let q = Kind::Queue.resource();
        let pg = Kind::PodGroup.resource();
        let cmd = Kind::Command.resource();
        let c = Controller::new_with(Api::all_with(client.clone(), &q), watcher::Config::default(), q)
            .watches_with(
                Api::<DynamicObject>::all_with(client.clone(), &pg),
                pg,
                watcher::Config::default(),
                podgroup_queue,
            )
            .watches_with(
                Api::<DynamicObject>::all_with(client.clone(), &cmd),
                cmd,
                watcher::Config::default(),
                command_queue,
            )
            .shutdown_on_signal()
            .run(reconcile_queue, error_policy, ctx.clone())
            .for_each(|r| async move {
                if let Err(e) = r {
                    warn!(error = %e, "queue controller");
                }
            });
        tokio::spawn(c)
    });
    if let Some(t) = rs_task {
        t.await?;
    }
    if let Some(t) = q_task {
        t.await?;
    }
    http.abort();
    Ok(())
}

/// Answers `GET /metrics` and `GET /healthz` (HTTP/1.1, one request per
/// connection); anything else is 404.
pub async fn serve_http(listener: tokio::net::TcpListener, registry: Arc<Registry>) {
    loop {
        let Ok((mut sock, _)) = listener.accept().await else {
            continue;
        };
        let registry = registry.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            let mut len = 0;
            while len < buf.len() {
                match tokio::time::timeout(Duration::from_secs(5), sock.read(&mut buf[len..])).await {
                    Ok(Ok(0)) | Err(_) | Ok(Err(_)) => break,
                    Ok(Ok(n)) => {
                        len += n;
                        if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                            break;
                        }
                    }
                }
            }
            let head = String::from_utf8_lossy(&buf[..len]);
            let path = head.split_whitespace().nth(1).unwrap_or_default();
            let (status, ctype, body) = match (head.split_whitespace().next(), path) {
                (Some("GET"), "/healthz") => ("200 OK", "text/plain", "ok\n".to_string()),
                (Some("GET"), "/metrics") => (
                    "200 OK",
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    metrics::render(&registry),
                ),
                _ => ("404 Not Found", "text/plain", "not found\n".to_string()),
            };
            let resp = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(resp.as_bytes()).await;
            let _ = sock.shutdown().await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_five_minutes() {
        let got: Vec<u64> = [1, 2, 3, 4, 9, 10, 50]
            .iter()
            .map(|n| backoff(*n).as_secs())
            .collect();
        assert_eq!(got, vec![1, 2, 4, 8, 256, 300, 300]);
    }

    #[tokio::test]
    async fn http_serves_healthz_metrics_and_404() {
        let m = Metrics::default();
        let mut reg = Registry::default();
        m.register(&mut reg);
        m.rollbacks.inc();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let srv = tokio::spawn(serve_http(listener, Arc::new(reg)));
        let get = |path: &'static str| async move {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
                .await
                .unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).await.unwrap();
            out
        };
        let h = get("/healthz").await;
        assert!(h.starts_with("HTTP/1.1 200 OK\r\n"), "{h}");
        assert!(h.ends_with("\r\n\r\nok\n"), "{h}");
        let m = get("/metrics").await;
        assert!(m.contains("transition_reconciler_rollbacks_total 1"), "{m}");
        assert!(get("/nope").await.starts_with("HTTP/1.1 404 Not Found"));
        srv.abort();
    }
}
