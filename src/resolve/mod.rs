//! The resolver: any prompt to a mode, ranked candidate operations and the
//! parameters the prompt states. Pure and offline: it reads only the embedded
//! catalog and index.

mod bind;
mod entities;
mod explicit;
mod facts;
#[doc(hidden)]
pub mod features;
mod lexicon;
#[doc(hidden)]
pub mod model;
pub mod plan;
mod takes;
pub mod time;

use lexicon::HashSet;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::catalog::{Method, Operation, Tag, Version};

/// What the user wants done with the prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Usage examples.
    Help,
    /// List tags, or one tag's endpoints.
    Browse,
    /// Show an endpoint's definition; never executes.
    Detail,
    /// Resolve, check and run a call.
    Execute,
}

/// Values the prompt states for one operation, already placed where they go.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Bound {
    /// Path parameters, by spec name, unencoded.
    pub path: Vec<(&'static str, String)>,
    /// Query parameters, by spec name. Repeated names are arrays.
    pub query: Vec<(String, String)>,
    /// Body fields (top level), typed per the schema where the prompt allowed.
    pub body: Map<String, Value>,
    /// For a bulk endpoint (the body is an array): one object per value the
    /// prompt lists ("invite a@x.com and b@y.com" → two invitations).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Map<String, Value>>,
}

impl Bound {
    /// Sets a path parameter, replacing an earlier value.
    pub fn set_path(&mut self, name: &'static str, value: String) {
        match self.path.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.path.push((name, value)),
        }
    }

    /// The value of a path parameter, if bound.
    pub fn path_value(&self, name: &str) -> Option<&str> {
        self.path
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One ranked answer.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    #[serde(serialize_with = "ser_op")]
    /// The operation.
    pub operation: &'static Operation,
    /// Final score after reranking (higher is better; comparable within one resolution).
    pub score: f32,
    /// A short human reason for the rank.
    pub reason: String,
    /// The prompt's values bound to this operation.
    pub bound: Bound,
    /// Required path parameters the prompt did not supply.
    pub missing: Vec<&'static str>,
}

fn ser_op<S: serde::Serializer>(op: &&'static Operation, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut st = s.serialize_struct("op", 4)?;
    st.serialize_field("method", &op.method)?;
    st.serialize_field("path", op.path)?;
    st.serialize_field("operation_id", op.operation_id)?;
    st.serialize_field("summary", op.summary)?;
    st.end()
}

/// What browse mode lists.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(tag = "kind", content = "tag", rename_all = "lowercase")]
pub enum Browse {
    /// Every tag of the version.
    Tags,
    /// One tag's endpoints.
    Tag(&'static Tag),
}

/// How sure the resolver is about its first answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// The user named the endpoint (`GET /users`, a URL, a curl line).
    Exact,
    /// A clear winner.
    High,
    /// The first two are close or differ in method: show alternatives, and never run a write
    /// without the user choosing.
    Low,
    /// Nothing matched.
    None,
}

/// The resolver's answer for one prompt.
#[derive(Debug, Clone, Serialize)]
pub struct Resolution {
    /// What to do with the prompt.
    pub mode: Mode,
    /// The spec version used.
    #[serde(serialize_with = "ser_version")]
    pub version: &'static Version,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// For browse mode: all tags or one tag.
    pub browse: Option<Browse>,
    /// Ranked candidates, best first (empty for help and browse).
    pub candidates: Vec<Candidate>,
    /// How sure the first answer is.
    pub confidence: Confidence,
    /// Notes for the user (version mapping, ignored words, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// When the prompt needs several calls: the steps (the first candidate is
    /// the first step's operation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<plan::Plan>,
}

fn ser_version<S: serde::Serializer>(v: &&'static Version, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.date)
}

impl Resolution {
    /// The first candidate, if any.
    pub fn best(&self) -> Option<&Candidate> {
        self.candidates.first()
    }
}

/// Errors of the resolver itself (everything else is a ranked answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// `version DATE` in the prompt names no embedded version.
    UnknownVersion(String),
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::UnknownVersion(v) => f.write_str(&crate::catalog::unknown_version(v)),
        }
    }
}

impl std::error::Error for ResolveError {}

/// Prompts longer than this are cut (at a char boundary) before resolving.
const MAX_PROMPT: usize = 10 * 1024;
/// At most this many tokens are considered.
const MAX_TOKENS: usize = 64;
/// Candidates returned (and bound) per prompt.
const CANDIDATES: usize = 10;

