//! `policy-pack`: annotate, scaffold, push, pull and e2e inputs for
//! transition-guard. See the crate docs and README "Install from the registry".

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use policy_pack::annotate::{self, KWCTL_FORMAT_VERSION};
use policy_pack::manifest::ManifestOptions;
use policy_pack::oci::Registry;
use policy_pack::{artifacthub, manifest, read, sessions, write, Metadata, PackError};

#[derive(Parser)]
#[command(name = "policy-pack", about = "Package transition-guard the Kubewarden way")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct RegistryArgs {
    /// Talk plain HTTP to the registry (a local one); HTTPS otherwise.
    #[arg(long)]
    insecure_http: bool,
}

impl RegistryArgs {
    /// Anonymous, or basic auth from POLICY_PACK_REGISTRY_USER/_PASSWORD.
    fn registry(&self) -> Registry {
        let env = |k| std::env::var(k).ok().filter(|v: &String| !v.is_empty());
        Registry {
            insecure_http: self.insecure_http,
            basic_auth: env("POLICY_PACK_REGISTRY_USER").zip(env("POLICY_PACK_REGISTRY_PASSWORD")),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Embed metadata (and usage) in a module, like `kwctl annotate`.
    Annotate {
        /// metadata.yml
        #[arg(short = 'm', long)]
        metadata_path: PathBuf,
        /// Usage text (the README), stored as io.kubewarden.policy.usage.
        #[arg(short = 'u', long)]
        usage_path: Option<PathBuf>,
        /// The annotated module to write.
        #[arg(short = 'o', long)]
        output_path: PathBuf,
        /// Value of the io.kubewarden.kwctl annotation.
        #[arg(long, default_value = KWCTL_FORMAT_VERSION)]
        kwctl_version: String,
        /// Fail (instead of warning) when hostCapabilities differ from the host calls found in the module.
        #[arg(long)]
        strict: bool,
        /// The module to annotate.
        wasm_path: PathBuf,
    },
    /// Print the metadata embedded in a module (JSON).
    Inspect { wasm_path: PathBuf },
    /// Push an annotated module, like `kwctl push`.
    Push {
        #[command(flatten)]
        registry: RegistryArgs,
        wasm_path: PathBuf,
        /// registry://host/repository:tag
        uri: String,
    },
    /// Pull a module and write it to OUTPUT, like `kwctl pull`.
    Pull {
        #[command(flatten)]
        registry: RegistryArgs,
        uri: String,
        #[arg(short = 'o', long)]
        output_path: PathBuf,
    },
    /// `kwctl scaffold` equivalents.
    #[command(subcommand)]
    Scaffold(Scaffold),
    /// Write kwctl run inputs (request, settings, replay session, expectation) for case files.
    E2e {
        /// The policy module to run the cases with.
        #[arg(long)]
        policy: PathBuf,
        /// Directory to write one sub-directory per case into.
        #[arg(long)]
        out: PathBuf,
        /// Case files or directories of them.
        #[arg(required = true)]
        cases: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum Scaffold {
    /// artifacthub-pkg.yml from metadata.yml.
    Artifacthub {
        #[arg(short = 'm', long)]
        metadata_path: PathBuf,
        /// createdAt (RFC 3339); default: the one in --output if it exists, else now.
        #[arg(long)]
        created_at: Option<String>,
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// A ClusterAdmissionPolicy for an annotated module.
    Manifest {
        /// Annotated module to read the metadata from.
        #[arg(long)]
        wasm_path: PathBuf,
        /// The module URI the manifest points to (registry://…).
        #[arg(long)]
        uri: String,
        #[arg(long)]
        title: Option<String>,
        /// Settings as JSON or YAML text.
        #[arg(long)]
        settings_json: Option<String>,
        #[arg(long)]
        allow_context_aware: bool,
        /// Keep only rules for these resources (comma-separated).
        #[arg(long, value_delimiter = ',')]
        only_resources: Vec<String>,
        /// Keep only context-aware grants of these kinds (comma-separated).
        #[arg(long, value_delimiter = ',')]
        only_kinds: Vec<String>,
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
}

fn text(path: &Path) -> Result<String, PackError> {
    String::from_utf8(read(path)?).map_err(|e| PackError::Io {
        path: path.display().to_string(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

fn emit(output: Option<&Path>, content: &str) -> Result<(), PackError> {
    match output {
        Some(p) => write(p, content.as_bytes()),
        None => {
            print!("{content}");
            Ok(())
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, PackError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PackError::Oci(format!("cannot start the async runtime: {e}")))
}

fn run(cli: Cli) -> Result<(), PackError> {
    match cli.command {
        Command::Annotate {
            metadata_path,
            usage_path,
            output_path,
            kwctl_version,
            strict,
            wasm_path,
        } => {
            let metadata = Metadata::from_yaml(&text(&metadata_path)?)?;
            let usage = usage_path.as_deref().map(text).transpose()?;
            let module = read(&wasm_path)?;
            let out = annotate::annotate(&module, metadata, usage.as_deref(), &kwctl_version)?;
            if !out.undeclared.is_empty() || !out.unused.is_empty() {
                let e = PackError::Capabilities {
                    undeclared: out.undeclared.iter().cloned().collect(),
                    unused: out.unused.iter().cloned().collect(),
                };
                if strict {
                    return Err(e);
                }
                eprintln!("warning: {e}");
            }
            write(&output_path, &out.module)?;
            eprintln!(
                "{}: {} bytes ({} of metadata)",
                output_path.display(),
                out.module.len(),
                out.module.len() - module.len()
            );
        }
        Command::Inspect { wasm_path } => match annotate::read_metadata(&read(&wasm_path)?)? {
            Some(m) => println!("{}", String::from_utf8_lossy(&m.to_section_json())),
            None => return Err(PackError::Oci(format!("{}: not annotated", wasm_path.display()))),
        },
        Command::Push {
            registry,
            wasm_path,
            uri,
        } => {
            let module = read(&wasm_path)?;
            let pushed = runtime()?.block_on(registry.registry().push(&module, &uri))?;
            println!("{}", pushed.manifest_url);
            eprintln!("layer {}", pushed.layer_digest);
        }
        Command::Pull {
            registry,
            uri,
            output_path,
        } => {
            let pulled = runtime()?.block_on(registry.registry().pull(&uri))?;
            write(&output_path, &pulled.module)?;
            println!("{}", pulled.manifest_digest);
            eprintln!("layer {} -> {}", pulled.layer_digest, output_path.display());
        }
        Command::Scaffold(Scaffold::Artifacthub {
            metadata_path,
            created_at,
            output,
        }) => {
            let metadata = Metadata::from_yaml(&text(&metadata_path)?)?;
            let created_at = created_at
                .or_else(|| {
                    let existing = std::fs::read_to_string(output.as_ref()?).ok()?;
                    artifacthub::created_at(&existing)
                })
                .unwrap_or_else(artifacthub::now_rfc3339);
            emit(output.as_deref(), &artifacthub::scaffold(&metadata, &created_at)?)?;
        }
        Command::Scaffold(Scaffold::Manifest {
            wasm_path,
            uri,
            title,
            settings_json,
            allow_context_aware,
            only_resources,
            only_kinds,
            output,
        }) => {
            let metadata = annotate::read_metadata(&read(&wasm_path)?)?.ok_or_else(|| {
                PackError::Manifest(format!(
                    "no Kubewarden metadata in {}; annotate it first",
                    wasm_path.display()
                ))
            })?;
            let opts = ManifestOptions {
                uri,
                title,
                settings: settings_json,
                allow_context_aware,
                only_resources,
                only_kinds,
            };
            emit(output.as_deref(), &manifest::scaffold(&metadata, &opts)?)?;
        }
        Command::E2e { policy, out, cases } => {
            let module =
                policy_runner::Policy::load(&policy).map_err(|e| PackError::Session(e.to_string()))?;
            let files = policy_runner::case::collect_case_files(&cases).map_err(PackError::Session)?;
            for file in files {
                let case = policy_runner::Case::read(&file).map_err(PackError::Session)?;
                let e2e = sessions::e2e_files(&module, &case)?;
                let dir = out.join(case_dir_name(&file));
                write(&dir.join("request.json"), e2e.request.as_bytes())?;
                write(&dir.join("settings.json"), e2e.settings.as_bytes())?;
                write(&dir.join("session.yml"), e2e.session.as_bytes())?;
                write(&dir.join("expect.json"), e2e.expect.as_bytes())?;
                println!("{}", dir.display());
            }
        }
    }
    Ok(())
}

/// `examples/cases/volcano-queue-lifecycle/01-create-queue.json` →
/// `volcano-queue-lifecycle--01-create-queue`.
pub fn case_dir_name(file: &Path) -> String {
    let stem = file.file_stem().unwrap_or_default().to_string_lossy();
    match file.parent().and_then(Path::file_name) {
        Some(parent) => format!("{}--{stem}", parent.to_string_lossy()),
        None => stem.into_owned(),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
