//! The command line: parse arguments, resolve the prompt, dispatch on the mode.
//! Everything printed for the user goes through `crate::render`; results go to
//! stdout, errors, warnings and progress to stderr.

pub mod execute;
pub mod mcp;
pub mod steps;
pub mod term;

use std::io::Write;

use clap::Parser;

use crate::catalog::{self, Version};
use crate::error::{Error, ExitCode};
use crate::render;
use crate::resolve::{self, Mode, Resolution};
use term::Level;

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
  clerk mcp [--read-only]                 serve the Model Context Protocol on stdio, for AI agents (mcp --help)

Safety: every write is confirmed; without a terminal it needs --yes. Writes need
CLERK_BAPI_SCOPES to contain `write` (DELETE also `delete`) unless --admin is given.
CLERK_SECRET_KEY (or --secret-key, or .env/.env.local) is required to execute and is
never printed.

Exit codes:
  0  success
  1  the API answered with an error status
  2  usage or validation error (unknown tag, version or endpoint; bad or missing parameters)
  3  refused by a safety rule (scopes, confirmation declined, no terminal without --yes)
  4  network error or timeout
  5  a plan of several calls partly done (the summary says which steps)
130  stopped by Ctrl-C before any call of a plan succeeded";

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

    /// Short usage; with an endpoint, show its definition (never sends).
    #[arg(short = 'h')]
    pub help: bool,

    /// Every option and the exit codes; with an endpoint, show its definition.
    #[arg(long = "help")]
    pub long_help: bool,

    /// Spec version to use (default: the newest embedded one; `version DATE` in the
    /// prompt works too). Without a DATE: print clerk's version, as -V does.
    #[arg(long = "version", value_name = "DATE", num_args = 0..=1, default_missing_value = "")]
    pub version: Option<String>,

    /// Print clerk's version and the embedded spec versions.
    #[arg(short = 'V')]
    pub show_version: bool,

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

    /// Retries of GET, PUT and DELETE on 429, 502-504 and dropped connections
    /// (POST and PATCH only on 429, which the server did not act on).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retry: u32,

    /// Pace a plan of several calls at most CALLS per WINDOW (`100/10s`,
    /// `25/1h`, `2/300ms`) instead of Clerk's published limits for the key
    /// and endpoint.
    #[arg(long, value_name = "CALLS/WINDOW")]
    pub rate: Option<String>,

    /// The most seconds spent waiting between retries, in total; a server's
    /// Retry-After is honoured up to it.
    #[arg(long = "retry-max-time", value_name = "SECS", default_value_t = 30)]
    pub retry_max_time: u64,

    /// Print request details (key masked) on stderr.
    #[arg(short = 'v', long)]
    pub verbose: bool,

    /// In an endpoint's definition, cut each description to one line.
    #[arg(long)]
    pub short: bool,

    /// When to colour errors, warnings and notes (NO_COLOR is honoured under auto).
    #[arg(long, value_name = "WHEN", value_enum, default_value_t)]
    pub color: term::ColorChoice,

    /// Flags typed after the prompt that are not clerk's (`--status expired`),
    /// taken as `name=value` items; each must name a parameter of the endpoint.
    #[arg(skip)]
    pub prompt_flags: Vec<String>,

    /// clap's error for those flags, shown when one names no parameter.
    #[arg(skip)]
    pub flag_error: Option<String>,
}

/// Runs the CLI with the process arguments; returns the process exit code.
pub fn main() -> i32 {
    let argv: Vec<String> = std::env::args().collect();
    // `clerk mcp` has its own options; other commands never build them.
    if argv.get(1).is_some_and(|a| a == "mcp") {
        return mcp::main(argv);
    }
    let args = match parse(argv) {
        Ok(a) => a,
        Err(e) => {
            use clap::error::ErrorKind;
            let code = if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                0
            } else {
                ExitCode::Usage as i32
            };
            if code == 0 {
                let _ = e.print();
                return code;
            }
            // clap's own rendering (the error, its "tip: a similar argument
            // exists" hint and the usage line), with any pasted key masked.
            use std::io::IsTerminal;
            let text = if std::io::stderr().is_terminal() {
                e.render().ansi().to_string()
            } else {
                e.render().to_string()
            };
            eprint!("{}", crate::safety::redact(&text));
            return code;
        }
    };
    term::init(args.color);
    std::panic::set_hook(Box::new(|info| {
        term::say(
            Level::Error,
            &format!("internal error (a bug in clerk): {info}"),
        );
    }));
    match run(&args) {
        Ok(code) => code as i32,
        Err(e) => {
            if args.json {
                let message = crate::safety::redact(&e.message);
                let j = serde_json::json!({"error": {"code": e.kind(), "message": message}});
                println!("{j}");
            }
            term::say(Level::Error, &e.to_string());
            e.code as i32
        }
    }
}

