//! Request building: a resolved operation and the prompt's values become an
//! exact HTTP request, validated against the operation's schema. Nothing here
//! sends anything; `--dry-run`, `--curl` and the C ABI use it as it is.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::catalog::{Body, Field, Method, Operation, Param};
use crate::error::Error;
use crate::resolve::Bound;
use crate::safety::Secret;

/// Clerk's Backend API.
pub const DEFAULT_BASE_URL: &str = "https://api.clerk.com/v1";

/// An exact request, ready to send. The Authorization header is not stored:
/// the transport adds it from a [`Secret`] at the last moment.
#[derive(Debug, Clone, Serialize)]
pub struct Request {
    /// HTTP method.
    pub method: Method,
    /// Full URL, query string included.
    pub url: String,
    /// Headers other than Authorization.
    pub headers: Vec<(String, String)>,
    /// JSON body, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    #[serde(skip)]
    /// The operation it was built for (not serialized).
    pub operation: Option<&'static Operation>,
}

/// What the caller adds to the prompt's values.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// API base URL (validated by [`base_url`]).
    pub base_url: String,
    /// Sent as `Clerk-API-Version`.
    pub api_version: String,
    /// A body from `-d`, `--file` or stdin; prompt items override its fields.
    pub body: Option<Value>,
    /// Extra query pairs (`--limit`, `--offset`); they override the prompt's.
    pub query: Vec<(String, String)>,
}

/// A required value nobody gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// Parameter or field name.
    pub name: String,
    /// `path`, `query` or `body`.
    pub location: &'static str,
    #[serde(rename = "type")]
    /// Its type, as in the catalog.
    pub ty: String,
    /// Its description, to help whoever supplies it.
    pub description: String,
}

/// Why a request could not be built.
#[derive(Debug, Clone)]
pub enum BuildError {
    /// Required values are missing (the CLI may ask for them on a terminal).
    Missing(Vec<Missing>),
    /// Invalid input (exit 2).
    Invalid(Error),
}

impl From<Error> for BuildError {
    fn from(e: Error) -> Self {
        BuildError::Invalid(e)
    }
}

impl BuildError {
    /// One line for the user.
    pub fn into_error(self, op: &Operation) -> Error {
        match self {
            BuildError::Invalid(e) => e,
            BuildError::Missing(m) => {
                let list: Vec<String> = m
                    .iter()
                    .map(|m| format!("{} ({} {})", m.name, m.location, m.ty))
                    .collect();
                Error::usage(format!(
                    "{} {} needs {}; nothing was sent",
                    op.method,
                    op.path,
                    list.join(", ")
                ))
            }
        }
    }
}

/// The API base URL: the flag, else `CLERK_API_URL`, else Clerk's. Must be
/// https, except plain http to a loopback host (tests, local proxies).
pub fn base_url(flag: Option<&str>) -> Result<String, Error> {
    let env = std::env::var("CLERK_API_URL")
        .ok()
        .filter(|s| !s.trim().is_empty());
    let url = flag
        .map(str::to_string)
        .or(env)
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
    let url = url.trim().trim_end_matches('/').to_string();
    if url.contains(['?', '#']) {
        return Err(Error::usage(format!(
            "API URL `{url}` must not have a query or fragment"
        )));
    }
    check_url(&url)?;
    Ok(url)
}

/// The host an HTTP client will connect to, parsed the way the client parses
/// it (so `http://localhost:80@evil.com` is `evil.com`, not localhost).
fn url_host(url: &str) -> Option<(String, String)> {
    let uri: ureq::http::Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let host = uri
        .host()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    Some((scheme, host))
}

