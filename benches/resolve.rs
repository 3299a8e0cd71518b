//! Resolver latency: every dev-set prompt, a cold index open, and whole
//! `resolve` for a few typical prompts. `cargo bench`.

use std::hint::black_box;

use clerk::catalog;
use clerk::index::SearchIndex;
use clerk::resolve::resolve;
use criterion::{criterion_group, criterion_main, Criterion};

const TYPICAL: &[&str] = &[
    "get user john_doe",
    "kick user_2ab out of org_9x",
    "turn off 2fa for user_29x",
    "how many users do we have",
    "DELETE /v1/users/user_123",
    "Users",
];

/// The dev set's prompts when ../shared/eval is beside the repo, else the typical ones.
fn dev_prompts() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/eval/dev.jsonl");
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v["query"].as_str().map(str::to_string))
            .collect(),
        Err(_) => TYPICAL.iter().map(|s| s.to_string()).collect(),
    }
}

fn benches(c: &mut Criterion) {
    let prompts = dev_prompts();
    // Warm the per-process caches (index open, lexicon, vocabulary) once.
    for p in &prompts {
        let _ = resolve(p, None);
    }
    let mut g = c.benchmark_group("resolve");
    g.bench_function(format!("dev_set_per_prompt_x{}", prompts.len()), |b| {
        b.iter(|| {
            for p in &prompts {
                black_box(resolve(black_box(p), None).ok());
            }
        })
    });
    for p in TYPICAL {
        g.bench_function(*p, |b| {
            b.iter(|| black_box(resolve(black_box(p), None).ok()))
        });
    }
    g.finish();

    c.bench_function("index/cold_open", |b| {
        let v = catalog::latest();
        b.iter(|| black_box(SearchIndex::open_uncached(v)))
    });
}

criterion_group!(name = group; config = Criterion::default().sample_size(30); targets = benches);
criterion_main!(group);
