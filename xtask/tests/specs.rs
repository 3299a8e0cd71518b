//! `cargo xtask specs` against a local HTTP server on 127.0.0.1 that serves a
//! GitHub-contents-style listing and the files: good files land as JSON with a
//! manifest; truncated or corrupt files are rejected and never replace a good copy.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

const GOOD: &str = r##"openapi: 3.0.3
info:
  title: Clerk Backend API
  version: '2025-01-01'
paths:
  /users:
    get:
      operationId: GetUserList
      summary: List all users
      tags: [Users]
      responses:
        '200':
          description: Success
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Users'
components:
  schemas:
    Users:
      type: array
      items:
        type: object
"##;

/// Serves `files` (name -> bytes) under /files/, and a listing at /contents
/// whose announced sizes come from `sizes` (to fake a truncated download).
fn serve(files: Vec<(&'static str, Vec<u8>)>, sizes: Vec<usize>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let listing: Vec<String> = files
        .iter()
        .zip(&sizes)
        .map(|((name, _), size)| {
            format!(r#"{{"name":"{name}","size":{size},"download_url":"{base}/files/{name}"}}"#)
        })
        .collect();
    let listing = format!("[{}]", listing.join(","));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut line = String::new();
            let mut r = BufReader::new(&stream);
            if r.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).is_err() || h.trim().is_empty() {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let body: Vec<u8> = if path == "/contents" {
                listing.clone().into_bytes()
            } else {
                let name = path.trim_start_matches("/files/");
                files
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, b)| b.clone())
                    .unwrap_or_default()
            };
            let mut s = stream;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&body);
        }
    });
    format!("{base}/contents")
}

fn out_dir(tag: &str) -> PathBuf {
    let d = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("clerk-xtask-specs-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn xtask(args: &[&str], out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("specs")
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn downloads_convert_and_record_a_manifest() {
    let second = GOOD.replace("2025-01-01", "2025-02-02");
    let files = vec![
        ("2025-01-01.yml", GOOD.as_bytes().to_vec()),
        ("2025-02-02.yml", second.clone().into_bytes()),
        ("README.md", b"x".to_vec()),
    ];
    let url = serve(files, vec![GOOD.len(), second.len(), 1]);
    let out = out_dir("good");
    let o = xtask(&["--url", &url], &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("bapi/2025-01-01.json")).unwrap()).unwrap();
    assert_eq!(json["paths"]["/users"]["get"]["operationId"], "GetUserList");
    assert!(out.join("bapi/2025-02-02.json").exists());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let versions = manifest["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["bytes"], GOOD.len());
    assert_eq!(versions[0]["sha256"].as_str().unwrap().len(), 64);
    // Progress goes to stderr.
    assert!(String::from_utf8_lossy(&o.stderr).contains("downloading 2025-01-01.yml"));

    // --only restricts; an unknown version is an error naming what exists.
    let o = xtask(&["--url", &url, "--only", "1999-01-01"], &out);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("2025-02-02"));
}

#[test]
fn truncated_or_corrupt_files_are_rejected_and_keep_the_old_copy() {
    let out = out_dir("bad");
    // A good copy first.
    let url = serve(
        vec![("2025-01-01.yml", GOOD.as_bytes().to_vec())],
        vec![GOOD.len()],
    );
    assert!(xtask(&["--url", &url], &out).status.success());
    let before = std::fs::read(out.join("bapi/2025-01-01.json")).unwrap();

    // Truncated: cut before `components`, announced at full size.
    let cut = &GOOD.as_bytes()[..GOOD.find("components:").unwrap()];
    let url = serve(vec![("2025-01-01.yml", cut.to_vec())], vec![GOOD.len()]);
    let o = xtask(&["--url", &url], &out);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("announced"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // Truncated with a matching size (a listing that lies): the dangling $ref gives it away.
    let url = serve(vec![("2025-01-01.yml", cut.to_vec())], vec![cut.len()]);
    let o = xtask(&["--url", &url], &out);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("$ref"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // Not YAML at all.
    let junk = b"openapi: [3.0.3\n  : : {".to_vec();
    let url = serve(vec![("2025-01-01.yml", junk.clone())], vec![junk.len()]);
    assert!(!xtask(&["--url", &url], &out).status.success());

    assert_eq!(
        std::fs::read(out.join("bapi/2025-01-01.json")).unwrap(),
        before,
        "a rejected file replaced the good copy"
    );
    assert!(!out.join("bapi/2025-01-01.tmp").exists());
}

#[test]
fn copies_from_a_local_mirror() {
    let mirror = out_dir("mirror-src");
    std::fs::create_dir_all(mirror.join("bapi")).unwrap();
    std::fs::write(mirror.join("bapi/2025-01-01.yml"), GOOD).unwrap();
    std::fs::write(mirror.join("LICENSE"), "MIT").unwrap();
    let out = out_dir("mirror-out");
    let o = xtask(&["--from", mirror.to_str().unwrap()], &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("bapi/2025-01-01.json").exists());
    assert_eq!(std::fs::read_to_string(out.join("LICENSE")).unwrap(), "MIT");
}
