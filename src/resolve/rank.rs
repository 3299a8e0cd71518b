//! Plain-language ranking: analyse the prompt's words (phrases, synonyms,
//! typo correction, verb -> method prior), score every operation with BM25 on
//! the embedded index, bind the prompt's values to each operation's
//! parameters, and rerank on structure (IDs that fit path parameters, required
//! parameters satisfied, method prior, deprecation).

use serde_json::{Map, Value};

use super::entities::{ItemOp, Kind, Token};
use super::features::{self, OpFeatures};
use super::lexicon::{HashSet, Lexicon};
use super::{Bound, Candidate};
use crate::catalog::{singular, Method, Operation, Param, ParamIn, Version};
use crate::index::{QueryWord, SearchIndex};

/// The prompt, analysed once and shared by the scoring of every operation.
pub struct Analysis {
    pub tokens: Vec<Token>,
    /// Search words with weights (after phrases, stop words, synonyms, typo fixes).
    pub words: Vec<(String, f32)>,
    /// Normalised plain words in prompt order (after phrase replacement), with their token index.
    pub terms: Vec<(String, usize)>,
    /// Method prior from verbs: (method, strength).
    pub verbs: Vec<(Method, f32)>,
    /// The prior comes from action verbs, not question words.
    pub verbs_act: bool,
    /// Tokens that are free values: unknown words (not in the vocabulary, not typos).
    pub free: Vec<usize>,
    pub count: bool,
    /// Typo corrections made, for `--explain`.
    pub corrections: Vec<(String, String)>,
    /// Every concept the prompt mentions: singular terms, their parts and synonyms.
    pub termset: HashSet<String>,
    /// The first content word: usually the resource asked about ("sessions on client ...").
    pub head: Option<String>,
    /// The first action verb, in base form ("revoke", "create").
    pub action: Option<String>,
}

/// Words that ask rather than act; they steer the method only without an action verb.
const QUESTION_WORDS: &[&str] = &["what", "which", "who", "describe"];

/// Words after which the rest of the prompt is a reason, not the request
/// ("remove password ... so they can only use magic links").
const CLAUSE_BREAKS: &[&str] = &["so", "because", "since", "cause"];

/// The base verb behind an inflected form: `"creating"` with suffix `"ing"` ->
/// create; `"banned"` with `"ed"` -> ban. Only bases the lexicon knows as verbs.
fn verb_base(w: &str, suffix: &str, lex: &Lexicon) -> Option<String> {
    let stem = w.strip_suffix(suffix)?;
    let mut chars = stem.chars().rev();
    // "banned" -> "ban": drop a doubled final letter (compare chars, not bytes).
    let undoubled = match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a == b => Some(&stem[..stem.len() - a.len_utf8()]),
        _ => None,
    };
    [
        Some(stem.to_string()),
        Some(format!("{stem}e")),
        undoubled.map(str::to_string),
    ]
    .into_iter()
    .flatten()
    .find(|c| lex.methods.contains_key(c))
}

/// The base verb of a gerund ("creating" -> "create", "banning" -> "ban").
fn gerund_base(w: &str, lex: &Lexicon) -> Option<String> {
    verb_base(w, "ing", lex)
}

/// The base verb of a participle used as a state ("locked" -> "lock", "banned" -> "ban").
fn participle_base(w: &str, lex: &Lexicon) -> Option<String> {
    verb_base(w, "ed", lex)
}

