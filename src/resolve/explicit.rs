//! Explicit endpoints: `GET /users`, `delete /v1/users/user_123`, full URLs
//! with query strings, and `curl -X ... https://api.clerk.com/v1/...` lines.

use serde_json::Value;

use super::Bound;
use crate::catalog::{self, Method, Operation, Version};

/// An endpoint the prompt names outright.
#[derive(Debug)]
pub struct Explicit {
    pub operation: &'static Operation,
    pub bound: Bound,
    pub notes: Vec<String>,
    /// Indices of the tokens that formed the endpoint (method, path, curl flags).
    pub used: Vec<usize>,
}

/// Why a named endpoint could not be used.
#[derive(Debug)]
pub enum Miss {
    /// The path exists, but not with this method.
    WrongMethod {
        method: Method,
        path: &'static str,
        have: Vec<Method>,
    },
    /// No such path in any embedded version.
    UnknownPath {
        path: String,
        /// The prompt named a method or was a curl line: it was meant as an endpoint.
        named: bool,
    },
}

/// Path parameter values by name, as typed.
type PathValues = Vec<(String, String)>;

/// Looks for an explicit endpoint among the raw tokens. `Ok(None)` when the
/// prompt names none.
pub fn find(tokens: &[String], version: &'static Version) -> Result<Option<Explicit>, Miss> {
    let curl = tokens.first().is_some_and(|t| t == "curl");
    let Some(pi) = tokens.iter().enumerate().position(|(i, t)| {
        let after_method = i > 0 && Method::parse(&tokens[i - 1]).is_some();
        looks_like_path(t) && (t.starts_with('/') || after_method || curl || is_api_url(t))
    }) else {
        return Ok(None);
    };
    let mut used = vec![pi];
    let mut method = None;
    let mut body: Option<Value> = None;
    if pi > 0 {
        if let Some(m) = Method::parse(&tokens[pi - 1]) {
            method = Some(m);
            used.push(pi - 1);
        }
    }
    // curl flags anywhere in the prompt.
    if curl {
        used.push(0);
        let mut i = 1;
        while i < tokens.len() {
            let t = tokens[i].as_str();
            let next = tokens.get(i + 1);
            match t {
                "-X" | "--request" => {
                    if let Some(m) = next.and_then(|n| Method::parse(n)) {
                        method = Some(m);
                    }
                    used.extend([i, i + 1]);
                    i += 1;
                }
                "-d" | "--data" | "--data-raw" | "--json" => {
                    body = next.and_then(|n| serde_json::from_str(n).ok());
                    used.extend([i, i + 1]);
                    if method.is_none() {
                        method = Some(Method::Post);
                    }
                    i += 1;
                }
                "-H" | "--header" | "-u" | "--user" => {
                    used.extend([i, i + 1]);
                    i += 1;
                }
                _ if t.starts_with('-') => used.push(i),
                _ => {}
            }
            i += 1;
        }
    }

    let (path, query) = split_url(&tokens[pi]);
    let (op_path, path_values, note) = match match_template(version, &path) {
        Some((tpl, values)) => (tpl, values, None),
        None => match other_version(version, &path, method) {
            Some((op, values, from)) => (
                op.path,
                values,
                Some(format!(
                    "{path} is from version {from}; using its {} equivalent {}",
                    version.date,
                    op.display()
                )),
            ),
            None => {
                return Err(Miss::UnknownPath {
                    path,
                    named: method.is_some() || curl,
                })
            }
        },
    };
    let methods: Vec<Method> = version
        .operations()
        .iter()
        .filter(|o| o.path == op_path)
        .map(|o| o.method)
        .collect();
    let method = match method {
        Some(m) => m,
        None if methods.contains(&Method::Get) => Method::Get,
        None if methods.len() == 1 => methods[0],
        None => {
            return Err(Miss::WrongMethod {
                method: Method::Get,
                path: op_path,
                have: methods,
            })
        }
    };
    let Some(operation) = version.operation(method, op_path) else {
        return Err(Miss::WrongMethod {
            method,
            path: op_path,
            have: methods,
        });
    };
    let mut bound = Bound::default();
    for (name, value) in path_values {
        if let Some(p) = operation.path_params().find(|p| p.name == name) {
            bound.path.push((p.name, value));
        }
    }
    bound.query = query;
    if let Some(Value::Object(map)) = body {
        bound.body = map;
    }
    let mut notes = Vec::new();
    notes.extend(note);
    used.sort_unstable();
    used.dedup();
    Ok(Some(Explicit {
        operation,
        bound,
        notes,
        used,
    }))
}

/// A URL of Clerk's API (any other URL in a prompt is a value, e.g. a proxy URL).
fn is_api_url(t: &str) -> bool {
    let rest = t.split_once("://").map(|(_, r)| r).unwrap_or(t);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    // api.clerk.com (or a staging api.*clerk* host); `clerk.<domain>` is a
    // Frontend API host, a value rather than an endpoint.
    let host = host.to_ascii_lowercase();
    (host.starts_with("api.") && host.contains("clerk")) || path.starts_with("v1/") || path == "v1"
}

fn looks_like_path(t: &str) -> bool {
    (t.starts_with('/') && t.len() > 1 && t.as_bytes()[1] != b'/')
        || t.starts_with("https://")
        || t.starts_with("http://")
}

