//! Clerk's safety rules, applied before any byte is sent: the secret key
//! (required, never printed), scopes for writes, confirmation, and the warnings
//! a destructive or metadata-changing call deserves. The policy is a value a
//! library caller can build and inspect; the CLI is only one user of it.

use std::fmt;
use std::path::Path;

use crate::catalog::{Method, Operation};
use crate::error::Error;

/// A secret key. `Debug` and `Display` mask it (`sk_test_…a1b2`), so it cannot
/// leak through formatting; only [`Secret::expose`] gives the value, and only
/// the transport calls it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Secret {
        Secret(key.into())
    }

    /// The key itself, for the Authorization header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `sk_test_…a1b2`: the known prefix (else up to the second `_`, at most
    /// 8 bytes) and the last four characters. `whsec_…a1b2` shows no more than
    /// its prefix: nothing of a key's body but the tail.
    pub fn masked(&self) -> String {
        let k = &self.0;
        if k.chars().count() <= 12 {
            return "…".to_string();
        }
        let known = SECRET_PREFIXES.iter().find(|p| k.starts_with(*p));
        let mut prefix_end = known.map_or_else(
            || {
                k.match_indices('_')
                    .nth(1)
                    .map(|(i, _)| i + 1)
                    .unwrap_or(0)
                    .min(8)
            },
            |p| p.len(),
        );
        while !k.is_char_boundary(prefix_end) {
            prefix_end -= 1;
        }
        let tail: String = k
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("{}…{}", &k[..prefix_end], tail)
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret::new(s.trim()))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.masked())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Prefixes of the credentials that belong in the Authorization header and
/// nowhere else: the instance's secret keys and a webhook signing secret. No
/// Backend API operation takes one as data. (`ak_` and `mt_` are not here:
/// they also start API key and M2M token IDs, which are path values.)
pub const SECRET_PREFIXES: [&str; 3] = ["sk_live_", "sk_test_", "whsec_"];

/// The byte range of the first secret-shaped token in `text`: a prefix of
/// [`SECRET_PREFIXES`] followed by at least one of `[A-Za-z0-9]`, wherever it
/// sits (a word, a path segment, a query string, a JSON string).
pub fn find_secret(text: &str) -> Option<std::ops::Range<usize>> {
    SECRET_PREFIXES
        .iter()
        .flat_map(|p| text.match_indices(p))
        .filter_map(|(i, p)| {
            let body = text[i + p.len()..]
                .bytes()
                .take_while(u8::is_ascii_alphanumeric)
                .count();
            (body > 0).then_some(i..i + p.len() + body)
        })
        .min_by_key(|r| r.start)
}

/// Refuses input that carries a secret key (exit 2): a key is never bound to
/// a parameter or sent as data, and the message shows it masked.
pub fn refuse_secret(what: &str, text: &str) -> Result<(), Error> {
    match find_secret(text) {
        None => Ok(()),
        Some(r) => Err(Error::usage(format!(
            "{what} holds what looks like a Clerk secret key ({}); a key is never sent as data: \
             pass it with CLERK_SECRET_KEY or --secret-key; nothing was sent",
            Secret::new(&text[r]).masked()
        ))),
    }
}

/// Masks anything that looks like a Clerk secret key (see [`find_secret`]) or
/// a bearer token in text that is about to be shown, e.g. a pasted curl line
/// echoed in an error message.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(r) = find_secret(rest) {
        let end = overlapping_end(rest, r.clone());
        out.push_str(&rest[..r.start]);
        out.push_str(&Secret::new(&rest[r.start..end]).masked());
        rest = &rest[end..];
    }
    out.push_str(rest);
    if out.contains("earer") {
        mask_bearer(&out)
    } else {
        out
    }
}

/// The end of the token at `r` together with every secret-shaped token that
/// starts inside it (`sk_live_abcsk_test_x`): masked apart, the first one's
/// visible tail would join the next into a new key-shaped token. Found by
/// fuzz/fuzz_targets/secrets_dotenv.rs.
fn overlapping_end(text: &str, r: std::ops::Range<usize>) -> usize {
    let mut end = r.end;
    let mut from = r.start + 1;
    while let Some(n) = text.get(from..).and_then(find_secret) {
        if from + n.start >= end {
            break;
        }
        end = end.max(from + n.end);
        from += n.start + 1;
    }
    end
}

