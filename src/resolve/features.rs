//! What the learned ranker sees. For a prompt: hashed text features (words,
//! word pairs, character n-grams, value placeholders, vocabulary expansions)
//! and the values it states. For a prompt and an operation: a few structural
//! features that relate the two (IDs that fit path parameters, several values
//! for an operation that takes a list, names the prompt mentions, BM25).
//!
//! `cargo xtask train` and the resolver both call [`Prompt::new`] and
//! [`structure`], so training and run time see exactly the same thing.

use super::entities::{Kind, Token};
use super::facts::{self, OpFacts, ValueKind};
use super::lexicon::Lexicon;
use crate::catalog::{singular, Version};

/// Feature families, as bits; a model records the set it was trained with.
pub mod family {
    /// Word unigrams.
    pub const WORDS: u32 = 1;
    /// Word bigrams (values included as placeholders).
    pub const BIGRAMS: u32 = 2;
    /// Character 3-5-grams of each word.
    pub const CHARS: u32 = 4;
    /// Value placeholders: ID kinds, emails, numbers, `key=value` keys, counts.
    pub const VALUES: u32 = 8;
    /// Lexicon phrases and synonyms as extra words.
    pub const LEXICON: u32 = 16;
    /// Prompt length buckets (for the mode).
    pub const LENGTH: u32 = 32;
    /// Structural features of (prompt, operation): IDs, bulk, names, deprecation.
    pub const STRUCTURE: u32 = 64;
    /// BM25 of the prompt's words on the operation's indexed text.
    pub const BM25: u32 = 128;
    /// Weights shared by operations of one method, resource, tag or shape.
    pub const GROUPS: u32 = 256;
    /// Everything.
    pub const ALL: u32 = 511;
    /// Names, for `cargo xtask train --ablate NAME`.
    pub const NAMES: &[(&str, u32)] = &[
        ("words", WORDS),
        ("bigrams", BIGRAMS),
        ("chars", CHARS),
        ("values", VALUES),
        ("lexicon", LEXICON),
        ("length", LENGTH),
        ("structure", STRUCTURE),
        ("bm25", BM25),
        ("groups", GROUPS),
    ];
}

/// A prompt as the model sees it.
#[derive(Debug, Clone, Default)]
pub struct Prompt {
    /// Hashed word-level features (words, pairs, values, ...), sorted, without repeats.
    pub text: Vec<u32>,
    /// Hashed character n-grams, sorted, without repeats (weighted as a group of their own).
    pub grams: Vec<u32>,
    /// The entity kind of each Clerk ID, in prompt order.
    pub ids: Vec<String>,
    /// How many values of each [`ValueKind`] the prompt states.
    pub values: [u8; ValueKind::COUNT],
    /// Keys of `key=value` items.
    pub items: Vec<String>,
    /// Normalised (singular, lower-case) words, in order, for name matching.
    pub words: Vec<String>,
    /// Singular forms of the words typed as plurals ("users" -> user).
    pub plurals: Vec<String>,
    /// Number of tokens.
    pub tokens: usize,
    /// Asked as a question (a question word first, or a question mark last).
    pub question: bool,
    /// Says a word that reverses an action ("lift", "remove", "undo").
    pub reversed: bool,
    /// An ID kind the prompt states more than once ("ban user_1 user_2").
    pub many_id: Option<String>,
}

/// Words that open a question.
const QUESTION_WORDS: &[&str] = &[
    "how", "what", "which", "who", "where", "why", "when", "can", "could", "is", "are", "do",
    "does", "did", "should", "would", "will", "has", "have",
];

/// The bias feature every prompt has.
pub const BIAS: u32 = 0x9e37_79b9;