/// A prompt that is only one of these asks for usage.
const HELP_WORDS: &[&str] = &["", "help", "-h", "--help", "?", "usage", "examples"];
/// A trailing one of these asks to describe the endpoint (`GET /users help`).
const DETAIL_SUFFIX: &[&str] = &["help", "-h", "--help", "?"];
/// Prompts that are only these list every tag.
const TAGS_PROMPTS: &[&str] = &[
    "tags",
    "list tags",
    "all tags",
    "show tags",
    "list all tags",
    "show all tags",
];

/// Raw tokens: (text, was quoted).
type Raw = Vec<(String, bool)>;

/// Resolves a prompt against `version` (default: a `version DATE` in the
/// prompt, else the latest embedded version).
///
/// Syntax comes first and is exact: help words, `METHOD /path` and URLs,
/// `tags`, a tag's name. Plain language goes to the learned model, which
/// decides the mode and ranks the operations; the prompt's values are then
/// bound to the best candidates' parameters. Time expressions ("in the last
/// 7 days") are read as of the clock ([`time::now_ms`]: `CLERK_NOW` or the
/// system clock); [`resolve_at`] takes the instant instead.
pub fn resolve(
    prompt: &str,
    version: Option<&'static Version>,
) -> Result<Resolution, ResolveError> {
    resolve_at(prompt, version, time::now_ms())
}

/// [`resolve`] as of `now` (UTC milliseconds): a pure function of its arguments.
pub fn resolve_at(
    prompt: &str,
    version: Option<&'static Version>,
    now: i64,
) -> Result<Resolution, ResolveError> {
    Ok(match syntax(prompt, version)? {
        Answered::Syntax(r, _) => r,
        Answered::Words {
            tokens,
            detail,
            version,
        } => words(tokens, detail, version, now),
    })
}

/// Plain language: one call, or two when the prompt joins two requests and
/// the second acts on what the first creates.
fn words(
    tokens: Vec<entities::Token>,
    detail: bool,
    version: &'static Version,
    now: i64,
) -> Resolution {
    let joints = if detail {
        Vec::new()
    } else {
        plan::joints(&tokens)
    };
    for j in joints {
        if let Some(r) = two_steps(&tokens, j, version, now) {
            return r;
        }
    }
    let r = learned(tokens.clone(), detail, version, now);
    match &r.plan {
        Some(p) if p.kind == plan::PlanKind::Each && r.confidence == Confidence::Low => {
            each_confidence(r, &tokens, version, now)
        }
        _ => r,
    }
}

/// An `Each` plan is as sure as the call for its first value alone: the
/// list is structure, the action is what the model decides ("unlock user_a,
/// user_b, ... user_e" reads like a bulk call to it, and is none).
fn each_confidence(
    mut r: Resolution,
    tokens: &[entities::Token],
    version: &'static Version,
    now: i64,
) -> Resolution {
    let Some(p) = &r.plan else { return r };
    let rest: Vec<&str> = p.steps[1..].iter().map(|s| s.item.as_str()).collect();
    let one: Vec<entities::Token> = tokens
        .iter()
        .filter(|t| !rest.contains(&t.text.as_str()))
        .cloned()
        .collect();
    let alone = learned(one, false, version, now);
    let same = alone
        .best()
        .is_some_and(|c| std::ptr::eq(c.operation, p.steps[0].operation));
    if same && alone.plan.is_none() {
        r.confidence = alone.confidence;
    }
    r
}

/// "create organization Acme and invite bob@acme.com as admin": each clause
/// resolved on its own, both sure; the first creates something (a POST to a
/// collection) and the second, told of that new resource, puts its ID in a
/// path parameter or body field. Otherwise `None`.
fn two_steps(
    tokens: &[entities::Token],
    joint: usize,
    version: &'static Version,
    now: i64,
) -> Option<Resolution> {
    let lex = lexicon::get();
    let sure = |r: &Resolution| r.mode == Mode::Execute && r.confidence == Confidence::High;
    let first = learned(tokens[..joint].to_vec(), false, version, now);
    let kind = first
        .best()
        .filter(|_| sure(&first) && first.plan.is_none())
        .and_then(|c| plan::creates(c.operation, lex))?;
    let mut rest = plan::after(tokens, joint);
    rest.push(plan::created_token(0, &kind));
    let second = learned(rest, false, version, now);
    let then = second
        .best()
        .filter(|_| sure(&second) && second.plan.is_none())?;
    let p = plan::sequence(first.best()?, then)?;
    let mut notes = first.notes.clone();
    notes.extend(second.notes.iter().cloned());
    notes.push(plan::describe(&p));
    Some(Resolution {
        notes,
        plan: Some(p),
        ..first
    })
}

