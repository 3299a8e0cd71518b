//! The resolver through the library, on prompts written for this test (not
//! the eval set), so a regression in a general signal shows up here.

use clerk::resolve::{resolve, Browse, Confidence, Mode};

/// (prompt, expected "METHOD /path" of the first answer, expected params)
/// (name, value) pairs the first answer must carry.
type Params = &'static [(&'static str, &'static str)];

const CASES: &[(&str, &str, Params)] = &[
    (
        "show user user_2xYz",
        "GET /users/{user_id}",
        &[("user_id", "user_2xYz")],
    ),
    ("list all users", "GET /users", &[]),
    (
        "lookup user by email ann@corp.io",
        "GET /users",
        &[("email_address", "ann@corp.io")],
    ),
    (
        "delete user user_9Q",
        "DELETE /users/{user_id}",
        &[("user_id", "user_9Q")],
    ),
    (
        "ban user_77",
        "POST /users/{user_id}/ban",
        &[("user_id", "user_77")],
    ),
    (
        "lift the ban on user_77",
        "POST /users/{user_id}/unban",
        &[("user_id", "user_77")],
    ),
    (
        "disable mfa for user_5",
        "DELETE /users/{user_id}/mfa",
        &[("user_id", "user_5")],
    ),
    ("count organizations", "GET /organizations", &[]),
    (
        "fetch organization org_abc",
        "GET /organizations/{organization_id}",
        &[("organization_id", "org_abc")],
    ),
    (
        "delete org org_abc",
        "DELETE /organizations/{organization_id}",
        &[("organization_id", "org_abc")],
    ),
    (
        "list members of org_abc",
        "GET /organizations/{organization_id}/memberships",
        &[("organization_id", "org_abc")],
    ),
    (
        "boot user_1 from org_abc",
        "DELETE /organizations/{organization_id}/memberships/{user_id}",
        &[("organization_id", "org_abc"), ("user_id", "user_1")],
    ),
    (
        "revoke invitation inv_123",
        "POST /invitations/{invitation_id}/revoke",
        &[("invitation_id", "inv_123")],
    ),
    (
        "create an invitation for sam@corp.io",
        "POST /invitations",
        &[],
    ),
    (
        "show session sess_42",
        "GET /sessions/{session_id}",
        &[("session_id", "sess_42")],
    ),
    (
        "sign out session sess_42",
        "POST /sessions/{session_id}/revoke",
        &[("session_id", "sess_42")],
    ),
    ("list jwt templates", "GET /jwt_templates", &[]),
    (
        "remove jwt template jtmp_1",
        "DELETE /jwt_templates/{template_id}",
        &[("template_id", "jtmp_1")],
    ),
    ("list all machines", "GET /machines", &[]),
    (
        "rotate the secret key of mch_9",
        "POST /machines/{machine_id}/secret_key/rotate",
        &[("machine_id", "mch_9")],
    ),
    ("list oauth applications", "GET /oauth_applications", &[]),
    (
        "delete redirect url ru_1",
        "DELETE /redirect_urls/{id}",
        &[("id", "ru_1")],
    ),
    ("show the blocklist", "GET /blocklist_identifiers", &[]),
    ("get the jwks", "GET /jwks", &[]),
    ("show waitlist entries", "GET /waitlist_entries", &[]),
    ("list api keys", "GET /api_keys", &[]),
    (
        "revoke api key ak_1",
        "POST /api_keys/{apiKeyID}/revoke",
        &[("apiKeyID", "ak_1")],
    ),
    ("list saml connections", "GET /saml_connections", &[]),
    ("users limit 5", "GET /users", &[("limit", "5")]),
    ("get users with limit==2", "GET /users", &[("limit", "2")]),
    (
        "deleet user user_1",
        "DELETE /users/{user_id}",
        &[("user_id", "user_1")],
    ),
    // A handle, not an ID: the list call with the filter is the lookup.
    (
        "get user john_doe",
        "GET /users",
        &[("username", "john_doe")],
    ),
    // A phone typed with spaces is one value.
    (
        "which user has the phone +1 415 555 0142",
        "GET /users",
        &[("phone_number", "+1 415 555 0142")],
    ),
    // "email containing X" is the partial-match filter.
    (
        "users whose email contains northwind",
        "GET /users",
        &[("email_address_query", "northwind")],
    ),
    // An ID of a prefix the lexicon does not know still fills the ID path parameter.
    (
        "delete the scim directory scimdir_9Qw2Er7Ty",
        "DELETE /scim_directories/{scim_directory_id}",
        &[("scim_directory_id", "scimdir_9Qw2Er7Ty")],
    ),
    (
        "get organisation org_1",
        "GET /organizations/{organization_id}",
        &[("organization_id", "org_1")],
    ),
];