/// Parses the arguments. Long flags clerk does not have (`--status expired`,
/// `--query=nguyen`) become `name=value` prompt items, the way `gh api -f`
/// takes fields; [`run`] checks that each names a parameter of the endpoint
/// and otherwise shows clap's error for them.
pub fn parse(argv: Vec<String>) -> Result<Args, clap::Error> {
    use clap::CommandFactory;
    let err = match Args::try_parse_from(&argv) {
        Ok(a) => return Ok(a),
        Err(e) if e.kind() == clap::error::ErrorKind::UnknownArgument => e,
        Err(e) => return Err(e),
    };
    let cmd = Args::command();
    let known = |name: &str| cmd.get_arguments().any(|a| a.get_long() == Some(name));
    let mut rest = Vec::with_capacity(argv.len());
    let mut items = Vec::new();
    let mut it = argv.into_iter().peekable();
    while let Some(a) = it.next() {
        let Some(flag) = a.strip_prefix("--").filter(|f| !f.is_empty()) else {
            rest.push(a);
            continue;
        };
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (flag.to_string(), None),
        };
        let is_param_name = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if known(&name) || !is_param_name {
            rest.push(a);
            continue;
        }
        let value = match inline {
            Some(v) => v,
            None => match it.next_if(|n| !n.starts_with('-')) {
                Some(v) => v,
                None => return Err(err),
            },
        };
        items.push((name.replace('-', "_"), value));
    }
    let Ok(mut args) = Args::try_parse_from(rest) else {
        return Err(err);
    };
    for (name, value) in &items {
        args.prompt.push(format!("{name}={value}"));
        args.prompt_flags.push(name.clone());
    }
    // clap's text (with its "similar argument" tip), as one of our errors.
    let text = err.render().to_string();
    let text = text.trim().trim_start_matches("error: ").to_string();
    args.flag_error = Some(text);
    Ok(args)
}