/// Masks the word after `Bearer` (a token of any shape).
fn mask_bearer(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_bearer = false;
    for piece in text.split_inclusive(char::is_whitespace) {
        let word = piece.trim_end();
        let bare = word.trim_matches(|c: char| c == '\'' || c == '"');
        if after_bearer && bare.len() > 8 && !bare.contains('…') {
            out.push_str(&word.replace(bare, &Secret::new(bare).masked()));
            out.push_str(&piece[word.len()..]);
        } else {
            out.push_str(piece);
        }
        after_bearer = word.to_ascii_lowercase().ends_with("bearer");
    }
    out
}

/// Finds the secret key: the flag, else `CLERK_SECRET_KEY`, else `.env.local`,
/// then `.env` in `dir`. Dotenv files are read as plain `KEY=value` data
/// (optional `export `, quotes stripped, `#` comments); nothing is executed.
pub fn load_secret(flag: Option<&Secret>, dir: &Path) -> Option<Secret> {
    if let Some(k) = flag.filter(|k| !k.expose().is_empty()) {
        return Some(k.clone());
    }
    if let Ok(k) = std::env::var("CLERK_SECRET_KEY") {
        if !k.trim().is_empty() {
            return Some(Secret::new(k.trim()));
        }
    }
    for file in [".env.local", ".env"] {
        if let Ok(text) = std::fs::read_to_string(dir.join(file)) {
            if let Some(v) = dotenv_value(&text, "CLERK_SECRET_KEY") {
                return Some(Secret::new(v));
            }
        }
    }
    None
}

/// The value of `key` in dotenv text, parsed as data. Lines end at `\n`,
/// `\r\n` or a lone `\r` (old Mac files), so a value is always one line.
pub fn dotenv_value(text: &str, key: &str) -> Option<String> {
    for line in text.split(['\n', '\r']) {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        if line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        if k.trim() != key {
            continue;
        }
        let v = v.trim();
        let v = if (v.starts_with('"') && v.ends_with('"')
            || v.starts_with('\'') && v.ends_with('\''))
            && v.len() >= 2
        {
            &v[1..v.len() - 1]
        } else {
            // An unquoted value ends at an inline comment.
            v.split(" #").next().unwrap_or(v).trim()
        };
        if !v.is_empty() {
            return Some(v.to_string());
        }
    }
    None
}

/// How much harm an operation can do. Every write is confirmed; the class
/// sets the wording: a disruptive call takes effect at once but the API can
/// undo it, an irreversible one destroys or replaces something for good.
/// Ordered from least to most harm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// Reads only (GET).
    Read,
    /// Creates or changes something; can be changed again.
    Write,
    /// Cuts someone off at once (ban, lock, sign a session out), and can be undone.
    Disruptive,
    /// Destroys or replaces something the API cannot restore (DELETE, rotate, revoke a token).
    Irreversible,
}

/// What a POST/PUT/PATCH action does, keyed by the path's last segment (and,
/// where it matters, the resource before it): its class and what it does.
/// `tests/safety.rs` checks that every write of the latest spec whose words
/// sound destructive has an entry here, so none is left to a guess.
const EFFECTS: &[(&str, &str, Class, &str)] = &[
    // (segment, resource or "" for any, class, what it does)
    (
        "ban",
        "",
        Class::Disruptive,
        "bans the user: all their sessions are revoked and they cannot sign in until unbanned",
    ),
    (
        "lock",
        "",
        Class::Disruptive,
        "locks the user out: they cannot sign in until unlocked",
    ),
    (
        "revoke",
        "sessions",
        Class::Disruptive,
        "signs the session's device out at once; the user can sign in again",
    ),
    (
        "set_compromised",
        "",
        Class::Disruptive,
        "marks the password compromised: the user must reset it before signing in with it",
    ),
    (
        "reject",
        "",
        Class::Disruptive,
        "rejects the waitlist entry",
    ),
    (
        "revoke",
        "",
        Class::Irreversible,
        "revokes it for good: it cannot be reinstated, only replaced",
    ),
    (
        "revoke_token",
        "",
        Class::Irreversible,
        "revokes the token for good: its holder must authorize again",
    ),
    (
        "rotate",
        "",
        Class::Irreversible,
        "replaces the secret: the old one stops working at once and cannot be restored",
    ),
    (
        "rotate_api_key",
        "",
        Class::Irreversible,
        "replaces the API key: the old one stops working at once and cannot be restored",
    ),
    (
        "rotate_secret",
        "",
        Class::Irreversible,
        "replaces the client secret: the old one stops working at once and cannot be restored",
    ),
    (
        "remove_password",
        "",
        Class::Irreversible,
        "removes the user's password for good: they must sign in another way or set a new one",
    ),
];

