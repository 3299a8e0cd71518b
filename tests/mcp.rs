//! `clerk mcp` driven by a real MCP client this project did not write: the
//! official Python SDK (`mcp` on PyPI, pinned in tests/mcp/requirements.txt,
//! installed by `cargo xtask test`), through tests/mcp/drive.py. Requests go
//! to the in-test stub, so what was sent is asserted exactly. Every session's
//! transcript (both directions) and the server's stderr are checked for the key.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::{mcp_client, scratch, Stub, KEY};
use serde_json::{json, Value};

/// One session: the plan's steps through the SDK, with the stub as the API.
/// `client_sends_key`: the test itself puts the key in an argument, so only
/// what the server wrote is checked.
fn session(plan: Value, stub: &Stub, scopes: &str, client_sends_key: bool) -> Value {
    let dir = scratch(None);
    let env = [
        ("CLERK_API_URL", stub.url.as_str()),
        ("CLERK_SECRET_KEY", KEY),
        ("CLERK_BAPI_SCOPES", scopes),
    ];
    let out = mcp_client(&plan, &dir, &env);
    let from_server = ["out.jsonl", "err.log"];
    let files: &[&str] = if client_sends_key {
        &from_server
    } else {
        &["in.jsonl", "out.jsonl", "err.log"]
    };
    for f in files {
        let text = std::fs::read_to_string(dir.join(f)).unwrap_or_default();
        assert!(!text.contains(KEY), "the key is in {f}:\n{text}");
    }
    let transcript = std::fs::read_to_string(dir.join("out.jsonl")).unwrap();
    assert!(
        transcript.contains("\"protocolVersion\""),
        "no handshake recorded"
    );
    serde_json::from_slice(&out.stdout).expect("the client prints one JSON object")
}

fn tool(name: &str, args: Value) -> Value {
    json!({"tool": name, "args": args})
}

fn steps(out: &Value) -> &Vec<Value> {
    out["steps"].as_array().unwrap()
}

fn names(tools: &Value) -> Vec<&str> {
    tools
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect()
}

#[test]
fn lists_the_tools_and_ranks_ban_first() {
    let stub = Stub::ok("{}");
    let plan = json!({"steps": [{"list_tools": true}, tool("search_endpoints", json!({"query": "ban user_2ab"}))]});
    let out = session(plan, &stub, "", false);
    assert!(
        ["2025-06-18", "2025-11-25"].contains(&out["protocol"].as_str().unwrap()),
        "{}",
        out["protocol"]
    );
    let s = steps(&out);
    let tools = &s[0]["tools"];
    assert_eq!(
        names(tools),
        [
            "search_endpoints",
            "describe_endpoint",
            "list_tags",
            "list_endpoints",
            "resolve_prompt",
            "read_endpoint",
            "call_endpoint"
        ]
    );
    for t in tools.as_array().unwrap() {
        assert_eq!(t["inputSchema"]["type"], "object", "{t}");
        let read_only = t["annotations"]["readOnlyHint"] == json!(true);
        assert_eq!(read_only, t["name"] != "call_endpoint", "{t}");
    }
    let best = &s[1]["result"]["candidates"][0];
    assert_eq!(best["method"], "POST");
    assert_eq!(best["path"], "/users/{user_id}/ban");
    assert_eq!(best["operation_id"], "BanUser");
    assert_eq!(best["bound"]["path"]["user_id"], "user_2ab");
    assert_eq!(best["missing"], json!([]));
    assert_eq!(best["effect"]["class"], "disruptive");
    assert!(stub.requests().is_empty(), "search sends nothing");
}

