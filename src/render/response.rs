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
            writeln!(out, "{k}: {v}")?;
        }
        writeln!(out)?;
    }
    let Ok(json) = serde_json::from_slice::<Value>(&resp.body) else {
        out.write_all(&resp.body)?;
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
    let pretty = serde_json::to_string_pretty(&json).unwrap_or_default();
    if style.color {
        writeln!(out, "{}", colorize(&pretty))
    } else {
        writeln!(out, "{pretty}")
    }
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

/// A compact table (id, email or name, created) for lists of Clerk objects.
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
    let label = |i: &Value| -> String {
        if let Some(e) = i
            .get("email_addresses")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(|e| e.get("email_address"))
            .and_then(Value::as_str)
        {
            return e.to_string();
        }
        for k in [
            "email_address",
            "name",
            "username",
            "identifier",
            "phone_number",
            "slug",
            "key",
            "url",
        ] {
            if let Some(s) = i.get(k).and_then(Value::as_str) {
                return s.to_string();
            }
        }
        String::new()
    };
    let rows: Vec<(String, String, String)> = items
        .iter()
        .map(|i| {
            let id = i
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let created = i
                .get("created_at")
                .and_then(Value::as_i64)
                .map(date_of)
                .unwrap_or_default();
            (
                printable(&id),
                printable(&crate::render::truncate(&label(i), 48)),
                created,
            )
        })
        .collect();
    let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(2).max(2);
    let w1 = rows
        .iter()
        .map(|r| r.1.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut s = format!("{:<w0$}  {:<w1$}  CREATED\n", "ID", "NAME");
    for (id, name, created) in rows {
        s.push_str(&format!("{id:<w0$}  {name:<w1$}  {created}\n"));
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
    }

    #[test]
    fn colour_keeps_text() {
        let c = colorize("{\n  \"a\": \"b\",\n  \"n\": 1\n}");
        assert!(c.contains("\x1b[34m\"a\"\x1b[0m") && c.contains("\x1b[33m1\x1b[0m"));
    }
}
