//! Project chores: `cargo xtask specs` (bring Clerk's BAPI specs into `specs/`) and
//! `cargo xtask eval FILE` (measure the resolver on a labelled prompt set), `train`,
//! `test` and `fuzz` (see USAGE).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod fuzz;
mod specs;

#[cfg(feature = "eval")]
mod eval;
#[cfg(feature = "eval")]
mod train;

const USAGE: &str = "\
usage:
  cargo xtask specs [--from DIR | --url URL] [--only V1,V2] [--out DIR]
      Bring Clerk's versioned BAPI OpenAPI files into specs/.
      --from DIR   a local copy of github.com/clerk/openapi-specs (reads DIR/bapi/*.yml)
      --url URL    a listing in GitHub's contents-API format (default: the clerk/openapi-specs bapi folder)
      --only LIST  comma-separated versions to bring (default: all)
      --out DIR    where to write (default: <workspace>/specs)
  cargo xtask eval FILE [--version V] [--json] [--timing]
      Measure the resolver on a JSONL prompt set (see ../shared/eval/README.md).
  cargo xtask train CORPUS... [--eval FILE]... [--ablation] [--no-write]
      Fit the resolver's model on labelled prompts (e.g. ../shared/corpus) plus xtask/corpus/,
      and write src/resolve/model.bin (embedded by build.rs). `cargo xtask train --help` for more.
  cargo xtask test [-- CARGO TEST ARGS]
      Set up what the tests need (specs if missing, Prism via npm ci, the MCP Python SDK via pip) and run `cargo test --workspace`.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("specs") => specs::run(&args[1..]),
        Some("eval") => with_clerk("eval", &args[1..]),
        Some("train") => with_clerk("train", &args[1..]),
        Some("test") => run_tests(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}{}", fuzz::USAGE);
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown task `{other}`\n{USAGE}{}", fuzz::USAGE)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// `cargo xtask test`: specs (from ../shared/clerk-openapi-specs when present,
/// else downloaded) unless already there, Prism for the conformance tests
/// (`npm ci` in tests/prism) unless installed, then the whole test suite.
fn run_tests(args: &[String]) -> Result<(), String> {
    let root = workspace_root();
    let have_specs = std::fs::read_dir(root.join("specs/bapi"))
        .map(|rd| {
            rd.flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "json"))
        })
        .unwrap_or(false);
    if !have_specs {
        let shared = root.join("../shared/clerk-openapi-specs");
        let mut a = vec!["specs".to_string()];
        if shared.join("bapi").is_dir() {
            a.extend(["--from".to_string(), shared.display().to_string()]);
        }
        specs::run(&a[1..])?;
    }
    let prism = root.join("tests/prism");
    if prism.join("package-lock.json").exists() && !prism.join("node_modules/.bin/prism").exists() {
        eprintln!("installing Prism (npm ci in tests/prism)");
        let ok = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prism)
            .status()
            .map_err(|e| format!("cannot run npm (needed for the Prism conformance tests): {e}"))?
            .success();
        if !ok {
            return Err("npm ci in tests/prism failed".into());
        }
    }
    mcp_client(&root)?;
    cargo(&["test", "--workspace"], args)
}

/// The official MCP Python SDK for tests/mcp.rs, pinned by
/// tests/mcp/requirements.txt, in a venv under target/ (reinstalled when the
/// pins change).
fn mcp_client(root: &Path) -> Result<(), String> {
    let venv = root.join("target/mcp-venv");
    let pins = std::fs::read_to_string(root.join("tests/mcp/requirements.txt"))
        .map_err(|e| format!("cannot read tests/mcp/requirements.txt: {e}"))?;
    let stamp = venv.join("installed-requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(pins.as_str()) {
        return Ok(());
    }
    eprintln!("installing the MCP Python SDK (pip, into target/mcp-venv)");
    let run = |cmd: &mut std::process::Command, what: &str| -> Result<(), String> {
        let ok = cmd
            .status()
            .map_err(|e| format!("cannot run {what}: {e}"))?
            .success();
        ok.then_some(()).ok_or(format!("{what} failed"))
    };
    run(
        std::process::Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv),
        "python3 -m venv (needed for the MCP client tests)",
    )?;
    run(
        std::process::Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(root.join("tests/mcp/requirements.txt")),
        "pip install -r tests/mcp/requirements.txt",
    )?;
    std::fs::write(&stamp, pins).map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

/// Runs cargo (the one running this xtask) in the workspace; its failure
/// exit code becomes ours.
fn cargo(fixed: &[&str], extra: &[String]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .current_dir(workspace_root())
        .args(fixed)
        .args(extra)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        std::process::exit(status.code().unwrap_or(1))
    }
}

/// The workspace root (the parent of this crate's manifest directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[cfg(feature = "eval")]
fn with_clerk(task: &str, args: &[String]) -> Result<(), String> {
    match task {
        "train" => train::run(args),
        _ => eval::run(args),
    }
}

/// Without the `eval` feature (the default, so `cargo xtask specs` never needs the
/// embedded specs), re-run the task through cargo with the feature and in release
/// mode: it then links the freshly built catalog and model.
#[cfg(not(feature = "eval"))]
fn with_clerk(task: &str, args: &[String]) -> Result<(), String> {
    // Not --quiet: the first run builds the release resolver for minutes, and
    // cargo's progress is the only sign of life meanwhile.
    eprintln!("xtask {task}: building the release resolver with the `eval` feature (minutes on a first run)");
    cargo(
        &[
            "run",
            "--release",
            "--package",
            "xtask",
            "--features",
            "eval",
            "--",
            task,
        ],
        args,
    )
}
