//! `read_endpoint` and `call_endpoint`: the request is built and validated as
//! in the CLI (`request::build`), reads are sent, and writes go through the
//! scope check and then a confirmation the model cannot give itself: the
//! person is asked through elicitation, or the first call returns a preview
//! and a one-time token bound to the exact request.

use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::tools::{effect_of, find_operation, str_arg, version_of, Outcome};
use super::{Answer, Server};
use crate::catalog::{Method, Operation};
use crate::render::response;
use crate::request::{self, BuildError, Inputs, Request};
use crate::resolve::Bound;
use crate::safety::{self, Secret};
use crate::transport::{self, Response};

/// Confirmation tokens issued and not yet used.
#[derive(Debug, Default)]
pub struct Tokens(Vec<Pending>);

#[derive(Debug)]
struct Pending {
    token: String,
    /// Method, URL and body of the request it allows.
    request: String,
    expires: Instant,
}

impl Tokens {
    /// A new token for `request`, valid for `ttl`.
    fn issue(&mut self, request: String, ttl: Duration) -> String {
        let now = Instant::now();
        self.0.retain(|p| p.expires > now);
        let token = new_token();
        self.0.push(Pending {
            token: token.clone(),
            request,
            expires: now + ttl,
        });
        token
    }

    /// Uses a token up: it must exist, be unexpired and be for exactly this
    /// request. Any attempt, right or wrong, spends it.
    fn redeem(&mut self, token: &str, request: &str) -> Result<(), &'static str> {
        let i = self
            .0
            .iter()
            .position(|p| p.token == token)
            .ok_or("the confirmation_token is unknown or was already used")?;
        let p = self.0.remove(i);
        if Instant::now() >= p.expires {
            return Err("the confirmation_token has expired");
        }
        if p.request != request {
            return Err("the request differs from the one the confirmation_token was issued for (method, URL or body changed)");
        }
        Ok(())
    }
}

/// 128 unpredictable bits: std's per-process random SipHash keys, applied to
/// the clock. The token is only ever compared with the ones held here.
fn new_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let half = |salt: u8| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.write_u8(salt);
        h.finish()
    };
    format!("ct_{:016x}{:016x}", half(1), half(2))
}

/// What a token is bound to: method, URL (query included), headers (the API
/// version among them) and body.
fn fingerprint(req: &Request) -> String {
    let body = req.body.as_ref().map(Value::to_string).unwrap_or_default();
    let headers: Vec<String> = req
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    format!("{} {}\n{}\n{body}", req.method, req.url, headers.join("\n"))
}

/// Runs `read_endpoint` (`any_method` false: GET only) or `call_endpoint`.
pub fn run(server: &mut Server, args: &Map<String, Value>, any_method: bool) -> Outcome {
    let (op, req) = match prepare(server, args) {
        Ok(x) => x,
        Err(o) => return o,
    };
    if op.method == Method::Get {
        return send(server, &req);
    }
    if !any_method {
        return Outcome::error(
            "read_endpoint sends only GET; use call_endpoint",
            json!({"sent": false}),
        );
    }
    if let Err(e) = safety::check(&server.config.policy, op) {
        return Outcome::error(&e.message, json!({"sent": false, "refused": "scope"}));
    }
    if server.config.secret.is_none() {
        return no_key(server);
    }
    let warnings = safety::warnings(op, req.body.as_ref());
    let print = fingerprint(&req);
    let token = str_arg(args, "confirmation_token");
    if !token.is_empty() {
        return match server.tokens.redeem(token, &print) {
            Ok(()) => send(server, &req),
            Err(why) => Outcome::error(
                &format!("{why}; nothing was sent"),
                json!({"sent": false, "refused": "confirmation"}),
            ),
        };
    }
    if server.elicits {
        let question = question(&req, &warnings);
        return match server.confirm(&question) {
            Ok(Answer::Yes) => send(server, &req),
            Ok(Answer::No(why)) => Outcome::error(
                &format!("not confirmed ({why}); nothing was sent"),
                json!({"sent": false, "refused": "confirmation"}),
            ),
            Err(e) => Outcome::error(
                &format!("could not ask for confirmation ({e}); nothing was sent"),
                json!({"sent": false}),
            ),
        };
    }
    let ttl = server.config.confirm_ttl;
    let token = server.tokens.issue(print, ttl);
    Outcome::ok(json!({
        "sent": false,
        "confirmation_required": true,
        "request": req.to_json(None),
        "effect": effect_of(op),
        "warnings": warnings,
        "confirmation_token": token,
        "expires_in_seconds": ttl.as_secs(),
        "next": "Show this request and its warnings to the person. Only if they agree, call call_endpoint again with the same arguments plus confirmation_token; it sends this exact request once.",
    }))
}