/// Words of a path or operationId that sound destructive. A write with one of
/// them and no [`EFFECTS`] entry is treated as irreversible (the safe side).
pub const DESTRUCTIVE_WORDS: &[&str] = &[
    "ban",
    "lock",
    "revoke",
    "remove",
    "delete",
    "disable",
    "reset",
    "rotate",
    "compromised",
    "reject",
    "cancel",
    "purge",
    "deactivate",
    "expire",
    "sign_out",
    "logout",
];

/// The path's last literal segment and the one before it
/// (`/users/{user_id}/ban` → ("ban", "users")).
fn action_of(op: &Operation) -> (&'static str, &'static str) {
    let mut lit = op
        .path
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'));
    let last = lit.next_back().unwrap_or("");
    (last, lit.next_back().unwrap_or(""))
}

/// The [`EFFECTS`] entry of a POST/PUT/PATCH, if it has one.
pub fn effect(op: &Operation) -> Option<(Class, &'static str)> {
    let (seg, resource) = action_of(op);
    EFFECTS
        .iter()
        .find(|(s, r, ..)| *s == seg && (r.is_empty() || *r == resource))
        .map(|(_, _, c, what)| (*c, *what))
}

/// True when a write's path or operationId has a destructive-sounding word
/// and it is not itself an undo (`unban`, `unlock`, `unset_compromised`).
pub fn sounds_destructive(op: &Operation) -> bool {
    let (seg, _) = action_of(op);
    if op.method == Method::Get || seg.starts_with("un") {
        return false;
    }
    let path = op.path.to_ascii_lowercase();
    let id = crate::index::schema::words(op.operation_id);
    DESTRUCTIVE_WORDS.iter().any(|w| {
        path.split(['/', '_'])
            .any(|seg| seg == *w || seg.trim_end_matches('s') == *w)
            || path.contains(&format!("/{w}"))
            || id.split(' ').any(|x| x == *w)
    })
}

/// Classifies an operation per operation, not only by method: `POST
/// /users/{id}/ban` is disruptive, `POST /machines/{id}/secret_key/rotate`
/// irreversible, `POST /users/{id}/unban` a plain write.
pub fn classify(op: &Operation) -> Class {
    match op.method {
        Method::Get => Class::Read,
        Method::Delete => Class::Irreversible,
        _ => match effect(op) {
            Some((c, _)) => c,
            None if sounds_destructive(op) => Class::Irreversible,
            None => Class::Write,
        },
    }
}

/// The operation that undoes a disruptive one, from the spec itself: the same
/// path with `un` before the action (`/ban` → `/unban`, `set_compromised` →
/// `unset_compromised`).
pub fn undo_of(op: &'static Operation) -> Option<&'static Operation> {
    let (seg, _) = action_of(op);
    let base = op.path.strip_suffix(seg)?;
    let version = crate::catalog::versions().iter().find(|v| {
        v.operations()
            .as_ptr_range()
            .contains(&(op as *const Operation))
    })?;
    version.operation(op.method, &format!("{base}un{seg}"))
}

/// What a caller allows. Built from the environment by the CLI, or by hand.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Policy {
    /// Exact scope tokens (from `CLERK_BAPI_SCOPES`).
    pub scopes: Vec<String>,
    /// Bypass the scope check (never the confirmation).
    pub admin: bool,
    /// Confirm writes without asking (`--yes`).
    pub assume_yes: bool,
    /// A person can be asked (stdin and stderr are terminals).
    pub interactive: bool,
}

impl Policy {
    /// Reads `CLERK_BAPI_SCOPES` (comma/space separated) and whether we run on a terminal.
    pub fn from_env(admin: bool, assume_yes: bool) -> Policy {
        use std::io::IsTerminal;
        Policy {
            scopes: parse_scopes(&std::env::var("CLERK_BAPI_SCOPES").unwrap_or_default()),
            admin,
            assume_yes,
            interactive: std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
        }
    }

