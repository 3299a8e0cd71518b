//! Binding: the prompt's values placed in one operation's parameters. IDs go
//! to the parameters of their kind (never by position), `key=value` items to
//! the parameter or field they name, typed values (emails, phones, URLs) to
//! the obvious fields, and the prompt's unknown words to free-text slots
//! (`query`, `name`, slugs). The analysis first marks which words are
//! vocabulary (after phrases and typo fixes) and which are values.

use serde_json::{Map, Value};

use super::entities::{ItemOp, Kind, Token};
use super::lexicon::{HashSet, Lexicon};
use super::{time, Bound};
use crate::catalog::{singular, Operation, Param, ParamIn};
use crate::index::SearchIndex;

/// The prompt, analysed once for binding to any operation.
pub struct Analysis {
    pub tokens: Vec<Token>,
    /// Normalised plain words in prompt order (after phrase replacement), with their token index.
    pub terms: Vec<(String, usize)>,
    /// Tokens that are free values: unknown words (not in the vocabulary, not typos).
    pub free: Vec<usize>,
    /// Typo corrections made, for notes and `--explain`.
    pub corrections: Vec<(String, String)>,
    /// Every concept the prompt mentions: singular terms, their parts and synonyms.
    pub termset: HashSet<String>,
    /// The time range the prompt states ("in the last 7 days"), as of the clock.
    pub time: Option<time::Range>,
    /// The sort it asks for ("newest").
    pub order: Option<time::Order>,
}

/// Analyses classified tokens: phrases, typo fixes, free words, mentioned
/// concepts, the time range as of `now` (UTC milliseconds) and the sort.
pub fn analyze(tokens: Vec<Token>, index: &SearchIndex, lex: &Lexicon, now: i64) -> Analysis {
    let words = time::words(&tokens);
    let time = time::find(&words, now);
    let order = time::order(&words);
    // The words of a time expression or a sort are neither search words nor values.
    let in_span = |i: usize| {
        time.as_ref().is_some_and(|r| r.span.contains(&i)) || order.is_some_and(|o| o.at == i)
    };
    let mut terms = phrase_terms(&tokens, lex);
    terms.retain(|(_, i)| !in_span(*i));
    let mut free = Vec::new();
    let mut corrections = Vec::new();
    for (term, tok) in terms.iter_mut() {
        let known = lex.stop.contains(term)
            || lex.synonyms.contains_key(term)
            || lex.verbs.contains(term)
            || term.contains('_')
            || index.raw_doc_freq(term) > 0
            || index.raw_doc_freq(&singular(term)) > 0;
        if known {
            continue;
        }
        match correct(term, index, lex) {
            Some(fixed) => {
                corrections.push((term.clone(), fixed.clone()));
                *term = fixed;
            }
            None => free.push(*tok),
        }
    }
    // The word naming the range's field ("inactive") is no search word either.
    free.retain(|&i| time.as_ref().and_then(|r| r.cue) != Some(i));
    let mut termset = HashSet::default();
    let add = |set: &mut HashSet<String>, w: &str| {
        for part in w.split('_').filter(|p| !p.is_empty()) {
            set.insert(singular(part));
            if let Some(base) = participle_base(part, lex).or_else(|| gerund_base(part, lex)) {
                set.insert(base);
            }
        }
    };
    for (term, _) in &terms {
        add(&mut termset, term);
        for s in lex.synonyms.get(term).into_iter().flatten() {
            add(&mut termset, s);
        }
    }
    Analysis {
        tokens,
        terms,
        free,
        corrections,
        termset,
        time,
        order,
    }
}

/// Plain words in order, with the lexicon's phrases replaced ("two factor" -> mfa).
fn phrase_terms(tokens: &[Token], lex: &Lexicon) -> Vec<(String, usize)> {
    let mut terms = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].kind != Kind::Word {
            i += 1;
            continue;
        }
        let hit = lex.phrases.iter().find(|(phrase, _)| {
            i + phrase.len() <= tokens.len()
                && phrase
                    .iter()
                    .enumerate()
                    .all(|(k, w)| tokens[i + k].kind == Kind::Word && tokens[i + k].norm == *w)
        });
        if let Some((phrase, repl)) = hit {
            terms.extend(repl.iter().map(|r| (r.to_string(), i)));
            i += phrase.len();
            continue;
        }
        let w = tokens[i]
            .norm
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '_');
        if !w.is_empty() {
            terms.push((w.to_string(), i));
        }
        i += 1;
    }
    terms
}

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
    .find(|c| lex.verbs.contains(c))
}