#[test]
fn describes_and_lists_the_real_catalog() {
    let stub = Stub::ok("{}");
    let plan = json!({"steps": [
        tool("describe_endpoint", json!({"method": "POST", "path": "/invitations"})),
        tool("describe_endpoint", json!({"operation_id": "DeleteUser"})),
        tool("list_tags", json!({})),
        tool("list_endpoints", json!({"tag": "Users"})),
        tool("describe_endpoint", json!({"method": "GET", "path": "/nowhere"})),
    ]});
    let out = session(plan, &stub, "", false);
    let s = steps(&out);
    let inv = &s[0]["result"];
    assert_eq!(inv["operation_id"], "CreateInvitation");
    let schema = &inv["body"]["schema"];
    assert_eq!(schema["type"], "object");
    assert!(schema["required"]
        .as_array()
        .unwrap()
        .contains(&json!("email_address")));
    assert_eq!(schema["properties"]["email_address"]["type"], "string");
    assert_eq!(inv["effect"]["writes"], true);
    let del = &s[1]["result"];
    assert_eq!(del["path"], "/users/{user_id}");
    assert_eq!(del["effect"]["destroys"], true);
    assert!(del["warnings"][0]
        .as_str()
        .unwrap()
        .starts_with("IRREVERSIBLE"));
    let tags = s[2]["result"]["tags"].as_array().unwrap();
    assert!(tags.iter().any(|t| t["name"] == "Users"));
    let users = s[3]["result"]["operations"].as_array().unwrap();
    assert!(users
        .iter()
        .any(|o| o["method"] == "GET" && o["path"] == "/users"));
    assert_eq!(s[4]["is_error"], true);
    assert!(s[4]["result"]["error"]
        .as_str()
        .unwrap()
        .contains("no operation GET /nowhere"));
}