/// Runs one invocation.
pub fn run(args: &Args) -> Result<ExitCode, Error> {
    let mut prompt = join_prompt(&args.prompt);
    // A key pasted into the prompt or its items stops the call before anything
    // is resolved, so no output can carry it. (`-d`, `--file` and `--api-url`
    // are checked where they are read: `body_input` and `request::build`.)
    crate::safety::refuse_secret("the prompt", &prompt)?;
    // Output is rendered into one buffer and written once: a locked stdout is
    // line-buffered on a terminal, and one write is both faster and atomic.
    let mut out: Vec<u8> = Vec::with_capacity(8 * 1024);
    if args.show_version || args.version.as_deref() == Some("") {
        render::tool_version(&mut out, args.json).map_err(io_err)?;
        return flush(out);
    }
    if args.long_help && prompt.trim().is_empty() {
        use clap::CommandFactory;
        write!(out, "{}", Args::command().render_long_help()).map_err(io_err)?;
        return flush(out);
    }
    if args.help || args.long_help {
        // `clerk -h` is help; `clerk GET /users -h` is detail.
        prompt.push_str(" --help");
    }
    let version = match &args.version {
        Some(v) => Some(select_version(v)?),
        None => None,
    };
    if let Some(done) = generated(args, &mut out)? {
        flush(out)?;
        return Ok(done);
    }
    if prompt.trim() == "versions" {
        render::versions(&mut out, args.json).map_err(io_err)?;
        return flush(out);
    }
    let res = resolve::resolve(&prompt, version).map_err(|e| Error::usage(e.to_string()))?;
    check_prompt_flags(args, &res)?;
    if args.explain && !args.json {
        render::explain(&mut std::io::stderr(), &res, &prompt).map_err(io_err)?;
    }
    match res.mode {
        Mode::Help => render::help(&mut out, args.json).map_err(io_err)?,
        Mode::Browse => {
            for n in &res.notes {
                term::say(Level::Note, n);
            }
            render::browse(&mut out, &res, args.json).map_err(io_err)?
        }
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
                term::say(
                    Level::Note,
                    &format!(
                        "showing {}; did you mean {}?",
                        best.operation.display(),
                        others.join(" or ")
                    ),
                );
            }
            let layout = render::Layout {
                short: args.short,
                width: stdout_width(),
            };
            render::detail(&mut out, res.version, best.operation, args.json, layout)
                .map_err(io_err)?;
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

/// Each flag taken as an item must name a parameter or body field of the
/// endpoint chosen; otherwise it was a mistyped option, and clap says so.
fn check_prompt_flags(args: &Args, res: &Resolution) -> Result<(), Error> {
    let op = res.best().map(|c| c.operation);
    let takes = |name: &str| {
        op.is_some_and(|o| {
            o.param(name).is_some() || o.body.is_some_and(|b| b.field(name).is_some())
        })
    };
    match args.prompt_flags.iter().find(|f| !takes(f)) {
        None => Ok(()),
        Some(_) => Err(Error::usage(args.flag_error.clone().unwrap_or_default())),
    }
}

/// `clerk completions SHELL` and `clerk man`: generated from the same clap
/// definition, so they never drift from the options. Completions also offer
/// the tag names, the methods and the path templates of the version chosen
/// (`--version DATE`, default the latest).
fn generated(args: &Args, out: &mut Vec<u8>) -> Result<Option<ExitCode>, Error> {
    use clap::CommandFactory;
    let words: Vec<&str> = args.prompt.iter().map(String::as_str).collect();
    match words[..] {
        ["man"] => {
            clap_mangen::Man::new(Args::command())
                .render(out)
                .map_err(io_err)?;
            Ok(Some(ExitCode::Ok))
        }
        ["completions", shell] => {
            let shell: clap_complete::Shell = shell.parse().map_err(|_| {
                Error::usage(format!(
                    "no completions for `{shell}`: choose bash, zsh, fish, elvish or powershell"
                ))
            })?;
            let version = match &args.version {
                Some(v) => select_version(v)?,
                None => catalog::latest(),
            };
            let mut cmd = completion_command(version);
            clap_complete::generate(shell, &mut cmd, "clerk", out);
            Ok(Some(ExitCode::Ok))
        }
        ["completions", ..] => Err(Error::usage(
            "usage: clerk completions bash|zsh|fish|elvish|powershell",
        )),
        _ => Ok(None),
    }
}

/// The command as completions see it: the prompt's words may be tag names,
/// `tags`, `versions`, `help`, a method or a path template of `version`.
fn completion_command(version: &'static Version) -> clap::Command {
    use clap::builder::PossibleValue;
    use clap::CommandFactory;
    let mut words: Vec<&'static str> = vec!["tags", "versions", "help", "man", "completions"];
    words.extend(version.tags().iter().map(|t| t.name));
    words.extend(["GET", "POST", "PUT", "PATCH", "DELETE"]);
    for op in version.operations() {
        if !words.contains(&op.path) {
            words.push(op.path);
        }
    }
    let values: Vec<PossibleValue> = words.into_iter().map(PossibleValue::new).collect();
    let dates: Vec<PossibleValue> = catalog::versions()
        .iter()
        .map(|v| PossibleValue::new(v.date))
        .collect();
    Args::command()
        .mut_arg("prompt", |a| {
            a.value_parser(clap::builder::PossibleValuesParser::new(values))
        })
        .mut_arg("version", |a| {
            a.value_parser(clap::builder::PossibleValuesParser::new(dates))
        })
}

/// The terminal's width when stdout is one; 0 (do not wrap) for pipes.
fn stdout_width() -> usize {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return 0;
    }
    terminal_size::terminal_size_of(std::io::stdout()).map_or(100, |(w, _)| usize::from(w.0))
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
    // A pasted curl line's bearer token is masked where errors are printed.
    Error::usage(format!(
        "no endpoint matches `{}`{hint}; `clerk tags` lists what the API covers, and --explain shows how the prompt was read",
        prompt.trim()
    ))
}
