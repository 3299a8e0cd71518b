//! Running a [`Plan`]: every step's request is built and checked before the
//! first one is sent; calls are paced within Clerk's rate limits; a later
//! step takes what earlier ones returned; every step ends with an outcome.
//! The safety rules (scopes, confirmation) are the caller's, applied to the
//! whole plan before [`run`] (see [`crate::execute_plan`]).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::catalog::Operation;
use crate::error::Error;
use crate::request::{self, Inputs, Request};
use crate::resolve::plan::{Plan, PlanKind};
use crate::safety::Secret;
use crate::transport::{self, Options};

/// At most `calls` requests in any `per` window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limit {
    /// Requests allowed in one window.
    pub calls: u32,
    /// The window.
    pub per: Duration,
}

impl Limit {
    /// `100/10s`, `25/1h`, `2/300ms` (a bare number of seconds is accepted too).
    pub fn parse(s: &str) -> Option<Limit> {
        let (n, w) = s.split_once('/')?;
        let calls: u32 = n.trim().parse().ok().filter(|&n| n > 0)?;
        let w = w.trim();
        let split = w.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(w.len());
        let (num, unit) = w.split_at(split);
        let num: f64 = if num.is_empty() {
            1.0
        } else {
            num.parse().ok()?
        };
        let secs = match unit {
            "ms" => num / 1000.0,
            "" | "s" => num,
            "m" | "min" => num * 60.0,
            "h" => num * 3600.0,
            _ => return None,
        };
        (secs.is_finite() && secs > 0.0).then(|| Limit {
            calls,
            per: Duration::from_secs_f64(secs),
        })
    }
}

/// Clerk's published limits for a plan of `op` calls under `secret`: the
/// instance-wide one (100 per 10 s for development keys, 1,000 for
/// production `sk_live_` keys) and the endpoint's own where it has one
/// (invitations 100 an hour, bulk invitations 25, organization invitations 250).
pub fn limits_for(secret: &Secret, op: &Operation) -> Vec<Limit> {
    let per = |calls, secs| Limit {
        calls,
        per: Duration::from_secs(secs),
    };
    let live = secret.expose().starts_with("sk_live_");
    let mut out = vec![per(if live { 1000 } else { 100 }, 10)];
    let path = op.path;
    if op.method == crate::catalog::Method::Post {
        if path == "/invitations" {
            out.push(per(100, 3600));
        } else if path == "/invitations/bulk" {
            out.push(per(25, 3600));
        } else if path.starts_with("/organizations/{organization_id}/invitations") {
            out.push(per(250, 3600));
        }
    }
    out
}

/// A sliding-window pacer: a call waits only when a window is full.
#[derive(Debug)]
pub struct Pace {
    limits: Vec<Limit>,
    sent: VecDeque<Instant>,
}

impl Pace {
    /// A pacer keeping every limit.
    pub fn new(limits: Vec<Limit>) -> Pace {
        Pace {
            limits,
            sent: VecDeque::new(),
        }
    }

    /// How long from `now` until the next call keeps every limit.
    pub fn wait(&self, now: Instant) -> Duration {
        let mut wait = Duration::ZERO;
        for l in &self.limits {
            let n = l.calls as usize;
            if self.sent.len() >= n {
                let oldest = self.sent[self.sent.len() - n];
                wait = wait.max((oldest + l.per).saturating_duration_since(now));
            }
        }
        wait
    }

    /// Records a call sent at `at`.
    pub fn record(&mut self, at: Instant) {
        self.sent.push_back(at);
        let keep = self
            .limits
            .iter()
            .map(|l| l.calls as usize)
            .max()
            .unwrap_or(0);
        while self.sent.len() > keep {
            self.sent.pop_front();
        }
    }
}

/// Why a step was not sent when the run was stopped (Ctrl-C).
pub const STOPPED: &str = "stopped before it was sent";

/// How a step ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "why", rename_all = "snake_case")]
pub enum Outcome {
    /// The API answered with a success status.
    Done,
    /// An error status or a network failure.
    Failed(String),
    /// Never sent: stopped (Ctrl-C) or an earlier step it needs failed.
    NotAttempted(String),
}

/// One step's record.
#[derive(Debug, Clone, Serialize)]
pub struct StepResult {
    /// The step (1-based, as shown).
    pub step: usize,
    /// What it acted on.
    pub item: String,
    /// `METHOD /path/template`.
    pub call: String,
    /// The HTTP status, if an answer came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The `id` of what it returned (created), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The JSON response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}

/// Builds every step's request before anything is sent, so a bad value in
/// step 3 is reported before step 1 runs. Values from earlier steps stand as
/// their placeholders (`{step1.id}`), shown unencoded.
pub fn preview(plan: &Plan, inputs: &Inputs) -> Result<Vec<Request>, Error> {
    plan.steps
        .iter()
        .map(|s| {
            let mut req = request::build(s.operation, &s.bound, inputs)
                .map_err(|e| e.into_error(s.operation))?;
            for r in &s.uses {
                req.url = req
                    .url
                    .replace(&request::encode_segment(&r.placeholder), &r.placeholder);
            }
            Ok(req)
        })
        .collect()
}

/// What a run needs besides the plan.
pub struct Run<'a> {
    /// Base URL, API version and paging, as for one request.
    pub inputs: &'a Inputs,
    /// The key.
    pub secret: &'a Secret,
    /// Timeouts and retries (429 `Retry-After` is honoured per call).
    pub opts: &'a Options,
    /// Rate limits to pace within ([`limits_for`]).
    pub limits: Vec<Limit>,
    /// Set (by Ctrl-C) to stop between calls.
    pub stop: &'a AtomicBool,
}

