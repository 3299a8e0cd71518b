//! Invariants shared by clerk's fuzz targets. Each check panics, which
//! libFuzzer reports as a crash, when one of the product's rules breaks:
//!
//! - a bound path value stays one segment: encoded, it holds no `/`, `?` or `#`,
//!   and the built URL has exactly the template's segments;
//! - a built request never carries a secret-shaped token (it is refused);
//! - a write without scopes is refused before anyone is asked, and a declined
//!   write is refused; neither reaches the network (nothing listens at [`BASE`]
//!   either, so a send would show up as a network error, not a refusal);
//! - redacted text holds no secret;
//! - terminal output holds no control character but newline and tab;
//! - every C ABI answer is valid JSON.

use clerk::catalog::Operation;
use clerk::error::ExitCode;
use clerk::request::{self, Inputs, Request};
use clerk::resolve::{self, Candidate};
use clerk::safety::{self, Policy, Secret};
use clerk::transport::Options;
use serde_json::Value;

/// Where built requests point: a loopback port nothing listens on.
pub const BASE: &str = "http://127.0.0.1:9";

/// Resolves `prompt` and checks the binding, request and safety of its top candidates.
pub fn prompt(prompt: &str, body: Option<&Value>) {
    safe_text(prompt);
    let Ok(res) = resolve::resolve(prompt, None) else {
        return;
    };
    for c in res.candidates.iter().take(3) {
        candidate(c, res.version.date, body);
    }
}

fn candidate(c: &Candidate, version: &str, body: Option<&Value>) {
    for (name, v) in &c.bound.path {
        let enc = request::encode_segment(v);
        assert!(
            !enc.contains(['/', '?', '#']),
            "{name}={v:?} encodes to {enc:?}"
        );
    }
    let inputs = Inputs {
        base_url: BASE.into(),
        api_version: version.into(),
        body: body.cloned(),
        query: vec![],
    };
    let Ok(req) = request::build(c.operation, &c.bound, &inputs) else {
        return;
    };
    url_is_the_template(c.operation, &req);
    let sent = format!(
        "{} {}",
        req.url,
        req.body.as_ref().map(Value::to_string).unwrap_or_default()
    );
    assert!(
        safety::find_secret(&sent).is_none(),
        "a secret would be sent: {sent}"
    );
    if c.operation.method.is_write() {
        refused_writes_send_nothing(&req);
    }
}

/// The URL is the base, then the template's segments with only path values
/// substituted (one segment each), then an optional query; no fragment.
fn url_is_the_template(op: &Operation, req: &Request) {
    let rest = req
        .url
        .strip_prefix(BASE)
        .unwrap_or_else(|| panic!("{} left the base URL", req.url));
    assert!(!rest.contains('#'), "a fragment in {}", req.url);
    let path = rest.split('?').next().unwrap_or("");
    let got: Vec<&str> = path.split('/').collect();
    let want: Vec<&str> = op.path.split('/').collect();
    assert_eq!(got.len(), want.len(), "{} for {}", req.url, op.path);
    for (g, w) in got.iter().zip(&want) {
        assert!(w.starts_with('{') || g == w, "{} for {}", req.url, op.path);
    }
}

fn refused_writes_send_nothing(req: &Request) {
    let none = Policy {
        scopes: vec![],
        admin: false,
        assume_yes: false,
        interactive: false,
    };
    let (e, asked) = attempt(req, &none, true);
    assert_eq!(e.code, ExitCode::Refused, "{}", e.message);
    assert_eq!(asked, 0, "asked to confirm a write the scopes refuse");
    let scoped = Policy {
        scopes: vec!["write".into(), "delete".into()],
        ..none
    };
    let (e, asked) = attempt(req, &scoped, false);
    assert_eq!(e.code, ExitCode::Refused, "{}", e.message);
    assert_eq!(asked, 1, "a write was not confirmed");
}

/// Executes under `policy`, answering every confirmation with `answer`;
/// returns the error (a success means it was sent) and how often it asked.
fn attempt(req: &Request, policy: &Policy, answer: bool) -> (clerk::error::Error, usize) {
    let secret = Secret::new("sk_test_fuzzFUZZfuzz0000");
    let opts = Options {
        retries: 0,
        ..Options::default()
    };
    let mut asked = 0;
    let r = clerk::execute(
        req,
        &secret,
        policy,
        &mut |_| {
            asked += 1;
            answer
        },
        &opts,
        &mut |_| {},
    );
    (r.expect_err("a refused write was sent"), asked)
}

/// Redaction leaves no secret-shaped token, and a found one is really there.
pub fn safe_text(text: &str) {
    let red = safety::redact(text);
    assert!(
        safety::find_secret(&red).is_none(),
        "redact left a secret: {red}"
    );
    if let Some(r) = safety::find_secret(text) {
        assert!(text.get(r).is_some(), "find_secret off a char boundary");
    }
}

/// Text meant for a terminal holds no control character but `\n` and `\t`.
pub fn terminal_safe(what: &str, text: &str) {
    if let Some(c) = text
        .chars()
        .find(|c| c.is_control() && *c != '\n' && *c != '\t')
    {
        panic!("{what}: control character {c:?} in {text:?}");
    }
}

/// Splits fuzz input into at most `n` strings at NUL bytes (lossy UTF-8).
pub fn fields(data: &[u8], n: usize) -> Vec<String> {
    data.splitn(n, |b| *b == 0)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}
