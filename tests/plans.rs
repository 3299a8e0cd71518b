//! Prompts that need several calls, through the binary against the stub:
//! one call per value, bulk endpoints, two-step plans with the ID carried
//! over, confirmation once, pacing and 429s (checked by the stub's clock),
//! failures, the per-step summary and its exit codes, and Ctrl-C.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

const USER: &str = r#"{"id":"user_x","object":"user"}"#;

fn targets(stub: &Stub) -> Vec<String> {
    stub.requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.target))
        .collect()
}

fn body(r: &Recorded) -> Value {
    serde_json::from_str(&r.body).unwrap()
}

#[test]
fn many_ids_repeat_the_call_once_each_and_end_with_a_summary() {
    let stub = Stub::ok(USER);
    let (code, out, err) =
        run(clerk(&stub, "write").args(["--yes", "unlock user_a user_b user_c"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        targets(&stub),
        [
            "POST /users/user_a/unlock",
            "POST /users/user_b/unlock",
            "POST /users/user_c/unlock"
        ]
    );
    for (i, id) in ["user_a", "user_b", "user_c"].iter().enumerate() {
        let line = format!("{}. POST /users/{{user_id}}/unlock {id}: done (200)", i + 1);
        assert!(out.contains(&line), "{out}");
    }
    assert!(
        err.contains("3 of 3 done, 0 failed, 0 not attempted"),
        "{err}"
    );
    assert!(
        err.contains("one for each of user_a, user_b, user_c"),
        "{err}"
    );
}

#[test]
fn a_plan_of_writes_without_a_terminal_is_refused_whole_and_nothing_is_sent() {
    let stub = Stub::ok(USER);
    let (code, _, err) = run(clerk(&stub, "write,delete").arg("delete users user_a user_b"));
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("/users/user_a") && err.contains("/users/user_b") && err.contains("--yes"),
        "{err}"
    );
    assert!(err.contains("IRREVERSIBLE"), "{err}");
    assert!(stub.requests().is_empty());
}

#[test]
fn a_missing_scope_refuses_the_plan_before_any_call() {
    let stub = Stub::ok(USER);
    let (code, _, err) = run(clerk(&stub, "write").args(["--yes", "delete users user_a user_b"]));
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("delete"), "{err}");
    assert!(stub.requests().is_empty());
}

#[test]
fn a_plan_of_writes_on_a_guess_is_refused_even_with_yes() {
    let stub = Stub::ok(USER);
    let (code, _, err) = run(clerk(&stub, "write,delete").args(["--yes", "disable user_a user_b"]));
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("not sure which endpoint you mean"), "{err}");
    assert!(stub.requests().is_empty());
}