#[test]
fn a_read_is_sent_exactly_and_says_where_the_next_page_starts() {
    let stub = Stub::ok(r#"[{"id":"user_1"},{"id":"user_2"}]"#);
    let plan = json!({"steps": [tool("read_endpoint", json!({"method": "GET", "path": "/users", "query": {"limit": 2, "email_address": ["a@x.co", "b@y.co"]}}))]});
    let out = session(plan, &stub, "", false);
    let r = &steps(&out)[0]["result"];
    assert_eq!(r["sent"], true);
    assert_eq!(r["status"], 200);
    assert_eq!(r["body"][1]["id"], "user_2");
    assert_eq!(r["pagination"]["has_more"], true);
    assert_eq!(r["pagination"]["next_offset"], 2);
    let reqs = stub.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(
        reqs[0].target,
        "/users?email_address=a%40x.co&email_address=b%40y.co&limit=2"
    );
    assert_eq!(
        reqs[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
}

#[test]
fn a_long_list_is_cut_at_an_item_boundary() {
    let items: Vec<Value> = (0..400)
        .map(|i| json!({"id": format!("user_{i:04}"), "first_name": "Somebody", "last_name": "Withalongername"}))
        .collect();
    let body = json!({"data": items, "total_count": 1000}).to_string();
    let stub = Stub::ok(&body);
    let plan = json!({"server_args": ["--max-result-bytes", "4000"],
                      "steps": [tool("read_endpoint", json!({"method": "GET", "path": "/organizations/org_1/memberships", "query": {"limit": 400}}))]});
    let out = session(plan, &stub, "", false);
    let r = &steps(&out)[0]["result"];
    let kept = r["truncated"]["kept_items"].as_u64().unwrap();
    assert!(kept > 0 && kept < 400, "{kept}");
    assert_eq!(r["truncated"]["of_items"], 400);
    assert_eq!(r["body"]["data"].as_array().unwrap().len() as u64, kept);
    assert_eq!(r["pagination"]["next_offset"], kept);
    assert!(r["body"].to_string().len() <= 4000);
}

const BAN: &str = "/users/{user_id}/ban";

fn ban_args() -> Value {
    json!({"method": "POST", "path": BAN, "path_params": {"user_id": "user_2ab"}})
}

#[test]
fn a_write_without_confirmation_sends_nothing_and_returns_a_token() {
    let stub = Stub::ok("{}");
    let out = session(
        json!({"steps": [tool("call_endpoint", ban_args())]}),
        &stub,
        "write",
        false,
    );
    let r = &steps(&out)[0]["result"];
    assert_eq!(r["sent"], false);
    assert_eq!(r["confirmation_required"], true);
    assert!(r["confirmation_token"].as_str().unwrap().starts_with("ct_"));
    assert!(r["warnings"][0].as_str().unwrap().starts_with("DISRUPTIVE"));
    assert!(r["request"]["url"]
        .as_str()
        .unwrap()
        .ends_with("/users/user_2ab/ban"));
    assert!(
        stub.requests().is_empty(),
        "nothing is sent before the token"
    );
}

#[test]
fn a_token_sends_once_and_replay_change_and_expiry_are_refused() {
    let stub = Stub::ok(r#"{"id":"user_2ab","banned":true}"#);
    let meta = |v: &str| json!({"method": "PATCH", "path": "/users/user_2ab/metadata", "body": {"public_metadata": {"plan": v}}});
    let plan = json!({"steps": [
        tool("call_endpoint", ban_args()),                                   // 0: preview
        {"tool": "call_endpoint", "args": ban_args(), "token_from": 0},       // 1: sends
        {"tool": "call_endpoint", "args": ban_args(), "token_from": 0},       // 2: replay
        tool("call_endpoint", meta("pro")),                                  // 3: preview
        {"tool": "call_endpoint", "args": meta("enterprise"), "token_from": 3}, // 4: changed body
        {"tool": "call_endpoint", "args": meta("pro"), "token_from": 3},      // 5: spent by 4
    ]});
    let out = session(plan, &stub, "write", false);
    let s = steps(&out);
    assert_eq!(s[1]["result"]["sent"], true);
    assert_eq!(s[1]["result"]["status"], 200);
    assert_eq!(s[2]["is_error"], true);
    assert!(s[2]["result"]["error"]
        .as_str()
        .unwrap()
        .contains("already used"));
    assert!(s[3]["result"]["warnings"]
        .to_string()
        .contains("public = readable"));
    assert!(s[4]["result"]["error"]
        .as_str()
        .unwrap()
        .contains("differs"));
    assert_eq!(s[5]["result"]["sent"], false);
    let reqs = stub.requests();
    assert_eq!(reqs.len(), 1, "only the confirmed ban was sent");
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].target.as_str()),
        ("POST", "/users/user_2ab/ban")
    );

    let stub = Stub::ok("{}");
    let plan = json!({"server_args": ["--confirm-ttl", "0"], "steps": [
        tool("call_endpoint", ban_args()),
        {"tool": "call_endpoint", "args": ban_args(), "token_from": 0},
    ]});
    let out = session(plan, &stub, "write", false);
    assert!(steps(&out)[1]["result"]["error"]
        .as_str()
        .unwrap()
        .contains("expired"));
    assert!(stub.requests().is_empty());
}

#[test]
fn elicitation_asks_the_person_accept_sends_once_decline_sends_nothing() {
    let stub = Stub::ok("{}");
    let del = json!({"method": "DELETE", "path": "/users/user_2ab"});
    let out = session(
        json!({"elicit": "decline", "steps": [tool("call_endpoint", del.clone())]}),
        &stub,
        "write,delete",
        false,
    );
    assert_eq!(steps(&out)[0]["result"]["sent"], false);
    assert!(steps(&out)[0]["result"]["error"]
        .as_str()
        .unwrap()
        .contains("declined"));
    let asked = out["elicited"][0]["message"].as_str().unwrap();
    assert!(asked.contains("DELETE"), "{asked}");
    assert!(asked.contains("IRREVERSIBLE"), "{asked}");
    assert_eq!(
        out["elicited"][0]["schema"]["properties"]["send"]["default"],
        false
    );
    assert!(stub.requests().is_empty(), "declined: nothing sent");

    let out = session(
        json!({"elicit": "accept", "steps": [tool("call_endpoint", del)]}),
        &stub,
        "write,delete",
        false,
    );
    assert_eq!(steps(&out)[0]["result"]["sent"], true);
    let reqs = stub.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].target.as_str()),
        ("DELETE", "/users/user_2ab")
    );
}

