//! `transition-reconciler`: performs Volcano Queue transitions and RayService
//! switchovers as ordered steps planned by `transition-core`.
//!
//! This is the skeleton: it parses its command line, sets up logging and, for
//! `run`, connects to the cluster. The reconcile loops come in their own issue.

use clap::{Parser, Subcommand};
use tracing::info;

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
    /// Connect to the cluster from the kubeconfig or in-cluster config and report the server version.
    Run,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    match Cli::parse().command {
        Command::Run => {
            let client = kube::Client::try_default().await?;
            let version = client.apiserver_version().await?;
            info!(server = %version.git_version, "connected; reconcile loops are not implemented yet");
            Ok(())
        }
    }
}
