//! Per-operation facts the resolver needs (path templates, what each
//! operation takes), computed once per version and process.

use crate::catalog::{self, singular, Operation, Version};

fn literal_segments(path: &str) -> Vec<&str> {
    path.split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .collect()
}

fn parts(s: &str) -> Vec<String> {
    s.split('_')
        .filter(|p| !p.is_empty())
        .map(singular)
        .collect()
}

/// A path template and its segments.
pub type Template = (&'static str, Vec<&'static str>);

/// Every distinct path template of `version` with its segments, for matching
/// concrete paths.
pub fn templates(version: &Version) -> &'static [Template] {
    static CACHE: catalog::PerVersion<Vec<Template>> = catalog::PerVersion::new();
    CACHE.get_or_init(version, || {
        let mut out: Vec<Template> = Vec::new();
        for op in version.operations() {
            if !out.iter().any(|(p, _)| *p == op.path) {
                out.push((
                    op.path,
                    op.path.split('/').filter(|s| !s.is_empty()).collect(),
                ));
            }
        }
        out
    })
}

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

    pub fn of(kind: &super::entities::Kind) -> ValueKind {
        use super::entities::Kind;
        match kind {
            Kind::Email => ValueKind::Email,
            Kind::Phone => ValueKind::Phone,
            Kind::Url => ValueKind::Url,
            Kind::Domain => ValueKind::Domain,
            Kind::Number => ValueKind::Number,
            Kind::Quoted => ValueKind::Quoted,
            Kind::Json(_) => ValueKind::Json,
            _ => ValueKind::Ident,
        }
    }

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
    fn taken_by(name: &str, ty: &str, format: Option<&str>) -> Option<ValueKind> {
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

/// What the learned ranker's structural features need of one operation.
pub struct OpFacts {
    /// For each path parameter that takes Clerk IDs: the entity kinds it accepts.
    pub path_id_kinds: Vec<Vec<&'static str>>,
    /// Number of path parameters.
    pub path_params: usize,
    /// ID kinds that query parameters or body fields accept.
    pub other_id_kinds: Vec<&'static str>,
    /// ID kinds accepted as a list (array parameters and fields, bulk bodies).
    pub list_id_kinds: Vec<&'static str>,
    /// [`ValueKind`] bits the operation takes somewhere.
    pub accepts: u8,
    /// [`ValueKind`] bits it takes as a list.
    pub list_values: u8,
    /// Parameter and top-level body field names.
    pub names: Vec<&'static str>,
    /// Singular words of the last literal path segment.
    pub last_parts: Vec<String>,
    /// Singular words of every literal path segment.
    pub path_words: Vec<String>,
    /// Singular words of the operationId and SDK name.
    pub name_words: Vec<String>,
    pub deprecated: bool,
    /// The path ends with a parameter: one item, not a collection.
    pub item: bool,
}

fn op_facts(op: &Operation) -> OpFacts {
    let lex = super::lexicon::get();
    let kinds =
        |name: &'static str| -> Vec<&'static str> { lex.param_kinds(name).iter().collect() };
    let mut f = OpFacts {
        path_id_kinds: Vec::new(),
        path_params: 0,
        other_id_kinds: Vec::new(),
        list_id_kinds: Vec::new(),
        accepts: 0,
        list_values: 0,
        names: Vec::new(),
        last_parts: Vec::new(),
        path_words: Vec::new(),
        name_words: Vec::new(),
        deprecated: op.deprecated,
        item: op.path.ends_with('}'),
    };
    let take = |f: &mut OpFacts,
                name: &'static str,
                ty: &str,
                format: Option<&str>,
                list: bool,
                path: bool| {
        let k = kinds(name);
        if path {
            f.path_params += 1;
            if !k.is_empty() {
                f.path_id_kinds.push(k);
            }
        } else {
            if list {
                f.list_id_kinds.extend(k.iter().copied());
            }
            f.other_id_kinds.extend(k);
        }
        if let Some(v) = ValueKind::taken_by(name, ty, format) {
            f.accepts |= v.bit();
            if list {
                f.list_values |= v.bit();
            }
        }
        f.names.push(name);
    };
    for p in op.params {
        let path = p.location == crate::catalog::ParamIn::Path;
        take(&mut f, p.name, p.ty, p.format, p.ty.ends_with("[]"), path);
        // A path value that is a name, not an ID (`{slug}`, an "ID or slug").
        let named = lex.param_kinds(p.name).is_empty()
            || p.description.to_ascii_lowercase().contains("slug");
        if path && named {
            f.accepts |= ValueKind::Ident.bit();
        }
    }
    if let Some(b) = op.body {
        let bulk = b.ty.ends_with("[]");
        for fl in b
            .fields
            .iter()
            .filter(|fl| fl.depth == 0 || (bulk && fl.depth == 1))
        {
            let name = fl.path.trim_start_matches("[].");
            take(
                &mut f,
                name,
                fl.ty,
                fl.format,
                bulk || fl.ty.ends_with("[]"),
                false,
            );
        }
    }
    let segs = literal_segments(op.path);
    f.last_parts = segs.last().map(|s| parts(s)).unwrap_or_default();
    f.path_words = segs.iter().flat_map(|s| parts(s)).collect();
    let mut names: Vec<String> = [Some(op.operation_id), op.name, op.group]
        .into_iter()
        .flatten()
        .flat_map(|n| {
            crate::index::schema::words(n)
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(singular)
                .collect::<Vec<_>>()
        })
        .collect();
    names.sort();
    names.dedup();
    f.name_words = names;
    f
}

/// The facts of every operation of `version`, computed once per process.
pub fn all(version: &'static Version) -> &'static [OpFacts] {
    static CACHE: catalog::PerVersion<Vec<OpFacts>> = catalog::PerVersion::new();
    CACHE.get_or_init(version, || {
        version.operations().iter().map(op_facts).collect()
    })
}
