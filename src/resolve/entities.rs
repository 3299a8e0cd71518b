//! Splits a prompt into tokens and pulls out the values it states (Clerk IDs,
//! emails, phone numbers, quoted strings, `key=value` items, JSON literals,
//! numbers, identifier-like values), leaving plain words for the search.

use serde_json::Value;

use super::lexicon::Lexicon;

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A plain word (lower-cased in `Token::norm`).
    Word,
    /// A Clerk ID with its entity kind (`user`, `organization`, ...).
    Id(String),
    Email,
    Phone,
    Url,
    /// A host name such as `acme.com`.
    Domain,
    /// A whole number.
    Number,
    /// A quoted string (quotes removed).
    Quoted,
    /// A JSON object or array.
    Json(Value),
    /// An identifier-like value that is not a Clerk ID: `john_doe`, `crm-8842`, `oauth_google`.
    Ident,
    /// `key=value` (body field or parameter), `key:=json` (typed body field), `key==value` (query).
    Item {
        key: String,
        op: ItemOp,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemOp {
    Eq,
    Json,
    Query,
}

#[derive(Debug, Clone)]
pub struct Token {
    /// The text as typed (quotes removed, trailing punctuation trimmed).
    pub text: String,
    /// Lower-cased text.
    pub norm: String,
    pub kind: Kind,
    /// The token as typed ended with a question mark.
    pub question: bool,
}

impl Token {
    pub fn is_value(&self) -> bool {
        !matches!(self.kind, Kind::Word)
    }
}

/// Splits on whitespace, keeping quoted strings and balanced JSON literals whole.
pub fn split(prompt: &str) -> Vec<(String, bool)> {
    let chars: Vec<char> = prompt.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '"' || c == '\'' || c == '“' || c == '‘' {
            let close = match c {
                '“' => '”',
                '‘' => '’',
                _ => c,
            };
            if let Some(end) = chars[i + 1..].iter().position(|&d| d == close) {
                out.push((chars[i + 1..i + 1 + end].iter().collect(), true));
                i += end + 2;
                continue;
            }
        }
        if c == '{' || c == '[' {
            // A balanced JSON literal, possibly with spaces inside.
            let mut depth = 0i32;
            let mut in_str = false;
            let mut j = i;
            while j < chars.len() {
                let d = chars[j];
                if in_str {
                    if d == '\\' {
                        j += 1;
                    } else if d == '"' {
                        in_str = false;
                    }
                } else if d == '"' {
                    in_str = true;
                } else if d == '{' || d == '[' {
                    depth += 1;
                } else if d == '}' || d == ']' {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                j += 1;
            }
            if j < chars.len() {
                let s: String = chars[i..=j].iter().collect();
                if serde_json::from_str::<Value>(&s).is_ok() {
                    out.push((s, false));
                    i = j + 1;
                    continue;
                }
            }
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() {
            i += 1;
        }
        let mut tok: String = chars[start..i].iter().collect();
        // key='{"a": 1}' style items whose quoted value holds spaces.
        if let Some(q) = tok.find(['\'', '"']) {
            let quote = tok[q..].chars().next().unwrap();
            if tok[..q].ends_with('=') && !tok[q + 1..].contains(quote) {
                if let Some(end) = chars[i..].iter().position(|&d| d == quote) {
                    let rest: String = chars[i..i + end].iter().collect();
                    tok = format!("{}{}{}", &tok[..q], &tok[q + 1..], rest);
                    i += end + 1;
                } else {
                    tok.remove(q);
                }
            } else if tok[..q].ends_with('=') && tok.ends_with(quote) && tok.len() > q + 1 {
                tok = format!("{}{}", &tok[..q], &tok[q + 1..tok.len() - 1]);
            }
        }
        out.extend(call_parts(tok));
    }
    join_phones(out)
}

/// Rejoins a phone number typed with spaces: `+1 415 555 0142`, `(312) 555-0187`.
/// A run starts at `+digits` or `(digits)` and takes the digit groups after it
/// while the whole still reads as a phone number.
fn join_phones(tokens: Vec<(String, bool)>) -> Vec<(String, bool)> {
    let group =
        |t: &str| t.len() >= 2 && t.chars().all(|c| c.is_ascii_digit() || "-()".contains(c));
    let starts = |t: &str| {
        t.strip_prefix('+')
            .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
            || (t.starts_with('(') && t.ends_with(')') && group(t))
    };
    let mut out: Vec<(String, bool)> = Vec::with_capacity(tokens.len());
    let mut it = tokens.into_iter().peekable();
    while let Some((tok, quoted)) = it.next() {
        if quoted || !starts(&tok) {
            out.push((tok, quoted));
            continue;
        }
        let mut phone = tok;
        while let Some((next, false)) = it.peek() {
            let joined = format!("{phone} {next}");
            let digits = joined.chars().filter(char::is_ascii_digit).count();
            if !group(next) || digits > 15 {
                break;
            }
            phone = joined;
            it.next();
        }
        out.push((phone, false));
    }
    out
}

/// `users.getUser('user_2ab')` and `clients.get(client_id="client_2x")`: a
/// call written as code gives its name and its arguments as separate tokens
/// (`client_id=client_2x` then reads as an item). Anything else stays whole.
fn call_parts(tok: String) -> Vec<(String, bool)> {
    let Some(open) = tok.find('(') else {
        return vec![(tok, false)];
    };
    let head = &tok[..open];
    let code = !head.is_empty()
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    if !code {
        return vec![(tok, false)];
    }
    let mut out = vec![(head.to_string(), false)];
    let args = tok[open + 1..].trim_end_matches([')', ';', ',']);
    for arg in args.split(',').map(str::trim).filter(|a| !a.is_empty()) {
        let unquote = |s: &str| s.trim_matches(|c| c == '\'' || c == '"').to_string();
        match arg.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                out.push((format!("{}={}", k.trim(), unquote(v.trim())), false))
            }
            _ => out.push((unquote(arg), false)),
        }
    }
    out
}

