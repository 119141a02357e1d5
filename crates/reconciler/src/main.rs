//! `transition-reconciler`: `run` (the controller) and `plan --objects`
//! (offline plans, no cluster).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use transition_reconciler::{controller, objects, offline, Clock, SystemClock};

#[derive(Parser)]
#[command(
    version,
    about = "Volcano Queue lifecycle and RayService switchover reconciler"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the controllers against the cluster (kubeconfig or in-cluster config).
    Run {
        /// Address of /metrics and /healthz.
        #[arg(long, default_value = "0.0.0.0:8080")]
        metrics_addr: SocketAddr,
        /// Seconds a half-done switch must persist before it is repaired.
        #[arg(long, default_value_t = 30)]
        repair_grace_secs: u64,
        /// Timeout of each API call, in milliseconds.
        #[arg(long, default_value_t = 10_000)]
        api_timeout_ms: u64,
        /// Do not run the Volcano queue controller.
        #[arg(long)]
        no_queues: bool,
        /// Do not run the RayService switchover controller.
        #[arg(long)]
        no_rayservices: bool,
        /// Judge a RayCluster without the HeadPodReady condition (KubeRay's
        /// RayClusterStatusConditions gate off) by its head Pod (Running and
        /// Ready), as the policy's lookupHeadPod setting does, rather than by
        /// its status.state. Needs `get` on pods.
        #[arg(long)]
        lookup_head_pod: bool,
    },
    /// Print, as JSON, the plan or repair of every RayService and the next
    /// state of every Queue in the given files (JSON or YAML, `kind: List` ok).
    Plan {
        #[arg(long = "objects", required = true, num_args = 1..)]
        objects: Vec<PathBuf>,
        /// The time to plan at, Unix seconds (default: now).
        #[arg(long)]
        now: Option<i64>,
        /// Judge RayClusters without HeadPodReady by their head Pods in the
        /// files, as `run --lookup-head-pod` does.
        #[arg(long)]
        lookup_head_pod: bool,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Plan {
            objects: files,
            now,
            lookup_head_pod,
        } => {
            let mut all = Vec::new();
            for f in &files {
                all.extend(objects::load_file(f)?);
            }
            let now = now.unwrap_or_else(|| SystemClock.now_unix_secs());
            let plans = offline::plan(all, now, lookup_head_pod)?;
            println!("{}", serde_json::to_string_pretty(&plans)?);
            Ok(())
        }
        Command::Run {
            metrics_addr,
            repair_grace_secs,
            api_timeout_ms,
            no_queues,
            no_rayservices,
            lookup_head_pod,
        } => {
            tracing_subscriber::fmt()
                .json()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
                )
                .init();
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async move {
                let client = kube::Client::try_default().await?;
                controller::run(
                    client,
                    controller::Config {
                        metrics_addr,
                        repair_grace: Duration::from_secs(repair_grace_secs),
                        api_timeout: Duration::from_millis(api_timeout_ms),
                        queues: !no_queues,
                        rayservices: !no_rayservices,
                        lookup_head_pod,
                    },
                )
                .await
            })
        }
    }
}
