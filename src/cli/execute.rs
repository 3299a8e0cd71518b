//! Execute mode: choose the candidate, build and check the request, apply the
//! safety rules, confirm, send, render. Every refusal happens before any byte
//! is sent.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::time::Duration;

use serde_json::Value;

use crate::catalog::{Method, ParamIn};
use crate::cli::term::{self, Level};
use crate::cli::Args;
use crate::error::{Error, ExitCode};
use crate::render::response::{self, Style};
use crate::request::{self, BuildError, Inputs, Request};
use crate::resolve::{Bound, Candidate, Confidence, Resolution};
use crate::safety::{self, Class, Decision, Policy, Secret};
use crate::transport::{self, Options};

/// Page size for `--all`.
const ALL_PAGE: u64 = 500;

pub fn run(args: &Args, res: &Resolution) -> Result<ExitCode, Error> {
    if let Some(plan) = &res.plan {
        return crate::cli::steps::run(args, res, plan);
    }
    let policy = Policy::from_env(args.admin, args.yes);
    let cand = choose(res, &policy, args.dry_run || args.curl)?;
    let op = cand.operation;
    let pages = op.method == Method::Get && op.param("offset").is_some();
    if args.all && !pages {
        return Err(Error::usage(format!(
            "--all walks the pages of a list; {} has no pages (no offset parameter); nothing was sent",
            op.display()
        )));
    }
    for n in &res.notes {
        term::say(Level::Note, n);
    }

    let inputs = inputs_for(args, res, Some(op))?;
    let mut bound = cand.bound.clone();
    let req = loop {
        match request::build(op, &bound, &inputs) {
            Ok(r) => break r,
            Err(BuildError::Missing(missing))
                if policy.interactive && !args.dry_run && !args.curl =>
            {
                ask_missing(&missing, op, &mut bound)?;
            }
            Err(e) => return Err(e.into_error(op)),
        }
    };

    let secret = secret_of(args);
    let class = safety::classify(op);
    let warnings = safety::warnings(op, req.body.as_ref());

    if args.dry_run || args.curl {
        for w in &warnings {
            term::say(Level::Warning, w);
        }
        would_refuse(&policy, op);
        let text = if args.curl {
            req.curl() + "\n"
        } else if args.json {
            format!("{}\n", dry_run_json(&req, secret.as_ref(), res, cand))
        } else {
            req.display(secret.as_ref())
        };
        print_out(&text)?;
        return Ok(ExitCode::Ok);
    }

    let secret = required(secret)?;
    let decision = safety::check(&policy, op)?;
    for w in &warnings {
        term::say(Level::Warning, w);
    }
    if decision == Decision::Confirm && !args.yes && !policy.interactive {
        return Err(refuse_without_terminal(&req));
    }
    if args.verbose {
        eprint!("{}", req.display(Some(&secret)));
    }

    let opts = net_options(args);
    let mut note = |s: &str| term::say(Level::Note, s);
    let resp = if args.all {
        fetch_all(op, &bound, &inputs, &secret, &opts, &mut note)?
    } else {
        // The library's execute: the same scope rule, then confirmation for writes.
        crate::execute(
            &req,
            &secret,
            &policy,
            &mut |r| ask(r, &secret, class),
            &opts,
            &mut note,
        )?
    };

    let style = Style {
        raw: args.json || !std::io::stdout().is_terminal(),
        color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        include: args.include,
    };
    if resp.status >= 400 {
        if args.include || args.json {
            let mut out = std::io::stdout().lock();
            let _ = response::body(&mut out, &resp, style);
        }
        for line in response::error_lines(&resp) {
            term::say(Level::Error, &format!("HTTP {} {line}", resp.status));
        }
        return Ok(ExitCode::Api);
    }
    if !args.all && pages {
        more_pages_note(&resp, &req);
    }
    let mut out = std::io::stdout().lock();
    response::body(&mut out, &resp, style).map_err(|e| Error::usage(e.to_string()))?;
    Ok(ExitCode::Ok)
}

/// The request's inputs besides the prompt's values: base URL, version, the
/// body from `-d`/`--file`/stdin (only for `op`, a single call) and paging.
pub(crate) fn inputs_for(
    args: &Args,
    res: &Resolution,
    op: Option<&crate::catalog::Operation>,
) -> Result<Inputs, Error> {
    Ok(Inputs {
        base_url: request::base_url(args.api_url.as_deref())?,
        api_version: res.version.date.to_string(),
        body: match op {
            Some(op) => body_input(args, op.body.is_some())?,
            None => None,
        },
        query: paging(args),
    })
}