/// The rule every request URL must pass: https to a named host, or plain http
/// to a loopback host; never credentials in the URL. Checked when the base URL
/// is chosen and again by the transport before anything is sent.
pub fn check_url(url: &str) -> Result<(), Error> {
    let authority = url
        .split_once("://")
        .map(|(_, r)| r.split('/').next().unwrap_or(""))
        .unwrap_or("");
    if authority.contains('@') {
        return Err(Error::usage(format!(
            "API URL `{url}` must not contain credentials (`user@host`)"
        )));
    }
    match url_host(url) {
        Some((scheme, host)) if scheme == "https" && !host.is_empty() => Ok(()),
        Some((scheme, host)) if scheme == "http" && is_loopback(&host) => Ok(()),
        Some((scheme, _)) if scheme == "http" => Err(Error::usage(format!(
            "API URL `{url}`: plain http is only allowed for loopback hosts (127.0.0.1, localhost, [::1]); use https"
        ))),
        _ => Err(Error::usage(format!("API URL `{url}` must be an https:// URL"))),
    }
}

/// True when the URL's host (as the client parses it) is 127.0.0.0/8, localhost or `[::1]`.
pub fn is_loopback_url(url: &str) -> bool {
    url_host(url).is_some_and(|(_, h)| is_loopback(&h))
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Percent-encodes a value as ONE path segment: everything but unreserved
/// characters, and `.`/`..` as a whole, so no value can reach another endpoint.
pub fn encode_segment(v: &str) -> String {
    if v == "." || v == ".." {
        return v.replace('.', "%2E");
    }
    encode(v)
}

/// Percent-encodes everything outside RFC 3986's unreserved set.
pub fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A secret key is never a value: every path, query and body value (nested
/// strings and keys too) is checked before anything is built.
fn no_secret_in(bound: &Bound, inputs: &Inputs) -> Result<(), Error> {
    fn value(v: &Value) -> Result<(), Error> {
        match v {
            Value::String(s) => crate::safety::refuse_secret("a body value", s),
            Value::Array(a) => a.iter().try_for_each(value),
            Value::Object(m) => fields(m),
            _ => Ok(()),
        }
    }
    fn fields(m: &Map<String, Value>) -> Result<(), Error> {
        m.iter().try_for_each(|(k, v)| {
            crate::safety::refuse_secret("a body field name", k)?;
            value(v)
        })
    }
    let pairs = bound.path.iter().map(|(k, v)| (*k, v.as_str()));
    let query = bound.query.iter().chain(&inputs.query);
    for (k, v) in pairs.chain(query.map(|(k, v)| (k.as_str(), v.as_str()))) {
        crate::safety::refuse_secret(&format!("the value of `{k}`"), v)?;
    }
    fields(&bound.body)?;
    bound.items.iter().try_for_each(fields)?;
    inputs.body.as_ref().map_or(Ok(()), value)?;
    crate::safety::refuse_secret("the API URL", &inputs.base_url)
}

/// Builds the request for `op` from the prompt's bound values and the caller's inputs.
pub fn build(
    op: &'static Operation,
    bound: &Bound,
    inputs: &Inputs,
) -> Result<Request, BuildError> {
    no_secret_in(bound, inputs)?;
    let mut missing = Vec::new();

    // Path.
    let mut path = String::new();
    for seg in op.path.split('/').filter(|s| !s.is_empty()) {
        path.push('/');
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => match bound.path_value(name).filter(|v| !v.is_empty()) {
                Some(v) => path.push_str(&encode_segment(v)),
                None => {
                    let p = op.param(name);
                    missing.push(Missing {
                        name: name.to_string(),
                        location: "path",
                        ty: p.map(|p| p.ty).unwrap_or("string").to_string(),
                        description: p.map(|p| p.description).unwrap_or("").to_string(),
                    });
                }
            },
            None => path.push_str(seg),
        }
    }

    // Query: prompt values, then the caller's (which win), typed per the spec.
    let mut pairs: Vec<(String, String)> = Vec::new();
    let all: Vec<&(String, String)> = bound
        .query
        .iter()
        .filter(|(k, _)| !inputs.query.iter().any(|(ik, _)| ik == k))
        .chain(inputs.query.iter())
        .collect();
    let mut given: Vec<(&str, Vec<String>)> = Vec::new();
    for (k, v) in all {
        match given.iter_mut().find(|(n, _)| n == k) {
            Some((_, vals)) => vals.push(v.clone()),
            None => given.push((k.as_str(), vec![v.clone()])),
        }
    }
    for (name, vals) in &given {
        let Some(p) = op.query_params().find(|p| p.name == *name) else {
            let known: Vec<&str> = op.query_params().map(|p| p.name).collect();
            let hint = if known.is_empty() {
                "it takes none".to_string()
            } else {
                format!("known: {}", known.join(", "))
            };
            return Err(Error::usage(format!(
                "{} {} has no query parameter `{name}` ({hint})",
                op.method, op.path
            ))
            .into());
        };
        let is_array = p.ty.ends_with("[]");
        let mut values: Vec<String> = Vec::new();
        for v in vals {
            if is_array {
                values.extend(
                    v.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty()),
                );
            } else {
                values.push(v.clone());
            }
        }
        if !is_array && values.len() > 1 {
            // A scalar given twice: the last one wins (the CLI's --limit over the prompt's).
            values.drain(..values.len() - 1);
        }
        for v in &values {
            check_query_value(op, p, v)?;
            pairs.push((p.name.to_string(), v.clone()));
        }
    }
    for p in op.query_params().filter(|p| p.required) {
        if !pairs.iter().any(|(k, _)| k == p.name) {
            missing.push(Missing {
                name: p.name.to_string(),
                location: "query",
                ty: p.ty.to_string(),
                description: p.description.to_string(),
            });
        }
    }

    // Body.
    let body = match (
        op.body,
        &inputs.body,
        bound.body.is_empty() && bound.items.is_empty(),
    ) {
        (None, Some(_), _) | (None, None, false) => {
            return Err(
                Error::usage(format!("{} {} takes no request body", op.method, op.path)).into(),
            );
        }
        (None, None, true) => None,
        (Some(schema), given, _) => {
            let mut value = given.clone().unwrap_or_else(|| Value::Object(Map::new()));
            if !bound.items.is_empty() {
                if given.is_some() {
                    return Err(Error::usage(format!(
                        "{} {}: the body is given and the prompt lists values for it too; use one",
                        op.method, op.path
                    ))
                    .into());
                }
                value = Value::Array(bound.items.iter().cloned().map(Value::Object).collect());
            }
            if !bound.body.is_empty() {
                match &mut value {
                    Value::Object(m) => {
                        for (k, v) in &bound.body {
                            m.insert(k.clone(), v.clone());
                        }
                    }
                    _ => {
                        return Err(Error::usage(format!(
                            "{} {}: field items cannot be merged into a non-object body",
                            op.method, op.path
                        ))
                        .into())
                    }
                }
            }
            check_body(op, schema, &value, &mut missing)?;
            let empty = value.as_object().is_some_and(Map::is_empty);
            if empty
                && !schema.required
                && !schema.fields.iter().any(|f| f.required && f.depth == 0)
            {
                // Nothing to say: GET and DELETE send no body; writes send `{}`.
                (op.method != Method::Get && op.method != Method::Delete).then_some(value)
            } else {
                Some(value)
            }
        }
    };

    if !missing.is_empty() {
        return Err(BuildError::Missing(missing));
    }

    let mut url = format!("{}{}", inputs.base_url.trim_end_matches('/'), path);
    if !pairs.is_empty() {
        let qs: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        url.push('?');
        url.push_str(&qs.join("&"));
    }
    let mut headers = vec![
        ("Accept".to_string(), "application/json".to_string()),
        (
            "User-Agent".to_string(),
            format!("clerk/{}", env!("CARGO_PKG_VERSION")),
        ),
        ("Clerk-API-Version".to_string(), inputs.api_version.clone()),
    ];
    if body.is_some() {
        let ct = op
            .body
            .map(|b| b.content_type)
            .filter(|c| c.starts_with("multipart/"))
            .unwrap_or("application/json");
        headers.push(("Content-Type".to_string(), ct.to_string()));
    }
    Ok(Request {
        method: op.method,
        url,
        headers,
        body,
        operation: Some(op),
    })
}

