//! The embedded catalog: every spec version compiled by `build.rs` into Rust
//! statics. Nothing is parsed or read at run time; every value is `'static`.

use serde::Serialize;

mod names;

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// Upper-case name: `GET`, `POST`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Parses a method name, case-insensitively.
    pub fn parse(s: &str) -> Option<Method> {
        Some(match s.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => return None,
        })
    }

    /// True for every method that changes state (POST, PUT, PATCH, DELETE).
    pub fn is_write(self) -> bool {
        self != Method::Get
    }

    /// True for methods that may be retried safely (GET, PUT, DELETE).
    pub fn is_idempotent(self) -> bool {
        matches!(self, Method::Get | Method::Put | Method::Delete)
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Method {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamIn {
    /// In the path: `/users/{user_id}`.
    Path,
    /// In the query string.
    Query,
}

/// A path or query parameter.
#[derive(Debug, Serialize)]
pub struct Param {
    /// The parameter's name as the spec spells it (`user_id`, `apiKeyID`).
    pub name: &'static str,
    #[serde(rename = "in")]
    /// Path or query.
    pub location: ParamIn,
    /// Must be given (always true for path parameters).
    pub required: bool,
    /// `string`, `integer`, `boolean`, `string[]`, ...
    #[serde(rename = "type")]
    pub ty: &'static str,
    #[serde(rename = "enum", skip_serializing_if = "<[_]>::is_empty")]
    /// Allowed values, if the spec lists them.
    pub enum_values: &'static [&'static str],
    /// First paragraph of the spec's description.
    pub description: &'static str,
    /// The spec's example or default, JSON-encoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<&'static str>,
    /// The schema's `format` (`email`, `uri`, `date-time`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
    /// The schema's `pattern` (an ECMA regex), shown to users; not enforced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<&'static str>,
}

/// One field of a request body, flattened: nested fields have dotted paths
/// (`settings.max_allowed_memberships`) and a depth > 0.
#[derive(Debug, Serialize)]
pub struct Field {
    /// Dotted path: `name`, `settings.foo`, `mappings[].role_id`, `[].email_address` for bulk bodies.
    pub path: &'static str,
    /// Nesting depth (0 = top level).
    pub depth: u8,
    #[serde(rename = "type")]
    /// Short type: `string`, `integer`, `object`, `string[]`, `string | object`.
    pub ty: &'static str,
    /// Required within its parent object.
    pub required: bool,
    /// `null` is accepted.
    pub nullable: bool,
    #[serde(rename = "enum", skip_serializing_if = "<[_]>::is_empty")]
    /// Allowed values, if the spec lists them.
    pub enum_values: &'static [&'static str],
    /// First paragraph of the spec's description.
    pub description: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The spec's example, JSON-encoded.
    pub example: Option<&'static str>,
    /// The schema's `format`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
    /// The schema's `pattern`, shown to users; not enforced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<&'static str>,
    /// An object, or array of objects, that takes keys it does not list
    /// (metadata); closed ones refuse unknown keys.
    #[serde(skip)]
    pub open: bool,
}

/// A request body.
#[derive(Debug, Serialize)]
pub struct Body {
    /// `application/json` or `multipart/form-data`.
    pub content_type: &'static str,
    /// The body itself is required.
    pub required: bool,
    #[serde(rename = "type")]
    /// Short type of the whole body (`object`, `object[]` for bulk endpoints).
    pub ty: &'static str,
    /// True when fields beyond `fields` are accepted (no `additionalProperties: false`).
    pub open: bool,
    /// Flattened fields: nested objects as `a.b`, items of object arrays as `a[].b`,
    /// items of a bulk (array) body as `[].b`.
    pub fields: &'static [Field],
    /// For a oneOf/anyOf body: the required fields of each alternative; one set must be given.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub required_any: &'static [&'static [&'static str]],
}

impl Body {
    /// Top-level fields only.
    pub fn top_fields(&self) -> impl Iterator<Item = &'static Field> {
        self.fields.iter().filter(|f| f.depth == 0)
    }

    /// A top-level field by name.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.depth == 0 && f.path == name)
    }
}

/// A response status with its one-line description.
#[derive(Debug, Serialize)]
pub struct Response {
    /// `200`, `404`, `default`, ...
    pub status: &'static str,
    /// One line from the spec.
    pub description: &'static str,
}