/// The operation and the exact request, built and validated as in the CLI
/// (`tools::call` has refused a key-shaped value in any argument already).
fn prepare(
    server: &Server,
    args: &Map<String, Value>,
) -> Result<(&'static Operation, Request), Outcome> {
    let version = version_of(server, args)?;
    let (op, cand) = find_operation(version, str_arg(args, "method"), str_arg(args, "path"), "")
        .map_err(|e| Outcome::error(&e, json!({"sent": false})))?;
    let mut bound = cand.map(|c| c.bound).unwrap_or_default();
    bind_args(op, args, &mut bound).map_err(|e| Outcome::error(&e, json!({"sent": false})))?;
    let inputs = Inputs {
        base_url: server.config.base_url.clone(),
        api_version: version.date.into(),
        body: args.get("body").cloned(),
        query: Vec::new(),
    };
    match request::build(op, &bound, &inputs) {
        Ok(req) => Ok((op, req)),
        Err(BuildError::Missing(m)) => {
            let e = BuildError::Missing(m.clone()).into_error(op);
            Err(Outcome::error(
                &e.message,
                json!({"sent": false, "missing": m}),
            ))
        }
        Err(BuildError::Invalid(e)) => Err(Outcome::error(&e.message, json!({"sent": false}))),
    }
}

/// `path_params` and `query` into the bound values.
fn bind_args(
    op: &'static Operation,
    args: &Map<String, Value>,
    bound: &mut Bound,
) -> Result<(), String> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
        _ => None,
    };
    if let Some(Value::Object(pp)) = args.get("path_params") {
        for (k, v) in pp {
            let p = op
                .path_params()
                .find(|p| p.name == k)
                .ok_or_else(|| format!("`{k}` is not a path parameter of {}", op.display()))?;
            bound.set_path(p.name, scalar(v).unwrap_or_default());
        }
    }
    match args.get("query") {
        None | Some(Value::Null) => {}
        Some(Value::Object(q)) => {
            for (k, v) in q {
                let values = match v {
                    Value::Array(a) => a.iter().map(scalar).collect::<Option<Vec<_>>>(),
                    v => scalar(v).map(|s| vec![s]),
                };
                let values = values.ok_or_else(|| {
                    format!("query `{k}` must be a string, number, boolean or an array of them")
                })?;
                bound.query.retain(|(n, _)| n != k);
                bound
                    .query
                    .extend(values.into_iter().map(|s| (k.clone(), s)));
            }
        }
        Some(_) => return Err("`query` must be an object".into()),
    }
    Ok(())
}

fn no_key(server: &Server) -> Outcome {
    let dir = server.config.dir.display();
    Outcome::error(
        &format!("CLERK_SECRET_KEY is not set in the server's environment, nor in {dir}/.env.local or .env; set it where the server is started (never in a tool argument); nothing was sent"),
        json!({"sent": false}),
    )
}

/// The question shown to the person: the request, its warnings, the default.
fn question(req: &Request, warnings: &[String]) -> String {
    let mut q = format!(
        "An AI agent asks clerk to send this request to Clerk's Backend API:\n\n{} {}\n",
        req.method, req.url
    );
    if let Some(b) = &req.body {
        q.push_str(&serde_json::to_string_pretty(b).unwrap_or_default());
        q.push('\n');
    }
    for w in warnings {
        q.push_str(&format!("\n{w}"));
    }
    q.push_str("\n\nSend it? (default: No)");
    q
}

fn send(server: &Server, req: &Request) -> Outcome {
    let Some(secret) = server.config.secret.as_ref() else {
        return no_key(server);
    };
    let mut note = |s: &str| eprintln!("clerk mcp: {}", safety::redact(s));
    match transport::send(req, secret, &server.config.net, &mut note) {
        Ok(resp) => shape(&resp, req, server.config.max_result_bytes),
        Err(e) => Outcome::error(
            &mask(&e.message, secret),
            json!({"sent": null, "note": "a network error: the request may or may not have reached the API"}),
        ),
    }
}

fn mask(text: &str, secret: &Secret) -> String {
    safety::redact(&text.replace(secret.expose(), &secret.masked()))
}

