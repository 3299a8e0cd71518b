//! The real binary, mode by mode, on the real embedded specs.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn clerk() -> Command {
    let mut c = Command::cargo_bin("clerk").unwrap();
    // No key, no scopes, no stray .env: these tests never reach the network.
    c.env_remove("CLERK_SECRET_KEY")
        .env_remove("CLERK_BAPI_SCOPES")
        .env_remove("CLERK_API_URL");
    c.current_dir(std::env::temp_dir());
    c
}

/// Runs clerk with `args`, expects exit `code`, returns (stdout, stderr).
fn output(args: &[&str], code: i32) -> (String, String) {
    let out = clerk().args(args).assert().code(code).get_output().clone();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json(args: &[&str]) -> Value {
    let out = clerk()
        .args(args)
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("stdout is one JSON document")
}

#[test]
fn help_for_empty_help_and_dash_h() {
    for args in [vec![], vec!["help"], vec!["-h"], vec!["--help"]] {
        clerk()
            .args(&args)
            .assert()
            .success()
            .stdout(predicate::str::contains("clerk tags"))
            .stdout(predicate::str::contains("GET /users help"));
    }
    let j = json(&["help"]);
    assert_eq!(j["mode"], "help");
    assert!(j["examples"].as_array().unwrap().len() >= 8);
}

#[test]
fn tags_lists_all_42_tags_of_latest() {
    let j = json(&["tags"]);
    assert_eq!(j["version"], "2026-05-12");
    let tags = j["tags"].as_array().unwrap();
    assert_eq!(tags.len(), 42);
    assert_eq!(
        tags.iter()
            .filter(|t| t["operations"].as_u64().unwrap() > 0)
            .count(),
        41
    );
    let users = tags.iter().find(|t| t["name"] == "Users").unwrap();
    assert_eq!(users["operations"], 35);
    clerk()
        .arg("tags")
        .assert()
        .success()
        .stdout(predicate::str::contains("SCIM Directories"));
}

#[test]
fn browse_a_tag_forgivingly() {
    for name in ["Users", "users", "USERS"] {
        let j = json(&[name]);
        assert_eq!(j["tag"]["name"], "Users");
        assert_eq!(j["operations"].as_array().unwrap().len(), 35);
    }
    assert_eq!(json(&["orgs"])["tag"]["name"], "Organizations");
    assert_eq!(
        json(&["organization", "invitations"])["tag"]["name"],
        "Organization Invitations"
    );
    assert_eq!(json(&["M2M"])["tag"]["name"], "M2M Tokens");
    clerk()
        .arg("Users")
        .assert()
        .success()
        .stdout(predicate::str::contains("POST   /users/{user_id}/ban"));
}

#[test]
fn version_flag_and_prompt_version_select_another_spec() {
    let latest = json(&["tags"]);
    let old = json(&["--version", "2024-10-01", "tags"]);
    assert_eq!(old["version"], "2024-10-01");
    assert_ne!(latest["tags"], old["tags"]);
    let inline = json(&["tags", "version", "2024-10-01"]);
    assert_eq!(inline["version"], "2024-10-01");
    assert_eq!(
        json(&["Users", "--version", "2025-11-10"])["version"],
        "2025-11-10"
    );
}

#[test]
fn unknown_version_is_a_usage_error_listing_versions() {
    clerk()
        .args(["--version", "1999-01-01", "tags"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("2026-05-12"))
        .stderr(predicate::str::contains("1999-01-01"));
}

#[test]
fn versions_lists_embedded_versions() {
    let j = json(&["versions"]);
    let v = j["versions"].as_array().unwrap();
    assert_eq!(v.len(), 6);
    assert_eq!(v.iter().filter(|v| v["latest"] == true).count(), 1);
    clerk()
        .arg("versions")
        .assert()
        .success()
        .stdout(predicate::str::contains("2026-05-12  ").and(predicate::str::contains("latest")));
}

#[test]
fn detail_marks_required_fields_and_never_sends() {
    // An unreachable API URL: detail must not touch it.
    let out = clerk()
        .args(["POST", "/organizations", "help"])
        .env("CLERK_API_URL", "http://127.0.0.1:9")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("POST /organizations"));
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("*name")),
        "{text}"
    );

    let j = json(&["POST", "/organizations", "-h"]);
    assert_eq!(j["mode"], "detail");
    let fields = j["operation"]["body"]["fields"].as_array().unwrap();
    let name = fields.iter().find(|f| f["path"] == "name").unwrap();
    assert_eq!(name["required"], true);
}

#[test]
fn detail_accepts_concrete_paths_urls_and_help_flag() {
    for args in [
        vec!["GET", "/users/{user_id}", "help"],
        vec!["get", "/v1/users/user_123", "--help"],
        vec!["https://api.clerk.com/v1/users/user_123", "-h"],
    ] {
        let mut a = args.clone();
        a.push("--json");
        let out = clerk()
            .args(&a)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let j: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(j["operation"]["path"], "/users/{user_id}", "{args:?}");
        assert_eq!(j["operation"]["method"], "GET");
    }
}