/// Classifies the tokens of a prompt.
#[cfg(test)]
pub fn tokens(prompt: &str, lex: &Lexicon) -> Vec<Token> {
    split(prompt)
        .into_iter()
        .map(|(t, quoted)| classify(t, quoted, lex))
        .collect()
}

/// Classifies one raw token (from [`split`]; `quoted` when it was in quotes).
pub fn classify(raw: String, quoted: bool, lex: &Lexicon) -> Token {
    if quoted && lex.id_kind(&raw).is_none() {
        let norm = raw.to_lowercase();
        return Token {
            text: raw,
            norm,
            kind: Kind::Quoted,
            question: false,
        };
    }
    if raw.starts_with('{') || raw.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Value>(&raw) {
            let norm = raw.clone();
            return Token {
                text: raw,
                norm,
                kind: Kind::Json(v),
                question: false,
            };
        }
    }
    // key==value, key:=json, key=value
    if let Some(item) = item(&raw) {
        return item;
    }
    let text = raw
        .trim_end_matches(['?', '!', ',', ';', '.', ')', ':'])
        .trim_start_matches(['(', ','])
        .trim_end_matches("'s")
        .trim_end_matches("’s")
        .to_string();
    let norm = text.to_lowercase();
    let kind = if text.is_empty() {
        Kind::Word
    } else if norm.contains("://") {
        Kind::Url
    } else if is_email(&text) {
        Kind::Email
    } else if is_phone(&text) {
        Kind::Phone
    } else if let Some(k) = lex.id_kind(&text) {
        Kind::Id(k.to_string())
    } else if text.chars().all(|c| c.is_ascii_digit()) {
        Kind::Number
    } else if is_domain(&norm) {
        Kind::Domain
    } else if is_ident(&text) {
        Kind::Ident
    } else {
        Kind::Word
    };
    Token {
        text,
        norm,
        kind,
        question: raw.ends_with('?'),
    }
}

/// Shaped like a Clerk ID whose prefix the lexicon does not know:
/// `scimdir_2Pk8Lm3VqZ` (lower-case prefix, `_`, five or more letters and
/// digits with at least one digit). Such a token can fill an ID path
/// parameter that no known ID fits.
pub fn id_shaped(text: &str) -> bool {
    let Some((prefix, rest)) = text.split_once('_') else {
        return false;
    };
    (1..=12).contains(&prefix.len())
        && prefix.bytes().all(|b| b.is_ascii_lowercase())
        && rest.len() >= 5
        && rest.bytes().all(|b| b.is_ascii_alphanumeric())
        && rest.bytes().any(|b| b.is_ascii_digit())
}

