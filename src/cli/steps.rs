//! Execute mode for a plan of several calls: every request shown and
//! confirmed once, sent paced, with progress on a terminal and a per-step
//! summary at the end. Ctrl-C stops between calls and still prints it.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{json, Value};

use crate::cli::execute::{
    confirm_line, inputs_for, net_options, print_out, required, secret_of, would_refuse,
};
use crate::cli::term::{self, Level};
use crate::cli::Args;
use crate::error::{Error, ExitCode};
use crate::request::Request;
use crate::resolve::plan::{Plan, PlanKind};
use crate::resolve::{Confidence, Resolution};
use crate::runner::{self, Limit, Outcome, Run, StepResult};
use crate::safety::{self, Class, Policy, Secret};

/// Set by the Ctrl-C handler while a plan runs.
static STOP: AtomicBool = AtomicBool::new(false);

pub fn run(args: &Args, res: &Resolution, plan: &Plan) -> Result<ExitCode, Error> {
    if args.all || args.data.is_some() || args.file.is_some() {
        return Err(Error::usage(
            "this prompt is a plan of several calls; --all, --data and --file apply to one call (run the steps one by one); nothing was sent",
        ));
    }
    for n in &res.notes {
        term::say(Level::Note, n);
    }
    let policy = Policy::from_env(args.admin, args.yes);
    let writes = plan.steps.iter().any(|s| s.operation.method.is_write());
    let dry = args.dry_run || args.curl;
    if writes && res.confidence == Confidence::Low && !dry {
        return Err(guess_refused(res));
    }
    let inputs = inputs_for(args, res, None)?;
    let reqs = runner::preview(plan, &inputs)?;
    let secret = secret_of(args);
    if dry {
        if writes && res.confidence == Confidence::Low {
            term::say(
                Level::Note,
                "a guess, not sure which endpoint you mean: without --dry-run this plan would be refused",
            );
        }
        warn(plan, &reqs);
        plan.steps
            .iter()
            .any(|s| would_refuse(&policy, s.operation));
        return show(args, plan, &reqs, secret.as_ref(), res);
    }
    let secret = required(secret)?;
    for s in &plan.steps {
        safety::check(&policy, s.operation)?;
    }
    warn(plan, &reqs);
    if writes && !args.yes && !policy.interactive {
        return Err(no_terminal(&reqs));
    }
    let limits = limits(args, plan, &secret)?;
    let opts = net_options(args);
    let run = Run {
        inputs: &inputs,
        secret: &secret,
        opts: &opts,
        limits,
        stop: &STOP,
    };
    let results = send(args, plan, &run, &policy, writes && !args.yes)?;
    summary(args, plan, &results)
}

/// A write plan on a guess is never run: the user names the call.
fn guess_refused(res: &Resolution) -> Error {
    let alts: Vec<String> = res
        .candidates
        .iter()
        .take(4)
        .map(|c| format!("  {} {}", c.operation.display(), c.operation.summary))
        .collect();
    Error::refused(format!(
        "not sure which endpoint you mean, and the plan writes; nothing was sent. Say it more plainly, or pick one:\n{}",
        alts.join("\n")
    ))
}

/// Writes with no terminal and no `--yes`: what would have been sent.
fn no_terminal(reqs: &[Request]) -> Error {
    let list: Vec<String> = reqs
        .iter()
        .map(|r| format!("{} {}", r.method, r.url))
        .collect();
    Error::refused(format!(
        "these {} calls write and there is no terminal to confirm them; rerun with --yes to send them (would send: {})",
        reqs.len(),
        list.join(", ")
    ))
}

/// `--rate`, else Clerk's limits for every operation of the plan; a note
/// when keeping them makes the run long.
fn limits(args: &Args, plan: &Plan, secret: &Secret) -> Result<Vec<Limit>, Error> {
    let limits = match &args.rate {
        Some(r) => vec![Limit::parse(r).ok_or_else(|| {
            Error::usage(format!(
                "--rate {r}: expected CALLS/WINDOW such as 100/10s, 25/1h or 2/300ms; nothing was sent"
            ))
        })?],
        None => {
            let mut all: Vec<Limit> = Vec::new();
            for s in &plan.steps {
                for l in runner::limits_for(secret, s.operation) {
                    if !all.contains(&l) {
                        all.push(l);
                    }
                }
            }
            all
        }
    };
    let n = plan.steps.len() as u32;
    if let Some(l) = limits.iter().filter(|l| n > l.calls).max_by_key(|l| l.per) {
        let secs = l.per.as_secs_f64() * f64::from((n - 1) / l.calls);
        term::say(
            Level::Note,
            &format!(
                "{n} calls at most {} per {:.0} s: the run takes at least {secs:.0} s",
                l.calls,
                l.per.as_secs_f64()
            ),
        );
    }
    Ok(limits)
}

