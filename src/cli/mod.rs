//! The command line: parse arguments, resolve the prompt, dispatch on the mode.
//! Everything printed for the user goes through `crate::render`; results go to
//! stdout, errors, warnings and progress to stderr.

pub mod execute;

use std::io::Write;

use clap::Parser;

use crate::catalog::{self, Version};
use crate::error::{Error, ExitCode};
use crate::render;
use crate::resolve::{self, Mode, Resolution};

const AFTER_HELP: &str = "\
Examples:
  clerk tags                              list every tag (group of endpoints)
  clerk Users                             list the Users endpoints
  clerk Users --version 2025-11-10        ... in another spec version
  clerk GET /users help                   show an endpoint's parameters, body and responses
  clerk POST /invitations -h              same, never sends anything
  clerk GET /users                        run an endpoint
  clerk \"get user john_doe\"               say what you want; clerk finds the endpoint
  clerk \"ban user_2ab\" --dry-run          show the exact request without sending it
  clerk POST /organizations name=Acme     body fields as key=value (key:=json, key==query)
  clerk versions                          list the embedded spec versions

Safety: every write is confirmed; without a terminal it needs --yes. Writes need
CLERK_BAPI_SCOPES to contain `write` (DELETE also `delete`) unless --admin is given.
CLERK_SECRET_KEY (or --secret-key, or .env/.env.local) is required to execute and is
never printed.

Exit codes:
  0  success
  1  the API answered with an error status
  2  usage or validation error (unknown tag, version or endpoint; bad or missing parameters)
  3  refused by a safety rule (scopes, confirmation declined, no terminal without --yes)
  4  network error or timeout";

/// Turn a plain-language prompt into the right Clerk Backend API call, offline, and run it safely.
#[derive(Parser, Debug, Default, Clone)]
#[command(
    name = "clerk",
    about,
    after_help = AFTER_HELP,
    disable_help_flag = true,
    disable_version_flag = true
)]
pub struct Args {
    /// What you want: `tags`, a tag, `METHOD /path`, or plain language. Words are joined.
    #[arg(value_name = "PROMPT")]
    pub prompt: Vec<String>,

    /// Show usage, or with an endpoint, show its definition.
    #[arg(short = 'h', long = "help")]
    pub help: bool,

    /// Spec version to use (default: the newest embedded one). `version DATE` in the prompt works too.
    #[arg(long = "version", value_name = "DATE")]
    pub version: Option<String>,

    /// Machine-readable JSON output (stable field names, see README).
    #[arg(long)]
    pub json: bool,

    /// Show why the resolver chose its answer.
    #[arg(long)]
    pub explain: bool,

    /// Bypass the CLERK_BAPI_SCOPES check (never the confirmation).
    #[arg(long)]
    pub admin: bool,

    /// Confirm writes without asking (required for writes without a terminal).
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Print the exact request (key masked) and send nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Print an equivalent curl command (reads the key from $CLERK_SECRET_KEY) and send nothing.
    #[arg(long)]
    pub curl: bool,

    /// Request body as JSON.
    #[arg(short = 'd', long = "data", value_name = "JSON")]
    pub data: Option<String>,

    /// Request body from a JSON file (`-` for stdin).
    #[arg(long = "file", value_name = "PATH")]
    pub file: Option<String>,

    /// Base URL of the API (default `https://api.clerk.com/v1`; env CLERK_API_URL).
    #[arg(long = "api-url", value_name = "URL")]
    pub api_url: Option<String>,

    /// Secret key (default: env CLERK_SECRET_KEY, then .env.local/.env).
    #[arg(long = "secret-key", value_name = "KEY")]
    pub secret_key: Option<crate::safety::Secret>,

    /// Show the response status and headers.
    #[arg(short = 'i', long)]
    pub include: bool,

    /// Page size for list endpoints.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,

    /// Offset for list endpoints.
    #[arg(long, value_name = "N")]
    pub offset: Option<u64>,

    /// Walk every page of a list endpoint.
    #[arg(long)]
    pub all: bool,

    /// Overall request timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub timeout: u64,

    /// Connect timeout in seconds.
    #[arg(long = "connect-timeout", value_name = "SECS", default_value_t = 10)]
    pub connect_timeout: u64,

