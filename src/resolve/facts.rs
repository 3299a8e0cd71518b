//! Per-operation facts the reranker needs, computed once per version and
//! process so the hot path only does set lookups.

use std::sync::OnceLock;

use crate::catalog::{self, singular, Method, Operation, Version};

/// Structural facts about one operation.
pub struct OpFeatures {
    /// Singular words of the last literal path segment (`remove_password` -> remove, password).
    pub last_parts: Vec<String>,
    /// The last literal segment, singular (`organization_membership`).
    pub last: String,
    /// For `/x/count` paths: singular words of `x`.
    pub counted: Option<Vec<String>>,
    /// Singular words of multi-word query parameter and top-level body field names.
    pub field_names: Vec<Vec<String>>,
    /// Deprecated, and a live operation with the same method serves the same resource.
    pub replaced: bool,
    /// Methods available on this exact path.
    pub path_methods: Vec<Method>,
    /// Singular words of every literal path segment.
    pub path_words: Vec<String>,
}

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

fn compute(v: &Version, op: &Operation, path_methods: Vec<Method>) -> OpFeatures {
    let last_of = |op: &Operation| {
        literal_segments(op.path)
            .last()
            .map(|s| s.to_string())
            .unwrap_or_default()
    };
    let segs = literal_segments(op.path);
    let last = last_of(op);
    let counted = (segs.len() >= 2 && last == "count").then(|| parts(segs[segs.len() - 2]));
    let names = op.query_params().map(|p| p.name).chain(
        op.body
            .into_iter()
            .flat_map(|b| b.top_fields().map(|f| f.path)),
    );
    let field_names = names.map(parts).filter(|p| p.len() >= 2).collect();
    let replaced = op.deprecated
        && v.operations()
            .iter()
            .any(|o| !o.deprecated && o.method == op.method && last_of(o) == last);
    let path_words = segs.iter().flat_map(|s| parts(s)).collect();
    OpFeatures {
        last_parts: parts(&last),
        last: singular(&last),
        counted,
        field_names,
        replaced,
        path_methods,
        path_words,
    }
}

/// Per-version cache: each operation's features are computed the first time
/// the reranker looks at it (a one-shot CLI run touches a few dozen).
struct VersionFeatures {
    ops: Vec<OnceLock<OpFeatures>>,
    path_methods: OnceLock<super::lexicon::HashSet<(&'static str, Method)>>,
}

/// The features of operation `i` of `version`.
pub fn of(version: &'static Version, i: usize) -> &'static OpFeatures {
    static CACHE: catalog::PerVersion<VersionFeatures> = catalog::PerVersion::new();
    let vf = CACHE.get_or_init(version, || VersionFeatures {
        ops: version
            .operations()
            .iter()
            .map(|_| OnceLock::new())
            .collect(),
        path_methods: OnceLock::new(),
    });
    vf.ops[i].get_or_init(|| {
        let pm = vf.path_methods.get_or_init(|| {
            version
                .operations()
                .iter()
                .map(|o| (o.path, o.method))
                .collect()
        });
        let op = &version.operations()[i];
        let methods = [
            Method::Get,
            Method::Post,
            Method::Put,
            Method::Patch,
            Method::Delete,
        ]
        .into_iter()
        .filter(|m| pm.contains(&(op.path, *m)))
        .collect();
        compute(version, op, methods)
    })
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

/// Every singular word of every literal path segment of `version`.
pub fn path_words(version: &Version) -> &'static super::lexicon::HashSet<String> {
    static CACHE: catalog::PerVersion<super::lexicon::HashSet<String>> = catalog::PerVersion::new();
    CACHE.get_or_init(version, || {
        version
            .operations()
            .iter()
            .flat_map(|op| literal_segments(op.path).into_iter().flat_map(parts))
            .collect()
    })
}