/// Confirms once (when `ask`), arms Ctrl-C and runs the plan.
fn send(
    args: &Args,
    plan: &Plan,
    run: &Run,
    policy: &Policy,
    ask_first: bool,
) -> Result<Vec<StepResult>, Error> {
    STOP.store(false, Ordering::SeqCst);
    // Ctrl-C stops between calls once the run starts (the summary still
    // prints; a second one ends at once); at the question it cancels as
    // usual, with nothing sent.
    let arm = || {
        let _ = ctrlc::set_handler(|| {
            if STOP.swap(true, Ordering::SeqCst) {
                std::process::exit(ExitCode::Interrupted as i32);
            }
        });
    };
    if !ask_first {
        arm();
    }
    let mut confirm = |reqs: &[Request]| {
        let yes = ask(reqs, run.secret, plan);
        if yes {
            arm();
        }
        yes
    };
    let on_tty = std::io::stderr().is_terminal();
    let total = plan.steps.len();
    let verbose = args.verbose;
    let mut progress = |r: &StepResult| {
        if on_tty || verbose {
            eprintln!("[{}/{total}] {}: {}", r.step, label(r), brief(r));
        }
    };
    let mut note = |s: &str| term::say(Level::Note, s);
    crate::execute_plan(plan, run, policy, &mut confirm, &mut progress, &mut note)
}

/// Warnings once per operation; for a repeated write, what it is done to.
fn warn(plan: &Plan, reqs: &[Request]) {
    let mut seen: Vec<&crate::catalog::Operation> = Vec::new();
    for (s, r) in plan.steps.iter().zip(reqs) {
        if seen.iter().any(|o| std::ptr::eq(*o, s.operation)) {
            continue;
        }
        seen.push(s.operation);
        for w in safety::warnings(s.operation, r.body.as_ref()) {
            term::say(Level::Warning, &w);
        }
    }
    if plan.kind == PlanKind::Each && plan.steps[0].operation.method.is_write() {
        let items: Vec<&str> = plan.steps.iter().map(|s| s.item.as_str()).collect();
        term::say(
            Level::Warning,
            &format!(
                "{} {} times, on: {}",
                plan.steps[0].operation.display(),
                items.len(),
                items.join(", ")
            ),
        );
    }
}

/// `--dry-run` and `--curl`: every step, with the value an earlier step supplies.
fn show(
    args: &Args,
    plan: &Plan,
    reqs: &[Request],
    secret: Option<&Secret>,
    res: &Resolution,
) -> Result<ExitCode, Error> {
    let n = reqs.len();
    let text = if args.json {
        let steps: Vec<Value> = plan
            .steps
            .iter()
            .zip(reqs)
            .enumerate()
            .map(|(i, (s, r))| {
                json!({"step": i + 1, "item": s.item, "operation_id": s.operation.operation_id,
                       "path_template": s.operation.path, "request": r.to_json(secret), "uses": s.uses})
            })
            .collect();
        let best = &plan.steps[0].operation;
        let j = json!({"mode": "execute", "dry_run": true, "version": res.version.date,
            "confidence": res.confidence, "class": safety::classify(best),
            "plan": {"kind": plan.kind, "steps": steps}, "notes": res.notes});
        format!("{j}\n")
    } else {
        let mut out = String::new();
        for (i, (s, r)) in plan.steps.iter().zip(reqs).enumerate() {
            let from: String = s
                .uses
                .iter()
                .map(|u| {
                    format!(
                        " ({} is the {} step {} returns)",
                        u.placeholder,
                        u.field,
                        u.step + 1
                    )
                })
                .collect();
            if args.curl {
                out.push_str(&format!(
                    "# step {} of {n}{from}\n{}\n",
                    i + 1,
                    curl_step(plan, i, r)
                ));
            } else {
                out.push_str(&format!(
                    "# step {} of {n}{from}\n{}\n",
                    i + 1,
                    r.display(secret)
                ));
            }
        }
        out
    };
    print_out(&text)?;
    Ok(ExitCode::Ok)
}

