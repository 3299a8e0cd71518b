//! Rendering API responses: raw JSON when piped or with `--json`, pretty (and
//! coloured unless NO_COLOR) on a terminal, compact tables for lists of Clerk
//! objects, and Clerk's error objects as readable lines.

use std::io::{self, Write};

use serde_json::Value;

use crate::transport::Response;

/// How to show a response.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Raw JSON exactly as received (also when stdout is not a terminal).
    pub raw: bool,
    /// ANSI colours.
    pub color: bool,
    /// Status line and headers first.
    pub include: bool,
}

/// Writes a successful (or any, with `include`) response body to `out`.
pub fn body(out: &mut dyn Write, resp: &Response, style: Style) -> io::Result<()> {
    if style.include {
        writeln!(out, "HTTP {}", resp.status)?;
        for (k, v) in &resp.headers {
            writeln!(out, "{}: {}", printable(k), printable(v))?;
        }
        writeln!(out)?;
    }
    // Not JSON (or nested past serde_json's 128 levels): as received when
    // piped, made safe to print on a terminal.
    let Ok(json) = serde_json::from_slice::<Value>(&resp.body) else {
        if style.raw {
            out.write_all(&resp.body)?;
        } else {
            let text = String::from_utf8_lossy(&resp.body);
            let safe: String = text
                .chars()
                .map(|c| {
                    if c.is_control() && c != '\n' && c != '\t' {
                        ' '
                    } else {
                        c
                    }
                })
                .collect();
            out.write_all(safe.as_bytes())?;
        }
        if !resp.body.ends_with(b"\n") && !resp.body.is_empty() {
            writeln!(out)?;
        }
        return Ok(());
    };
    if style.raw {
        return writeln!(out, "{json}");
    }
    if let Some(table) = list_table(&json) {
        return out.write_all(table.as_bytes());
    }
    let pretty = escape_controls(&serde_json::to_string_pretty(&json).unwrap_or_default());
    if style.color {
        writeln!(out, "{}", colorize(&pretty))
    } else {
        writeln!(out, "{pretty}")
    }
}

