//! `cargo xtask eval FILE [--version V] [--json]`: the resolver on a labelled
//! prompt set, scored exactly as ../shared/eval/README.md defines (top1, top3,
//! mode, params), with every miss listed, and how its confidence is calibrated
//! (`high_precision`: answers marked high or exact that are right;
//! `low_recall_of_errors`: wrong answers marked low).

use std::fs;

use clerk::resolve::{self, Browse, Confidence, Mode, Resolution};
use serde_json::{json, Value};

pub fn run(args: &[String]) -> Result<(), String> {
    let mut file = None;
    let mut version = None;
    let mut as_json = false;
    let mut timing = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--version" => version = Some(it.next().ok_or("--version needs a value")?.clone()),
            "--json" => as_json = true,
            "--timing" => timing = true,
            f if !f.starts_with('-') && file.is_none() => file = Some(f.to_string()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let file = file.ok_or("usage: cargo xtask eval FILE [--version V] [--json]")?;
    let version = match version {
        Some(v) => Some(clerk::catalog::version(&v).ok_or(format!("unknown version {v}"))?),
        None => None,
    };
    let text = fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?;

    let (mut n, mut top1, mut top3, mut mode_ok, mut params_n, mut params_ok) = (0, 0, 0, 0, 0, 0);
    let mut calib = Calibration::default();
    for (lineno, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row: Value =
            serde_json::from_str(line).map_err(|e| format!("{file}:{}: {e}", lineno + 1))?;
        let id = row["id"].as_str().unwrap_or("?");
        let query = row["query"].as_str().unwrap_or("");
        let kind = row["kind"].as_str().unwrap_or("execute");
        let expect = row["expect"].as_array().cloned().unwrap_or_default();
        let params = row["params"].as_object().cloned().unwrap_or_default();
        n += 1;
        let res = match resolve::resolve(query, version) {
            Ok(r) => r,
            Err(e) => {
                println!("MISS {id} {query:?}: resolver error {e}");
                continue;
            }
        };
        let answers = answers(&res);
        let hit = |k: usize| {
            answers.iter().take(k).any(|a| expect.contains(a))
                || (kind_ok_without_answers(kind, &expect, &res))
        };
        let (h1, h3) = (hit(1), hit(3));
        let m = mode_name(res.mode) == kind || (kind == "none" && no_match(&res));
        top1 += usize::from(h1);
        top3 += usize::from(h3);
        mode_ok += usize::from(m);
        calib.add(res.confidence, h1 && m);
        let mut p_ok = true;
        let mut got_params = serde_json::Map::new();
        if let Some(best) = res.best() {
            for (k, v) in &best.bound.path {
                got_params.insert(k.to_string(), json!(v));
            }
            for (k, v) in &best.bound.query {
                got_params.entry(k.clone()).or_insert(json!(v));
            }
        }
        if !params.is_empty() {
            params_n += 1;
            p_ok = params.iter().all(|(k, v)| {
                got_params
                    .get(k)
                    .is_some_and(|g| as_string(g) == as_string(v))
            });
            params_ok += usize::from(p_ok);
        }
        if !(h1 && m && p_ok) {
            let got: Vec<String> = answers.iter().take(3).map(|a| a.to_string()).collect();
            let mut what = Vec::new();
            if !h1 {
                what.push(if h3 { "top1" } else { "top3" });
            }
            if !m {
                what.push("mode");
            }
            if !p_ok {
                what.push("params");
            }
            println!(
                "MISS[{}] {id} {query:?} ({:?})\n    expected {} {}  params {}\n    got      {:?} {}  params {}",
                what.join(","),
                res.confidence,
                kind,
                Value::Array(expect.clone()),
                Value::Object(params.clone()),
                res.mode,
                got.join(" | "),
                Value::Object(got_params)
            );
        }
    }
    if timing {
        report_timing(&text, version);
    }
    let ratio = |a: usize, b: usize| {
        if b == 0 {
            0.0
        } else {
            (a as f64 / b as f64 * 1000.0).round() / 1000.0
        }
    };
    let summary = json!({
        "n": n,
        "top1": ratio(top1, n),
        "top3": ratio(top3, n),
        "mode": ratio(mode_ok, n),
        "params": ratio(params_ok, params_n),
        "params_n": params_n,
        "high_precision": ratio(calib.high_right, calib.high),
        "low_recall_of_errors": ratio(calib.low_wrong, calib.wrong()),
    });
    if as_json {
        println!("{summary}");
    } else {
        print!("{}", calib.table());
        println!(
            "\nn={n}  top1={:.1}%  top3={:.1}%  mode={:.1}%  params={:.1}% (of {params_n})",
            100.0 * ratio(top1, n),
            100.0 * ratio(top3, n),
            100.0 * ratio(mode_ok, n),
            100.0 * ratio(params_ok, params_n)
        );
    }
    Ok(())
}

/// Per-prompt latency of `resolve` (warm process): each prompt's median of 101
/// runs, then the median and p90 over prompts. Printed to stderr.
fn report_timing(text: &str, version: Option<&'static clerk::catalog::Version>) {
    use std::time::Instant;
    let prompts: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v["query"].as_str().map(str::to_string))
        .collect();
    for p in &prompts {
        let _ = resolve::resolve(p, version);
    }
    let mut per_prompt: Vec<f64> = prompts
        .iter()
        .map(|p| {
            let mut runs: Vec<f64> = (0..101)
                .map(|_| {
                    let t = Instant::now();
                    std::hint::black_box(resolve::resolve(std::hint::black_box(p), version).ok());
                    t.elapsed().as_secs_f64() * 1e6
                })
                .collect();
            runs.sort_by(f64::total_cmp);
            runs[50]
        })
        .collect();
    per_prompt.sort_by(f64::total_cmp);
    let q = |f: f64| per_prompt[((per_prompt.len() - 1) as f64 * f) as usize];
    eprintln!(
        "resolve latency over {} prompts (µs, per-prompt medians): median {:.1}  p90 {:.1}  max {:.1}",
        per_prompt.len(),
        q(0.5),
        q(0.9),
        q(1.0)
    );
}