/// `--json --dry-run`: the request, with what was resolved and how surely.
fn dry_run_json(
    req: &Request,
    secret: Option<&Secret>,
    res: &Resolution,
    cand: &Candidate,
) -> Value {
    let mut j = req.to_json(secret);
    let alternatives: Vec<Value> = res
        .candidates
        .iter()
        .filter(|c| !std::ptr::eq(c.operation, cand.operation))
        .take(3)
        .map(|c| serde_json::json!({"method": c.operation.method, "path": c.operation.path, "operation_id": c.operation.operation_id}))
        .collect();
    let extra = serde_json::json!({
        "mode": "execute",
        "dry_run": true,
        "operation_id": cand.operation.operation_id,
        "path_template": cand.operation.path,
        "version": res.version.date,
        "confidence": res.confidence,
        "guess": res.confidence == Confidence::Low,
        "class": safety::classify(cand.operation),
        "alternatives": alternatives,
        "notes": res.notes,
    });
    if let (Some(m), Value::Object(e)) = (j.as_object_mut(), extra) {
        m.extend(e);
    }
    j
}

/// The candidate to run. A write on a low-confidence guess is never run without
/// the user choosing: asked on a terminal, refused (exit 3) otherwise. A dry
/// run sends nothing, so it shows the guess, marked as one, with the others.
fn choose<'r>(res: &'r Resolution, policy: &Policy, dry: bool) -> Result<&'r Candidate, Error> {
    let best = res
        .best()
        .ok_or_else(|| Error::usage("no endpoint matches"))?;
    if res.confidence != Confidence::Low {
        return Ok(best);
    }
    let alts: Vec<&Candidate> = res.candidates.iter().take(4).collect();
    let list = |out: &mut dyn Write| {
        for (i, c) in alts.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {}. {} {}  {}",
                i + 1,
                c.operation.method,
                c.operation.path,
                c.operation.summary
            );
        }
    };
    if !best.operation.method.is_write() {
        let others: Vec<String> = alts[1..].iter().map(|c| c.operation.display()).collect();
        if !others.is_empty() {
            term::say(
                Level::Note,
                &format!(
                    "running {}; did you mean {}?",
                    best.operation.display(),
                    others.join(" or ")
                ),
            );
        }
        return Ok(best);
    }
    let mut msg = Vec::new();
    list(&mut msg);
    let candidates = String::from_utf8_lossy(&msg).trim_end().to_string();
    if dry {
        term::say(
            Level::Note,
            &format!(
                "a guess, not sure which endpoint you mean; showing {} (without --dry-run you would be asked to choose):\n{candidates}",
                best.operation.display()
            ),
        );
        return Ok(best);
    }
    if !policy.interactive {
        return Err(Error::refused(format!(
            "not sure which endpoint you mean, and the best guess ({}) is a write; nothing was sent. Name it explicitly, e.g. `clerk {} ...`, or pick one:\n{candidates}",
            best.operation.display(),
            best.operation.display(),
        )));
    }
    eprintln!("Not sure which endpoint you mean:");
    list(&mut std::io::stderr());
    eprint!("Choose 1-{} (anything else cancels): ", alts.len());
    let answer = read_line()?;
    match answer.trim().parse::<usize>() {
        Ok(n) if (1..=alts.len()).contains(&n) => Ok(alts[n - 1]),
        _ => Err(Error::refused("cancelled; nothing was sent")),
    }
}

pub(crate) fn read_line() -> Result<String, Error> {
    let mut s = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut s)
        .map_err(|e| Error::usage(format!("cannot read the answer: {e}")))?;
    Ok(s)
}