/// The base verb of a gerund ("creating" -> "create", "banning" -> "ban").
fn gerund_base(w: &str, lex: &Lexicon) -> Option<String> {
    verb_base(w, "ing", lex)
}

/// The base verb of a participle used as a state ("locked" -> "lock", "banned" -> "ban").
fn participle_base(w: &str, lex: &Lexicon) -> Option<String> {
    verb_base(w, "ed", lex)
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
        .chain(lex.verbs.keys())
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

/// The prompt's values placed in one operation's parameters.
pub struct Binding {
    pub bound: Bound,
    /// Required path parameters the prompt did not supply.
    pub missing: Vec<&'static str>,
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
pub fn bind(op: &'static Operation, a: &Analysis, lex: &Lexicon) -> Binding {
    let toks = &a.tokens;
    let mut used = vec![false; toks.len()];
    let mut bound = Bound::default();
    let mut b = Binding {
        bound: Bound::default(),
        missing: Vec::new(),
    };
    let mut body = Map::new();

    // Explicit items first, then the time range and sort.
    bind_items(op, toks, &mut used, &mut bound, &mut body);
    bind_time(op, a, &mut used, &mut bound);

    // Clerk IDs: path parameters, then query parameters, then body fields.
    for p in op.path_params() {
        if bound.path_value(p.name).is_some() {
            continue;
        }
        let kinds = lex.param_kinds(p.name);
        let fits: Vec<usize> = (0..toks.len())
            .filter(|&i| !used[i] && matches!(&toks[i].kind, Kind::Id(k) if kinds.contains(k)))
            .collect();
        if let Some(i) = acted_on(&fits, toks, lex) {
            used[i] = true;
            bound.path.push((p.name, toks[i].text.clone()));
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
            if !many {
                break;
            }
        }
    }
    // (A bulk body's per-item fields are placed by `bulk_items`.)
    if let Some(body_schema) = op.body.filter(|b| !b.ty.ends_with("[]")) {
        for f in body_schema.top_fields() {
            let name = f.path;
            // `created_by` holds a user ID (the spec's own description).
            let kinds = lex.param_kinds(if name == "created_by" {
                "user_id"
            } else {
                name
            });
            if kinds.is_empty() {
                continue;
            }
            let many = f.ty.ends_with("[]");
            let fits: Vec<usize> = (0..toks.len())
                .filter(|&i| !used[i] && matches!(&toks[i].kind, Kind::Id(k) if kinds.contains(k)))
                .collect();
            // One value, or for an array field the list the action names
            // ("ban user_a, user_b and user_c", not "ban user_a, not user_b").
            let take = match acted_on(&fits, toks, lex) {
                Some(i) if many => list_around(&fits, i, toks),
                Some(i) => vec![i],
                None => Vec::new(),
            };
            let mut vals = Vec::new();
            for i in take {
                used[i] = true;
                vals.push(Value::String(toks[i].text.clone()));
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

    // ID path parameters no known ID fits: an ID-shaped token of a prefix the
    // lexicon does not know ("get scim directory scimdir_2Pk8"), in prompt order.
    for p in op
        .path_params()
        .filter(|p| !lex.param_kinds(p.name).is_empty())
    {
        if bound.path_value(p.name).is_none() {
            if let Some(i) = (0..toks.len()).find(|&i| {
                !used[i] && toks[i].kind == Kind::Ident && super::entities::id_shaped(&toks[i].text)
            }) {
                used[i] = true;
                bound.path.push((p.name, toks[i].text.clone()));
            }
        }
    }
    // Remaining path parameters: enums, slugs and free-text values.
    for p in op.path_params() {
        if bound.path_value(p.name).is_none() {
            if let Some((i, value)) = path_word(op, p, a, lex, &used) {
                used[i] = true;
                bound.path.push((p.name, value));
            }
        }
    }

    // Query parameters: named slots, typed values, enums, booleans.
    bind_query(op, a, &mut used, &mut bound);
    // Body fields: named slots and typed values.
    match op.body {
        Some(b) if b.ty.ends_with("[]") => {
            bound.items = bulk_items(b, a, lex, &mut used, std::mem::take(&mut body));
            for item in &mut bound.items {
                org_role(op, item);
            }
        }
        Some(_) => bind_body(op, a, &mut used, &mut body),
        None => {}
    }
    org_role(op, &mut body);
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

/// Of several IDs that fit one path parameter, the one the action names:
/// the first with a verb just before it, and no value between ("samlc_1 vs
/// samlc_2: kill samlc_2, keep the other", "user_a is fine but delete
/// user_b"); else the first.
fn acted_on(fits: &[usize], toks: &[Token], lex: &Lexicon) -> Option<usize> {
    let first = *fits.first()?;
    if fits.len() == 1 {
        return Some(first);
    }
    // The verb stands at most three words before ("delete the user user_2b").
    let verb_led = |i: usize| {
        toks[i.saturating_sub(3)..i]
            .iter()
            .rev()
            .find(|t| t.is_value() || lex.verbs.contains(&t.norm))
            .is_some_and(|t| !t.is_value())
    };
    Some(fits.iter().copied().find(|&i| verb_led(i)).unwrap_or(first))
}

/// The values of `fits` written as one list with `at`: neighbours with only
/// joining words ("and", ",") between them.
fn list_around(fits: &[usize], at: usize, toks: &[Token]) -> Vec<usize> {
    let joined = |a: usize, b: usize| {
        toks[a + 1..b]
            .iter()
            .all(|t| super::plan::is_joiner(&t.norm))
    };
    let Some(k) = fits.iter().position(|&i| i == at) else {
        return vec![at];
    };
    let mut lo = k;
    while lo > 0 && joined(fits[lo - 1], fits[lo]) {
        lo -= 1;
    }
    let mut hi = k;
    while hi + 1 < fits.len() && joined(fits[hi], fits[hi + 1]) {
        hi += 1;
    }
    fits[lo..=hi].to_vec()
}

/// The prompt's time range into the operation's `<field>_after`/`_before`
/// (`_since` where there is no `_after`) filters, and the sort into `order_by`
/// where that sort key is one the operation documents: a range lists newest
/// first. The range's words are used up even when the operation has no such
/// filter, so "last 7 days" never becomes a page size.
fn bind_time(op: &Operation, a: &Analysis, used: &mut [bool], bound: &mut Bound) {
    let has = |n: &str| op.query_params().any(|p| p.name == n);
    let unset = |bound: &Bound, n: &str| !bound.query.iter().any(|(k, _)| k == n);
    let mut sort = a.order;
    if let Some(r) = &a.time {
        for &i in r.span.iter().chain(&r.cue) {
            used[i] = true;
        }
        let stem = r.field.stem();
        let after = [format!("{stem}_after"), format!("{stem}_since")]
            .into_iter()
            .find(|n| has(n));
        let slots = [(after, r.after), (Some(format!("{stem}_before")), r.before)];
        let mut filtered = false;
        for (name, value) in slots {
            if let (Some(name), Some(v)) = (name.filter(|n| has(n)), value) {
                if unset(bound, &name) {
                    bound.query.push((name, v.to_string()));
                    filtered = true;
                }
            }
        }
        if filtered {
            sort = sort.or(Some(time::Order {
                field: r.field,
                desc: true,
                at: usize::MAX,
            }));
        }
    }
    let Some(sort) = sort else { return };
    let sortable = op
        .query_params()
        .find(|p| p.name == "order_by")
        .is_some_and(|p| p.description.contains(sort.field.stem()));
    if sortable && unset(bound, "order_by") {
        if let Some(u) = used.get_mut(sort.at) {
            *u = true;
        }
        bound.query.push(("order_by".into(), sort.value()));
    }
}

/// A value for a path parameter that is not an ID: one of its enum values
/// (or of the values the same parameter takes elsewhere in the spec), else
/// an identifier-like token, a short quoted one, or an unknown word. Path
/// values never hold white space or start with `-` (flags).
fn path_word(
    op: &Operation,
    p: &Param,
    a: &Analysis,
    lex: &Lexicon,
    used: &[bool],
) -> Option<(usize, String)> {
    let toks = &a.tokens;
    let values = if p.enum_values.is_empty() {
        spec_enum(p.name)
    } else {
        p.enum_values
    };
    if !values.is_empty() {
        return (0..toks.len()).find_map(|i| {
            let v = enum_match(values, &toks[i].norm).filter(|_| !used[i])?;
            Some((i, v.to_string()))
        });
    }
    let slug_ok = accepts_slug(p);
    let free_ok = is_free_path(p);
    if !(slug_ok || free_ok) {
        return None;
    }
    let fits = |i: usize| {
        let t = &toks[i].text;
        !used[i] && !t.is_empty() && !t.contains(char::is_whitespace) && !t.starts_with('-')
    };
    let kinds = lex.param_kinds(p.name);
    let pick = (0..toks.len())
        .find(|&i| fits(i) && toks[i].kind == Kind::Ident)
        .or_else(|| (0..toks.len()).find(|&i| fits(i) && toks[i].kind == Kind::Quoted))
        .or_else(|| {
            // An unknown word names the resource only right after the resource's noun
            // ("get organization acme"), or for free-text parameters.
            a.free.iter().copied().find(|&i| {
                fits(i)
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
                && fits(last)
                && t.kind == Kind::Word
                && !in_path
                && !lex.stop.contains(&t.norm))
            .then_some(last)
        })?;
    Some((pick, toks[pick].text.clone()))
}

/// `-created_at`, `+name`: a sort order as Clerk writes it.
fn is_sort_key(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some('+' | '-')) && c.next().is_some_and(|c| c.is_ascii_alphabetic())
}

/// A quoted sentence (a customer's words in a ticket), not a value.
fn is_prose(t: &Token) -> bool {
    t.kind == Kind::Quoted && t.text.split_whitespace().count() > 6
}

/// The enum values a parameter of this name has anywhere in the embedded
/// specs (`template_type` is `email | sms` on most template operations).
fn spec_enum(name: &str) -> &'static [&'static str] {
    static MAP: std::sync::OnceLock<Vec<(&'static str, &'static [&'static str])>> =
        std::sync::OnceLock::new();
    let map = MAP.get_or_init(|| {
        let mut m: Vec<(&'static str, &'static [&'static str])> = Vec::new();
        for v in crate::catalog::versions() {
            for op in v.operations() {
                for p in op.params.iter().filter(|p| !p.enum_values.is_empty()) {
                    if !m.iter().any(|(n, _)| *n == p.name) {
                        m.push((p.name, p.enum_values));
                    }
                }
            }
        }
        m
    });
    map.iter().find(|(n, _)| *n == name).map_or(&[], |(_, v)| v)
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
            // `paginated=True` (Python) is the flag `true`.
            let value = if p.ty == "boolean" {
                t.text.to_lowercase()
            } else {
                t.text.clone()
            };
            match p.location {
                ParamIn::Path => bound.set_path(p.name, value),
                ParamIn::Query => bound.query.push((p.name.to_string(), value)),
            }
            continue;
        }
        let json = || serde_json::from_str(&t.text).unwrap_or(Value::String(t.text.clone()));
        if *item_op != ItemOp::Query {
            if let Some(object) = metadata_of(op, toks, key) {
                let v = match item_op {
                    ItemOp::Json => json(),
                    _ => scalar(&t.text),
                };
                let slot = body
                    .entry(object.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(m) = slot {
                    m.insert(key.clone(), v);
                }
                continue;
            }
        }
        match item_op {
            ItemOp::Query => bound.query.push((key.clone(), t.text.clone())),
            ItemOp::Json => {
                body.insert(key.clone(), json());
            }
            ItemOp::Eq if op.body.is_some() => {
                body.insert(key.clone(), typed_field(op, key, &t.text));
            }
            ItemOp::Eq => bound.query.push((key.clone(), t.text.clone())),
        }
    }
}

/// Organization roles as Clerk requires them: `admin` -> `org:admin`,
/// `member` -> `org:member`; custom `org:…` keys are kept.
fn org_role(op: &Operation, body: &mut Map<String, Value>) {
    if !op.path.starts_with("/organization") {
        return;
    }
    if let Some(Value::String(r)) = body.get_mut("role") {
        if !r.contains(':') && !r.is_empty() {
            *r = format!("org:{}", r.to_ascii_lowercase());
        }
    }
}

/// Whether the operation takes every body item of the prompt (`key=value`,
/// `key:=json`): as a parameter, a body field or a metadata key.
pub fn takes_items(op: &Operation, toks: &[Token]) -> bool {
    toks.iter().all(|t| match &t.kind {
        Kind::Item { key, op: item_op } if *item_op != ItemOp::Query => {
            op.params.iter().any(|p| p.name == key.as_str())
                || op.body.is_some_and(|b| b.field(key).is_some())
                || metadata_of(op, toks, key).is_some()
        }
        _ => true,
    })
}

/// The metadata object a `key=value` item goes into, when the operation's
/// body has no field `key` but has metadata objects ("set plan=pro on
/// user_x"): the type the prompt names ("private", "unsafe", "public"), else
/// the one recommended for the key ([`crate::safety::metadata_for`]).
fn metadata_of(op: &Operation, toks: &[Token], key: &str) -> Option<&'static str> {
    let body = op.body?;
    if body.field(key).is_some() {
        return None;
    }
    let has = |f: &str| body.field(f).is_some();
    let named = toks.iter().find_map(|t| match t.norm.as_str() {
        "private" => Some("private_metadata"),
        "unsafe" => Some("unsafe_metadata"),
        "public" => Some("public_metadata"),
        _ => None,
    });
    let object = named.unwrap_or_else(|| crate::safety::metadata_for(key));
    has(object).then_some(object)
}

/// A value typed as JSON would type it: `true`, `false`, `null`, numbers;
/// anything else is a string.
fn scalar(text: &str) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(v @ (Value::Bool(_) | Value::Null | Value::Number(_))) => v,
        _ => Value::String(text.to_string()),
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
                && (a.tokens[i].is_value() || is_sort_key(&a.tokens[i].text))
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
        // A flag takes only a truth value from the words after its name.
        let fits =
            |i: usize| p.ty != "boolean" || matches!(toks[i].norm.as_str(), "true" | "false");
        if let Some(i) = named_slot(p.name, a, used).filter(|&i| fits(i)) {
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
    partial_match_filters(op, a, used, bound);
    // Typed values into the obvious filters.
    for (i, t) in toks.iter().enumerate() {
        if used[i] || is_prose(t) {
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
            Kind::Url => op
                .query_params()
                .find(|p| p.name.ends_with("url") && !already(bound, p.name))
                .map(|p| p.name),
            // A count: "skip 40" / "--offset 100" is an offset; any other number
            // on a list ("clients ls 50", "first 20", "100 at a time") its page size.
            Kind::Number => {
                let before = |k: usize| {
                    i.checked_sub(k)
                        .map(|j| toks[j].norm.trim_start_matches('-'))
                };
                let skip = [before(1), before(2)]
                    .into_iter()
                    .flatten()
                    .any(|w| matches!(w, "offset" | "skip" | "skipping" | "after"));
                // Clerk pages hold at most 500: a bigger number is a timestamp or an amount.
                let page = t.text.parse::<u64>().is_ok_and(|n| n <= 500);
                if skip && has("offset") && !already(bound, "offset") {
                    Some("offset")
                } else if page && has("limit") && !already(bound, "limit") {
                    Some("limit")
                } else {
                    None
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
    // Unknown words as a search query ("search users for smith"), but not the
    // name of a filter already bound ("username jdoe").
    for &i in &a.free {
        let w = toks[i].norm.as_str();
        if bound
            .query
            .iter()
            .any(|(k, _)| k == w || k.split('_').any(|p| p == w))
        {
            used[i] = true;
        }
    }
    if has("query") && !already(bound, "query") {
        if let Some(text) = free_text(a, used) {
            for &i in &a.free {
                used[i] = true;
            }
            bound.query.push(("query".into(), text));
        }
    }
}

/// "email containing acme", "name like Nakamura": a field's word, a search
/// cue, then the value fills the field's partial-match filter (`email_address_query`,
/// `name_query`) where the operation has one.
fn partial_match_filters(op: &Operation, a: &Analysis, used: &mut [bool], bound: &mut Bound) {
    let toks = &a.tokens;
    let cues = &super::lexicon::get().cues;
    for c in 1..toks.len() {
        if !cues.contains(&toks[c].norm) {
            continue;
        }
        let field = singular(&toks[c - 1].norm);
        let Some(p) = op.query_params().find(|p| {
            p.name.ends_with("_query") && p.name.split('_').next() == Some(field.as_str())
        }) else {
            continue;
        };
        let value = (c + 1..toks.len()).find(|&i| {
            !used[i]
                && !matches!(toks[i].kind, Kind::Id(_) | Kind::Item { .. })
                && !toks[i].text.is_empty()
        });
        if let Some(i) = value.filter(|_| !bound.query.iter().any(|(k, _)| k == p.name)) {
            used[i] = true;
            used[c] = true;
            bound.query.push((p.name.to_string(), toks[i].text.clone()));
        }
    }
}

/// The prompt's unknown words nothing has taken yet, joined ("Acme Inc"); after
/// a search cue, only the words that follow it ("anyone called okonkwo").
fn free_text(a: &Analysis, used: &[bool]) -> Option<String> {
    let free: Vec<usize> = a.free.iter().copied().filter(|&i| !used[i]).collect();
    let cues = &super::lexicon::get().cues;
    let cue = (0..a.tokens.len()).rfind(|&i| cues.contains(&a.tokens[i].norm));
    let after: Vec<&str> = free
        .iter()
        .filter(|&&i| cue.is_some_and(|c| i > c))
        .map(|&i| a.tokens[i].text.as_str())
        .collect();
    let words: Vec<&str> = if after.is_empty() {
        free.iter()
            .filter(|&&i| Some(i) != cue)
            .map(|&i| a.tokens[i].text.as_str())
            .collect()
    } else {
        after
    };
    (!words.is_empty()).then(|| words.join(" "))
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

/// A bulk endpoint's array body: one object per email or phone number the
/// prompt lists, each with what the prompt says once for all of them: the
/// role after "as", an ID whose kind a field takes (`inviter_user_id`), and
/// `key=value` items (`shared`, already placed by [`bind_items`]).
fn bulk_items(
    schema: &crate::catalog::Body,
    a: &Analysis,
    lex: &Lexicon,
    used: &mut [bool],
    shared: Map<String, Value>,
) -> Vec<Map<String, Value>> {
    let names: Vec<&str> = schema
        .fields
        .iter()
        .filter_map(|f| f.path.strip_prefix("[]."))
        .filter(|n| !n.contains(['.', '[']))
        .collect();
    let has = |n: &str| names.contains(&n);
    let toks = &a.tokens;
    let mut common = shared;
    for &n in &names {
        let kinds = lex.param_kinds(n);
        if kinds.is_empty() || common.contains_key(n) {
            continue;
        }
        if let Some(i) = (0..toks.len())
            .find(|&i| !used[i] && matches!(&toks[i].kind, Kind::Id(k) if kinds.contains(k)))
        {
            used[i] = true;
            common.insert(n.to_string(), Value::String(toks[i].text.clone()));
        }
    }
    // One role for all ("a@x.com and b@y.com as admin"); different roles
    // ("a as admin and b as member") are not one bulk call: none is bound.
    let roles: Vec<usize> = (1..toks.len())
        .filter(|&i| {
            !used[i]
                && toks[i - 1].norm == "as"
                && matches!(toks[i].kind, Kind::Word | Kind::Ident | Kind::Quoted)
        })
        .collect();
    if has("role") && !common.contains_key("role") && !roles.is_empty() {
        let mut names: Vec<&str> = roles.iter().map(|&i| toks[i].norm.as_str()).collect();
        names.dedup();
        if names.len() == 1 {
            common.insert("role".into(), Value::String(toks[roles[0]].text.clone()));
        }
        for i in roles {
            used[i] = true;
        }
    }
    // The values written as one list ("a@x.com, b@y.com and c@z.com"): the
    // run of emails (or phones) with only joining words between them.
    let at: Vec<(usize, &str)> = toks
        .iter()
        .enumerate()
        .filter(|(i, _)| !used[*i])
        .filter_map(|(i, t)| match t.kind {
            Kind::Email => Some((i, "email_address")),
            Kind::Phone => Some((i, "phone_number")),
            _ => None,
        })
        .filter(|(_, f)| has(f))
        .collect();
    let joined = at.windows(2).all(|w| {
        toks[w[0].0 + 1..w[1].0]
            .iter()
            .all(|t| super::plan::is_joiner(&t.norm))
    });
    if !joined {
        return Vec::new();
    }
    let mut items = Vec::new();
    for (i, field) in at {
        let t = &toks[i];
        used[i] = true;
        let mut item = Map::new();
        item.insert(field.to_string(), Value::String(t.text.clone()));
        item.extend(common.clone());
        items.push(item);
    }
    items
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
    // "as admin": the role a membership or invitation gets.
    if let Some(f) = schema.field("role").filter(|_| !body.contains_key("role")) {
        let after_as = (1..toks.len()).find(|&i| {
            !used[i]
                && toks[i - 1].norm == "as"
                && matches!(toks[i].kind, Kind::Word | Kind::Ident | Kind::Quoted)
        });
        if let Some(i) = after_as {
            used[i] = true;
            put(body, f, &toks[i].text);
        }
    }
    // Quoted text or unknown words as a name ("create org Acme Inc").
    if let Some(f) = schema.field("name") {
        if !body.contains_key("name") {
            let quoted = toks
                .iter()
                .enumerate()
                .find(|(i, t)| !used[*i] && t.kind == Kind::Quoted && !is_prose(t))
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