fn check_query_value(op: &Operation, p: &Param, v: &str) -> Result<(), Error> {
    let scalar = p.ty.trim_end_matches("[]");
    let bad = |what: &str| {
        Error::usage(format!(
            "{} {}: query parameter `{}` must be {what}, got `{v}`",
            op.method, op.path, p.name
        ))
    };
    match scalar {
        "integer" if v.parse::<i64>().is_err() => return Err(bad("an integer")),
        "number" if v.parse::<f64>().is_err() => return Err(bad("a number")),
        "boolean" if v != "true" && v != "false" => return Err(bad("true or false")),
        _ => {}
    }
    if !p.enum_values.is_empty() && !p.enum_values.contains(&v) {
        return Err(bad(&format!("one of {}", p.enum_values.join(", "))));
    }
    Ok(())
}

/// Checks a body against the catalog's flattened schema, at every depth:
/// unknown fields where an object is closed, required fields, JSON types
/// (array items included) and enums. Objects the spec leaves open
/// (metadata) take any keys. A missing top-level field is reported as
/// [`Missing`] (it can be asked for); anything wrong deeper is an error.
fn check_body(
    op: &Operation,
    schema: &Body,
    value: &Value,
    missing: &mut Vec<Missing>,
) -> Result<(), Error> {
    let what = format!("{} {}", op.method, op.path);
    let ctx = Shape {
        what: &what,
        fields: schema.fields,
    };
    if schema.ty.ends_with("[]") {
        let Some(items) = value.as_array() else {
            return Err(Error::usage(format!(
                "{what}: the body must be a JSON array, one object per item: list the values in the prompt with one shared role (\"a@x.com, b@y.com and c@z.com as admin\"), or give the array with -d or --file"
            )));
        };
        for (i, item) in items.iter().enumerate() {
            ctx.object("[]", &format!("[{i}]"), schema.open, item)?;
        }
        return Ok(());
    }
    let Some(obj) = value.as_object() else {
        return Err(Error::usage(format!(
            "{what}: the body must be a JSON object"
        )));
    };
    ctx.closed_keys("", "", schema.open, obj)?;
    // oneOf/anyOf bodies: one alternative's required fields must all be there.
    if !schema.required_any.is_empty()
        && !schema
            .required_any
            .iter()
            .any(|set| set.iter().all(|k| obj.contains_key(*k)))
    {
        let options: Vec<String> = schema
            .required_any
            .iter()
            .map(|set| set.join(" + "))
            .collect();
        missing.push(Missing {
            name: options.join(" or "),
            location: "body",
            ty: "one of the alternatives".into(),
            description: String::new(),
        });
    }
    let multipart = schema.content_type.starts_with("multipart/");
    for f in schema.top_fields() {
        if multipart && f.format == Some("binary") && file_part(&what, f, obj.get(f.path))? {
            continue;
        }
        match obj.get(f.path) {
            None if f.required => missing.push(Missing {
                name: f.path.to_string(),
                location: "body",
                ty: f.ty.to_string(),
                description: f.description.to_string(),
            }),
            None => {}
            Some(v) => ctx.field(f, f.path, v)?,
        }
    }
    Ok(())
}

