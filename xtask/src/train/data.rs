//! Labelled prompts (the eval format of ../shared/eval/README.md) turned into
//! training examples: feature rows, targets, folds.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use clerk::catalog::{Operation, Version};
use clerk::resolve::features::{self, Prompt, STRUCTURE};
use serde_json::Value;

/// Mode classes: indexes into `clerk::resolve::model::MODES`.
pub use clerk::resolve::model::{DETAIL, EXECUTE, HELP, NONE, TAG, TAGS};

/// What an example teaches the operation softmax.
#[derive(Clone, Debug)]
pub enum Target {
    /// Nothing (help, all tags).
    None,
    /// One operation.
    Op(usize),
}

/// One labelled prompt.
#[derive(Clone, Debug)]
pub struct Row {
    pub query: String,
    pub target: Target,
    /// Acceptable operations (for scoring), first is the label.
    pub accept: Vec<usize>,
    pub mode: usize,
    /// What its syntax decides at run time: `Users` or `GET /users help`
    /// teach the operations but not the mode.
    pub syntax: clerk::resolve::Syntax,
    /// For browse-tag rows: the tag.
    pub tag: Option<String>,
    /// Where it came from (file stem), for folds and reports.
    pub source: String,
    pub style: String,
}

/// The operations the model ranks: the latest version's, in order.
pub struct Ops {
    pub version: &'static Version,
    pub keys: Vec<String>,
}

impl Ops {
    pub fn latest() -> Ops {
        let version = clerk::catalog::latest();
        let keys = version
            .operations()
            .iter()
            .map(|o| format!("{} {} {}", o.method, o.path, o.operation_id))
            .collect();
        Ops { version, keys }
    }

    pub fn find(&self, method: &str, path: &str) -> Option<usize> {
        self.version
            .operations()
            .iter()
            .position(|o| o.method.as_str() == method && o.path == path)
    }

    pub fn op(&self, i: usize) -> &'static Operation {
        &self.version.operations()[i]
    }
}

/// Every `*.jsonl` of the given folders (or files), sorted by path.
pub fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let rd = fs::read_dir(p).map_err(|e| format!("{}: {e}", p.display()))?;
            for e in rd.flatten() {
                if e.path().extension().is_some_and(|x| x == "jsonl") {
                    out.push(e.path());
                }
            }
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    Ok(out)
}

/// Reads labelled rows; rows whose label is not an operation or tag of the
/// latest spec are skipped with a warning.
pub fn read(path: &Path, ops: &Ops) -> Result<Vec<Row>, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let source = path.file_stem().unwrap().to_string_lossy().to_string();
    let mut rows = Vec::new();
    let mut skipped = 0;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        match row(&v, ops, &source) {
            Some(r) => rows.push(r),
            None => skipped += 1,
        }
    }
    if skipped > 0 {
        eprintln!(
            "warning: {}: {skipped} rows with labels outside the latest spec skipped",
            path.display()
        );
    }
    Ok(rows)
}

fn row(v: &Value, ops: &Ops, source: &str) -> Option<Row> {
    let query = v["query"].as_str()?.to_string();
    let kind = v["kind"].as_str().unwrap_or("execute");
    let expect = v["expect"].as_array().cloned().unwrap_or_default();
    let style = match &v["style"] {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut r = Row {
        syntax: clerk::resolve::syntax_of(&query),
        query,
        target: Target::None,
        accept: Vec::new(),
        mode: EXECUTE,
        tag: None,
        source: source.to_string(),
        style,
    };
    match kind {
        "help" => r.mode = HELP,
        "none" => r.mode = NONE,
        "browse" => match expect.first().and_then(|e| e["tag"].as_str()) {
            None => r.mode = TAGS,
            Some(tag) => {
                if !(0..ops.keys.len()).any(|i| ops.op(i).tags.first() == Some(&tag)) {
                    return None;
                }
                r.mode = TAG;
                r.tag = Some(tag.to_string());
            }
        },
        _ => {
            r.mode = if kind == "detail" { DETAIL } else { EXECUTE };
            for e in &expect {
                r.accept
                    .push(ops.find(e["method"].as_str()?, e["path"].as_str()?)?);
            }
            r.target = Target::Op(*r.accept.first()?);
        }
    }
    Some(r)
}

/// Each operation's summary, operationId and SDK name as execute examples.
pub fn names(ops: &Ops) -> Vec<Row> {
    let mut out = Vec::new();
    for i in 0..ops.keys.len() {
        let op = ops.op(i);
        let mut texts = vec![op.summary.to_string(), op.operation_id.to_string()];
        if let (Some(g), Some(n)) = (op.group, op.name) {
            texts.push(format!("{g}.{n}"));
        }
        for t in texts.into_iter().filter(|t| !t.trim().is_empty()) {
            out.push(Row {
                syntax: clerk::resolve::syntax_of(&t),
                query: t,
                target: Target::Op(i),
                accept: vec![i],
                mode: EXECUTE,
                tag: None,
                source: "spec".into(),
                style: String::new(),
            });
        }
    }
    out
}

/// Rows as features: text rows (into the vocabulary), structure per operation.
pub struct Featurized {
    /// Per row: word-level feature hashes, then character n-gram hashes.
    pub text: Vec<[Vec<u32>; 2]>,
    /// Per row and operation: structural features, row-major (row × op × STRUCTURE).
    pub structure: Vec<f32>,
    pub n_ops: usize,
}

impl Featurized {
    pub fn new(rows: &[Row], ops: &Ops, families: u32) -> Featurized {
        let facts = features::facts_of(ops.version);
        let n_ops = ops.keys.len();
        let mut text = Vec::with_capacity(rows.len());
        let mut structure = Vec::with_capacity(rows.len() * n_ops * STRUCTURE);
        for r in rows {
            let p: Prompt = features::of_text(&r.query, families);
            let bm25 = if families & features::family::BM25 != 0 {
                clerk::resolve::model::bm25(&p, ops.version)
            } else {
                vec![0.0; n_ops]
            };
            for (j, f) in facts.iter().enumerate() {
                structure.extend_from_slice(&features::structure(&p, f, bm25[j], families));
            }
            text.push([p.text, p.grams]);
        }
        Featurized {
            text,
            structure,
            n_ops,
        }
    }

    pub fn phi(&self, row: usize, op: usize) -> &[f32] {
        let at = (row * self.n_ops + op) * STRUCTURE;
        &self.structure[at..at + STRUCTURE]
    }
}

/// The vocabulary: feature hash -> (row, idf), for hashes seen in at least
/// `min` rows or in the spec's own names.
pub type Vocab = BTreeMap<u32, (usize, f32)>;

pub fn vocabulary(rows: &[Row], f: &Featurized, min: usize) -> Vocab {
    let mut counts: BTreeMap<u32, (usize, usize)> = BTreeMap::new();
    for (r, text) in rows.iter().zip(&f.text) {
        let bump = if r.source == "spec" { min } else { 1 };
        for h in text.iter().flatten() {
            let c = counts.entry(*h).or_default();
            c.0 += bump;
            c.1 += 1;
        }
    }
    let n = rows.len() as f32;
    counts
        .into_iter()
        .filter(|(_, c)| c.0 >= min)
        .enumerate()
        .map(|(i, (h, (_, df)))| (h, (i, ((1.0 + n) / (1.0 + df as f32)).ln() + 1.0)))
        .collect()
}