/// Analyses classified tokens. `skip` holds token indices already consumed (mode cues).
pub fn analyze(
    tokens: Vec<Token>,
    skip: &HashSet<usize>,
    index: &SearchIndex,
    lex: &Lexicon,
) -> Analysis {
    // 1. Phrase replacement over runs of plain words.
    let mut terms: Vec<(String, usize)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if skip.contains(&i) || tokens[i].kind != Kind::Word {
            i += 1;
            continue;
        }
        let mut matched = false;
        for (phrase, repl) in lex.phrases {
            let n = phrase.len();
            if i + n <= tokens.len()
                && (0..n).all(|k| {
                    tokens[i + k].kind == Kind::Word
                        && !skip.contains(&(i + k))
                        && tokens[i + k].norm == phrase[k]
                })
            {
                for r in *repl {
                    terms.push((r.to_string(), i));
                }
                i += n;
                matched = true;
                break;
            }
        }
        if !matched {
            let w = tokens[i]
                .norm
                .trim_matches(|c: char| !c.is_alphanumeric() && c != '_');
            if !w.is_empty() {
                terms.push((w.to_string(), i));
            }
            i += 1;
        }
    }

    // 2. Verbs, stop words, typos, synonyms.
    let mut words: Vec<(String, f32)> = Vec::new();
    let mut verbs: Vec<(Method, f32)> = Vec::new();
    let mut free = Vec::new();
    let mut corrections = Vec::new();
    let mut count = false;
    let mut clause = 1.0f32;
    let mut questions: Vec<(Method, f32)> = Vec::new();
    let mut head: Option<String> = None;
    let mut action: Option<String> = None;
    for (t, (term, tok)) in terms.clone().into_iter().enumerate() {
        if CLAUSE_BREAKS.contains(&term.as_str()) && t > 0 {
            clause = 0.35;
            continue;
        }
        if lex.count.contains(&term) {
            count = true;
        }
        // Typos first, so a misspelt verb still steers the method ("deleet").
        let known = lex.stop.contains(&term)
            || lex.synonyms.contains_key(&term)
            || lex.methods.contains_key(&term)
            || term.contains('_')
            || index.raw_doc_freq(&term) > 0
            || index.raw_doc_freq(&crate::catalog::singular(&term)) > 0;
        let mut term = term;
        if !known {
            match correct(&term, index, lex) {
                Some(fixed) => {
                    corrections.push((term.clone(), fixed.clone()));
                    terms[t].0 = fixed.clone();
                    term = fixed;
                }
                None => {
                    free.push(tok);
                    continue;
                }
            }
        }
        let verb = if lex.methods.contains_key(&term) {
            Some(term.clone())
        } else {
            gerund_base(&term, lex)
        };
        if let Some(m) = verb
            .as_ref()
            .and_then(|v| lex.methods.get(v))
            .filter(|_| clause == 1.0)
        {
            // Question words only steer the method when no action verb does.
            let list = if QUESTION_WORDS.contains(&term.as_str()) {
                &mut questions
            } else {
                &mut verbs
            };
            // The first verb steers most ("delete ... list" is about deleting).
            let strength = if list.is_empty() { 1.0 } else { 0.6 };
            if list.is_empty() && !QUESTION_WORDS.contains(&term.as_str()) {
                action = verb.clone();
            }
            for (method, s) in m {
                list.push((*method, s * strength));
            }
        } else if head.is_none() && !lex.stop.contains(&term) && !lex.weak.contains(&term) {
            head = Some(crate::catalog::singular(&term));
        }
        // Counting is structural (the /count endpoints), not a search word.
        if lex.stop.contains(&term) || lex.count.contains(&term) {
            continue;
        }
        let mut weight = if lex.weak.contains(&term) { 0.3 } else { 1.0 };
        // A participle describes a state, not the action asked for.
        if participle_base(&term, lex).is_some() {
            weight *= 0.5;
        }
        weight *= clause;
        words.push((term.clone(), weight));
        if let Some(syn) = lex.synonyms.get(&term) {
            for s in syn {
                if *s != term {
                    words.push((s.to_string(), 0.6 * weight));
                }
            }
        }
    }
    let verbs_act = !verbs.is_empty();
    if verbs.is_empty() {
        verbs = questions;
    }
    let mut termset = HashSet::default();
    let add = |set: &mut HashSet<String>, w: &str| {
        for part in w.split('_').filter(|p| !p.is_empty()) {
            set.insert(crate::catalog::singular(part));
            if let Some(base) = participle_base(part, lex).or_else(|| gerund_base(part, lex)) {
                set.insert(base);
            }
        }
    };
    for (term, _) in &terms {
        add(&mut termset, term);
        if let Some(syn) = lex.synonyms.get(term) {
            for s in syn {
                add(&mut termset, s);
            }
        }
    }
    // No noun at all ("nuke user_2ab"): the first ID's kind names the resource.
    if head.is_none() {
        if let Some(kind) = tokens.iter().find_map(|t| {
            if let Kind::Id(k) = &t.kind {
                Some(k.clone())
            } else {
                None
            }
        }) {
            termset.insert(kind.clone());
            head = Some(kind);
        }
    }
    Analysis {
        tokens,
        words,
        terms,
        verbs,
        verbs_act,
        action,
        free,
        count,
        corrections,
        termset,
        head,
    }
}