/// FNV-1a, 32 bits, over a namespace byte and the text.
pub fn hash(ns: u8, text: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in std::iter::once(ns).chain(text.bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// One unit of the prompt in order: a word or a value placeholder.
enum Unit {
    Word(String),
    Value(String),
}

impl Prompt {
    /// Extracts the features of `families` from classified tokens.
    pub fn new(tokens: &[Token], lex: &Lexicon, families: u32) -> Prompt {
        Prompt::build(tokens, lex, families, &mut None)
    }

    /// As [`Prompt::new`], also naming each feature (for `--explain`).
    pub fn named(tokens: &[Token], lex: &Lexicon, families: u32) -> (Prompt, Vec<(u32, String)>) {
        let mut names = Some(Vec::new());
        let p = Prompt::build(tokens, lex, families, &mut names);
        (p, names.unwrap_or_default())
    }

    fn build(
        tokens: &[Token],
        lex: &Lexicon,
        families: u32,
        names: &mut Option<Vec<(u32, String)>>,
    ) -> Prompt {
        let mut p = Prompt {
            tokens: tokens.len(),
            question: tokens.last().is_some_and(|t| t.question)
                || tokens
                    .first()
                    .is_some_and(|t| QUESTION_WORDS.contains(&t.norm.as_str())),
            ..Prompt::default()
        };
        let mut units = Vec::new();
        let mut raw_words = Vec::new();
        for t in tokens {
            p.unit(t, lex, &mut units, &mut raw_words);
        }
        let mut text = vec![BIAS];
        let mut record = |h: u32, ns: u8, s: &str| {
            if let Some(n) = names.as_mut() {
                n.push((h, format!("{}:{s}", ns as char)));
            }
            h
        };
        let mut push = |ns: u8, s: &str| text.push(record(hash(ns, s), ns, s));
        for u in &units {
            match u {
                Unit::Word(w) if families & family::WORDS != 0 => push(b'w', w),
                Unit::Value(v) if families & family::VALUES != 0 => push(b'v', v),
                _ => {}
            }
        }
        // Plurals as typed too: "users" asks for a list, "user" for one.
        p.reversed = p.words.iter().any(|w| lex.reverse.contains(w));
        let mut kinds: Vec<&str> = p.ids.iter().map(String::as_str).collect();
        kinds.sort_unstable();
        p.many_id = kinds
            .windows(2)
            .find(|w| w[0] == w[1])
            .map(|w| w[0].to_string());
        for w in raw_words.iter().filter(|w| singular(w) != **w) {
            if families & family::WORDS != 0 {
                push(b'w', w);
            }
            p.plurals.push(singular(w));
        }
        if families & family::BIGRAMS != 0 {
            let names: Vec<&str> = units
                .iter()
                .map(|u| match u {
                    Unit::Word(w) | Unit::Value(w) => w.as_str(),
                })
                .collect();
            for pair in names.windows(2) {
                push(b'b', &format!("{} {}", pair[0], pair[1]));
            }
        }
        if families & family::VALUES != 0 {
            p.value_counts(&mut push);
        }
        if families & family::LEXICON != 0 {
            expansions(&raw_words, lex, &mut push);
        }
        if families & family::LENGTH != 0 {
            let n = tokens.len();
            let bucket = match n {
                0..=1 => "1",
                2 => "2",
                3..=4 => "3-4",
                5..=8 => "5-8",
                _ => "9+",
            };
            push(b'n', bucket);
            if tokens.last().is_some_and(|t| t.question) {
                push(b'n', "?");
            }
        }
        text.sort_unstable();
        text.dedup();
        p.text = text;
        if families & family::CHARS != 0 {
            let mut grams = Vec::new();
            for w in &p.words {
                char_grams(w, &mut |ns, s| grams.push(record(hash(ns, s), ns, s)));
            }
            grams.sort_unstable();
            grams.dedup();
            p.grams = grams;
        }
        p
    }

    /// Adds one token's units (words, or a value placeholder).
    fn unit(&mut self, t: &Token, lex: &Lexicon, units: &mut Vec<Unit>, raw: &mut Vec<String>) {
        match &t.kind {
            Kind::Word => self.words_of(&t.text, lex, units, raw),
            Kind::Ident => {
                units.push(Unit::Value("ident".into()));
                self.count(ValueKind::Ident);
                self.words_of(&t.text, lex, units, raw);
            }
            Kind::Id(k) => {
                units.push(Unit::Value(format!("id:{k}")));
                self.ids.push(k.clone());
            }
            Kind::Item { key, .. } => {
                units.push(Unit::Value("item".into()));
                self.items.push(key.clone());
                self.words_of(key, lex, units, raw);
            }
            // `users.getUser` and `clients.verify` look like host names: their words count.
            Kind::Domain => {
                units.push(Unit::Value("domain".into()));
                self.count(ValueKind::Domain);
                self.words_of(&t.text, lex, units, raw);
            }
            other => {
                let v = ValueKind::of(other);
                self.count(v);
                units.push(Unit::Value(v.name().into()));
                // An agent's `{"browse": "Domains"}` or a pasted body says what
                // it wants in its keys and short strings: their words count.
                if let Kind::Json(json) = other {
                    let mut text = String::new();
                    json_words(json, 0, &mut text);
                    self.words_of(&text, lex, units, raw);
                }
            }
        }
    }

    fn count(&mut self, v: ValueKind) {
        let c = &mut self.values[v as usize];
        *c = c.saturating_add(1);
    }

    /// Words of a plain or code-like token: `clerkClient.users.banUser(user_2ab)`
    /// gives clerk, client, user, ban, user and the ID.
    fn words_of(
        &mut self,
        text: &str,
        lex: &Lexicon,
        units: &mut Vec<Unit>,
        raw: &mut Vec<String>,
    ) {
        for chunk in text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')) {
            if chunk.is_empty() {
                continue;
            }
            if let Some(k) = lex.id_kind(chunk) {
                units.push(Unit::Value(format!("id:{k}")));
                self.ids.push(k.to_string());
                continue;
            }
            for w in crate::index::schema::words(chunk).split(' ') {
                if w.is_empty() || w.len() > 40 {
                    continue;
                }
                raw.push(w.to_string());
                let w = singular(w);
                self.words.push(w.clone());
                units.push(Unit::Word(w));
            }
        }
    }

    /// Value kinds the prompt states more than once: "several users", "emails".
    fn value_counts(&self, push: &mut impl FnMut(u8, &str)) {
        let mut kinds: Vec<&str> = self.ids.iter().map(String::as_str).collect();
        kinds.sort_unstable();
        for pair in kinds.windows(2).filter(|w| w[0] == w[1]) {
            push(b'v', &format!("many:{}", pair[0]));
        }
        if self.ids.len() >= 2 {
            push(b'v', "many:ids");
        }
        for v in ValueKind::ALL {
            match self.values[v as usize] {
                0 => {}
                1 => {}
                _ => push(b'v', &format!("many:{}", v.name())),
            }
        }
        let n = self.ids.len() + self.values.iter().map(|&c| c as usize).sum::<usize>();
        push(
            b'v',
            match n {
                0 => "n:0",
                1 => "n:1",
                _ => "n:2+",
            },
        );
    }
}

/// The object keys and short word-like strings of a JSON value, a few levels
/// deep (emails, phone numbers and long texts are values, not words).
fn json_words(v: &serde_json::Value, depth: usize, out: &mut String) {
    use serde_json::Value;
    if depth > 3 {
        return;
    }
    fn put(s: &str, out: &mut String) {
        if s.len() <= 40 && !s.contains('@') && !s.starts_with('+') {
            out.push(' ');
            out.push_str(s);
        }
    }
    match v {
        Value::String(s) => put(s, out),
        Value::Array(a) => a.iter().for_each(|x| json_words(x, depth + 1, out)),
        Value::Object(m) => {
            for (k, x) in m {
                put(k, out);
                json_words(x, depth + 1, out);
            }
        }
        _ => {}
    }
}

/// Character 3-5-grams of ` word ` (with boundary spaces).
fn char_grams(w: &str, push: &mut impl FnMut(u8, &str)) {
    let padded: Vec<char> = std::iter::once(' ')
        .chain(w.chars().take(30))
        .chain(std::iter::once(' '))
        .collect();
    let mut gram = String::with_capacity(24);
    for n in 3..=5 {
        for win in padded.windows(n) {
            gram.clear();
            gram.extend(win);
            push(b'c', &gram);
        }
    }
}

/// The lexicon's phrases and synonyms for the prompt's words, as extra words.
fn expansions(raw: &[String], lex: &Lexicon, push: &mut impl FnMut(u8, &str)) {
    let mut i = 0;
    while i < raw.len() {
        let hit = lex.phrases.iter().find(|(phrase, _)| {
            i + phrase.len() <= raw.len()
                && phrase.iter().enumerate().all(|(k, w)| raw[i + k] == *w)
        });
        if let Some((phrase, repl)) = hit {
            for r in *repl {
                push(b'x', r);
            }
            i += phrase.len();
            continue;
        }
        if let Some(syn) = lex.synonyms.get(&raw[i]) {
            for s in syn {
                push(b'x', s);
            }
        }
        i += 1;
    }
}

/// Number of structural features per (prompt, operation).
pub const STRUCTURE: usize = 27;

/// Names of the structural features, for `--explain` and the model report.
pub const STRUCTURE_NAMES: [&str; STRUCTURE] = [
    "ids fill path",
    "path ids missing",
    "ids fit query/body",
    "ids unused",
    "several values, takes a list",
    "several values, takes one",
    "value kinds fit",
    "value kinds unused",
    "no values, needs path",
    "items fit",
    "items unknown",
    "resource named",
    "path words named",
    "name words named",
    "deprecated",
    "bm25",
    "bm25 best",
    "needs no values",
    "path ids missing, terse",
    "path ids missing, question",
    "ids unused, terse",
    "plural names collection",
    "plural names item",
    "undoes what is asked",
    "a parameter named",
    "path ids missing, value unfit",
    "does what is asked",
];

/// The structural features of `prompt` for operation `op` of `version`.
/// `bm25` is the operation's BM25 over the best operation's (0 when off).
pub fn structure(prompt: &Prompt, f: &OpFacts, bm25: f32, families: u32) -> [f32; STRUCTURE] {
    let mut s = [0.0f32; STRUCTURE];
    if families & family::STRUCTURE != 0 {
        ids(prompt, f, &mut s);
        values(prompt, f, &mut s);
        names(prompt, f, &mut s);
        s[14] = f32::from(u8::from(f.deprecated));
        // How the prompt is put changes what a missing ID means: a terse
        // command without one asks about many; a question may not have one yet.
        let terse = f32::from(u8::from(prompt.tokens <= 4));
        let question = f32::from(u8::from(prompt.question));
        s[18] = s[1] * terse;
        s[19] = s[1] * question;
        s[20] = s[3] * terse;
        // "list users": a plural naming the resource asks for the collection.
        let plural = !f.last_parts.is_empty()
            && f.last_parts
                .last()
                .is_some_and(|w| prompt.plurals.iter().any(|x| x == w));
        s[21] = f32::from(u8::from(plural && !f.item));
        s[22] = f32::from(u8::from(plural && f.item));
        s[23] = f32::from(u8::from(undoes(prompt, f)));
        // "find the user by username jdoe": a word naming a filter or field.
        s[24] = f32::from(u8::from(f.param_parts.iter().any(|parts| {
            !parts.is_empty() && parts.iter().all(|w| prompt.words.iter().any(|x| x == w))
        })));
        // "get user john_doe": the value given is not the ID the path needs.
        s[25] = f32::from(u8::from(s[1] > 0.0 && s[7] > 0.0));
        s[26] = f32::from(u8::from(does(prompt, f)));
    }
    if families & family::BM25 != 0 {
        s[15] = bm25.sqrt();
        s[16] = f32::from(u8::from(bm25 >= 0.999));
    }
    s
}

fn ids(p: &Prompt, f: &OpFacts, s: &mut [f32; STRUCTURE]) {
    // Prompts are cut at 64 tokens, so a bit mask holds which IDs are taken.
    let mut used = 0u64;
    let taken = |used: u64, i: usize| i < 64 && used & (1 << i) != 0;
    let mut filled = 0;
    for kinds in f.path_id_kinds {
        if let Some(i) =
            (0..p.ids.len()).find(|&i| !taken(used, i) && kinds.iter().any(|k| *k == p.ids[i]))
        {
            used |= 1u64.checked_shl(i as u32).unwrap_or(0);
            filled += 1;
        }
    }
    let other = (0..p.ids.len())
        .filter(|&i| !taken(used, i) && f.other_id_kinds.iter().any(|k| *k == p.ids[i]))
        .count();
    s[0] = filled as f32;
    s[1] = (f.path_id_kinds.len() - filled) as f32;
    s[2] = other.min(2) as f32;
    s[3] = (p.ids.len() - filled - other) as f32;
}

fn values(p: &Prompt, f: &OpFacts, s: &mut [f32; STRUCTURE]) {
    let many_id = p.many_id.as_deref();
    let many_value = ValueKind::ALL
        .into_iter()
        .find(|v| p.values[*v as usize] >= 2 && f.accepts & v.bit() != 0);
    let many = many_id.is_some() || many_value.is_some();
    let takes_list = many_id.is_some_and(|k| f.list_id_kinds.contains(&k))
        || many_value.is_some_and(|v| f.list_values & v.bit() != 0);
    s[4] = f32::from(u8::from(many && takes_list));
    s[5] = f32::from(u8::from(many && !takes_list));
    let mut fit = 0;
    let mut unfit = 0;
    for v in ValueKind::TYPED {
        if p.values[v as usize] > 0 {
            if f.accepts & v.bit() != 0 {
                fit += 1;
            } else {
                unfit += 1;
            }
        }
    }
    s[6] = fit as f32;
    s[7] = unfit as f32;
    let none = p.ids.is_empty() && p.values.iter().all(|&c| c == 0);
    s[8] = f32::from(u8::from(none && f.path_params > 0));
    s[17] = f32::from(u8::from(none && f.path_params == 0));
    let known = p
        .items
        .iter()
        .filter(|k| f.names.iter().any(|n| n == *k))
        .count();
    s[9] = known as f32;
    s[10] = (p.items.len() - known) as f32;
}

fn names(p: &Prompt, f: &OpFacts, s: &mut [f32; STRUCTURE]) {
    let has = |w: &&str| p.words.iter().any(|x| x == w);
    s[11] = f32::from(u8::from(
        !f.last_parts.is_empty() && f.last_parts.iter().all(has),
    ));
    s[12] = frac(f.path_words, has);
    s[13] = frac(f.name_words, has);
}

/// The operation undoes what the prompt asks for: its action is `un` + a word
/// the prompt says ("lock" asked, `/unlock` offered), and the prompt says
/// neither the `un` form itself nor a word that reverses ("lift the ban").
fn undoes(p: &Prompt, f: &OpFacts) -> bool {
    if p.reversed {
        return false;
    }
    f.last_parts.iter().any(|part| {
        part.strip_prefix("un").is_some_and(|base| {
            base.len() >= 3
                && p.words.iter().any(|w| w == base)
                && !p.words.iter().any(|w| w == part)
        })
    })
}

/// The operation's action is a verb the prompt says, not reversed by another
/// word ("lock the account" and `/lock`; not "lift the lock").
fn does(p: &Prompt, f: &OpFacts) -> bool {
    !p.reversed
        && f.last_parts.last().is_some_and(|action| {
            p.words.iter().any(|w| w == action) && super::lexicon::get().verbs.contains(action)
        })
}

fn frac(words: &[&str], has: impl Fn(&&str) -> bool) -> f32 {
    if words.is_empty() {
        return 0.0;
    }
    words.iter().filter(|w| has(w)).count() as f32 / words.len() as f32
}

/// The per-operation facts of `version`, for [`structure`].
pub fn facts_of(version: &'static Version) -> &'static [OpFacts] {
    facts::all(version)
}

/// The features of a prompt as the resolver sees it (split, cut, classified);
/// for `cargo xtask train`.
pub fn of_text(text: &str, families: u32) -> Prompt {
    let lex = super::lexicon::get();
    let mut raw = super::entities::split(text);
    raw.truncate(super::MAX_TOKENS);
    let tokens: Vec<Token> = raw
        .into_iter()
        .map(|(t, q)| super::entities::classify(t, q, lex))
        .collect();
    Prompt::new(&tokens, lex, families)
}