/// An action and its opposite (lock / unlock) read alike to a word model. When
/// the model cannot tell them apart it must say so: never a confident write in
/// the wrong direction, and the asked-for action among the first two.
#[test]
fn an_action_and_its_opposite_are_never_confused_confidently() {
    for (prompt, want, opposite) in [
        (
            "lock the account user_5",
            "POST /users/{user_id}/lock",
            "POST /users/{user_id}/unlock",
        ),
        (
            "lock user user_5",
            "POST /users/{user_id}/lock",
            "POST /users/{user_id}/unlock",
        ),
        (
            "ban user_5",
            "POST /users/{user_id}/ban",
            "POST /users/{user_id}/unban",
        ),
        (
            "lift the ban on user_5",
            "POST /users/{user_id}/unban",
            "POST /users/{user_id}/ban",
        ),
    ] {
        let r = resolve(prompt, None).unwrap();
        let ops: Vec<String> = r
            .candidates
            .iter()
            .take(2)
            .map(|c| c.operation.display())
            .collect();
        assert!(ops.contains(&want.to_string()), "{prompt}: {ops:?}");
        if ops[0] == opposite {
            assert_eq!(r.confidence, Confidence::Low, "{prompt}: {ops:?}");
        }
    }
}

#[test]
fn plain_language_lands_on_the_right_endpoint() {
    let mut failures = Vec::new();
    for (prompt, want, params) in CASES {
        let r = resolve(prompt, None).unwrap();
        let Some(best) = r.best() else {
            failures.push(format!("{prompt:?}: no answer"));
            continue;
        };
        let got = best.operation.display();
        if got != *want {
            failures.push(format!("{prompt:?}: got {got}, want {want}"));
            continue;
        }
        for (k, v) in *params {
            let have = best.bound.path_value(k).map(str::to_string).or_else(|| {
                best.bound
                    .query
                    .iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.clone())
            });
            if have.as_deref() != Some(*v) {
                failures.push(format!("{prompt:?}: param {k} = {have:?}, want {v}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn explicit_forms_are_exact() {
    for (prompt, want) in [
        ("GET /users", "GET /users"),
        ("DELETE /v1/users/user_123", "DELETE /users/{user_id}"),
        ("post /users/user_123/ban", "POST /users/{user_id}/ban"),
        (
            "curl -X DELETE https://api.clerk.com/v1/users/user_1",
            "DELETE /users/{user_id}",
        ),
        ("https://api.clerk.com/v1/users?limit=5", "GET /users"),
    ] {
        let r = resolve(prompt, None).unwrap();
        let b = r.best().unwrap_or_else(|| panic!("{prompt}: no answer"));
        assert_eq!(b.operation.display(), want, "{prompt}");
        assert_eq!(r.confidence, Confidence::Exact);
    }
    // A path without a method: GET if it has one, else its only method.
    let r = resolve("/users/user_123/ban", None).unwrap();
    assert_eq!(
        r.best().unwrap().operation.display(),
        "POST /users/{user_id}/ban"
    );
    // Two methods and no GET: nothing is guessed.
    let r = resolve("/organizations/org_1/metadata", None).unwrap();
    assert!(
        r.candidates.is_empty(),
        "{:?}",
        r.best().map(|b| b.operation.display())
    );
}

#[test]
fn modes() {
    assert_eq!(resolve("", None).unwrap().mode, Mode::Help);
    assert_eq!(resolve("   \t ", None).unwrap().mode, Mode::Help);
    assert!(matches!(
        resolve("tags", None).unwrap().browse,
        Some(Browse::Tags)
    ));
    assert!(
        matches!(resolve("Sessions", None).unwrap().browse, Some(Browse::Tag(t)) if t.name == "Sessions")
    );
    assert_eq!(resolve("GET /users help", None).unwrap().mode, Mode::Detail);
    assert_eq!(
        resolve("explain the unban endpoint", None).unwrap().mode,
        Mode::Detail
    );
    assert_eq!(resolve("ban user_1", None).unwrap().mode, Mode::Execute);
}

#[test]
fn version_in_prompt() {
    let r = resolve("get users version 2024-10-01", None).unwrap();
    assert_eq!(r.version.date, "2024-10-01");
    assert!(resolve("tags version 1999-01-01", None).is_err());
}

#[test]
fn entity_text_does_not_pollute_the_search() {
    // An ID that contains a searchable word must not drag in other endpoints.
    let r = resolve("get user user_invitations", None).unwrap();
    assert_eq!(
        r.best().unwrap().operation.display(),
        "GET /users/{user_id}"
    );
}

#[test]
fn path_values_are_never_interpreted() {
    let r = resolve("GET /users/..%2Finstance", None).unwrap();
    let b = r.best().unwrap();
    assert_eq!(b.operation.display(), "GET /users/{user_id}");
    assert_eq!(b.bound.path_value("user_id"), Some("../instance"));
}

#[test]
fn odd_and_huge_input_never_panics() {
    let huge = "ban user ".repeat(2000);
    assert!(huge.len() > 10 * 1024);
    let _ = resolve(&huge, None).unwrap();
    for p in [
        "\u{0}",
        "{{{{",
        "]]]",
        "\"unterminated",
        "GET",
        "/",
        "//",
        "curl",
        "curl -X",
        "version",
        "version 2024",
        "é",
        "🦀 user_🦀",
        "key==",
        ":=",
        "GET /users?=&&=",
    ] {
        let _ = resolve(p, None);
    }
}

#[test]
fn path_like_words_in_plain_language_are_not_endpoints() {
    let r = resolve("set after sign in url to /dashboard for user_1", None).unwrap();
    assert!(!r.candidates.is_empty(), "{:?}", r.notes);
    let r = resolve("allowlist https://clerk.acme.com/cb", None).unwrap();
    assert!(!r.candidates.is_empty(), "{:?}", r.notes);
    // With a method it is an endpoint, and an unknown one is reported.
    let r = resolve("GET /dashboard", None).unwrap();
    assert!(r.candidates.is_empty() && !r.notes.is_empty());
}

#[test]
fn quoted_item_values_keep_their_spaces() {
    let r = resolve(
        "POST /organizations name='Acme Inc' public_metadata:='{\"plan\": \"pro\"}'",
        None,
    )
    .unwrap();
    let b = &r.best().unwrap().bound;
    assert_eq!(b.body["name"], "Acme Inc");
    assert_eq!(b.body["public_metadata"]["plan"], "pro");
    let r = resolve("create org name='Acme Inc'", None).unwrap();
    assert_eq!(r.best().unwrap().bound.body["name"], "Acme Inc");
}

#[test]
fn vague_writes_are_low_confidence() {
    // Never sure: a guess to choose from, or no match at all.
    for p in ["delete it", "remove it", "delete token"] {
        let r = resolve(p, None).unwrap();
        assert!(
            matches!(r.confidence, Confidence::Low | Confidence::None),
            "{p}: {:?}",
            r.confidence
        );
    }
    // "delete X" never lands on creating one.
    let r = resolve("delete token", None).unwrap();
    assert!(
        r.candidates.iter().take(3).all(|c| !c
            .operation
            .summary
            .to_lowercase()
            .starts_with("create")),
        "{:?}",
        r.best().map(|b| b.operation.display())
    );
    // An ID names the resource when no noun does (a rare verb may still
    // leave the answer low confidence: then the user chooses).
    let r = resolve("nuke user_2Xb9kLmNpQ", None).unwrap();
    assert_eq!(
        r.best().unwrap().operation.display(),
        "DELETE /users/{user_id}"
    );
}

#[test]
fn of_several_ids_for_one_slot_the_one_the_action_names_is_used_and_said() {
    let r = resolve("user_2a stays, delete the user user_2b", None).unwrap();
    let b = r.best().unwrap();
    assert_eq!(b.bound.path_value("user_id"), Some("user_2b"));
    assert!(r.plan.is_none(), "not a list");
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("uses `user_2b`, not `user_2a`")),
        "{:?}",
        r.notes
    );
    // A bulk call takes the list the action names, not every ID of the prompt.
    for prompt in ["ban user_2a, not user_2b", "unban user_2a but not user_2b"] {
        let r = resolve(prompt, None).unwrap();
        let bound = serde_json::to_string(&r.best().unwrap().bound).unwrap();
        assert!(
            bound.contains("user_2a") && !bound.contains("user_2b"),
            "{prompt}: {bound}"
        );
    }
}