/// A tag (a group of endpoints).
#[derive(Debug, Serialize)]
pub struct Tag {
    /// The tag's name (`Users`).
    pub name: &'static str,
    /// One line from the spec.
    pub description: &'static str,
    /// False for tags that operations use but the spec's `tags:` list omits.
    pub declared: bool,
    /// `tag_key(name)`, for forgiving lookups.
    #[serde(skip)]
    pub(crate) key: &'static str,
}

/// One operation (endpoint) of one spec version.
#[derive(Debug, Serialize)]
pub struct Operation {
    /// HTTP method.
    pub method: Method,
    /// Path template without the `/v1` server prefix: `/users/{user_id}`.
    pub path: &'static str,
    /// The spec's operationId (`BanUser`).
    pub operation_id: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Full description (markdown).
    pub description: &'static str,
    /// Tags the operation belongs to.
    pub tags: &'static [&'static str],
    /// `x-speakeasy-group`
    pub group: Option<&'static str>,
    /// `x-speakeasy-name-override`
    pub name: Option<&'static str>,
    /// Marked deprecated in the spec.
    pub deprecated: bool,
    /// Path and query parameters, path ones first in path order.
    pub params: &'static [Param],
    /// The request body, if the operation takes one.
    pub body: Option<&'static Body>,
    /// Documented responses.
    pub responses: &'static [Response],
}

impl Operation {
    /// Path parameters, in path order.
    pub fn path_params(&self) -> impl Iterator<Item = &'static Param> {
        self.params.iter().filter(|p| p.location == ParamIn::Path)
    }

    /// Query parameters, in spec order.
    pub fn query_params(&self) -> impl Iterator<Item = &'static Param> {
        self.params.iter().filter(|p| p.location == ParamIn::Query)
    }

    /// A parameter by name.
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// `GET /users/{user_id}`
    pub fn display(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// One embedded spec version.
#[derive(Debug)]
pub struct Version {
    /// The version date, e.g. `2026-05-12`.
    pub date: &'static str,
    pub(crate) operations: &'static [Operation],
    pub(crate) tags: &'static [Tag],
    /// For each operation the embedded model ranks: its index here (u16::MAX: absent).
    pub(crate) model_ops: &'static [u16],
}

impl Version {
    /// Every operation, in spec order.
    pub fn operations(&self) -> &'static [Operation] {
        self.operations
    }

    /// Every tag: declared ones in spec order, then undeclared ones in use.
    pub fn tags(&self) -> &'static [Tag] {
        self.tags
    }

    /// The operations carrying `tag`, in spec order.
    pub fn tag_operations<'a>(
        &'a self,
        tag: &'a str,
    ) -> impl Iterator<Item = &'static Operation> + 'a {
        self.operations
            .iter()
            .filter(move |op| op.tags.contains(&tag))
    }

    /// Finds an operation by method and exact path template.
    pub fn operation(&self, method: Method, path: &str) -> Option<&'static Operation> {
        self.operations
            .iter()
            .find(|op| op.method == method && op.path == path)
    }

    /// Finds an operation by operationId.
    pub fn by_operation_id(&self, id: &str) -> Option<&'static Operation> {
        self.operations.iter().find(|op| op.operation_id == id)
    }

    /// Resolves a tag name forgivingly: case, punctuation, plurals and a few
    /// abbreviations (`users`, `orgs`, `organization invitations`, `M2M`).
    pub fn find_tag(&self, name: &str) -> Option<&'static Tag> {
        let want = tag_key(name);
        if want.is_empty() || want.len() > 64 {
            return None;
        }
        // Keys are computed by build.rs with the same function.
        let exact = self.tags.iter().position(|t| t.key == want);
        exact
            .or_else(|| {
                // A unique tag whose key starts with the wanted key ("m2m" -> "m2mtoken").
                let mut it = self
                    .tags
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| want.len() >= 3 && t.key.starts_with(&want));
                match (it.next(), it.next()) {
                    (Some((i, _)), None) => Some(i),
                    _ => None,
                }
            })
            .map(|i| &self.tags[i])
    }
}

pub(crate) use names::{singular, tag_key};