/// A multipart file field: `@path` must name a readable file. True when the
/// value is such a reference (and so needs no further checks).
fn file_part(what: &str, f: &Field, v: Option<&Value>) -> Result<bool, Error> {
    match v.and_then(Value::as_str) {
        Some(v) if v.starts_with('@') => {
            let path = &v[1..];
            if std::path::Path::new(path).is_file() {
                Ok(true)
            } else {
                Err(Error::usage(format!(
                    "{what}: cannot read the file `{path}` for `{}`",
                    f.path
                )))
            }
        }
        Some(_) => Err(Error::usage(format!(
            "{what}: `{}` is a file upload: give it as {}=@path",
            f.path, f.path
        ))),
        None => Ok(false),
    }
}

/// The flattened fields of one body, walked alongside a value.
/// Schema paths look like `a.b` and `a[].b`; the paths in messages name the
/// value's own place (`a[2].b`).
struct Shape<'a> {
    what: &'a str,
    fields: &'static [Field],
}

impl Shape<'_> {
    /// The fields directly inside the object at schema path `prefix`.
    fn children<'f>(&self, prefix: &'f str) -> impl Iterator<Item = &'static Field> + 'f {
        self.fields.iter().filter(move |f| match prefix {
            "" => f.depth == 0,
            _ => f
                .path
                .strip_prefix(prefix)
                .and_then(|r| r.strip_prefix('.'))
                .is_some_and(|name| !name.contains('.')),
        })
    }

    fn name(f: &Field) -> &'static str {
        f.path.rsplit('.').next().unwrap_or(f.path)
    }

    fn join(at: &str, name: &str) -> String {
        if at.is_empty() {
            name.to_string()
        } else {
            format!("{at}.{name}")
        }
    }

    /// Refuses keys a closed object does not list.
    fn closed_keys(
        &self,
        prefix: &str,
        at: &str,
        open: bool,
        obj: &Map<String, Value>,
    ) -> Result<(), Error> {
        let known: Vec<&str> = self.children(prefix).map(Self::name).collect();
        if open || known.is_empty() {
            return Ok(());
        }
        match obj.keys().find(|k| !known.contains(&k.as_str())) {
            None => Ok(()),
            Some(k) => Err(Error::usage(format!(
                "{}: unknown body field `{}` (known: {})",
                self.what,
                Self::join(at, k),
                known.join(", ")
            ))),
        }
    }

    /// A nested object: closed keys, required fields, and each field's value.
    fn object(&self, prefix: &str, at: &str, open: bool, v: &Value) -> Result<(), Error> {
        let Some(obj) = v.as_object() else {
            return Err(Error::usage(format!(
                "{}: body field `{at}` must be an object, got {}",
                self.what,
                short(v)
            )));
        };
        self.closed_keys(prefix, at, open, obj)?;
        for f in self.children(prefix) {
            let place = Self::join(at, Self::name(f));
            match obj.get(Self::name(f)) {
                None if f.required => {
                    return Err(Error::usage(format!(
                        "{}: body field `{place}` is required ({})",
                        self.what, f.ty
                    )))
                }
                None => {}
                Some(v) => self.field(f, &place, v)?,
            }
        }
        Ok(())
    }

    /// One field's value: its type and enum, then whatever it holds.
    fn field(&self, f: &Field, at: &str, v: &Value) -> Result<(), Error> {
        check_type(self.what, f, at, v)?;
        let nested = |prefix: &str| self.children(prefix).next().is_some() || !f.open;
        match v {
            Value::Object(_) if nested(f.path) => self.object(f.path, at, f.open, v),
            Value::Array(items) => {
                let prefix = format!("{}[]", f.path);
                if !nested(&prefix) {
                    return Ok(());
                }
                for (i, item) in items.iter().enumerate() {
                    self.object(&prefix, &format!("{at}[{i}]"), f.open, item)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Splits a short type at its top-level `|` (`(string | object)[]` stays whole).
fn alternatives(ty: &str) -> Vec<&str> {
    let (mut out, mut depth, mut from) = (Vec::new(), 0i32, 0);
    for (i, c) in ty.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '|' if depth == 0 => {
                out.push(ty[from..i].trim());
                from = i + 1;
            }
            _ => {}
        }
    }
    out.push(ty[from..].trim());
    out
}

/// Does `v` have the short type `ty` (`string`, `integer[]`, `(string | object)[]`)?
fn fits(ty: &str, v: &Value) -> bool {
    if let Some(item) = ty.strip_suffix("[]") {
        let item = item
            .strip_prefix('(')
            .and_then(|t| t.strip_suffix(')'))
            .unwrap_or(item);
        return v.as_array().is_some_and(|a| {
            a.iter()
                .all(|e| alternatives(item).iter().any(|t| fits(t, e)))
        });
    }
    match ty {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        _ => true,
    }
}

fn check_type(what: &str, f: &Field, at: &str, v: &Value) -> Result<(), Error> {
    if v.is_null() {
        return if f.nullable || !f.required {
            Ok(())
        } else {
            Err(Error::usage(format!(
                "{what}: body field `{at}` cannot be null"
            )))
        };
    }
    if !alternatives(f.ty).iter().any(|t| fits(t, v)) {
        let wrong = v.as_array().and_then(|a| {
            a.iter()
                .position(|e| !fits(f.ty, &Value::Array(vec![e.clone()])))
        });
        let (place, got) = match wrong {
            Some(i) => (format!("{at}[{i}]"), short(&v[i])),
            None => (at.to_string(), short(v)),
        };
        return Err(Error::usage(format!(
            "{what}: body field `{place}` must be {}, got {got}",
            if wrong.is_some() {
                f.ty.trim_end_matches("[]")
            } else {
                f.ty
            }
        )));
    }
    let strings: Vec<&str> = match v {
        Value::String(s) => vec![s],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if f.enum_values.is_empty() {
        return Ok(());
    }
    match strings.iter().find(|s| !f.enum_values.contains(s)) {
        None => Ok(()),
        Some(s) => Err(Error::usage(format!(
            "{what}: body field `{at}` must be one of {}, got `{s}`",
            f.enum_values.join(", ")
        ))),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 40 {
        format!(
            "{}…",
            &s[..s.char_indices().nth(39).map(|(i, _)| i).unwrap_or(s.len())]
        )
    } else {
        s
    }
}

/// Encodes a JSON object as multipart/form-data: `"@path"` strings are file
/// parts read from disk, everything else a text part. Returns the
/// Content-Type (with its boundary) and the bytes.
pub fn multipart(body: &Value) -> Result<(String, Vec<u8>), Error> {
    let obj = body
        .as_object()
        .ok_or_else(|| Error::usage("a multipart body must be an object"))?;
    let boundary = format!(
        "clerk-{:016x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
    );
    let mut out = Vec::new();
    for (k, v) in obj {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match v.as_str().and_then(|s| s.strip_prefix('@')) {
            Some(path) => {
                let bytes = std::fs::read(path)
                    .map_err(|e| Error::usage(format!("cannot read {path}: {e}")))?;
                let name = std::path::Path::new(path)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("file");
                let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
                let mime = match ext.as_str() {
                    "png" => "image/png",
                    "jpg" | "jpeg" => "image/jpeg",
                    "gif" => "image/gif",
                    "webp" => "image/webp",
                    "svg" => "image/svg+xml",
                    _ => "application/octet-stream",
                };
                out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n").as_bytes(),
                );
                out.extend_from_slice(&bytes);
            }
            None => {
                let text = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{k}\"\r\n\r\n{text}")
                        .as_bytes(),
                );
            }
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok((format!("multipart/form-data; boundary={boundary}"), out))
}

impl Request {
    /// The exact request as text, key masked: method and URL, headers, blank line, body.
    pub fn display(&self, secret: Option<&Secret>) -> String {
        let mut out = format!("{} {}\n", self.method, self.url);
        let auth = match secret {
            Some(s) => format!("Bearer {}", s.masked()),
            None => "Bearer <CLERK_SECRET_KEY>".to_string(),
        };
        out.push_str(&format!("Authorization: {auth}\n"));
        for (k, v) in &self.headers {
            out.push_str(&format!("{k}: {v}\n"));
        }
        if let Some(b) = &self.body {
            out.push('\n');
            out.push_str(&serde_json::to_string_pretty(b).unwrap_or_default());
            out.push('\n');
        }
        out
    }

    /// The request as JSON (for `--dry-run --json` and the C ABI), key masked.
    pub fn to_json(&self, secret: Option<&Secret>) -> Value {
        let mut headers = Map::new();
        headers.insert(
            "Authorization".into(),
            Value::String(match secret {
                Some(s) => format!("Bearer {}", s.masked()),
                None => "Bearer <CLERK_SECRET_KEY>".into(),
            }),
        );
        for (k, v) in &self.headers {
            headers.insert(k.clone(), Value::String(v.clone()));
        }
        serde_json::json!({"method": self.method, "url": self.url, "headers": headers, "body": self.body})
    }

    /// An equivalent curl command that reads the key from `$CLERK_SECRET_KEY`.
    pub fn curl(&self) -> String {
        let q = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
        let mut parts = vec![
            "curl".to_string(),
            "-X".into(),
            self.method.to_string(),
            q(&self.url),
        ];
        parts.push("-H".into());
        parts.push("\"Authorization: Bearer $CLERK_SECRET_KEY\"".into());
        for (k, v) in &self.headers {
            parts.push("-H".into());
            parts.push(q(&format!("{k}: {v}")));
        }
        if let Some(b) = &self.body {
            parts.push("--data".into());
            parts.push(q(&b.to_string()));
        }
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;

    fn inputs() -> Inputs {
        Inputs {
            base_url: "https://api.clerk.com/v1".into(),
            api_version: "2026-05-12".into(),
            ..Inputs::default()
        }
    }

    fn op(m: Method, p: &str) -> &'static Operation {
        catalog::latest().operation(m, p).unwrap()
    }

    #[test]
    fn path_values_stay_one_segment() {
        for (v, enc) in [
            ("../instance", "..%2Finstance"),
            ("a/b?c#d", "a%2Fb%3Fc%23d"),
            ("..", "%2E%2E"),
            ("user_1", "user_1"),
        ] {
            let b = Bound {
                path: vec![("user_id", v.into())],
                ..Bound::default()
            };
            let r = build(op(Method::Get, "/users/{user_id}"), &b, &inputs()).unwrap();
            assert_eq!(r.url, format!("https://api.clerk.com/v1/users/{enc}"));
        }
    }

    #[test]
    fn missing_path_param_is_reported_not_sent() {
        let e = build(
            op(Method::Delete, "/users/{user_id}"),
            &Bound::default(),
            &inputs(),
        )
        .unwrap_err();
        assert!(matches!(e, BuildError::Missing(m) if m[0].name == "user_id"));
    }

    #[test]
    fn query_is_typed_and_arrays_repeat() {
        let b = Bound {
            query: vec![
                ("email_address".into(), "a@x.io,b@x.io".into()),
                ("limit".into(), "5".into()),
            ],
            ..Bound::default()
        };
        let r = build(op(Method::Get, "/users"), &b, &inputs()).unwrap();
        assert!(
            r.url
                .ends_with("?email_address=a%40x.io&email_address=b%40x.io&limit=5"),
            "{}",
            r.url
        );
        let bad = Bound {
            query: vec![("limit".into(), "abc".into())],
            ..Bound::default()
        };
        assert!(matches!(
            build(op(Method::Get, "/users"), &bad, &inputs()),
            Err(BuildError::Invalid(_))
        ));
        let unknown = Bound {
            query: vec![("nope".into(), "1".into())],
            ..Bound::default()
        };
        assert!(matches!(
            build(op(Method::Get, "/users"), &unknown, &inputs()),
            Err(BuildError::Invalid(_))
        ));
    }

    #[test]
    fn body_is_checked() {
        let post = op(Method::Post, "/organizations");
        assert!(
            matches!(build(post, &Bound::default(), &inputs()), Err(BuildError::Missing(m)) if m[0].name == "name")
        );
        let mut b = Bound::default();
        b.body.insert("name".into(), Value::String("Acme".into()));
        let r = build(post, &b, &inputs()).unwrap();
        assert_eq!(r.body.unwrap()["name"], "Acme");
        b.body.insert(
            "max_allowed_memberships".into(),
            Value::String("five".into()),
        );
        assert!(matches!(
            build(post, &b, &inputs()),
            Err(BuildError::Invalid(_))
        ));
        b.body
            .insert("max_allowed_memberships".into(), Value::from(5));
        assert!(build(post, &b, &inputs()).is_ok());
    }

    #[test]
    fn nested_body_values_are_checked_and_open_objects_stay_open() {
        let body = |op: &'static Operation, json: &str| {
            let mut b = Bound::default();
            let v: Value = serde_json::from_str(json).unwrap();
            b.body = v.as_object().unwrap().clone();
            build(op, &b, &inputs())
        };
        let refused = |r: Result<Request, BuildError>| match r {
            Err(BuildError::Invalid(e)) => e.to_string(),
            other => panic!("not refused: {other:?}"),
        };
        let users = op(Method::Post, "/users");
        let e = refused(body(users, r#"{"email_address":[{"x":1}]}"#));
        assert!(e.contains("`email_address[0]` must be string"), "{e}");
        let ok = body(
            users,
            r#"{"email_address":["a@b.co"],"public_metadata":{"plan":{"tier":[1]}}}"#,
        );
        assert!(ok.is_ok(), "{ok:?}");
        let saml = op(Method::Patch, "/saml_connections/{saml_connection_id}");
        let mut b = Bound::default();
        b.set_path("saml_connection_id", "samlc_1".into());
        b.body.insert(
            "attribute_mapping".into(),
            serde_json::json!({"bogus": "x"}),
        );
        let e = refused(build(saml, &b, &inputs()));
        assert!(
            e.contains("unknown body field `attribute_mapping.bogus`"),
            "{e}"
        );
        b.body.insert(
            "attribute_mapping".into(),
            serde_json::json!({"first_name": 7}),
        );
        let e = refused(build(saml, &b, &inputs()));
        assert!(
            e.contains("`attribute_mapping.first_name` must be string"),
            "{e}"
        );
        let maps = op(
            Method::Put,
            "/directories/{directory_id}/group_role_mappings",
        );
        let mut b = Bound::default();
        b.set_path("directory_id", "dir_1".into());
        b.body
            .insert("mappings".into(), serde_json::json!([{"role_id": "r"}, {}]));
        let e = refused(build(maps, &b, &inputs()));
        assert!(e.contains("`mappings[1].role_id` is required"), "{e}");
        b.body.insert(
            "mappings".into(),
            serde_json::json!([{"role_id": "r"}, "x"]),
        );
        let e = refused(build(maps, &b, &inputs()));
        assert!(e.contains("`mappings[1]` must be"), "{e}");
    }

    #[test]
    fn base_url_rules() {
        assert!(base_url(Some("https://api.clerk.com/v1")).is_ok());
        assert!(base_url(Some("http://127.0.0.1:4010")).is_ok());
        assert!(base_url(Some("http://localhost:8080/v1")).is_ok());
        assert!(base_url(Some("http://[::1]:80")).is_ok());
        assert!(base_url(Some("http://api.clerk.com/v1")).is_err());
        assert!(base_url(Some("http://127.0.0.1.evil.com")).is_err());
        assert!(base_url(Some("http://localhost:80@evil.com/v1")).is_err());
        assert!(base_url(Some("https://user:pw@api.clerk.com/v1")).is_err());
        assert!(base_url(Some("http://127.0.0.1:80/?x=@evil")).is_err());
        assert!(!is_loopback_url("http://localhost:80@evil.com/v1"));
        assert!(base_url(Some("ftp://x")).is_err());
    }

    #[test]
    fn curl_reads_the_key_from_the_environment() {
        let b = Bound {
            path: vec![("user_id", "user_1".into())],
            ..Bound::default()
        };
        let r = build(op(Method::Post, "/users/{user_id}/ban"), &b, &inputs()).unwrap();
        let c = r.curl();
        assert!(
            c.contains("$CLERK_SECRET_KEY")
                && c.contains("-X POST")
                && c.contains("/users/user_1/ban")
        );
    }
}
