//! `cargo xtask train CORPUS... [options]`: fits the resolver's model on
//! labelled prompts and writes `src/resolve/model.bin`, which build.rs embeds.
//!
//! Deterministic (fixed seed and order, one thread): the same corpus gives
//! the same bytes. Confidence thresholds come from out-of-fold predictions
//! (each of the corpus's writer batches predicted by a model trained without
//! it), never from a test split.

mod data;
mod fit;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use clerk::resolve::features::family;
use clerk::resolve::model::{softmax, Written, CALIBRATION, MODES};
use clerk::resolve::Syntax;

use data::{Featurized, Ops, Row, Target, TAG, TAGS};
use fit::{Classes, Example, Model, Params};

const USAGE: &str =
    "usage: cargo xtask train CORPUS_DIR_OR_FILE... [--eval FILE]... [--holdout STEM]...
       [--ablate FAMILY]... [--epochs N] [--lr X] [--l2 X] [--prune X] [--min-count N]
       [--out FILE | --no-write] [--no-calibrate] [--ablation]
  Trains on every *.jsonl of the given folders plus xtask/corpus/, and the spec's own
  names. --holdout leaves a file (by stem) out of training; --eval scores files with the
  fitted model (plain-language path only); --ablation refits without each feature family
  and scores the --eval files each time.";

struct Options {
    inputs: Vec<PathBuf>,
    evals: Vec<PathBuf>,
    holdout: Vec<String>,
    families: u32,
    params: Params,
    prune: f32,
    min_count: usize,
    out: Option<PathBuf>,
    calibrate: bool,
    ablation: bool,
}

