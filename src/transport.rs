//! Transport: send a built [`Request`] over HTTPS (ureq + rustls, no OpenSSL),
//! with timeouts and retries for idempotent methods only.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::Error;
use crate::request::Request;
use crate::safety::Secret;

/// Network settings.
#[derive(Debug, Clone)]
pub struct Options {
    /// Time allowed to connect.
    pub connect_timeout: Duration,
    /// Time allowed for the whole exchange.
    pub timeout: Duration,
    /// Retries after the first attempt (idempotent methods only).
    pub retries: u32,
    /// The most time spent waiting between attempts, all retries together. A
    /// server's `Retry-After` is honoured up to what is left of it.
    pub max_retry_wait: Duration,
}

/// The largest response body read (Clerk's biggest pages are a few MB);
/// past it the exchange stops with a network error.
pub const MAX_BODY: u64 = 32 * 1024 * 1024;

impl Default for Options {
    fn default() -> Self {
        Options {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            retries: 3,
            max_retry_wait: Duration::from_secs(30),
        }
    }
}

/// A response: status, headers, raw body.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Response headers, as received.
    pub headers: Vec<(String, String)>,
    /// Raw body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// A header's value, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

const RETRY_STATUS: &[u16] = &[429, 502, 503, 504];

/// Sends `req` with the secret in the Authorization header. GET, PUT and
/// DELETE are retried on 429/502/503/504 and connection failures, honouring
/// `Retry-After` (seconds), else exponential backoff with jitter. POST and
/// PATCH are retried only on 429: a rate-limited request was not acted on, so
/// sending it again cannot do it twice. `note` receives one line per retry
/// (stderr in the CLI).
pub fn send(
    req: &Request,
    secret: &Secret,
    opts: &Options,
    note: &mut dyn FnMut(&str),
) -> Result<Response, Error> {
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(opts.connect_timeout))
        .timeout_global(Some(opts.timeout))
        .max_redirects(0);
    // ureq reads HTTP(S)_PROXY/ALL_PROXY from the environment; a loopback API
    // (tests, a local proxy of your own) must never be sent through one.
    if crate::request::is_loopback_url(&req.url) {
        config = config.proxy(None);
    }
    let agent: ureq::Agent = config.build().into();
    // The same URL rule as at build time, so library callers cannot skip it.
    crate::request::check_url(&req.url)?;
    let retryable = req.method.is_idempotent();
    let mut attempt = 0u32;
    let mut waited = Duration::ZERO;
    loop {
        let outcome = once(&agent, req, secret);
        let left = opts.max_retry_wait.saturating_sub(waited);
        let delay = match &outcome {
            Ok(r)
                if (retryable && RETRY_STATUS.contains(&r.status) || r.status == 429)
                    && attempt < opts.retries =>
            {
                let asked = retry_after(r);
                let d = asked.unwrap_or_else(|| backoff(attempt));
                if asked.is_some_and(|a| a > left) {
                    note(&format!(
                        "the server asked to wait {} s (Retry-After); waiting at most {:.1} s more (--retry-max-time {})",
                        r.header("retry-after").unwrap_or("").trim(),
                        left.as_secs_f64(),
                        opts.max_retry_wait.as_secs()
                    ));
                }
                Some((format!("HTTP {}", r.status), d))
            }
            Err(e) if retryable && e.retryable && attempt < opts.retries => {
                Some((e.error.message.clone(), backoff(attempt)))
            }
            _ => None,
        };
        let Some((why, d)) = delay else {
            return outcome.map_err(|e| e.error).and_then(refuse_redirect);
        };
        if d > left && left.is_zero() {
            note(&format!(
                "not retrying {} {}: {why}, and {:.1} s of waiting is spent (--retry-max-time)",
                req.method,
                req.operation.map(|o| o.path).unwrap_or(""),
                waited.as_secs_f64()
            ));
            return outcome.map_err(|e| e.error);
        }
        let d = d.min(left);
        attempt += 1;
        waited += d;
        note(&format!(
            "retrying {} {} in {:.1}s ({why}; attempt {} of {})",
            req.method,
            req.operation.map(|o| o.path).unwrap_or(""),
            d.as_secs_f64(),
            attempt + 1,
            opts.retries + 1
        ));
        std::thread::sleep(d);
    }
}

