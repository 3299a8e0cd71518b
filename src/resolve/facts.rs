//! Per-operation facts the resolver needs: path templates, and what each
//! operation takes (derived at build time).

use crate::catalog::{self, Version};

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

pub use super::takes::ValueKind;

impl ValueKind {
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
}

/// What the learned ranker's structural features need of one operation.
/// Derived by build.rs (`op_facts` there) from the spec and the lexicon's
/// `[params]` table, so that no prompt pays for it: deriving them at run time
/// cost 5M instructions, three times a whole dry run.
pub struct OpFacts {
    /// For each path parameter that takes Clerk IDs: the entity kinds it accepts.
    pub path_id_kinds: &'static [&'static [&'static str]],
    /// Number of path parameters.
    pub path_params: usize,
    /// ID kinds that query parameters or body fields accept.
    pub other_id_kinds: &'static [&'static str],
    /// ID kinds accepted as a list (array parameters and fields, bulk bodies).
    pub list_id_kinds: &'static [&'static str],
    /// [`ValueKind`] bits the operation takes somewhere.
    pub accepts: u8,
    /// [`ValueKind`] bits it takes as a list.
    pub list_values: u8,
    /// Parameter and top-level body field names.
    pub names: &'static [&'static str],
    /// Singular words of each query parameter and top-level body field name.
    pub param_parts: &'static [&'static [&'static str]],
    /// Singular words of the last literal path segment.
    pub last_parts: &'static [&'static str],
    /// Singular words of every literal path segment.
    pub path_words: &'static [&'static str],
    /// Singular words of the operationId and SDK name, sorted and deduplicated.
    pub name_words: &'static [&'static str],
    pub deprecated: bool,
    /// The path ends with a parameter: one item, not a collection.
    pub item: bool,
}

include!(concat!(env!("OUT_DIR"), "/facts.rs"));

/// The facts of every operation of `version`, in catalog order.
pub fn all(version: &'static Version) -> &'static [OpFacts] {
    let i = catalog::versions()
        .iter()
        .position(|v| v.date == version.date)
        .unwrap_or(0);
    FACTS[i]
}
