//! Conformance against Stoplight Prism serving the real latest spec: for every
//! operation, a request is built from the catalog with its required
//! parameters and body fields, sent through clerk's own request builder and
//! transport, and Prism must report no request violation and answer 2xx.
//!
//! Prism comes from tests/prism (pinned with a lockfile): `npm ci --prefix
//! tests/prism` (`cargo xtask test` does it). Without it this test fails.

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use clerk::catalog::{self, Field, Operation, Param};
use clerk::request::{self, Inputs};
use clerk::resolve::Bound;
use clerk::safety::Secret;
use clerk::transport::{self, Options};
use serde_json::{Map, Value};

/// Operations that cannot pass, each with the reason. Keep it short and true.
const EXCEPTIONS: &[(&str, &str)] = &[];

struct Prism(Child);

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_prism(spec: &PathBuf) -> (Prism, String) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bin = root.join("tests/prism/node_modules/.bin/prism");
    assert!(
        bin.exists(),
        "Prism is not installed: run `npm ci --prefix tests/prism` (cargo xtask test does it)"
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(&bin)
        .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
        .arg(spec)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start Prism");
    // Ready when it says so; if it dies first, stdout ends and we fail.
    let out = child.stdout.take().unwrap();
    let mut lines = BufReader::new(out).lines();
    let mut seen = Vec::new();
    loop {
        match lines.next() {
            Some(Ok(l)) => {
                if l.contains("Prism is listening") {
                    break;
                }
                seen.push(l);
            }
            _ => panic!("Prism exited before listening:\n{}", seen.join("\n")),
        }
    }
    // Keep draining its log so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines.by_ref() {});
    (Prism(child), format!("http://127.0.0.1:{port}"))
}

/// The schema facts a sample value must respect.
struct Shape<'a> {
    ty: &'a str,
    enum_values: &'a [&'a str],
    example: Option<&'a str>,
    format: Option<&'a str>,
    pattern: Option<&'a str>,
}

/// A value the schema accepts: the spec's example (coerced to the type), else
/// the first enum value, else one made for the format or pattern, else by type.
fn sample(s: &Shape<'_>) -> Value {
    let first =
        s.ty.split('|')
            .next()
            .unwrap_or("string")
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')');
    if let Some(v) = s
        .example
        .and_then(|e| serde_json::from_str::<Value>(e).ok())
    {
        match (&v, first) {
            (Value::Null, _) => {}
            (Value::String(t), "boolean" | "integer" | "number") => {
                if let Ok(parsed) = serde_json::from_str::<Value>(t) {
                    return parsed;
                }
            }
            _ => return v,
        }
    }
    if let Some(e) = s.enum_values.first() {
        // Enums of booleans and numbers are stored as text.
        return match first {
            "boolean" | "integer" | "number" => {
                serde_json::from_str(e).unwrap_or(Value::String(e.to_string()))
            }
            _ => Value::String(e.to_string()),
        };
    }
    match s.format {
        Some("uri" | "url") => return Value::String("https://example.com/callback".into()),
        Some("email") => return Value::String("test@example.com".into()),
        Some("date-time") => return Value::String("2024-01-01T00:00:00Z".into()),
        Some("binary") => return Value::String(format!("@{}", upload_file().display())),
        _ => {}
    }
    if let Some(v) = s.pattern.and_then(from_pattern) {
        return Value::String(v);
    }
    match first {
        "integer" => Value::from(1),
        "number" => Value::from(1.5),
        "boolean" => Value::Bool(true),
        "object" => Value::Object(Map::new()),
        t if t.ends_with("[]") => Value::Array(vec![sample(&Shape {
            ty: t.trim_end_matches("[]"),
            enum_values: &[],
            example: None,
            format: None,
            pattern: None,
        })]),
        _ => Value::String("test_value".into()),
    }
}