/// Asks for each missing value on the terminal and adds it to `bound`.
fn ask_missing(
    missing: &[request::Missing],
    op: &crate::catalog::Operation,
    bound: &mut Bound,
) -> Result<(), Error> {
    // A choice between alternative field sets cannot be typed as one value.
    if let Some(m) = missing.iter().find(|m| m.name.contains(" or ")) {
        return Err(Error::usage(format!(
            "{} {} needs {} in the body (use -d or key=value items); nothing was sent",
            op.method, op.path, m.name
        )));
    }
    eprintln!("{} {} needs:", op.method, op.path);
    for m in missing {
        let desc = if m.description.is_empty() {
            String::new()
        } else {
            format!(" — {}", m.description)
        };
        eprint!("  {} ({} {}){desc}: ", m.name, m.location, m.ty);
        let v = read_line()?.trim().to_string();
        if v.is_empty() {
            return Err(Error::usage(format!(
                "{} is required; nothing was sent",
                m.name
            )));
        }
        match m.location {
            "path" => {
                if let Some(p) = op
                    .params
                    .iter()
                    .find(|p| p.name == m.name && p.location == ParamIn::Path)
                {
                    bound.set_path(p.name, v);
                }
            }
            "query" => bound.query.push((m.name.clone(), v)),
            _ => {
                let value = match m.ty.as_str() {
                    "string" => Value::String(v),
                    _ => serde_json::from_str(&v).unwrap_or(Value::String(v)),
                };
                bound.body.insert(m.name.clone(), value);
            }
        }
    }
    Ok(())
}

/// The body from `-d`, `--file` (`-` = stdin) or piped stdin.
fn body_input(args: &Args, takes_body: bool) -> Result<Option<Value>, Error> {
    let text = if let Some(d) = &args.data {
        Some(("--data", d.clone()))
    } else if let Some(f) = &args.file {
        let text = if f == "-" {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| Error::usage(format!("cannot read stdin: {e}")))?;
            s
        } else {
            std::fs::read_to_string(f).map_err(|e| Error::usage(format!("cannot read {f}: {e}")))?
        };
        Some(("--file", text))
    } else if takes_body && stdin_is_piped() {
        let mut s = String::new();
        // A closed or empty stdin simply means no body.
        let _ = std::io::stdin().read_to_string(&mut s);
        (!s.trim().is_empty()).then_some(("stdin", s))
    } else {
        None
    };
    match text {
        None => Ok(None),
        Some((from, t)) => {
            crate::safety::refuse_secret(&format!("the body from {from}"), &t)?;
            serde_json::from_str(&t)
                .map(Some)
                .map_err(|e| Error::usage(format!("the body from {from} is not valid JSON: {e}")))
        }
    }
}

/// Stdin is a pipe or a file (`cmd | clerk ...`, `clerk ... < body.json`), not a
/// terminal, /dev/null or a closed descriptor: only then is it read for a body.
fn stdin_is_piped() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata("/dev/stdin")
            .is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_file())
    }
    #[cfg(not(unix))]
    {
        !std::io::stdin().is_terminal()
    }
}

fn paging(args: &Args) -> Vec<(String, String)> {
    let mut q = Vec::new();
    if let Some(l) = args.limit {
        q.push(("limit".to_string(), l.to_string()));
    }
    if let Some(o) = args.offset {
        q.push(("offset".to_string(), o.to_string()));
    }
    q
}

/// A write with no terminal to confirm it and no `--yes`: says what would have been sent.
fn refuse_without_terminal(req: &Request) -> Error {
    let body = req
        .body
        .as_ref()
        .map(|b| format!(" with body {b}"))
        .unwrap_or_default();
    Error::refused(format!(
        "{} {} is a write and there is no terminal to confirm it; rerun with --yes to send it (would send: {} {}{body})",
        req.method,
        req.operation.map(|o| o.path).unwrap_or(""),
        req.method,
        req.url
    ))
}

/// Shows the exact request (key masked) and asks; default No.
fn ask(req: &Request, secret: &Secret, class: Class) -> bool {
    eprintln!();
    eprint!("{}", req.display(Some(secret)));
    confirm_line(class, "Send it?")
}