/// How confidence relates to being right: answers marked high (or exact)
/// should be right; wrong answers should be marked low.
#[derive(Default)]
struct Calibration {
    high: usize,
    high_right: usize,
    low: usize,
    low_wrong: usize,
}

impl Calibration {
    fn add(&mut self, c: Confidence, right: bool) {
        if matches!(c, Confidence::High | Confidence::Exact) {
            self.high += 1;
            self.high_right += usize::from(right);
        } else {
            self.low += 1;
            self.low_wrong += usize::from(!right);
        }
    }

    fn wrong(&self) -> usize {
        self.high - self.high_right + self.low_wrong
    }

    fn table(&self) -> String {
        let pct = |a: usize, b: usize| {
            if b == 0 {
                0.0
            } else {
                100.0 * a as f64 / b as f64
            }
        };
        format!(
            "\ncalibration   answers  right\n  high/exact  {:>7}  {:>5.1}%\n  low/none    {:>7}  {:>5.1}%\n  wrong answers marked low: {} of {} ({:.1}%)\n",
            self.high,
            pct(self.high_right, self.high),
            self.low,
            pct(self.low - self.low_wrong, self.low),
            self.low_wrong,
            self.wrong(),
            pct(self.low_wrong, self.wrong())
        )
    }
}

/// The resolver matched nothing: no candidates, nothing to run.
fn no_match(res: &Resolution) -> bool {
    res.mode == Mode::Execute && res.candidates.is_empty()
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Help => "help",
        Mode::Browse => "browse",
        Mode::Detail => "detail",
        Mode::Execute => "execute",
    }
}

/// The resolver's answers in the eval's vocabulary, best first.
fn answers(res: &Resolution) -> Vec<Value> {
    match (res.mode, res.browse) {
        (Mode::Browse, Some(Browse::Tag(t))) => vec![json!({"tag": t.name})],
        (Mode::Browse, _) | (Mode::Help, _) => Vec::new(),
        _ => res
            .candidates
            .iter()
            .map(|c| json!({"method": c.operation.method.as_str(), "path": c.operation.path}))
            .collect(),
    }
}

/// Rows whose right answer is a mode, not an endpoint: help, and browse of all tags.
fn kind_ok_without_answers(kind: &str, expect: &[Value], res: &Resolution) -> bool {
    match kind {
        "help" => res.mode == Mode::Help,
        "none" => no_match(res),
        "browse" if expect.is_empty() => {
            res.mode == Mode::Browse && matches!(res.browse, Some(Browse::Tags))
        }
        _ => false,
    }
}

fn as_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