fn options(args: &[String]) -> Result<Options, String> {
    let root = crate::workspace_root();
    let mut o = Options {
        inputs: vec![root.join("xtask/corpus")],
        evals: Vec::new(),
        holdout: Vec::new(),
        families: family::ALL,
        params: Params::default(),
        prune: 0.2,
        min_count: 2,
        out: Some(root.join("src/resolve/model.bin")),
        calibrate: true,
        ablation: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || {
            it.next()
                .cloned()
                .ok_or(format!("{a} needs a value\n{USAGE}"))
        };
        let num = |s: String| s.parse::<f32>().map_err(|e| format!("{a}: {e}"));
        match a.as_str() {
            "--eval" => o.evals.push(PathBuf::from(val()?)),
            "--holdout" => o.holdout.push(val()?),
            "--ablate" => {
                let name = val()?;
                let bit = family::NAMES
                    .iter()
                    .find(|(n, _)| *n == name)
                    .ok_or(format!("unknown family {name}"))?
                    .1;
                o.families &= !bit;
            }
            "--epochs" => o.params.epochs = num(val()?)? as usize,
            "--lr" => o.params.lr = num(val()?)?,
            "--l2" => o.params.l2 = num(val()?)?,
            "--prune" => o.prune = num(val()?)?,
            "--min-count" => o.min_count = num(val()?)? as usize,
            "--out" => o.out = Some(PathBuf::from(val()?)),
            "--no-write" => o.out = None,
            "--no-calibrate" => o.calibrate = false,
            "--ablation" => o.ablation = true,
            "-h" | "--help" => return Err(USAGE.into()),
            f if !f.starts_with('-') => o.inputs.push(PathBuf::from(f)),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    if o.inputs.len() == 1 {
        return Err(format!("no corpus given (e.g. ../shared/corpus)\n{USAGE}"));
    }
    Ok(o)
}

pub fn run(args: &[String]) -> Result<(), String> {
    let start = Instant::now();
    let o = options(args)?;
    let ops = Ops::latest();
    let mut rows = data::names(&ops);
    for f in data::files(&o.inputs)? {
        let stem = f.file_stem().unwrap().to_string_lossy().to_string();
        if o.holdout.contains(&stem) {
            continue;
        }
        rows.extend(data::read(&f, &ops)?);
    }
    eprintln!("train: {} rows from {} inputs", rows.len(), o.inputs.len());
    let evals: Vec<(String, Vec<Row>)> = o
        .evals
        .iter()
        .map(|f| Ok((f.display().to_string(), data::read(f, &ops)?)))
        .collect::<Result<_, String>>()?;
    let trained = train(&rows, &ops, o.families, &o, o.calibrate)?;
    let theta: Vec<String> = clerk::resolve::features::STRUCTURE_NAMES
        .iter()
        .zip(
            trained
                .model
                .theta
                .iter()
                .zip(&trained.model.theta[clerk::resolve::features::STRUCTURE..]),
        )
        .map(|(n, (a, b))| format!("{n} {a:+.2}/{b:+.2}"))
        .collect();
    eprintln!("train: structure weights: {}", theta.join(", "));
    for (name, e) in &evals {
        let report = trained.evaluate(e, &ops);
        println!("{name}: {}", report.line());
        if o.calibrate {
            print!("{}", report.calibration_table(&trained.calibration));
        }
    }
    if o.ablation {
        ablation(&rows, &ops, &o, &evals)?;
    }
    if let Some(out) = &o.out {
        let bytes = trained.encode(&ops);
        std::fs::write(out, &bytes).map_err(|e| format!("{}: {e}", out.display()))?;
        eprintln!("train: wrote {} ({} bytes)", out.display(), bytes.len());
    }
    eprintln!("train: {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// Each feature family off in turn, scored on the eval files.
fn ablation(
    rows: &[Row],
    ops: &Ops,
    o: &Options,
    evals: &[(String, Vec<Row>)],
) -> Result<(), String> {
    println!("ablation (each family off; top1 / top3 / mode on each --eval file):");
    for (name, bit) in family::NAMES {
        let t = train(rows, ops, o.families & !bit, o, false)?;
        let cells: Vec<String> = evals
            .iter()
            .map(|(_, e)| t.evaluate(e, ops).short())
            .collect();
        println!("  -{name:<10} {}", cells.join("   "));
    }
    Ok(())
}

/// A fitted model with what it was fitted on.
struct Trained {
    model: Model,
    classes: Classes,
    vocab: data::Vocab,
    families: u32,
    calibration: [f32; CALIBRATION],
}

fn train(
    rows: &[Row],
    ops: &Ops,
    families: u32,
    o: &Options,
    calibrate: bool,
) -> Result<Trained, String> {
    let t = Instant::now();
    let feats = Featurized::new(rows, ops, families);
    let vocab = data::vocabulary(rows, &feats, o.min_count);
    let mut classes = Classes::new(ops, families & family::GROUPS != 0);
    classes.mode_weight = mode_weights(rows);
    let ex = fit::examples(rows, &feats, &vocab);
    // The model itself, and one per held-out writer batch for calibration:
    // independent fits, two at a time (each is single-threaded and seeded).
    let folds: Vec<&str> = FOLDS
        .iter()
        .copied()
        .filter(|f| calibrate && rows.iter().any(|r| r.source == *f))
        .collect();
    let jobs: Vec<Option<&str>> = std::iter::once(None)
        .chain(folds.iter().map(|f| Some(*f)))
        .collect();
    let mut models = parallel(&jobs, |job| {
        let train: Vec<&Example<'_>> = ex
            .iter()
            .filter(|e| Some(e.row.source.as_str()) != *job)
            .collect();
        fit::fit(&train, vocab.len(), &classes, &feats, &o.params, o.prune)
    });
    let model = models.remove(0);
    let calibration = if folds.is_empty() {
        [0.5, 0.5, 1.0, 0.0]
    } else {
        calibrate_oof(&ex, &folds, &models, &classes, &feats)
    };
    let kept = model.w.iter().filter(|w| **w != 0.0).count();
    eprintln!(
        "train: {kept} weights of {} kept (|w| >= {})",
        model.w.len(),
        o.prune
    );
    eprintln!(
        "train: {} features × {} classes, fitted in {:.1} s",
        vocab.len(),
        classes.n,
        t.elapsed().as_secs_f64()
    );
    Ok(Trained {
        model,
        classes,
        vocab,
        families,
        calibration,
    })
}

/// The most a rare mode's rows weigh in the mode softmax.
const MODE_WEIGHT_MAX: f32 = 2.0;

/// Rare modes weigh more in the mode softmax: (execute rows / mode rows)^½, capped.
fn mode_weights(rows: &[Row]) -> [f32; MODES.len()] {
    let mut n = [0usize; MODES.len()];
    for r in rows.iter().filter(|r| r.syntax != Syntax::All) {
        n[r.mode] += 1;
    }
    let base = n[data::EXECUTE].max(1) as f32;
    n.map(|c| (base / c.max(1) as f32).sqrt().min(MODE_WEIGHT_MAX))
}

/// The corpus's writer batches, each held out once for calibration.
const FOLDS: [&str; 3] = ["train-1", "train-2", "train-3"];

/// Runs `f` on every job, two threads at a time; results in job order.
fn parallel<J: Sync, T: Send>(jobs: &[J], f: impl Fn(&J) -> T + Sync) -> Vec<T> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(job) = jobs.get(i) else { break };
                let out = f(job);
                done.lock().unwrap().push((i, out));
            });
        }
    });
    let mut done = done.into_inner().unwrap();
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, t)| t).collect()
}