/// A string matching a simple regex (`^(ak|api_key)_[0-9A-Fa-f]{32}$`,
/// `^mch_\w{27}$`): first alternatives, literal characters, classes, `{n}`.
fn from_pattern(p: &str) -> Option<String> {
    let p = p.trim_start_matches('^').trim_end_matches('$');
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let (unit, next): (String, usize) = match chars[i] {
            '(' => {
                let close = chars[i..].iter().position(|&c| c == ')')? + i;
                let inner: String = chars[i + 1..close].iter().collect();
                let first = inner
                    .trim_start_matches("?:")
                    .split('|')
                    .next()?
                    .to_string();
                (from_pattern(&first)?, close + 1)
            }
            '[' => {
                let close = chars[i..].iter().position(|&c| c == ']')? + i;
                let class: Vec<char> = chars[i + 1..close].to_vec();
                let c = if class.first() == Some(&'^') {
                    'x'
                } else {
                    class.iter().copied().find(|c| c.is_ascii_alphanumeric())?
                };
                (c.to_string(), close + 1)
            }
            '\\' => {
                let c = match chars.get(i + 1)? {
                    'w' => 'a',
                    'd' => '1',
                    other => *other,
                };
                (c.to_string(), i + 2)
            }
            '.' => ("a".to_string(), i + 1),
            c if c.is_ascii_alphanumeric() || "_-:@/ ".contains(c) => (c.to_string(), i + 1),
            _ => return None,
        };
        // Quantifier.
        let (times, after) = match chars.get(next) {
            Some('{') => {
                let close = chars[next..].iter().position(|&c| c == '}')? + next;
                let n: String = chars[next + 1..close]
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                (n.parse().ok()?, close + 1)
            }
            Some('+') => (1, next + 1),
            Some('*') | Some('?') => (0, next + 1),
            _ => (1, next),
        };
        for _ in 0..times {
            out.push_str(&unit);
        }
        i = after;
    }
    Some(out)
}

/// A small PNG for file-upload endpoints.
fn upload_file() -> PathBuf {
    let p = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("clerk-prism-{}.png", std::process::id()));
    if !p.exists() {
        // 1x1 transparent PNG.
        const PNG: &[u8] = &[
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52,
            0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 0x0D, 0x49,
            0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0, 1, 0, 0, 5, 0, 1, 0x0D, 0x0A, 0x2D, 0xB4, 0, 0,
            0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
        ];
        std::fs::write(&p, PNG).unwrap();
    }
    p
}

/// A body field's schema facts.
fn field_shape(f: &Field) -> Shape<'_> {
    Shape {
        ty: f.ty,
        enum_values: f.enum_values,
        example: f.example,
        format: f.format,
        pattern: f.pattern,
    }
}

fn param_value(p: &Param) -> String {
    match sample(&Shape {
        ty: p.ty,
        enum_values: p.enum_values,
        example: p.example,
        format: p.format,
        pattern: p.pattern,
    }) {
        Value::String(s) => s,
        Value::Array(a) => a
            .first()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .unwrap_or_default(),
        other => other.to_string(),
    }
}

/// The required fields under `prefix` (top level when empty), recursively.
fn required_object(fields: &[Field], prefix: &str, depth: u8) -> Map<String, Value> {
    let mut m = Map::new();
    for f in fields.iter().filter(|f| f.depth == depth && f.required) {
        let under = if prefix.is_empty() {
            !f.path.contains('.') || f.path.starts_with("[].")
        } else {
            f.path.starts_with(&format!("{prefix}."))
        };
        if !under {
            continue;
        }
        let name = f.path.rsplit('.').next().unwrap();
        let has_children = fields
            .iter()
            .any(|c| c.depth == depth + 1 && c.path.starts_with(&format!("{}.", f.path)));
        let has_items = fields
            .iter()
            .any(|c| c.depth == depth + 1 && c.path.starts_with(&format!("{}[].", f.path)));
        let v = if f.ty == "object" && has_children && f.example.is_none() {
            Value::Object(required_object(fields, f.path, depth + 1))
        } else if f.ty.ends_with("[]") && has_items && f.example.is_none() {
            Value::Array(vec![Value::Object(required_object(
                fields,
                &format!("{}[]", f.path),
                depth + 1,
            ))])
        } else {
            sample(&field_shape(f))
        };
        m.insert(name.to_string(), v);
    }
    m
}

fn bound_for(op: &'static Operation) -> Bound {
    let mut b = Bound::default();
    for p in op.path_params() {
        b.path.push((p.name, param_value(p)));
    }
    for p in op.query_params().filter(|p| p.required) {
        b.query.push((p.name.to_string(), param_value(p)));
    }
    if let Some(body) = op.body {
        if !body.ty.ends_with("[]") {
            b.body = required_object(body.fields, "", 0);
            // oneOf/anyOf bodies: the first alternative's required fields too.
            if let Some(set) = body.required_any.first() {
                for name in *set {
                    if let Some(f) = body.field(name) {
                        b.body.insert(name.to_string(), sample(&field_shape(f)));
                    }
                }
            }
        }
    }
    b
}