/// Pretty JSON for a terminal: serde_json escapes C0 controls; DEL and C1
/// controls (U+009B is a CSI) inside strings become `\u` escapes too.
fn escape_controls(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_control() && c != '\n' {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Text from the API, made safe for a terminal: control characters (escape
/// sequences included) become spaces.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Clerk's `{"errors":[{"message","long_message","code"}]}` as lines, else the body.
pub fn error_lines(resp: &Response) -> Vec<String> {
    let json: Option<Value> = serde_json::from_slice(&resp.body).ok();
    let mut out = Vec::new();
    if let Some(errors) = json
        .as_ref()
        .and_then(|j| j.get("errors"))
        .and_then(Value::as_array)
    {
        for e in errors {
            let code = e.get("code").and_then(Value::as_str).unwrap_or("error");
            let msg = e.get("message").and_then(Value::as_str).unwrap_or("");
            let long = e
                .get("long_message")
                .and_then(Value::as_str)
                .filter(|l| *l != msg);
            out.push(printable(&match long {
                Some(l) => format!("{code}: {msg} ({l})"),
                None => format!("{code}: {msg}"),
            }));
        }
    }
    if out.is_empty() {
        let text = String::from_utf8_lossy(&resp.body);
        let text = text.trim();
        out.push(if text.is_empty() {
            "(empty body)".to_string()
        } else {
            printable(&crate::render::truncate(text, 300))
        });
    }
    out
}

/// The items of a list response: a top-level array, or `{data: [...]}`.
pub fn list_items(json: &Value) -> Option<&Vec<Value>> {
    json.as_array()
        .or_else(|| json.get("data").and_then(Value::as_array))
}

/// The primary email of a user-like object (the one `primary_email_address_id`
/// names, else the first), or its own `email_address`.
fn email_of(i: &Value) -> String {
    let list = i.get("email_addresses").and_then(Value::as_array);
    let primary = i.get("primary_email_address_id").and_then(Value::as_str);
    let pick = list.and_then(|a| {
        a.iter()
            .find(|e| primary.is_some() && e.get("id").and_then(Value::as_str) == primary)
            .or_else(|| a.first())
    });
    pick.and_then(|e| e.get("email_address"))
        .or_else(|| i.get("email_address"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// A person's or thing's name: first and last name, else the first of the
/// naming fields an object has.
fn name_of(i: &Value) -> String {
    let part = |k: &str| i.get(k).and_then(Value::as_str).unwrap_or("");
    let full = format!("{} {}", part("first_name"), part("last_name"));
    if !full.trim().is_empty() {
        return full.trim().to_string();
    }
    [
        "name",
        "username",
        "identifier",
        "phone_number",
        "slug",
        "key",
        "url",
    ]
    .iter()
    .find_map(|k| i.get(*k).and_then(Value::as_str))
    .unwrap_or("")
    .to_string()
}

/// A compact table for lists of Clerk objects: ID, EMAIL (when the objects
/// have one), NAME (when they have one) and CREATED.
fn list_table(json: &Value) -> Option<String> {
    let items = list_items(json)?;
    if items.is_empty() {
        return Some("(no results)\n".to_string());
    }
    if !items
        .iter()
        .all(|i| i.get("id").is_some() && i.get("object").is_some())
    {
        return None;
    }
    let cell = |s: String| printable(&crate::render::truncate(&s, 48));
    let rows: Vec<[String; 4]> = items
        .iter()
        .map(|i| {
            let id = i.get("id").and_then(Value::as_str).unwrap_or("");
            let created = i
                .get("created_at")
                .and_then(Value::as_i64)
                .map(date_of)
                .unwrap_or_default();
            [printable(id), cell(email_of(i)), cell(name_of(i)), created]
        })
        .collect();
    let heads = ["ID", "EMAIL", "NAME", "CREATED"];
    // Columns with something in them (ID and CREATED always).
    let shown: Vec<usize> = (0..4)
        .filter(|&c| c == 0 || c == 3 || rows.iter().any(|r| !r[c].is_empty()))
        .collect();
    let width = |c: usize| {
        rows.iter()
            .map(|r| r[c].chars().count())
            .chain([heads[c].len()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = shown.iter().map(|&c| width(c)).collect();
    let line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (k, (text, w)) in cells.iter().zip(&widths).enumerate() {
            if k + 1 == cells.len() {
                l.push_str(text);
            } else {
                l.push_str(&format!("{text:<w$}  ", w = *w));
            }
        }
        l.push('\n');
        l
    };
    let mut s = line(shown.iter().map(|&c| heads[c]).collect());
    for r in &rows {
        s.push_str(&line(shown.iter().map(|&c| r[c].as_str()).collect()));
    }
    if let Some(total) = json.get("total_count").and_then(Value::as_u64) {
        s.push_str(&format!(
            "({} of {total}; --json for everything)\n",
            items.len()
        ));
    }
    Some(s)
}

/// Unix milliseconds (Clerk's timestamps) as a UTC date-time.
fn date_of(ms: i64) -> String {
    let (y, m, d, hh, mm, _) = super::civil::from_unix(ms.div_euclid(1000));
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}")
}

/// Minimal JSON colouring: keys blue, strings green, numbers/bools/null yellow.
fn colorize(pretty: &str) -> String {
    let mut out = String::with_capacity(pretty.len() + 64);
    for line in pretty.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        out.push_str(indent);
        if let Some(rest) = trimmed.strip_prefix('"') {
            if let Some(end) = key_end(rest) {
                let (key, after) = rest.split_at(end);
                if let Some(value) = after.strip_prefix("\": ") {
                    out.push_str(&format!("\x1b[34m\"{key}\"\x1b[0m: {}", paint(value)));
                    out.push('\n');
                    continue;
                }
            }
        }
        out.push_str(&paint(trimmed));
        out.push('\n');
    }
    out.pop();
    out
}

fn key_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn paint(v: &str) -> String {
    let core = v.trim_end_matches(',');
    let comma = &v[core.len()..];
    let color = if core.starts_with('"') {
        "32"
    } else if core == "true" || core == "false" || core == "null" || core.parse::<f64>().is_ok() {
        "33"
    } else {
        return v.to_string();
    };
    format!("\x1b[{color}m{core}\x1b[0m{comma}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(body: &str, status: u16) -> Response {
        Response {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn clerk_errors_are_readable() {
        let r = resp(
            r#"{"errors":[{"message":"not found","long_message":"User not found","code":"resource_not_found"}]}"#,
            404,
        );
        assert_eq!(
            error_lines(&r),
            vec!["resource_not_found: not found (User not found)"]
        );
        assert_eq!(error_lines(&resp("oops", 500)), vec!["oops"]);
    }

    #[test]
    fn lists_become_tables() {
        let body = r#"[{"id":"user_1","object":"user","email_addresses":[{"email_address":"a@b.co"}],"created_at":1700000000000}]"#;
        let mut out = Vec::new();
        super::body(&mut out, &resp(body, 200), Style::default()).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(
            s.contains("user_1") && s.contains("a@b.co") && s.contains("2023-11-14"),
            "{s}"
        );
        let mut raw = Vec::new();
        super::body(
            &mut raw,
            &resp(body, 200),
            Style {
                raw: true,
                ..Style::default()
            },
        )
        .unwrap();
        assert!(String::from_utf8(raw).unwrap().starts_with("[{"));
        // Users: the primary email and the person's name in their own columns.
        let users = r#"[{"id":"user_2","object":"user","first_name":"Ada","last_name":"Byron","primary_email_address_id":"idn_b","email_addresses":[{"id":"idn_a","email_address":"old@x.io"},{"id":"idn_b","email_address":"ada@x.io"}],"created_at":1700000000000}]"#;
        let mut out = Vec::new();
        super::body(&mut out, &resp(users, 200), Style::default()).unwrap();
        let s = String::from_utf8(out).unwrap();
        let mut lines = s.lines();
        assert_eq!(
            lines.next().unwrap().split_whitespace().collect::<Vec<_>>(),
            ["ID", "EMAIL", "NAME", "CREATED"]
        );
        let row = lines.next().unwrap();
        assert!(
            row.contains("ada@x.io") && row.contains("Ada Byron") && !row.contains("old@"),
            "{row}"
        );
        // Organizations have no email: no EMAIL column.
        let orgs = r#"{"data":[{"id":"org_1","object":"organization","name":"Acme","created_at":1700000000000}],"total_count":1}"#;
        let mut out = Vec::new();
        super::body(&mut out, &resp(orgs, 200), Style::default()).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(
            s.starts_with("ID") && !s.contains("EMAIL") && s.contains("Acme"),
            "{s}"
        );
    }

    #[test]
    fn colour_keeps_text() {
        let c = colorize("{\n  \"a\": \"b\",\n  \"n\": 1\n}");
        assert!(c.contains("\x1b[34m\"a\"\x1b[0m") && c.contains("\x1b[33m1\x1b[0m"));
    }
}
