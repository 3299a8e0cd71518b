//! Name normalisation shared by build.rs (which precomputes tag keys) and
//! the runtime. Only std.

/// Normalises a tag name for comparison: lower-case letters and digits only,
/// each word singular, common abbreviations expanded.
pub fn tag_key(s: &str) -> String {
    let mut out = String::new();
    for w in s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let w = w.to_ascii_lowercase();
        let w = match w.as_str() {
            "org" | "orgs" => "organization".to_string(),
            "perm" | "perms" => "permission".to_string(),
            "sso" => "enterpriseconnection".to_string(),
            "allowlist" | "blocklist" | "allow" | "block" => {
                w.trim_end_matches("list").to_string() + "list"
            }
            "sms" | "jwks" | "status" => w,
            _ => singular(&w),
        };
        out.push_str(&w);
    }
    out
}

/// A crude English singular, good enough for endpoint nouns.
pub fn singular(w: &str) -> String {
    if w.len() > 4 && w.ends_with("ies") {
        format!("{}y", &w[..w.len() - 3])
    } else if w.len() > 4 && (w.ends_with("sses") || w.ends_with("xes") || w.ends_with("ches")) {
        w[..w.len() - 2].to_string()
    } else if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") {
        w[..w.len() - 1].to_string()
    } else {
        w.to_string()
    }
}