/// The API's answer for the model: status, body (cut to the size limit at an
/// item boundary), and for lists where the next page starts.
fn shape(resp: &Response, req: &Request, max: usize) -> Outcome {
    let mut v = json!({"sent": true, "status": resp.status, "request": {"method": req.method, "url": req.url}});
    match serde_json::from_slice::<Value>(&resp.body) {
        Ok(mut body) => {
            let cut = cut_items(&mut body, max);
            if let Some(p) = pagination(&body, req, cut.is_some()) {
                v["pagination"] = p;
            }
            if let Some((kept, of)) = cut {
                v["truncated"] = json!({"kept_items": kept, "of_items": of, "max_result_bytes": max,
                    "note": "the list was cut to fit the result size limit; pagination.next_offset continues after the last item kept"});
            }
            if body.to_string().len() > max {
                let text = body.to_string();
                v["body_text"] = json!(prefix(&text, max));
                v["truncated"] = json!({"bytes": text.len(), "kept_bytes": max, "note": "the body was cut to fit the result size limit"});
            } else {
                v["body"] = body;
            }
        }
        Err(_) => {
            let text = String::from_utf8_lossy(&resp.body);
            v["body_text"] = json!(prefix(&text, max));
            if text.len() > max {
                v["truncated"] = json!({"bytes": text.len(), "kept_bytes": max});
            }
        }
    }
    if resp.status >= 400 {
        let lines = response::error_lines(resp).join("; ");
        v["error"] = json!(safety::redact(&format!("HTTP {}: {lines}", resp.status)));
        return Outcome {
            value: v,
            is_error: true,
        };
    }
    Outcome::ok(v)
}

fn prefix(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn items_mut(body: &mut Value) -> Option<&mut Vec<Value>> {
    if body.is_array() {
        return body.as_array_mut();
    }
    body.get_mut("data").and_then(Value::as_array_mut)
}

/// Drops a list's last items until the body fits `max` bytes: (kept, of).
fn cut_items(body: &mut Value, max: usize) -> Option<(usize, usize)> {
    if body.to_string().len() <= max {
        return None;
    }
    let items = items_mut(body)?;
    let sizes: Vec<usize> = items.iter().map(|i| i.to_string().len() + 1).collect();
    let of = items.len();
    let all = std::mem::take(items);
    let frame = body.to_string().len();
    let mut used = frame;
    let kept = sizes.iter().take_while(|s| {
        used += **s;
        used <= max
    });
    let kept = kept.count();
    let items = items_mut(body)?;
    items.extend(all.into_iter().take(kept));
    Some((kept, of))
}

/// Where a list stands: offset and limit asked, items returned, total when
/// the API says it, whether more follow and where they start.
fn pagination(body: &Value, req: &Request, cut: bool) -> Option<Value> {
    let items = response::list_items(body)?;
    let query = |k: &str| -> Option<u64> {
        let (_, q) = req.url.split_once('?')?;
        q.split('&')
            .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('=')?.parse().ok())
    };
    let offset = query("offset").unwrap_or(0);
    let limit = query("limit");
    let seen = offset + items.len() as u64;
    let total = body.get("total_count").and_then(Value::as_u64);
    let has_more = cut
        || match total {
            Some(t) => seen < t,
            None => limit.is_some_and(|l| items.len() as u64 >= l),
        };
    Some(json!({
        "offset": offset, "limit": limit, "returned": items.len(), "total_count": total,
        "has_more": has_more, "next_offset": has_more.then_some(seen),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_spent_by_any_attempt() {
        let mut t = Tokens::default();
        let tok = t.issue("POST u\n{}".into(), Duration::from_secs(60));
        assert!(t.redeem(&tok, "POST u\n{\"x\":1}").is_err());
        assert!(
            t.redeem(&tok, "POST u\n{}").is_err(),
            "spent by the wrong attempt"
        );
        let tok = t.issue("POST u\n{}".into(), Duration::from_secs(60));
        assert_eq!(t.redeem(&tok, "POST u\n{}"), Ok(()));
        assert!(t.redeem(&tok, "POST u\n{}").is_err(), "replayed");
    }

    #[test]
    fn a_zero_ttl_token_has_expired() {
        let mut t = Tokens::default();
        let tok = t.issue("DELETE u\n".into(), Duration::ZERO);
        assert_eq!(
            t.redeem(&tok, "DELETE u\n"),
            Err("the confirmation_token has expired")
        );
    }

    #[test]
    fn tokens_differ() {
        assert_ne!(new_token(), new_token());
        assert_eq!(new_token().len(), 35);
    }

    #[test]
    fn lists_are_cut_at_an_item_boundary() {
        let mut body = json!({"data": (0..100).map(|i| json!({"id": format!("user_{i}")})).collect::<Vec<_>>(), "total_count": 100});
        let (kept, of) = cut_items(&mut body, 500).unwrap();
        assert_eq!(of, 100);
        assert!(kept > 0 && kept < 100);
        assert!(body.to_string().len() <= 500);
        assert_eq!(body["data"].as_array().unwrap().len(), kept);
        assert_eq!(
            body["data"][kept - 1]["id"],
            json!(format!("user_{}", kept - 1))
        );
        let mut small = json!([{"id": 1}]);
        assert_eq!(cut_items(&mut small, 500), None);
    }
}