/// A step's curl line for a shell script: a step whose result a later one
/// uses saves its `id` (with jq) in `STEPn_ID`, and the later step reads it
/// where its placeholder stood.
fn curl_step(plan: &Plan, i: usize, r: &Request) -> String {
    let mut line = r.curl();
    for u in &plan.steps[i].uses {
        line = line.replace(&u.placeholder, &format!("'\"$STEP{}_ID\"'", u.step + 1));
    }
    let used_later = plan.steps[i + 1..]
        .iter()
        .any(|s| s.uses.iter().any(|u| u.step == i));
    if used_later {
        let n = i + 1;
        line = format!(
            "STEP{n}_ID=$({line} -sS --fail-with-body | jq -er .id) || {{ echo \"step {n} failed\" >&2; exit 1; }}"
        );
    }
    line
}

/// Shows every request (key masked) and asks once; default No.
fn ask(reqs: &[Request], secret: &Secret, plan: &Plan) -> bool {
    eprintln!();
    for (i, r) in reqs.iter().enumerate() {
        eprintln!("# step {} of {}", i + 1, reqs.len());
        eprint!("{}", r.display(Some(secret)));
    }
    let worst = plan
        .steps
        .iter()
        .map(|s| safety::classify(s.operation))
        .max()
        .unwrap_or(Class::Read);
    confirm_line(worst, &format!("Send these {} requests?", reqs.len()))
}

/// The call, and the value it acted on when that is not the call itself.
fn label(r: &StepResult) -> String {
    if r.item == r.call {
        r.call.clone()
    } else {
        format!("{} {}", r.call, r.item)
    }
}

fn brief(r: &StepResult) -> String {
    let status = r.status.map(|s| format!(" ({s})")).unwrap_or_default();
    match &r.outcome {
        Outcome::Done => match &r.id {
            Some(id) => format!("done{status}, id {id}"),
            None => format!("done{status}"),
        },
        Outcome::Failed(why) => format!("failed{status}: {why}"),
        Outcome::NotAttempted(why) => format!("not attempted: {why}"),
    }
}

/// The per-step summary on stdout, what earlier steps created when a later
/// one failed, and the exit code.
fn summary(args: &Args, plan: &Plan, results: &[StepResult]) -> Result<ExitCode, Error> {
    let count = |f: fn(&Outcome) -> bool| results.iter().filter(|r| f(&r.outcome)).count();
    let done = count(|o| *o == Outcome::Done);
    let failed = count(|o| matches!(o, Outcome::Failed(_)));
    let skipped = results.len() - done - failed;
    let text = if args.json {
        let j = json!({"plan": plan.kind, "results": results, "done": done, "failed": failed, "not_attempted": skipped});
        format!("{j}\n")
    } else {
        let mut out = String::new();
        // A plan of reads is asked for its answers: each one, then the summary.
        let reads = plan.steps.iter().all(|s| !s.operation.method.is_write());
        for r in results.iter().filter(|_| reads) {
            if let Some(j) = &r.response {
                let pretty = serde_json::to_string_pretty(j).unwrap_or_default();
                out.push_str(&format!("# {}. {}\n{pretty}\n", r.step, label(r)));
            }
        }
        for r in results {
            out.push_str(&format!("{}. {}: {}\n", r.step, label(r), brief(r)));
        }
        out
    };
    print_out(&text)?;
    let line = format!(
        "{done} of {} done, {failed} failed, {skipped} not attempted",
        results.len()
    );
    if done == results.len() {
        term::say(Level::Note, &line);
        return Ok(ExitCode::Ok);
    }
    term::say(Level::Error, &line);
    let created: Vec<String> = results
        .iter()
        .filter(|r| r.outcome == Outcome::Done && r.call.starts_with("POST"))
        .filter_map(|r| {
            r.id.as_ref()
                .map(|id| format!("{id} (step {}, {})", r.step, r.call))
        })
        .collect();
    if plan.kind == PlanKind::Sequence && !created.is_empty() {
        term::say(
            Level::Error,
            &format!("already created, and left in place: {}", created.join(", ")),
        );
    }
    Ok(if done > 0 {
        ExitCode::Partial
    } else if results
        .iter()
        .any(|r| r.outcome == Outcome::NotAttempted(runner::STOPPED.into()))
    {
        ExitCode::Interrupted
    } else if results
        .iter()
        .any(|r| matches!(r.outcome, Outcome::Failed(_)) && r.status.is_none())
    {
        ExitCode::Network
    } else {
        ExitCode::Api
    })
}