#[test]
fn a_missing_scope_is_refused_before_anything_is_sent() {
    let stub = Stub::ok("{}");
    let plan = json!({"elicit": "accept", "steps": [
        tool("call_endpoint", ban_args()),
        tool("call_endpoint", json!({"method": "DELETE", "path": "/users/user_2ab"})),
    ]});
    let out = session(plan, &stub, "write", false);
    let s = steps(&out);
    assert_eq!(s[0]["result"]["sent"], true, "write is allowed");
    assert_eq!(s[1]["is_error"], true);
    assert_eq!(s[1]["result"]["refused"], "scope");
    assert!(s[1]["result"]["error"]
        .as_str()
        .unwrap()
        .contains("export CLERK_BAPI_SCOPES=write,delete"));
    assert_eq!(
        out["elicited"].as_array().unwrap().len(),
        1,
        "the refused call asked nobody"
    );
    assert_eq!(stub.requests().len(), 1);
}

#[test]
fn read_only_offers_no_write_tool() {
    let stub = Stub::ok("{}");
    let plan = json!({"server_args": ["--read-only"], "steps": [
        {"list_tools": true},
        tool("call_endpoint", ban_args()),
        tool("read_endpoint", json!({"method": "GET", "path": "/users/count"})),
    ]});
    let out = session(plan, &stub, "write", false);
    let s = steps(&out);
    let listed = names(&s[0]["tools"]);
    assert!(!listed.contains(&"call_endpoint"), "{listed:?}");
    for t in s[0]["tools"].as_array().unwrap() {
        assert_eq!(t["annotations"]["readOnlyHint"], true, "{t}");
    }
    assert_eq!(s[1]["protocol_error"]["code"], -32602);
    assert_eq!(s[2]["result"]["sent"], true);
    let reqs = stub.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].target, "/users/count");
}

