//! Hostile servers on 127.0.0.1, each answering in one bad way, through the
//! real binary: every run ends with a clear error or a faithful output, a
//! bounded time (the client's own timeouts, never a sleep here), no panic,
//! no leaked key, and no retry of POST or PATCH.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use assert_cmd::Command;

const KEY: &str = "sk_test_SUPERSECRETabcd1234";

/// A server whose every connection is handled by `answer`, on its own thread.
struct Server {
    url: String,
    connections: Arc<AtomicUsize>,
}

impl Server {
    fn new(answer: impl Fn(TcpStream) + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let seen = connections.clone();
        let answer = Arc::new(answer);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                seen.fetch_add(1, Ordering::SeqCst);
                let answer = answer.clone();
                std::thread::spawn(move || answer(stream));
            }
        });
        Server { url, connections }
    }

    /// Answers every request with these exact bytes, then closes.
    fn bytes(reply: Vec<u8>) -> Server {
        Server::new(move |mut s| {
            read_request(&s);
            let _ = s.write_all(&reply);
        })
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Reads one request (head and Content-Length body); returns its head.
fn read_request(stream: &TcpStream) -> String {
    let mut r = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; len];
    let _ = r.read_exact(&mut body);
    head
}

fn reply(status: &str, headers: &[&str], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n").into_bytes();
    for h in headers {
        out.extend_from_slice(format!("{h}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

fn clerk(server: &Server) -> Command {
    let mut c = Command::cargo_bin("clerk").unwrap();
    c.env("CLERK_API_URL", &server.url)
        .env("CLERK_SECRET_KEY", KEY)
        .env("CLERK_BAPI_SCOPES", "write")
        .env("NO_COLOR", "1")
        .env_remove("HTTP_PROXY")
        .current_dir(std::env::temp_dir());
    c
}

/// Runs; returns (exit code, stdout bytes, stderr), asserting no key leaked
/// and no panic.
fn run(c: &mut Command) -> (i32, Vec<u8>, String) {
    let out = c.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("SUPERSECRET") && !err.contains("SUPERSECRET"),
        "the key leaked:\n{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let code = out.status.code().expect("exited, not killed by a signal");
    (code, out.stdout, err)
}

/// Runs clerk on a pseudo-terminal (util-linux `script`); returns (code, all output).
fn on_terminal(server: &Server, args: &str) -> (i32, String) {
    let bin = assert_cmd::cargo::cargo_bin("clerk");
    let out = std::process::Command::new("script")
        .args(["-qec", &format!("{} {args}", bin.display()), "/dev/null"])
        .env("CLERK_API_URL", &server.url)
        .env("CLERK_SECRET_KEY", KEY)
        .env("NO_COLOR", "1")
        .current_dir(std::env::temp_dir())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("util-linux `script` runs clerk on a pseudo-terminal");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!text.contains("SUPERSECRET"), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn a_body_past_the_size_limit_stops_with_a_clear_error() {
    // Declares 100 MB and streams zeros until the client hangs up.
    let server = Server::new(|mut s| {
        read_request(&s);
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n";
        let _ = s.write_all(head.as_bytes());
        let chunk = vec![b'0'; 1 << 16];
        while s.write_all(&chunk).is_ok() {}
    });
    let (code, out, err) = run(clerk(&server).args(["GET", "/users/user_1"]));
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("larger than 32 MiB"), "{err}");
    assert!(out.is_empty());
    assert_eq!(server.connections(), 1, "a size error is not retried");
}

#[test]
fn a_trickled_body_is_cut_by_the_overall_timeout() {
    let server = Server::new(|mut s| {
        read_request(&s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n[");
        // One byte at a time, as slowly as a hostile server likes.
        while s.write_all(b" ").is_ok() {
            std::thread::park_timeout(std::time::Duration::from_millis(100));
        }
    });
    let (code, _, err) = run(clerk(&server).args(["GET", "/users/user_1", "--timeout", "1"]));
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("timed out"), "{err}");
}

#[test]
fn a_connection_closed_mid_body_is_exit_4_and_writes_are_not_retried() {
    let cut = || {
        Server::new(|mut s| {
            read_request(&s);
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"id\":\"us");
            let _ = s.shutdown(std::net::Shutdown::Both);
        })
    };
    for args in [
        vec!["POST", "/organizations", "name=Acme", "--yes"],
        vec!["PATCH", "/users/user_1", "first_name=A", "--yes"],
    ] {
        let server = cut();
        let (code, out, err) = run(clerk(&server).args(&args));
        assert_eq!(code, 4, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}");
        assert_eq!(server.connections(), 1, "{args:?} was retried: {err}");
    }
    // A GET is retried, within --retry-max-time: 0.5 s, then what is left of 1 s.
    let server = cut();
    let (code, _, err) =
        run(clerk(&server).args(["GET", "/users/user_1", "--retry-max-time", "1"]));
    assert_eq!(code, 4, "{err}");
    assert_eq!(server.connections(), 3, "{err}");
    assert!(err.contains("of waiting is spent"), "{err}");
}

#[test]
fn content_length_shorter_or_longer_than_the_body() {
    // Shorter: exactly Content-Length bytes are the body.
    let mut short = reply(
        "200 OK",
        &["Content-Type: application/json"],
        b"{\"id\":\"user_1\"}",
    );
    short.extend_from_slice(b"{\"trailing\":\"junk\"}");
    let server = Server::bytes(short);
    let (code, out, err) = run(clerk(&server).args(["GET", "/users/user_1"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(String::from_utf8_lossy(&out).trim(), r#"{"id":"user_1"}"#);
    // Longer, then closed: an incomplete body is an error, never printed as if whole.
    let server = Server::bytes(
        b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"id\":\"user_1\"}".to_vec(),
    );
    let (code, out, err) = run(clerk(&server).args(["POST", "/organizations", "name=A", "--yes"]));
    assert_eq!(code, 4, "{err}");
    assert!(out.is_empty());
    assert_eq!(server.connections(), 1);
}

#[test]
fn compressed_bodies_are_never_asked_for_nor_inflated() {
    let bomb = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/zeros-64MiB.gz"
    ))
    .unwrap();
    let heads = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = heads.clone();
    let body = reply(
        "200 OK",
        &["Content-Encoding: gzip", "Content-Type: application/json"],
        &bomb,
    );
    let server = Server::new(move |mut s| {
        seen.lock()
            .unwrap()
            .push(read_request(&s).to_ascii_lowercase());
        let _ = s.write_all(&body);
    });
    let (code, out, err) = run(clerk(&server).args(["GET", "/users/user_1"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.len(),
        bomb.len() + 1,
        "the gzip bytes as received, plus a newline"
    );
    let head = heads.lock().unwrap()[0].clone();
    assert!(
        !head.contains("accept-encoding: gzip") && !head.contains("br"),
        "{head}"
    );
}

#[test]
fn a_non_utf8_body_is_passed_through_piped_and_made_safe_on_a_terminal() {
    let raw = b"\xff\xfe\x00ok\x1b[2J\xc3\x28".to_vec();
    let server = Server::bytes(reply("200 OK", &["Content-Type: text/plain"], &raw));
    let (code, out, err) = run(clerk(&server).args(["GET", "/users/user_1"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        [raw.as_slice(), b"\n"].concat(),
        "piped output is the bytes received"
    );
    let (code, text) = on_terminal(&server, "GET /users/user_1");
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("ok") && !text.contains('\x1b') && !text.contains('\0'),
        "{text:?}"
    );
    let server = Server::bytes(reply("500 Internal Server Error", &[], &raw));
    let (code, _, err) = run(clerk(&server).args(["GET", "/users/user_1"]));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("HTTP 500") && !err.contains('\x1b') && !err.contains('\0'),
        "{err:?}"
    );
}

#[test]
fn a_redirect_to_another_host_is_never_followed_and_gets_no_key() {
    let elsewhere = Server::bytes(reply("200 OK", &[], b"{}"));
    let location = format!("Location: {}/v1/users/user_1", elsewhere.url);
    let server = Server::bytes(reply("302 Found", &[&location], b""));
    for args in [
        vec!["GET", "/users/user_1"],
        vec!["DELETE", "/users/user_1", "--admin", "--yes"],
    ] {
        let (code, out, err) = run(clerk(&server).args(&args));
        assert_eq!(code, 4, "{args:?}: {err}");
        assert!(out.is_empty());
        assert!(
            err.contains("never follows redirects") && err.contains(&elsewhere.url[7..]),
            "{err}"
        );
    }
    assert_eq!(elsewhere.connections(), 0, "the redirect was followed");
}

#[test]
fn a_huge_retry_after_is_capped_said_and_bounded_in_total() {
    let answers = Arc::new(AtomicUsize::new(0));
    let n = answers.clone();
    let server = Server::new(move |mut s| {
        read_request(&s);
        let r = match n.fetch_add(1, Ordering::SeqCst) {
            0 => reply("429 Too Many Requests", &["Retry-After: 1000000000"], b"{}"),
            _ => reply("200 OK", &[], br#"{"id":"user_1"}"#),
        };
        let _ = s.write_all(&r);
    });
    let (code, _, err) =
        run(clerk(&server).args(["GET", "/users/user_1", "--retry-max-time", "1"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("asked to wait 1000000000 s") && err.contains("at most 1.0 s"),
        "{err}"
    );
    assert_eq!(server.connections(), 2);
    // No waiting allowed: the 429 is reported at once.
    answers.store(0, Ordering::SeqCst);
    let (code, _, err) =
        run(clerk(&server).args(["GET", "/users/user_1", "--retry-max-time", "0"]));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("not retrying") && err.contains("HTTP 429"),
        "{err}"
    );
    assert_eq!(server.connections(), 3);
}

#[test]
fn json_nested_100000_deep_is_survived_in_every_output_mode() {
    let deep = ["[".repeat(100_000), "]".repeat(100_000)]
        .concat()
        .into_bytes();
    let ok = Server::bytes(reply("200 OK", &["Content-Type: application/json"], &deep));
    for args in [
        vec!["GET", "/users/user_1"],
        vec!["GET", "/users/user_1", "--json"],
        vec!["GET", "/users/user_1", "--include"],
        vec!["GET", "/users", "--all"],
    ] {
        // Shown as received, or one clear error line (a page too deep to read).
        let (code, _, err) = run(clerk(&ok).args(&args));
        let errors = err.lines().filter(|l| l.starts_with("error")).count();
        assert!(
            code == 0 && errors == 0 || code == 1 && errors == 1,
            "{args:?}: {code} {err}"
        );
    }
    let (code, text) = on_terminal(&ok, "GET /users/user_1");
    assert_eq!(code, 0, "{}", &text[..200.min(text.len())]);
    let bad = Server::bytes(reply("500 Internal Server Error", &[], &deep));
    let (code, _, err) = run(clerk(&bad).args(["GET", "/users/user_1", "--retry", "0"]));
    assert_eq!(code, 1, "{err}");
}

#[test]
fn escape_sequences_in_every_rendered_field_are_neutralised() {
    let evil = "\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m";
    let list = serde_json::json!({"data": [{"object": "user", "id": format!("user_1{evil}"),
        "email_addresses": [{"email_address": format!("a{evil}@x.co")}],
        "first_name": evil, "created_at": 1}], "total_count": 1});
    let one = serde_json::json!({"object": "user", "id": "user_1", "first_name": evil});
    let err = serde_json::json!({"errors": [{"message": evil, "long_message": format!("bad {evil}"), "code": evil}]});
    for (status, body) in [
        ("200 OK", list),
        ("200 OK", one),
        ("422 Unprocessable Entity", err),
    ] {
        let server = Server::bytes(reply(
            status,
            &["Content-Type: application/json"],
            body.to_string().as_bytes(),
        ));
        let (_, text) = on_terminal(&server, "GET /users --include");
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{9b}') && !text.contains('\u{7}'),
            "{status}: {text:?}"
        );
        let (_, _, err) = run(clerk(&server).args(["GET", "/users"]));
        assert!(
            !err.contains('\u{1b}') && !err.contains('\u{9b}'),
            "{err:?}"
        );
    }
    // A header carrying an escape: refused by the HTTP parser or shown neutralised.
    let server = Server::bytes(reply("200 OK", &["X-Evil: a\u{1b}[2Jb"], b"{}"));
    let (code, text) = on_terminal(&server, "GET /users/user_1 --include");
    assert!(code == 0 || code == 4, "{text}");
    assert!(!text.contains('\u{1b}'), "{text:?}");
}
