//! The executor through the real binary against a stub HTTP server on
//! 127.0.0.1 that records every request and answers from a script. Refusal
//! paths must send nothing; the secret key must never appear in any output.

mod common;

use std::net::TcpListener;

use assert_cmd::Command;
use common::*;

#[test]
fn get_sends_exact_headers_and_prints_json() {
    let stub = Stub::ok(r#"[{"id":"user_1","object":"user"}]"#);
    let (code, out, err) = run(clerk(&stub, "").args(["GET", "/users", "limit==2"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("user_1"));
    let r = &stub.requests()[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.target, "/users?limit=2");
    assert_eq!(r.header("authorization"), Some(&*format!("Bearer {KEY}")));
    assert_eq!(r.header("clerk-api-version"), Some("2026-05-12"));
    assert_eq!(r.header("accept"), Some("application/json"));
    assert!(r.header("user-agent").unwrap().starts_with("clerk/"));
    assert_eq!(r.header("content-type"), None);
}

#[test]
fn version_flag_sets_the_api_version_header() {
    let stub = Stub::ok("[]");
    let (code, _, err) = run(clerk(&stub, "").args(["GET", "/users", "--version", "2025-11-10"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        stub.requests()[0].header("clerk-api-version"),
        Some("2025-11-10")
    );
}

#[test]
fn path_values_never_reach_another_endpoint() {
    let stub = Stub::ok("{}");
    let (code, _, err) = run(clerk(&stub, "").args(["GET", "/users/..%2F..%2Finstance"]));
    assert_eq!(code, 0, "{err}");
    // A plain-language value with `/`, `?`, `#` is either sent inside one
    // encoded segment or query value, or the call is refused: never a path.
    let (code, _, err) = run(clerk(&stub, "").args(["get", "user", "a/b?c#d"]));
    let reqs = stub.requests();
    assert_eq!(reqs[0].target, "/users/..%2F..%2Finstance");
    match reqs.get(1) {
        Some(r) => {
            assert_eq!(code, 0, "{err}");
            assert!(r.target.starts_with("/users"), "{}", r.target);
            assert!(!r.target.contains("/b?c"), "{}", r.target);
        }
        None => assert_eq!(code, 2, "{err}"),
    }
}

#[test]
fn query_arrays_repeat_keys_and_types_are_checked() {
    let stub = Stub::ok("[]");
    let (code, _, _) = run(clerk(&stub, "").args([
        "GET",
        "/users",
        "email_address==a@x.io",
        "email_address==b@x.io",
    ]));
    assert_eq!(code, 0);
    assert_eq!(
        stub.requests()[0].target,
        "/users?email_address=a%40x.io&email_address=b%40x.io"
    );
    let (code, _, err) = run(clerk(&stub, "").args(["GET", "/users", "limit==abc"]));
    assert_eq!(code, 2);
    assert!(err.contains("integer"), "{err}");
    assert_eq!(stub.requests().len(), 1, "a bad query must send nothing");
}

#[test]
fn body_merges_data_and_items_and_is_validated() {
    let stub = Stub::ok(r#"{"id":"org_1","object":"organization"}"#);
    let (code, _, err) = run(clerk(&stub, "write").args([
        "POST",
        "/organizations",
        "-d",
        r#"{"name":"X","max_allowed_memberships":3}"#,
        "name=Acme",
        "--yes",
    ]));
    assert_eq!(code, 0, "{err}");
    let r = &stub.requests()[0];
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"name": "Acme", "max_allowed_memberships": 3})
    );

    for (args, needle) in [
        (
            vec!["POST", "/organizations", "-d", "{not json", "--yes"],
            "not valid JSON",
        ),
        (vec!["POST", "/organizations", "--yes"], "name"),
        (
            vec![
                "POST",
                "/organizations",
                "name=A",
                "max_allowed_memberships=lots",
                "--yes",
            ],
            "integer",
        ),
        (
            vec![
                "POST",
                "/users",
                "-d",
                r#"{"email_address":[{"x":1}]}"#,
                "--yes",
            ],
            "`email_address[0]` must be string",
        ),
        (
            vec![
                "POST",
                "/saml_connections",
                "-d",
                r#"{"name":"S","domain":"x.co","provider":"saml_custom","attribute_mapping":{"nope":"x"}}"#,
                "--yes",
            ],
            "unknown body field `attribute_mapping.nope`",
        ),
    ] {
        let (code, _, err) = run(clerk(&stub, "write").args(&args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    assert_eq!(stub.requests().len(), 1, "invalid bodies must send nothing");
}

#[test]
fn idempotent_requests_retry_with_retry_after() {
    let stub = Stub::new(vec![
        (503, vec![("Retry-After", "0")], "{}".into()),
        (200, vec![], "[]".into()),
    ]);
    let (code, _, err) = run(clerk(&stub, "").args(["GET", "/users"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(stub.requests().len(), 2);
    assert!(err.contains("retrying"), "{err}");
}

#[test]
fn post_is_never_retried() {
    let stub = Stub::new(vec![(
        503,
        vec![("Retry-After", "0")],
        r#"{"errors":[{"message":"busy","code":"unavailable"}]}"#.into(),
    )]);
    let (code, _, err) = run(clerk(&stub, "write").args(["POST", "/users/user_1/ban", "--yes"]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(stub.requests().len(), 1);
    assert!(err.contains("unavailable: busy"), "{err}");
}

#[test]
fn api_errors_are_readable_and_exit_1() {
    let body = r#"{"errors":[{"message":"not found","long_message":"No user was found with id user_x","code":"resource_not_found"}]}"#;
    let stub = Stub::new(vec![(404, vec![], body.into())]);
    let (code, _, err) = run(clerk(&stub, "").args(["get", "user", "user_x"]));
    assert_eq!(code, 1);
    assert!(
        err.contains("404") && err.contains("No user was found"),
        "{err}"
    );
}

#[test]
fn timeouts_exit_4() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Accept and hold connections without answering.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let mut c = Command::cargo_bin("clerk").unwrap();
    c.env("CLERK_API_URL", &url)
        .env("CLERK_SECRET_KEY", KEY)
        .current_dir(scratch(None));
    let (code, _, err) = run(c.args(["GET", "/users/user_1", "--timeout", "1"]));
    assert_eq!(code, 4, "{err}");
    assert_eq!(
        err.trim()
            .lines()
            .filter(|l| l.starts_with("error"))
            .count(),
        1,
        "{err}"
    );
}

#[test]
fn refusals_send_nothing() {
    let stub = Stub::ok("{}");
    // A write without a terminal and without --yes: refused, says what it would send.
    let (code, _, err) = run(clerk(&stub, "write,delete").args(["DELETE", "/users/user_1"]));
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("--yes") && err.contains("/users/user_1"),
        "{err}"
    );
    // Scopes missing: refused with the --admin hint, even with --yes.
    let (code, _, err) = run(clerk(&stub, "read").args(["DELETE", "/users/user_1", "--yes"]));
    assert_eq!(code, 3);
    assert!(err.contains("--admin"), "{err}");
    // `write` alone does not allow DELETE; tokens match exactly.
    let (code, _, _) = run(clerk(&stub, "write").args(["DELETE", "/users/user_1", "--yes"]));
    assert_eq!(code, 3);
    let (code, _, _) =
        run(clerk(&stub, "nowrite,undelete").args(["POST", "/users/user_1/ban", "--yes"]));
    assert_eq!(code, 3);
    // --admin bypasses the scopes, never the confirmation.
    let (code, _, err) = run(clerk(&stub, "").args(["DELETE", "/users/user_1", "--admin"]));
    assert_eq!(code, 3, "{err}");
    // A missing required parameter.
    let (code, _, err) =
        run(clerk(&stub, "write,delete").args(["DELETE", "/users/{user_id}", "--yes"]));
    assert_eq!(code, 2);
    assert!(err.contains("user_id"), "{err}");
    // No key.
    let mut c = Command::cargo_bin("clerk").unwrap();
    c.env("CLERK_API_URL", &stub.url)
        .env_remove("CLERK_SECRET_KEY")
        .current_dir(scratch(None));
    let (code, _, err) = run(c.args(["GET", "/users"]));
    assert_eq!(code, 2);
    assert!(err.contains("CLERK_SECRET_KEY"), "{err}");
    // A low-confidence write is not run without the user choosing.
    let (code, _, err) = run(clerk(&stub, "write,delete").args(["remove", "it", "--yes"]));
    // Refused, no match, or only described: never sent.
    assert!(
        code == 3 || code == 2 || err.contains("note: showing"),
        "{code}: {err}"
    );
    assert!(
        stub.requests().is_empty(),
        "refusals sent {:?}",
        stub.requests()
    );
}

#[test]
fn admin_with_yes_sends_and_warns_irreversible() {
    let stub = Stub::ok(r#"{"id":"user_1","object":"user","deleted":true}"#);
    let (code, _, err) =
        run(clerk(&stub, "").args(["DELETE", "/users/user_1", "--admin", "--yes"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("IRREVERSIBLE") && err.contains("sessions"),
        "{err}"
    );
    assert_eq!(stub.requests()[0].method, "DELETE");
}

#[test]
fn dry_run_and_curl_send_nothing_and_mask_the_key() {
    let stub = Stub::ok("{}");
    let (code, out, _) = run(clerk(&stub, "").args(["ban", "user_2ab", "--dry-run"]));
    assert_eq!(code, 0);
    assert!(
        out.contains("POST ")
            && out.contains("/users/user_2ab/ban")
            && out.contains("sk_test_…1234"),
        "{out}"
    );
    let (code, out, _) = run(clerk(&stub, "").args(["ban", "user_2ab", "--curl"]));
    assert_eq!(code, 0);
    assert!(out.contains("$CLERK_SECRET_KEY"), "{out}");
    let (code, out, _) =
        run(clerk(&stub, "").args(["POST", "/organizations", "name=Acme", "--dry-run", "--json"]));
    assert_eq!(code, 0);
    let j: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(j["body"]["name"], "Acme");
    assert!(stub.requests().is_empty());
}

#[test]
fn key_from_dotenv_file_is_read_as_data() {
    let stub = Stub::ok("[]");
    let dir = scratch(Some(
        "# comment\nexport CLERK_SECRET_KEY=\"sk_test_SUPERSECRETfromenv99\"\nX=$(touch pwned)\n",
    ));
    let mut c = Command::cargo_bin("clerk").unwrap();
    c.env("CLERK_API_URL", &stub.url)
        .env_remove("CLERK_SECRET_KEY")
        .current_dir(&dir);
    let (code, _, err) = run(c.args(["GET", "/users"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        stub.requests()[0].header("authorization"),
        Some("Bearer sk_test_SUPERSECRETfromenv99")
    );
    assert!(!dir.join("pwned").exists());
}

#[test]
fn a_pasted_key_is_never_echoed() {
    let stub = Stub::ok("{}");
    let pasted = format!("curl -H 'Authorization: Bearer {KEY}' https://api.clerk.com/v1/userz");
    let (code, out, err) = run(clerk(&stub, "").args([pasted.as_str(), "--json"]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(stub.requests().is_empty());
}

#[test]
fn plain_http_only_for_loopback() {
    let mut c = Command::cargo_bin("clerk").unwrap();
    c.env("CLERK_API_URL", "http://api.example.com/v1")
        .env("CLERK_SECRET_KEY", KEY)
        .current_dir(scratch(None));
    let (code, _, err) = run(c.args(["GET", "/users"]));
    assert_eq!(code, 2);
    assert!(err.contains("loopback"), "{err}");
    // The host is what the client would connect to, not what precedes an `@`.
    let mut c = Command::cargo_bin("clerk").unwrap();
    c.env("CLERK_API_URL", "http://localhost:80@evil.example/v1")
        .env("CLERK_SECRET_KEY", KEY)
        .current_dir(scratch(None));
    let (code, _, err) = run(c.args(["GET", "/users"]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn all_walks_every_page() {
    let page1: Vec<String> = (0..500)
        .map(|i| format!(r#"{{"id":"user_{i}","object":"user"}}"#))
        .collect();
    let stub = Stub::new(vec![
        (200, vec![], format!("[{}]", page1.join(","))),
        (
            200,
            vec![],
            r#"[{"id":"user_last","object":"user"}]"#.into(),
        ),
    ]);
    let (code, out, err) = run(clerk(&stub, "").args(["GET", "/users", "--all", "--json"]));
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(j.as_array().unwrap().len(), 501);
    let reqs = stub.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[0].target.contains("limit=500") && reqs[0].target.contains("offset=0"));
    assert!(reqs[1].target.contains("offset=500"));
    assert!(err.contains("fetched 501"), "{err}");
}

#[test]
fn terminal_confirmation_shows_the_request_and_defaults_to_no() {
    let stub = Stub::ok(r#"{"id":"user_1","object":"user","deleted":true}"#);
    let (code, text) = on_terminal(&stub, "write,delete", "DELETE /users/user_1", "\n");
    assert_eq!(code, 3, "{text}");
    assert!(
        text.contains("DELETE ") && text.contains("/users/user_1") && text.contains("[y/N]"),
        "{text}"
    );
    assert!(text.contains("sk_test_…1234"), "{text}");
    assert!(stub.requests().is_empty(), "a declined write was sent");
    let (code, text) = on_terminal(&stub, "write,delete", "DELETE /users/user_1", "y\n");
    assert_eq!(code, 0, "{text}");
    assert_eq!(stub.requests().len(), 1);
}

#[test]
fn terminal_asks_for_missing_values_and_for_a_choice() {
    let stub = Stub::ok("{}");
    // A missing path parameter is asked for, then the write is confirmed.
    let (code, text) = on_terminal(
        &stub,
        "write,delete",
        "DELETE /users/{user_id}",
        "user_9\ny\n",
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("user_id"), "{text}");
    assert_eq!(stub.requests()[0].target, "/users/user_9");
    // A low-confidence write lists candidates; anything but a number cancels.
    let (code, text) = on_terminal(&stub, "write,delete", "delete user_2abc stuff", "\n");
    assert_eq!(code, 3, "{text}");
    assert!(text.contains("Choose"), "{text}");
    assert_eq!(stub.requests().len(), 1, "a cancelled choice was sent");
}

#[test]
fn help_before_anything_describes_it_and_never_sends() {
    let stub = Stub::ok("[]");
    for args in [
        vec!["help", "GET", "/users"],
        vec!["help", "DELETE", "/users/user_1"],
        vec!["help", "ban user_2abc"],
        vec!["--help", "GET", "/users"],
    ] {
        let (code, out, err) = run(clerk(&stub, "write,delete").args(&args));
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(
            out.contains("Responses") || out.contains("responses"),
            "{args:?}: {out}"
        );
    }
    assert!(stub.requests().is_empty(), "help X must send nothing");
}

#[test]
fn unset_scopes_say_what_to_export_and_send_nothing() {
    let stub = Stub::ok("{}");
    let (code, _, err) = run(clerk(&stub, "").args(["POST", "/users/user_1/ban", "--yes"]));
    assert_eq!(code, 3);
    assert_eq!(
        err.trim(),
        "error: POST /users/{user_id}/ban is a write and CLERK_BAPI_SCOPES is not set; nothing was sent. \
         To allow it: `export CLERK_BAPI_SCOPES=write`; or rerun with --admin to bypass the scope check \
         for this one command (it is still confirmed)"
    );
    let (code, _, err) = run(clerk(&stub, "").args(["DELETE", "/users/user_1", "--yes"]));
    assert_eq!(code, 3);
    assert!(
        err.contains("`export CLERK_BAPI_SCOPES=write,delete`"),
        "{err}"
    );
    assert!(stub.requests().is_empty());
}

#[test]
fn flags_in_the_prompt_bind_to_the_endpoints_parameters() {
    let stub = Stub::ok("[]");
    let (code, _, err) = run(clerk(&stub, "").args([
        "list users",
        "--query",
        "nguyen",
        "--order-by=-created_at",
        "--limit",
        "5",
    ]));
    assert_eq!(code, 0, "{err}");
    let target = &stub.requests()[0].target;
    assert!(
        target.contains("query=nguyen")
            && target.contains("order_by=-created_at")
            && target.contains("limit=5"),
        "{target}"
    );
    // A flag that is neither clerk's nor the endpoint's: clap's error and hint.
    let (code, _, err) = run(clerk(&stub, "").args(["GET", "/users", "--dry-rn"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("unexpected argument '--dry-rn'") && err.contains("--dry-run"),
        "{err}"
    );
    let (code, _, err) = run(clerk(&stub, "").args(["GET", "/users", "--colour", "red"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--colour"), "{err}");
    assert_eq!(stub.requests().len(), 1, "a mistyped flag sends nothing");
}

/// A key pasted as data, in any position, is refused (exit 2) before anything
/// is resolved or sent, and no output form shows it.
#[test]
fn a_pasted_secret_in_any_position_is_never_echoed_or_sent() {
    let stub = Stub::ok("{}");
    let pasted = "sk_live_PASTEDabcdef1234567890";
    let body = scratch(None).join("body.json");
    std::fs::write(&body, format!(r#"{{"password":"{pasted}"}}"#)).unwrap();
    let body = body.to_str().unwrap().to_string();
    let positions: Vec<Vec<String>> = vec![
        vec![format!("get user {pasted}")],
        vec![format!("GET /users/{pasted}/nope")],
        vec![format!("https://api.clerk.com/v1/users/{pasted}")],
        vec![format!("GET /users?query={pasted}")],
        vec![
            "update user user_2ab".into(),
            format!("first_name={pasted}"),
        ],
        vec![
            "POST".into(),
            "/users".into(),
            "-d".into(),
            format!(r#"{{"password":"{pasted}"}}"#),
        ],
        vec!["POST".into(), "/users".into(), "--file".into(), body],
        vec![
            "GET /users".into(),
            "--api-url".into(),
            format!("http://127.0.0.1:1/{pasted}"),
        ],
    ];
    let forms: [&[&str]; 6] = [
        &[],
        &["--dry-run"],
        &["--curl"],
        &["--explain"],
        &["-v"],
        &["--json"],
    ];
    for args in &positions {
        for form in forms {
            let (code, so, se) = run(clerk(&stub, "write,delete")
                .args(args)
                .args(form)
                .arg("--yes"));
            assert_eq!(code, 2, "{args:?} {form:?}\n{so}\n{se}");
            assert!(
                !so.contains("PASTED") && !se.contains("PASTED"),
                "{args:?} {form:?}\n{so}\n{se}"
            );
            assert!(
                se.contains("CLERK_SECRET_KEY or --secret-key"),
                "{args:?} {form:?}: {se}"
            );
        }
    }
    assert!(stub.requests().is_empty(), "a pasted key must send nothing");
}
