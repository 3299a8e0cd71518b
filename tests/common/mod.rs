//! Shared by the tests that drive the binary against 127.0.0.1: a stub server
//! that records every request (with the stub's own arrival time) and answers
//! from a script, the command set-up, and a pseudo-terminal runner.
#![allow(dead_code)] // each test file uses its own part

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use assert_cmd::Command;

pub const KEY: &str = "sk_test_SUPERSECRETabcd1234";

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// When the stub read it, by the stub's clock.
    pub at: Instant,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A scripted answer: status, extra headers, body.
pub type Scripted = (u16, Vec<(&'static str, &'static str)>, String);

pub struct Stub {
    pub url: String,
    seen: Arc<Mutex<Vec<Recorded>>>,
}

impl Stub {
    /// Answers the scripted responses in order, then repeats the last one.
    pub fn new(script: Vec<Scripted>) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let rec = seen.clone();
        std::thread::spawn(move || {
            let mut n = 0usize;
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let Some(r) = read_request(&stream) else {
                    continue;
                };
                rec.lock().unwrap().push(r);
                let (status, headers, body) = &script[n.min(script.len() - 1)];
                n += 1;
                let mut resp = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                    body.len()
                );
                if !headers
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                {
                    resp.push_str("Content-Type: application/json\r\n");
                }
                for (k, v) in headers {
                    resp.push_str(&format!("{k}: {v}\r\n"));
                }
                resp.push_str("\r\n");
                resp.push_str(body);
                let mut s = stream;
                let _ = s.write_all(resp.as_bytes());
            }
        });
        Stub { url, seen }
    }

    pub fn ok(body: &str) -> Stub {
        Stub::new(vec![(200, vec![], body.to_string())])
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.seen.lock().unwrap().clone()
    }
}

pub fn read_request(stream: &TcpStream) -> Option<Recorded> {
    let mut r = BufReader::new(stream);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some(Recorded {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    })
}

/// A scratch directory with no .env in it (or with the given one), under
/// cargo's target/tmp so that test runs leave nothing in the system temp dir.
pub fn scratch(env_file: Option<&str>) -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let d = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "clerk-exec-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&d).unwrap();
    if let Some(text) = env_file {
        std::fs::write(d.join(".env"), text).unwrap();
    }
    d
}

pub fn clerk(stub: &Stub, scopes: &str) -> Command {
    let mut c = Command::cargo_bin("clerk").unwrap();
    c.env("CLERK_API_URL", &stub.url)
        .env("CLERK_SECRET_KEY", KEY)
        .env("CLERK_BAPI_SCOPES", scopes)
        .env("NO_COLOR", "1")
        .current_dir(scratch(None));
    c
}

/// Runs and returns (code, stdout, stderr), asserting the key never leaks.
pub fn run(c: &mut Command) -> (i32, String, String) {
    let out = c.output().unwrap();
    let (so, se) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        !so.contains("SUPERSECRET") && !se.contains("SUPERSECRET"),
        "the key leaked:\n{so}\n{se}"
    );
    (out.status.code().unwrap_or(-1), so, se)
}

/// `program` with the environment of [`clerk`], piped stdout and stderr:
/// for tests that must see the process while it runs.
pub fn process(program: &std::path::Path, stub: &Stub, scopes: &str) -> std::process::Command {
    let mut c = std::process::Command::new(program);
    c.env("CLERK_API_URL", &stub.url)
        .env("CLERK_SECRET_KEY", KEY)
        .env("CLERK_BAPI_SCOPES", scopes)
        .env("NO_COLOR", "1")
        .current_dir(scratch(None))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    c
}

/// Runs clerk on a pseudo-terminal (util-linux `script`), typing `answer`.
pub fn on_terminal(stub: &Stub, scopes: &str, args: &str, answer: &str) -> (i32, String) {
    let bin = assert_cmd::cargo::cargo_bin("clerk");
    let mut child = process(std::path::Path::new("script"), stub, scopes)
        .args(["-qec", &format!("{} {args}", bin.display()), "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs clerk on a pseudo-terminal");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answer.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        !text.contains("SUPERSECRET"),
        "the key leaked on the terminal:\n{text}"
    );
    (out.status.code().unwrap_or(-1), text)
}

/// Runs tests/mcp/drive.py, the official MCP Python SDK (installed into
/// target/mcp-venv by `cargo xtask test`) driving `clerk mcp`, with `plan` on
/// its stdin and the session's transcript written to `dir`.
pub fn mcp_client(
    plan: &serde_json::Value,
    dir: &std::path::Path,
    env: &[(&str, &str)],
) -> std::process::Output {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("target/mcp-venv/bin/python");
    assert!(
        python.exists(),
        "the MCP Python SDK is not installed: run `cargo xtask test` (it creates target/mcp-venv)"
    );
    let mut child = std::process::Command::new(python)
        .arg(root.join("tests/mcp/drive.py"))
        .env("CLERK_BIN", assert_cmd::cargo::cargo_bin("clerk"))
        .env("TRANSCRIPT_DIR", dir)
        .envs(env.iter().copied())
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run the MCP client");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(plan.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the MCP client failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