#[test]
fn every_operation_of_the_latest_spec_conforms() {
    let v = catalog::latest();
    let spec =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("specs/bapi/{}.json", v.date));
    let (_prism, base) = start_prism(&spec);
    let secret = Secret::new("sk_test_prismconformance0000");
    let opts = Options {
        timeout: Duration::from_secs(20),
        retries: 0,
        ..Options::default()
    };
    let mut failures = Vec::new();
    let mut passed = 0;
    for op in v.operations() {
        let name = op.display();
        let bound = bound_for(op);
        let mut inputs = Inputs {
            base_url: base.clone(),
            api_version: v.date.to_string(),
            ..Inputs::default()
        };
        if let Some(body) = op.body.filter(|b| b.ty.ends_with("[]")) {
            // Bulk endpoints take an array of objects.
            let item = required_object(body.fields, "", 0);
            inputs.body = Some(Value::Array(vec![Value::Object(item)]));
        }
        let req = match request::build(op, &bound, &inputs) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{name}: could not build: {}", e.into_error(op)));
                continue;
            }
        };
        let resp = match transport::send(&req, &secret, &opts, &mut |_| {}) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let violations: Vec<Value> = resp
            .header("sl-violations")
            .and_then(|h| serde_json::from_str::<Vec<Value>>(h).ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|v| v["location"].get(0).and_then(Value::as_str) == Some("request"))
            .collect();
        if !violations.is_empty() || !(200..300).contains(&resp.status) {
            let msgs: Vec<String> = violations
                .iter()
                .map(|v| v["message"].as_str().unwrap_or("").to_string())
                .collect();
            failures.push(format!(
                "{name}: HTTP {} {} body={}",
                resp.status,
                msgs.join("; "),
                req.body.map(|b| b.to_string()).unwrap_or_default()
            ));
            continue;
        }
        passed += 1;
    }
    let unexpected: Vec<&String> = failures
        .iter()
        .filter(|f| {
            !EXCEPTIONS
                .iter()
                .any(|(op, _)| f.starts_with(&format!("{op}:")))
        })
        .collect();
    eprintln!(
        "prism conformance: {passed} of {} operations pass; {} named exceptions",
        v.operations().len(),
        EXCEPTIONS.len()
    );
    assert!(
        unexpected.is_empty(),
        "{} unexpected failures:\n{}",
        unexpected.len(),
        unexpected
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The plans of tests/plans.rs against the real spec: each request of each
/// step must be one Prism accepts, and step 2 must get the ID Prism's
/// response to step 1 carries.
#[test]
fn plans_run_against_the_real_spec() {
    let v = catalog::latest();
    let spec =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("specs/bapi/{}.json", v.date));
    let (_prism, base) = start_prism(&spec);
    let prompts = [
        "create organization Acme for user_x and invite bob@acme.com as admin",
        "create user bob@example.com and add them to org_1 as admin",
        "unlock user_a user_b user_c",
        "invite a@example.com, b@example.com and c@example.com",
    ];
    for p in prompts {
        let out = assert_cmd::Command::cargo_bin("clerk")
            .unwrap()
            .args(["--yes", "--json", p])
            .env("CLERK_API_URL", &base)
            .env("CLERK_SECRET_KEY", "sk_test_prismconformance0000")
            .env("CLERK_BAPI_SCOPES", "write")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let (so, se) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.code(), Some(0), "{p}:\n{so}\n{se}");
        let j: Value = serde_json::from_str(&so).unwrap_or(Value::Null);
        if let Some(results) = j["results"].as_array() {
            assert!(results.len() >= 2, "{p}: {so}");
            assert_eq!(j["done"].as_u64(), Some(results.len() as u64), "{p}: {so}");
        }
    }
}

/// `clerk mcp` through the official MCP Python SDK (tests/mcp/drive.py, set
/// up by `cargo xtask test`): a read and a confirmed write against Prism.
#[test]
fn an_mcp_client_reads_and_writes_against_the_real_spec() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let v = catalog::latest();
    let (_prism, base) = start_prism(&root.join(format!("specs/bapi/{}.json", v.date)));
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("prism-mcp");
    std::fs::create_dir_all(&dir).unwrap();
    let plan = serde_json::json!({"elicit": "accept", "steps": [
        {"tool": "read_endpoint", "args": {"method": "GET", "path": "/users", "query": {"limit": 3}}},
        {"tool": "call_endpoint", "args": {"method": "POST", "path": "/invitations", "body": {"email_address": "bob@example.com"}}},
    ]});
    let env = [
        ("CLERK_API_URL", base.as_str()),
        ("CLERK_SECRET_KEY", "sk_test_prismconformance0000"),
        ("CLERK_BAPI_SCOPES", "write"),
    ];
    let out = common::mcp_client(&plan, &dir, &env);
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let read = &j["steps"][0]["result"];
    assert_eq!(read["status"], 200, "{read}");
    assert!(read["body"].is_array(), "{read}");
    assert_eq!(read["pagination"]["limit"], 3, "{read}");
    let write = &j["steps"][1]["result"];
    assert_eq!(write["sent"], true, "{write}");
    assert!(
        write["status"]
            .as_u64()
            .is_some_and(|s| (200..300).contains(&s)),
        "{write}"
    );
}