    /// Print request details (key masked) on stderr.
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

/// Runs the CLI with the process arguments; returns the process exit code.
pub fn main() -> i32 {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return 0;
            }
            // clap's message is multi-line; keep the first line and a hint.
            let msg = e.to_string();
            let first = msg
                .lines()
                .next()
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ");
            eprintln!("error: {first} (see `clerk --help`)");
            return ExitCode::Usage as i32;
        }
    };
    match run(&args) {
        Ok(code) => code as i32,
        Err(e) => {
            if args.json {
                let j = serde_json::json!({"error": {"code": e.kind(), "message": e.message}});
                println!("{j}");
            }
            eprintln!("error: {e}");
            e.code as i32
        }
    }
}

/// Runs one invocation.
pub fn run(args: &Args) -> Result<ExitCode, Error> {
    let mut prompt = join_prompt(&args.prompt);
    if args.help {
        // `clerk -h` is help; `clerk GET /users -h` is detail.
        prompt.push_str(" --help");
    }
    let version = match &args.version {
        Some(v) => Some(select_version(v)?),
        None => None,
    };
    // Output is rendered into one buffer and written once: a locked stdout is
    // line-buffered on a terminal, and one write is both faster and atomic.
    let mut out: Vec<u8> = Vec::with_capacity(8 * 1024);
    if prompt.trim() == "versions" {
        render::versions(&mut out, args.json).map_err(io_err)?;
        return flush(out);
    }
    let res = resolve::resolve(&prompt, version).map_err(|e| Error::usage(e.to_string()))?;
    if args.explain && !args.json {
        render::explain(&mut std::io::stderr(), &res, &prompt).map_err(io_err)?;
    }
    match res.mode {
        Mode::Help => render::help(&mut out, args.json).map_err(io_err)?,
        Mode::Browse => render::browse(&mut out, &res, args.json).map_err(io_err)?,
        Mode::Detail => {
            let best = res.best().ok_or_else(|| no_match(&res, &prompt))?;
            if res.confidence == resolve::Confidence::Low {
                let others: Vec<String> = res
                    .candidates
                    .iter()
                    .skip(1)
                    .take(2)
                    .map(|c| c.operation.display())
                    .collect();
                eprintln!(
                    "note: showing {}; did you mean {}?",
                    best.operation.display(),
                    others.join(" or ")
                );
            }
            render::detail(&mut out, res.version, best.operation, args.json).map_err(io_err)?;
        }
        Mode::Execute => {
            if res.best().is_none() {
                return Err(no_match(&res, &prompt));
            }
            return execute::run(args, &res);
        }
    }
    flush(out)
}

fn flush(out: Vec<u8>) -> Result<ExitCode, Error> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&out)
        .and_then(|_| stdout.flush())
        .map_err(io_err)?;
    Ok(ExitCode::Ok)
}

/// Joins the prompt's arguments. An argument the shell kept whole that holds
/// white space is re-quoted, so `name="Acme Inc"` stays one value; plain
/// words and a whole prompt in one argument join as they are.
pub fn join_prompt(args: &[String]) -> String {
    let item = |a: &str| {
        let key_end = a
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(0);
        if key_end == 0 {
            return None;
        }
        ["==", ":=", "="]
            .iter()
            .find(|op| a[key_end..].starts_with(*op))
            .map(|op| key_end + op.len())
    };
    args.iter()
        .map(|a| match item(a) {
            Some(split) if a.contains(char::is_whitespace) => {
                let value = &a[split..];
                let q = if value.contains('\'') { '"' } else { '\'' };
                format!("{}{q}{value}{q}", &a[..split])
            }
            _ => a.clone(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn io_err(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        // `clerk tags | head` is fine.
        std::process::exit(0);
    }
    Error::usage(format!("cannot write output: {e}"))
}

/// Selects a version by date, or fails with the list of embedded ones.
pub fn select_version(date: &str) -> Result<&'static Version, Error> {
    catalog::version(date.trim()).ok_or_else(|| Error::usage(catalog::unknown_version(date)))
}

fn no_match(res: &Resolution, prompt: &str) -> Error {
    let hint = resolve::nearest_hint(res, prompt);
    // The prompt may be a pasted curl line with a key in it: never echo one.
    Error::usage(crate::safety::redact(&format!(
        "no endpoint matches `{}`{hint}",
        prompt.trim()
    )))
}