/// Splits a path or URL into (path without `/v1`, decoded query pairs).
pub fn split_url(raw: &str) -> (String, Vec<(String, String)>) {
    let mut s = raw;
    if let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    {
        s = rest.find('/').map(|i| &rest[i..]).unwrap_or("/");
    }
    let s = s.split('#').next().unwrap_or("");
    let (path, qs) = s.split_once('?').unwrap_or((s, ""));
    // Prose punctuation after a path (`POST /users/{user_id}/ban: any body?`).
    let mut path = path.trim_end_matches(['/', ':', ',', ';']).to_string();
    if path == "/v1" {
        path = "/".into();
    } else if let Some(rest) = path.strip_prefix("/v1/") {
        path = format!("/{rest}");
    }
    if path.is_empty() {
        path = "/".into();
    }
    let query = qs
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect();
    (path, query)
}

/// Decodes `%XX` (two hex digits, nothing else); `+` is a space only in query strings.
fn percent_decode(s: &str, query: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = (b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit())
                    .then(|| {
                        u8::from_str_radix(
                            std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("00"),
                            16,
                        )
                        .ok()
                    })
                    .flatten();
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' if query => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Matches a concrete path against the version's templates. Literal segments
/// must be equal; `{param}` segments take any value. The template with the
/// most literal matches wins (`/users/count` beats `/users/{user_id}`).
pub fn match_template(
    version: &Version,
    path: &str,
) -> Option<(&'static str, Vec<(String, String)>)> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut best: Option<(usize, &'static str, PathValues)> = None;
    for (path, tsegs) in super::facts::templates(version) {
        if tsegs.len() != segs.len() {
            continue;
        }
        let mut literal = 0;
        let mut values = Vec::new();
        let mut ok = true;
        for (t, s) in tsegs.iter().zip(&segs) {
            if t.starts_with('{') && t.ends_with('}') {
                if s.starts_with('{') && s.ends_with('}') {
                    // A template segment typed by the user: fine, no value.
                    if s != t {
                        ok = false;
                        break;
                    }
                    literal += 1;
                } else {
                    values.push((t[1..t.len() - 1].to_string(), percent_decode(s, false)));
                }
            } else if t == s {
                literal += 1;
            } else {
                ok = false;
                break;
            }
        }
        if ok && best.as_ref().is_none_or(|(l, _, _)| literal > *l) {
            best = Some((literal, path, values));
        }
    }
    best.map(|(_, p, v)| (p, v))
}

/// A path that only exists in another version, mapped to this version's
/// equivalent operation (same operationId, else same SDK group/name).
fn other_version(
    version: &'static Version,
    path: &str,
    method: Option<Method>,
) -> Option<(&'static Operation, PathValues, &'static str)> {
    for other in catalog::versions()
        .iter()
        .rev()
        .filter(|v| v.date != version.date)
    {
        let Some((tpl, values)) = match_template(other, path) else {
            continue;
        };
        let ops = other
            .operations()
            .iter()
            .filter(|o| o.path == tpl && method.is_none_or(|m| o.method == m));
        for op in ops {
            let eq = version.by_operation_id(op.operation_id).or_else(|| {
                let (g, n) = (op.group?, op.name?);
                version
                    .operations()
                    .iter()
                    .find(|o| o.group == Some(g) && o.name == Some(n) && o.method == op.method)
            });
            if let Some(eq) = eq {
                // Values go to parameters of the same name only: never by position, so a
                // renamed parameter is asked for rather than filled with the wrong ID.
                let values = values
                    .into_iter()
                    .filter(|(n, _)| eq.path_params().any(|p| p.name == n))
                    .collect();
                return Some((eq, values, other.date));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        super::super::entities::split(s)
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    }

    #[test]
    fn forms() {
        let v = catalog::version("2026-05-12").unwrap();
        let e = find(&toks("DELETE /v1/users/user_123"), v)
            .unwrap()
            .unwrap();
        assert_eq!(e.operation.display(), "DELETE /users/{user_id}");
        assert_eq!(e.bound.path, vec![("user_id", "user_123".to_string())]);
        let e = find(&toks("/organizations/org_1/metadata"), v).unwrap_err();
        assert!(matches!(e, Miss::WrongMethod { .. }));
        let e = find(&toks("post /users/user_123/ban"), v).unwrap().unwrap();
        assert_eq!(e.operation.display(), "POST /users/{user_id}/ban");
        let e = find(
            &toks("https://api.clerk.com/v1/users?limit=5&email_address=a%40b.co"),
            v,
        )
        .unwrap()
        .unwrap();
        assert_eq!(e.operation.display(), "GET /users");
        assert_eq!(
            e.bound.query,
            vec![
                ("limit".into(), "5".into()),
                ("email_address".into(), "a@b.co".into())
            ]
        );
        let e = find(
            &toks(
                "curl -X DELETE https://api.clerk.com/v1/users/user_1 -H 'Authorization: Bearer x'",
            ),
            v,
        )
        .unwrap()
        .unwrap();
        assert_eq!(e.operation.display(), "DELETE /users/{user_id}");
        let e = find(&toks("GET /users/count"), v).unwrap().unwrap();
        assert_eq!(e.operation.path, "/users/count");
        assert!(find(&toks("get user bob"), v).unwrap().is_none());
    }

    #[test]
    fn renamed_paths_map_across_versions() {
        let v = catalog::version("2026-05-12").unwrap();
        // A path that only exists in an older version maps to the latest equivalent.
        for old in catalog::versions() {
            for op in old.operations() {
                if v.operations().iter().any(|o| o.path == op.path) {
                    continue;
                }
                if let Ok(Some(e)) = find(&[op.method.to_string(), op.path.to_string()], v) {
                    assert!(!e.notes.is_empty());
                    assert!(v.operations().iter().any(|o| std::ptr::eq(o, e.operation)));
                }
            }
        }
    }
}
