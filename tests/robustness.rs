//! No panic on any UTF-8 input: property tests over arbitrary strings and over
//! prompts assembled from the pieces the resolver treats specially.

use clerk::resolve::resolve;
use proptest::prelude::*;

const PIECES: &[&str] = &[
    "get",
    "delete",
    "user",
    "users",
    "org",
    "user_2ab",
    "org_9x",
    "sess_1",
    "role_set:x",
    "a@b.co",
    "+14155550123",
    "\"quoted",
    "'",
    "\"",
    "{",
    "}",
    "[",
    "]",
    "{\"a\":1}",
    "[1,2]",
    "=",
    "==",
    ":=",
    "name=Acme",
    "n:=5",
    "q==1",
    "/users",
    "/v1/users/{user_id}",
    "https://api.clerk.com/v1/users?limit=5&x=%ZZ",
    "curl",
    "-X",
    "-d",
    "help",
    "-h",
    "--help",
    "version",
    "2024-10-01",
    "tags",
    "Users",
    "é",
    "🦀",
    "\u{0}",
    "%",
    "%2F",
    "..",
    "?",
    "#",
    "limit",
    "5",
    "so",
    "because",
    "how",
    "many",
    "lift",
    "the",
    "ban",
    "a😘ed",
    "堠ing",
    "😘😘ing",
];

/// Inputs that once broke an assumption (multi-byte characters at suffix cuts).
#[test]
fn known_tricky_prompts() {
    for p in [
        "a😘ed",
        "堠ing",
        "user 😘😘ed",
        "ban 堠堠ing user_1",
        "ééing",
        "éed",
    ] {
        let _ = resolve(p, None);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn any_string(s in "\\PC{0,200}") {
        let _ = resolve(&s, None);
    }

    #[test]
    fn assembled_prompts(idx in proptest::collection::vec(0..PIECES.len(), 0..24), glue in proptest::collection::vec(prop_oneof![Just(" "), Just(""), Just("  "), Just("\t")], 24)) {
        let mut p = String::new();
        for (k, i) in idx.iter().enumerate() {
            p.push_str(PIECES[*i]);
            p.push_str(glue[k]);
        }
        let r = resolve(&p, None);
        if let Ok(r) = r {
            // Every bound path value belongs to a parameter of the chosen operation.
            if let Some(b) = r.best() {
                for (name, _) in &b.bound.path {
                    prop_assert!(b.operation.path_params().any(|p| p.name == *name));
                }
            }
        }
    }
}

/// Found by `any_string`: an email-like value with a comma once made the
/// list check compare a value with itself.
#[test]
fn a_comma_inside_a_value_is_not_a_list() {
    let _ = resolve("𑌓@,.\u{1daa1} stDk", None);
    let _ = resolve("show sessions of a@b,c.io and d@e.io", None);
}
