//! What a parameter or body field takes, judged from its name and type.
//!
//! Shared with build.rs (`#[path]`), which derives every operation's
//! [`OpFacts`](super::facts::OpFacts) at build time, so this file uses nothing
//! from the crate.

/// Kinds of values a prompt states (besides Clerk IDs and `key=value` items).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Email,
    Phone,
    Url,
    Domain,
    Number,
    Quoted,
    Json,
    Ident,
}

impl ValueKind {
    pub const COUNT: usize = 8;
    pub const ALL: [ValueKind; 8] = [
        ValueKind::Email,
        ValueKind::Phone,
        ValueKind::Url,
        ValueKind::Domain,
        ValueKind::Number,
        ValueKind::Quoted,
        ValueKind::Json,
        ValueKind::Ident,
    ];
    /// Kinds that only specific parameters take.
    pub const TYPED: [ValueKind; 5] = [
        ValueKind::Email,
        ValueKind::Phone,
        ValueKind::Url,
        ValueKind::Domain,
        ValueKind::Ident,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ValueKind::Email => "email",
            ValueKind::Phone => "phone",
            ValueKind::Url => "url",
            ValueKind::Domain => "domain",
            ValueKind::Number => "number",
            ValueKind::Quoted => "quoted",
            ValueKind::Json => "json",
            ValueKind::Ident => "ident",
        }
    }

    pub fn bit(self) -> u8 {
        1 << self as u8
    }

    /// The value kind a parameter or field of this name and type takes, if any.
    #[allow(dead_code)] // by build.rs only
    pub fn taken_by(name: &str, ty: &str, format: Option<&str>) -> Option<ValueKind> {
        let n = name.to_ascii_lowercase();
        Some(if n.contains("email") || n == "identifier" {
            ValueKind::Email
        } else if n.contains("phone") {
            ValueKind::Phone
        } else if n.contains("url") || format == Some("uri") {
            ValueKind::Url
        } else if n.contains("domain") || n == "name" {
            ValueKind::Domain
        } else if ty.starts_with("integer") || ty.starts_with("number") {
            ValueKind::Number
        } else if ty.starts_with("object") {
            ValueKind::Json
        } else if matches!(n.as_str(), "query" | "username" | "slug" | "external_id") {
            // Where a handle like `john_doe` or `acme-inc` goes.
            ValueKind::Ident
        } else {
            return None;
        })
    }
}

/// Entity kinds derived from a parameter name when the lexicon's table has
/// none: `user_ids` (bulk bodies) -> user; `to_machine_id` -> to_machine, machine.
pub fn derived_kinds(name: &str) -> [Option<&str>; 2] {
    match name
        .strip_suffix("_id")
        .or_else(|| name.strip_suffix("_ids"))
    {
        Some(stem) => [Some(stem), stem.rsplit_once('_').map(|(_, t)| t)],
        None => [None, None],
    }
}