/// How much of a prompt its syntax decides. For `cargo xtask train`.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// Nothing: the model decides mode and operation.
    Words,
    /// The operation (a named endpoint); the model reads the other words for the mode.
    Endpoint,
    /// Everything: help words, `tags`, a tag's name, `METHOD /path help`.
    All,
}

/// What the prompt's syntax decides.
#[doc(hidden)]
pub fn syntax_of(prompt: &str) -> Syntax {
    match syntax(prompt, None) {
        Ok(Answered::Syntax(_, true)) => Syntax::All,
        Ok(Answered::Syntax(_, false)) => Syntax::Endpoint,
        _ => Syntax::Words,
    }
}

/// A prompt answered by its syntax (with whether the mode was too), or left
/// for the model as words.
enum Answered {
    Syntax(Resolution, bool),
    Words {
        tokens: Vec<entities::Token>,
        detail: bool,
        version: &'static Version,
    },
}

fn syntax(prompt: &str, version: Option<&'static Version>) -> Result<Answered, ResolveError> {
    let mut cut = prompt.len().min(MAX_PROMPT);
    while !prompt.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut raw: Raw = entities::split(&prompt[..cut]);
    raw.truncate(MAX_TOKENS);
    let version = take_version(&mut raw, version)?;
    let single = (raw.len() == 1).then(|| raw[0].0.to_lowercase());
    // One word a letter away from `help` or `tags` ("halp", "taggs") is that word.
    let near = |w: &str, to: &str| {
        w.len() >= 3 && w.len().abs_diff(to.len()) <= 1 && levenshtein(w, to) <= 1
    };
    if let Some(w) = &single {
        if near(w, "tags") || w == "browse" {
            return Ok(Answered::Syntax(
                Resolution::browse(version, Browse::Tags, Confidence::Exact),
                true,
            ));
        }
    }
    if raw.is_empty()
        || single
            .as_deref()
            .is_some_and(|w| HELP_WORDS.contains(&w) || near(w, "help"))
    {
        return Ok(Answered::Syntax(
            Resolution::empty(Mode::Help, version),
            true,
        ));
    }
    let detail = strip_detail_prefix(&mut raw) | strip_detail_suffix(&mut raw);
    let lex = lexicon::get();
    let tokens: Vec<entities::Token> = raw
        .iter()
        .map(|(t, q)| entities::classify(t.clone(), *q, lex))
        .collect();
    let texts: Vec<String> = raw.iter().map(|(t, _)| t.clone()).collect();
    match explicit::find(&texts, version) {
        Ok(Some(e)) => return Ok(Answered::Syntax(named(e, tokens, detail, version), detail)),
        Ok(None) => {}
        // A path-like word in plain language ("set the redirect to /dashboard"):
        // not an endpoint, so rank the prompt as words.
        Err(explicit::Miss::UnknownPath { named: false, .. }) => {}
        Err(miss) => return Ok(Answered::Syntax(missed(miss, detail, version), true)),
    }
    if let Some(r) = browse_syntax(&raw, detail, version) {
        return Ok(Answered::Syntax(r, true));
    }
    Ok(Answered::Words {
        tokens,
        detail,
        version,
    })
}

impl Resolution {
    fn empty(mode: Mode, version: &'static Version) -> Resolution {
        Resolution {
            mode,
            version,
            browse: None,
            candidates: Vec::new(),
            confidence: Confidence::None,
            notes: Vec::new(),
            plan: None,
        }
    }

    fn browse(version: &'static Version, what: Browse, confidence: Confidence) -> Resolution {
        Resolution {
            browse: Some(what),
            confidence,
            ..Resolution::empty(Mode::Browse, version)
        }
    }
}

/// `version DATE` / `--version DATE` anywhere in the prompt (the argument wins).
fn take_version(
    raw: &mut Raw,
    version: Option<&'static Version>,
) -> Result<&'static Version, ResolveError> {
    let mut version = version;
    if let Some(i) = raw
        .iter()
        .position(|(t, q)| !q && (t.eq_ignore_ascii_case("version") || t == "--version"))
    {
        if let Some((date, _)) = raw.get(i + 1).cloned() {
            if looks_like_date(&date) {
                let v = crate::catalog::version(&date)
                    .ok_or_else(|| ResolveError::UnknownVersion(date.clone()))?;
                version.get_or_insert(v);
                raw.drain(i..=i + 1);
            }
        }
    }
    Ok(version.unwrap_or_else(crate::catalog::latest))
}

