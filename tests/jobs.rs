//! Everyday jobs through the binary: time ranges, sorts, metadata, many IDs.
//! Timestamps are exact under a fixed clock (`CLERK_NOW`).

mod common;

use common::*;

/// 2026-12-01T12:00:00Z, a Tuesday.
const NOW: i64 = 1_796_126_400_000;
const DAY: i64 = 86_400_000;

fn at(stub: &Stub, scopes: &str) -> assert_cmd::Command {
    let mut c = clerk(stub, scopes);
    c.env("CLERK_NOW", "2026-12-01T12:00:00Z");
    c
}

/// The query of the one request the stub saw, as (key, value) pairs.
fn query_of(stub: &Stub) -> Vec<(String, String)> {
    let reqs = stub.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    let (_, q) = reqs[0].target.split_once('?').unwrap_or(("", ""));
    q.split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn pairs(list: &[(&str, String)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[test]
fn time_ranges_become_exact_filters_and_a_sort() {
    type Case = (&'static str, &'static str, Vec<(&'static str, String)>);
    let cases: [Case; 6] = [
        (
            "list users created in the last 7 days",
            "/users",
            vec![
                ("created_at_after", (NOW - 7 * DAY).to_string()),
                ("order_by", "-created_at".into()),
            ],
        ),
        (
            "how many users signed up this week",
            "/users/count",
            vec![("created_at_after", (NOW - 12 * 3_600_000 - DAY).to_string())],
        ),
        (
            "users who signed in since yesterday",
            "/users",
            vec![
                (
                    "last_sign_in_at_after",
                    (NOW - 12 * 3_600_000 - DAY).to_string(),
                ),
                ("order_by", "-last_sign_in_at".into()),
            ],
        ),
        (
            "list users created between 2025-01-01 and 2025-02-01",
            "/users",
            vec![
                ("created_at_after", "1735689600000".into()),
                ("created_at_before", "1738454400000".into()),
                ("order_by", "-created_at".into()),
            ],
        ),
        (
            "list users created before March 2024",
            "/users",
            vec![
                ("created_at_before", "1709251200000".into()),
                ("order_by", "-created_at".into()),
            ],
        ),
        (
            "list users inactive for 90 days",
            "/users",
            vec![
                ("last_active_at_before", (NOW - 90 * DAY).to_string()),
                ("order_by", "-last_active_at".into()),
            ],
        ),
    ];
    for (prompt, path, want) in cases {
        let stub = Stub::ok(r#"{"object":"total_count","total_count":3}"#);
        let (code, _, err) = run(at(&stub, "").arg(prompt));
        assert_eq!(code, 0, "{prompt}: {err}");
        let target = &stub.requests()[0].target;
        assert!(
            target.starts_with(&format!("{path}?")),
            "{prompt}: {target}"
        );
        assert_eq!(query_of(&stub), pairs(&want), "{prompt}");
        // The number is shown as a date beside it.
        assert!(err.contains(" UTC)"), "{prompt}: {err}");
    }
}

#[test]
fn the_range_is_shown_readably_and_its_words_are_not_a_page_size() {
    let stub = Stub::ok("[]");
    let (code, out, err) = run(at(&stub, "").args([
        "--dry-run",
        "--json",
        "list users created in the last 7 days",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(stub.requests().is_empty());
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    let url = j["url"].as_str().unwrap();
    assert!(!url.contains("limit="), "{url}");
    let after = NOW - 7 * DAY;
    assert!(url.contains(&format!("created_at_after={after}")), "{url}");
    let notes = j["notes"].to_string();
    assert!(
        notes.contains(&format!(
            "read `created in the last 7 days` as created_at_after={after} (2026-11-24 12:00:00 UTC)"
        )),
        "{notes}"
    );
    assert!(!err.contains("as `list`"), "{err}");
}

#[test]
fn without_a_fixed_clock_the_range_ends_now() {
    let stub = Stub::ok("[]");
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let (code, out, err) = run(clerk(&stub, "").env_remove("CLERK_NOW").args([
        "--dry-run",
        "--json",
        "list users created in the last 7 days",
    ]));
    let after = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    let url = j["url"].as_str().unwrap();
    let v: i64 = url
        .split("created_at_after=")
        .nth(1)
        .and_then(|s| s.split('&').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{url}"));
    assert!(
        (before - 7 * DAY..=after - 7 * DAY).contains(&v),
        "{v} not within [{}, {}]",
        before - 7 * DAY,
        after - 7 * DAY
    );
    assert!(url.contains("order_by=-created_at"), "{url}");
}

#[test]
fn sort_words_set_order_by_where_the_operation_sorts_by_that_field() {
    let stub = Stub::ok("[]");
    let (code, _, err) = run(at(&stub, "").arg("list the newest 10 organizations"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        query_of(&stub),
        pairs(&[("order_by", "-created_at".into()), ("limit", "10".into())])
    );
    let stub = Stub::ok("[]");
    let (code, _, err) = run(at(&stub, "").arg("list the 5 most recently active users"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        query_of(&stub),
        pairs(&[
            ("order_by", "-last_active_at".into()),
            ("limit", "5".into())
        ])
    );
}

#[test]
fn a_range_the_operation_cannot_filter_by_is_said_not_dropped_silently() {
    let stub = Stub::ok("[]");
    let (code, _, err) = run(at(&stub, "").arg("list invitations older than 30 days"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(stub.requests()[0].target, "/invitations");
    assert!(
        err.contains("`older than 30 days` is not used: GET /invitations has no created_at filter"),
        "{err}"
    );
}

/// The body of the one request the stub saw.
fn body_of(stub: &Stub) -> serde_json::Value {
    let reqs = stub.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    serde_json::from_str(&reqs[0].body).unwrap()
}

#[test]
fn metadata_items_are_typed_and_go_into_the_recommended_object() {
    let stub = Stub::ok(r#"{"id":"user_x","object":"user"}"#);
    let (code, _, err) = run(at(&stub, "write").args([
        "--yes",
        "set plan=pro and onboarded=true seats=5 trial_end=null on user_x",
    ]));
    assert_eq!(code, 0, "{err}");
    let r = &stub.requests()[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("PATCH", "/users/user_x/metadata")
    );
    assert_eq!(
        body_of(&stub),
        serde_json::json!({"public_metadata": {"plan": "pro", "onboarded": true, "seats": 5, "trial_end": null}})
    );
    // The three types are explained before the write, and the merge is said.
    assert!(
        err.contains("public = readable by client and server"),
        "{err}"
    );
    assert!(err.contains("private = server only"), "{err}");
    assert!(
        err.contains("unsafe = writable by the client itself"),
        "{err}"
    );
    assert!(err.contains("deep-merges"), "{err}");

    // Each key goes where it is recommended: an ID in another system is
    // private, flags public; `:=` is JSON.
    let stub = Stub::ok(r#"{"id":"user_x"}"#);
    let (code, _, err) = run(at(&stub, "write").args([
        "--yes",
        "set stripe_customer_id=cus_123 flags:=[\"beta\"] on user_x",
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        body_of(&stub),
        serde_json::json!({
            "private_metadata": {"stripe_customer_id": "cus_123"},
            "public_metadata": {"flags": ["beta"]}
        })
    );
}

#[test]
fn the_named_metadata_type_wins_and_a_client_readable_id_is_warned() {
    let stub = Stub::ok(r#"{"id":"user_x"}"#);
    let (code, out, err) = run(at(&stub, "write").args([
        "--dry-run",
        "--json",
        "set stripe_customer_id=cus_123 in the public metadata of user_x",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(stub.requests().is_empty());
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        j["body"],
        serde_json::json!({"public_metadata": {"stripe_customer_id": "cus_123"}})
    );
    assert!(
        err.contains("stripe_customer_id is recommended for private_metadata"),
        "{err}"
    );
    let stub = Stub::ok(r#"{"id":"org_2x"}"#);
    let (code, _, err) = run(at(&stub, "write").args([
        "--yes",
        "PATCH",
        "/organizations/org_2x/metadata",
        "private",
        "tier=3",
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(stub.requests()[0].target, "/organizations/org_2x/metadata");
    assert_eq!(
        body_of(&stub),
        serde_json::json!({"private_metadata": {"tier": 3}})
    );
}

#[test]
fn replace_chooses_the_put_that_replaces_and_says_so() {
    let stub = Stub::ok(r#"{"id":"user_x"}"#);
    let (code, _, err) = run(at(&stub, "write").args([
        "--yes",
        "replace the public metadata of user_x with plan=pro",
    ]));
    assert_eq!(code, 0, "{err}");
    let r = &stub.requests()[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("PUT", "/users/user_x/metadata")
    );
    assert_eq!(
        body_of(&stub),
        serde_json::json!({"public_metadata": {"plan": "pro"}})
    );
    assert!(err.contains("REPLACES"), "{err}");
}

#[test]
fn organization_roles_are_written_as_clerk_requires() {
    let stub = Stub::ok(r#"{"id":"orginv_1"}"#);
    let (code, _, err) =
        run(at(&stub, "write").args(["--yes", "invite bob@acme.com to org_2x as admin"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        stub.requests()[0].target,
        "/organizations/org_2x/invitations"
    );
    assert_eq!(
        body_of(&stub),
        serde_json::json!({"email_address": "bob@acme.com", "role": "org:admin"})
    );
    let stub = Stub::ok(r#"{"id":"orgmem_1"}"#);
    let (code, _, err) =
        run(at(&stub, "write").args(["--yes", "add user_x to org_2x with role=org:billing"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(body_of(&stub)["role"], "org:billing");
}

#[test]
fn a_list_of_users_is_a_readable_table_and_says_when_more_pages_exist() {
    let user = |i: u32| {
        format!(
            r#"{{"id":"user_{i}","object":"user","first_name":"Ada{i}","last_name":"Byron","primary_email_address_id":"idn_{i}","email_addresses":[{{"id":"idn_{i}","email_address":"ada{i}@x.io"}}],"created_at":1796126400000}}"#
        )
    };
    let page: Vec<String> = (1..=10).map(user).collect();
    let stub = Stub::ok(&format!("[{}]", page.join(",")));
    let (code, out) = on_terminal(&stub, "", "'list users'", "");
    assert_eq!(code, 0, "{out}");
    for cell in ["user_3", "ada3@x.io", "Ada3 Byron", "2026-12-01"] {
        assert!(out.contains(cell), "{cell}: {out}");
    }
    assert!(
        out.contains("showing 1-10; there may be more: --offset 10 or --all"),
        "{out}"
    );

    // A short page is the last one: no note.
    let stub = Stub::ok(&format!("[{}]", user(1)));
    let (_, _, err) = run(clerk(&stub, "").arg("list users"));
    assert!(!err.contains("there may be more"), "{err}");
    // With a total, the note says how many.
    let stub = Stub::ok(&format!(r#"{{"data":[{}],"total_count":40}}"#, user(1)));
    let (_, _, err) =
        run(clerk(&stub, "").args(["--limit", "1", "list organization memberships of org_1"]));
    assert!(
        err.contains("showing 1-1 of 40; more with --offset 1 or --all"),
        "{err}"
    );
}
