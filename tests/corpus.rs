//! The project's labelled splits: every label is real, no prompt is in two
//! splits (or in a split and the dev set), and the frozen test split is as
//! large and as complete as issue 13 asks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use clerk::catalog::{self, Method};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rows(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}: {l}", path.display())))
        .collect()
}

fn jsonl_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|x| x == "jsonl"));
    v.sort();
    v
}

/// The project's own splits: the frozen test splits and the training splits.
fn own_splits() -> Vec<PathBuf> {
    let mut v = jsonl_in(&root().join("tests/corpus"));
    v.extend(jsonl_in(&root().join("xtask/corpus")));
    v
}

/// Case and spacing folded, as the splits were deduplicated.
fn key(q: &str) -> String {
    q.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[test]
fn every_label_is_an_operation_or_tag_of_the_latest_spec() {
    let v = catalog::latest();
    for path in own_splits() {
        for r in rows(&path) {
            let id = r["id"].as_str().unwrap_or("?");
            let kind = r["kind"].as_str().unwrap();
            let expect = r["expect"].as_array().unwrap();
            match kind {
                "execute" | "detail" => {
                    assert!(!expect.is_empty(), "{id}: no label");
                    for e in expect {
                        let m = Method::parse(e["method"].as_str().unwrap()).unwrap();
                        let p = e["path"].as_str().unwrap();
                        assert!(
                            v.operation(m, p).is_some(),
                            "{id}: {m} {p} is not an operation"
                        );
                    }
                }
                "browse" => {
                    for e in expect {
                        let t = e["tag"].as_str().unwrap();
                        assert!(v.tags().iter().any(|x| x.name == t), "{id}: no tag {t}");
                    }
                }
                "help" | "none" => assert!(expect.is_empty(), "{id}"),
                other => panic!("{id}: unknown kind {other}"),
            }
        }
    }
}

#[test]
fn no_prompt_is_in_two_splits_or_in_a_split_and_the_dev_set() {
    let mut files = own_splits();
    let shared = root().join("../shared");
    files.extend(jsonl_in(&shared.join("corpus")));
    files.push(shared.join("eval/dev.jsonl"));
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    let own: BTreeSet<PathBuf> = own_splits().into_iter().collect();
    for path in files.iter().filter(|p| p.exists()) {
        let mut here = BTreeSet::new();
        for r in rows(path) {
            let k = key(r["query"].as_str().unwrap());
            if !here.insert(k.clone()) {
                continue; // repeats inside one given file are that file's business
            }
            if let Some(first) = seen.get(&k) {
                assert!(
                    !own.contains(path) && !own.contains(first),
                    "{k:?} is in {} and in {}",
                    first.display(),
                    path.display()
                );
            }
            seen.entry(k).or_insert_with(|| path.clone());
        }
    }
    assert!(
        shared.join("eval/dev.jsonl").exists(),
        "../shared/eval/dev.jsonl is needed"
    );
}

#[test]
fn the_frozen_splits_are_large_and_cover_every_operation() {
    // frozen-4 has 23 help rows after dropping the one-word ones other splits had.
    for (file, min_kind) in [("frozen.jsonl", 30), ("frozen-4.jsonl", 20)] {
        frozen_split_is_complete(&root().join("tests/corpus").join(file), min_kind);
    }
}

fn frozen_split_is_complete(path: &Path, min_kind: usize) {
    let r = rows(path);
    assert!(r.len() >= 1500, "{} rows", r.len());
    let mut per_op: BTreeMap<String, usize> = BTreeMap::new();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &r {
        let kind = row["kind"].as_str().unwrap();
        *kinds.entry(kind).or_default() += 1;
        if kind == "execute" || kind == "detail" {
            let e = &row["expect"][0];
            *per_op
                .entry(format!(
                    "{} {}",
                    e["method"].as_str().unwrap(),
                    e["path"].as_str().unwrap()
                ))
                .or_default() += 1;
        }
    }
    let v = catalog::latest();
    for op in v.operations() {
        let n = per_op.get(&op.display()).copied().unwrap_or(0);
        assert!(n >= 4, "{} has {n} prompts", op.display());
    }
    for k in ["execute", "detail", "browse", "help"] {
        assert!(
            kinds.get(k).copied().unwrap_or(0) >= min_kind,
            "{k}: {kinds:?}"
        );
    }
    let styles: BTreeSet<&str> = r.iter().filter_map(|x| x["style"].as_str()).collect();
    assert!(
        styles.contains("B1") && styles.contains("A3"),
        "SDK names and tickets: {styles:?}"
    );
}
