//! The resolver: any prompt to a mode, ranked candidate operations and the
//! parameters the prompt states. Pure and offline: it reads only the embedded
//! catalog and index.

mod entities;
mod explicit;
mod features;
mod lexicon;
mod rank;

use lexicon::HashSet;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::catalog::{Operation, Tag, Version};

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

const HELP_WORDS: &[&str] = &["", "help", "-h", "--help", "?", "usage", "examples", "man"];
const DETAIL_SUFFIX: &[&str] = &["help", "-h", "--help", "?"];
/// Words that ask to see an endpoint rather than run it.
const DETAIL_CUES: &[&str] = &[
    "describe",
    "explain",
    "docs",
    "documentation",
    "doc",
    "schema",
    "definition",
    "spec",
];
/// Words that, after "what"/"which", ask about an endpoint's inputs.
const DETAIL_INPUTS: &[&str] = &[
    "fields",
    "field",
    "params",
    "parameters",
    "parameter",
    "arguments",
    "args",
    "body",
    "inputs",
    "options",
];
/// Words that ask for a list of endpoints.
const BROWSE_CUES: &[&str] = &["endpoints", "apis", "operations", "routes", "calls"];

/// Resolves a prompt against `version` (default: a `version DATE` in the
/// prompt, else the latest embedded version).
pub fn resolve(
    prompt: &str,
    version: Option<&'static Version>,
) -> Result<Resolution, ResolveError> {
    let mut cut = prompt.len().min(MAX_PROMPT);
    while !prompt.is_char_boundary(cut) {
        cut -= 1;
    }
    let lex = lexicon::get();
    let mut raw: Vec<(String, bool)> = entities::split(&prompt[..cut]);
    raw.truncate(MAX_TOKENS);

    // `version DATE` / `--version DATE` anywhere in the prompt.
    let mut version = version;
    let mut notes = Vec::new();
    if let Some(i) = raw
        .iter()
        .position(|(t, q)| !q && (t.eq_ignore_ascii_case("version") || t == "--version"))
    {
        if let Some((date, _)) = raw.get(i + 1).cloned() {
            if looks_like_date(&date) {
                let v = crate::catalog::version(&date)
                    .ok_or_else(|| ResolveError::UnknownVersion(date.clone()))?;
                if version.is_none() {
                    version = Some(v);
                }
                raw.drain(i..=i + 1);
            }
        }
    }
    let version = version.unwrap_or_else(crate::catalog::latest);
    let empty = |mode| Resolution {
        mode,
        version,
        browse: None,
        candidates: Vec::new(),
        confidence: Confidence::None,
        notes: Vec::new(),
    };

    // Help: nothing but a help word.
    if raw.is_empty() || (raw.len() == 1 && HELP_WORDS.contains(&raw[0].0.to_lowercase().as_str()))
    {
        return Ok(empty(Mode::Help));
    }

    // Detail: a trailing help word, or a question about an endpoint.
    let mut detail = false;
    while raw.len() > 1
        && raw
            .last()
            .is_some_and(|(t, q)| !q && DETAIL_SUFFIX.contains(&t.to_lowercase().as_str()))
    {
        raw.pop();
        detail = true;
    }
    let plain: Vec<String> = raw
        .iter()
        .map(|(t, _)| {
            t.to_lowercase()
                .trim_end_matches(['?', '.', '!'])
                .to_string()
        })
        .collect();
    let mut cue_tokens: HashSet<usize> = HashSet::default();
    for (i, w) in plain.iter().enumerate() {
        if DETAIL_CUES.contains(&w.as_str()) {
            detail = true;
            cue_tokens.insert(i);
        }
        if DETAIL_INPUTS.contains(&w.as_str())
            && plain[..i]
                .iter()
                .rev()
                .take(3)
                .any(|p| p == "what" || p == "which")
        {
            detail = true;
            cue_tokens.insert(i);
        }
    }
    // "what does the lock user endpoint do?"
    if plain.first().is_some_and(|w| w == "what")
        && plain.get(1).is_some_and(|w| w == "does")
        && plain.last().is_some_and(|w| w == "do")
    {
        detail = true;
        cue_tokens.extend([0, 1, plain.len() - 1]);
    }

    // Explicit endpoint.
    let texts: Vec<String> = raw.iter().map(|(t, _)| t.clone()).collect();
    match explicit::find(&texts, version) {
        Ok(Some(e)) => {
            let mut bound = e.bound;
            // Items typed after the endpoint (`name=Acme`, `limit==5`).
            let used: HashSet<usize> = e.used.iter().copied().collect();
            let rest: Vec<entities::Token> = raw
                .iter()
                .enumerate()
                .filter(|(i, _)| !used.contains(i))
                .map(|(_, (t, q))| entities::classify(t.clone(), *q, lex))
                .collect();
            let mut flags = vec![false; rest.len()];
            let mut body = std::mem::take(&mut bound.body);
            rank::bind_items(e.operation, &rest, &mut flags, &mut bound, &mut body);
            bound.body = body;
            let mode = if detail { Mode::Detail } else { Mode::Execute };
            notes.extend(e.notes);
            let missing = e
                .operation
                .path_params()
                .filter(|p| bound.path_value(p.name).is_none())
                .map(|p| p.name)
                .collect();
            let cand = Candidate {
                operation: e.operation,
                score: 100.0,
                reason: "named explicitly".into(),
                bound,
                missing,
            };
            return Ok(Resolution {
                mode,
                version,
                browse: None,
                candidates: vec![cand],
                confidence: Confidence::Exact,
                notes,
            });
        }
        Ok(None) => {}
        // A path-like word in plain language ("set the redirect to /dashboard"):
        // not an endpoint, so rank the prompt as words.
        Err(explicit::Miss::UnknownPath { named: false, .. }) => {}
        Err(miss) => {
            let mut r = empty(if detail { Mode::Detail } else { Mode::Execute });
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
            return Ok(r);
        }
    }

    // Browse: `tags`, a tag's name, or "... endpoints".
    let joined = plain.join(" ");
    if matches!(
        joined.as_str(),
        "tags" | "list tags" | "all tags" | "show tags" | "list all tags" | "show all tags"
    ) {
        let mut r = empty(Mode::Browse);
        r.browse = Some(Browse::Tags);
        return Ok(r);
    }
    if !detail {
        if let Some(tag) = version.find_tag(&joined) {
            let mut r = empty(Mode::Browse);
            r.browse = Some(Browse::Tag(tag));
            return Ok(r);
        }
    }
    // Classified once, from the raw tokens: re-joining and re-splitting would cut
    // quoted values with spaces (`name='Acme Inc'`).
    let tokens: Vec<entities::Token> = raw
        .iter()
        .map(|(t, q)| entities::classify(t.clone(), *q, lex))
        .collect();
    let browse_cue = plain.iter().any(|w| BROWSE_CUES.contains(&w.as_str()))
        || joined.contains("what can i do with")
        || joined.contains("what can you do with");
    let has_ids = tokens.iter().any(|t| t.is_value());
    let index = crate::index::SearchIndex::get(version);

    if browse_cue && !detail && !has_ids {
        // Topic words: everything that is not a cue or a stop word.
        let topic: Vec<&str> = plain
            .iter()
            .map(|w| w.as_str())
            .filter(|w| {
                !BROWSE_CUES.contains(w)
                    && !lex.stop.contains(w)
                    && !matches!(
                        *w,
                        "list"
                            | "show"
                            | "related"
                            | "deal"
                            | "with"
                            | "what"
                            | "which"
                            | "can"
                            | "i"
                            | "all"
                            | "me"
                            | "for"
                    )
            })
            .collect();
        let tag = version.find_tag(&topic.join(" ")).or_else(|| {
            let a = rank::analyze(tokens.clone(), &HashSet::default(), index, lex);
            let ranked = rank::rank(version, &a, index, lex, true);
            // The tag most of the best matches carry.
            let mut votes: Vec<(&'static str, f32)> = Vec::new();
            for c in ranked.iter().take(5) {
                for t in c.operation.tags {
                    match votes.iter_mut().find(|(n, _)| n == t) {
                        Some(v) => v.1 += c.score.max(0.1),
                        None => votes.push((t, c.score.max(0.1))),
                    }
                }
            }
            votes.sort_by(|a, b| b.1.total_cmp(&a.1));
            votes
                .first()
                .and_then(|(n, _)| version.tags().iter().find(|t| t.name == *n))
        });
        if let Some(tag) = tag {
            let mut r = empty(Mode::Browse);
            r.browse = Some(Browse::Tag(tag));
            return Ok(r);
        }
    }

    // Plain language.
    let a = rank::analyze(tokens, &cue_tokens, index, lex);
    for (from, to) in &a.corrections {
        notes.push(format!("read `{from}` as `{to}`"));
    }
    let candidates = rank::rank(version, &a, index, lex, detail);
    // A prompt with no noun and no value ("delete it") names nothing: whatever
    // ranks first is a guess.
    let vague = a.head.is_none() && !a.tokens.iter().any(|t| t.is_value());
    let confidence = if vague && !candidates.is_empty() {
        Confidence::Low
    } else {
        confidence(&candidates)
    };
    let mode = if detail { Mode::Detail } else { Mode::Execute };
    Ok(Resolution {
        mode,
        version,
        browse: None,
        candidates: candidates.into_iter().take(10).collect(),
        confidence,
        notes,
    })
}

fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-'
}

/// High when the winner is clear; low when the first two are close, or
/// differ in method with a write on top.
fn confidence(c: &[Candidate]) -> Confidence {
    match c {
        [] => Confidence::None,
        [_] => Confidence::High,
        [a, b, ..] => {
            let gap = a.score - b.score;
            if a.score < 3.0
                || gap < 1.0
                || (a.operation.method != b.operation.method
                    && a.operation.method.is_write()
                    && gap < 2.0)
            {
                Confidence::Low
            } else {
                Confidence::High
            }
        }
    }
}

/// A hint for a prompt nothing matched: the resolver's own note (e.g. which
/// methods a path has), else the nearest tag.
pub fn nearest_hint(res: &Resolution, prompt: &str) -> String {
    let version = res.version;
    if let Some(n) = res.notes.first() {
        return format!(" ({n})");
    }
    // The closest tag by shared letters.
    let key = crate::catalog::tag_key(prompt);
    let best = version.tags().iter().min_by_key(|t| {
        let k = crate::catalog::tag_key(t.name);
        levenshtein(&k, &key)
    });
    match best {
        Some(t) => format!(
            "; did you mean the tag `{}`? (`clerk tags` lists them all)",
            t.name
        ),
        None => String::new(),
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