fn item(raw: &str) -> Option<Token> {
    let key_end = raw.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))?;
    if key_end == 0 || !raw.as_bytes()[0].is_ascii_alphabetic() && raw.as_bytes()[0] != b'_' {
        return None;
    }
    let key = &raw[..key_end];
    let rest = &raw[key_end..];
    let (op, value) = if let Some(v) = rest.strip_prefix("==") {
        (ItemOp::Query, v)
    } else if let Some(v) = rest.strip_prefix(":=") {
        (ItemOp::Json, v)
    } else if let Some(v) = rest.strip_prefix('=') {
        (ItemOp::Eq, v)
    } else {
        return None;
    };
    // `key=value,` in a sentence: the comma is the sentence's.
    let value = if op == ItemOp::Json {
        value
    } else {
        let v = value.trim_end_matches([',', ';', ')']);
        // `slug='invitation')` from a call written as code.
        match (v.chars().next(), v.chars().last()) {
            (Some(a @ ('\'' | '"')), Some(b)) if a == b && v.len() >= 2 => &v[1..v.len() - 1],
            _ => v,
        }
    };
    Some(Token {
        text: value.to_string(),
        norm: value.to_lowercase(),
        kind: Kind::Item {
            key: key.to_string(),
            op,
        },
        question: false,
    })
}

fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.starts_with('.')
                && domain.contains('.')
                && !domain.ends_with('.')
                && !s.contains(' ')
        }
        None => false,
    }
}

fn is_phone(s: &str) -> bool {
    let digits = s.chars().filter(|c| c.is_ascii_digit()).count();
    let allowed = s
        .chars()
        .all(|c| c.is_ascii_digit() || "+-() .".contains(c));
    allowed && (s.starts_with('+') && digits >= 7 || digits >= 10 && s.contains('-'))
}

fn is_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

/// `john_doe`, `crm-8842`, `role:admin`, `hunter2`: identifier-shaped, not a plain word.
fn is_ident(s: &str) -> bool {
    let has_sep = s.contains(['_', '-', ':', '/', '.']);
    let has_digit = s.chars().any(|c| c.is_ascii_digit());
    let has_alpha = s.chars().any(|c| c.is_alphabetic());
    let inner_upper =
        s.chars().skip(1).any(|c| c.is_uppercase()) && s.chars().any(|c| c.is_lowercase());
    let alnum = s.chars().filter(|c| c.is_alphanumeric()).count();
    alnum >= 2 && (has_alpha && (has_sep || has_digit) || inner_upper) && !s.starts_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::lexicon;

    fn kinds(p: &str) -> Vec<Kind> {
        tokens(p, lexicon::get())
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    #[test]
    fn classifies() {
        let k = kinds("get user_2ab jane@acme.com +14155550123 john_doe 5 acme.com \"Acme Inc\"");
        assert_eq!(k[0], Kind::Word);
        assert_eq!(k[1], Kind::Id("user".into()));
        assert_eq!(k[2], Kind::Email);
        assert_eq!(k[3], Kind::Phone);
        assert_eq!(k[4], Kind::Ident);
        assert_eq!(k[5], Kind::Number);
        assert_eq!(k[6], Kind::Domain);
        assert_eq!(k[7], Kind::Quoted);
    }

    #[test]
    fn items_and_json() {
        let t = tokens(
            r#"set public metadata {"plan": "pro"} on user_1 name=Acme n:=5 limit==3 m:='{"a": 1}'"#,
            lexicon::get(),
        );
        assert!(matches!(t[3].kind, Kind::Json(_)));
        assert!(matches!(&t[6].kind, Kind::Item { key, op: ItemOp::Eq } if key == "name"));
        assert!(matches!(&t[7].kind, Kind::Item { key, op: ItemOp::Json } if key == "n"));
        assert!(matches!(&t[8].kind, Kind::Item { key, op: ItemOp::Query } if key == "limit"));
        assert_eq!(t[9].text, r#"{"a": 1}"#);
    }

    #[test]
    fn never_panics_on_odd_input() {
        for p in [
            "\"",
            "{",
            "[}",
            "'",
            "=",
            "a=",
            "==",
            ":=",
            "é=1",
            "x='",
            "{\"a\":",
            "“quoted”",
            "‘",
            "\u{0}",
        ] {
            let _ = tokens(p, lexicon::get());
        }
    }
}
