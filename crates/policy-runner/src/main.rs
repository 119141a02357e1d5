//! `policy-runner`: evaluate a Kubewarden policy module locally.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use policy_runner::case::collect_case_files;
use policy_runner::{admission_request, read_document, Case, Fixtures, Policy};

#[derive(Parser)]
#[command(
    version,
    about = "Run a Kubewarden policy module the way policy-server does, without a cluster"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
    },
    /// Run case files; prints PASS/FAIL per case and `N passed, N failed`.
    Test {
        /// The policy module (.wasm).
        #[arg(long)]
        policy: PathBuf,
        /// Case files or directories of case files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
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

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Run {
            policy,
            request,
            settings,
            context,
        } => {
            let policy = Policy::load(&policy).map_err(|e| e.to_string())?;
            let request = admission_request(read_document(&request)?);
            let settings = settings
                .map(|p| read_document(&p))
                .transpose()?
                .unwrap_or_default();
            let fixtures = match context {
                Some(p) => Fixtures::from_context(&read_document(&p)?)
                    .map_err(|e| format!("{}: {e}", p.display()))?,
                None => Fixtures::default(),
            };
            let s = policy.validate_settings(&settings).map_err(|e| e.to_string())?;
            if !s.valid {
                return Err(format!("settings rejected: {}", s.message.unwrap_or_default()));
            }
            let (resp, _) = policy
                .validate(&request, &settings, fixtures)
                .map_err(|e| e.to_string())?;
            println!(
                "{}",
                serde_json::to_string_pretty(&resp).map_err(|e| e.to_string())?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Test { policy, paths } => {
            let policy = Policy::load(&policy).map_err(|e| e.to_string())?;
            let files = collect_case_files(&paths)?;
            let (mut passed, mut failed) = (0usize, 0usize);
            for f in files {
                let outcome = Case::read(&f).and_then(|c| c.run(&policy).map(|verdict| (c.name, verdict)));
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