/// One prediction: top operations with probabilities, and the mode.
struct Prediction {
    ops: Vec<(usize, f32)>,
    mode: usize,
    p_mode: f32,
    tag: Option<&'static str>,
}

impl Trained {
    fn predict(&self, query: &str, ops: &Ops, temperature: f32) -> Prediction {
        let rows = [Row {
            syntax: Syntax::Words,
            query: query.to_string(),
            target: Target::None,
            accept: Vec::new(),
            mode: 0,
            tag: None,
            source: String::new(),
            style: String::new(),
        }];
        let f = Featurized::new(&rows, ops, self.families);
        let ex = fit::examples(&rows, &f, &self.vocab);
        predict(&self.model, &self.classes, &f, &ex[0], ops, temperature)
    }

    fn evaluate(&self, rows: &[Row], ops: &Ops) -> Report {
        let mut r = Report::default();
        let show = std::env::var("TRAIN_MISSES").is_ok();
        for row in rows {
            let p = match row.syntax {
                Syntax::All => syntax_answer(&row.query, ops),
                // The endpoint is exact; the mode is the model's.
                Syntax::Endpoint => Prediction {
                    mode: self.predict(&row.query, ops, 1.0).mode,
                    ..syntax_answer(&row.query, ops)
                },
                Syntax::Words => self.predict(&row.query, ops, self.calibration[2]),
            };
            let before = r.top1;
            r.add(row, &p);
            if show && r.top1 == before {
                let got: Vec<&str> = p
                    .ops
                    .iter()
                    .take(2)
                    .map(|(o, _)| ops.keys[*o].as_str())
                    .collect();
                let want = row.accept.first().map_or("-", |o| ops.keys[*o].as_str());
                println!(
                    "MISS {:?} mode {} want {want} got {got:?}",
                    row.query, MODES[p.mode]
                );
            }
        }
        r
    }

    /// The model file: the non-zero (quantised) weights.
    fn encode(&self, ops: &Ops) -> Vec<u8> {
        let c = self.classes.n;
        let rows: Vec<clerk::resolve::model::Row> = self
            .vocab
            .iter()
            .map(|(&h, &(r, idf))| {
                let entries: Vec<(u16, f32)> = self.model.w[r * c..(r + 1) * c]
                    .iter()
                    .enumerate()
                    .filter(|(_, w)| **w != 0.0)
                    .map(|(k, w)| (k as u16, *w))
                    .collect();
                // Rows without entries stay: they count in the normalisation.
                (h, idf, entries)
            })
            .collect();
        let tags: Vec<(String, u16)> = self
            .classes
            .tags
            .iter()
            .map(|(n, c)| (n.clone(), *c as u16))
            .collect();
        Written {
            families: self.families,
            keys: &ops.keys,
            op_classes: &self.classes.of_op,
            tags: &tags,
            n_classes: c,
            theta: &self.model.theta,
            calibration: self.calibration,
            rows: &rows,
        }
        .encode(self.model.scale)
    }
}

/// What the resolver's syntax answers (no model involved), as a prediction.
fn syntax_answer(query: &str, ops: &Ops) -> Prediction {
    use clerk::resolve::{Browse, Mode};
    let res = clerk::resolve::resolve(query, None).ok();
    let mode = match res.as_ref().map(|r| (r.mode, r.browse)) {
        Some((Mode::Help, _)) => data::HELP,
        Some((Mode::Browse, Some(Browse::Tags))) => TAGS,
        Some((Mode::Browse, _)) => TAG,
        Some((Mode::Detail, _)) => data::DETAIL,
        _ if res
            .as_ref()
            .is_some_and(|r| r.confidence == clerk::resolve::Confidence::None) =>
        {
            data::NONE
        }
        _ => data::EXECUTE,
    };
    let tag = match res.as_ref().and_then(|r| r.browse) {
        Some(Browse::Tag(t)) => Some(t.name),
        _ => None,
    };
    let first = res
        .as_ref()
        .and_then(|r| r.best())
        .and_then(|c| ops.find(c.operation.method.as_str(), c.operation.path));
    Prediction {
        ops: first.into_iter().map(|o| (o, 1.0)).collect(),
        mode,
        p_mode: 1.0,
        tag,
    }
}

