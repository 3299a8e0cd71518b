//! The resolver on prompts assembled from a dictionary: each input byte picks
//! one word among the embedded catalog's tags, operationIds, path segments
//! and parameter names, Clerk's SDK method names, IDs, emails, flags, items
//! and hostile fragments. Reaches far deeper than random bytes.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

const WORDS: &[&str] = &[
    // Verbs and glue people type.
    "get",
    "list",
    "show",
    "find",
    "count",
    "how",
    "many",
    "create",
    "add",
    "new",
    "update",
    "change",
    "set",
    "delete",
    "remove",
    "kick",
    "ban",
    "unban",
    "lock",
    "unlock",
    "invite",
    "revoke",
    "verify",
    "rotate",
    "all",
    "the",
    "of",
    "from",
    "out",
    "to",
    "in",
    "for",
    "with",
    "by",
    "and",
    "or",
    "not",
    "last",
    "recent",
    "oldest",
    "first",
    "10",
    "0",
    "-1",
    "help",
    "-h",
    "--help",
    "tags",
    "version",
    "2024-10-01",
    "2021-02-05",
    "9999-01-01",
    "?",
    "please",
    // IDs, emails, phones, URLs.
    "user_2ab",
    "org_9x",
    "sess_1",
    "inv_1",
    "orginv_1",
    "ak_1",
    "jwt_1",
    "ins_1",
    "dmn_1",
    "sms_1",
    "idn_1",
    "rol_1",
    "john_doe",
    "a@b.co",
    "bob@acme.com",
    "+15551234567",
    "https://x.co/cb",
    "http://127.0.0.1/v1/users",
    "/users",
    "/users/{user_id}",
    "GET",
    "POST",
    "PATCH",
    "DELETE",
    "PUT",
    "HEAD",
    // Flags and items.
    "--limit",
    "--offset",
    "--query",
    "--status",
    "--dry-run",
    "--json",
    "--all",
    "name=Acme",
    "limit:=5",
    "role=admin",
    "x==y",
    "public_metadata:={\"a\":1}",
    "{\"browse\":\"Users\"}",
    "[]",
    "{",
    "}",
    "=",
    ":=",
    "==",
    // Hostile fragments.
    "../instance",
    "%2F",
    "a/b",
    "a?b",
    "a#b",
    "..",
    "%00",
    "\u{0}",
    "\u{1b}[2J",
    "sk_live_abcdef1234567890XYZ",
    "sk_test_x",
    "whsec_abc",
    "Bearer",
    "ñandú",
    "用户",
    "\u{202e}",
    "'",
    "\"",
    "\\",
    "\t",
    "\n",
    // Clerk SDK method names.
    "getUserList",
    "getUser",
    "createUser",
    "updateUser",
    "deleteUser",
    "banUser",
    "lockUser",
    "getOrganizationList",
    "createOrganization",
    "deleteOrganizationMembership",
    "createInvitation",
    "revokeInvitation",
    "getSessionList",
    "revokeSession",
    "verifyToken",
    "createAllowlistIdentifier",
    "updateUserMetadata",
    "getCount",
];

fn dictionary() -> &'static Vec<String> {
    static D: OnceLock<Vec<String>> = OnceLock::new();
    D.get_or_init(|| {
        let mut d: Vec<String> = WORDS.iter().map(|w| w.to_string()).collect();
        let v = clerk::catalog::latest();
        for op in v.operations() {
            d.push(op.operation_id.to_string());
            d.extend(op.tags.iter().map(|t| t.to_string()));
            d.extend(
                op.path
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
            d.extend(op.params.iter().map(|p| format!("{}=x", p.name)));
        }
        d.sort();
        d.dedup();
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let d = dictionary();
    let words: Vec<&str> = data
        .chunks(2)
        .take(24)
        .map(|c| {
            d[(usize::from(c[0]) << 8 | usize::from(*c.get(1).unwrap_or(&0))) % d.len()].as_str()
        })
        .collect();
    clerk_fuzz::prompt(&words.join(" "), None);
});
