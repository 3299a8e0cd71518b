//! The tantivy schema shared by `build.rs` (which writes the index) and the
//! runtime (which searches it). Included by path from both, so it must only
//! use tantivy and std.

use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};

/// Searchable fields, in the order they are added to the schema.
/// Each entry: (field name, tokenizer, boost applied at query time).
pub const FIELDS: &[(&str, &str, f32)] = &[
    // Summary of the operation ("Ban a user").
    ("summary", "en_stem", 3.0),
    // x-speakeasy group + name override + operationId split into words.
    ("name", "en_stem", 3.0),
    // Static path segments split into words ("/users/{user_id}/ban" -> "users ban").
    ("path", "en_stem", 2.0),
    // Tags of the operation.
    ("tag", "en_stem", 1.0),
    // Long description, first paragraph.
    ("description", "en_stem", 0.4),
    // Names of query/path parameters and top-level body fields, split into words.
    ("params", "en_stem", 0.3),
    // Everything above, unstemmed: the vocabulary typos are corrected against.
    ("raw", "default", 0.0),
];

#[allow(dead_code)]
pub const SUMMARY: usize = 0;
#[allow(dead_code)]
pub const NAME: usize = 1;
#[allow(dead_code)]
pub const PATH: usize = 2;
#[allow(dead_code)]
pub const TAG: usize = 3;
#[allow(dead_code)]
pub const DESCRIPTION: usize = 4;
#[allow(dead_code)]
pub const PARAMS: usize = 5;
#[allow(dead_code)]
pub const RAW: usize = 6;

/// Builds the schema. Field `i` of the schema is `FIELDS[i]`.
#[allow(dead_code)]
pub fn schema() -> Schema {
    let mut b = Schema::builder();
    for (name, tokenizer, _) in FIELDS {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqs);
        b.add_text_field(name, TextOptions::default().set_indexing_options(indexing));
    }
    b.build()
}

/// Splits an identifier or path into lowercase words:
/// "GetUserOAuthAccessToken" -> "get user oauth access token",
/// "/users/{user_id}/ban" -> "users ban" (path parameters dropped),
/// "email_address" -> "email address".
#[allow(dead_code)]
pub fn words(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    let mut depth = 0u32;
    let mut prev: Option<char> = None;
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_ascii_alphanumeric() => {
                if let Some(p) = prev {
                    let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
                    // "userId" -> user id; "M2MToken" -> m2m token; "OAuth" stays whole.
                    let boundary = (p.is_ascii_lowercase() && c.is_ascii_uppercase())
                        || (c.is_ascii_uppercase() && next_lower && p.is_ascii_digit())
                        || (c.is_ascii_uppercase()
                            && next_lower
                            && p.is_ascii_uppercase()
                            && i >= 2
                            && chars[i - 2].is_ascii_digit());
                    if boundary {
                        out.push(' ');
                    }
                } else if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
                out.push(c.to_ascii_lowercase());
                prev = Some(c);
                continue;
            }
            _ => {}
        }
        prev = None;
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn words_split_identifiers() {
        assert_eq!(super::words("createM2MToken"), "create m2m token");
        assert_eq!(
            super::words("GetOAuthAccessToken"),
            "get oauth access token"
        );
        assert_eq!(super::words("/users/{user_id}/ban"), "users ban");
        assert_eq!(super::words("email_address"), "email address");
        assert_eq!(super::words("apiKeyID"), "api key id");
    }
}