#[test]
fn the_key_never_leaves_the_server() {
    // The API echoes the key back, and the agent pastes it into arguments.
    let stub = Stub::ok(&format!(r#"{{"note":"{KEY}"}}"#));
    let plan = json!({"steps": [
        tool("read_endpoint", json!({"method": "GET", "path": "/users/count"})),
        tool("call_endpoint", json!({"method": "POST", "path": "/invitations", "body": {"email_address": KEY}})),
        tool("search_endpoints", json!({"query": format!("get user {KEY}")})),
        tool("resolve_prompt", json!({"prompt": "ban user_2ab"})),
        tool("describe_endpoint", json!({"method": "GET", "path": format!("/users/{KEY}")})),
    ]});
    let out = session(plan, &stub, "write", true);
    let s = steps(&out);
    assert_eq!(s[0]["result"]["sent"], true);
    assert!(s[1]["result"]["error"]
        .as_str()
        .unwrap()
        .contains("looks like a Clerk secret key"));
    assert_eq!(s[2]["is_error"], true);
    assert_eq!(
        s[3]["result"]["request"]["headers"]["Authorization"],
        "Bearer <CLERK_SECRET_KEY>"
    );
    assert!(s[4]["result"]["error"]
        .as_str()
        .unwrap()
        .contains("looks like a Clerk secret key"));
    assert_eq!(stub.requests().len(), 1, "the refused call sent nothing");
}

#[test]
fn unknown_tools_and_bad_arguments_are_protocol_errors() {
    let stub = Stub::ok("{}");
    let plan = json!({"steps": [
        tool("drop_database", json!({})),
        tool("search_endpoints", json!({"query": 7})),
        tool("search_endpoints", json!({})),
        tool("search_endpoints", json!({"query": "list users", "colour": "red"})),
        tool("list_tags", json!({"version": "1999-01-01"})),
        tool("list_tags", json!({})),
    ]});
    let out = session(plan, &stub, "", false);
    let s = steps(&out);
    for (i, needle) in [
        (0, "unknown tool"),
        (1, "must be string"),
        (2, "missing argument"),
        (3, "unknown argument"),
        (4, "must be one of"),
    ] {
        assert_eq!(s[i]["protocol_error"]["code"], -32602, "{}", s[i]);
        assert!(
            s[i]["protocol_error"]["message"]
                .as_str()
                .unwrap()
                .contains(needle),
            "{}",
            s[i]
        );
    }
    assert!(
        !s[5]["result"]["tags"].as_array().unwrap().is_empty(),
        "still serving"
    );
}

/// Below the SDK: raw lines a client library would never send.
#[test]
fn malformed_json_rpc_gets_errors_and_the_server_keeps_serving() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_clerk"))
        .arg("mcp")
        .env("CLERK_SECRET_KEY", KEY)
        .current_dir(scratch(None))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2099-01-01","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#,
        "this is not json",
        r#"[{"jsonrpc":"2.0","id":2,"method":"ping"}]"#,
        r#"{"id":3,"method":"ping"}"#,
        r#"{"jsonrpc":"2.0","id":4,"method":"no/such/method"}"#,
        r#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"list_tags","arguments":"nope"}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":6,"method":"ping"}"#,
    ];
    let mut stdin = child.stdin.take().unwrap();
    for l in lines {
        writeln!(stdin, "{l}").unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let replies: Vec<Value> = BufReader::new(&out.stdout[..])
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    assert_eq!(
        replies.len(),
        7,
        "one reply per request, none for the notification"
    );
    assert_eq!(
        replies[0]["result"]["protocolVersion"], "2025-11-25",
        "the newest offered"
    );
    let codes: Vec<&Value> = replies[1..6].iter().map(|r| &r["error"]["code"]).collect();
    assert_eq!(
        codes,
        [
            &json!(-32700),
            &json!(-32600),
            &json!(-32600),
            &json!(-32601),
            &json!(-32602)
        ]
    );
    assert_eq!(replies[6], json!({"jsonrpc": "2.0", "id": 6, "result": {}}));
}

#[test]
fn an_older_client_gets_the_revision_it_asked_for() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_clerk"))
        .arg("mcp")
        .current_dir(scratch(None))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"elicitation":{}},"clientInfo":{"name":"raw","version":"0"}}}"#;
    writeln!(child.stdin.take().unwrap(), "{init}").unwrap();
    let out = child.wait_with_output().unwrap();
    let reply: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reply["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(reply["result"]["serverInfo"]["name"], "clerk");
}

#[test]
fn bad_server_options_are_one_line_usage_errors() {
    use assert_cmd::Command;
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("clerk")
            .unwrap()
            .args(args)
            .env("CLERK_SECRET_KEY", KEY)
            .write_stdin("")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.stdout.is_empty(), "nothing on the protocol stream");
        (out.status.code(), err)
    };
    let (code, err) = run(&["mcp", "--version", "1999-01-01"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("unknown version `1999-01-01`"), "{err}");
    let (code, err) = run(&["mcp", "--secret-key", KEY]);
    assert_eq!(code, Some(2), "the key is taken from the environment only");
    assert!(!err.contains(KEY), "{err}");
    let (code, _) = run(&["mcp", "--version", "2025-11-10"]);
    assert_eq!(code, Some(0), "an empty session ends cleanly");
}

#[test]
fn a_fixed_version_is_the_only_one_offered() {
    let stub = Stub::ok("{}");
    let plan = json!({"server_args": ["--version", "2025-11-10"], "steps": [
        tool("list_tags", json!({})),
        tool("list_tags", json!({"version": "2026-05-12"})),
        tool("search_endpoints", json!({"query": "list users"})),
    ]});
    let out = session(plan, &stub, "", false);
    let s = steps(&out);
    assert_eq!(s[0]["result"]["version"], "2025-11-10");
    assert_eq!(s[1]["is_error"], true);
    assert!(s[1]["result"]["error"]
        .as_str()
        .unwrap()
        .contains("fixed to version 2025-11-10"));
    assert_eq!(s[2]["result"]["version"], "2025-11-10");
}