/// Drops trailing help words (`GET /users help`); true when there were any.
fn strip_detail_suffix(raw: &mut Raw) -> bool {
    let mut detail = false;
    while raw.len() > 1
        && raw
            .last()
            .is_some_and(|(t, q)| !q && DETAIL_SUFFIX.contains(&t.to_lowercase().as_str()))
    {
        raw.pop();
        detail = true;
    }
    detail
}

/// Drops a leading `help` (`clerk help GET /users`, as in git and cargo); true
/// when there was one. "help me ban ..." asks for the ban, not its description.
fn strip_detail_prefix(raw: &mut Raw) -> bool {
    let leads = raw.len() > 1
        && !raw[0].1
        && raw[0].0.eq_ignore_ascii_case("help")
        && !["me", "us"].contains(&raw[1].0.to_lowercase().as_str());
    if leads {
        raw.remove(0);
    }
    leads
}

/// An endpoint the prompt names: exact, with the items typed after it bound.
fn named(
    e: explicit::Explicit,
    tokens: Vec<entities::Token>,
    detail: bool,
    version: &'static Version,
) -> Resolution {
    let mut bound = e.bound;
    let used: HashSet<usize> = e.used.iter().copied().collect();
    let rest: Vec<entities::Token> = tokens
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(_, t)| t)
        .collect();
    let mut flags = vec![false; rest.len()];
    let mut body = std::mem::take(&mut bound.body);
    bind::bind_items(e.operation, &rest, &mut flags, &mut bound, &mut body);
    bound.body = body;
    // "what does GET /users return": the other words may ask to describe it.
    let detail = detail || asks_detail(&rest);
    let missing = e
        .operation
        .path_params()
        .filter(|p| bound.path_value(p.name).is_none())
        .map(|p| p.name)
        .collect();
    let cand = Candidate {
        operation: e.operation,
        score: 1.0,
        reason: "named explicitly".into(),
        bound,
        missing,
    };
    Resolution {
        candidates: vec![cand],
        confidence: Confidence::Exact,
        notes: e.notes,
        ..Resolution::empty(if detail { Mode::Detail } else { Mode::Execute }, version)
    }
}

/// True when the learned mode reads the words around a named endpoint as a
/// question about it rather than a call.
fn asks_detail(rest: &[entities::Token]) -> bool {
    if rest.iter().all(|t| t.is_value()) {
        return false;
    }
    let Some(model) = model::get() else {
        return false;
    };
    let p = features::Prompt::new(rest, lexicon::get(), model.families);
    let cls = model.class_scores(&p);
    let detail = cls[model.mode_class(model::DETAIL)];
    let execute = cls[model.mode_class(model::EXECUTE)];
    detail > execute
}

/// A named endpoint that does not exist: say why.
fn missed(miss: explicit::Miss, detail: bool, version: &'static Version) -> Resolution {
    let mut r = Resolution::empty(if detail { Mode::Detail } else { Mode::Execute }, version);
    r.notes.push(match miss {
        explicit::Miss::WrongMethod { method, path, have } => {
            let have: Vec<&str> = have.iter().map(|m| m.as_str()).collect();
            format!("{path} has no {method} (it has {})", have.join(", "))
        }
        explicit::Miss::UnknownPath { path, .. } => {
            format!(
                "no endpoint has the path {path} in version {}",
                version.date
            )
        }
    });
    r
}