#[test]
fn different_roles_are_not_one_bulk_call() {
    let stub = Stub::ok("[]");
    let (code, _, err) = run(clerk(&stub, "write").args([
        "--dry-run",
        "invite a@x.com as admin and b@y.com as member to org_1",
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("one shared role"), "{err}");
    assert!(stub.requests().is_empty());
}

#[test]
fn on_a_terminal_the_whole_plan_is_asked_once() {
    let stub = Stub::ok(USER);
    let (code, out) = on_terminal(&stub, "write", "'unlock user_a user_b'", "y\n");
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.matches("Send these 2 requests? [y/N]").count(),
        1,
        "{out}"
    );
    assert_eq!(stub.requests().len(), 2);

    let stub = Stub::ok(USER);
    let (code, out) = on_terminal(&stub, "write", "'unlock user_a user_b'", "n\n");
    assert_eq!(code, 3, "{out}");
    assert!(stub.requests().is_empty());
}

#[test]
fn a_failed_item_is_reported_with_its_reason_and_the_rest_still_run() {
    let missing = r#"{"errors":[{"message":"not found","long_message":"No user was found with id user_b","code":"resource_not_found"}]}"#;
    let stub = Stub::new(vec![
        (200, vec![], USER.into()),
        (404, vec![], missing.into()),
        (200, vec![], USER.into()),
    ]);
    let (code, out, err) =
        run(clerk(&stub, "write").args(["--yes", "unlock user_a user_b user_c"]));
    assert_eq!(code, 5, "partly done: {err}");
    assert_eq!(stub.requests().len(), 3);
    assert!(
        out.contains("2. POST /users/{user_id}/unlock user_b: failed (404)"),
        "{out}"
    );
    assert!(out.contains("No user was found"), "{out}");
    assert!(
        out.contains("3. POST /users/{user_id}/unlock user_c: done (200)"),
        "{out}"
    );
    assert!(
        err.contains("2 of 3 done, 1 failed, 0 not attempted"),
        "{err}"
    );
}

#[test]
fn the_summary_is_json_with_json() {
    let stub = Stub::ok(USER);
    let (code, out, _) =
        run(clerk(&stub, "write").args(["--yes", "--json", "unlock user_a user_b"]));
    assert_eq!(code, 0);
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["plan"], "each");
    assert_eq!(j["done"], 2);
    assert_eq!(j["results"][1]["item"], "user_b");
    assert_eq!(j["results"][1]["outcome"], "done");
    assert_eq!(j["results"][1]["status"], 200);
}

#[test]
fn calls_are_paced_within_the_rate_by_the_stubs_clock() {
    let stub = Stub::ok(USER);
    let (code, _, err) = run(clerk(&stub, "write").args([
        "--yes",
        "--rate",
        "2/400ms",
        "unlock user_a user_b user_c user_d user_e",
    ]));
    assert_eq!(code, 0, "{err}");
    let reqs = stub.requests();
    assert_eq!(reqs.len(), 5);
    // No three calls within one 400 ms window (less the time a request
    // takes to reach the stub, a few ms).
    for w in reqs.windows(3) {
        let gap = w[2].at - w[0].at;
        assert!(gap >= Duration::from_millis(350), "{gap:?}");
    }
    // And the pacer does not wait when the window has room.
    assert!(reqs[1].at - reqs[0].at < Duration::from_millis(350));
}