/// Corrects a typo against the index vocabulary and the lexicon: same first
/// letter, Damerau-Levenshtein distance 1 (2 for words of 7+ letters); the
/// most frequent candidate wins.
fn correct(word: &str, index: &SearchIndex, lex: &Lexicon) -> Option<String> {
    let n = word.chars().count();
    if n < 4 || !word.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let max = if n >= 7 { 2 } else { 1 };
    let first = word.as_bytes()[0];
    let mut best: Option<(usize, u32, String)> = None;
    let vocab = index.vocabulary().iter().map(|(w, f)| (w.as_str(), *f));
    let lexicon = lex
        .synonyms
        .keys()
        .chain(lex.methods.keys())
        .map(|w| (w, 5u32));
    for (cand, freq) in vocab.chain(lexicon) {
        if cand.as_bytes().first() != Some(&first)
            || cand.len().abs_diff(word.len()) > max
            || cand.len() < 3
        {
            continue;
        }
        let d = distance(word, cand);
        if d <= max
            && best
                .as_ref()
                .is_none_or(|(bd, bf, _)| d < *bd || d == *bd && freq > *bf)
        {
            best = Some((d, freq, cand.to_string()));
        }
    }
    best.map(|(_, _, w)| w)
}

/// Optimal string alignment distance (Levenshtein with adjacent transpositions).
fn distance(a: &str, b: &str) -> usize {
    let a = a.as_bytes();
    let b = b.as_bytes();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// Why an operation ranks where it does; turned into text only for the top answers.
#[derive(Default, Clone, Copy)]
struct Why {
    text: f32,
    verb_fits: bool,
    ids_fit: usize,
    ids_unused: usize,
    values_fit: usize,
    values_unused: usize,
    head: bool,
    resource: bool,
    field: bool,
    count: bool,
    deprecated: bool,
}

impl Why {
    fn describe(&self, op: &Operation, missing: &[&str]) -> String {
        let mut w = vec![format!("text {:.1}", self.text)];
        if self.verb_fits {
            w.push(format!("verb fits {}", op.method));
        }
        if self.ids_fit > 0 {
            w.push(format!("{} id(s) fit", self.ids_fit));
        }
        if self.ids_unused > 0 {
            w.push(format!("{} id(s) unused", self.ids_unused));
        }
        if !missing.is_empty() {
            w.push(format!("needs {}", missing.join(", ")));
        }
        if self.values_fit > 0 {
            w.push(format!("{} value(s) fit", self.values_fit));
        }
        if self.values_unused > 0 {
            w.push(format!("{} value(s) unused", self.values_unused));
        }
        for (on, label) in [
            (self.head, "head noun"),
            (self.resource, "resource named"),
            (self.field, "field named"),
            (self.count, "count"),
            (self.deprecated, "deprecated"),
        ] {
            if on {
                w.push(label.to_string());
            }
        }
        w.join(", ")
    }
}

/// Operations scored by text alone that go on to the (costlier) structural rerank.
const RERANK_POOL: usize = 32;

/// Ranks the operations of `version` for the analysed prompt, best first.
pub fn rank(
    version: &'static Version,
    a: &Analysis,
    index: &SearchIndex,
    lex: &Lexicon,
    detail: bool,
) -> Vec<Candidate> {
    let query: Vec<QueryWord<'_>> = a
        .words
        .iter()
        .map(|(w, weight)| QueryWord {
            text: w,
            weight: *weight,
        })
        .collect();
    let bm25 = index.scores(&query);
    let max = bm25.iter().cloned().fold(0.0f32, f32::max);
    let ops = version.operations();
    let id_kinds: Vec<&str> = a
        .tokens
        .iter()
        .filter_map(|t| {
            if let Kind::Id(k) = &t.kind {
                Some(k.as_str())
            } else {
                None
            }
        })
        .collect();

    // The pool: the best text matches, plus every operation whose path takes one of the prompt's IDs.
    let mut pool: Vec<usize> = (0..ops.len()).filter(|&i| bm25[i] > 0.0).collect();
    if pool.len() > RERANK_POOL {
        pool.select_nth_unstable_by(RERANK_POOL, |&x, &y| bm25[y].total_cmp(&bm25[x]));
        pool.truncate(RERANK_POOL);
    }
    if !id_kinds.is_empty() {
        // Text must match too, unless nothing matched at all (then IDs alone decide).
        let any_text = max > 0.0;
        for (i, op) in ops.iter().enumerate() {
            if (bm25[i] > 0.0 || !any_text)
                && !pool.contains(&i)
                && op.path_params().any(|p| {
                    let kinds = lex.param_kinds(p.name);
                    id_kinds.iter().any(|k| kinds.contains(k))
                })
            {
                pool.push(i);
            }
        }
    }

    // Is the action verb one of the API's custom actions (a POST-only verb that is
    // also a path word, like revoke/ban/rotate)? Then these words must appear.
    let specific: Option<Vec<String>> = a.action.as_ref().and_then(|v| {
        let post_only = lex
            .methods
            .get(v)
            .is_some_and(|m| m.iter().all(|(m, _)| *m == Method::Post));
        (post_only && features::path_words(version).contains(v.as_str())).then(|| {
            let mut w = vec![v.clone()];
            w.extend(
                lex.synonyms
                    .get(v)
                    .into_iter()
                    .flatten()
                    .flat_map(|s| s.split('_'))
                    .map(singular),
            );
            w
        })
    });
    let head_syn: Vec<String> = a
        .head
        .as_deref()
        .and_then(|h| lex.synonyms.get(h))
        .map(|syn| syn.iter().map(|s| singular(s)).collect())
        .unwrap_or_default();
    let mut scored: Vec<(f32, usize, Binding, Why)> = Vec::with_capacity(pool.len());
    for i in pool {
        let op = &ops[i];
        let f = features::of(version, i);
        // Square root: text similarity ranks, but a much better textual match must not
        // drown out structure (IDs that fit, the verb's method).
        let text = if max > 0.0 {
            10.0 * (bm25[i] / max).sqrt()
        } else {
            0.0
        };
        if text <= 2.0 && (max != 0.0 || id_kinds.is_empty()) {
            continue;
        }
        let b = bind(op, a, lex);
        let mut why = Why {
            text,
            ..Why::default()
        };
        let mut score = text;

        // Method prior.
        if a.verbs.is_empty() {
            // A prompt of nouns asks to see something.
            if op.method == Method::Get {
                score += 2.0;
            }
        } else {
            let s = a
                .verbs
                .iter()
                .filter(|(m, _)| *m == op.method)
                .map(|(_, s)| *s)
                .fold(0.0f32, f32::max);
            let offered = f
                .path_methods
                .iter()
                .any(|m| a.verbs.iter().any(|(v, _)| v == m));
            // "delete X" never means creating one: a POST only fits a removal verb
            // when the POST itself is destructive (revoke, remove_password, ...).
            let removal = a.verbs.first().is_some_and(|(m, _)| *m == Method::Delete);
            let s = if removal
                && op.method == Method::Post
                && crate::safety::classify(op) != crate::safety::Class::Destructive
            {
                0.0
            } else {
                s
            };
            let s = match &specific {
                // A custom action ("revoke", "ban", "verify") fits the operations that
                // perform it; another POST on the resource (create) only weakly.
                Some(words)
                    if s > 0.0 && !words.iter().any(|w| f.path_words.iter().any(|p| p == w)) =>
                {
                    0.3 * s
                }
                _ => s,
            };
            if s > 0.0 {
                score += 3.0 * s;
                why.verb_fits = true;
            } else if a.verbs_act
                && op.method == Method::Post
                && a.verbs.iter().all(|(m, _)| *m == Method::Get)
                && !offered
            {
                // "get a testing token": the path only mints (POST), so "get" may mean create.
                score -= 1.0;
            } else {
                score -= 2.0;
            }
        }
        // Structure: IDs that fit, required parameters satisfied.
        score += 2.5 * b.ids_in_path as f32
            + 1.0 * b.ids_elsewhere as f32
            + 1.0 * b.values_in_path as f32;
        score -= 2.0 * b.ids_unused as f32;
        why.ids_fit = b.ids_in_path + b.ids_elsewhere;
        why.ids_unused = b.ids_unused;
        score -= if detail { 0.3 } else { 3.0 } * b.missing.len() as f32;
        if b.filters_bound > 0 {
            score += 1.5 * b.filters_bound.min(2) as f32;
            why.values_fit = b.filters_bound;
        }
        score -= 0.5 * b.free_unused as f32;
        if b.values_unused > 0 {
            score -= 1.0 * b.values_unused as f32;
            why.values_unused = b.values_unused;
        }
        // Naming: the head noun, the resource, a field.
        if a.head.as_ref().is_some_and(|h| head_match(f, h, &head_syn)) {
            score += 1.0;
            why.head = true;
        }
        if !f.last_parts.is_empty() && f.last_parts.iter().all(|p| a.termset.contains(p)) {
            score += 1.5;
            why.resource = true;
        }
        let fm = field_mention(f, a);
        if fm > 0.0 {
            score += 2.0 * fm;
            why.field = true;
        }
        if a.count
            && f.counted
                .as_ref()
                .is_some_and(|c| c.iter().all(|p| a.termset.contains(p)))
        {
            score += 3.0;
            why.count = true;
        }
        if f.replaced {
            score -= 1.5;
            why.deprecated = true;
        }
        scored.push((score, i, b, why));
    }
    scored.sort_by(|x, y| y.0.total_cmp(&x.0));
    scored
        .into_iter()
        .take(10)
        .enumerate()
        .map(|(rank, (score, i, b, why))| Candidate {
            operation: &ops[i],
            score,
            // Reasons are shown for the first few only (--explain, did-you-mean).
            reason: if rank < 5 {
                why.describe(&ops[i], &b.missing)
            } else {
                String::new()
            },
            bound: b.bound,
            missing: b.missing,
        })
        .collect()
}

/// The head noun names the operation's last literal path segment (or a synonym of it).
fn head_match(f: &OpFeatures, head: &str, head_syn: &[String]) -> bool {
    f.last == head || f.last_parts.last().is_some_and(|p| p == head) || head_syn.contains(&f.last)
}

/// The best fraction of a multi-word field or query parameter name the prompt
/// mentions ("block disposable emails" -> block_disposable_email_domains: 3/4).
fn field_mention(f: &OpFeatures, a: &Analysis) -> f32 {
    let mut best = 0.0f32;
    for parts in &f.field_names {
        let present = parts.iter().filter(|p| a.termset.contains(*p)).count();
        let frac = present as f32 / parts.len() as f32;
        if present >= 2 && frac >= 0.5 {
            best = best.max(frac);
        }
    }
    best
}

struct Binding {
    bound: Bound,
    missing: Vec<&'static str>,
    ids_in_path: usize,
    ids_elsewhere: usize,
    ids_unused: usize,
    values_in_path: usize,
    /// Query filters or body fields filled from the prompt's words and values.
    filters_bound: usize,
    /// Typed values (emails, phones, quoted text, identifiers) nothing took.
    values_unused: usize,
    /// Unknown words nothing took.
    free_unused: usize,
}

fn accepts_slug(p: &Param) -> bool {
    let d = p.description.to_ascii_lowercase();
    d.contains("slug") || p.name.contains("key_or_id")
}

/// A free-text path parameter (not an ID): `provider`, `template_name`, `slug`.
fn is_free_path(p: &Param) -> bool {
    p.location == ParamIn::Path
        && p.enum_values.is_empty()
        && !p.name.ends_with("_id")
        && !p.name.ends_with("ID")
        && p.name != "id"
}

/// Binds the prompt's values to one operation's parameters.
fn bind(op: &'static Operation, a: &Analysis, lex: &Lexicon) -> Binding {
    let toks = &a.tokens;
    let mut used = vec![false; toks.len()];
    let mut bound = Bound::default();
    let mut b = Binding {
        bound: Bound::default(),
        missing: Vec::new(),
        ids_in_path: 0,
        ids_elsewhere: 0,
        ids_unused: 0,
        values_in_path: 0,
        filters_bound: 0,
        values_unused: 0,
        free_unused: 0,
    };
    let mut body = Map::new();

    // Explicit items first.
    bind_items(op, toks, &mut used, &mut bound, &mut body);

    // Clerk IDs: path parameters, then query parameters, then body fields.
    for p in op.path_params() {
        if bound.path_value(p.name).is_some() {
            continue;
        }
        let kinds = lex.param_kinds(p.name);
        if let Some(i) = (0..toks.len())
            .find(|&i| !used[i] && matches!(&toks[i].kind, Kind::Id(k) if kinds.contains(k)))
        {
            used[i] = true;
            bound.path.push((p.name, toks[i].text.clone()));
            b.ids_in_path += 1;
        }
    }
    // Only when the prompt has IDs at all (most query parameters take none).
    let has_ids = toks.iter().any(|t| matches!(t.kind, Kind::Id(_)));
    for p in op.query_params().filter(|_| has_ids) {
        let many = p.ty.ends_with("[]");
        let kinds = lex.param_kinds(p.name);
        while let Some(i) = (0..toks.len())
            .find(|&i| !used[i] && matches!(&toks[i].kind, Kind::Id(k) if kinds.contains(k)))
        {
            used[i] = true;
            bound.query.push((p.name.to_string(), toks[i].text.clone()));
            b.ids_elsewhere += 1;
            if !many {
                break;
            }
        }
    }
    if let Some(body_schema) = op.body {
        for f in body_schema.top_fields() {
            let name = f.path;
            let kinds = lex.param_kinds(name);
            if kinds.is_empty() {
                continue;
            }
            let many = f.ty.ends_with("[]");
            let mut vals = Vec::new();
            for i in 0..toks.len() {
                if !used[i] && matches!(&toks[i].kind, Kind::Id(k) if kinds.contains(k)) {
                    used[i] = true;
                    vals.push(Value::String(toks[i].text.clone()));
                    b.ids_elsewhere += 1;
                    if !many {
                        break;
                    }
                }
            }
            if !vals.is_empty() && !body.contains_key(name) {
                body.insert(
                    name.to_string(),
                    if many {
                        Value::Array(vals)
                    } else {
                        vals.remove(0)
                    },
                );
            }
        }
    }

    // Remaining path parameters: enums, slugs and free-text values.
    for p in op.path_params() {
        if bound.path_value(p.name).is_some() {
            continue;
        }
        if !p.enum_values.is_empty() {
            if let Some(i) = (0..toks.len())
                .find(|&i| !used[i] && enum_match(p.enum_values, &toks[i].norm).is_some())
            {
                used[i] = true;
                bound.path.push((
                    p.name,
                    enum_match(p.enum_values, &toks[i].norm)
                        .unwrap()
                        .to_string(),
                ));
                b.values_in_path += 1;
            }
            continue;
        }
        let slug_ok = accepts_slug(p);
        let free_ok = is_free_path(p);
        if !(slug_ok || free_ok) {
            continue;
        }
        let kinds = lex.param_kinds(p.name);
        let pick = (0..toks.len())
            .find(|&i| !used[i] && matches!(toks[i].kind, Kind::Ident | Kind::Quoted))
            .or_else(|| {
                // An unknown word names the resource only right after the resource's noun
                // ("get organization acme"), or for free-text parameters.
                a.free.iter().copied().find(|&i| {
                    !used[i]
                        && (free_ok
                            || i.checked_sub(1).is_some_and(|j| {
                                let prev = crate::catalog::singular(&toks[j].norm);
                                kinds
                                    .iter()
                                    .any(|k| k.split('_').next() == Some(prev.as_str()))
                                    || lex
                                        .synonyms
                                        .get(&toks[j].norm)
                                        .is_some_and(|s| s.iter().any(|x| kinds.contains(x)))
                            }))
                })
            })
            .or_else(|| {
                // Last resort for free-text names: the prompt's last plain word, if it is
                // not a word of this path ("revert email template invitation").
                let last = toks.len().checked_sub(1)?;
                let t = &toks[last];
                let in_path = op.path.to_ascii_lowercase().contains(&t.norm);
                (free_ok
                    && !used[last]
                    && t.kind == Kind::Word
                    && !in_path
                    && !lex.stop.contains(&t.norm))
                .then_some(last)
            });
        if let Some(i) = pick {
            used[i] = true;
            bound.path.push((p.name, toks[i].text.clone()));
            b.values_in_path += 1;
        }
    }

    // Query parameters: named slots, typed values, enums, booleans.
    let before = bound.query.len();
    bind_query(op, a, &mut used, &mut bound);
    b.filters_bound += bound.query.len() - before;
    // Body fields: named slots and typed values.
    if op.body.is_some() {
        let before = body.len();
        bind_body(op, a, &mut used, &mut body);
        b.filters_bound += body.len() - before;
    }
    b.values_unused = toks
        .iter()
        .enumerate()
        .filter(|(i, t)| {
            !used[*i]
                && matches!(
                    t.kind,
                    Kind::Email
                        | Kind::Phone
                        | Kind::Url
                        | Kind::Domain
                        | Kind::Quoted
                        | Kind::Ident
                        | Kind::Json(_)
                )
        })
        .count();

    b.free_unused = a.free.iter().filter(|&&i| !used[i]).count();
    b.ids_unused = toks
        .iter()
        .enumerate()
        .filter(|(i, t)| !used[*i] && matches!(t.kind, Kind::Id(_)))
        .count();
    // Keep path parameters in path order.
    let order: Vec<&str> = op.path_params().map(|p| p.name).collect();
    bound
        .path
        .sort_by_key(|(n, _)| order.iter().position(|o| o == n));
    b.missing = op
        .path_params()
        .filter(|p| bound.path_value(p.name).is_none())
        .map(|p| p.name)
        .collect();
    bound.body = body;
    b.bound = bound;
    b
}

/// `key=value`, `key:=json` and `key==value` items: a parameter of that name
/// takes the value; otherwise `:=` is a typed body field, `==` a query value,
/// and `=` a body field (typed per the schema) or, without a body, a query value.
pub(super) fn bind_items(
    op: &'static Operation,
    toks: &[Token],
    used: &mut [bool],
    bound: &mut Bound,
    body: &mut Map<String, Value>,
) {
    for (i, t) in toks.iter().enumerate() {
        let Kind::Item { key, op: item_op } = &t.kind else {
            continue;
        };
        used[i] = true;
        if let Some(p) = op.params.iter().find(|p| p.name == key.as_str()) {
            match p.location {
                ParamIn::Path => bound.set_path(p.name, t.text.clone()),
                ParamIn::Query => bound.query.push((p.name.to_string(), t.text.clone())),
            }
            continue;
        }
        match item_op {
            ItemOp::Query => bound.query.push((key.clone(), t.text.clone())),
            ItemOp::Json => {
                let v = serde_json::from_str(&t.text).unwrap_or(Value::String(t.text.clone()));
                body.insert(key.clone(), v);
            }
            ItemOp::Eq if op.body.is_some() => {
                body.insert(key.clone(), typed_field(op, key, &t.text));
            }
            ItemOp::Eq => bound.query.push((key.clone(), t.text.clone())),
        }
    }
}

fn enum_match<'e>(values: &'e [&'e str], word: &str) -> Option<&'e str> {
    let single = crate::catalog::singular(word);
    values
        .iter()
        .copied()
        .find(|v| v.eq_ignore_ascii_case(word) || v.eq_ignore_ascii_case(&single))
}

/// Index of the first unused value token after the words naming `name`
/// (`external id crm-8842` -> `crm-8842` for `external_id`).
fn named_slot(name: &str, a: &Analysis, used: &[bool]) -> Option<usize> {
    // Cheap rejection first: every word of the name must be mentioned somewhere.
    let mentioned = |part: &str| {
        a.termset.contains(part) || (part.ends_with('s') && a.termset.contains(&singular(part)))
    };
    if !name.split('_').filter(|s| !s.is_empty()).all(mentioned) {
        return None;
    }
    let parts: Vec<&str> = name.split('_').filter(|s| !s.is_empty()).collect();
    if parts.is_empty() {
        return None;
    }
    let terms: Vec<&str> = a.terms.iter().map(|(t, _)| t.as_str()).collect();
    for start in 0..terms.len() {
        let whole = terms[start] == name;
        let split = start + parts.len() <= terms.len()
            && (0..parts.len()).all(|k| {
                crate::catalog::singular(terms[start + k]) == crate::catalog::singular(parts[k])
            });
        if !(whole || split) {
            continue;
        }
        let after = a.terms[if whole {
            start
        } else {
            start + parts.len() - 1
        }]
        .1;
        let next = (after + 1..a.tokens.len()).take(4).find(|&i| {
            // IDs are bound by their kind, never by position.
            !used[i]
                && a.tokens[i].is_value()
                && !matches!(a.tokens[i].kind, Kind::Item { .. } | Kind::Id(_))
        });
        let next = next.or_else(|| a.free.iter().copied().find(|&i| i > after && !used[i]));
        if next.is_some() {
            return next;
        }
    }
    None
}

fn bind_query(op: &'static Operation, a: &Analysis, used: &mut [bool], bound: &mut Bound) {
    let toks = &a.tokens;
    let has = |n: &str| op.query_params().any(|p| p.name == n);
    let already = |bound: &Bound, n: &str| bound.query.iter().any(|(k, _)| k == n);
    for p in op.query_params() {
        if already(bound, p.name) {
            continue;
        }
        if let Some(i) = named_slot(p.name, a, used) {
            used[i] = true;
            bound.query.push((p.name.to_string(), toks[i].text.clone()));
            continue;
        }
        if !p.enum_values.is_empty() && p.name != "order_by" {
            if let Some((i, v)) = a
                .terms
                .iter()
                .find_map(|(t, i)| enum_match(p.enum_values, t).map(|v| (*i, v)))
            {
                used[i] = true;
                bound.query.push((p.name.to_string(), v.to_string()));
                continue;
            }
        }
        if p.ty == "boolean" && a.terms.iter().any(|(t, _)| t == p.name) {
            bound.query.push((p.name.to_string(), "true".into()));
        }
    }
    // Typed values into the obvious filters.
    for (i, t) in toks.iter().enumerate() {
        if used[i] {
            continue;
        }
        let target = match t.kind {
            Kind::Email if has("email_address") => Some("email_address"),
            Kind::Phone if has("phone_number") => Some("phone_number"),
            Kind::Ident if has("username") => Some("username"),
            Kind::Email | Kind::Phone | Kind::Ident | Kind::Quoted | Kind::Domain
                if has("query") =>
            {
                Some("query")
            }
            Kind::Number => {
                let prev = i.checked_sub(1).map(|j| toks[j].norm.as_str());
                match prev {
                    Some("limit" | "first" | "top" | "last" | "latest" | "newest")
                        if has("limit") =>
                    {
                        Some("limit")
                    }
                    Some("offset" | "skip") if has("offset") => Some("offset"),
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(name) = target {
            if !already(bound, name) {
                used[i] = true;
                bound.query.push((name.to_string(), t.text.clone()));
            }
        }
    }
    // Unknown words as a search query ("search users for smith").
    if has("query") && !already(bound, "query") {
        if let Some(text) = free_text(a, used) {
            for &i in &a.free {
                used[i] = true;
            }
            bound.query.push(("query".into(), text));
        }
    }
}

/// The prompt's unknown words nothing has taken yet, joined ("Acme Inc").
fn free_text(a: &Analysis, used: &[bool]) -> Option<String> {
    let free: Vec<&str> = a
        .free
        .iter()
        .filter(|&&i| !used[i])
        .map(|&i| a.tokens[i].text.as_str())
        .collect();
    (!free.is_empty()).then(|| free.join(" "))
}

fn typed_field(op: &Operation, key: &str, text: &str) -> Value {
    let ty = op
        .body
        .and_then(|b| b.field(key))
        .map(|f| f.ty)
        .unwrap_or("string");
    match ty {
        "integer" | "number" | "boolean" => {
            serde_json::from_str(text).unwrap_or(Value::String(text.into()))
        }
        t if t.ends_with("[]") => Value::Array(
            text.split(',')
                .map(|s| Value::String(s.trim().to_string()))
                .collect(),
        ),
        _ => Value::String(text.to_string()),
    }
}

fn bind_body(
    op: &'static Operation,
    a: &Analysis,
    used: &mut [bool],
    body: &mut Map<String, Value>,
) {
    let Some(schema) = op.body else { return };
    let toks = &a.tokens;
    let put = |body: &mut Map<String, Value>, field: &crate::catalog::Field, text: &str| {
        if body.contains_key(field.path) {
            return;
        }
        let v = if field.ty.ends_with("[]") {
            Value::Array(vec![Value::String(text.to_string())])
        } else {
            typed_field(op, field.path, text)
        };
        body.insert(field.path.to_string(), v);
    };
    // Named slots ("first name ... to Maria", "password hunter2").
    for f in schema.top_fields() {
        if body.contains_key(f.path) {
            continue;
        }
        if let Some(i) = named_slot(f.path, a, used) {
            used[i] = true;
            if let Kind::Json(v) = &toks[i].kind {
                body.insert(f.path.to_string(), v.clone());
            } else {
                put(body, f, &toks[i].text);
            }
        }
    }
    // JSON literals after a field's words were placed above; a bare one merges in.
    for (i, t) in toks.iter().enumerate() {
        if used[i] {
            continue;
        }
        if let Kind::Json(Value::Object(m)) = &t.kind {
            used[i] = true;
            for (k, v) in m {
                body.entry(k.clone()).or_insert(v.clone());
            }
        }
    }
    // Typed values into the obvious fields.
    for (i, t) in toks.iter().enumerate() {
        if used[i] {
            continue;
        }
        let names: &[&str] = match t.kind {
            Kind::Email => &["email_address", "identifier", "email_addresses"],
            Kind::Phone => &["phone_number", "identifier", "phone_numbers"],
            Kind::Domain => &["name", "domain", "domain_name"],
            Kind::Url => &["url", "redirect_url", "proxy_url"],
            _ => &[],
        };
        if let Some(f) = names.iter().find_map(|n| schema.field(n)) {
            if !body.contains_key(f.path) {
                used[i] = true;
                put(body, f, &t.text);
            }
        }
    }
    // A bulk endpoint (array body) takes every value of the prompt.
    if schema.ty.ends_with("[]") {
        for (i, t) in toks.iter().enumerate() {
            if !used[i] && matches!(t.kind, Kind::Email | Kind::Phone | Kind::Id(_)) {
                used[i] = true;
            }
        }
        return;
    }
    // Quoted text or unknown words as a name ("create org Acme Inc").
    if let Some(f) = schema.field("name") {
        if !body.contains_key("name") {
            let quoted = toks
                .iter()
                .enumerate()
                .find(|(i, t)| !used[*i] && t.kind == Kind::Quoted)
                .map(|(i, _)| i);
            let text = match quoted {
                Some(i) => Some(toks[i].text.clone()),
                None => free_text(a, used),
            };
            if let Some(text) = text {
                put(body, f, &text);
            }
        }
    }
}