    fn has(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// Splits a scope list on commas and white space into exact tokens.
pub fn parse_scopes(s: &str) -> Vec<String> {
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// The scopes an operation needs: none for reads, `write` for POST/PUT/PATCH,
/// `write` and `delete` for DELETE.
pub fn required_scopes(op: &Operation) -> &'static [&'static str] {
    match op.method {
        Method::Get => &[],
        Method::Delete => &["write", "delete"],
        _ => &["write"],
    }
}

/// What must happen before sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// A read: send.
    Send,
    /// A write the policy allows: confirm first (already confirmed with `assume_yes`).
    Confirm,
}

/// Applies the scope rule. Reads pass; writes need their scopes unless `admin`.
/// The refusal is exit code 3 and says how to proceed.
pub fn check(policy: &Policy, op: &Operation) -> Result<Decision, Error> {
    if op.method == Method::Get {
        return Ok(Decision::Send);
    }
    let missing: Vec<&str> = required_scopes(op)
        .iter()
        .copied()
        .filter(|s| !policy.has(s))
        .collect();
    if !missing.is_empty() && !policy.admin {
        return Err(Error::refused(scope_refusal(policy, op, &missing)));
    }
    Ok(Decision::Confirm)
}

/// Says what to set: the export line that allows this call, then `--admin` as
/// the one-off bypass.
fn scope_refusal(policy: &Policy, op: &Operation, missing: &[&str]) -> String {
    let kind = if op.method == Method::Delete {
        "a delete"
    } else {
        "a write"
    };
    let mut want: Vec<&str> = policy.scopes.iter().map(String::as_str).collect();
    want.extend(missing.iter().copied());
    let export = format!("export CLERK_BAPI_SCOPES={}", want.join(","));
    let now = if policy.scopes.is_empty() {
        "CLERK_BAPI_SCOPES is not set".to_string()
    } else {
        format!(
            "CLERK_BAPI_SCOPES={} lacks {}",
            policy.scopes.join(","),
            missing.join(" and ")
        )
    };
    format!(
        "{} {} is {kind} and {now}; nothing was sent. To allow it: `{export}`; or rerun with --admin to bypass the scope check for this one command (it is still confirmed)",
        op.method, op.path
    )
}

/// What is destroyed, per resource (the last noun of the path before an ID or action).
const DESTROYS: &[(&str, &str)] = &[
    ("users", "the user record, all of the user's sessions, organization memberships, email addresses, phone numbers, external accounts and other associated data"),
    ("organizations", "the organization, all of its memberships, pending invitations and domains"),
    ("memberships", "the user's membership of the organization (their role and access within it)"),
    ("invitations", "the invitation; its link stops working"),
    ("sessions", "the session: the device is signed out"),
    ("email_addresses", "the email address and its verification; the user can no longer sign in with it"),
    ("phone_numbers", "the phone number and its verification; the user can no longer sign in or receive codes with it"),
    ("domains", "the domain and its configuration"),
    ("jwt_templates", "the JWT template; tokens requested with it will fail"),
    ("machines", "the machine, its secret key and its scopes"),
    ("api_keys", "the API key; requests using it will fail"),
    ("m2m_tokens", "the machine token; requests using it will fail"),
    ("oauth_applications", "the OAuth application and its credentials; its users can no longer sign in through it"),
    ("saml_connections", "the SAML connection; its users can no longer sign in through it"),
    ("enterprise_connections", "the enterprise connection; its users can no longer sign in through it"),
    ("allowlist_identifiers", "the allow-list entry"),
    ("blocklist_identifiers", "the block-list entry"),
    ("redirect_urls", "the redirect URL; redirects to it will be rejected"),
    ("waitlist_entries", "the waitlist entry"),
    ("organization_roles", "the role; members holding it lose its permissions"),
    ("organization_permissions", "the permission; roles lose it"),
    ("mfa", "all of the user's multi-factor methods (TOTP and backup codes)"),
    ("totp", "the user's authenticator-app (TOTP) enrolment"),
    ("backup_code", "the user's backup codes"),
    ("profile_image", "the profile image"),
    ("logo", "the logo"),
    ("external_accounts", "the link to the external (OAuth) account"),
    ("passkeys", "the passkey; the user can no longer sign in with it"),
    ("svix", "the webhook (Svix) app and all its endpoints and message history"),
    ("subscription_items", "the subscription item (the plan is cancelled)"),
    ("directories", "the directory connection and its sync"),
    ("scim_directories", "the directory connection and its sync"),
];

/// One line per warning the operation deserves: IRREVERSIBLE for DELETE and
/// irreversible POSTs (naming what is destroyed), DISRUPTIVE with the undo
/// call for bans and locks, and which metadata a request
/// writes and how.
pub fn warnings(op: &'static Operation, body: Option<&serde_json::Value>) -> Vec<String> {
    let mut out = Vec::new();
    let class = classify(op);
    let literal: Vec<&str> = op
        .path
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .collect();
    if op.method == Method::Delete {
        let what = literal
            .iter()
            .rev()
            .find_map(|seg| DESTROYS.iter().find(|(k, _)| k == seg).map(|(_, v)| *v))
            .map(str::to_string)
            .unwrap_or_else(|| {
                format!(
                    "what this endpoint removes ({})",
                    op.summary.trim_end_matches('.')
                )
            });
        out.push(format!(
            "IRREVERSIBLE: {} {} permanently destroys {what}.",
            op.method, op.path
        ));
    } else if class != Class::Write && class != Class::Read {
        let what = effect(op)
            .map(|(_, w)| w.to_string())
            .unwrap_or_else(|| op.summary.trim_end_matches('.').to_lowercase());
        let line = match (class, undo_of(op)) {
            (Class::Disruptive, Some(u)) => format!(
                "DISRUPTIVE: {} {} {what}; it takes effect at once (undo: {} {}).",
                op.method, op.path, u.method, u.path
            ),
            (Class::Disruptive, None) => format!(
                "DISRUPTIVE: {} {} {what}; it takes effect at once.",
                op.method, op.path
            ),
            _ => format!("IRREVERSIBLE: {} {} {what}.", op.method, op.path),
        };
        out.push(line);
    }
    let metadata_fields: Vec<&str> = ["public_metadata", "private_metadata", "unsafe_metadata"]
        .into_iter()
        .filter(|f| op.body.is_some_and(|b| b.field(f).is_some()))
        .collect();
    if op.method != Method::Get && (!metadata_fields.is_empty() || op.path.ends_with("/metadata")) {
        let used: Vec<&str> = match body.and_then(|b| b.as_object()) {
            Some(m) => metadata_fields
                .iter()
                .copied()
                .filter(|f| m.contains_key(*f))
                .collect(),
            None => Vec::new(),
        };
        if op.path.ends_with("/metadata") || !used.is_empty() {
            out.push(
                "metadata: public = readable by client and server, writable by the server only (plan, role, feature flags); \
                 private = server only, never sent to the client (Stripe or customer IDs, internal flags); \
                 unsafe = writable by the client itself (user preferences; never anything sensitive or trusted)."
                    .to_string(),
            );
            if let Some(advice) = body.and_then(|b| metadata_advice(b, &used)) {
                out.push(advice);
            }
            let how = if op.method == Method::Patch && op.path.ends_with("/metadata") {
                "this endpoint deep-merges: given keys are updated, others kept; set a key to null to remove it"
            } else {
                "this request REPLACES each metadata object it sets (keys not sent are lost); the PATCH …/metadata endpoints merge instead"
            };
            let which = if used.is_empty() {
                "the metadata objects in the body".to_string()
            } else {
                used.join(", ")
            };
            out.push(format!("metadata: this request writes {which}; {how}."));
        }
    }
    out
}

/// The metadata type recommended for a key: private for IDs in other systems,
/// billing and internal or secret values; public for the rest (plan, role,
/// feature flags), which the client may read but not change.
pub fn metadata_for(key: &str) -> &'static str {
    const PRIVATE: [&str; 14] = [
        "stripe",
        "customer",
        "billing",
        "internal",
        "secret",
        "token",
        "crm",
        "hubspot",
        "salesforce",
        "invoice",
        "external",
        "password",
        "api_key",
        "ssn",
    ];
    let k = key.to_ascii_lowercase();
    let id_like = k.ends_with("_id") || k.ends_with("id") && k.len() > 2 && k.contains('_');
    if id_like || PRIVATE.iter().any(|w| k.contains(w)) {
        "private_metadata"
    } else {
        "public_metadata"
    }
}

