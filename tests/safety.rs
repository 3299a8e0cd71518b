//! Every write of the latest spec is classified from data, with honest words:
//! disruptive calls name their undo, irreversible ones what they destroy.

use clerk::catalog::{self, Method};
use clerk::safety::{self, Class};

#[test]
fn every_write_of_the_latest_spec_is_classified_and_worded() {
    let mut counts = [0usize; 4];
    for op in catalog::latest().operations() {
        let class = safety::classify(op);
        let warnings = safety::warnings(op, None);
        let first = warnings.first().map(String::as_str).unwrap_or("");
        match class {
            Class::Read => assert_eq!(op.method, Method::Get, "{}", op.display()),
            Class::Write => assert!(
                !first.starts_with("IRREVERSIBLE") && !first.starts_with("DISRUPTIVE"),
                "{}: {first}",
                op.display()
            ),
            Class::Disruptive => {
                assert!(first.starts_with("DISRUPTIVE"), "{}", op.display());
                assert!(safety::effect(op).is_some(), "{}", op.display());
            }
            Class::Irreversible => {
                assert!(
                    first.starts_with("IRREVERSIBLE"),
                    "{}: {first}",
                    op.display()
                );
                // Never the fallback wording: each says what it destroys or does.
                assert!(
                    !first.contains("what this endpoint removes"),
                    "{}: no DESTROYS entry",
                    op.display()
                );
            }
        }
        if op.method != Method::Get && op.method != Method::Delete && safety::sounds_destructive(op)
        {
            assert!(
                safety::effect(op).is_some(),
                "{} sounds destructive but has no EFFECTS entry",
                op.display()
            );
        }
        counts[class as usize] += 1;
    }
    // Both kinds exist, so the split is real.
    assert!(counts[Class::Disruptive as usize] >= 5, "{counts:?}");
    assert!(counts[Class::Irreversible as usize] >= 40, "{counts:?}");
}

#[test]
fn bans_and_locks_are_disruptive_with_their_undo_deletes_are_irreversible() {
    let v = catalog::latest();
    let ban = v.operation(Method::Post, "/users/{user_id}/ban").unwrap();
    let w = safety::warnings(ban, None);
    assert!(w[0].contains("undo: POST /users/{user_id}/unban"), "{w:?}");
    assert!(!w[0].contains("IRREVERSIBLE") && !w[0].contains("cannot be undone"));
    let lock = v.operation(Method::Post, "/users/{user_id}/lock").unwrap();
    assert!(safety::warnings(lock, None)[0].contains("undo: POST /users/{user_id}/unlock"));
    let rotate = v
        .operation(Method::Post, "/machines/{machine_id}/secret_key/rotate")
        .unwrap();
    assert_eq!(safety::classify(rotate), Class::Irreversible);
    let unban = v.operation(Method::Post, "/users/{user_id}/unban").unwrap();
    assert_eq!(safety::classify(unban), Class::Write);
}