/// Runs the steps in order, pacing them. An `Each` plan goes on past a
/// failed step; a `Sequence` stops, since later steps need earlier results.
/// `progress` gets each step's record as it ends; `note` gets retry and wait
/// lines.
pub fn run(
    plan: &Plan,
    run: &Run,
    progress: &mut dyn FnMut(&StepResult),
    note: &mut dyn FnMut(&str),
) -> Vec<StepResult> {
    let (inputs, secret, opts, stop) = (run.inputs, run.secret, run.opts, run.stop);
    let mut pace = Pace::new(run.limits.clone());
    let mut results: Vec<StepResult> = Vec::new();
    let mut blocked: Option<String> = None;
    for (i, step) in plan.steps.iter().enumerate() {
        let record = |outcome, status, response: Option<Value>| StepResult {
            step: i + 1,
            item: step.item.clone(),
            call: step.operation.display(),
            status,
            id: response
                .as_ref()
                .and_then(|j| j.get("id"))
                .and_then(Value::as_str)
                .map(str::to_string),
            outcome,
            response,
        };
        let skip = blocked.clone().or_else(|| {
            pause(pace.wait(Instant::now()), stop, note).then_some(STOPPED.to_string())
        });
        let r = match skip {
            Some(why) => record(Outcome::NotAttempted(why), None, None),
            None => {
                pace.record(Instant::now());
                let (outcome, status, response) =
                    send_step(step, &results, inputs, secret, opts, note);
                record(outcome, status, response)
            }
        };
        if plan.kind == PlanKind::Sequence && r.outcome != Outcome::Done && blocked.is_none() {
            blocked = Some(format!("step {} did not succeed", i + 1));
        }
        progress(&r);
        results.push(r);
    }
    results
}

/// Waits `d` in short slices; true when `stop` was set meanwhile (or before).
fn pause(d: Duration, stop: &AtomicBool, note: &mut dyn FnMut(&str)) -> bool {
    if d >= Duration::from_secs(2) {
        note(&format!(
            "pacing within the rate limit: waiting {:.0} s",
            d.as_secs_f64()
        ));
    }
    let end = Instant::now() + d;
    loop {
        if stop.load(Ordering::SeqCst) {
            return true;
        }
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

fn send_step(
    step: &crate::resolve::plan::Step,
    done: &[StepResult],
    inputs: &Inputs,
    secret: &Secret,
    opts: &Options,
    note: &mut dyn FnMut(&str),
) -> (Outcome, Option<u16>, Option<Value>) {
    let earlier: Vec<Option<Value>> = done.iter().map(|r| r.response.clone()).collect();
    let bound = match step.with_results(&earlier) {
        Ok(b) => b,
        Err(why) => return (Outcome::NotAttempted(why), None, None),
    };
    let req = match request::build(step.operation, &bound, inputs) {
        Ok(r) => r,
        Err(e) => {
            return (
                Outcome::NotAttempted(e.into_error(step.operation).message),
                None,
                None,
            )
        }
    };
    match transport::send(&req, secret, opts, note) {
        Err(e) => (Outcome::Failed(e.message), None, None),
        Ok(resp) => {
            let json: Option<Value> = serde_json::from_slice(&resp.body).ok();
            if resp.status >= 400 {
                let why = crate::render::response::error_lines(&resp).join("; ");
                (Outcome::Failed(why), Some(resp.status), json)
            } else {
                (Outcome::Done, Some(resp.status), json)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse() {
        let l = Limit::parse("100/10s").unwrap();
        assert_eq!((l.calls, l.per), (100, Duration::from_secs(10)));
        assert_eq!(
            Limit::parse("25/1h").unwrap().per,
            Duration::from_secs(3600)
        );
        assert_eq!(
            Limit::parse("2/300ms").unwrap().per,
            Duration::from_millis(300)
        );
        assert_eq!(Limit::parse("5/2").unwrap().per, Duration::from_secs(2));
        for bad in ["0/1s", "x/1s", "5", "5/0s", "5/1y", "5/-1"] {
            assert!(Limit::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn pace_waits_only_when_a_window_is_full() {
        let t0 = Instant::now();
        let mut p = Pace::new(vec![Limit {
            calls: 2,
            per: Duration::from_secs(10),
        }]);
        assert_eq!(p.wait(t0), Duration::ZERO);
        p.record(t0);
        p.record(t0 + Duration::from_secs(1));
        assert_eq!(p.wait(t0 + Duration::from_secs(2)), Duration::from_secs(8));
        assert_eq!(p.wait(t0 + Duration::from_secs(11)), Duration::ZERO);
        p.record(t0 + Duration::from_secs(11));
        // The window now holds the calls at 1 s and 11 s.
        assert_eq!(p.wait(t0 + Duration::from_secs(11)), Duration::from_secs(0));
    }
}