/// Redirects are never followed: the key would go along to wherever they
/// point. A 3xx is reported as a network error naming the target host.
fn refuse_redirect(r: Response) -> Result<Response, Error> {
    if !(300..400).contains(&r.status) || r.status == 304 {
        return Ok(r);
    }
    let to = r
        .header("location")
        .map(|l| l.chars().take(200).collect::<String>())
        .unwrap_or_else(|| "nowhere (no Location header)".into());
    Err(Error::network(format!(
        "the server answered HTTP {} and redirects to {to}; clerk never follows redirects (the key would go along), so nothing more was sent",
        r.status
    )))
}

struct SendError {
    error: Error,
    retryable: bool,
}

fn once(agent: &ureq::Agent, req: &Request, secret: &Secret) -> Result<Response, SendError> {
    let mut builder = ureq::http::Request::builder()
        .method(req.method.as_str())
        .uri(&req.url);
    builder = builder.header("Authorization", format!("Bearer {}", secret.expose()));
    let multipart = req
        .headers
        .iter()
        .any(|(k, v)| k == "Content-Type" && v.starts_with("multipart/"));
    let body = match (&req.body, multipart) {
        (Some(b), true) => {
            let (ct, bytes) = crate::request::multipart(b).map_err(|error| SendError {
                error,
                retryable: false,
            })?;
            builder = builder.header("Content-Type", ct);
            bytes
        }
        (Some(b), false) => b.to_string().into_bytes(),
        (None, _) => Vec::new(),
    };
    for (k, v) in req
        .headers
        .iter()
        .filter(|(k, _)| !(multipart && k == "Content-Type"))
    {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let http = builder.body(body).map_err(|e| SendError {
        error: Error::usage(format!("bad request: {e}")),
        retryable: false,
    })?;
    match agent.run(http) {
        Ok(mut resp) => {
            let status = resp.status().as_u16();
            let headers = resp
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                .collect();
            let body = resp
                .body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_vec()
                .map_err(|e| classify(e, &req.url))?;
            Ok(Response {
                status,
                headers,
                body,
            })
        }
        Err(e) => Err(classify(e, &req.url)),
    }
}

/// Maps ureq errors to exit code 4 with one line; marks which are worth a retry.
/// The URL is shown, never a header.
fn classify(e: ureq::Error, url: &str) -> SendError {
    let host = url
        .split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or(url);
    let (msg, retryable) = match &e {
        ureq::Error::Timeout(t) => (format!("timed out talking to {host} ({t})"), false),
        ureq::Error::HostNotFound => (format!("cannot resolve {host}"), false),
        ureq::Error::ConnectionFailed => (format!("cannot connect to {host}"), true),
        ureq::Error::BodyExceedsLimit(n) => (
            format!(
                "the response from {host} is larger than {} MiB (at least {n} bytes); stopped reading",
                MAX_BODY / (1024 * 1024)
            ),
            false,
        ),
        ureq::Error::Io(io) => (format!("network error talking to {host}: {io}"), true),
        other => (format!("network error talking to {host}: {other}"), false),
    };
    SendError {
        error: Error::network(msg),
        retryable,
    }
}

fn retry_after(r: &Response) -> Option<Duration> {
    let v = r.header("retry-after")?.trim();
    v.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// 0.5 s, 1 s, 2 s, ... with up to 25% jitter (from the clock; no RNG needed).
fn backoff(attempt: u32) -> Duration {
    let base = 500u64.saturating_mul(1 << attempt.min(6));
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0) as u64;
    Duration::from_millis(base + nanos % (base / 4 + 1))
}