/// Where each written key goes, and a warning for a key that belongs in
/// private metadata but goes where the client can read it: "writing plan →
/// public_metadata, stripe_customer_id → public_metadata; stripe_customer_id is
/// recommended for private_metadata".
fn metadata_advice(body: &serde_json::Value, used: &[&str]) -> Option<String> {
    let mut parts = Vec::new();
    let mut exposed = Vec::new();
    for object in used {
        let Some(m) = body.get(*object).and_then(serde_json::Value::as_object) else {
            continue;
        };
        for key in m.keys() {
            parts.push(format!("{key} → {object}"));
            let best = metadata_for(key);
            if best == "private_metadata" && *object != best {
                exposed.push(key.as_str());
            }
        }
    }
    if parts.is_empty() {
        return None;
    }
    let mut line = format!("metadata: writing {}", parts.join(", "));
    if !exposed.is_empty() {
        line.push_str(&format!(
            "; {} recommended for private_metadata: the client can read what is written here (say \"private\" to put it there)",
            if exposed.len() == 1 { format!("{} is", exposed[0]) } else { format!("{} are", exposed.join(", ")) }
        ));
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;

    fn op(m: Method, p: &str) -> &'static Operation {
        catalog::latest().operation(m, p).unwrap()
    }

    #[test]
    fn secrets_are_masked() {
        let s = Secret::new("sk_test_SUPERSECRETabcd1234");
        assert_eq!(s.masked(), "sk_test_…1234");
        assert!(!format!("{s:?} {s}").contains("SUPERSECRET"));
    }

    #[test]
    fn redaction_masks_pasted_keys() {
        let r = redact("curl -H 'Authorization: Bearer sk_live_ABCDEFGHIJKLMNOP1234' /v1/userz");
        assert!(
            !r.contains("ABCDEFGHIJKLMNOP")
                && r.contains("sk_live_…1234")
                && r.contains("/v1/userz"),
            "{r}"
        );
        let r = redact("-H \"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig\"");
        assert!(!r.contains("payload"), "{r}");
        assert_eq!(redact("get user john_doe"), "get user john_doe");
    }

    #[test]
    fn secrets_are_found_in_every_position() {
        let key = "sk_live_abcdef1234567890XYZ";
        for text in [
            format!("GET /users/{key}/nope"),
            format!("https://api.clerk.com/v1/users?x={key}&y=1"),
            format!("username={key}"),
            format!(r#"{{"password":"{key}"}}"#),
            format!("whsec_{}", &key[8..]),
        ] {
            let r = redact(&text);
            assert!(!r.contains("abcdef1234567890"), "{r}");
            assert!(refuse_secret("the prompt", &text).is_err(), "{text}");
        }
        // API key and M2M token IDs share their prefix with a secret: they pass.
        assert_eq!(find_secret("revoke ak_3beecc9c mt_f7f0ba8c skip sk_"), None);
        let e = refuse_secret("the prompt", &format!("get user {key}")).unwrap_err();
        assert_eq!(e.code, crate::error::ExitCode::Usage);
        assert!(e.message.contains("sk_live_…0XYZ") && !e.message.contains("abcdef"));
    }

    #[test]
    fn dotenv_is_data() {
        let text = "# c\nexport CLERK_SECRET_KEY=\"sk_test_a\"\nOTHER=$(rm -rf /)\n";
        assert_eq!(
            dotenv_value(text, "CLERK_SECRET_KEY").as_deref(),
            Some("sk_test_a")
        );
        assert_eq!(
            dotenv_value("CLERK_SECRET_KEY=sk_x # note", "CLERK_SECRET_KEY").as_deref(),
            Some("sk_x")
        );
        assert_eq!(dotenv_value("OTHER=1", "CLERK_SECRET_KEY"), None);
    }

    #[test]
    fn keys_that_overlap_are_masked_as_one() {
        // Found by fuzz/fuzz_targets/secrets_dotenv.rs.
        for text in [
            "Bearer sk_live_abcdef1sk_test_z\u{3b5}",
            "sk_live_absk_test_cdwhsec_e1 x",
            "='whsec_ababCY='whsec_abwhsec_ab",
        ] {
            let red = redact(text);
            assert!(find_secret(&red).is_none(), "{text} -> {red}");
        }
    }

    #[test]
    fn a_dotenv_value_never_spans_a_bare_carriage_return() {
        // Found by fuzz/fuzz_targets/secrets_dotenv.rs: a lone CR (old Mac line
        // ends) kept the next line in the key, which then broke the header.
        let text = "# CLERK_SECRET_KEY=no\nCLERK_SECRET_KEY='whsec_abc'\roh\n";
        assert_eq!(
            dotenv_value(text, "CLERK_SECRET_KEY").as_deref(),
            Some("whsec_abc")
        );
        let text = "CLERK_SECRET_KEY=sk_test_a\rOTHER=1\r";
        assert_eq!(
            dotenv_value(text, "CLERK_SECRET_KEY").as_deref(),
            Some("sk_test_a")
        );
    }

    #[test]
    fn classification_is_per_operation() {
        assert_eq!(classify(op(Method::Get, "/users")), Class::Read);
        assert_eq!(classify(op(Method::Post, "/users")), Class::Write);
        assert_eq!(
            classify(op(Method::Post, "/users/{user_id}/ban")),
            Class::Disruptive
        );
        assert_eq!(classify(op(Method::Post, "/users/ban")), Class::Disruptive);
        assert_eq!(
            classify(op(Method::Post, "/users/{user_id}/lock")),
            Class::Disruptive
        );
        assert_eq!(
            classify(op(Method::Post, "/sessions/{session_id}/revoke")),
            Class::Disruptive
        );
        assert_eq!(
            classify(op(Method::Post, "/machines/{machine_id}/secret_key/rotate")),
            Class::Irreversible
        );
        assert_eq!(
            classify(op(Method::Delete, "/users/{user_id}")),
            Class::Irreversible
        );
        assert_eq!(
            classify(op(Method::Patch, "/users/{user_id}")),
            Class::Write
        );
    }

    #[test]
    fn scopes_are_exact_tokens() {
        let mut p = Policy {
            scopes: parse_scopes("read, nowrite  writes"),
            admin: false,
            assume_yes: false,
            interactive: false,
        };
        let post = op(Method::Post, "/users");
        let del = op(Method::Delete, "/users/{user_id}");
        assert_eq!(check(&p, op(Method::Get, "/users")), Ok(Decision::Send));
        let e = check(&p, post).unwrap_err();
        assert_eq!(e.code, crate::error::ExitCode::Refused);
        assert!(e.message.contains("--admin"));
        p.scopes = parse_scopes("write");
        assert_eq!(check(&p, post), Ok(Decision::Confirm));
        assert!(check(&p, del).is_err());
        p.scopes = parse_scopes("write,delete");
        assert_eq!(check(&p, del), Ok(Decision::Confirm));
        p.scopes.clear();
        p.admin = true;
        assert_eq!(check(&p, del), Ok(Decision::Confirm));
    }

    #[test]
    fn warnings_name_what_is_destroyed() {
        let w = warnings(op(Method::Delete, "/users/{user_id}"), None);
        assert!(
            w[0].starts_with("IRREVERSIBLE")
                && w[0].contains("sessions")
                && w[0].contains("memberships"),
            "{w:?}"
        );
        let w = warnings(op(Method::Delete, "/organizations/{organization_id}"), None);
        assert!(w[0].contains("invitations") && w[0].contains("domains"));
        let w = warnings(op(Method::Post, "/users/{user_id}/ban"), None);
        assert!(
            w[0].starts_with("DISRUPTIVE") && w[0].contains("bans") && w[0].contains("/unban"),
            "{w:?}"
        );
        assert_eq!(
            classify(op(
                Method::Post,
                "/users/{user_id}/password/unset_compromised"
            )),
            Class::Write
        );
        assert!(warnings(op(Method::Post, "/users"), None).is_empty());
        let w = warnings(op(Method::Patch, "/users/{user_id}/metadata"), None);
        assert!(
            w.iter().any(|l| l.contains("private = server only"))
                && w.iter().any(|l| l.contains("merge"))
        );
        let body = serde_json::json!({"private_metadata": {"plan": "pro"}});
        let w = warnings(op(Method::Put, "/users/{user_id}/metadata"), Some(&body));
        assert!(
            w.iter()
                .any(|l| l.contains("private_metadata") && l.contains("REPLACES")),
            "{w:?}"
        );
    }
}