#[test]
fn unknown_endpoint_is_one_line_usage_error() {
    let out = clerk()
        .args(["POST", "/users/user_1"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("PATCH") || err.contains("has no POST"),
        "{err}"
    );
    clerk().args(["GET", "/nonexistent/thing"]).assert().code(2);
}

#[test]
fn bad_flag_is_a_usage_error_with_claps_hint() {
    let out = output(&["tags", "--jsn"], 2).1;
    let err = out;
    assert!(
        err.starts_with("error: unexpected argument '--jsn'"),
        "{err}"
    );
    assert!(
        err.contains("tip: a similar argument exists: '--json'"),
        "{err}"
    );
}

#[test]
fn long_help_lists_every_option_and_the_exit_codes_short_help_does_not() {
    use clap::CommandFactory;
    let out = output(&["--help"], 0).0;
    let long = out;
    for a in clerk::cli::Args::command().get_arguments() {
        if a.is_hide_set() {
            continue;
        }
        if let Some(l) = a.get_long() {
            assert!(long.contains(&format!("--{l}")), "--help lacks --{l}");
        }
        if let Some(s) = a.get_short() {
            assert!(long.contains(&format!("-{s}")), "--help lacks -{s}");
        }
    }
    for code in ["0  success", "2  usage", "3  refused", "4  network"] {
        assert!(long.contains(code), "--help lacks exit code `{code}`");
    }
    let out = output(&["-h"], 0).0;
    let short = out;
    assert!(!short.contains("--connect-timeout") && short.contains("--help"));
}

#[test]
fn dash_v_and_bare_version_print_the_tools_version_and_the_specs() {
    for args in [vec!["-V"], vec!["--version"]] {
        clerk()
            .args(&args)
            .assert()
            .success()
            .stdout(predicate::str::starts_with(format!(
                "clerk {}\n",
                env!("CARGO_PKG_VERSION")
            )))
            .stdout(
                predicate::str::contains("2024-10-01").and(predicate::str::contains("2026-05-12")),
            );
    }
    let j = json(&["-V"]);
    assert_eq!(j["clerk"], env!("CARGO_PKG_VERSION"));
    assert_eq!(j["latest"], "2026-05-12");
}

#[test]
fn a_prompt_that_matches_nothing_says_so_with_exit_2_and_offers_no_write() {
    let out = clerk()
        .args(["--dry-run", "make me a sandwich"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: no endpoint matches `make me a sandwich` (no endpoint's words include `sandwich`); \
         `clerk tags` lists what the API covers, and --explain shows how the prompt was read\n"
    );
    for p in ["asdf", "whoami", "qwerty zxcv"] {
        let out = clerk()
            .args(["--dry-run", p])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains("no endpoint matches") && !err.contains("POST"),
            "{p}: {err}"
        );
        assert!(!err.contains("nearest tag"), "{p}: no tag is near: {err}");
    }
}

#[test]
fn a_misspelled_tag_browses_the_near_one_and_says_so() {
    let out = clerk().arg("Userz").assert().success().get_output().clone();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Users ("));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no tag `Userz`: showing the tag `Users`")
    );
    let j = json(&["Organizaitons"]);
    assert_eq!(j["tag"]["name"], "Organizations");
}

#[test]
fn completions_load_in_bash_and_offer_tags_and_paths() {
    let bin = assert_cmd::cargo::cargo_bin("clerk");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source <('{}' completions bash); complete -p clerk",
            bin.display()
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("-F _clerk clerk"));
    let out = output(&["completions", "bash"], 0).0;
    let script = out;
    for w in ["Users", "/users/{user_id}/ban", "--dry-run", "2024-10-01"] {
        assert!(script.contains(w), "completion lacks {w}");
    }
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        clerk()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("clerk"));
    }
    clerk().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn man_page_is_roff_with_every_option() {
    let out = output(&["man"], 0).0;
    let page = out;
    assert!(
        page.contains(".TH clerk 1"),
        "{}",
        &page[..200.min(page.len())]
    );
    assert!(page.contains("connect\\-timeout") && page.contains("dry\\-run"));
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let out = output(&["--color", "always", "asdf"], 2).1;
    assert!(out.starts_with("\x1b[1;31merror:\x1b[0m "));
    let out = output(&["asdf"], 2).1;
    assert!(out.starts_with("error: "), "piped: no colour");
    clerk()
        .args(["--color", "sometimes", "tags"])
        .assert()
        .code(2);
}

#[test]
fn disruptive_and_irreversible_writes_are_worded_apart() {
    let out = clerk()
        .env("CLERK_SECRET_KEY", "sk_test_x")
        .args(["--dry-run", "POST", "/users/user_1/ban"])
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(
        err.contains("DISRUPTIVE") && err.contains("undo: POST /users/{user_id}/unban"),
        "{err}"
    );
    assert!(!err.contains("IRREVERSIBLE"), "{err}");
    let out = clerk()
        .env("CLERK_SECRET_KEY", "sk_test_x")
        .args(["--dry-run", "DELETE", "/users/user_1"])
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(out).unwrap().contains("IRREVERSIBLE"));
}

#[test]
fn json_dry_run_says_mode_operation_and_confidence() {
    let out = clerk()
        .env("CLERK_SECRET_KEY", "sk_test_x")
        .args(["--dry-run", "--json", "GET", "/users"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let j: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(j["mode"], "execute");
    assert_eq!(j["operation_id"], "GetUserList");
    assert_eq!(j["confidence"], "exact");
    assert_eq!(j["guess"], false);
    assert_eq!(j["class"], "read");
}
#[test]
fn explain_shows_reasons_on_stderr() {
    clerk()
        .args(["--explain", "--dry-run", "ban", "user_2ab"])
        .assert()
        .stderr(predicate::str::contains("POST /users/{user_id}/ban"))
        .stderr(predicate::str::contains("user_id = user_2ab"));
}

#[test]
fn natural_language_browse_and_detail() {
    assert_eq!(
        json(&["show me the organization endpoints"])["tag"]["name"],
        "Organizations"
    );
    let d = json(&["what fields does create user take"]);
    assert_eq!(d["mode"], "detail");
    assert_eq!(d["operation"]["method"], "POST");
    assert_eq!(d["operation"]["path"], "/users");
}