/// `tags`, or a prompt that is exactly a tag's name (`Users`, `orgs`, `M2M`).
fn browse_syntax(raw: &Raw, detail: bool, version: &'static Version) -> Option<Resolution> {
    let joined = raw
        .iter()
        .map(|(t, _)| t.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ");
    if TAGS_PROMPTS.contains(&joined.as_str()) {
        return Some(Resolution::browse(version, Browse::Tags, Confidence::Exact));
    }
    // A tag's "definition" (`Users help`, `help Users`) is its list of endpoints.
    if let Some(tag) = version.find_tag(&joined) {
        return Some(Resolution::browse(
            version,
            Browse::Tag(tag),
            Confidence::Exact,
        ));
    }
    // One word a letter or two away from a tag (`Userz`): browse it, and say so.
    let one_word = raw.len() == 1 && !raw[0].1 && raw[0].0.chars().all(char::is_alphanumeric);
    if !one_word || detail {
        return None;
    }
    let tag = near_tag(&joined, version)?;
    let mut r = Resolution::browse(version, Browse::Tag(tag), Confidence::Low);
    r.notes.push(format!(
        "no tag `{}`: showing the tag `{}`",
        raw[0].0, tag.name
    ));
    Some(r)
}

/// The tag whose name is within a small edit distance of `word` (one edit for
/// short words, two from eight letters), if exactly one is nearest.
fn near_tag(word: &str, version: &'static Version) -> Option<&'static Tag> {
    let key = crate::catalog::tag_key(word);
    let limit = if key.len() >= 8 { 2 } else { 1 };
    let mut near: Vec<(usize, &'static Tag)> = version
        .tags()
        .iter()
        .filter_map(|t| {
            let k = crate::catalog::tag_key(t.name);
            // Lengths further apart than the limit cannot be within it.
            (k.len().abs_diff(key.len()) <= limit).then(|| (levenshtein(&k, &key), t))
        })
        .filter(|(d, _)| *d <= limit)
        .collect();
    near.sort_by_key(|(d, _)| *d);
    match near[..] {
        [(_, t)] => Some(t),
        [(d0, t), (d1, _), ..] if d0 < d1 => Some(t),
        _ => None,
    }
}

/// Plain language: the model decides the mode and ranks the operations.
/// "get user john_doe": the best read names one item by its Clerk ID, which the
/// prompt does not give, but it gives a value that the collection's list
/// filters take (`username`, `email_address`, `query`, ...). Then the list call
/// with that filter is the lookup that can be sent, and it goes first.
fn look_up_by_value(
    candidates: &mut Vec<Candidate>,
    a: &bind::Analysis,
    version: &'static Version,
    notes: &mut Vec<String>,
) {
    let Some(best) = candidates.first() else {
        return;
    };
    let op = best.operation;
    let Some((collection, _)) = op.path.rsplit_once('/') else {
        return;
    };
    let item = op.path_params().last().map(|p| p.name);
    if op.method != Method::Get
        || !op.path.ends_with('}')
        || best.missing[..] != [item.unwrap_or("")]
    {
        return;
    }
    let is_filter = |k: &str| !matches!(k, "limit" | "offset" | "order_by" | "paginated");
    let is_list = |o: &Operation| o.method == Method::Get && o.path == collection;
    let ranked = candidates.iter().position(|c| is_list(c.operation));
    let i = match ranked {
        Some(i) => i,
        None => {
            let Some(list_op) = version.operations().iter().find(|o| is_list(o)) else {
                return;
            };
            let b = bind::bind(list_op, a, lexicon::get());
            candidates.push(Candidate {
                operation: list_op,
                score: 0.0,
                reason: "a lookup by value".into(),
                bound: b.bound,
                missing: b.missing,
            });
            candidates.len() - 1
        }
    };
    let list = &candidates[i];
    let filters: Vec<String> = list
        .bound
        .query
        .iter()
        .filter(|(k, _)| is_filter(k))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if filters.is_empty() || !list.missing.is_empty() {
        if ranked.is_none() {
            candidates.pop();
        }
        return;
    }
    notes.push(format!(
        "{} {} takes a Clerk ID, which the prompt does not give: looking it up with {} {}?{}",
        op.method,
        op.path,
        list.operation.method,
        list.operation.path,
        filters.join("&")
    ));
    let list = candidates.remove(i);
    candidates.insert(0, list);
}

/// "set stripe_customer_id=cus_1 on user_x": the best candidate has no
/// place for a `key=value` item the prompt gives, the next one that takes
/// them all (as fields, parameters or metadata keys) does, and it writes the
/// same way (same method family) or is the only one: it goes first.
fn items_decide(candidates: &mut Vec<Candidate>, a: &bind::Analysis, notes: &mut Vec<String>) {
    let takes = |c: &Candidate| bind::takes_items(c.operation, &a.tokens);
    let Some(best) = candidates.first() else {
        return;
    };
    if takes(best) {
        return;
    }
    let writes = best.operation.method != Method::Get;
    let Some(i) = candidates
        .iter()
        .position(|c| takes(c) && (c.operation.method != Method::Get) == writes)
    else {
        return;
    };
    let c = candidates.remove(i);
    notes.push(format!(
        "{} {} has no place for the prompt's items; {} {} takes them",
        candidates[0].operation.method,
        candidates[0].operation.path,
        c.operation.method,
        c.operation.path
    ));
    candidates.insert(0, c);
}

/// A metadata path written both by PATCH (merge) and PUT (replace), such as
/// `/users/{user_id}/metadata`: merging is the default, and replacing needs a
/// word that says so ("replace", "overwrite", "reset"). When the model's
/// first choice agrees with the words, its doubt between the two is no doubt
/// about the path: the first takes the pair's probability. The order is the
/// model's (overriding it measured worse).
fn merge_or_replace(candidates: &mut [Candidate], a: &bind::Analysis) {
    let Some(best) = candidates.first() else {
        return;
    };
    let pair = |m: Method| matches!(m, Method::Patch | Method::Put);
    if !pair(best.operation.method) || !best.operation.path.ends_with("/metadata") {
        return;
    }
    let Some(j) = candidates.iter().skip(1).position(|c| {
        c.operation.path == best.operation.path
            && pair(c.operation.method)
            && c.operation.method != best.operation.method
    }) else {
        return;
    };
    let j = j + 1;
    let replace = a.terms.iter().any(|(t, _)| {
        matches!(
            t.as_str(),
            "replace" | "replacing" | "overwrite" | "overwriting" | "reset" | "wipe" | "clobber"
        )
    });
    let want = if replace { Method::Put } else { Method::Patch };
    if candidates[0].operation.method == want {
        candidates[0].score += candidates[j].score;
    }
}

/// The first candidate's probability given the prompt's `key=value` items
/// and listed values: the candidates that have no place for them are ruled
/// out and the rest renormalised. Without either, its plain probability.
fn given_items(candidates: &[Candidate], a: &bind::Analysis) -> f32 {
    let Some(best) = candidates.first() else {
        return 0.0;
    };
    let items = a
        .tokens
        .iter()
        .any(|t| matches!(t.kind, entities::Kind::Item { .. }));
    // Several values of one kind ("invite a@x.com and b@y.com"): a candidate
    // with no place for some of them is not what was asked, if the first has.
    let listed = plan::lists_values(a) && plan::unbound(best, a).is_empty();
    let takes = |c: &Candidate| {
        bind::takes_items(c.operation, &a.tokens) && (!listed || plan::unbound(c, a).is_empty())
    };
    if !(items || listed) || !takes(best) {
        return best.score;
    }
    let rest: f32 = candidates
        .iter()
        .filter(|c| takes(c))
        .map(|c| c.score)
        .sum();
    if rest > 0.0 {
        best.score / rest
    } else {
        best.score
    }
}

fn learned(
    tokens: Vec<entities::Token>,
    detail: bool,
    version: &'static Version,
    now: i64,
) -> Resolution {
    let lex = lexicon::get();
    let Some(model) = model::get() else {
        let mut r = Resolution::empty(Mode::Execute, version);
        r.notes
            .push("this build has no resolver model: run `cargo xtask train`".into());
        return r;
    };
    let prompt = features::Prompt::new(&tokens, lex, model.families);
    let ranked = model.rank(&prompt, version, detail);
    let (mut mode, p_mode) = ranked.best_mode();
    let cal = model.calibration;
    // Unsure whether to describe or run a read: run it. A read changes
    // nothing and its answer shows what it is; an unsure write is described.
    let best_reads = ranked
        .ops
        .first()
        .is_some_and(|&(j, _)| version.operations()[j].method == Method::Get);
    if mode == model::DETAIL
        && p_mode < cal.p_mode
        && best_reads
        && ranked.mode[model::EXECUTE] > ranked.mode[model::NONE]
    {
        mode = model::EXECUTE;
    }
    if detail {
        mode = model::DETAIL;
    }
    let sure = |p: f32| {
        if p_mode >= cal.p_mode && p >= cal.p_top {
            Confidence::High
        } else {
            Confidence::Low
        }
    };
    let index = crate::index::SearchIndex::get(version);
    let a = bind::analyze(tokens, index, lex, now);
    // Usage help is never about one user or organization: a prompt that names
    // one ("help me ban user_2ab") asks for a call or its description.
    if mode == model::HELP && a.tokens.iter().any(names_something) {
        mode = if ranked.mode[model::DETAIL] > ranked.mode[model::EXECUTE] {
            model::DETAIL
        } else {
            model::EXECUTE
        };
    }
    // Help and the tag list are asked in words no endpoint has ("halp", "tags
    // pls"): there the model's own certainty decides, not the vocabulary.
    let asks_usage =
        matches!(mode, model::HELP | model::TAGS) && (a.free.is_empty() || p_mode >= cal.p_mode);
    // No word or value of the API's, and the model is not sure either: no
    // match. (A sure model wins: "describe the ban endpoint" has only verbs.)
    let p_top = ranked.ops.first().map_or(0.0, |o| o.1);
    let model_sure = p_mode >= cal.p_mode && p_top >= cal.p_top;
    if !asks_usage && !model_sure && !has_evidence(&a, lex, index) {
        return no_match(version, &a);
    }
    match mode {
        model::NONE => return no_match(version, &a),
        model::HELP => return Resolution::empty(Mode::Help, version),
        model::TAGS => return Resolution::browse(version, Browse::Tags, sure(1.0)),
        model::TAG => {
            if let Some((tag, p)) = best_tag(&ranked, version) {
                return Resolution::browse(version, Browse::Tag(tag), sure(p));
            }
        }
        _ => {}
    }
    let mut notes: Vec<String> = a
        .corrections
        .iter()
        .map(|(from, to)| format!("read `{from}` as `{to}`"))
        .collect();
    if let Some(key) = ranked.absent_best {
        notes.push(format!(
            "the best match, {}, is not in version {}; showing what is",
            key.rsplit_once(' ').map_or(key, |(e, _)| e),
            version.date
        ));
    }
    let ops = version.operations();
    let candidates: Vec<Candidate> = ranked
        .ops
        .iter()
        .take(CANDIDATES)
        .map(|&(j, p)| {
            let op = &ops[j];
            let b = bind::bind(op, &a, lex);
            Candidate {
                operation: op,
                score: p,
                reason: format!("p {p:.2}"),
                bound: b.bound,
                missing: b.missing,
            }
        })
        .collect();
    let mut candidates = candidates;
    if mode != model::DETAIL {
        items_decide(&mut candidates, &a, &mut notes);
        merge_or_replace(&mut candidates, &a);
        look_up_by_value(&mut candidates, &a, version, &mut notes);
        plan::prefer_bulk(&mut candidates, &a, &mut notes);
        plan::single_or_bulk(&mut candidates, &a);
    }
    let plan = candidates
        .first()
        .filter(|_| mode != model::DETAIL)
        .and_then(|c| plan::each(c, &a));
    match (&plan, candidates.first()) {
        (Some(p), _) => notes.push(plan::describe(p)),
        (None, Some(c)) if mode != model::DETAIL => notes.extend(plan::unused_note(c, &a)),
        _ => {}
    }
    if let (Some(r), Some(c)) = (&a.time, candidates.first()) {
        notes.push(time_note(r, &a, c));
    }
    let confidence = match candidates.first() {
        None => Confidence::None,
        Some(_) => sure(given_items(&candidates, &a)),
    };
    Resolution {
        mode: if mode == model::DETAIL {
            Mode::Detail
        } else {
            Mode::Execute
        },
        version,
        browse: None,
        candidates,
        confidence,
        notes,
        plan,
    }
}

/// What the time range became: "read `in the last 7 days` as
/// created_at_after=1764… (2026-11-24 12:00:00 UTC)", or that the operation
/// has no such filter.
fn time_note(r: &time::Range, a: &bind::Analysis, c: &Candidate) -> String {
    let cue = r.cue.filter(|&c| r.span.first().is_some_and(|&s| c < s));
    let gap = cue.is_some_and(|c| r.span.first() != Some(&(c + 1)));
    let words: Vec<&str> = cue
        .map(|c| a.tokens[c].text.as_str())
        .into_iter()
        .chain(gap.then_some("…"))
        .chain(r.span.iter().map(|&i| a.tokens[i].text.as_str()))
        .collect();
    let stem = r.field.stem();
    let set: Vec<String> = c
        .bound
        .query
        .iter()
        .filter(|(k, _)| k.starts_with(stem) && k.len() > stem.len())
        .map(|(k, v)| {
            let when = v.parse().map(time::readable).unwrap_or_default();
            format!("{k}={v} ({when})")
        })
        .collect();
    let op = c.operation;
    if set.is_empty() {
        format!(
            "`{}` is not used: {} {} has no {stem} filter",
            words.join(" "),
            op.method,
            op.path
        )
    } else {
        format!("read `{}` as {}", words.join(" "), set.join(", "))
    }
}

/// Whether the prompt says anything the API knows: a value that names something
/// (a Clerk ID, an email, a phone number, a URL or domain, a `key=value` item,
/// JSON), or a word of the spec's vocabulary or the lexicon that is neither a
/// stop word nor a bare verb. Words are also read in parts and joined
/// (`deleteUserTOTP`, `allow-list`, `/users/{user_id}/ban:`). "make me a
/// sandwich" has none: "make" is a verb and "sandwich" is no operation's word.
fn has_evidence(
    a: &bind::Analysis,
    lex: &lexicon::Lexicon,
    index: &crate::index::SearchIndex,
) -> bool {
    // A verb the API names in a path (`ban`, `unlock`, `revoke`) names an action.
    let plain =
        |w: &str| (!lex.stop.contains(w) && !lex.verbs.contains(w)) || index.names_in_paths(w);
    let known = |w: &str| {
        lex.synonyms.contains_key(w)
            || index.raw_doc_freq(w) > 0
            || index.raw_doc_freq(&crate::catalog::singular(w)) > 0
    };
    let word_known = |t: &entities::Token| {
        let words = crate::index::schema::words(&t.text);
        let parts: Vec<&str> = words.split(' ').filter(|p| p.len() > 1).collect();
        let joined = parts.concat();
        (parts.len() > 1 && known(&joined)) || parts.iter().any(|p| plain(p) && known(p))
    };
    a.tokens.iter().any(names_something)
        || a.tokens.iter().any(|t| {
            matches!(t.kind, entities::Kind::Word | entities::Kind::Ident) && word_known(t)
        })
        || a.terms
            .iter()
            .any(|(term, tok)| !a.free.contains(tok) && plain(term) && known(term))
}

/// A value that names a thing the API holds (not a bare number or word).
fn names_something(t: &entities::Token) -> bool {
    use entities::Kind;
    matches!(
        t.kind,
        Kind::Id(_)
            | Kind::Email
            | Kind::Phone
            | Kind::Url
            | Kind::Domain
            | Kind::Item { .. }
            | Kind::Json(_)
    )
}

/// Nothing in the prompt is the API's: no candidates, so nothing can run. The
/// note names the words that were not understood.
fn no_match(version: &'static Version, a: &bind::Analysis) -> Resolution {
    let mut r = Resolution::empty(Mode::Execute, version);
    let unknown: Vec<&str> = a.free.iter().map(|&i| a.tokens[i].text.as_str()).collect();
    if !unknown.is_empty() {
        r.notes.push(format!(
            "no endpoint's words include {}",
            unknown
                .iter()
                .map(|w| format!("`{w}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    r
}

/// Why the model ranks operation `op` (an index into `version`'s operations)
/// where it does for `prompt`: the largest feature contributions to its score.
pub fn why(prompt: &str, version: &'static Version, op: usize) -> Vec<(String, f32)> {
    let Some(model) = model::get() else {
        return Vec::new();
    };
    let lex = lexicon::get();
    let mut raw = entities::split(prompt);
    raw.truncate(MAX_TOKENS);
    let tokens: Vec<entities::Token> = raw
        .into_iter()
        .map(|(t, q)| entities::classify(t, q, lex))
        .collect();
    let (p, names) = features::Prompt::named(&tokens, lex, model.families);
    model.contributions(&p, &names, version, op)
}

/// The most probable tag that `version` has, with its probability.
fn best_tag(ranked: &model::Ranked, version: &'static Version) -> Option<(&'static Tag, f32)> {
    ranked.tags.iter().find_map(|(name, p)| {
        version
            .tags()
            .iter()
            .find(|t| t.name == *name)
            .map(|t| (t, *p))
    })
}

fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-'
}

/// A hint for a prompt nothing matched: the resolver's own note (which words
/// it did not know, which methods a path has), then the tags a word of the
/// prompt is a letter or two away from, only when there are such tags.
pub fn nearest_hint(res: &Resolution, prompt: &str) -> String {
    let mut parts: Vec<String> = res.notes.first().cloned().into_iter().collect();
    let mut near: Vec<&str> = Vec::new();
    for word in prompt.split_whitespace().filter(|w| w.len() >= 4) {
        if let Some(t) = near_tag(word, res.version) {
            if !near.contains(&t.name) {
                near.push(t.name);
            }
        }
    }
    if !near.is_empty() {
        let names: Vec<String> = near.iter().map(|n| format!("`{n}`")).collect();
        parts.push(format!("nearest tag: {}", names.join(", ")));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}