#[test]
fn a_429_in_the_middle_is_waited_out_and_the_call_sent_again() {
    let stub = Stub::new(vec![
        (200, vec![], USER.into()),
        (
            429,
            vec![("Retry-After", "1")],
            r#"{"errors":[{"message":"Too many requests","code":"too_many_requests"}]}"#.into(),
        ),
        (200, vec![], USER.into()),
    ]);
    let (code, out, err) =
        run(clerk(&stub, "write").args(["--yes", "unlock user_a user_b user_c"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        targets(&stub),
        [
            "POST /users/user_a/unlock",
            "POST /users/user_b/unlock",
            "POST /users/user_b/unlock",
            "POST /users/user_c/unlock"
        ]
    );
    let reqs = stub.requests();
    assert!(
        reqs[2].at - reqs[1].at >= Duration::from_millis(950),
        "Retry-After: 1 was honoured"
    );
    assert!(err.contains("HTTP 429"), "{err}");
    assert!(
        out.contains("2. POST /users/{user_id}/unlock user_b: done (200)"),
        "{out}"
    );
}

#[test]
fn ctrl_c_stops_between_calls_and_still_prints_the_summary() {
    let stub = Stub::ok(USER);
    let bin = assert_cmd::cargo::cargo_bin("clerk");
    let child = process(&bin, &stub, "write")
        .args(["--yes", "--rate", "1/30s", "unlock user_a user_b user_c"])
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The first call is sent at once; the second waits 30 s for the window.
    while stub.requests().is_empty() {
        std::thread::yield_now();
    }
    // Give the response time to reach clerk before interrupting (the
    // outcome is the same either way: step 1 is sent, the rest are not).
    std::thread::sleep(Duration::from_millis(300));
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let (so, se) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(5), "{so}\n{se}");
    assert_eq!(stub.requests().len(), 1);
    assert!(
        so.contains("1. POST /users/{user_id}/unlock user_a: done (200)"),
        "{so}"
    );
    assert!(
        so.contains("2. POST /users/{user_id}/unlock user_b: not attempted: stopped"),
        "{so}"
    );
    assert!(
        so.contains("3. POST /users/{user_id}/unlock user_c: not attempted"),
        "{so}"
    );
    assert!(
        se.contains("1 of 3 done, 0 failed, 2 not attempted"),
        "{se}"
    );
}

#[test]
fn many_emails_use_the_bulk_endpoint_once() {
    let stub = Stub::ok("[]");
    let (code, _, err) =
        run(clerk(&stub, "write").args(["--yes", "invite a@x.com, b@y.com and c@z.com"]));
    assert_eq!(code, 0, "{err}");
    let reqs = stub.requests();
    assert_eq!(targets(&stub), ["POST /invitations/bulk"]);
    assert_eq!(
        body(&reqs[0]),
        json!([{"email_address":"a@x.com"},{"email_address":"b@y.com"},{"email_address":"c@z.com"}])
    );

    let stub = Stub::ok("[]");
    let (code, _, err) =
        run(clerk(&stub, "write").args(["--yes", "invite a@x.com and b@y.com to org_1 as admin"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        targets(&stub),
        ["POST /organizations/org_1/invitations/bulk"]
    );
    assert_eq!(
        body(&stub.requests()[0]),
        json!([{"email_address":"a@x.com","role":"org:admin"},{"email_address":"b@y.com","role":"org:admin"}])
    );
    assert!(
        err.contains(
            "one call to POST /organizations/{organization_id}/invitations/bulk instead of 2"
        ),
        "{err}"
    );
}

const PLAN: &str = "create organization Acme for user_x and invite bob@acme.com as admin";

#[test]
fn org_then_invite_is_two_steps_with_the_new_id_carried_over() {
    let stub = Stub::new(vec![
        (
            200,
            vec![],
            r#"{"id":"org_new1","object":"organization","name":"Acme"}"#.into(),
        ),
        (
            200,
            vec![],
            r#"{"id":"orginv_1","object":"organization_invitation"}"#.into(),
        ),
    ]);
    let (code, out, err) = run(clerk(&stub, "write").args(["--yes", PLAN]));
    assert_eq!(code, 0, "{err}");
    let reqs = stub.requests();
    assert_eq!(
        targets(&stub),
        [
            "POST /organizations",
            "POST /organizations/org_new1/invitations"
        ]
    );
    assert_eq!(body(&reqs[0]), json!({"name":"Acme","created_by":"user_x"}));
    assert_eq!(
        body(&reqs[1]),
        json!({"email_address":"bob@acme.com","role":"org:admin"})
    );
    assert!(
        out.contains("1. POST /organizations: done (200), id org_new1"),
        "{out}"
    );
    assert!(err.contains("2 of 2 done"), "{err}");
}

#[test]
fn a_failed_second_step_says_what_the_first_created() {
    let stub = Stub::new(vec![
        (200, vec![], r#"{"id":"org_new1","object":"organization"}"#.into()),
        (422, vec![], r#"{"errors":[{"message":"is invalid","long_message":"role is not a valid role","code":"form_param_value_invalid"}]}"#.into()),
    ]);
    let (code, out, err) = run(clerk(&stub, "write").args(["--yes", PLAN]));
    assert_eq!(code, 5, "{err}");
    assert_eq!(stub.requests().len(), 2);
    assert!(out.contains("failed (422)"), "{out}");
    assert!(
        err.contains("already created, and left in place: org_new1 (step 1"),
        "{err}"
    );
}

#[test]
fn a_failed_first_step_stops_the_plan() {
    let stub = Stub::new(vec![(
        403,
        vec![],
        r#"{"errors":[{"message":"forbidden","code":"authorization_invalid"}]}"#.into(),
    )]);
    let (code, out, err) = run(clerk(&stub, "write").args(["--yes", PLAN]));
    assert_eq!(code, 1, "nothing done, the API refused: {err}");
    assert_eq!(stub.requests().len(), 1);
    assert!(
        out.contains("2. POST /organizations/{organization_id}/invitations"),
        "{out}"
    );
    assert!(
        out.contains("not attempted: step 1 did not succeed"),
        "{out}"
    );
}

#[test]
fn dry_run_and_curl_show_every_step_with_the_value_step_one_supplies() {
    let stub = Stub::ok("{}");
    let (code, out, err) = run(clerk(&stub, "").args(["--dry-run", PLAN]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("# step 1 of 2\nPOST "), "{out}");
    assert!(
        out.contains("# step 2 of 2 ({step1.id} is the id step 1 returns)"),
        "{out}"
    );
    assert!(
        out.contains("/organizations/{step1.id}/invitations"),
        "{out}"
    );
    assert!(
        err.contains(
            "2 calls: 1. POST /organizations; 2. POST /organizations/{organization_id}/invitations"
        ),
        "{err}"
    );

    let (_, out, _) = run(clerk(&stub, "").args(["--dry-run", "--json", PLAN]));
    let j: Value = serde_json::from_str(&out).unwrap();
    let steps = &j["plan"]["steps"];
    assert_eq!(j["plan"]["kind"], "sequence");
    assert_eq!(steps[0]["request"]["method"], "POST");
    assert_eq!(
        steps[1]["uses"][0]["into"],
        json!({"in":"path","name":"organization_id"})
    );
    assert_eq!(steps[1]["uses"][0]["step"], 0);
    assert!(steps[1]["request"]["url"]
        .as_str()
        .unwrap()
        .ends_with("/organizations/{step1.id}/invitations"));

    let (_, out, _) = run(clerk(&stub, "").args(["--curl", PLAN]));
    assert!(out.contains("STEP1_ID=$(curl -X POST"), "{out}");
    assert!(
        out.contains("--fail-with-body | jq -er .id) || { echo \"step 1 failed\""),
        "{out}"
    );
    assert!(
        out.contains("/organizations/'\"$STEP1_ID\"'/invitations"),
        "{out}"
    );
    assert!(stub.requests().is_empty());
}

#[test]
fn the_library_exposes_the_plan() {
    let res = clerk::resolve::resolve(PLAN, None).unwrap();
    let plan = res.plan.as_ref().expect("a plan");
    assert_eq!(plan.kind, clerk::resolve::plan::PlanKind::Sequence);
    assert_eq!(plan.steps.len(), 2);
    assert_eq!(plan.steps[0].operation.display(), "POST /organizations");
    assert_eq!(
        plan.steps[1].uses[0].into,
        clerk::resolve::plan::Slot::Path("organization_id")
    );
    // A single call has none.
    assert!(clerk::resolve::resolve("unlock user_a", None)
        .unwrap()
        .plan
        .is_none());
}

#[test]
fn a_one_value_filter_repeats_per_id_and_a_read_plan_prints_each_answer() {
    let stub = Stub::ok(r#"[{"id":"sess_1","object":"session"}]"#);
    let (code, out, err) = run(clerk(&stub, "").args(["show sessions of user_a and user_b"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        targets(&stub),
        [
            "GET /sessions?user_id=user_a",
            "GET /sessions?user_id=user_b"
        ]
    );
    assert!(
        out.contains("# 1. GET /sessions user_a\n[\n  {\n    \"id\": \"sess_1\""),
        "{out}"
    );
    assert!(out.contains("2. GET /sessions user_b: done (200)"), "{out}");

    let (_, out, _) = run(clerk(&stub, "").args(["--json", "show sessions of user_a and user_b"]));
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["results"][1]["response"][0]["id"], "sess_1");
}