fn predict(
    m: &Model,
    classes: &Classes,
    f: &Featurized,
    e: &Example<'_>,
    ops: &Ops,
    temperature: f32,
) -> Prediction {
    let cls = m.class_scores(&e.rows);
    let mut q: Vec<f32> = (0..MODES.len()).map(|k| cls[classes.mode(k)]).collect();
    softmax(&mut q, 1.0);
    let mut probs = m.op_logits(&cls, classes, f, e.index, q[data::DETAIL]);
    softmax(&mut probs, temperature);
    let mut order: Vec<(usize, f32)> = probs.iter().copied().enumerate().collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (mode, p_mode) =
        q.iter()
            .copied()
            .enumerate()
            .fold((0, f32::MIN), |a, b| if b.1 > a.1 { b } else { a });
    let tag = classes
        .tags
        .iter()
        .max_by(|a, b| cls[a.1].total_cmp(&cls[b.1]))
        .and_then(|(name, _)| ops.version.tags().iter().find(|t| t.name == name))
        .map(|t| t.name);
    order.truncate(10);
    Prediction {
        ops: order,
        mode,
        p_mode,
        tag,
    }
}

/// Out-of-fold predictions over the corpus's writer batches (each predicted
/// by the model fitted without it): a softmax temperature, then the thresholds
/// that keep high confidence right 99% of the time.
fn calibrate_oof(
    ex: &[Example<'_>],
    folds: &[&str],
    models: &[Model],
    classes: &Classes,
    f: &Featurized,
) -> [f32; CALIBRATION] {
    let mut oof: Vec<(f32, f32, f32, bool, bool)> = Vec::new(); // (p1, p2, p_mode, op right, mode right)
    let mut logits_right: Vec<(Vec<f32>, usize)> = Vec::new();
    for (fold, m) in folds.iter().zip(models) {
        for e in ex.iter().filter(|e| e.row.source == *fold) {
            let Target::Op(want) = e.row.target else {
                continue;
            };
            let cls = m.class_scores(&e.rows);
            let mut q: Vec<f32> = (0..MODES.len()).map(|k| cls[classes.mode(k)]).collect();
            softmax(&mut q, 1.0);
            let logits = m.op_logits(&cls, classes, f, e.index, q[data::DETAIL]);
            let (mode, pm) =
                q.iter()
                    .copied()
                    .enumerate()
                    .fold((0, f32::MIN), |a, b| if b.1 > a.1 { b } else { a });
            logits_right.push((logits, want));
            oof.push((0.0, 0.0, pm, false, mode == e.row.mode));
        }
    }
    if oof.is_empty() {
        return [0.5, 0.5, 1.0, 0.0];
    }
    // Temperature: the grid value with the least negative log-likelihood.
    let nll = |t: f32| -> f32 {
        logits_right
            .iter()
            .map(|(l, want)| {
                let mut p = l.clone();
                softmax(&mut p, t);
                -(p[*want].max(1e-9)).ln()
            })
            .sum()
    };
    let temperature = (2..=30)
        .map(|k| k as f32 * 0.1)
        .min_by(|a, b| nll(*a).total_cmp(&nll(*b)))
        .unwrap_or(1.0);
    for ((l, want), o) in logits_right.iter().zip(oof.iter_mut()) {
        let mut p = l.clone();
        softmax(&mut p, temperature);
        let best = (0..p.len()).max_by(|a, b| p[*a].total_cmp(&p[*b])).unwrap();
        let mut sorted = p.clone();
        sorted.sort_by(|a, b| b.total_cmp(a));
        *o = (sorted[0], sorted[1], o.2, best == *want, o.4);
    }
    // The pair of thresholds that marks the most answers high while, out of
    // fold, high answers stay right 99.7% of the time and 96% of the wrong
    // answers are marked low (out-of-fold reads high: aim above the bars).
    let answers: Vec<(f32, f32, bool)> = oof.iter().map(|o| (o.0, o.2, o.3 && o.4)).collect();
    let grid: Vec<f32> = (10..100).map(|k| k as f32 / 100.0).collect();
    let mut best = (0.99f32, 0.99f32, 0usize);
    for &pt in &grid {
        for &pm in &grid {
            let (hi, hi_right, wrong_low, wrong) = tally(&answers, pt, pm);
            let ok = hi_right as f32 >= PRECISION * hi as f32
                && wrong_low as f32 >= RECALL * wrong as f32;
            if ok && hi > best.2 {
                best = (pt, pm, hi);
            }
        }
    }
    let (p_top, p_mode, _) = best;
    let (hi, hi_right, wrong_low, wrong) = tally(&answers, p_top, p_mode);
    eprintln!(
        "train: calibration: temperature {temperature:.1}, p_top {p_top:.2}, p_mode {p_mode:.2}; out of fold: {hi} of {} high, {:.1}% of them right, {:.1}% of {wrong} wrong marked low",
        answers.len(),
        100.0 * hi_right as f32 / hi.max(1) as f32,
        100.0 * wrong_low as f32 / wrong.max(1) as f32
    );
    [p_top, p_mode, temperature, 0.0]
}

/// Out-of-fold targets for the confidence thresholds.
const PRECISION: f32 = 0.997;
const RECALL: f32 = 0.96;

/// (high, high and right, wrong and low, wrong) for thresholds on (p_top, p_mode).
fn tally(answers: &[(f32, f32, bool)], pt: f32, pm: f32) -> (usize, usize, usize, usize) {
    let mut t = (0, 0, 0, 0);
    for &(p, m, right) in answers {
        let high = p >= pt && m >= pm;
        t.0 += usize::from(high);
        t.1 += usize::from(high && right);
        t.2 += usize::from(!high && !right);
        t.3 += usize::from(!right);
    }
    t
}

/// Scores in the eval's terms (top1/top3/mode), and what calibration needs.
#[derive(Default)]
struct Report {
    n: usize,
    top1: usize,
    top3: usize,
    mode: usize,
    /// (p1, p_mode, right) of each row with operation labels.
    conf: Vec<(f32, f32, bool)>,
    by_style: BTreeMap<String, (usize, usize)>,
}

impl Report {
    fn add(&mut self, row: &Row, p: &Prediction) {
        self.n += 1;
        let mode_ok = p.mode == row.mode;
        self.mode += usize::from(mode_ok);
        let (h1, h3) = match row.mode {
            TAGS | data::HELP | data::NONE => (p.mode == row.mode, p.mode == row.mode),
            TAG => {
                let ok = p.mode == TAG && p.tag == row.tag.as_deref();
                (ok, ok)
            }
            _ => {
                let hit = |k: usize| p.ops.iter().take(k).any(|(o, _)| row.accept.contains(o));
                (hit(1), hit(3))
            }
        };
        self.top1 += usize::from(h1);
        self.top3 += usize::from(h3);
        if !row.accept.is_empty() {
            self.conf
                .push((p.ops.first().map_or(0.0, |o| o.1), p.p_mode, h1 && mode_ok));
        }
        let s = self.by_style.entry(row.style.clone()).or_default();
        s.0 += usize::from(h1);
        s.1 += 1;
    }

    fn pct(a: usize, b: usize) -> f64 {
        100.0 * a as f64 / b.max(1) as f64
    }

    fn short(&self) -> String {
        format!(
            "{:.1} / {:.1} / {:.1}",
            Self::pct(self.top1, self.n),
            Self::pct(self.top3, self.n),
            Self::pct(self.mode, self.n)
        )
    }

    fn line(&self) -> String {
        let styles: Vec<String> = self
            .by_style
            .iter()
            .filter(|(k, _)| !k.is_empty())
            .map(|(k, (a, b))| format!("{k}:{:.1}", Self::pct(*a, *b)))
            .collect();
        format!(
            "n={} top1/top3/mode {}   by style {}",
            self.n,
            self.short(),
            styles.join(" ")
        )
    }

    /// High-confidence precision and the share of wrong answers marked low.
    fn calibration_table(&self, cal: &[f32; CALIBRATION]) -> String {
        let high = |c: &&(f32, f32, bool)| c.0 >= cal[0] && c.1 >= cal[1];
        let (hi, lo): (Vec<&(f32, f32, bool)>, Vec<_>) = self.conf.iter().partition(high);
        let hi_right = hi.iter().filter(|c| c.2).count();
        let lo_right = lo.iter().filter(|c| c.2).count();
        let wrong = self.conf.iter().filter(|c| !c.2).count();
        format!(
            "  calibration: high {} ({:.1}% right), low {} ({:.1}% right); wrong answers marked low {:.1}%\n",
            hi.len(),
            Self::pct(hi_right, hi.len()),
            lo.len(),
            Self::pct(lo_right, lo.len()),
            Self::pct(lo.len() - lo_right, wrong)
        )
    }
}
