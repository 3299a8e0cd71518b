//! `cargo xtask fuzz`: builds the cargo-fuzz targets in `fuzz/` (nightly,
//! installing cargo-fuzz if it is missing) and runs each for a time budget,
//! on its seeds, its growing corpus and its saved regressions, then prints
//! executions per target. Any crash fails the task and names its input.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::workspace_root;

pub const USAGE: &str = "\
  cargo xtask fuzz [--time SECS] [--jobs N] [--only T1,T2] [--asan]
      Build fuzz/ with cargo-fuzz (nightly; installed if missing) and run every target
      for SECS seconds each (default 60), N at a time (default 2), on fuzz/seeds/T,
      fuzz/regressions/T and the working corpus fuzz/corpus/T. --asan adds
      AddressSanitizer (slower; the default has none, the code is safe Rust).
";

const TARGETS: &[&str] = &[
    "resolve_utf8",
    "resolve_dict",
    "build_request",
    "render_response",
    "secrets_dotenv",
    "c_abi",
];

struct Opts {
    secs: u64,
    jobs: usize,
    only: Vec<String>,
    sanitizer: &'static str,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        secs: 60,
        jobs: 2,
        only: TARGETS.iter().map(|t| t.to_string()).collect(),
        sanitizer: "none",
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--time" => o.secs = value()?.parse().map_err(|_| "--time takes seconds")?,
            "--jobs" => o.jobs = value()?.parse().map_err(|_| "--jobs takes a number")?,
            "--only" => o.only = value()?.split(',').map(str::to_string).collect(),
            "--asan" => o.sanitizer = "address",
            other => return Err(format!("unknown option `{other}`\n{USAGE}")),
        }
    }
    if let Some(t) = o.only.iter().find(|t| !TARGETS.contains(&t.as_str())) {
        return Err(format!(
            "no fuzz target `{t}` (targets: {})",
            TARGETS.join(", ")
        ));
    }
    o.jobs = o.jobs.max(1);
    Ok(o)
}

pub fn run(args: &[String]) -> Result<(), String> {
    let o = parse(args)?;
    let dir = workspace_root().join("fuzz");
    ensure_cargo_fuzz()?;
    eprintln!("building fuzz targets (nightly, sanitizer {})", o.sanitizer);
    let built = fuzz_cmd(&dir, &["build", "-O", "-s", o.sanitizer])
        .status()
        .map_err(|e| format!("cannot run cargo +nightly fuzz: {e}"))?;
    if !built.success() {
        return Err("building the fuzz targets failed".into());
    }
    let logs = dir.join("target/xtask-logs");
    std::fs::create_dir_all(&logs).map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    for batch in o.only.chunks(o.jobs) {
        let running: Vec<(String, Child)> = batch
            .iter()
            .map(|t| start(&dir, &logs, t, &o).map(|c| (t.clone(), c)))
            .collect::<Result<_, _>>()?;
        for (t, mut child) in running {
            let ok = child.wait().map_err(|e| e.to_string())?.success();
            let log = std::fs::read_to_string(logs.join(format!("{t}.log"))).unwrap_or_default();
            results.push((t, ok, stats(&log)));
        }
    }
    report(&results, o.secs)
}

/// Starts one target in the background, its output to `logs/T.log`.
fn start(dir: &Path, logs: &Path, t: &str, o: &Opts) -> Result<Child, String> {
    let corpus = dir.join("corpus").join(t);
    std::fs::create_dir_all(&corpus).map_err(|e| e.to_string())?;
    let mut dirs: Vec<PathBuf> = vec![corpus, dir.join("seeds").join(t)];
    let regressions = dir.join("regressions").join(t);
    if regressions.is_dir() {
        dirs.push(regressions);
    }
    let log = std::fs::File::create(logs.join(format!("{t}.log"))).map_err(|e| e.to_string())?;
    let mut cmd = fuzz_cmd(dir, &["run", "-O", "-s", o.sanitizer, t]);
    cmd.args(&dirs)
        .arg("--")
        .arg(format!("-max_total_time={}", o.secs))
        .args([
            "-max_len=1024",
            "-rss_limit_mb=4096",
            "-print_final_stats=1",
        ])
        .stdout(Stdio::null())
        .stderr(log);
    eprintln!("fuzzing {t} for {} s", o.secs);
    cmd.spawn().map_err(|e| format!("cannot start {t}: {e}"))
}

/// (executions, executions per second, corpus entries) from libFuzzer's final stats.
fn stats(log: &str) -> (u64, u64, u64) {
    let stat = |name: &str| {
        log.lines()
            .rev()
            .filter_map(|l| l.strip_prefix(&format!("stat::{name}:")))
            .find_map(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    let corpus = log
        .lines()
        .rev()
        .find_map(|l| l.split("corp: ").nth(1)?.split('/').next()?.parse().ok())
        .unwrap_or(0);
    (
        stat("number_of_executed_units"),
        stat("average_exec_per_sec"),
        corpus,
    )
}

fn report(results: &[(String, bool, (u64, u64, u64))], secs: u64) -> Result<(), String> {
    println!(
        "{:<16} {:>12} {:>8} {:>7}  result",
        "target", "executions", "exec/s", "corpus"
    );
    for (t, ok, (n, rate, corpus)) in results {
        let result = if *ok {
            "clean".to_string()
        } else {
            format!("CRASH: see fuzz/target/xtask-logs/{t}.log and fuzz/artifacts/{t}/")
        };
        println!("{t:<16} {n:>12} {rate:>8} {corpus:>7}  {result}");
    }
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| !r.1)
        .map(|r| r.0.as_str())
        .collect();
    if failed.is_empty() {
        println!("all {} targets clean after {secs} s each", results.len());
        Ok(())
    } else {
        Err(format!(
            "fuzzing found a failure in {}: minimise it (cargo +nightly fuzz tmin), add a regression test, and keep the input in fuzz/regressions/<target>/",
            failed.join(", ")
        ))
    }
}

fn fuzz_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("cargo");
    c.current_dir(dir).arg("+nightly").arg("fuzz").args(args);
    // The outer `cargo xtask` sets these for the stable toolchain.
    for var in [
        "CARGO",
        "RUSTC",
        "RUSTDOC",
        "RUSTUP_TOOLCHAIN",
        "CARGO_TARGET_DIR",
    ] {
        c.env_remove(var);
    }
    c
}

/// cargo-fuzz on the nightly toolchain, installed from crates.io if missing.
fn ensure_cargo_fuzz() -> Result<(), String> {
    let has = |args: &[&str]| {
        Command::new("cargo")
            .args(args)
            .env_remove("RUSTUP_TOOLCHAIN")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !has(&["+nightly", "--version"]) {
        return Err(
            "fuzzing needs the nightly toolchain (rustup toolchain install nightly)".into(),
        );
    }
    if has(&["+nightly", "fuzz", "--version"]) {
        return Ok(());
    }
    eprintln!("installing cargo-fuzz (cargo install cargo-fuzz --locked)");
    let ok = Command::new("cargo")
        .args(["install", "cargo-fuzz", "--locked"])
        .env_remove("RUSTUP_TOOLCHAIN")
        .status()
        .map_err(|e| e.to_string())?
        .success();
    if ok {
        Ok(())
    } else {
        Err("cargo install cargo-fuzz failed".into())
    }
}