/// The tantivy index files of every version, one folder per version date.
pub(crate) static INDEX_DIR: include_dir::Dir<'static> =
    include_dir::include_dir!("$OUT_DIR/index");

include!(concat!(env!("OUT_DIR"), "/catalog.rs"));

/// A value computed at most once per process for each embedded version, on
/// first use (indexes, resolver caches).
pub struct PerVersion<T> {
    cells: std::sync::OnceLock<Vec<std::sync::OnceLock<T>>>,
}

impl<T> PerVersion<T> {
    /// An empty cache (usable in a `static`).
    pub const fn new() -> Self {
        PerVersion {
            cells: std::sync::OnceLock::new(),
        }
    }

    /// The value for `version`, computing it with `init` the first time.
    pub fn get_or_init(&self, version: &Version, init: impl FnOnce() -> T) -> &T {
        let cells = self.cells.get_or_init(|| {
            VERSIONS
                .iter()
                .map(|_| std::sync::OnceLock::new())
                .collect()
        });
        let i = VERSIONS
            .iter()
            .position(|v| v.date == version.date)
            .unwrap_or(0);
        cells[i].get_or_init(init)
    }
}

impl<T> Default for PerVersion<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Every embedded version, oldest first.
pub fn versions() -> &'static [Version] {
    VERSIONS
}

/// The newest embedded version (the default).
pub fn latest() -> &'static Version {
    VERSIONS
        .last()
        .expect("build.rs embeds at least one version")
}

/// "unknown version `X`; embedded versions: ...", the one wording every caller uses.
pub fn unknown_version(date: &str) -> String {
    let have: Vec<&str> = VERSIONS.iter().map(|v| v.date).collect();
    format!(
        "unknown version `{date}`; embedded versions: {}",
        have.join(", ")
    )
}

/// A version by its date.
pub fn version(date: &str) -> Option<&'static Version> {
    VERSIONS.iter().find(|v| v.date == date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_is_newest() {
        let dates: Vec<&str> = versions().iter().map(|v| v.date).collect();
        let mut sorted = dates.clone();
        sorted.sort();
        assert_eq!(dates, sorted);
        assert_eq!(latest().date, *dates.last().unwrap());
    }

    #[test]
    fn tags_include_undeclared_ones() {
        let v = version("2026-05-12").expect("2026-05-12 embedded");
        let names: Vec<&str> = v.tags().iter().map(|t| t.name).collect();
        for t in [
            "SCIM Directories",
            "Directories",
            "Admin Portal Link Tokens",
            "Accountless Applications",
        ] {
            assert!(names.contains(&t), "{t} missing");
        }
        assert_eq!(v.tags().len(), 42);
        assert_eq!(
            v.tags()
                .iter()
                .filter(|t| v.tag_operations(t.name).next().is_some())
                .count(),
            41
        );
    }

    #[test]
    fn refs_are_resolved_and_required_marked() {
        let v = version("2026-05-12").unwrap();
        let op = v.operation(Method::Post, "/organizations").unwrap();
        let body = op.body.unwrap();
        assert!(body.field("name").unwrap().required);
        let get = v.operation(Method::Get, "/users/{user_id}").unwrap();
        let p = get.param("user_id").unwrap();
        assert_eq!(p.location, ParamIn::Path);
        assert!(p.required);
        assert!(get.responses.iter().any(|r| r.status == "200"));
    }

    #[test]
    fn no_platform_api() {
        for v in versions() {
            assert!(v
                .operations()
                .iter()
                .all(|o| !o.path.starts_with("/platform")));
            assert!(v
                .tags()
                .iter()
                .all(|t| !t.name.to_lowercase().starts_with("platform")));
        }
    }

    #[test]
    fn forgiving_tag_lookup() {
        let v = version("2026-05-12").unwrap();
        assert_eq!(v.find_tag("users").unwrap().name, "Users");
        assert_eq!(v.find_tag("orgs").unwrap().name, "Organizations");
        assert_eq!(
            v.find_tag("organization invitations").unwrap().name,
            "Organization Invitations"
        );
        assert_eq!(v.find_tag("M2M").unwrap().name, "M2M Tokens");
        assert_eq!(
            v.find_tag("email & sms templates").unwrap().name,
            "Email & SMS Templates"
        );
        assert!(v.find_tag("bananas").is_none());
    }
}