/// Asks `question` on stderr, prefixed by what the class means; true only
/// for "y" or "yes" (default No).
pub(crate) fn confirm_line(class: Class, question: &str) -> bool {
    let what = match class {
        Class::Irreversible => "This cannot be undone. ",
        Class::Disruptive => "This takes effect at once. ",
        _ => "",
    };
    eprint!("{what}{question} [y/N] ");
    read_line().is_ok_and(|a| matches!(a.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

/// In a dry run: says when the call would be refused, and whether it would.
pub(crate) fn would_refuse(policy: &Policy, op: &crate::catalog::Operation) -> bool {
    let Err(e) = safety::check(policy, op) else {
        return false;
    };
    term::say(
        Level::Note,
        &format!("without --dry-run this would be refused: {e}"),
    );
    true
}

/// The key from --secret-key, the environment or a .env file, if any.
pub(crate) fn secret_of(args: &Args) -> Option<Secret> {
    safety::load_secret(
        args.secret_key.as_ref(),
        &std::env::current_dir().unwrap_or_default(),
    )
}

/// The key, or the error that says how to give it.
pub(crate) fn required(secret: Option<Secret>) -> Result<Secret, Error> {
    secret.ok_or_else(|| {
        Error::usage(
            "CLERK_SECRET_KEY is not set (export it, pass --secret-key, or put it in .env.local or .env); nothing was sent",
        )
    })
}

/// Timeouts and retries from the flags.
pub(crate) fn net_options(args: &Args) -> Options {
    Options {
        connect_timeout: Duration::from_secs(args.connect_timeout.max(1)),
        timeout: Duration::from_secs(args.timeout.max(1)),
        retries: args.retry,
        max_retry_wait: Duration::from_secs(args.retry_max_time),
    }
}

/// Writes a result to stdout.
pub(crate) fn print_out(text: &str) -> Result<(), Error> {
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| Error::usage(e.to_string()))
}

/// `--all`: walk every page (limit 500), progress on stderr, one merged response.
fn fetch_all(
    op: &'static crate::catalog::Operation,
    bound: &Bound,
    inputs: &Inputs,
    secret: &Secret,
    opts: &Options,
    note: &mut dyn FnMut(&str),
) -> Result<transport::Response, Error> {
    let mut all: Vec<Value> = Vec::new();
    let mut offset = 0u64;
    let mut total: Option<u64> = None;
    let mut shape_is_data;
    loop {
        let mut page_inputs = inputs.clone();
        page_inputs
            .query
            .retain(|(k, _)| k != "limit" && k != "offset");
        page_inputs
            .query
            .push(("limit".into(), ALL_PAGE.to_string()));
        page_inputs
            .query
            .push(("offset".into(), offset.to_string()));
        let req = request::build(op, bound, &page_inputs).map_err(|e| e.into_error(op))?;
        let resp = transport::send(&req, secret, opts, note)?;
        if resp.status >= 400 {
            return Ok(resp);
        }
        let json: Value =
            serde_json::from_slice(&resp.body).map_err(|e| Error::api(format!("not JSON: {e}")))?;
        shape_is_data = json.get("data").is_some();
        total = total.or_else(|| json.get("total_count").and_then(Value::as_u64));
        let items = response::list_items(&json).cloned().unwrap_or_default();
        let n = items.len() as u64;
        all.extend(items);
        offset += n;
        match total {
            Some(t) => eprintln!("fetched {offset} of {t}"),
            None => eprintln!("fetched {offset}"),
        }
        if n < ALL_PAGE || total.is_some_and(|t| offset >= t) {
            break;
        }
    }
    let merged = if shape_is_data {
        serde_json::json!({"data": all, "total_count": total.unwrap_or(offset)})
    } else {
        Value::Array(all)
    };
    Ok(transport::Response {
        status: 200,
        headers: Vec::new(),
        body: merged.to_string().into_bytes(),
    })
}

/// Mentions on stderr when a list has more pages than were fetched: from
/// `total_count` where the response has one, else when a bare list fills
/// its page (`limit`, Clerk's default 10), which may be followed by more.
fn more_pages_note(resp: &transport::Response, req: &Request) {
    let Ok(json) = serde_json::from_slice::<Value>(&resp.body) else {
        return;
    };
    let Some(items) = response::list_items(&json) else {
        return;
    };
    let query = |k: &str| -> Option<u64> {
        let (_, q) = req.url.split_once('?')?;
        q.split('&')
            .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('=')?.parse().ok())
    };
    let offset = query("offset").unwrap_or(0);
    let seen = offset + items.len() as u64;
    let shown = format!("showing {}-{seen}", offset + 1);
    match json.get("total_count").and_then(Value::as_u64) {
        Some(total) if seen < total => term::say(
            Level::Note,
            &format!("{shown} of {total}; more with --offset {seen} or --all"),
        ),
        None if !items.is_empty() && items.len() as u64 == query("limit").unwrap_or(10) => {
            term::say(
                Level::Note,
                &format!("{shown}; there may be more: --offset {seen} or --all"),
            )
        }
        _ => {}
    }
}
