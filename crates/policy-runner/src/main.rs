//! `policy-runner`: evaluate a Kubewarden policy module locally.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use policy_runner::callback::session_yaml;
use policy_runner::case::{collect_case_files, summary};
use policy_runner::{admission_request, read_document, Backend, Case, Fixtures, Grants, Policy};

#[derive(Parser)]
#[command(
    version,
    about = "Run a Kubewarden policy module the way policy-server does, without a cluster"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What the policy may look up: as the engine grants it.
#[derive(Args)]
struct GrantArgs {
    /// Policy metadata (YAML) whose `contextAwareResources` and `hostCapabilities`
    /// are granted. Default: the module's embedded metadata (`kwctl annotate`); none grants nothing.
    #[arg(long)]
    metadata: Option<PathBuf>,
    /// Host capabilities to grant instead of the metadata's, comma-separated
    /// (`kubernetes/get_resource`, `kubernetes/*`, `*`).
    #[arg(long)]
    host_capabilities: Option<String>,
    /// Grant every lookup and host call (lenient; unlike policy-server).
    #[arg(long, conflicts_with_all = ["metadata", "host_capabilities"])]
    grant_all: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate one request and print the policy's JSON response.
    Run {
        /// The policy module (.wasm).
        #[arg(long)]
        policy: PathBuf,
        /// An AdmissionReview v1 request object, or a whole AdmissionReview (JSON or YAML).
        #[arg(long)]
        request: PathBuf,
        /// Policy settings (JSON or YAML object).
        #[arg(long)]
        settings: Option<PathBuf>,
        /// Cluster state for lookups: `{"resources": [<objects>]}`.
        #[arg(long)]
        context: Option<PathBuf>,
        /// Answer lookups from a kwctl replay session instead, strictly in order (as
        /// `kwctl run --replay-host-capabilities-interactions` does).
        #[arg(long, conflicts_with = "context")]
        replay_host_capabilities_interactions: Option<PathBuf>,
        #[command(flatten)]
        grants: GrantArgs,
    },
    /// Run case files; prints PASS/FAIL per case and `N passed, N failed`.
    Test {
        /// The policy module (.wasm).
        #[arg(long)]
        policy: PathBuf,
        /// Case files or directories of case files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Write, for every case, NAME.request.json, NAME.settings.json and a kwctl
        /// replay session NAME.replay.yml into this directory.
        #[arg(long)]
        record: Option<PathBuf>,
        #[command(flatten)]
        grants: GrantArgs,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("policy-runner: {e}");
            ExitCode::from(2)
        }
    }
}

fn load(path: &Path, args: &GrantArgs) -> Result<Policy, String> {
    let mut policy = Policy::load(path).map_err(|e| e.to_string())?;
    if args.grant_all {
        eprintln!("policy-runner: --grant-all: every lookup and host call is granted; policy-server would not do that");
        return Ok(policy.with_grants(Grants::all()));
    }
    if let Some(m) = &args.metadata {
        policy = policy.with_grants(Grants::from_metadata_file(m).map_err(|e| e.to_string())?);
    }
    if let Some(caps) = &args.host_capabilities {
        let g = policy
            .grants()
            .with_capabilities_arg(caps)
            .map_err(|e| e.to_string())?;
        policy = policy.with_grants(g);
    }
    Ok(policy)
}

/// `tests/data/volcano/derived/t3.json` → `volcano-derived-t3`.
fn record_name(file: &Path) -> String {
    let parts: Vec<String> = file
        .with_extension("")
        .components()
        .rev()
        .take(3)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("-")
}

fn write(path: PathBuf, text: &str) -> Result<(), String> {
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Run {
            policy,
            request,
            settings,
            context,
            replay_host_capabilities_interactions: replay,
            grants,
        } => {
            let policy = load(&policy, &grants)?;
            let request = admission_request(read_document(&request)?);
            let settings = settings
                .map(|p| read_document(&p))
                .transpose()?
                .unwrap_or_default();
            let backend = std::sync::Arc::new(match (context, replay) {
                (Some(p), _) => Backend::from(
                    Fixtures::from_context(&read_document(&p)?)
                        .map_err(|e| format!("{}: {e}", p.display()))?,
                ),
                (None, Some(session)) => Backend::replay_file(&session)?,
                (None, None) => Backend::from(Fixtures::default()),
            });
            let s = policy.validate_settings(&settings).map_err(|e| e.to_string())?;
            if !s.valid {
                return Err(format!("settings rejected: {}", s.message.unwrap_or_default()));
            }
            let (resp, _) = policy
                .validate(&request, &settings, backend.clone())
                .map_err(|e| e.to_string())?;
            if backend.leftovers() > 0 {
                eprintln!(
                    "policy-runner: {} recorded exchange(s) were not replayed",
                    backend.leftovers()
                );
            }
            println!(
                "{}",
                serde_json::to_string_pretty(&resp).map_err(|e| e.to_string())?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Test {
            policy,
            paths,
            record,
            grants,
        } => {
            let policy = load(&policy, &grants)?;
            if let Some(dir) = &record {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            let files = collect_case_files(&paths)?;
            let (mut passed, mut failed) = (0usize, 0usize);
            for f in files {
                let outcome = Case::read(&f).and_then(|case| {
                    let (resp, calls) = case.evaluate(&policy)?;
                    if let Some(dir) = &record {
                        let name = record_name(&f);
                        let json = |v| serde_json::to_string_pretty(v).unwrap_or_default();
                        write(dir.join(format!("{name}.request.json")), &json(&case.request))?;
                        let settings = if case.settings.is_null() {
                            serde_json::json!({})
                        } else {
                            case.settings.clone()
                        };
                        write(dir.join(format!("{name}.settings.json")), &json(&settings))?;
                        write(dir.join(format!("{name}.replay.yml")), &session_yaml(&calls))?;
                    }
                    case.check(&resp).map(|_| (case.name, summary(&resp)))
                });
                match outcome {
                    Ok((name, verdict)) => {
                        passed += 1;
                        println!("PASS {}: {name}\n     => {verdict}", f.display());
                    }
                    Err(reason) => {
                        failed += 1;
                        println!("FAIL {}: {reason}", f.display());
                    }
                }
            }
            println!("{passed} passed, {failed} failed");
            Ok(if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
